package status

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How a tool gets credentials for the SSO profiles keyless writes
// (profiles with sso_session, the form `keyless profiles sync` writes).
const (
	// ToolNative: it reads sso-session profiles and the token cache itself.
	ToolNative = "native"
	// ToolNeedsProcess: it does not (or reads only legacy SSO profiles):
	// give it a profile with credential_process = keyless credential-process.
	ToolNeedsProcess = "needs_credential_process"
	// ToolDepends: it depends on something status cannot see (a provider
	// version, the tool it calls); Note says what.
	ToolDepends = "depends"
)

// Tool is one tool found installed.
type Tool struct {
	Name    string `json:"name"` // the command: aws, terraform, python3, ...
	Kind    string `json:"kind"` // what it is: "AWS CLI v2", "boto3", ...
	Path    string `json:"path"`
	Version string `json:"version,omitempty"`
	SSO     string `json:"sso"`
	Note    string `json:"note"`
}

// ToolFinder finds tools and asks them their versions.
type ToolFinder struct {
	// Getenv reads PATH and HOME.
	Getenv func(string) string
	// Run runs a command and returns its stdout and stderr together.
	Run func(ctx context.Context, path string, args ...string) ([]byte, error)
	// Dir is the working directory, where a Terraform lock file says the
	// AWS provider's version.
	Dir string
	// Extra are paths looked at besides PATH for the AWS CLI (the v2
	// installer's /usr/local/bin/aws, Debian's /usr/bin/aws).
	Extra []string
}

// versionTimeout bounds one `--version`: the AWS CLI v1 takes about 0.4 s.
const versionTimeout = 15 * time.Second

// Find lists the tools installed, asking their versions in parallel.
func (f ToolFinder) Find(ctx context.Context) []Tool {
	type probe struct {
		name, path string
		ask        func(ctx context.Context, path string) Tool
	}
	var probes []probe
	for _, p := range f.all("aws") {
		probes = append(probes, probe{"aws", p, f.awsCLI})
	}
	for name, ask := range map[string]func(context.Context, string) Tool{
		"terraform": f.terraform,
		"python3":   f.boto3,
		"pulumi":    f.pulumi,
		"cdk":       f.cdk,
		"kubectl":   f.kubectl,
	} {
		if p := f.first(name); p != "" {
			probes = append(probes, probe{name, p, ask})
		}
	}
	out := make([]Tool, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, versionTimeout)
			defer cancel()
			t := p.ask(ctx, p.path)
			t.Name, t.Path = p.name, p.path
			out[i] = t
		})
	}
	wg.Wait()
	out = slices.DeleteFunc(out, func(t Tool) bool { return t.Kind == "" })
	slices.SortStableFunc(out, func(a, b Tool) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out
}

// all returns every executable called name on PATH and in Extra, each
// real file once (a symlink and its target are one tool).
func (f ToolFinder) all(name string) []string {
	var out []string
	seen := map[string]bool{}
	dirs := filepath.SplitList(f.Getenv("PATH"))
	for _, e := range f.Extra {
		if filepath.Base(e) == name {
			dirs = append(dirs, filepath.Dir(e))
		}
	}
	for _, d := range dirs {
		if !filepath.IsAbs(d) {
			// "." or a relative PATH entry would run whatever the current
			// directory holds (Go's exec.LookPath refuses it too).
			continue
		}
		p := filepath.Join(d, name)
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			real = p
		}
		if seen[real] {
			continue
		}
		seen[real] = true
		out = append(out, p)
	}
	return out
}

func (f ToolFinder) first(name string) string {
	if all := f.all(name); len(all) > 0 {
		return all[0]
	}
	return ""
}

func (f ToolFinder) run(ctx context.Context, path string, args ...string) string {
	b, _ := f.Run(ctx, path, args...)
	return string(b)
}

// Thresholds, with where they come from (docs/status.md cites them).
var (
	// AWS CLI v2 reads sso-session sections from 2.9.0 (its CHANGELOG).
	awsV2Session = []int{2, 9, 0}
	// botocore (AWS CLI v1, boto3) reads legacy SSO profiles from 1.17.16
	// (boto/botocore#1988, #2070) and sso-session sections from 1.29.10.
	botocoreLegacy  = []int{1, 17, 16}
	botocoreSession = []int{1, 29, 10}
	// Terraform's S3 backend uses aws-sdk-go-v2 from 1.6 (sso-session).
	terraformBackendSession = []int{1, 6, 0}
	// The Terraform AWS provider 5.x reads sso-session (4.45 did not:
	// hashicorp/terraform-provider-aws#28263).
	terraformProviderSession = []int{5, 0, 0}
)

// awsCLI tells v1 from v2 by `aws --version`: "aws-cli/2.9.19 Python/...",
// "aws-cli/1.45.11 Python/3.11.7 ... botocore/1.43.11".
func (f ToolFinder) awsCLI(ctx context.Context, path string) Tool {
	out := f.run(ctx, path, "--version")
	v := after(out, "aws-cli/")
	switch {
	case v == "":
		return Tool{Kind: "AWS CLI (version unknown)", SSO: ToolDepends, Note: "`" + path + " --version` did not say; v2.9 and later, and v1 with botocore 1.29.10 and later, read sso-session profiles"}
	case strings.HasPrefix(v, "2."):
		t := Tool{Kind: "AWS CLI v2", Version: v}
		if atLeast(v, awsV2Session) {
			t.SSO, t.Note = ToolNative, "reads sso-session profiles and the token cache; `aws sso login` works too"
		} else {
			t.SSO, t.Note = ToolNeedsProcess, "before 2.9.0 it reads only legacy SSO profiles: upgrade, or use credential_process"
		}
		return t
	default:
		t := Tool{Kind: "AWS CLI v1", Version: v}
		bc := after(out, "botocore/")
		t.SSO, t.Note = botocoreSupport(bc, "it has no `aws sso login`: sign in with keyless login")
		return t
	}
}

// botocoreSupport judges a botocore version (AWS CLI v1, boto3).
func botocoreSupport(v, native string) (string, string) {
	switch {
	case v == "":
		return ToolDepends, "botocore version unknown: 1.29.10 and later read sso-session profiles"
	case atLeast(v, botocoreSession):
		return ToolNative, "botocore " + v + " reads sso-session profiles and the token cache; " + native
	case atLeast(v, botocoreLegacy):
		return ToolNeedsProcess, "botocore " + v + " reads only legacy SSO profiles (1.29.10 reads sso-session): upgrade, or use credential_process"
	}
	return ToolNeedsProcess, "botocore " + v + " reads no SSO profiles (1.17.16 legacy, 1.29.10 sso-session): upgrade, or use credential_process"
}

// terraform: the S3 backend follows Terraform's version; the AWS provider
// is a separate binary whose version the project's lock file holds.
func (f ToolFinder) terraform(ctx context.Context, path string) Tool {
	v := strings.TrimPrefix(firstField(after(f.run(ctx, path, "version"), "Terraform ")), "v")
	t := Tool{Kind: "Terraform", Version: v}
	backend := "its S3 backend reads sso-session profiles"
	if v != "" && !atLeast(v, terraformBackendSession) {
		backend = "its S3 backend reads only legacy SSO profiles before 1.6"
	}
	pv := f.terraformProvider()
	switch {
	case pv == "":
		t.SSO, t.Note = ToolDepends, backend+"; the AWS provider does from 5.0 (no .terraform.lock.hcl here to check)"
	case atLeast(pv, terraformProviderSession):
		t.SSO, t.Note = ToolNative, backend+"; AWS provider "+pv+" (.terraform.lock.hcl) reads sso-session profiles"
	default:
		t.SSO, t.Note = ToolNeedsProcess, backend+"; AWS provider "+pv+" (.terraform.lock.hcl) does not read sso-session profiles before 5.0: upgrade it, or use credential_process"
	}
	return t
}

// terraformProvider reads the hashicorp/aws provider's version from the
// lock file in Dir, or "".
func (f ToolFinder) terraformProvider() string {
	if f.Dir == "" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(f.Dir, ".terraform.lock.hcl"))
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(string(b), `provider "registry.terraform.io/hashicorp/aws"`)
	if !ok {
		return ""
	}
	block, _, _ := strings.Cut(rest, "\n}")
	for line := range strings.SplitSeq(block, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "version" {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// boto3 is found through python3, when it imports botocore.
func (f ToolFinder) boto3(ctx context.Context, path string) Tool {
	out := strings.TrimSpace(f.run(ctx, path, "-c", "import botocore; print(botocore.__version__)"))
	if out == "" || strings.ContainsAny(out, " \n") {
		return Tool{} // no boto3 here
	}
	t := Tool{Kind: "boto3 (botocore)", Version: out}
	t.SSO, t.Note = botocoreSupport(out, "sign in with keyless login")
	return t
}

func (f ToolFinder) pulumi(context.Context, string) Tool {
	return Tool{Kind: "Pulumi", SSO: ToolDepends, Note: "pulumi-aws 6 and later (built on the Terraform AWS provider 5) read sso-session profiles; older need credential_process"}
}

func (f ToolFinder) cdk(context.Context, string) Tool {
	return Tool{Kind: "AWS CDK", SSO: ToolDepends, Note: "CDK v2 reads SSO profiles through the AWS SDK for JavaScript v3; with an old CDK, use credential_process"}
}

func (f ToolFinder) kubectl(context.Context, string) Tool {
	return Tool{Kind: "kubectl", SSO: ToolDepends, Note: "its EKS exec plugin runs `aws eks get-token`: it reads SSO profiles when that AWS CLI does (above)"}
}

// after returns the first whitespace-free word following marker in s.
func after(s, marker string) string {
	_, rest, ok := strings.Cut(s, marker)
	if !ok {
		return ""
	}
	return firstField(rest)
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// atLeast compares a dotted version with min, numerically; a missing part
// is zero and a suffix (1.6.0-beta1) is ignored.
func atLeast(v string, min []int) bool {
	parts := strings.Split(v, ".")
	for i, m := range min {
		n := 0
		if i < len(parts) {
			digits := parts[i]
			if end := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); end >= 0 {
				digits = digits[:end]
			}
			n, _ = strconv.Atoi(digits)
		}
		if n != m {
			return n > m
		}
	}
	return true
}
