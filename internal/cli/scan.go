package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/scan"
)

type scanOptions struct {
	git, json, sarif, verify, exitZero bool
	maxFileSize                        string
	profile, region                    string
	opts                               scan.Options
}

func newScanCommand(g *globalOptions) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan [PATH ...]",
		Short: "Find AWS access keys in files and git history",
		Long: `Scan files and directory trees (default: the current directory), or with
--git every commit of a repository, for AWS access keys: access key ids
(AKIA, ASIA, ABIA, ACCA and 16 characters) and 40-character secret access
keys next to an id or a keyword such as aws_secret_access_key, checked for
randomness. AWS's documentation keys (ending in EXAMPLE) are ignored. Output
shows key ids and redacts secrets to their first four characters.

Everything is scanned, as a key is leaked wherever it lies: vendor/ and
generated files, minified JavaScript, binary files, the members of zip,
tar and gzip archives (reported as archive.zip!inner/file), UTF-16 text
(as PowerShell writes it), ids written with JSON escapes (\u0041KIA...).
Large files are read in chunks. A path on the command line that is a
symlink is followed; symlinks inside a tree are not. Named pipes, devices
and sockets are skipped. Exclude paths with .keylessignore (below).

With --git, every blob reachable from any ref is read once, and each key is
reported once per path, at the first commit that brought it; commit
messages (as COMMIT_MSG) and annotated tags' messages (as refs/tags/NAME)
are scanned too. --git needs the git command.

Accepting a finding: put "keyless:ignore" on its line, or add a line to
.keylessignore at the root of the scan (the repository for --git):
  AKIAQ3EGYOJ2BMYTCHM4:config/dev.ini:3   one finding, by the fingerprint shown
  AKIAQ3EGYOJ2BMYTCHM4                    that key id anywhere
  testdata/**                             a path glob (no slash: any depth)

--verify never uses a found secret: with your own AWS credentials it asks
STS (GetAccessKeyInfo) which account owns each key id and, for keys of your
own account, IAM for the user, status, creation and last use. A key that
cannot be verified says why; the scan goes on.

Exit codes: 0 no findings, 1 findings (unless --exit-zero) or an error,
64 usage error.`,
		Example: `  keyless scan
  keyless scan --git --sarif > keyless.sarif
  keyless scan src/ config/ --verify --profile audit`,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range oldScanSwitches {
				if cmd.Flags().Changed(name) {
					fmt.Fprintf(g.streams.Err, "keyless: warning: --%s does nothing: everything is scanned by default\nhint: leave paths out with .keylessignore\n", name)
				}
			}
			return runScan(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.git, "git", false, "scan every commit of the git repository at PATH (default .)")
	f.BoolVar(&o.json, "json", false, "print findings as JSON on stdout")
	f.BoolVar(&o.sarif, "sarif", false, "print findings as SARIF 2.1.0 on stdout (for code scanning)")
	f.BoolVar(&o.verify, "verify", false, "ask AWS who owns each key id, with your own credentials (never the found secret)")
	f.BoolVar(&o.exitZero, "exit-zero", false, "exit 0 even when keys are found")
	f.StringVar(&o.maxFileSize, "max-file-size", "", "skip files larger than `SIZE` (bytes, or with KiB/MiB/GiB; default and 0: no limit)")
	// Kept so that scripts still run: what they asked for is the default now.
	for _, name := range oldScanSwitches {
		f.Bool(name, true, "")
		_ = f.MarkHidden(name)
	}
	f.StringVar(&o.opts.IgnoreFile, "ignore-file", "", "read accepted findings from `FILE` (default: .keylessignore at the root)")
	f.IntVar(&o.opts.Workers, "workers", 0, "files scanned in parallel (default: the number of CPUs)")
	f.StringVar(&o.profile, "profile", "", "AWS profile for --verify (default: AWS_PROFILE or the default chain)")
	f.StringVar(&o.region, "region", "", "AWS region for --verify (default: AWS_REGION, the profile's, or us-east-1)")
	return cmd
}

// oldScanSwitches turned on what is scanned by default now.
var oldScanSwitches = []string{"include-vendored", "include-generated", "include-binary"}

func runScan(ctx context.Context, g *globalOptions, o *scanOptions, paths []string) error {
	if o.json && o.sarif {
		return usageErrorf("--json and --sarif cannot be used together\nhint: pick one output format")
	}
	size, err := parseSize(cmp.Or(o.maxFileSize, "0"))
	if err != nil {
		return usageErrorf("--max-file-size: %v\nhint: write e.g. 5MiB, 512KiB or 1048576", err)
	}
	o.opts.MaxFileSize = size
	if o.opts.Workers < 0 {
		return usageErrorf("--workers must not be negative")
	}
	if !o.verify && (o.profile != "" || o.region != "") {
		return usageErrorf("--profile and --region only apply with --verify")
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	start := time.Now()
	var res *scan.Result
	if o.git {
		if len(paths) != 1 {
			return usageErrorf("--git takes one repository path, got %d\nhint: run one scan per repository", len(paths))
		}
		bar := newProgress(g.streams.Err)
		o.opts.Progress = func(done, total int) { bar.Update(done, total, "blobs read") }
		res, err = scan.Git(ctx, paths[0], o.opts)
		bar.Done()
		if errors.Is(err, scan.ErrNoGit) {
			err = withHint(err, "install git (e.g. apt-get install git, brew install git) or put it on PATH; or scan the working tree without --git")
		}
	} else {
		stop := busy(g.streams.Err, "scanning files")
		res, err = scan.Files(ctx, paths, o.opts)
		stop()
	}
	if err != nil {
		return err
	}
	for _, p := range res.Problems {
		fmt.Fprintf(g.streams.Err, "keyless: warning: %v\n", p)
	}
	if o.verify && len(res.Findings) > 0 {
		if err := verifyFindings(ctx, o, res.Findings); err != nil {
			return err
		}
	}
	switch {
	case o.json:
		err = scan.WriteJSON(g.streams.Out, res)
	case o.sarif:
		err = scan.WriteSARIF(g.streams.Out, res.Findings, version())
	default:
		err = scan.WriteText(g.streams.Out, res.Findings)
	}
	if err != nil {
		return fmt.Errorf("write findings: %w", err)
	}
	fmt.Fprintln(g.streams.Err, summary(res, time.Since(start)))
	if len(res.Findings) > 0 && !o.exitZero {
		return &quietExit{code: ExitError}
	}
	return nil
}

// verifyFindings asks AWS about each distinct key id found.
func verifyFindings(ctx context.Context, o *scanOptions, fs []scan.Finding) error {
	var opts []func(*config.LoadOptions) error
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	cfg, err := loadAWSConfig(ctx, opts...)
	if err != nil {
		return withHint(fmt.Errorf("--verify: load AWS configuration: %w", err), "check --profile and ~/.aws/config, or scan without --verify")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // STS and IAM answer these calls in any region
	}
	ids := map[string]bool{}
	for _, f := range fs {
		if f.KeyID != "" {
			ids[f.KeyID] = true
		}
	}
	vs, err := scan.Verify(ctx, sts.NewFromConfig(cfg), iam.NewFromConfig(cfg), slices.Sorted(maps.Keys(ids)))
	if err != nil {
		return err
	}
	for i := range fs {
		if v, ok := vs[fs[i].KeyID]; ok {
			fs[i].Verification = v
		}
	}
	return nil
}

// summary is the line on stderr after a scan.
func summary(r *scan.Result, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "keyless: %s in %s (%.1f MB, %.2fs)", plural.Count(len(r.Findings), "finding", "findings"), plural.Count(r.Files, "file", "files"), float64(r.Bytes)/1e6, took.Seconds())
	if r.Ignored > 0 {
		fmt.Fprintf(&b, ", %d ignored", r.Ignored)
	}
	if len(r.Skipped) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.Skipped)) {
			parts = append(parts, fmt.Sprintf("%d %s", r.Skipped[k], k))
		}
		fmt.Fprintf(&b, "; skipped %s", strings.Join(parts, ", "))
	}
	return b.String()
}

// parseSize reads a byte count with an optional KiB/MiB/GiB (or K/M/G) suffix;
// 0 means no limit.
func parseSize(s string) (int64, error) {
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	if n == 0 {
		return -1, nil
	}
	return n * mult, nil
}
