package cli

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// BenchmarkWorkloadsApplyIAMRate is issue 12's benchmark: W GitHub
// workloads in each of A accounts (one reached with the caller's
// credentials, the rest through OrganizationAccountAccessRole) applied with
// the sandbox holding IAM to R requests/s per account, as AWS's IAM quota
// is per account, and keyless given --iam-tps R; then a no-op plan. No
// request may be throttled. Each phase's floor is its busiest account's
// IAM requests over R: accounts are worked on at once. The size is
// BENCH_WORKLOADS=200 BENCH_ACCOUNTS=50 (10,000 roles; the default rate is
// 10/s). Results in docs/benchmarks.md:
//
//	go test -run '^$' -bench WorkloadsApplyIAMRate -benchtime 1x ./internal/cli/
func BenchmarkWorkloadsApplyIAMRate(b *testing.B) {
	workloadsN, accounts, tps := envInt(b, "BENCH_WORKLOADS", 40), envInt(b, "BENCH_ACCOUNTS", 10), envInt(b, "BENCH_IAM_TPS", 10)
	bin := buildKeyless(b)
	seed := benchOrganization(accounts)
	cfg := workloadsYAML(workloadsN)

	for b.Loop() {
		srv, url := startTestSandbox(b, sandbox.Options{Seed: seed, IAMTPS: float64(tps)})
		r := benchRunner(b, bin, url, cfg)
		rate := fmt.Sprint(tps)
		phase := func(name, want string, args ...string) {
			srv.ResetCalls()
			took, rss, out := timed(b, r, args...)
			if !strings.Contains(out, want) {
				b.Fatalf("%s:\n%s", name, out)
			}
			calls := srv.Calls()
			if n := throttled(calls); n != 0 {
				b.Fatalf("%s: %d requests throttled at %d IAM requests/s per account with --iam-tps %s", name, n, tps, rate)
			}
			var busiest, all int64
			for k, n := range calls {
				if strings.HasPrefix(k, "account:") && strings.HasSuffix(k, ":iam") {
					busiest, all = max(busiest, n), all+n
				}
			}
			floor := time.Duration(float64(busiest) / float64(tps) * float64(time.Second))
			b.ReportMetric(took.Seconds(), name+"-s")
			b.ReportMetric(floor.Seconds(), name+"-floor-s")
			b.ReportMetric(took.Seconds()/floor.Seconds(), name+"-x-floor")
			b.ReportMetric(float64(rss)/1024, name+"-rss-MiB")
			b.Logf("%s: %d workloads x %d accounts at %d IAM requests/s per account: %s, floor %s (busiest account %d IAM requests; %d in all), %.2fx, 0 throttled, peak RSS %d MiB",
				name, workloadsN, accounts, tps, took.Round(time.Millisecond), floor, busiest, all, took.Seconds()/floor.Seconds(), rss/1024)
		}
		phase("apply", "Apply complete", "apply", "--yes", "--iam-tps", rate)
		phase("plan", "No changes", "plan", "--iam-tps", rate)
	}
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
