package credserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/redact"
	"github.com/keyless-dev/keyless/internal/signin"
)

func TestListenRefusesAllButLoopback(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"0.0.0.0:9911", "every interface"},
		{":9911", "every interface"},
		{"[::]:9911", "every interface"},
		{"169.254.169.254:80", "the EC2 instance metadata address"},
		{"[fd00:ec2::254]:80", "the EC2 instance metadata address"},
		{"169.254.170.2:80", "the ECS container credentials address"},
		{"169.254.170.23:80", "the EKS Pod Identity address"},
		{"[::1]:9911", "127.0.0.1 only"},
		{"localhost:9911", "127.0.0.1 only"},
		{"10.0.0.1:9911", "127.0.0.1 only"},
		{"127.0.0.2:9911", "127.0.0.1 only"},
		{"127.0.0.1", "give 127.0.0.1:PORT"},
		{"127.0.0.1:http", "a number from 0 to 65535"},
		{"127.0.0.1:70000", "a number from 0 to 65535"},
	} {
		l, err := Listen(c.addr)
		var ae *AddrError
		if err == nil {
			l.Close()
		}
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Listen(%q) = %v, want an AddrError saying %q", c.addr, err, c.want)
		}
	}
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if ip := l.Addr().(*net.TCPAddr).IP; !ip.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("listening on %s", ip)
	}
	if _, err := Listen(l.Addr().String()); !errors.Is(err, ErrPortInUse) {
		t.Errorf("Listen on a taken port = %v, want ErrPortInUse", err)
	}
}

func TestNewTokenIsRandom(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b || len(a) != 43 || strings.ContainsAny(a, "\r\n=+/") {
		t.Errorf("tokens %q and %q: want two different 43-character URL-safe ones", a, b)
	}
}

func TestHandler(t *testing.T) {
	const token = "tok-en_123"
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	creds := signin.Credentials{AccessKeyID: "ASIAEXAMPLEEXAMPLE01", SecretAccessKey: "secret/key", SessionToken: "session+token", Expiration: exp}
	fail := error(nil)
	var log strings.Builder
	h := &Handler{Token: token, AccountID: "222222222222", Out: &log,
		Credentials: func(context.Context) (signin.Credentials, error) { return creds, fail }}
	do := func(method, target, host, auth string) (int, map[string]string) {
		t.Helper()
		r := httptest.NewRequest(method, target, nil)
		r.Host = host
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if ct := w.Header().Get("Content-Type"); ct != "application/json" || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: Content-Type %q, Cache-Control %q", method, target, ct, w.Header().Get("Cache-Control"))
		}
		var body map[string]string
		b, _ := io.ReadAll(w.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, target, b)
		}
		return w.Code, body
	}
	code, body := do("GET", Path, "127.0.0.1:9911", token)
	want := map[string]string{"AccessKeyId": "ASIAEXAMPLEEXAMPLE01", "SecretAccessKey": "secret/key", "Token": "session+token",
		"Expiration": "2030-01-02T03:04:05Z", "AccountId": "222222222222"}
	if d := cmp.Diff(want, body); code != 200 || d != "" {
		t.Errorf("with the token: %d (-want +got):\n%s", code, d)
	}
	if code, _ := do("GET", Path, "localhost:9911", token); code != 200 {
		t.Errorf("Host localhost: %d", code)
	}
	for _, c := range []struct {
		name, method, target, host, auth string
		code                             int
		errCode                          string
	}{
		{"no token", "GET", Path, "127.0.0.1:9911", "", 401, "Unauthorized"},
		{"wrong token", "GET", Path, "127.0.0.1:9911", token + "x", 403, "Forbidden"},
		{"bearer scheme", "GET", Path, "127.0.0.1:9911", "Bearer " + token, 403, "Forbidden"},
		{"other host (DNS rebinding)", "GET", Path, "evil.example:9911", token, 403, "Forbidden"},
		{"other path", "GET", "/", "127.0.0.1:9911", token, 404, "NotFound"},
		{"POST", "POST", Path, "127.0.0.1:9911", token, 405, "MethodNotAllowed"},
	} {
		code, body := do(c.method, c.target, c.host, c.auth)
		if code != c.code || body["code"] != c.errCode || body["AccessKeyId"] != "" {
			t.Errorf("%s: %d %v, want %d %s", c.name, code, body, c.code, c.errCode)
		}
	}

	// curl users reach for "Bearer": the right token in the wrong form
	// says so (the SDKs send the value alone); a wrong one does not.
	if _, body := do("GET", Path, "127.0.0.1:9911", "Bearer "+token); !strings.Contains(body["message"], "the token alone, without \"Bearer \"") {
		t.Errorf("Bearer and the token: %q", body["message"])
	}
	if _, body := do("GET", Path, "127.0.0.1:9911", "Bearer "+token+"x"); strings.Contains(body["message"], "Bearer") {
		t.Errorf("Bearer and a wrong token: %q", body["message"])
	}

	fail = &signin.LoginRequiredError{Session: signin.Session{Name: "corp"}, Reason: "the sign-in expired"}
	code, body = do("GET", Path, "127.0.0.1:9911", token)
	if code != 503 || body["code"] != "CredentialsUnavailable" || !strings.Contains(body["message"], "the sign-in expired") {
		t.Errorf("when credentials cannot be had: %d %v", code, body)
	}
	do("GET", Path, "127.0.0.1:9911", token) // the same failure is logged once
	fail = nil
	do("GET", Path, "127.0.0.1:9911", token)
	wantLog := "keyless serve: credentials fetched, valid until " + exp.Local().Format("15:04:05 MST") + "\n" +
		"keyless serve: cannot get credentials, requests fail until this is fixed: sso-session \"corp\": the sign-in expired\n" +
		"hint: sign in with: keyless login --session corp\n"
	if d := cmp.Diff(wantLog, log.String()); d != "" {
		t.Errorf("log (-want +got):\n%s", d)
	}
	for _, secret := range []string{token, "secret/key", "session+token"} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}

	// An error that quotes a secret (a response body with a token, a
	// secret access key) reaches neither the 503 body nor the log.
	const leakedToken, leakedKey = "aoaAAAAAGleakedaccesstoken", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	log.Reset()
	fail = fmt.Errorf(`get role credentials: unexpected response {"accessToken":"%s"} with key %s`, leakedToken, leakedKey)
	code, body = do("GET", Path, "127.0.0.1:9911", token)
	if code != 503 || !strings.Contains(body["message"], "get role credentials: unexpected response") || !strings.Contains(body["message"], redact.Mask) {
		t.Errorf("a failure quoting secrets: %d %v", code, body)
	}
	for _, secret := range []string{leakedToken, leakedKey} {
		if strings.Contains(body["message"], secret) || strings.Contains(log.String(), secret) {
			t.Errorf("%q reaches the 503 body or the log:\n%s\n%s", secret, body["message"], log.String())
		}
	}
	if !strings.Contains(log.String(), "cannot get credentials") {
		t.Errorf("the failure is not logged: %q", log.String())
	}
}
