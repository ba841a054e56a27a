package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// workloadsYAML is n GitHub workloads in every account.
func workloadsYAML(n int) string {
	var cfg strings.Builder
	cfg.WriteString("region: us-east-1\nworkloads:\n")
	for i := range n {
		fmt.Fprintf(&cfg, "  - {name: app-%03d, github: {repo: acme/app-%03d, branch: main}, all_accounts: true, managed_policies: [ReadOnlyAccess]}\n", i, i)
	}
	return cfg.String()
}

// IAM's quota is per account: plan and apply work in all accounts at once,
// each within --iam-tps, so they take about the busiest account's requests
// over the rate, not all accounts' together; the plan lists the changes in
// account order whichever account finished first; and the sandbox, holding
// each account to the same rate, throttles nothing. A Throttling reply (the
// quota is shared with whatever else runs in the account) is retried until
// it passes.
func TestWorkloadsIAMRatePerAccount(t *testing.T) {
	bin := buildKeyless(t)
	setup := func(t *testing.T, accounts, iamTPS, workloads int) (*sandbox.Server, *runner) {
		srv, url := startTestSandbox(t, sandbox.Options{Seed: benchOrganization(accounts), IAMTPS: float64(iamTPS)})
		r := newRunner(t, bin, url)
		if err := os.WriteFile(filepath.Join(r.dir, "keyless.yaml"), []byte(workloadsYAML(workloads)), 0o644); err != nil {
			t.Fatal(err)
		}
		return srv, r
	}
	run := func(t *testing.T, r *runner, args ...string) (time.Duration, string) {
		t.Helper()
		start := time.Now()
		out, err := r.cmd(args...).CombinedOutput()
		if err != nil {
			t.Fatalf("keyless %v: %v\n%s", args, err, out)
		}
		return time.Since(start), string(out)
	}

	t.Run("accounts at once", func(t *testing.T) {
		const accounts, roles, rate = 4, 4, 4
		srv, r := setup(t, accounts, rate, roles)
		_, first := run(t, r, "plan", "--json", "--iam-tps", fmt.Sprint(rate))
		_, second := run(t, r, "plan", "--json", "--iam-tps", fmt.Sprint(rate))
		if first != second {
			t.Fatalf("two plans of the same world differ:\n%s\n---\n%s", first, second)
		}
		var plan struct {
			Workloads []struct{ Account string }
		}
		if err := json.Unmarshal([]byte(first[strings.Index(first, "{"):]), &plan); err != nil {
			t.Fatalf("plan --json: %v\n%s", err, first)
		}
		var order []string
		for _, c := range plan.Workloads {
			order = append(order, c.Account)
		}
		if len(order) != accounts*(1+roles) || !slices.IsSorted(order) {
			t.Fatalf("plan's workload changes by account: %v, want %d (a provider and %d roles in each), in account order", order, accounts*(1+roles), roles)
		}

		srv.ResetCalls()
		took, out := run(t, r, "apply", "--yes", "--iam-tps", fmt.Sprint(rate))
		if !strings.Contains(out, "Apply complete") {
			t.Fatalf("apply:\n%s", out)
		}
		calls := srv.Calls()
		if n := throttled(calls); n != 0 {
			t.Fatalf("%d requests throttled at %d/s per account with --iam-tps %d: %v", n, rate, rate, calls)
		}
		var busiest, all int64
		for k, n := range calls {
			if strings.HasPrefix(k, "account:") && strings.HasSuffix(k, ":iam") {
				busiest, all = max(busiest, n), all+n
			}
		}
		// One account after another would take all/rate; at once, the
		// busiest account's share.
		floor, oneByOne := time.Duration(busiest)*time.Second/rate, time.Duration(all)*time.Second/rate
		if took >= (floor+oneByOne)/2 {
			t.Fatalf("apply took %s for %d IAM requests (the busiest account %d) at %d/s per account: floor %s, one account after another %s",
				took, all, busiest, rate, floor, oneByOne)
		}
	})

	t.Run("throttling retried", func(t *testing.T) {
		srv, r := setup(t, 1, 2, 2)
		if _, out := run(t, r, "apply", "--yes", "--iam-tps", "50"); !strings.Contains(out, "Apply complete") {
			t.Fatalf("apply:\n%s", out)
		}
		if n := callsTo(srv.Calls(), "throttled:iam:"); n == 0 {
			t.Fatalf("no request was throttled: the test shows nothing (calls %v)", srv.Calls())
		}
		if _, out := run(t, r, "plan"); !strings.Contains(out, "No changes") {
			t.Fatalf("plan after apply:\n%s", out)
		}
	})
}

// The first failure stops the accounts still working; what comes back is
// every account's own failure, in account order, and not the stops.
func TestEachAccountFailuresInAccountOrder(t *testing.T) {
	var running sync.WaitGroup // 111 and 222 are under way before 333 fails
	running.Add(2)
	failed := make(chan struct{})
	err := eachAccount(t.Context(), []string{"111", "222", "333"}, func(ctx context.Context, _ int, acct string) error {
		switch acct {
		case "111": // still working when another fails: stopped
			running.Done()
			<-ctx.Done()
			return fmt.Errorf("account %s: %w", acct, ctx.Err())
		case "333":
			running.Wait()
			defer close(failed)
			return errors.New("account 333: refused")
		default: // fails after 333 did, yet is reported first
			running.Done()
			<-failed
			return errors.New("account 222: refused")
		}
	})
	if err == nil || err.Error() != "account 222: refused\naccount 333: refused" {
		t.Fatalf("eachAccount: %v, want 222's failure then 333's, and not 111's stop", err)
	}
}
