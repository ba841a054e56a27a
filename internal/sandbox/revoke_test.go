package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	ssooidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
)

// refreshableLogin signs a user in with the sso:account:access scope,
// which comes with a refresh token.
func (e *signinEnv) refreshableLogin(t *testing.T, user string) signedIn {
	t.Helper()
	r := e.deviceSignIn(t, user, oidcScopeAccount)
	if r.token.RefreshToken == nil {
		t.Fatalf("%s's token has no refresh token", user)
	}
	return r
}

// refreshBody is the raw CreateToken request that refreshes r's token.
func (r signedIn) refreshBody() string {
	b, _ := json.Marshal(map[string]string{"clientId": aws.ToString(r.client.ClientId), "clientSecret": aws.ToString(r.client.ClientSecret),
		"grantType": oidcGrantRefresh, "refreshToken": aws.ToString(r.token.RefreshToken)})
	return string(b)
}

func (e *signinEnv) refresh(r signedIn) (*ssooidc.CreateTokenOutput, error) {
	return e.oidc.CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: r.client.ClientId, ClientSecret: r.client.ClientSecret,
		GrantType: aws.String(oidcGrantRefresh), RefreshToken: r.token.RefreshToken})
}

// An administrator revoking refresh tokens: CreateToken refuses them as AWS
// does (400 InvalidGrantException, invalid_grant), while the access token
// still opens the portal, unlike sso Logout.
func TestAdminRevokeRefreshTokens(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	alice := e.refreshableLogin(t, "alice")
	bob := e.refreshableLogin(t, "bob")

	var out map[string]int
	if code := postJSON(t, e.url+"/_sandbox/revoke-refresh-tokens", `{"user_name":"alice"}`, &out); code != 200 || out["revoked"] != 1 {
		t.Fatalf("revoke alice's = %d %v, want 200 and 1 revoked", code, out)
	}

	// On the wire: the status, the exception and the OAuth error body.
	var body map[string]any
	if code := postJSON(t, e.url+"/token", alice.refreshBody(), &body); code != 400 ||
		body["__type"] != "InvalidGrantException" || body["error"] != "invalid_grant" || body["error_description"] == "" {
		t.Fatalf("refresh with a revoked refresh token = %d %v, want 400 InvalidGrantException invalid_grant", code, body)
	}
	// Through the SDK, as keyless and the AWS CLI see it.
	var grant *ssooidctypes.InvalidGrantException
	if _, err := e.refresh(alice); !errors.As(err, &grant) || aws.ToString(grant.Error_) != "invalid_grant" {
		t.Fatalf("refresh with a revoked refresh token: %v, want InvalidGrantException invalid_grant", err)
	}
	if _, err := e.sso.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: alice.token.AccessToken}); err != nil {
		t.Fatalf("alice's access token after her refresh token was revoked: %v", err)
	}
	// Only alice's: bob's refresh token still works.
	next, err := e.refresh(bob)
	if err != nil {
		t.Fatalf("bob's refresh token: %v", err)
	}
	bob.token = next
	// A new sign-in gets a refresh token that works.
	again := e.refreshableLogin(t, "alice")
	if _, err := e.refresh(again); err != nil {
		t.Fatalf("refresh after signing in again: %v", err)
	}

	if code := postJSON(t, e.url+"/_sandbox/revoke-refresh-tokens", `{"all":true}`, &out); code != 200 || out["revoked"] != 2 {
		t.Fatalf("revoke all = %d %v, want 200 and 2 revoked (bob's rotated one and alice's new one)", code, out)
	}
	if _, err := e.refresh(bob); !errors.As(err, &grant) {
		t.Fatalf("bob's refresh token after revoking all: %v, want InvalidGrantException", err)
	}

	for _, tc := range []struct {
		name, method, ctype, body string
		status                    int
		code                      string
	}{
		{"unknown user", "POST", "application/json", `{"user_name":"mallory"}`, 404, "ResourceNotFoundException"},
		{"nobody named", "POST", "application/json", `{}`, 400, "ValidationException"},
		{"both named", "POST", "application/json", `{"user_name":"alice","all":true}`, 400, "ValidationException"},
		{"malformed", "POST", "application/json", `{"user_name":`, 400, "SerializationException"},
		{"GET", "GET", "", "", 405, "MethodNotAllowed"},
		{"form post a web page can send", "POST", "text/plain", `{"all":true}`, 403, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.url+"/_sandbox/revoke-refresh-tokens", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || got["__type"] != tc.code {
				t.Fatalf("= %d %v, want %d %s", resp.StatusCode, got, tc.status, tc.code)
			}
		})
	}
}
