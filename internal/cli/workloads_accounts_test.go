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
// each account to the same rate, throttles nothing.
func TestWorkloadsAccountsAtOnce(t *testing.T) {
	bin := buildKeyless(t)
	const accounts, rate = 4, 2
	srv, url := startTestSandbox(t, sandbox.Options{Seed: benchOrganization(accounts), IAMTPS: rate})
	r := newRunner(t, bin, url)
	if err := os.WriteFile(filepath.Join(r.dir, "keyless.yaml"), []byte(workloadsYAML(3)), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (time.Duration, string) {
		t.Helper()
		start := time.Now()
		out, err := r.cmd(args...).CombinedOutput()
		if err != nil {
			t.Fatalf("keyless %v: %v\n%s", args, err, out)
		}
		return time.Since(start), string(out)
	}

	_, first := run("plan", "--json", "--iam-tps", fmt.Sprint(rate))
	_, second := run("plan", "--json", "--iam-tps", fmt.Sprint(rate))
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
	if len(order) != accounts*4 || !slices.IsSorted(order) {
		t.Fatalf("plan's workload changes by account: %v, want %d (a provider and 3 roles in each), in account order", order, accounts*4)
	}

	srv.ResetCalls()
	took, out := run("apply", "--yes", "--iam-tps", fmt.Sprint(rate))
	if !strings.Contains(out, "Apply complete") {
		t.Fatalf("apply:\n%s", out)
	}
	calls := srv.Calls()
	if n := callsTo(calls, "throttled:"); n != 0 {
		t.Fatalf("%d requests throttled at %d/s per account with --iam-tps %d: %v", n, rate, rate, calls)
	}
	var busiest, all int64
	for k, n := range calls {
		if strings.HasPrefix(k, "account:") && strings.HasSuffix(k, ":iam") {
			busiest, all = max(busiest, n), all+n
		}
	}
	// One account after another would take all/rate; at once, the busiest
	// account's share.
	floor, oneByOne := time.Duration(busiest)*time.Second/rate, time.Duration(all)*time.Second/rate
	if took >= (floor+oneByOne)/2 {
		t.Fatalf("apply took %s for %d IAM requests (the busiest account %d) at %d/s per account: floor %s, one account after another %s",
			took, all, busiest, rate, floor, oneByOne)
	}
}

// A Throttling reply (IAM's quota is shared with whatever else runs in the
// account) is retried until it passes: apply at a rate above the account's
// still completes.
func TestWorkloadsRetryThrottling(t *testing.T) {
	bin := buildKeyless(t)
	srv, url := startTestSandbox(t, sandbox.Options{Seed: benchOrganization(2), IAMTPS: 2})
	r := newRunner(t, bin, url)
	if err := os.WriteFile(filepath.Join(r.dir, "keyless.yaml"), []byte(workloadsYAML(2)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := r.cmd("apply", "--yes", "--iam-tps", "50").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Apply complete") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if n := callsTo(srv.Calls(), "throttled:iam:"); n == 0 {
		t.Fatalf("no request was throttled: the test shows nothing (calls %v)", srv.Calls())
	}
	out, err = r.cmd("plan").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No changes") {
		t.Fatalf("plan after apply: %v\n%s", err, out)
	}
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
