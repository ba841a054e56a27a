package signin

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/safefile"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
)

// clock is shared by the sandbox and the manager, so tests move time for
// both without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	srv   *sandbox.Server
	url   string
	clock *clock
	m     *Manager
	sess  Session
}

func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	ck := &clock{t: time.Now().UTC().Truncate(time.Second)}
	opts.Now = ck.Now
	if opts.ApproveAs == "" {
		opts.ApproveAs = "alice"
	}
	if opts.Seed == nil {
		opts.Seed = testSeed()
	}
	srv, u := sandboxtest.Start(t, opts)
	e := &env{srv: srv, url: u, clock: ck}
	e.m = &Manager{
		Home: t.TempDir(),
		Now:  ck.Now,
		Config: func(ctx context.Context, region string) (aws.Config, error) {
			return aws.Config{Region: region, BaseEndpoint: aws.String(u), Credentials: aws.AnonymousCredentials{}}, nil
		},
		Sleep: func(ctx context.Context, d time.Duration) error { ck.Add(d); return ctx.Err() },
	}
	e.sess = Session{Name: "corp", StartURL: u + "/start", Region: "us-east-1", Scopes: []string{ScopeAccountAccess}}
	return e
}

// testSeed: alice is SuperAdmin in the management account and PowerUser
// in dev; bob reads everything.
func testSeed() *sandbox.Seed {
	s := sandbox.DefaultSeed()
	s.Users = []sandbox.SeedUser{{UserName: "alice", Email: "alice@example.com"}, {UserName: "bob", Email: "bob@example.com"}}
	s.PermissionSets = []sandbox.SeedPermissionSet{{Name: "SuperAdmin"}, {Name: "PowerUser"}, {Name: "ReadOnly"}}
	s.Assignments = []sandbox.SeedAssignment{
		{PermissionSet: "SuperAdmin", User: "alice", Accounts: []string{"111111111111"}},
		{PermissionSet: "PowerUser", User: "alice", Accounts: []string{"222222222222"}},
		{PermissionSet: "ReadOnly", User: "bob", Accounts: []string{"all"}},
	}
	return s
}

// follow is a scripted browser: it follows redirects like a browser does
// and returns the last page.
func follow(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Errorf("browser: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) calls(t *testing.T, name string) int64 {
	t.Helper()
	return e.srv.Calls()[name]
}

func TestDeviceLoginWritesTheCLICache(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	var out strings.Builder
	e.m.Out = &out
	res, err := e.m.Login(context.Background(), e.sess, LoginOptions{DeviceCode: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reused || res.How != "device code" {
		t.Errorf("result = %+v, want a device-code sign-in", res)
	}
	if !strings.Contains(out.String(), "code") || !strings.Contains(out.String(), "/device") {
		t.Errorf("instructions lack the URL or code:\n%s", out.String())
	}
	// The AWS CLI's name: sha1 of the session name.
	path := filepath.Join(e.m.Home, ".aws", "sso", "cache", "%s.json")
	path = fmt.Sprintf(path, fmt.Sprintf("%x", sha1.Sum([]byte("corp"))))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	var raw map[string]string
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range tokenFields {
		if raw[k] == "" {
			t.Errorf("cache lacks %s: %v", k, keys(raw))
		}
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", raw["expiresAt"]); err != nil {
		t.Errorf("expiresAt %q not in the CLI's format", raw["expiresAt"])
	}
	if raw["startUrl"] != e.sess.StartURL || raw["region"] != "us-east-1" {
		t.Errorf("startUrl/region = %q/%q", raw["startUrl"], raw["region"])
	}
	if strings.Contains(out.String(), raw["accessToken"]) || strings.Contains(out.String(), raw["refreshToken"]) {
		t.Error("a token reached the instructions")
	}

	// A second login reuses the token; a forced one reuses the registration.
	res, err = e.m.Login(context.Background(), e.sess, LoginOptions{DeviceCode: true})
	if err != nil || !res.Reused {
		t.Fatalf("second login: %+v %v", res, err)
	}
	if _, err := e.m.Login(context.Background(), e.sess, LoginOptions{DeviceCode: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	if n := e.calls(t, "sso-oidc:RegisterClient"); n != 1 {
		t.Errorf("RegisterClient called %d times, want 1 (registration reused)", n)
	}
	if n := e.calls(t, "sso-oidc:StartDeviceAuthorization"); n != 2 {
		t.Errorf("StartDeviceAuthorization called %d times, want 2", n)
	}
}

func keys(m map[string]string) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	return k
}

func TestBrowserLoginPKCE(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	var pageBody string
	var authURL string
	e.m.Browser = func(u string) error {
		authURL = u
		go func() {
			_, pageBody = follow(t, u)
		}()
		return nil
	}
	res, err := e.m.Login(context.Background(), e.sess, LoginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.How != "browser" {
		t.Errorf("how = %q", res.How)
	}
	q, _ := url.Parse(authURL)
	p := q.Query()
	if p.Get("code_challenge_method") != "S256" || len(p.Get("code_challenge")) != 43 || p.Get("state") == "" ||
		!strings.HasPrefix(p.Get("redirect_uri"), "http://127.0.0.1:") || p.Get("scopes") != ScopeAccountAccess {
		t.Errorf("authorize URL lacks PKCE parameters: %s", authURL)
	}
	if res.Token.RefreshToken == "" || res.Token.AccessToken == "" {
		t.Error("token without access or refresh token")
	}
	// The listener is gone once the sign-in is done.
	if _, err := http.Get(p.Get("redirect_uri")); err == nil {
		t.Error("callback listener still answers after the sign-in")
	}
	_ = pageBody
}

func TestBrowserLoginRefusesWrongStateAndReplays(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	var (
		mu      sync.Mutex
		results []string
	)
	e.m.Browser = func(u string) error {
		q, _ := url.Parse(u)
		redirect := q.Query().Get("redirect_uri")
		go func() {
			// An attacker (or a stale tab) answers first with a wrong state.
			st, body := follow(t, redirect+"?code=forged&state=wrong")
			mu.Lock()
			results = append(results, body)
			mu.Unlock()
			if st != http.StatusBadRequest || !strings.Contains(body, "state does not match") {
				t.Errorf("wrong state: %d %s", st, body)
			}
			// Then the real browser finishes the sign-in.
			st, body = follow(t, u)
			if st != 200 || !strings.Contains(body, "Signed in") {
				t.Errorf("real callback: %d %s", st, body)
			}
		}()
		return nil
	}
	if _, err := e.m.Login(context.Background(), e.sess, LoginOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := e.calls(t, "sso-oidc:CreateToken"); n != 1 {
		t.Errorf("CreateToken called %d times; the forged callback must not reach it", n)
	}
}

func TestBrowserLoginDenied(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.m.Browser = func(u string) error {
		q, _ := url.Parse(u)
		p := q.Query()
		go follow(t, p.Get("redirect_uri")+"?error=access_denied&error_description=the+user+denied&state="+url.QueryEscape(p.Get("state")))
		return nil
	}
	_, err := e.m.Login(context.Background(), e.sess, LoginOptions{})
	if err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("err = %v, want the denial", err)
	}
	if _, err := os.Stat(TokenPath(e.m.Home, "corp")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed sign-in wrote a token")
	}
}

func login(t *testing.T, e *env) *Token {
	t.Helper()
	res, err := e.m.Login(context.Background(), e.sess, LoginOptions{DeviceCode: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.Token
}

func TestRefreshWindows(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	first := login(t, e)
	ctx := context.Background()

	// More than 15 minutes left: the cached token, no call.
	e.clock.Add(40 * time.Minute)
	tok, err := e.m.Token(ctx, e.sess)
	if err != nil || tok.AccessToken != first.AccessToken {
		t.Fatalf("token with 20 min left: %v", err)
	}
	if n := e.calls(t, "sso-oidc:CreateToken"); n != 1 {
		t.Fatalf("CreateToken calls %d, want 1 (the login)", n)
	}
	// 12 minutes left: refreshed, and the rotated refresh token is saved.
	e.clock.Add(8 * time.Minute)
	tok, err = e.m.Token(ctx, e.sess)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == first.AccessToken || tok.RefreshToken == first.RefreshToken {
		t.Error("refresh did not replace the access and refresh tokens")
	}
	saved, _ := readToken(TokenPath(e.m.Home, "corp"))
	if saved.RefreshToken != tok.RefreshToken || saved.AccessToken != tok.AccessToken {
		t.Error("the rotated tokens were not saved")
	}
	if !saved.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) {
		t.Errorf("expiresAt %v, want now+1h", saved.ExpiresAt)
	}
	// The old refresh token no longer works: had it been lost, the next
	// refresh would fail. Move to 5 minutes before expiry and refresh again.
	e.clock.Add(55 * time.Minute)
	if _, err := e.m.Token(ctx, e.sess); err != nil {
		t.Fatalf("second refresh with the saved rotated token: %v", err)
	}
}

func TestExpiredAndRevoked(t *testing.T) {
	e := newEnv(t, sandbox.Options{RefreshTokenTTL: 2 * time.Hour})
	login(t, e)
	ctx := context.Background()
	// Past the refresh token's life: the refresh is refused and the person
	// is told to sign in.
	e.clock.Add(3 * time.Hour)
	_, err := e.m.Token(ctx, e.sess)
	var lr *LoginRequiredError
	if !errors.As(err, &lr) {
		t.Fatalf("err = %v, want LoginRequiredError", err)
	}
	if !strings.Contains(lr.Hint(), "keyless login --session corp") {
		t.Errorf("hint %q", lr.Hint())
	}
	// No token at all.
	other := e.sess
	other.Name = "other"
	if _, err := e.m.Token(ctx, other); !errors.As(err, &lr) || lr.Reason != "not signed in" {
		t.Errorf("never signed in: %v", err)
	}
}

func TestAdvisoryRefreshFailureKeepsToken(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	first := login(t, e)
	// The OIDC service is unreachable: in the advisory window the token is
	// still used, in the mandatory window it is an error.
	e.m.Config = func(ctx context.Context, region string) (aws.Config, error) {
		return aws.Config{Region: region, BaseEndpoint: aws.String("http://127.0.0.1:1"), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}, nil
	}
	e.clock.Add(48 * time.Minute)
	tok, err := e.m.Token(context.Background(), e.sess)
	if err != nil || tok.AccessToken != first.AccessToken {
		t.Fatalf("advisory window: %v", err)
	}
	e.clock.Add(5 * time.Minute)
	if _, err := e.m.Token(context.Background(), e.sess); err == nil {
		t.Fatal("mandatory window: refresh failure not reported")
	} else if strings.Contains(err.Error(), first.RefreshToken) || strings.Contains(err.Error(), first.ClientSecret) {
		t.Fatal("error carries a secret")
	}
}

func TestUnknownFieldsKept(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	login(t, e)
	path := TokenPath(e.m.Home, "corp")
	var m map[string]any
	b, _ := os.ReadFile(path)
	json.Unmarshal(b, &m)
	m["someToolField"] = map[string]any{"x": []any{1.0, "y"}}
	b, _ = json.Marshal(m)
	os.WriteFile(path, b, 0o600)

	e.clock.Add(50 * time.Minute) // refresh rewrites the file
	if _, err := e.m.Token(context.Background(), e.sess); err != nil {
		t.Fatal(err)
	}
	var after map[string]any
	b, _ = os.ReadFile(path)
	json.Unmarshal(b, &after)
	if diff := cmp.Diff(m["someToolField"], after["someToolField"]); diff != "" {
		t.Errorf("unknown field changed (-want +got):\n%s", diff)
	}
}

func TestCredentialsSharedCache(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	login(t, e)
	r := Role{Session: e.sess, AccountID: "222222222222", RoleName: "PowerUser"}
	ctx := context.Background()
	c, err := e.m.Credentials(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	// The file is the AWS CLI's, under its key.
	key := `{"accountId":"222222222222","roleName":"PowerUser","sessionName":"corp"}`
	path := filepath.Join(e.m.Home, ".aws", "cli", "cache", sha1Hex(key)+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	json.Unmarshal(b, &f)
	cr, _ := f["Credentials"].(map[string]any)
	if f["ProviderType"] != "sso" || cr["AccessKeyId"] != c.AccessKeyID || cr["Expiration"] != c.Expiration.Format("2006-01-02T15:04:05Z") {
		t.Errorf("cache file %s", b)
	}
	// Warm: no call.
	before := e.calls(t, "sso:GetRoleCredentials")
	if c2, err := e.m.Credentials(ctx, r); err != nil || c2 != c {
		t.Fatalf("warm: %v", err)
	}
	if n := e.calls(t, "sso:GetRoleCredentials"); n != before {
		t.Errorf("warm path called the portal")
	}
	// 14 minutes left: refreshed.
	e.clock.Add(time.Until(c.Expiration) - 14*time.Minute)
	if c3, err := e.m.Credentials(ctx, r); err != nil || c3.AccessKeyID == c.AccessKeyID {
		t.Fatalf("refresh inside 15 min: %v", err)
	}
	// A role not assigned: a clear error.
	_, err = e.m.Credentials(ctx, Role{Session: e.sess, AccountID: "333333333333", RoleName: "NoSuchRole"})
	if err == nil || !strings.Contains(err.Error(), "not assigned") {
		t.Errorf("unassigned role: %v", err)
	}
}

// Legacy profiles key the role cache by start URL.
func TestLegacyRoleKey(t *testing.T) {
	r := Role{Session: Session{StartURL: "https://d-1.awsapps.com/start"}, AccountID: "1", RoleName: "R"}
	want := sha1Hex(`{"accountId":"1","roleName":"R","startUrl":"https://d-1.awsapps.com/start"}`)
	if got := r.cacheKey(); got != want {
		t.Errorf("key %s, want %s", got, want)
	}
}

func TestConcurrentCredentialsOneCall(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	login(t, e)
	r := Role{Session: e.sess, AccountID: "111111111111", RoleName: "SuperAdmin"}
	var wg sync.WaitGroup
	var failed atomic.Int32
	keysSeen := sync.Map{}
	for range 100 {
		wg.Go(func() {
			c, err := e.m.Credentials(context.Background(), r)
			if err != nil {
				failed.Add(1)
				t.Error(err)
				return
			}
			keysSeen.Store(c.AccessKeyID, true)
		})
	}
	wg.Wait()
	if n := e.calls(t, "sso:GetRoleCredentials"); n != 1 {
		t.Errorf("GetRoleCredentials called %d times, want 1", n)
	}
	n := 0
	keysSeen.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("%d different credentials handed out, want 1", n)
	}
}

func TestConcurrentRefreshOnce(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	login(t, e)
	e.clock.Add(50 * time.Minute)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := e.m.Token(context.Background(), e.sess); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// One CreateToken for the login, one for the refresh.
	if n := e.calls(t, "sso-oidc:CreateToken"); n != 2 {
		t.Errorf("CreateToken called %d times, want 2", n)
	}
}

func TestConcurrentLoginsOneSignIn(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	var opened atomic.Int32
	e.m.Browser = func(u string) error {
		opened.Add(1)
		go follow(t, u)
		return nil
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := e.m.Login(context.Background(), e.sess, LoginOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := opened.Load(); n != 1 {
		t.Errorf("%d browsers opened, want 1", n)
	}
}

// Two forced logins at once: the one that waited takes the other's new
// token and says so (Other); a forced login that waited on a lock without a
// new token behind it still signs in.
func TestConcurrentForcedLogins(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	first := login(t, e)
	release := make(chan struct{})
	var opened atomic.Int32
	e.m.Browser = func(u string) error {
		if opened.Add(1) == 1 {
			go func() { <-release; follow(t, u) }()
		} else {
			go follow(t, u)
		}
		return nil
	}
	results := make(chan LoginResult, 2)
	start := func() {
		go func() {
			res, err := e.m.Login(context.Background(), e.sess, LoginOptions{Force: true})
			if err != nil {
				t.Error(err)
			}
			results <- res
		}()
	}
	start()
	for opened.Load() == 0 { // the first holds the lock, its browser open
		time.Sleep(time.Millisecond)
	}
	start()
	time.Sleep(500 * time.Millisecond) // the second reads the cache and waits for the lock (generous: CI machines are loaded)
	close(release)
	a, b := <-results, <-results
	if n := opened.Load(); n != 1 {
		t.Errorf("%d browsers opened, want 1", n)
	}
	if a.Reused || a.Other || !b.Reused || !b.Other {
		t.Errorf("first %+v, second %+v: want a sign-in, then the other's token", a, b)
	}
	if b.Token == nil || b.Token.AccessToken == first.AccessToken {
		t.Error("the second login kept the old token")
	}

	// A forced login that waits on the lock while nothing new is written
	// signs in itself.
	unlock, _, err := safefile.LockIn(context.Background(), safefile.LockDir(filepath.Join(e.m.Home, ".aws")), TokenPath(e.m.Home, e.sess.cacheKey()))
	if err != nil {
		t.Fatal(err)
	}
	start()
	time.Sleep(100 * time.Millisecond)
	unlock()
	if c := <-results; c.Reused || c.Other {
		t.Errorf("forced login after a wait with no new token: %+v, want a sign-in", c)
	}
	if n := opened.Load(); n != 2 {
		t.Errorf("%d browsers opened, want 2", n)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	tok := login(t, e)
	r := Role{Session: e.sess, AccountID: "111111111111", RoleName: "SuperAdmin"}
	if _, err := e.m.Credentials(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	had, err := e.m.Logout(context.Background(), e.sess, []Role{r})
	if err != nil || !had {
		t.Fatalf("logout: %v %v", had, err)
	}
	for _, p := range []string{TokenPath(e.m.Home, "corp"), RolePath(e.m.Home, r)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists", p)
		}
	}
	if n := e.calls(t, "sso:Logout"); n != 1 {
		t.Errorf("portal Logout calls %d", n)
	}
	// The token is dead at the portal too.
	pc, _ := e.m.Portal(context.Background(), e.sess)
	if _, err := pc.ListAccounts(context.Background(), nil); err == nil {
		_ = tok
	}
}

// A damaged token cache asks for a sign-in, which replaces it.
func TestDamagedTokenCache(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	path := TokenPath(e.m.Home, "corp")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"accessToken": "trunc`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := e.m.Token(context.Background(), e.sess)
	var lr *LoginRequiredError
	if !errors.As(err, &lr) || !strings.Contains(lr.Reason, "not valid JSON") {
		t.Fatalf("err = %v, want a LoginRequiredError about the cache", err)
	}
	login(t, e)
	if _, err := e.m.Token(context.Background(), e.sess); err != nil {
		t.Fatalf("after a new sign-in: %v", err)
	}
}

// In the advisory window a failing refresh is tried at most once a minute,
// across processes (the record is a file), and a success clears it.
func TestAdvisoryRefreshAtMostOnceAMinute(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	first := login(t, e)
	var calls atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":"service_unavailable"}`)
	}))
	defer down.Close()
	live := e.m.Config
	e.m.Config = func(ctx context.Context, region string) (aws.Config, error) {
		return aws.Config{Region: region, BaseEndpoint: aws.String(down.URL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}, nil
	}
	ctx := context.Background()
	e.clock.Add(48 * time.Minute) // 12 minutes left: advisory
	for range 5 {
		if tok, err := e.m.Token(ctx, e.sess); err != nil || tok.AccessToken != first.AccessToken {
			t.Fatalf("advisory window: %v", err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d refresh attempts in the same minute, want 1", n)
	}
	e.clock.Add(61 * time.Second)
	if _, err := e.m.Token(ctx, e.sess); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d refresh attempts after a minute, want 2", n)
	}
	// The service is back: the refresh succeeds and the record goes.
	e.m.Config = live
	e.clock.Add(61 * time.Second)
	tok, err := e.m.Token(ctx, e.sess)
	if err != nil || tok.AccessToken == first.AccessToken {
		t.Fatalf("refresh once the service is back: %v", err)
	}
	if _, err := os.Stat(e.m.failedPath(TokenPath(e.m.Home, "corp"))); !errors.Is(err, os.ErrNotExist) {
		t.Error("the failed-refresh record outlived a successful refresh")
	}
}

// A refresh the OIDC service refuses (the refresh token was revoked or is
// unknown: invalid_grant) in the advisory window still leaves a good access
// token: it is used, and the refresh is tried again at most once a minute,
// across processes. In the mandatory window the person must sign in.
func TestAdvisoryRefreshRejectedKeepsToken(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reject func(t *testing.T, e *env, path string)
	}{
		// The refresh token an administrator revoked: invalid_grant, and
		// the access token still opens the portal.
		{"revoked by an administrator", func(t *testing.T, e *env, _ string) {
			resp, err := http.Post(e.url+"/_sandbox/revoke-refresh-tokens", "application/json", strings.NewReader(`{"user_name":"alice"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("revoke alice's refresh tokens: %s", resp.Status)
			}
		}},
		// A refresh token the service does not know (another tool
		// rotated it, a restored backup): invalid_grant too.
		{"unknown to the service", func(t *testing.T, _ *env, path string) {
			tok, _ := readToken(path)
			tok.RefreshToken = "aor-unknown"
			if err := writeToken(path, tok); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{})
			first := login(t, e)
			tc.reject(t, e, TokenPath(e.m.Home, "corp"))
			ctx := context.Background()
			e.clock.Add(48 * time.Minute) // 12 minutes left
			before := e.calls(t, "sso-oidc:CreateToken")
			for range 20 {
				if tok, err := e.m.Token(ctx, e.sess); err != nil || tok.AccessToken != first.AccessToken {
					t.Fatalf("advisory window, refresh refused: %v", err)
				}
			}
			if n := e.calls(t, "sso-oidc:CreateToken") - before; n != 1 {
				t.Fatalf("%d CreateToken calls for 20 tokens in one minute, want 1", n)
			}
			// Role credentials come with the still-valid token.
			if _, err := e.m.Credentials(ctx, Role{Session: e.sess, AccountID: "111111111111", RoleName: "SuperAdmin"}); err != nil {
				t.Fatalf("credentials with the still-valid token: %v", err)
			}
			e.clock.Add(61 * time.Second)
			if _, err := e.m.Token(ctx, e.sess); err != nil {
				t.Fatal(err)
			}
			if n := e.calls(t, "sso-oidc:CreateToken") - before; n != 2 {
				t.Fatalf("%d CreateToken calls after a minute, want 2", n)
			}
			e.clock.Add(2 * time.Minute) // 8 minutes left: mandatory
			var lr *LoginRequiredError
			if _, err := e.m.Token(ctx, e.sess); !errors.As(err, &lr) {
				t.Fatalf("mandatory window with a refused refresh: %v, want LoginRequiredError", err)
			}
		})
	}
}

// Role credentials in hand are handed out even when the cache cannot be
// written (full disk, a directory in the way): a warning, not an error.
func TestCredentialsCacheWriteFailureIsAWarning(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	login(t, e)
	var out strings.Builder
	e.m.Out = &out
	r := Role{Session: e.sess, AccountID: "222222222222", RoleName: "PowerUser"}
	// A non-empty directory where the cache file goes: the rename fails,
	// for root too.
	if err := os.MkdirAll(filepath.Join(RolePath(e.m.Home, r), "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	c, err := e.m.Credentials(context.Background(), r)
	if err != nil || c.AccessKeyID == "" {
		t.Fatalf("credentials with an unwritable cache: %v", err)
	}
	if !strings.Contains(out.String(), "keyless: warning: save role credentials to the cache") {
		t.Errorf("no warning: %q", out.String())
	}
	if strings.Contains(out.String(), c.SecretAccessKey) || strings.Contains(out.String(), c.SessionToken) {
		t.Error("the warning carries a secret")
	}
}
