package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// BenchmarkApplyAtAWSQuotas is issue 3's benchmark: 1,000 users, 10 groups,
// 5 permission sets and 100 accounts (500 group assignments) against a
// sandbox at AWS's quotas (--tps 20, --assignment-delay 2s). It reports the
// wall time of the first apply and of a no-op plan beside their floors, and
// the peak memory of the keyless process. Results in docs/benchmarks.md:
//
//	go test -run '^$' -bench ApplyAtAWSQuotas -benchtime 1x -timeout 30m ./internal/cli/
func BenchmarkApplyAtAWSQuotas(b *testing.B) {
	const (
		users, groups, sets, accounts = 1000, 10, 5, 100
		tps                           = 20.0
		delay                         = 2 * time.Second
	)
	bin := buildKeyless(b)
	seed := benchOrganization(accounts)

	var cfg strings.Builder
	cfg.WriteString("region: us-east-1\nusers:\n")
	for i := range users {
		fmt.Fprintf(&cfg, "  - {email: u%04d@example.com, given_name: User, family_name: N%04d}\n", i, i)
	}
	cfg.WriteString("groups:\n")
	for g := range groups {
		fmt.Fprintf(&cfg, "  - name: team-%02d\n    members: [", g)
		for i := g * users / groups; i < (g+1)*users/groups; i++ {
			if i > g*users/groups {
				cfg.WriteString(", ")
			}
			fmt.Fprintf(&cfg, "u%04d@example.com", i)
		}
		cfg.WriteString("]\n")
	}
	cfg.WriteString("permission_sets:\n")
	for s := range sets {
		fmt.Fprintf(&cfg, "  - {name: Set%d, session_duration: PT1H, managed_policies: [ReadOnlyAccess]}\n", s)
	}
	cfg.WriteString("assignments:\n")
	for s := range sets {
		fmt.Fprintf(&cfg, "  - {permission_set: Set%d, groups: [team-%02d], all_accounts: true}\n", s, s)
	}

	for b.Loop() {
		srv, url := startTestSandbox(b, sandbox.Options{Seed: seed, TPS: tps, AssignmentDelay: delay})
		r := benchRunner(b, bin, url, cfg.String())

		applyTime, applyRSS, out := timed(b, r, "apply", "--yes")
		if !strings.Contains(out, "Apply complete") {
			b.Fatalf("apply:\n%s", out)
		}
		applyCalls := srv.Calls()
		srv.ResetCalls()
		planTime, planRSS, out := timed(b, r, "plan")
		if !strings.Contains(out, "No changes") {
			b.Fatalf("plan after apply:\n%s", out)
		}
		planCalls := srv.Calls()

		// Floors: the calls the work needs over the quota, and the
		// assignments over 15 outstanding times the delay.
		applyFloor := max(
			time.Duration(float64(users)/tps*float64(time.Second)),                  // CreateUser, one identitystore bucket
			time.Duration(float64(users)/tps*float64(time.Second)),                  // CreateGroupMembership, another
			time.Duration(float64(2*sets*accounts+2*sets)/tps*float64(time.Second)), // sso-admin: create + status per assignment, sets
			time.Duration(float64(sets*accounts)/15*delay.Seconds()*float64(time.Second)),
		)
		planFloor := time.Duration(float64(ssoAdminCalls(planCalls)) / tps * float64(time.Second))
		b.ReportMetric(applyTime.Seconds(), "apply-s")
		b.ReportMetric(applyFloor.Seconds(), "apply-floor-s")
		b.ReportMetric(applyTime.Seconds()/applyFloor.Seconds(), "apply-x-floor")
		b.ReportMetric(planTime.Seconds(), "plan-s")
		b.ReportMetric(planFloor.Seconds(), "plan-floor-s")
		b.ReportMetric(float64(applyRSS)/1024, "apply-peak-MiB")
		b.ReportMetric(float64(planRSS)/1024, "plan-peak-MiB")
		b.Logf("apply: %s (floor %s), %d sso-admin calls, %d throttled; plan: %s (floor %s), %d sso-admin calls",
			applyTime.Round(time.Millisecond), applyFloor, ssoAdminCalls(applyCalls), throttled(applyCalls), planTime.Round(time.Millisecond), planFloor, ssoAdminCalls(planCalls))
	}
}

// benchOrganization is an organization of n accounts, the first its
// management account.
func benchOrganization(n int) *sandbox.Seed {
	seed := sandbox.DefaultSeed()
	seed.Accounts = nil
	seed.ManagementAccount = fmt.Sprintf("%012d", 100000000000)
	for i := range n {
		seed.Accounts = append(seed.Accounts, sandbox.SeedAccount{ID: fmt.Sprintf("%012d", 100000000000+i), Name: fmt.Sprintf("acct-%03d", i)})
	}
	return seed
}

// benchRunner runs keyless against the sandbox at url with keylessYAML and
// nothing of the person's AWS setup.
func benchRunner(b *testing.B, bin, url, keylessYAML string) *runner {
	r := &runner{bin: bin, dir: b.TempDir()}
	r.env = append(withoutAWS(os.Environ()), "AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=us-east-1", "HOME="+r.dir,
		"AWS_CONFIG_FILE="+r.dir+"/none", "AWS_SHARED_CREDENTIALS_FILE="+r.dir+"/none")
	if err := os.WriteFile(filepath.Join(r.dir, "keyless.yaml"), []byte(keylessYAML), 0o644); err != nil {
		b.Fatal(err)
	}
	return r
}

func throttled(calls map[string]int64) int64 { return callsTo(calls, "throttled:") }

func ssoAdminCalls(calls map[string]int64) int64 { return callsTo(calls, "sso-admin:") }

// callsTo sums the sandbox's counters whose names start with prefix.
func callsTo(calls map[string]int64, prefix string) int64 {
	var n int64
	for k, v := range calls {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// timed runs keyless and returns its wall time and peak RSS in KiB.
func timed(b *testing.B, r *runner, args ...string) (time.Duration, int64, string) {
	cmd := r.cmd(args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("keyless %v: %v\n%s", args, err, out.String())
	}
	return time.Since(start), maxRSS(cmd.ProcessState), out.String()
}
