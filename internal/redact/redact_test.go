package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestHandlerMasksSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, nil)))
	log.Info("token response "+`{"accessToken":"aoa-SECRET1","expiresIn":3600}`,
		"refreshToken", "aor-SECRET2",
		"body", "grant_type=refresh_token&refresh_token=aor-SECRET3&client_id=abc",
		"err", errors.New("bad secret key: "+secret),
		slog.Group("creds", "SecretAccessKey", "SECRET4", "AccessKeyId", "ASIAEXAMPLE"),
		"clientId", "visible-client-id")
	out := buf.String()
	for _, s := range []string{"SECRET1", "SECRET2", "SECRET3", "SECRET4", secret} {
		if strings.Contains(out, s) {
			t.Errorf("log output contains secret %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"visible-client-id", "ASIAEXAMPLE", "expiresIn", Mask} {
		if !strings.Contains(out, s) {
			t.Errorf("log output lost %q:\n%s", s, out)
		}
	}
}

func TestIsSecretKey(t *testing.T) {
	for name, want := range map[string]bool{
		"accessToken": true, "refresh_token": true, "SecretAccessKey": true, "SessionToken": true,
		"clientSecret": true, "x-amz-sso_bearer_token": true,
		"clientId": false, "AccessKeyId": false, "startUrl": false, "region": false,
	} {
		if got := IsSecretKey(name); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestStringKeepsHexDigests(t *testing.T) {
	const sha = "d033e22ae348aeb5660fc2140aec35850c4da997"
	if got := String("cache " + sha + ".json"); got != "cache "+sha+".json" {
		t.Errorf("String masked a hex digest: %s", got)
	}
	if got := String("key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end"); got != "key "+Mask+" end" {
		t.Errorf("String = %q", got)
	}
}
