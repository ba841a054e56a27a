package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func postJSON(t *testing.T, url, body string, v any) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("POST %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func TestAdminEndpoints(t *testing.T) {
	ctx := context.Background()
	_, url := startSandbox(t, Options{})
	var health map[string]string
	if code := getJSON(t, url+"/_sandbox/health", &health); code != 200 || health["status"] != "ok" {
		t.Fatalf("health = %d %v", code, health)
	}

	org := organizations.NewFromConfig(sdkConfig(t, url))
	for range 3 {
		if _, err := org.ListAccounts(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})
	var calls map[string]int64
	getJSON(t, url+"/_sandbox/calls", &calls)
	if calls["organizations:ListAccounts"] != 3 || calls["organizations:DescribeAccount"] != 1 {
		t.Fatalf("calls = %v", calls)
	}

	var root RootState
	if code := postJSON(t, url+"/_sandbox/root", `{"account_id":"111111111111","access_keys_present":true,"mfa_enabled":false}`, &root); code != 200 {
		t.Fatalf("POST root = %d", code)
	}
	if !root.AccessKeysPresent || root.MFAEnabled {
		t.Fatalf("root = %+v", root)
	}
	var state struct {
		Accounts []Account             `json:"accounts"`
		IAM      map[string]IAMAccount `json:"iam"`
		Instance Instance              `json:"instance"`
	}
	getJSON(t, url+"/_sandbox/state", &state)
	if len(state.Accounts) != 3 || !state.IAM["111111111111"].Root.AccessKeysPresent || state.Instance.IdentityStoreID != "d-1111111111" {
		t.Fatalf("state = %+v", state)
	}
	var e map[string]string
	if code := postJSON(t, url+"/_sandbox/root", `{"account_id":"999999999999"}`, &e); code != 404 || e["__type"] != "ResourceNotFoundException" {
		t.Fatalf("root for unknown account = %d %v", code, e)
	}
	if code := postJSON(t, url+"/_sandbox/root", `{"account_id":`, &e); code != 400 || e["__type"] != "SerializationException" {
		t.Fatalf("root with bad JSON = %d %v", code, e)
	}

	if code := postJSON(t, url+"/_sandbox/reset", "", nil); code != 200 {
		t.Fatalf("reset = %d", code)
	}
	getJSON(t, url+"/_sandbox/state", &state)
	if state.IAM["111111111111"].Root.AccessKeysPresent {
		t.Fatal("reset kept the root change")
	}
	calls = nil
	getJSON(t, url+"/_sandbox/calls", &calls)
	if len(calls) != 0 {
		t.Fatalf("calls after reset = %v", calls)
	}
	if code := getJSON(t, url+"/_sandbox/nope", &e); code != 404 {
		t.Fatalf("unknown admin path = %d", code)
	}
}

func TestUnknownOperationsAnswerLikeAWS(t *testing.T) {
	_, url := startSandbox(t, Options{})
	for _, tc := range []struct {
		name, target, body, ctype string
		wantStatus                int
		wantCode                  string
	}{
		{"unknown op", "AWSOrganizationsV20161128.Explode", "{}", "application/x-amz-json-1.1", 400, "UnknownOperationException"},
		{"unknown service", "Nope.ListThings", "{}", "application/x-amz-json-1.1", 400, "UnknownOperationException"},
		{"malformed json", "AWSOrganizationsV20161128.DescribeAccount", `{"AccountId":`, "application/x-amz-json-1.1", 400, "SerializationException"},
		{"wrong type", "AWSOrganizationsV20161128.DescribeAccount", `{"AccountId":12}`, "application/x-amz-json-1.1", 400, "SerializationException"},
		{"trailing data", "AWSOrganizationsV20161128.ListRoots", `{} {}`, "application/x-amz-json-1.1", 400, "SerializationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", url+"/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", tc.target)
			req.Header.Set("Content-Type", tc.ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if resp.StatusCode != tc.wantStatus || e["__type"] != tc.wantCode || resp.Header.Get("x-amzn-ErrorType") != tc.wantCode {
				t.Fatalf("got %d %v (header %q), want %d %s", resp.StatusCode, e, resp.Header.Get("x-amzn-ErrorType"), tc.wantStatus, tc.wantCode)
			}
			if msg, _ := e["message"].(string); msg == "" {
				t.Fatal("error has no message")
			}
		})
	}
	// Query protocol: unknown action and malformed form.
	for _, tc := range []struct{ body, code string }{
		{"Action=Explode&Version=2010-05-08", "InvalidAction"},
		{"Version=2010-05-08", "MissingAction"},
		{"Action=%zz", "MalformedQueryString"},
	} {
		resp, err := http.Post(url+"/", "application/x-www-form-urlencoded", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), "<Code>"+tc.code+"</Code>") || !strings.HasPrefix(string(b), "<ErrorResponse>") {
			t.Fatalf("%q: %d %s", tc.body, resp.StatusCode, b)
		}
	}
}

func TestFaultKnobs(t *testing.T) {
	ctx := context.Background()
	t.Run("throttle", func(t *testing.T) {
		_, url := startSandbox(t, Options{Throttle: 1})
		_, err := organizations.NewFromConfig(sdkConfig(t, url)).ListRoots(ctx, nil)
		wantCode(t, err, "ThrottlingException")
	})
	t.Run("fail5xx", func(t *testing.T) {
		_, url := startSandbox(t, Options{Fail5xx: 1})
		_, err := organizations.NewFromConfig(sdkConfig(t, url)).ListRoots(ctx, nil)
		var re *smithyhttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
			t.Fatalf("err = %v, want HTTP 500", err)
		}
	})
	t.Run("fractions", func(t *testing.T) {
		_, url := startSandbox(t, Options{Throttle: 0.3})
		org := organizations.NewFromConfig(sdkConfig(t, url))
		throttled := 0
		for range 200 {
			if _, err := org.ListRoots(ctx, nil); err != nil {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" {
					t.Fatal(err)
				}
				throttled++
			}
		}
		if throttled < 30 || throttled > 90 {
			t.Fatalf("%d of 200 throttled with --throttle 0.3", throttled)
		}
	})
	t.Run("latency", func(t *testing.T) {
		_, url := startSandbox(t, Options{Latency: 30 * time.Millisecond})
		start := time.Now()
		if _, err := organizations.NewFromConfig(sdkConfig(t, url)).ListRoots(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Fatalf("request took %v with --latency 30ms", d)
		}
	})
}

func TestListenRefusesNonLoopback(t *testing.T) {
	if _, err := Listen("0.0.0.0:0", false); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Listen(0.0.0.0) = %v", err)
	}
	l, err := Listen("localhost:0", false)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}

func TestTPSQuotas(t *testing.T) {
	ctx := context.Background()
	srv, url := startSandbox(t, Options{TPS: 5})
	cfg := sdkConfig(t, url)
	admin := ssoadmin.NewFromConfig(cfg)
	ids := identitystore.NewFromConfig(cfg)
	inst := aws.String(defaultInstanceARN)
	store := aws.String(defaultIdentityStoreID)

	// sso-admin: one bucket for all operations. A burst of 5 passes, then
	// any sso-admin operation is throttled.
	for i := range 5 {
		if _, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst}); err != nil {
			t.Fatalf("request %d within the burst: %v", i, err)
		}
	}
	_, err := admin.ListInstances(ctx, nil)
	wantCode(t, err, "ThrottlingException")
	if n := srv.Calls()["throttled:sso-admin"]; n != 1 {
		t.Fatalf("throttled:sso-admin = %d, want 1", n)
	}

	// identitystore: one bucket per operation.
	for range 5 {
		if _, err := ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store})
	wantCode(t, err, "ThrottlingException")
	if _, err := ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: store}); err != nil {
		t.Fatalf("ListGroups throttled by ListUsers' quota: %v", err)
	}

	// The bucket refills at the quota's rate.
	time.Sleep(250 * time.Millisecond)
	if _, err := admin.ListInstances(ctx, nil); err != nil {
		t.Fatalf("after refilling: %v", err)
	}
	// Organizations has no quota here.
	for range 20 {
		if _, err := organizations.NewFromConfig(cfg).ListRoots(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDebugLogHasOneLinePerRequestAndNoSecrets(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, url := startSandbox(t, Options{Log: log})
	const secretRefresh, secretBearer = "aorSECRETREFRESH0001", "aoaSECRETBEARER0001"
	resp, err := http.Post(url+"/token", "application/json", strings.NewReader(`{"clientId":"c","clientSecret":"SECRETCLIENT","grantType":"refresh_token","refreshToken":"`+secretRefresh+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", url+"/assignment/accounts", nil)
	req.Header.Set("x-amz-sso_bearer_token", secretBearer)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := buf.String()
	for _, want := range []string{"op=sso-oidc:CreateToken", "op=sso:ListAccounts", "status=401"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{secretRefresh, secretBearer, "SECRETCLIENT"} {
		if strings.Contains(out, secret) {
			t.Errorf("debug log contains a secret %q:\n%s", secret, out)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCallsCountPagesAndFederation(t *testing.T) {
	_, url := startSandbox(t, Options{})
	for _, p := range []string{"/federation?Action=getSigninToken&Session=%7B%7D", "/start"} {
		resp, err := http.Get(url + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var calls map[string]int64
	getJSON(t, url+"/_sandbox/calls", &calls)
	if calls["signin:getSigninToken"] != 1 || calls["page:/start"] != 1 {
		t.Fatalf("calls = %v", calls)
	}
}

func TestSecretsStartWithALetterOrDigit(t *testing.T) {
	for range 2000 {
		if s := secret(32); s[0] == '-' || s[0] == '_' {
			t.Fatalf("secret %q starts with %q: command-line tools read it as an option", s, s[0])
		}
	}
}
