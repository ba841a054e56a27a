package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/smithy-go"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/cleanup"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/scan"
	"github.com/keyless-dev/keyless/internal/usage"
)

// mapValues reads the --map flags: USER=VALUE, or a file of USER: VALUE
// lines.
func (o *importIAMOptions) mapValues() ([]cleanup.MapValue, error) {
	var out []cleanup.MapValue
	for _, v := range o.maps {
		if user, value, ok := strings.Cut(v, "="); ok && !fileExists(v) {
			if strings.TrimSpace(user) == "" || strings.TrimSpace(value) == "" {
				return nil, usageErrorf("--map %s: give USER=EMAIL or USER=PROVIDER:WHERE\nhint: e.g. --map deploy-bot=github:acme/deploy", v)
			}
			out = append(out, cleanup.MapValue{Flag: "--map " + v, User: user, Value: value})
			continue
		}
		m, err := cleanup.LoadMap(v)
		if err != nil {
			return nil, err
		}
		users := make([]string, 0, len(m))
		for u := range m {
			users = append(users, u)
		}
		slices.Sort(users)
		for _, u := range users {
			out = append(out, cleanup.MapValue{Flag: fmt.Sprintf("--map %s (%s)", v, u), User: u, Value: m[u], InFile: true})
		}
	}
	return out, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// keyUsage collects the CloudTrail evidence of every access key of the
// account's users, in --regions (default: us-east-1 and each key's last
// region), showing progress.
func (o *importIAMOptions) keyUsage(ctx context.Context, g *globalOptions, cfg aws.Config, st *audit.AccountState) (*usage.Report, error) {
	regions := slices.Clone(o.regions)
	var keys []usage.Key
	for _, u := range st.Users {
		for _, k := range u.AccessKeys {
			keys = append(keys, usage.Key{AccessKeyID: k.ID, Account: st.AccountID, User: u.Name, Created: k.Created})
			if len(o.regions) == 0 && k.LastUsedRegion != "" && k.LastUsedRegion != "N/A" && !slices.Contains(regions, k.LastUsedRegion) {
				regions = append(regions, k.LastUsedRegion)
			}
		}
	}
	if len(keys) == 0 {
		return &usage.Report{}, nil
	}
	if len(o.regions) == 0 && !slices.Contains(regions, "us-east-1") {
		regions = append([]string{"us-east-1"}, regions...)
	}
	// Collect paces its requests, but the SDK's retries and another
	// tool's use of the same quota are not: retry throttling patiently.
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(ro *retry.StandardOptions) {
			ro.MaxAttempts, ro.MaxBackoff, ro.RateLimiter = 10, 5*time.Second, ratelimit.None
			ro.Retryables = append([]retry.IsErrorRetryable{notCloudTrail{}}, ro.Retryables...)
		})
	}
	clients := func(_ context.Context, _, region string) (usage.LookupAPI, error) {
		return cloudtrail.NewFromConfig(cfg, func(co *cloudtrail.Options) { co.Region, co.Retryer = region, retryer() }), nil
	}
	fmt.Fprintf(g.streams.Err, "Reading the use of %s from CloudTrail (last 90 days) in %s.\n", plural.Count(len(keys), "access key", "access keys"), strings.Join(regions, ", "))
	bar := newProgress(g.streams.Err)
	rep, err := usage.Collect(ctx, clients, keys, usage.Options{Regions: regions,
		Progress: func(p usage.Progress) { bar.Update(p.Done, p.Total, "key lookups") }})
	bar.Done()
	return rep, err
}

// scans runs keyless scan over each --scan directory.
func (o *importIAMOptions) scans(ctx context.Context) ([]cleanup.ScanResult, error) {
	var out []cleanup.ScanResult
	for _, dir := range o.scanDirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, usageErrorf("--scan %s: not a directory\nhint: give a checkout of the repository whose CI uses the key", dir)
		}
		res, err := scan.Files(ctx, []string{dir}, scan.Options{})
		if err != nil {
			return nil, fmt.Errorf("--scan %s: %w", dir, err)
		}
		out = append(out, cleanup.ScanResult{Dir: dir, Findings: res.Findings})
	}
	return out, nil
}

// printMachines says, on stderr, what became of each machine user.
func printMachines(g *globalOptions, ms *cleanup.Machines) {
	for _, m := range ms.List {
		w := g.streams.Err
		if m.Workload != nil {
			fmt.Fprintf(w, "workload %s: IAM user %s (%s) becomes a workloads: entry for %s, from %s\n", m.Workload.Name, m.User, m.Class, m.Workload.Where, m.Workload.From)
		} else {
			fmt.Fprintf(w, "by hand: IAM user %s (%s): %s\n", m.User, m.Class, m.Todo)
		}
		fmt.Fprintf(w, "    evidence: %s\n", strings.Join(m.Reasons, "; "))
		fmt.Fprintf(w, "    use: %s\n", m.Evidence)
		for _, l := range m.Limits {
			fmt.Fprintf(w, "    limit: %s\n", l)
		}
	}
}

// machineCounts is ", N workloads, M to replace by hand", "" without
// machine users.
func machineCounts(ms *cleanup.Machines) string {
	if len(ms.List) == 0 {
		return ""
	}
	return fmt.Sprintf(", %s, %d to replace by hand", plural.Count(len(ms.Workloads), "workload", "workloads"), len(ms.List)-len(ms.Workloads))
}

// notCloudTrail does not retry an answer that is not CloudTrail's JSON (an
// endpoint without the API, such as moto, answers an HTML page): asking
// again cannot help.
type notCloudTrail struct{}

func (notCloudTrail) IsErrorRetryable(err error) aws.Ternary {
	// A body that is not JSON at all; a connection closed while reading
	// one is retried as usual.
	if _, ok := errors.AsType[*smithy.DeserializationError](err); ok {
		if _, syntax := errors.AsType[*json.SyntaxError](err); syntax {
			return aws.FalseTernary
		}
	}
	return aws.UnknownTernary
}
