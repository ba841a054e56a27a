package portal

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// BenchmarkList1000x3 lists 1,000 accounts with 3 roles each from a sandbox
// holding the portal's quota of 20 requests/s, and compares the wall time
// with the floor that quota sets. The world comes from a seed, so setting
// it up takes well under a second. Run with:
//
//	go test -run '^$' -bench List1000x3 -benchtime 1x -timeout 30m ./internal/portal/
//
// The floor: the quota is a token bucket that starts full, so the first
// burst (TPS requests) goes at once and each further request waits 1/TPS.
// A listing needs ceil(accounts/100) ListAccounts pages and one
// ListAccountRoles per account, so the floor is (calls - burst) / TPS.
func BenchmarkList1000x3(b *testing.B) {
	const (
		accounts = 1000
		tps      = 20.0
		burst    = int(tps) // the sandbox's bucket, as AWS's
	)
	w := newWorld(b, accounts, sandbox.Options{TPS: tps})
	token := w.login(b, "sso:account:access")
	calls := minimalCalls(accounts, len(aliceRoles))
	floor := time.Duration(float64(calls-int64(burst)) / tps * float64(time.Second))

	var wall time.Duration
	var made, throttled int64
	b.ResetTimer()
	for range b.N {
		// Each listing starts as a person's would: the quota unused for a
		// second, its bucket full.
		b.StopTimer()
		time.Sleep(time.Duration(float64(burst) / tps * float64(time.Second)))
		w.srv.ResetCalls()
		b.StartTimer()

		start := time.Now()
		got, err := List(context.Background(), w.portal, token, Options{TPS: tps})
		wall += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if diff := cmp.Diff(w.want, got); diff != "" {
			b.Fatalf("List (-want +got):\n%s", diff)
		}
		c, t := w.portalCalls()
		if c != calls+t {
			b.Fatalf("portal calls = %d with %d throttled, want %d + throttled: some call failed otherwise", c, t, calls)
		}
		made += c
		throttled += t
	}
	n := float64(b.N)
	b.ReportMetric(wall.Seconds()/n, "wall-s")
	b.ReportMetric(floor.Seconds(), "floor-s")
	b.ReportMetric(wall.Seconds()/n/floor.Seconds(), "x-floor")
	b.ReportMetric(float64(made)/n, "calls/op")
	b.ReportMetric(float64(throttled)/n, "throttles/op")
}
