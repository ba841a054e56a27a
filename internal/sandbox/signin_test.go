package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	ssooidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
)

// The sign-in side (sso-oidc, the portal, STS, console federation) is tested
// against the sandbox only: moto has no sso-oidc or portal.

const (
	mgmtAcct = "111111111111"
	devAcct  = "222222222222"
	prodAcct = "333333333333"
	ciKeyID  = "AKIAQ3EGYOJ2BMYTCHM4"
	adminSfx = "0123456789abcdef"
)

// signinEnv is a sandbox with users, groups, permission sets and
// assignments for sign-in tests.
type signinEnv struct {
	srv   *Server
	url   string
	cfg   aws.Config
	clock *fakeClock
	oidc  *ssooidc.Client
	sso   *sso.Client
	// noFollow does not follow redirects, as a CLI's loopback listener
	// sees them.
	noFollow *http.Client
}

func signinSeed() *Seed {
	s := DefaultSeed()
	s.Accounts[2].IAMUsers = []SeedIAMUser{{Name: "ci", AccessKeys: []SeedAccessKey{{ID: ciKeyID}}}}
	s.Users = []SeedUser{
		{UserName: "alice", GivenName: "Alice", FamilyName: "Admin", Email: "alice@example.com"},
		{UserName: "bob", GivenName: "Bob", FamilyName: "Builder", Email: "bob@example.com"},
		{UserName: "carol", GivenName: "Carol", FamilyName: "Nobody"},
		{UserName: "eve", DisplayName: `<script>alert("x")</script>`},
	}
	s.Groups = []SeedGroup{
		{Name: "admins", Members: []string{"alice"}},
		{Name: "devs", Members: []string{"alice", "bob"}},
	}
	return s
}

func newSigninEnv(t *testing.T, opts Options) *signinEnv {
	t.Helper()
	clock := newFakeClock()
	opts.Seed = signinSeed()
	opts.Now = clock.Now
	srv, u := startSandbox(t, opts)
	srv.withWorld(func(w *World, now time.Time) {
		ps := func(name, dur, sfx, policy string) *PermissionSet {
			p := &PermissionSet{ARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-" + sfx, Name: name,
				SessionDuration: dur, RoleSuffix: sfx, Created: now, ManagedPolicies: []string{"arn:aws:iam::aws:policy/" + policy}}
			w.PermissionSets = append(w.PermissionSets, p)
			return p
		}
		admin := ps("AdministratorAccess", "PT12H", adminSfx, "AdministratorAccess")
		dev := ps("Developer", "PT2H", "aaaabbbbccccdddd", "PowerUserAccess")
		ro := ps("ReadOnly", "PT1H", "fedcba9876543210", "ReadOnlyAccess")
		unused := ps("Unassigned", "PT1H", "1111222233334444", "ReadOnlyAccess")
		user := func(n string) string { return w.userByName(n).ID }
		group := func(n string) string {
			for _, g := range w.Groups {
				if g.DisplayName == n {
					return g.ID
				}
			}
			t.Fatalf("no group %s", n)
			return ""
		}
		add := func(acct string, p *PermissionSet, typ, id string) {
			w.Assignments = append(w.Assignments, &Assignment{AccountID: acct, PermissionSetARN: p.ARN, PrincipalType: typ, PrincipalID: id})
			w.provision(p, acct, now) // as CreateAccountAssignment does
		}
		add(mgmtAcct, admin, "USER", user("alice"))
		add(devAcct, admin, "GROUP", group("admins"))
		add(prodAcct, admin, "GROUP", group("admins"))
		add(devAcct, dev, "GROUP", group("devs"))
		add(devAcct, ro, "GROUP", group("devs"))
		add(devAcct, ro, "USER", user("alice")) // also through devs: listed once
		_ = unused
		w.iamAccount(prodAcct).Roles = append(w.iamAccount(prodAcct).Roles,
			&IAMRole{Name: "deploy", Path: "/service/", ID: "AROADEPLOYROLE0000001", Created: now, MaxSessionDuration: 43200,
				TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"]},"Action":"sts:AssumeRole"}]}`})
	})
	cfg := sdkConfig(t, u)
	return &signinEnv{srv: srv, url: u, cfg: cfg, clock: clock,
		oidc: ssooidc.NewFromConfig(cfg), sso: sso.NewFromConfig(cfg),
		noFollow: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (e *signinEnv) userID(t *testing.T, name string) string {
	t.Helper()
	var id string
	e.srv.withWorld(func(w *World, _ time.Time) {
		if u := w.userByName(name); u != nil {
			id = u.ID
		}
	})
	if id == "" {
		t.Fatalf("no user %s", name)
	}
	return id
}

var nonceInPage = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

// get fetches a page and returns status and body.
func (e *signinEnv) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := e.noFollow.Get(e.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (e *signinEnv) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := e.noFollow.PostForm(e.url+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func pageNonce(t *testing.T, body string) string {
	t.Helper()
	m := nonceInPage.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form nonce in page:\n%s", body)
	}
	return m[1]
}

func (e *signinEnv) register(t *testing.T, in *ssooidc.RegisterClientInput) *ssooidc.RegisterClientOutput {
	t.Helper()
	if in.ClientName == nil {
		in.ClientName = aws.String("signin-test")
	}
	if in.ClientType == nil {
		in.ClientType = aws.String("public")
	}
	out, err := e.oidc.RegisterClient(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// approveDevice approves (or denies, with user "") a user code on the /device page.
func (e *signinEnv) approveDevice(t *testing.T, userCode, user string) {
	t.Helper()
	resp, body := e.get(t, "/device?user_code="+url.QueryEscape(userCode))
	if resp.StatusCode != 200 || !strings.Contains(body, userCode) {
		t.Fatalf("GET /device = %d:\n%s", resp.StatusCode, body)
	}
	form := url.Values{"nonce": {pageNonce(t, body)}, "user_code": {userCode}}
	if user == "" {
		form.Set("deny", "1")
	} else {
		form.Set("user_id", e.userID(t, user))
	}
	resp, body = e.post(t, "/device", form)
	if resp.StatusCode != 200 {
		t.Fatalf("POST /device = %d:\n%s", resp.StatusCode, body)
	}
}

// deviceLogin signs a user in with the device flow and returns the token.
func (e *signinEnv) deviceLogin(t *testing.T, user string, scopes ...string) *ssooidc.CreateTokenOutput {
	t.Helper()
	return e.deviceSignIn(t, user, scopes...).token
}

// signedIn is a signed-in user's client and token.
type signedIn struct {
	client *ssooidc.RegisterClientOutput
	token  *ssooidc.CreateTokenOutput
}

// deviceSignIn signs a user in with the device flow and returns the
// client and the token.
func (e *signinEnv) deviceSignIn(t *testing.T, user string, scopes ...string) signedIn {
	t.Helper()
	ctx := context.Background()
	reg := e.register(t, &ssooidc.RegisterClientInput{Scopes: scopes})
	start, err := e.oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(e.url + "/start")})
	if err != nil {
		t.Fatal(err)
	}
	e.approveDevice(t, aws.ToString(start.UserCode), user)
	tok, err := e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(oidcGrantDevice), DeviceCode: start.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	return signedIn{client: reg, token: tok}
}

func TestOIDCRegisterClient(t *testing.T) {
	e := newSigninEnv(t, Options{})
	reg := e.register(t, &ssooidc.RegisterClientInput{
		Scopes:       []string{"sso:account:access"},
		GrantTypes:   []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
		IssuerUrl:    aws.String(e.url + "/start"),
	})
	if aws.ToString(reg.ClientId) == "" || len(aws.ToString(reg.ClientSecret)) < 32 {
		t.Fatalf("client = %+v", reg)
	}
	now := e.clock.Now()
	if reg.ClientIdIssuedAt != now.Unix() {
		t.Errorf("clientIdIssuedAt = %d, want %d", reg.ClientIdIssuedAt, now.Unix())
	}
	if got := time.Unix(reg.ClientSecretExpiresAt, 0).Sub(now); got != 90*24*time.Hour {
		t.Errorf("secret lasts %v, want 90 days", got)
	}
	if aws.ToString(reg.AuthorizationEndpoint) != e.url+"/authorize" || aws.ToString(reg.TokenEndpoint) != e.url+"/token" {
		t.Errorf("endpoints = %s, %s", aws.ToString(reg.AuthorizationEndpoint), aws.ToString(reg.TokenEndpoint))
	}
	other := e.register(t, &ssooidc.RegisterClientInput{})
	if aws.ToString(other.ClientId) == aws.ToString(reg.ClientId) {
		t.Error("two registrations got the same client id")
	}

	// A registration expires after 90 days.
	e.clock.Add(90*24*time.Hour + time.Second)
	_, err := e.oidc.StartDeviceAuthorization(context.Background(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: other.ClientId, ClientSecret: other.ClientSecret, StartUrl: aws.String(e.url + "/start")})
	var ic *ssooidctypes.InvalidClientException
	if !errors.As(err, &ic) {
		t.Fatalf("device authorization with an expired client: %v, want InvalidClientException", err)
	}
}

func TestOIDCDeviceFlow(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	reg := e.register(t, &ssooidc.RegisterClientInput{Scopes: []string{"sso:account:access"}})
	startIn := &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(e.url + "/start")}
	start, err := e.oidc.StartDeviceAuthorization(ctx, startIn)
	if err != nil {
		t.Fatal(err)
	}
	code := aws.ToString(start.UserCode)
	if !regexp.MustCompile(`^[A-Z]{4}-[A-Z]{4}$`).MatchString(code) {
		t.Errorf("userCode = %q, want XXXX-XXXX", code)
	}
	if aws.ToString(start.VerificationUri) != e.url+"/device" ||
		aws.ToString(start.VerificationUriComplete) != e.url+"/device?user_code="+code ||
		start.ExpiresIn != 600 || start.Interval != 1 {
		t.Errorf("device authorization = %+v", start)
	}
	tokenIn := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(oidcGrantDevice), DeviceCode: start.DeviceCode}

	_, err = e.oidc.CreateToken(ctx, tokenIn)
	var pending *ssooidctypes.AuthorizationPendingException
	if !errors.As(err, &pending) {
		t.Fatalf("first poll: %v, want AuthorizationPendingException", err)
	}
	// Polling again at once is too fast; the interval then grows by 5s.
	_, err = e.oidc.CreateToken(ctx, tokenIn)
	var slow *ssooidctypes.SlowDownException
	if !errors.As(err, &slow) {
		t.Fatalf("immediate second poll: %v, want SlowDownException", err)
	}
	e.clock.Add(2 * time.Second)
	if _, err = e.oidc.CreateToken(ctx, tokenIn); !errors.As(err, &slow) {
		t.Fatalf("poll 2s later (interval now 6s): %v, want SlowDownException", err)
	}
	e.clock.Add(12 * time.Second)
	if _, err = e.oidc.CreateToken(ctx, tokenIn); !errors.As(err, &pending) {
		t.Fatalf("poll 12s later: %v, want AuthorizationPendingException", err)
	}

	// The verification page refuses a post without the page's nonce.
	resp, _ := e.post(t, "/device", url.Values{"user_code": {code}, "user_id": {e.userID(t, "bob")}, "nonce": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST /device with a forged nonce = %d, want 403", resp.StatusCode)
	}
	// Lower case without the dash finds the same sign-in.
	resp, body := e.get(t, "/device?user_code="+strings.ToLower(strings.ReplaceAll(code, "-", "")))
	if resp.StatusCode != 200 || !strings.Contains(body, code) || !strings.Contains(body, "signin-test") {
		t.Fatalf("GET /device = %d:\n%s", resp.StatusCode, body)
	}
	e.approveDevice(t, code, "bob")

	e.clock.Add(12 * time.Second)
	tok, err := e.oidc.CreateToken(ctx, tokenIn)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tok.TokenType) != "Bearer" || tok.ExpiresIn != 3600 || aws.ToString(tok.AccessToken) == "" || aws.ToString(tok.RefreshToken) == "" {
		t.Fatalf("token = %+v", tok)
	}
	// The device code is single use.
	e.clock.Add(12 * time.Second)
	_, err = e.oidc.CreateToken(ctx, tokenIn)
	var grant *ssooidctypes.InvalidGrantException
	if !errors.As(err, &grant) {
		t.Fatalf("second token for one device code: %v, want InvalidGrantException", err)
	}
	// The token works on the portal as bob.
	accts, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || len(accts.AccountList) != 1 || aws.ToString(accts.AccountList[0].AccountId) != devAcct {
		t.Fatalf("bob's accounts = %+v, %v", accts, err)
	}

	// Expiry: a device code lasts 600s.
	start, err = e.oidc.StartDeviceAuthorization(ctx, startIn)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(601 * time.Second)
	_, err = e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(oidcGrantDevice), DeviceCode: start.DeviceCode})
	var expired *ssooidctypes.ExpiredTokenException
	if !errors.As(err, &expired) {
		t.Fatalf("poll after expiry: %v, want ExpiredTokenException", err)
	}
	if resp, _ := e.get(t, "/device?user_code="+aws.ToString(start.UserCode)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /device for an expired code = %d, want 404", resp.StatusCode)
	}

	// Deny.
	start, err = e.oidc.StartDeviceAuthorization(ctx, startIn)
	if err != nil {
		t.Fatal(err)
	}
	e.approveDevice(t, aws.ToString(start.UserCode), "")
	_, err = e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(oidcGrantDevice), DeviceCode: start.DeviceCode})
	var denied *ssooidctypes.AccessDeniedException
	if !errors.As(err, &denied) {
		t.Fatalf("poll after deny: %v, want AccessDeniedException", err)
	}

	// Another client cannot redeem this client's device code.
	other := e.register(t, &ssooidc.RegisterClientInput{})
	_, err = e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: other.ClientId, ClientSecret: other.ClientSecret,
		GrantType: aws.String(oidcGrantDevice), DeviceCode: start.DeviceCode})
	if !errors.As(err, &grant) {
		t.Fatalf("device code of another client: %v, want InvalidGrantException", err)
	}
	// A wrong secret is an invalid client.
	_, err = e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: aws.String("wrong"),
		GrantType: aws.String(oidcGrantDevice), DeviceCode: start.DeviceCode})
	var ic *ssooidctypes.InvalidClientException
	if !errors.As(err, &ic) {
		t.Fatalf("wrong client secret: %v, want InvalidClientException", err)
	}
}

// pkce is a verifier and its S256 challenge, computed independently of the sandbox.
func pkce(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 64)[:64]
	return verifier, pkceChallenge(verifier)
}

// authorize drives /authorize as a browser would, approving as user, and
// returns the redirect's URL.
func (e *signinEnv) authorize(t *testing.T, clientID, redirect, state, challenge, user string) *url.URL {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {state},
		"code_challenge_method": {"S256"}, "code_challenge": {challenge}, "scopes": {"sso:account:access"}}
	resp, body := e.get(t, "/authorize?"+q.Encode())
	if e.srv.opts.ApproveAs == "" {
		if resp.StatusCode != 200 {
			t.Fatalf("GET /authorize = %d:\n%s", resp.StatusCode, body)
		}
		form := url.Values{"nonce": {pageNonce(t, body)}}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
			if m[1] != "nonce" {
				form.Set(m[1], htmlUnescape(m[2]))
			}
		}
		if user == "" {
			form.Set("deny", "1")
		} else {
			form.Set("user_id", e.userID(t, user))
		}
		resp, body = e.post(t, "/authorize", form)
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize = %d, want a redirect:\n%s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#43;", "+").Replace(s)
}

func (e *signinEnv) codeClient(t *testing.T) *ssooidc.RegisterClientOutput {
	return e.register(t, &ssooidc.RegisterClientInput{
		Scopes:       []string{"sso:account:access"},
		GrantTypes:   []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
		IssuerUrl:    aws.String(e.url + "/start"),
	})
}

func TestOIDCAuthCodePKCE(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	reg := e.codeClient(t)
	id := aws.ToString(reg.ClientId)
	const redirect = "http://127.0.0.1:53123/oauth/callback"
	verifier, challenge := pkce("abcDEF123-._~")

	// The page lists the users, escaped.
	q := url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {redirect}, "state": {"s"},
		"code_challenge_method": {"S256"}, "code_challenge": {challenge}}
	resp, body := e.get(t, "/authorize?"+q.Encode())
	if resp.StatusCode != 200 || !strings.Contains(body, "alice") || !strings.Contains(body, "&lt;script&gt;") || strings.Contains(body, "<script>") {
		t.Fatalf("GET /authorize = %d:\n%s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}

	token := func(code, redirectURI, verifier string) (*ssooidc.CreateTokenOutput, error) {
		return e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("authorization_code"), Code: aws.String(code), RedirectUri: aws.String(redirectURI), CodeVerifier: aws.String(verifier)})
	}
	var grant *ssooidctypes.InvalidGrantException

	loc := e.authorize(t, id, redirect, "state-123", challenge, "alice")
	if loc.Host != "127.0.0.1:53123" || loc.Path != "/oauth/callback" || loc.Query().Get("state") != "state-123" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect = %s", loc)
	}
	tok, err := token(loc.Query().Get("code"), redirect, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn != 3600 || aws.ToString(tok.RefreshToken) == "" {
		t.Fatalf("token = %+v", tok)
	}
	if _, err := token(loc.Query().Get("code"), redirect, verifier); !errors.As(err, &grant) {
		t.Fatalf("code used twice: %v, want InvalidGrantException", err)
	}

	loc = e.authorize(t, id, redirect, "s2", challenge, "alice")
	if _, err := token(loc.Query().Get("code"), redirect, strings.Repeat("x", 64)); !errors.As(err, &grant) {
		t.Fatalf("wrong verifier: %v, want InvalidGrantException", err)
	}
	loc = e.authorize(t, id, redirect, "s3", challenge, "alice")
	if _, err := token(loc.Query().Get("code"), "http://127.0.0.1:53124/oauth/callback", verifier); !errors.As(err, &grant) {
		t.Fatalf("redirect URI with another port: %v, want InvalidGrantException", err)
	}

	// Deny goes back with error=access_denied and the state.
	loc = e.authorize(t, id, redirect, "s4", challenge, "")
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "s4" || loc.Query().Get("code") != "" {
		t.Fatalf("deny redirect = %s", loc)
	}

	// Bad parameters with a good redirect URI go back to the client.
	bad := url.Values{}
	for k, v := range q {
		bad[k] = v
	}
	bad.Set("code_challenge_method", "plain")
	resp, _ = e.get(t, "/authorize?"+bad.Encode())
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "s" {
		t.Fatalf("plain challenge method = %d, Location %s", resp.StatusCode, loc)
	}
	// An untrusted redirect URI or client is never redirected to.
	for name, mod := range map[string][2]string{
		"other host":      {"redirect_uri", "http://evil.example:53123/oauth/callback"},
		"other path":      {"redirect_uri", "http://127.0.0.1:53123/elsewhere"},
		"https":           {"redirect_uri", "https://127.0.0.1:53123/oauth/callback"},
		"unknown client":  {"client_id", "nope"},
		"missing client":  {"client_id", ""},
		"malformed":       {"redirect_uri", "http://[::1"},
		"userinfo in URI": {"redirect_uri", "http://x@127.0.0.1:53123/oauth/callback"},
	} {
		bad := url.Values{}
		for k, v := range q {
			bad[k] = v
		}
		bad.Set(mod[0], mod[1])
		resp, body := e.get(t, "/authorize?"+bad.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "<html") {
			t.Errorf("%s: GET /authorize = %d, Location %q, want an error page", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// A device-flow client may not use the authorization code grant.
	dev := e.register(t, &ssooidc.RegisterClientInput{})
	_, err = e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: dev.ClientId, ClientSecret: dev.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String("x"), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
	var uc *ssooidctypes.UnauthorizedClientException
	if !errors.As(err, &uc) {
		t.Fatalf("authorization_code with a device client: %v, want UnauthorizedClientException", err)
	}
}

func TestOIDCApproveAs(t *testing.T) {
	e := newSigninEnv(t, Options{ApproveAs: "bob"})
	ctx := context.Background()
	reg := e.codeClient(t)
	const redirect = "http://127.0.0.1:40000/oauth/callback"
	verifier, challenge := pkce("0123456789")
	loc := e.authorize(t, aws.ToString(reg.ClientId), redirect, "st", challenge, "")
	if loc.Query().Get("state") != "st" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect = %s", loc)
	}
	tok, err := e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(loc.Query().Get("code")), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
	if err != nil {
		t.Fatal(err)
	}
	roles, err := e.sso.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(devAcct)})
	if err != nil {
		t.Fatal(err)
	}
	if got := roleNames(roles.RoleList); !slices.Equal(got, []string{"Developer", "ReadOnly"}) {
		t.Fatalf("bob's roles = %v", got)
	}

	// The device flow is approved at once: the first poll gets the token.
	dreg := e.register(t, &ssooidc.RegisterClientInput{Scopes: []string{"sso:account:access"}})
	start, err := e.oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: dreg.ClientId, ClientSecret: dreg.ClientSecret, StartUrl: aws.String(e.url + "/start")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: dreg.ClientId, ClientSecret: dreg.ClientSecret,
		GrantType: aws.String(oidcGrantDevice), DeviceCode: start.DeviceCode}); err != nil {
		t.Fatalf("first poll with ApproveAs: %v", err)
	}
}

func roleNames(rs []ssotypes.RoleInfo) []string {
	var out []string
	for _, r := range rs {
		out = append(out, aws.ToString(r.RoleName))
	}
	return out
}

func TestOIDCRefreshRotation(t *testing.T) {
	e := newSigninEnv(t, Options{RefreshTokenTTL: 48 * time.Hour})
	ctx := context.Background()
	reg := e.codeClient(t)
	const redirect = "http://127.0.0.1:40001/oauth/callback"
	verifier, challenge := pkce("refresh")
	loc := e.authorize(t, aws.ToString(reg.ClientId), redirect, "st", challenge, "alice")
	tok, err := e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(loc.Query().Get("code")), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(rt *string) (*ssooidc.CreateTokenOutput, error) {
		return e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("refresh_token"), RefreshToken: rt})
	}
	// After the access token expires, the refresh token still works.
	e.clock.Add(2 * time.Hour)
	if _, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); errorCode(err) != "UnauthorizedException" {
		t.Fatalf("expired access token on the portal: %v, want UnauthorizedException", err)
	}
	next, err := refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(next.RefreshToken) == "" || aws.ToString(next.RefreshToken) == aws.ToString(tok.RefreshToken) ||
		aws.ToString(next.AccessToken) == aws.ToString(tok.AccessToken) || next.ExpiresIn != 3600 {
		t.Fatalf("refreshed token = %+v", next)
	}
	var grant *ssooidctypes.InvalidGrantException
	if _, err := refresh(tok.RefreshToken); !errors.As(err, &grant) {
		t.Fatalf("old refresh token after rotation: %v, want InvalidGrantException", err)
	}
	if _, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: next.AccessToken}); err != nil {
		t.Fatalf("refreshed access token: %v", err)
	}
	// Another client cannot use the refresh token.
	other := e.codeClient(t)
	if _, err := e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: other.ClientId, ClientSecret: other.ClientSecret,
		GrantType: aws.String("refresh_token"), RefreshToken: next.RefreshToken}); !errors.As(err, &grant) {
		t.Fatalf("refresh token of another client: %v, want InvalidGrantException", err)
	}
	// Access tokens never outlive the session; after it, refresh fails.
	e.clock.Add(45*time.Hour + 30*time.Minute)
	last, err := refresh(next.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if last.ExpiresIn != 1800 {
		t.Errorf("access token near the session's end lasts %ds, want 1800", last.ExpiresIn)
	}
	e.clock.Add(31 * time.Minute)
	if _, err := refresh(last.RefreshToken); !errors.As(err, &grant) {
		t.Fatalf("refresh after the session ended: %v, want InvalidGrantException", err)
	}

	// Without scopes: an 8-hour token and no refresh token.
	plain := e.deviceLogin(t, "alice")
	if plain.ExpiresIn != 8*3600 || plain.RefreshToken != nil {
		t.Fatalf("unscoped token = %+v, want 8h and no refresh token", plain)
	}
}

func TestPortal(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	alice := e.deviceLogin(t, "alice", "sso:account:access")

	var got []ssotypes.AccountInfo
	pages := 0
	p := sso.NewListAccountsPaginator(e.sso, &sso.ListAccountsInput{AccessToken: alice.AccessToken}, func(o *sso.ListAccountsPaginatorOptions) { o.Limit = 1 })
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, out.AccountList...)
	}
	want := []ssotypes.AccountInfo{
		{AccountId: aws.String(mgmtAcct), AccountName: aws.String("management"), EmailAddress: aws.String("management@example.com")},
		{AccountId: aws.String(devAcct), AccountName: aws.String("dev"), EmailAddress: aws.String("dev@example.com")},
		{AccountId: aws.String(prodAcct), AccountName: aws.String("prod"), EmailAddress: aws.String("prod@example.com")},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b ssotypes.AccountInfo) bool {
		return aws.ToString(a.AccountId) == aws.ToString(b.AccountId) && aws.ToString(a.AccountName) == aws.ToString(b.AccountName) &&
			aws.ToString(a.EmailAddress) == aws.ToString(b.EmailAddress)
	})); diff != "" || pages != 3 {
		t.Fatalf("alice's accounts in %d pages (-want +got):\n%s", pages, diff)
	}

	var roles []string
	rp := sso.NewListAccountRolesPaginator(e.sso, &sso.ListAccountRolesInput{AccessToken: alice.AccessToken, AccountId: aws.String(devAcct)},
		func(o *sso.ListAccountRolesPaginatorOptions) { o.Limit = 2 })
	pages = 0
	for rp.HasMorePages() {
		out, err := rp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.RoleList {
			if aws.ToString(r.AccountId) != devAcct {
				t.Errorf("role %+v has the wrong account", r)
			}
		}
		roles = append(roles, roleNames(out.RoleList)...)
	}
	if !slices.Equal(roles, []string{"AdministratorAccess", "Developer", "ReadOnly"}) || pages != 2 {
		t.Fatalf("alice's roles in dev = %v in %d pages", roles, pages)
	}
	// A roles token is refused for another account's list.
	first, err := e.sso.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: alice.AccessToken, AccountId: aws.String(devAcct), MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page = %+v, %v", first, err)
	}
	_, err = e.sso.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: alice.AccessToken, AccountId: aws.String(prodAcct), NextToken: first.NextToken})
	var ir *ssotypes.InvalidRequestException
	if !errors.As(err, &ir) {
		t.Fatalf("next token of another account: %v, want InvalidRequestException", err)
	}
	for _, n := range []int32{0, 101} {
		if _, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: alice.AccessToken, MaxResults: aws.Int32(n)}); !errors.As(err, &ir) {
			t.Fatalf("max_result %d: %v, want InvalidRequestException", n, err)
		}
	}

	// bob reaches dev through the devs group only; carol nothing.
	bob := e.deviceLogin(t, "bob", "sso:account:access")
	accts, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: bob.AccessToken})
	if err != nil || len(accts.AccountList) != 1 || aws.ToString(accts.AccountList[0].AccountId) != devAcct {
		t.Fatalf("bob's accounts = %+v, %v", accts, err)
	}
	carol := e.deviceLogin(t, "carol", "sso:account:access")
	accts, err = e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: carol.AccessToken})
	if err != nil || len(accts.AccountList) != 0 {
		t.Fatalf("carol's accounts = %+v, %v", accts, err)
	}

	// Role credentials last the permission set's session duration.
	creds, err := e.sso.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: bob.AccessToken, AccountId: aws.String(devAcct), RoleName: aws.String("Developer")})
	if err != nil {
		t.Fatal(err)
	}
	rc := creds.RoleCredentials
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(aws.ToString(rc.AccessKeyId)) || len(aws.ToString(rc.SecretAccessKey)) != 40 || aws.ToString(rc.SessionToken) == "" {
		t.Fatalf("role credentials = %+v", rc)
	}
	if want := e.clock.Now().Add(2 * time.Hour).UnixMilli(); rc.Expiration != want {
		t.Fatalf("expiration = %d, want %d (now + PT2H in epoch milliseconds)", rc.Expiration, want)
	}
	_, err = e.sso.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: bob.AccessToken, AccountId: aws.String(prodAcct), RoleName: aws.String("AdministratorAccess")})
	if errorCode(err) != "ForbiddenException" {
		t.Fatalf("unassigned role: %v, want ForbiddenException", err)
	}

	// Logout revokes the token and its refresh token.
	if _, err := e.sso.Logout(ctx, &sso.LogoutInput{AccessToken: alice.AccessToken}); err != nil {
		t.Fatal(err)
	}
	var ua *ssotypes.UnauthorizedException
	if _, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: alice.AccessToken}); !errors.As(err, &ua) {
		t.Fatalf("after logout: %v, want UnauthorizedException", err)
	}
	if _, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String("not-a-token")}); !errors.As(err, &ua) {
		t.Fatalf("unknown token: %v, want UnauthorizedException", err)
	}
}

func TestPortalThrottling(t *testing.T) {
	e := newSigninEnv(t, Options{Throttle: 1})
	_, err := e.sso.ListAccounts(context.Background(), &sso.ListAccountsInput{AccessToken: aws.String("x")})
	var tm *ssotypes.TooManyRequestsException
	if !errors.As(err, &tm) {
		t.Fatalf("throttled portal call: %v, want TooManyRequestsException", err)
	}
}

// TestPortalQuota: with --tps the portal's operations share one bucket, as
// AWS's portal quota; OIDC stays unlimited.
func TestPortalQuota(t *testing.T) {
	const tps = 3
	e := newSigninEnv(t, Options{TPS: tps})
	ctx := context.Background()
	alice := e.deviceLogin(t, "alice", "sso:account:access")

	// A burst of tps calls passes, whatever the operations.
	burst := []func() error{
		func() error {
			_, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: alice.AccessToken})
			return err
		},
		func() error {
			_, err := e.sso.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: alice.AccessToken, AccountId: aws.String(devAcct)})
			return err
		},
		func() error {
			_, err := e.sso.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: alice.AccessToken,
				AccountId: aws.String(devAcct), RoleName: aws.String("ReadOnly")})
			return err
		},
	}
	for i, call := range burst {
		if err := call(); err != nil {
			t.Fatalf("portal call %d within the burst: %v", i, err)
		}
	}
	// The next portal call is refused with the portal's own throttling error.
	_, err := e.sso.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: alice.AccessToken, AccountId: aws.String(mgmtAcct)})
	var tm *ssotypes.TooManyRequestsException
	var re *awshttp.ResponseError
	if !errors.As(err, &tm) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusTooManyRequests {
		t.Fatalf("call over the quota: %v, want HTTP 429 TooManyRequestsException", err)
	}
	if n := e.srv.Calls()["throttled:sso"]; n != 1 {
		t.Fatalf("throttled:sso = %d, want 1 (calls %v)", n, e.srv.Calls())
	}
	// OIDC is not limited: a whole sign-in goes through while the portal is throttled.
	bob := e.deviceLogin(t, "bob", "sso:account:access")
	// The bucket refills at the quota's rate.
	time.Sleep(time.Second / tps * 3 / 2)
	if _, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: bob.AccessToken}); err != nil {
		t.Fatalf("after refilling: %v", err)
	}
}

func stsWith(cfg aws.Config, akid, secretKey, token string) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(akid, secretKey, token)
	})
}

func TestSTSWithPortalCredentials(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	alice := e.deviceLogin(t, "alice", "sso:account:access")
	out, err := e.sso.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: alice.AccessToken, AccountId: aws.String(mgmtAcct), RoleName: aws.String("AdministratorAccess")})
	if err != nil {
		t.Fatal(err)
	}
	rc := out.RoleCredentials
	client := stsWith(e.cfg, aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken))
	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_" + adminSfx + "/alice"; aws.ToString(id.Arn) != want {
		t.Errorf("Arn = %s, want %s", aws.ToString(id.Arn), want)
	}
	if aws.ToString(id.Account) != mgmtAcct || !regexp.MustCompile(`^AROA[A-Z2-7]{17}:alice$`).MatchString(aws.ToString(id.UserId)) {
		t.Errorf("identity = %s, %s", aws.ToString(id.Account), aws.ToString(id.UserId))
	}
	// The session token must match the key.
	_, err = stsWith(e.cfg, aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), "forged").GetCallerIdentity(ctx, nil)
	wantCode(t, err, "InvalidClientTokenId")
	// Keys the sandbox did not issue act as the management account's admin.
	id, err = sts.NewFromConfig(e.cfg).GetCallerIdentity(ctx, nil)
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::111111111111:user/sandbox-admin" || aws.ToString(id.Account) != mgmtAcct {
		t.Fatalf("dummy keys identity = %+v, %v", id, err)
	}
	// Every signed service checks issued keys, not only STS.
	orgWith := func(token string) *organizations.Client {
		return organizations.NewFromConfig(e.cfg, func(o *organizations.Options) {
			o.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), token)
		})
	}
	if _, err := orgWith(aws.ToString(rc.SessionToken)).ListRoots(ctx, nil); err != nil {
		t.Fatalf("organizations with live role credentials: %v", err)
	}
	_, err = orgWith("forged").ListRoots(ctx, nil)
	wantCode(t, err, "UnrecognizedClientException")

	// PT12H later the credentials have expired.
	e.clock.Add(12*time.Hour + time.Second)
	_, err = client.GetCallerIdentity(ctx, nil)
	wantCode(t, err, "ExpiredToken")
	_, err = orgWith(aws.ToString(rc.SessionToken)).ListRoots(ctx, nil)
	wantCode(t, err, "ExpiredTokenException")

	// A day later the session is forgotten (the sandbox does not grow without
	// bound), and its key is still refused, never taken for an admin's.
	e.clock.Add(24 * time.Hour)
	_, err = orgWith(aws.ToString(rc.SessionToken)).ListRoots(ctx, nil)
	wantCode(t, err, "ExpiredTokenException")
	e.srv.withWorld(func(w *World, _ time.Time) {
		if _, ok := w.Sessions[aws.ToString(rc.AccessKeyId)]; ok {
			t.Error("a session expired a day ago is still kept")
		}
	})
	_, err = client.GetCallerIdentity(ctx, nil)
	wantCode(t, err, "ExpiredToken")
}

func TestSTSAssumeRole(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	admin := sts.NewFromConfig(e.cfg)
	assume := func(c *sts.Client, arn, name string, dur int32) (*sts.AssumeRoleOutput, error) {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String(name)}
		if dur != 0 {
			in.DurationSeconds = aws.Int32(dur)
		}
		return c.AssumeRole(ctx, in)
	}
	const orgRole = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
	out, err := assume(admin, orgRole, "deploy-bot@ci", 900)
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(aws.ToString(c.AccessKeyId)) || !c.Expiration.Equal(e.clock.Now().Add(900*time.Second)) {
		t.Fatalf("credentials = %+v", c)
	}
	wantARN := "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/deploy-bot@ci"
	if aws.ToString(out.AssumedRoleUser.Arn) != wantARN || !regexp.MustCompile(`^AROA[A-Z2-7]{17}:deploy-bot@ci$`).MatchString(aws.ToString(out.AssumedRoleUser.AssumedRoleId)) {
		t.Fatalf("assumed role user = %+v", out.AssumedRoleUser)
	}
	chained := stsWith(e.cfg, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	id, err := chained.GetCallerIdentity(ctx, nil)
	if err != nil || aws.ToString(id.Arn) != wantARN || aws.ToString(id.Account) != devAcct || aws.ToString(id.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Fatalf("identity with assumed credentials = %+v, %v", id, err)
	}

	// A role with a path needs the path in the ARN.
	out, err = assume(chained, "arn:aws:iam::333333333333:role/service/deploy", "s1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::333333333333:assumed-role/deploy/s1" || aws.ToString(out.AssumedRoleUser.AssumedRoleId) != "AROADEPLOYROLE0000001:s1" {
		t.Fatalf("assumed role user = %+v", out.AssumedRoleUser)
	}
	if !out.Credentials.Expiration.Equal(e.clock.Now().Add(time.Hour)) {
		t.Errorf("default duration: expiration %v, want 1h from now", out.Credentials.Expiration)
	}
	for _, tc := range []struct {
		name, arn, session string
		dur                int32
		client             *sts.Client
		code               string
	}{
		{"role without its path", "arn:aws:iam::333333333333:role/deploy", "s1", 0, admin, "AccessDenied"},
		{"no such role", "arn:aws:iam::222222222222:role/Nope", "s1", 0, admin, "AccessDenied"},
		{"no such account", "arn:aws:iam::999999999999:role/OrganizationAccountAccessRole", "s1", 0, admin, "AccessDenied"},
		{"not a role ARN", "arn:aws:iam::222222222222:user/someone", "s1", 0, admin, "ValidationError"},
		{"short session name", orgRole, "x", 0, admin, "ValidationError"},
		{"bad session name", orgRole, "has space", 0, admin, "ValidationError"},
		{"too short", orgRole, "s1", 899, admin, "ValidationError"},
		{"too long", orgRole, "s1", 43201, admin, "ValidationError"},
		{"role chaining over 1h", "arn:aws:iam::333333333333:role/service/deploy", "s1", 7200, chained, "ValidationError"},
		{"over the role's MaxSessionDuration", orgRole, "s1", 7200, admin, "ValidationError"},
		{"a role whose trust policy names another account", "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole", "s1", 0, chained, "AccessDenied"},
	} {
		_, err := assume(tc.client, tc.arn, tc.session, tc.dur)
		if errorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := assume(admin, "arn:aws:iam::333333333333:role/service/deploy", "long", 43200); err != nil {
		t.Errorf("12h from long-term keys: %v", err)
	}

	// GetAccessKeyInfo tells the owning account.
	for key, want := range map[string]string{
		aws.ToString(c.AccessKeyId): devAcct,
		ciKeyID:                     prodAcct,
		"AKIAIOSFODNN7EXAMPLE":      mgmtAcct,
	} {
		info, err := admin.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(key)})
		if err != nil || aws.ToString(info.Account) != want {
			t.Errorf("GetAccessKeyInfo(%s) = %v, %v, want %s", key, info, err, want)
		}
	}
	_, err = admin.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String("short")})
	wantCode(t, err, "ValidationError")
}

func TestConsoleFederation(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	alice := e.deviceLogin(t, "alice", "sso:account:access")
	out, err := e.sso.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: alice.AccessToken, AccountId: aws.String(prodAcct), RoleName: aws.String("AdministratorAccess")})
	if err != nil {
		t.Fatal(err)
	}
	rc := out.RoleCredentials
	session := func(key string) string {
		b, _ := json.Marshal(map[string]string{"sessionId": aws.ToString(rc.AccessKeyId), "sessionKey": key, "sessionToken": aws.ToString(rc.SessionToken)})
		return string(b)
	}
	signinToken := func() string {
		t.Helper()
		resp, body := e.get(t, "/federation?"+url.Values{"Action": {"getSigninToken"}, "SessionDuration": {"3600"}, "Session": {session(aws.ToString(rc.SecretAccessKey))}}.Encode())
		var v struct{ SigninToken string }
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &v) != nil || v.SigninToken == "" {
			t.Fatalf("getSigninToken = %d: %s", resp.StatusCode, body)
		}
		return v.SigninToken
	}
	login := func(tok, dest string) (*http.Response, string) {
		return e.get(t, "/federation?"+url.Values{"Action": {"login"}, "Issuer": {"https://example.com"}, "Destination": {dest}, "SigninToken": {tok}}.Encode())
	}

	tok := signinToken()
	// A destination off the console is refused, and the token survives it.
	if resp, _ := login(tok, "https://evil.example/"); resp.StatusCode != 400 {
		t.Fatalf("login to another site = %d, want 400", resp.StatusCode)
	}
	if resp, _ := login(tok, "https://console.aws.amazon.com.evil.example/"); resp.StatusCode != 400 {
		t.Fatalf("login to a look-alike host = %d, want 400", resp.StatusCode)
	}
	resp, body := login(tok, "https://eu-west-1.console.aws.amazon.com/iam/home")
	if resp.StatusCode != 200 || !strings.Contains(body, `<dd id="account">333333333333</dd>`) ||
		!strings.Contains(body, `<dd id="role">AWSReservedSSO_AdministratorAccess_`+adminSfx+`</dd>`) ||
		!strings.Contains(body, `<dd id="session">alice</dd>`) || !strings.Contains(body, "eu-west-1.console.aws.amazon.com/iam/home") {
		t.Fatalf("login = %d:\n%s", resp.StatusCode, body)
	}
	if resp, _ := login(tok, "https://console.aws.amazon.com/"); resp.StatusCode != 400 {
		t.Fatalf("second login with one token = %d, want 400", resp.StatusCode)
	}
	if resp, _ := login(signinToken(), "/console/home"); resp.StatusCode != 200 {
		t.Fatalf("login to a relative destination = %d, want 200", resp.StatusCode)
	}

	for name, q := range map[string]url.Values{
		"wrong key":         {"Action": {"getSigninToken"}, "Session": {session("wrong")}},
		"not JSON":          {"Action": {"getSigninToken"}, "Session": {"{"}},
		"no session":        {"Action": {"getSigninToken"}},
		"bad duration":      {"Action": {"getSigninToken"}, "Session": {session(aws.ToString(rc.SecretAccessKey))}, "SessionDuration": {"60"}},
		"unknown action":    {"Action": {"nope"}},
		"unknown token":     {"Action": {"login"}, "Destination": {"https://console.aws.amazon.com/"}, "SigninToken": {"nope"}},
		"no token":          {"Action": {"login"}, "Destination": {"https://console.aws.amazon.com/"}},
		"protocol-relative": {"Action": {"login"}, "Destination": {"//evil.example/"}, "SigninToken": {"x"}},
	} {
		if resp, _ := e.get(t, "/federation?"+q.Encode()); resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
		}
	}

	// Sign-in tokens last 15 minutes.
	tok = signinToken()
	e.clock.Add(16 * time.Minute)
	if resp, _ := login(tok, "https://console.aws.amazon.com/"); resp.StatusCode != 400 {
		t.Fatalf("login with an expired token = %d, want 400", resp.StatusCode)
	}
}

// TestOIDCErrorTypes checks that every error sso-oidc returns decodes in the
// Go SDK to its typed error with the OAuth error code.
func TestOIDCErrorTypes(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	reg := e.register(t, &ssooidc.RegisterClientInput{Scopes: []string{"sso:account:access"}})
	codeOnly := e.register(t, &ssooidc.RegisterClientInput{GrantTypes: []string{"authorization_code"}, RedirectUris: []string{"http://127.0.0.1/cb"}})
	startIn := &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(e.url + "/start")}
	start := func() *ssooidc.StartDeviceAuthorizationOutput {
		out, err := e.oidc.StartDeviceAuthorization(ctx, startIn)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	poll := func(dc *string) error {
		_, err := e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(oidcGrantDevice), DeviceCode: dc})
		return err
	}
	pending := start()
	denied := start()
	e.approveDevice(t, aws.ToString(denied.UserCode), "")

	tests := []struct {
		name  string
		call  func() error
		typed func(error) (bool, *string)
		oauth string
	}{
		{"pending", func() error { return poll(pending.DeviceCode) },
			func(err error) (bool, *string) {
				var e *ssooidctypes.AuthorizationPendingException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "authorization_pending"},
		{"slow down", func() error { return poll(pending.DeviceCode) },
			func(err error) (bool, *string) {
				var e *ssooidctypes.SlowDownException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "slow_down"},
		{"denied", func() error { return poll(denied.DeviceCode) },
			func(err error) (bool, *string) {
				var e *ssooidctypes.AccessDeniedException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "access_denied"},
		{"invalid grant", func() error { return poll(aws.String("unknown")) },
			func(err error) (bool, *string) {
				var e *ssooidctypes.InvalidGrantException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "invalid_grant"},
		{"invalid client", func() error {
			_, err := e.oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: aws.String("x"), StartUrl: aws.String(e.url)})
			return err
		},
			func(err error) (bool, *string) {
				var e *ssooidctypes.InvalidClientException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "invalid_client"},
		{"unauthorized client", func() error {
			_, err := e.oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: codeOnly.ClientId, ClientSecret: codeOnly.ClientSecret, StartUrl: aws.String(e.url)})
			return err
		},
			func(err error) (bool, *string) {
				var e *ssooidctypes.UnauthorizedClientException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "unauthorized_client"},
		{"invalid request", func() error { return poll(nil) },
			func(err error) (bool, *string) {
				var e *ssooidctypes.InvalidRequestException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "invalid_request"},
		{"unsupported grant", func() error {
			_, err := e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("password")})
			return err
		},
			func(err error) (bool, *string) {
				var e *ssooidctypes.UnsupportedGrantTypeException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "unsupported_grant_type"},
		{"invalid scope", func() error {
			_, err := e.oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("x"), ClientType: aws.String("public"), Scopes: []string{"has space"}})
			return err
		},
			func(err error) (bool, *string) {
				var e *ssooidctypes.InvalidScopeException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "invalid_scope"},
		{"invalid client metadata", func() error {
			_, err := e.oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("x"), ClientType: aws.String("confidential")})
			return err
		},
			func(err error) (bool, *string) {
				var e *ssooidctypes.InvalidClientMetadataException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "invalid_client_metadata"},
		{"invalid redirect URI", func() error {
			_, err := e.oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("x"), ClientType: aws.String("public"),
				GrantTypes: []string{"authorization_code"}, RedirectUris: []string{"not a uri"}})
			return err
		},
			func(err error) (bool, *string) {
				var e *ssooidctypes.InvalidRedirectUriException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "invalid_redirect_uri"},
		{"expired token", func() error {
			e.clock.Add(601 * time.Second)
			return poll(pending.DeviceCode)
		},
			func(err error) (bool, *string) {
				var e *ssooidctypes.ExpiredTokenException
				if !errors.As(err, &e) {
					return false, nil
				}
				return true, e.Error_
			}, "expired_token"},
	}
	for _, tc := range tests {
		err := tc.call()
		ok, oauth := tc.typed(err)
		if !ok {
			t.Errorf("%s: %T %v, want the typed exception", tc.name, err, err)
			continue
		}
		if aws.ToString(oauth) != tc.oauth {
			t.Errorf("%s: error field = %q, want %q", tc.name, aws.ToString(oauth), tc.oauth)
		}
	}
}

// TestSigninAWSCLI runs the sign-in calls through botocore (the AWS CLI), an
// independent reader of the wire shapes.
func TestSigninAWSCLI(t *testing.T) {
	bin := requireTool(t, "aws")
	e := newSigninEnv(t, Options{})
	home := t.TempDir()
	cfgFile := home + "/config"
	if err := os.WriteFile(cfgFile, []byte("[default]\ncli_follow_urlparam = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(env []string, args ...string) (map[string]any, string, error) {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--output", "json")...)
		cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=" + cfgFile,
			"AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials", "AWS_ENDPOINT_URL=" + e.url, "AWS_DEFAULT_REGION=us-east-1",
			"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			"AWS_MAX_ATTEMPTS=1"}, env...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var out map[string]any
		if err == nil && strings.TrimSpace(stdout.String()) != "" {
			if jerr := json.Unmarshal([]byte(stdout.String()), &out); jerr != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), jerr, stdout.String())
			}
		}
		return out, stderr.String(), err
	}
	must := func(env []string, args ...string) map[string]any {
		t.Helper()
		out, stderr, err := run(env, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	str := func(m map[string]any, k string) string {
		s, _ := m[k].(string)
		return s
	}

	reg := must(nil, "sso-oidc", "register-client", "--client-name", "cli", "--client-type", "public", "--scopes", "sso:account:access")
	start := must(nil, "sso-oidc", "start-device-authorization", "--client-id", str(reg, "clientId"), "--client-secret", str(reg, "clientSecret"), "--start-url", e.url+"/start")
	tokenArgs := []string{"sso-oidc", "create-token", "--client-id", str(reg, "clientId"), "--client-secret", str(reg, "clientSecret"),
		"--grant-type", oidcGrantDevice, "--device-code", str(start, "deviceCode")}
	if _, stderr, err := run(nil, tokenArgs...); err == nil || !strings.Contains(stderr, "AuthorizationPendingException") {
		t.Fatalf("poll before approval: %v\n%s", err, stderr)
	}
	e.approveDevice(t, str(start, "userCode"), "alice")
	tok := must(nil, tokenArgs...)
	if str(tok, "refreshToken") == "" || tok["expiresIn"] != float64(3600) {
		t.Fatalf("token = %v", tok)
	}
	accts := must(nil, "sso", "list-accounts", "--access-token", str(tok, "accessToken"))
	if list, _ := accts["accountList"].([]any); len(list) != 3 {
		t.Fatalf("accounts = %v", accts)
	}
	creds := must(nil, "sso", "get-role-credentials", "--access-token", str(tok, "accessToken"), "--account-id", devAcct, "--role-name", "ReadOnly")
	rc, _ := creds["roleCredentials"].(map[string]any)
	if want := float64(e.clock.Now().Add(time.Hour).UnixMilli()); rc["expiration"] != want {
		t.Fatalf("role credentials = %v, want expiration %v", creds, want)
	}
	id := must([]string{"AWS_ACCESS_KEY_ID=" + str(rc, "accessKeyId"), "AWS_SECRET_ACCESS_KEY=" + str(rc, "secretAccessKey"), "AWS_SESSION_TOKEN=" + str(rc, "sessionToken")},
		"sts", "get-caller-identity")
	if str(id, "Arn") != "arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_ReadOnly_fedcba9876543210/alice" || str(id, "Account") != devAcct {
		t.Fatalf("identity = %v", id)
	}
	if _, stderr, err := run(nil, "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/Nope", "--role-session-name", "s1"); err == nil || !strings.Contains(stderr, "AccessDenied") {
		t.Fatalf("assume a missing role: %v\n%s", err, stderr)
	}
	must(nil, "sso", "logout", "--access-token", str(tok, "accessToken"))
	if _, stderr, err := run(nil, "sso", "list-accounts", "--access-token", str(tok, "accessToken")); err == nil || !strings.Contains(stderr, "UnauthorizedException") {
		t.Fatalf("list accounts after logout: %v\n%s", err, stderr)
	}
}
