package cli

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/portal"
	"github.com/keyless-dev/keyless/internal/sandbox"
)

// BenchmarkCredentialProcessWarm runs the keyless binary's
// `credential-process` with its role credentials cached, whole process from
// start to exit, and then the AWS CLI v2's `configure export-credentials`
// reading the same cache entry 20 times. The sandbox is stopped first:
// neither may touch the network. Results in docs/benchmarks.md:
//
//	go test -run '^$' -bench CredentialProcessWarm -benchtime 500x ./internal/cli/
func BenchmarkCredentialProcessWarm(b *testing.B) {
	const cliRuns = 20
	v2 := requireCLIv2(b)
	bin := buildKeyless(b)
	sb := startLiveSandbox(b, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice"})
	p := newPerson(b, bin, sb.url)
	p.login()
	want := p.keyless("credential-process", "--profile", powerUser) // fills the cache
	sb.stop()

	var keyless []time.Duration
	for b.Loop() {
		d, out := timedRun(b, p.command(nil, bin, "credential-process", "--profile", powerUser))
		if out != want {
			b.Fatalf("credential-process printed other credentials: %s", redactOutput(out))
		}
		keyless = append(keyless, d)
	}
	var cli []time.Duration
	for range cliRuns {
		d, out := timedRun(b, p.command(nil, v2, "configure", "export-credentials", "--profile", powerUser, "--format", "process"))
		if got, exp := parseProcessCredentials(b, "aws", out), parseProcessCredentials(b, "keyless", want); got != exp {
			b.Fatalf("the AWS CLI v2 exported %s, keyless %s", got.redacted(), exp.redacted())
		}
		cli = append(cli, d)
	}
	k, c := median(keyless), median(cli)
	b.ReportMetric(float64(k.Microseconds())/1000, "keyless-median-ms")
	b.ReportMetric(float64(percentile(keyless, 0.9).Microseconds())/1000, "keyless-p90-ms")
	b.ReportMetric(float64(c.Microseconds())/1000, "aws-v2-median-ms")
	b.ReportMetric(float64(c)/float64(k), "x-faster")
	b.Logf("keyless credential-process: median %v over %d runs; aws configure export-credentials: median %v over %d runs",
		k, len(keyless), c, len(cli))
}

// BenchmarkProfilesSync1000x3 runs `keyless profiles sync` for 1,000
// accounts with 3 roles each against a sandbox holding the portal's quota
// of 20 requests/s, and compares its wall time with the floor that quota
// sets. About 50 s a run:
//
//	go test -run '^$' -bench ProfilesSync1000x3 -benchtime 1x -timeout 10m ./internal/cli/
//
// The floor: the sandbox's quota is a token bucket of TPS tokens that starts
// full, so the first TPS requests go at once and each further one waits
// 1/TPS. A listing makes ceil(accounts/100) ListAccounts pages and one
// ListAccountRoles per account: the floor is (calls - TPS) / TPS.
func BenchmarkProfilesSync1000x3(b *testing.B) {
	const (
		accounts = 1000
		tps      = 20.0
	)
	roles := []string{"AdministratorAccess", "Developer", "ReadOnly"}
	seed := sandbox.DefaultSeed()
	seed.Accounts = nil
	seed.Users = []sandbox.SeedUser{{UserName: "alice", Email: "alice@example.com"}}
	for i := range accounts {
		seed.Accounts = append(seed.Accounts, sandbox.SeedAccount{ID: fmt.Sprintf("%012d", 100000000000+i), Name: fmt.Sprintf("acct-%04d", i)})
	}
	seed.ManagementAccount = seed.Accounts[0].ID
	for _, r := range roles {
		seed.PermissionSets = append(seed.PermissionSets, sandbox.SeedPermissionSet{Name: r})
		seed.Assignments = append(seed.Assignments, sandbox.SeedAssignment{PermissionSet: r, User: "alice", Accounts: []string{"all"}})
	}
	bin := buildKeyless(b)
	sb := startLiveSandbox(b, sandbox.Options{Seed: seed, ApproveAs: "alice", TPS: tps})
	p := newPerson(b, bin, sb.url)
	p.login("--no-sync")

	calls := int64((accounts+99)/100 + accounts)
	floor := time.Duration(float64(calls-int64(tps)) / tps * float64(time.Second))
	var wall time.Duration
	var rss, made, throttled int64
	runs := 0
	for b.Loop() {
		// Each sync starts as a person's would: the portal unused for a
		// second, its bucket full.
		b.StopTimer()
		time.Sleep(time.Second)
		before := sb.srv.Calls()
		b.StartTimer()

		cmd := p.command(nil, bin, "profiles", "sync", "--tps", fmt.Sprint(tps), "--json")
		d, out := timedRun(b, cmd)
		var res struct{ Accounts, Roles int }
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Accounts != accounts || res.Roles != accounts*len(roles) {
			b.Fatalf("profiles sync: %+v (%v), want %d accounts and %d roles\n%s", res, err, accounts, accounts*len(roles), out)
		}
		after := sb.srv.Calls()
		c := after["sso:ListAccounts"] + after["sso:ListAccountRoles"] - before["sso:ListAccounts"] - before["sso:ListAccountRoles"]
		t := after["throttled:sso"] - before["throttled:sso"]
		if c != calls+t {
			b.Fatalf("portal calls = %d with %d throttled, want %d + throttled: some call failed otherwise", c, t, calls)
		}
		wall += d
		made += c
		throttled += t
		rss = max(rss, maxRSS(cmd.ProcessState))
		runs++
	}
	n := float64(runs)
	b.ReportMetric(wall.Seconds()/n, "wall-s")
	b.ReportMetric(floor.Seconds(), "floor-s")
	b.ReportMetric(wall.Seconds()/n/floor.Seconds(), "x-floor")
	b.ReportMetric(float64(made)/n, "calls/op")
	b.ReportMetric(float64(throttled)/n, "throttles/op")
	b.ReportMetric(float64(rss)/1024, "peak-MiB")
	b.Logf("profiles sync of %d roles in %d accounts at --tps %v (default %v): %v a run, floor %v",
		accounts*len(roles), accounts, tps, portal.DefaultTPS, (wall / time.Duration(runs)).Round(time.Millisecond), floor)
}

// timedRun runs a command and returns its wall time and stdout.
func timedRun(b *testing.B, cmd *exec.Cmd) (time.Duration, string) {
	b.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	return d, stdout.String()
}

func median(ds []time.Duration) time.Duration { return percentile(ds, 0.5) }

// percentile is the nearest-rank percentile q (0-1) of ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
