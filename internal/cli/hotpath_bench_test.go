package cli

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// BenchmarkHotPath measures `keyless credential-process` against its
// floors, whole processes from start to exit, in one run so the ratios
// share the machine's load (issue 15; results in docs/benchmarks.md):
//
//	go test -run '^$' -bench HotPath -benchtime 200x ./internal/cli/
//
// Warm (role credentials cached): keyless beside testdata/bench/floor, a Go
// program that only reads ~/.aws/config and the cache entry and prints them.
// Cold (SSO token cached, role credentials not): keyless, its cache entry
// removed before each run, beside testdata/bench/sdksso, aws-sdk-go-v2's own
// SSO credential provider, the client aws-vault (v6 and later) and Granted
// call sso:GetRoleCredentials through. Runs alternate, b.N of each. Peak
// memory is each process's maximum resident set. The AWS CLI v2's
// `configure export-credentials` is measured on the warm path too, 10 runs:
// Debian's 2.9 predates AWS_ENDPOINT_URL, so it cannot reach the sandbox
// for the cold one.
func BenchmarkHotPath(b *testing.B) {
	// All three built as the documentation builds keyless: static.
	dir := b.TempDir()
	bin, floor, sdk := filepath.Join(dir, "keyless"), filepath.Join(dir, "floor"), filepath.Join(dir, "sdksso")
	for out, pkg := range map[string]string{bin: "../../cmd/keyless", floor: "./testdata/bench/floor", sdk: "./testdata/bench/sdksso"} {
		build := exec.Command("go", "build", "-o", out, pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	// Peak memory comes from /usr/bin/time, which forks: a child of this
	// process, started with vfork, would report the test's own resident set.
	timeBin, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		b.Fatal("peak memory needs GNU time at /usr/bin/time (apt-get install time)")
	}
	sb := startLiveSandbox(b, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice"})
	p := newPerson(b, bin, sb.url)
	p.login()
	want := parseProcessCredentials(b, "keyless", p.keyless("credential-process", "--profile", powerUser))
	cache, err := filepath.Glob(filepath.Join(p.home, ".aws", "cli", "cache", "*.json"))
	if err != nil || len(cache) != 1 {
		b.Fatalf("want one role credentials cache entry, have %v (%v)", cache, err)
	}
	// The SDK's provider reads AWS_ENDPOINT_URL_SSO, not AWS_ENDPOINT_URL,
	// for the clients it builds to get credentials.
	sdkEnv := []string{"AWS_ENDPOINT_URL_SSO=" + sb.url, "AWS_ENDPOINT_URL_SSO_OIDC=" + sb.url}
	others := otherTools(b)

	type sample struct {
		wall []time.Duration
		rss  int64 // KiB
	}
	rssFile := filepath.Join(dir, "rss")
	// run runs a program once for time and, the first 5 times, once more
	// for peak memory, calling prep before each.
	run := func(s *sample, prep func(), extra []string, name string, args ...string) {
		b.Helper()
		prep()
		d, out := timedRun(b, p.command(extra, name, args...))
		if got := parseProcessCredentials(b, filepath.Base(name), out); got.AccessKeyID == "" {
			b.Fatalf("%s printed no credentials", name)
		}
		s.wall = append(s.wall, d)
		if len(s.wall) <= 5 {
			prep()
			timedRun(b, p.command(extra, timeBin, append([]string{"-f", "%M", "-o", rssFile, name}, args...)...))
			kib, err := os.ReadFile(rssFile)
			if err != nil {
				b.Fatal(err)
			}
			n, err := strconv.ParseInt(strings.TrimSpace(string(kib)), 10, 64)
			if err != nil {
				b.Fatalf("/usr/bin/time wrote %q", kib)
			}
			s.rss = max(s.rss, n)
		}
	}
	// BENCH_BASELINE names another keyless binary (an earlier build) to run
	// alongside, for before-and-after figures from the same run.
	baseline := os.Getenv("BENCH_BASELINE")
	var warmK, warmF, coldK, coldS, warmB, coldB sample
	warmO := make([]sample, len(others))

	nothing := func() {}
	// Warm: no program may call the sandbox.
	before := sb.srv.Calls()
	for b.Loop() {
		run(&warmK, nothing, nil, bin, "credential-process", "--profile", powerUser)
		run(&warmF, nothing, nil, floor, p.configPath(), cache[0])
		if baseline != "" {
			run(&warmB, nothing, nil, baseline, "credential-process", "--profile", powerUser)
		}
	}
	for i, t := range others {
		for range 10 {
			run(&warmO[i], nothing, nil, t.bin, t.args...)
		}
	}
	if after := sb.srv.Calls(); !maps.Equal(before, after) {
		b.Fatalf("the warm runs called the sandbox: %v, then %v", before, after)
	}
	if c := parseProcessCredentials(b, "keyless", p.keyless("credential-process", "--profile", powerUser)); c.AccessKeyID != want.AccessKeyID {
		b.Fatal("the warm runs changed the cached credentials")
	}

	// Cold: keyless's cache entry removed before each run.
	uncache := func() {
		if err := os.Remove(cache[0]); err != nil {
			b.Fatal(err)
		}
	}
	for range len(warmK.wall) {
		run(&coldK, uncache, nil, bin, "credential-process", "--profile", powerUser)
		run(&coldS, nothing, sdkEnv, sdk, powerUser)
		if baseline != "" {
			run(&coldB, uncache, nil, baseline, "credential-process", "--profile", powerUser)
		}
	}

	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	mib := func(kib int64) float64 { return float64(kib) / 1024 }
	b.ReportMetric(ms(median(warmK.wall)), "warm-ms")
	b.ReportMetric(ms(median(warmF.wall)), "floor-ms")
	b.ReportMetric(float64(median(warmK.wall))/float64(median(warmF.wall)), "warm-x-floor")
	b.ReportMetric(ms(median(coldK.wall)), "cold-ms")
	b.ReportMetric(ms(median(coldS.wall)), "sdk-ms")
	b.ReportMetric(float64(median(coldS.wall))/float64(median(coldK.wall)), "cold-x-faster")
	b.ReportMetric(mib(warmK.rss), "warm-MiB")
	b.ReportMetric(mib(coldK.rss), "cold-MiB")
	var lines []string
	add := func(path, who string, s sample) {
		lines = append(lines, fmt.Sprintf("| %s | %s | %.2f ms | %.2f ms | %.1f MiB |", path, who,
			ms(median(s.wall)), ms(percentile(s.wall, 0.9)), mib(s.rss)))
	}
	add("warm", "keyless credential-process", warmK)
	add("warm", "floor (reads the two files)", warmF)
	if baseline != "" {
		add("warm", "BENCH_BASELINE", warmB)
	}
	for i, t := range others {
		add("warm", t.name, warmO[i])
	}
	add("cold", "keyless credential-process", coldK)
	add("cold", "aws-sdk-go-v2 SSO provider (sdksso)", coldS)
	if baseline != "" {
		add("cold", "BENCH_BASELINE", coldB)
	}
	b.Logf("%d runs each (others 10)\n| path | program | median | p90 | peak RSS |\n|---|---|---|---|---|\n%s",
		len(warmK.wall), strings.Join(lines, "\n"))
}

type otherTool struct {
	name string
	bin  string
	args []string
}

// otherTools are the AWS CLIs installed here that export a profile's
// credentials the way a credential_process prints them: the v2 only (v1 has
// no `configure export-credentials`).
func otherTools(b *testing.B) []otherTool {
	var tools []otherTool
	args := []string{"configure", "export-credentials", "--profile", powerUser, "--format", "process"}
	if _, err := os.Stat(awsCLIv2); err == nil {
		tools = append(tools, otherTool{"AWS CLI v2 export-credentials", awsCLIv2, args})
	}
	return tools
}
