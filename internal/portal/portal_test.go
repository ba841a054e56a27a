package portal

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
)

// aliceRoles are the roles alice has in every account of a generated world,
// through her group.
var aliceRoles = []string{"AdministratorAccess", "Developer", "ReadOnly"}

// world is a sandbox where alice has aliceRoles in each of n accounts and bob,
// who is not in her group, has a role in the first account and in one more
// account only he reaches.
type world struct {
	srv    *sandbox.Server
	url    string
	cfg    aws.Config
	portal *sso.Client
	want   []Access // alice's access, computed from how the world was built
}

// worldSeed writes the seed: accounts named so that name order differs from
// id order, two of them sharing a name so ids decide.
func worldSeed(n int) *sandbox.Seed {
	seed := &sandbox.Seed{
		Users: []sandbox.SeedUser{
			{UserName: "alice", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"},
			{UserName: "bob", GivenName: "Bob", FamilyName: "Roe", Email: "bob@example.com"},
		},
		Groups: []sandbox.SeedGroup{{Name: "platform", Members: []string{"alice"}}},
	}
	for i := range n + 1 { // the last account is bob's alone
		name := fmt.Sprintf("%s-%04d", []string{"prod", "dev", "test"}[i%3], n-i)
		if i == 1 {
			name = seed.Accounts[0].Name
		}
		seed.Accounts = append(seed.Accounts, sandbox.SeedAccount{ID: fmt.Sprintf("%012d", 100000000000+i*7919), Name: name})
	}
	return seed
}

// newWorld starts a sandbox with opts and the world of worldSeed(n), its
// permission sets and assignments given in the seed as an administrator
// would have made them: alice reaches aliceRoles in the first n accounts
// through her group, bob has Billing in the first and the last account.
func newWorld(tb testing.TB, n int, opts sandbox.Options) *world {
	tb.Helper()
	seed := worldSeed(n)
	var aliceAccounts []string
	for _, a := range seed.Accounts[:n] {
		aliceAccounts = append(aliceAccounts, a.ID)
	}
	for _, name := range append(aliceRoles, "Billing") {
		seed.PermissionSets = append(seed.PermissionSets, sandbox.SeedPermissionSet{Name: name, SessionDuration: "PT1H"})
	}
	for _, r := range aliceRoles {
		seed.Assignments = append(seed.Assignments, sandbox.SeedAssignment{PermissionSet: r, Group: "platform", Accounts: aliceAccounts})
	}
	seed.Assignments = append(seed.Assignments, sandbox.SeedAssignment{PermissionSet: "Billing", User: "bob",
		Accounts: []string{seed.Accounts[0].ID, seed.Accounts[n].ID}})

	opts.Seed, opts.AssignmentDelay, opts.ApproveAs = seed, -1, "alice"
	srv, url := sandboxtest.Start(tb, opts)
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
		config.WithBaseEndpoint(url),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		tb.Fatal(err)
	}
	// The portal client keeps the SDK's default retries: List must not
	// depend on them.
	w := &world{srv: srv, url: url, cfg: cfg, portal: sso.NewFromConfig(cfg, func(o *sso.Options) { o.RetryMaxAttempts = 3 })}
	for _, a := range seed.Accounts[:n] {
		for _, r := range aliceRoles {
			w.want = append(w.want, Access{AccountID: a.ID, AccountName: a.Name, AccountEmail: a.Name + "@example.com", RoleName: r})
		}
	}
	// Sorted by account name, account id, role name.
	sort.Slice(w.want, func(i, j int) bool {
		key := func(a Access) string { return a.AccountName + "\x00" + a.AccountID + "\x00" + a.RoleName }
		return key(w.want[i]) < key(w.want[j])
	})
	return w
}

// login signs alice in (the sandbox approves as her) and returns the access
// token.
func (w *world) login(tb testing.TB, scopes ...string) string {
	tb.Helper()
	ctx := context.Background()
	oidc := ssooidc.NewFromConfig(w.cfg)
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("portal-test"), ClientType: aws.String("public"), Scopes: scopes})
	if err != nil {
		tb.Fatal(err)
	}
	dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(w.url + "/start")})
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: dev.DeviceCode})
	if err != nil {
		tb.Fatal(err)
	}
	return aws.ToString(tok.AccessToken)
}

// portalCalls is the number of portal listing requests the sandbox answered
// or refused, and how many it refused for the quota.
func (w *world) portalCalls() (calls, throttled int64) {
	c := w.srv.Calls()
	return c["sso:ListAccounts"] + c["sso:ListAccountRoles"], c["throttled:sso"]
}

// minimalCalls is what listing n accounts with r roles each costs at best.
func minimalCalls(n, r int) int64 {
	pages := func(k int) int64 { return int64(max(1, (k+pageSize-1)/pageSize)) }
	return pages(n) + int64(n)*pages(r)
}

func TestListUnderTheQuota(t *testing.T) {
	// AWS's quota is 20/s; a quota of 100/s behaves alike and keeps the
	// test to seconds (BenchmarkList1000x3 runs at 20/s).
	const n, quota = 300, 100.0 // three pages of accounts
	w := newWorld(t, n, sandbox.Options{TPS: quota})
	token := w.login(t, "sso:account:access")
	ctx := context.Background()

	for _, tps := range []float64{quota, 2 * quota} { // at the quota, then over it
		t.Run(fmt.Sprint("tps=", tps), func(t *testing.T) {
			w.srv.ResetCalls()
			var progress []int
			got, err := List(ctx, w.portal, token, Options{TPS: tps, Progress: func(done, total int) {
				if total != n {
					t.Errorf("progress total = %d, want %d", total, n)
				}
				progress = append(progress, done)
			}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w.want, got); diff != "" {
				t.Fatalf("List (-want +got):\n%s", diff)
			}
			if len(progress) != n || progress[0] != 1 || progress[n-1] != n {
				t.Fatalf("progress = %v, want 1..%d", progress, n)
			}
			// Every request beyond the minimum is a throttled one, retried.
			calls, throttled := w.portalCalls()
			if calls != minimalCalls(n, len(aliceRoles))+throttled {
				t.Fatalf("portal calls = %d with %d throttled, want %d + throttled (all calls %v)", calls, throttled, minimalCalls(n, len(aliceRoles)), w.srv.Calls())
			}
			if tps > quota && throttled == 0 {
				t.Fatalf("listing at %v/s against a quota of %v/s was never throttled", tps, quota)
			}
			t.Logf("%d calls, %d throttled", calls, throttled)
		})
	}
}

func TestListRetriesThrottlesBeyondTheSDK(t *testing.T) {
	// Three in ten requests are refused at random: the SDK's retryer alone
	// would give up on some call after its 3 attempts.
	const n = 30
	w := newWorld(t, n, sandbox.Options{Throttle: 0.3})
	token := w.login(t, "sso:account:access")
	w.srv.ResetCalls()
	got, err := List(context.Background(), w.portal, token, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w.want, got); diff != "" {
		t.Fatalf("List (-want +got):\n%s", diff)
	}
	if calls, _ := w.portalCalls(); calls <= minimalCalls(n, len(aliceRoles)) {
		t.Fatalf("%d portal calls for %d accounts: nothing was retried", calls, n)
	}
}

func TestListTokenRefused(t *testing.T) {
	w := newWorld(t, 3, sandbox.Options{})
	ctx := context.Background()
	revoked := w.login(t, "sso:account:access")
	if _, err := w.portal.Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(revoked)}); err != nil {
		t.Fatal(err)
	}
	otherApp := w.login(t, "codewhisperer:completions")

	for _, tc := range []struct {
		name, token string
		expired     bool
	}{
		{"revoked", revoked, true},
		{"unknown", "aoa" + strings.Repeat("x", 40), true},
		{"another application's", otherApp, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.srv.ResetCalls()
			got, err := List(ctx, w.portal, tc.token, Options{})
			if err == nil {
				t.Fatalf("List = %v, want an error", got)
			}
			if errors.Is(err, ErrTokenExpired) != tc.expired {
				t.Fatalf("errors.Is(%v, ErrTokenExpired) = %v, want %v", err, !tc.expired, tc.expired)
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Fatalf("the error shows the access token: %v", err)
			}
			if calls, _ := w.portalCalls(); calls != 1 {
				t.Fatalf("%d portal calls, want 1: a refused token is not retried", calls)
			}
		})
	}
}

func TestListCancel(t *testing.T) {
	const n, tps = 40, 5 // about 7 s of listing
	w := newWorld(t, n, sandbox.Options{})
	token := w.login(t, "sso:account:access")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	start := time.Now()
	_, err := List(ctx, w.portal, token, Options{TPS: tps, Progress: func(done, _ int) {
		if done == 2 {
			cancel()
		}
	}})
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("List after cancel: %v, want context.Canceled", err)
	}
	// Two accounts take the first burst of 5 calls and under half a second.
	if took > 2*time.Second {
		t.Fatalf("List returned %v after start, want soon after the cancel", took)
	}
	// Nothing goes on calling. A request the client abandoned may still
	// reach the server just after List returns: count from a moment later.
	time.Sleep(200 * time.Millisecond)
	calls, _ := w.portalCalls()
	time.Sleep(500 * time.Millisecond)
	if later, _ := w.portalCalls(); later != calls || calls >= minimalCalls(n, len(aliceRoles)) {
		t.Fatalf("portal calls: %d after List returned, %d later, of %d for a whole listing", calls, later, minimalCalls(n, len(aliceRoles)))
	}
}

func TestRetryDelay(t *testing.T) {
	p := retryPolicy{base: 100 * time.Millisecond, cap: 2 * time.Second}
	for _, tc := range []struct {
		attempt int
		jitter  float64
		want    time.Duration
	}{
		{1, 0.999, 99900 * time.Microsecond},
		{1, 0, 0},
		{2, 0.5, 100 * time.Millisecond},
		{5, 1, 1600 * time.Millisecond},
		{6, 1, 2 * time.Second}, // capped
		{40, 0.5, time.Second},  // no overflow
	} {
		if got := p.delay(tc.attempt, tc.jitter); got != tc.want {
			t.Errorf("delay(%d, %v) = %v, want %v", tc.attempt, tc.jitter, got, tc.want)
		}
	}
}
