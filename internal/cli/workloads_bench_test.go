package cli

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// BenchmarkWorkloadsApplyIAMRate is issue 12's benchmark, scaled down: W
// GitHub workloads in each of A accounts (one reached with the caller's
// credentials, the rest through OrganizationAccountAccessRole) applied with
// IAM limited to --iam-tps, then a no-op plan. It reports both wall times
// beside their floor, the IAM requests made over the rate. The issue's
// 200 workloads x 50 accounts at 10/s is BENCH_WORKLOADS=200
// BENCH_ACCOUNTS=50 BENCH_IAM_TPS=10 (long). Results in docs/benchmarks.md:
//
//	go test -run '^$' -bench WorkloadsApplyIAMRate -benchtime 1x ./internal/cli/
func BenchmarkWorkloadsApplyIAMRate(b *testing.B) {
	workloadsN, accounts, tps := envInt(b, "BENCH_WORKLOADS", 40), envInt(b, "BENCH_ACCOUNTS", 10), envInt(b, "BENCH_IAM_TPS", 100)
	bin := buildKeyless(b)
	seed := benchOrganization(accounts)
	var cfg strings.Builder
	cfg.WriteString("region: us-east-1\nworkloads:\n")
	for i := range workloadsN {
		fmt.Fprintf(&cfg, "  - {name: app-%03d, github: {repo: acme/app-%03d, branch: main}, all_accounts: true, managed_policies: [ReadOnlyAccess]}\n", i, i)
	}

	for b.Loop() {
		srv, url := startTestSandbox(b, sandbox.Options{Seed: seed})
		r := benchRunner(b, bin, url, cfg.String())
		rate := fmt.Sprint(tps)
		applyTime, _, out := timed(b, r, "apply", "--yes", "--iam-tps", rate)
		if !strings.Contains(out, "Apply complete") {
			b.Fatalf("apply:\n%s", out)
		}
		applyCalls := callsTo(srv.Calls(), "iam:")
		srv.ResetCalls()
		planTime, _, out := timed(b, r, "plan", "--iam-tps", rate)
		if !strings.Contains(out, "No changes") {
			b.Fatalf("plan after apply:\n%s", out)
		}
		planCalls := callsTo(srv.Calls(), "iam:")

		floor := func(calls int64) time.Duration {
			return time.Duration(float64(calls) / float64(tps) * float64(time.Second))
		}
		b.ReportMetric(applyTime.Seconds(), "apply-s")
		b.ReportMetric(floor(applyCalls).Seconds(), "apply-floor-s")
		b.ReportMetric(applyTime.Seconds()/floor(applyCalls).Seconds(), "apply-x-floor")
		b.ReportMetric(planTime.Seconds(), "plan-s")
		b.ReportMetric(floor(planCalls).Seconds(), "plan-floor-s")
		b.ReportMetric(planTime.Seconds()/floor(planCalls).Seconds(), "plan-x-floor")
		b.Logf("%d workloads x %d accounts at %d IAM requests/s: apply %s (%d IAM requests, floor %s); no-op plan %s (%d, floor %s)",
			workloadsN, accounts, tps, applyTime.Round(time.Millisecond), applyCalls, floor(applyCalls),
			planTime.Round(time.Millisecond), planCalls, floor(planCalls))
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
