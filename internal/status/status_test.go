package status

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/signin"
)

// TestSessionsOffline: sessions and legacy start URLs from the config,
// profiles grouped under them, unresolvable ones named with the config's
// error, and no portal call for a signed-out or expired session (the
// manager has no SDK configuration: a call would panic).
func TestSessionsOffline(t *testing.T) {
	home := t.TempDir()
	f, err := awsconfig.Parse("config", []byte(`[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[sso-session half]
sso_region = eu-west-1

[profile a]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile old]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 222222222222
sso_role_name = ReadOnly

[profile broken]
sso_session = nosuch
sso_account_id = 1
sso_role_name = X

[profile keys]
region = eu-west-1
`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tok := filepath.Join(home, ".aws", "sso", "cache")
	if err := os.MkdirAll(tok, 0o700); err != nil {
		t.Fatal(err)
	}
	// corp: expired an hour ago, refreshable until the registration ends.
	if err := os.WriteFile(signin.TokenPath(home, "corp"), []byte(`{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1",
"accessToken":"x","expiresAt":"2026-12-02T11:00:00Z","refreshToken":"r","clientId":"c","clientSecret":"s","registrationExpiresAt":"2027-02-01T00:00:00Z"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &signin.Manager{Home: home}
	got, invalid := Sessions(context.Background(), Options{Config: f, Manager: m, Now: func() time.Time { return now }})

	at := func(s string) *time.Time { v, _ := time.Parse(time.RFC3339, s); return &v }
	want := []Session{{
		Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1", State: Expired,
		TokenFile: signin.TokenPath(home, "corp"), AccessTokenExpiresAt: at("2026-12-02T11:00:00Z"),
		Refresh:               Refresh{Possible: true, Until: at("2027-02-01T00:00:00Z"), Token: signin.RefreshFile, TokenFile: signin.TokenPath(home, "corp")},
		RegistrationExpiresAt: at("2027-02-01T00:00:00Z"), Portal: PortalExpired,
		Profiles: []Profile{{Name: "a", AccountID: "111111111111", RoleName: "Admin", Access: AccessNotChecked}},
		Login:    "keyless login --session corp",
	}, {
		StartURL: "https://old.awsapps.com/start", Region: "us-east-1", Legacy: true, State: SignedOut,
		TokenFile: signin.TokenPath(home, "https://old.awsapps.com/start"), Refresh: Refresh{Token: signin.RefreshNone},
		Portal:   PortalSignedOut,
		Profiles: []Profile{{Name: "old", AccountID: "222222222222", RoleName: "ReadOnly", Access: AccessNotChecked}},
		Login:    "keyless login --profile old",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sessions (-want +got):\n%s", diff)
	}
	var names []string
	for _, p := range invalid {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"sso-session half", "broken"}, names); diff != "" {
		t.Errorf("invalid (-want +got):\n%s", diff)
	}
	r := Report{Sessions: got, Invalid: invalid}
	r.Count()
	if r.Attention != 3 { // the legacy session needs a sign-in; two invalid entries
		t.Errorf("attention = %d, want 3", r.Attention)
	}
}

// TestExposedFiles: files others can read or write, and directories
// others can write, are reported with the fix; private ones and a
// directory others can only list are not.
func TestExposedFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes are not checked on Windows")
	}
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	cache := filepath.Join(aws, "sso", "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	files := map[string]os.FileMode{
		filepath.Join(aws, "config"):            0o644,
		filepath.Join(aws, "credentials"):       0o600,
		filepath.Join(cache, "a.json"):          0o600,
		filepath.Join(cache, "b.json"):          0o640,
		filepath.Join(cache, "keychain.json"):   0o644,
		filepath.Join(cache, "reg.json"):        0o644,
		filepath.Join(cache, "broken.json"):     0o644,
		filepath.Join(aws, "cli", "cache", "c"): 0o600,
	}
	// What each file holds is read from its keys, not assumed: a
	// token_storage = keychain session keeps only the access token in the
	// file; the AWS CLI's registration file has a client secret only.
	content := map[string]string{
		filepath.Join(cache, "b.json"):        `{"startUrl":"u","accessToken":"a","refreshToken":"r","clientId":"c","clientSecret":"s"}`,
		filepath.Join(cache, "keychain.json"): `{"startUrl":"u","accessToken":"a","clientId":"c","registrationExpiresAt":"2027-01-01T00:00:00Z"}`,
		filepath.Join(cache, "reg.json"):      `{"clientId":"c","clientSecret":"s","expiresAt":"2027-01-01T00:00:00Z"}`,
		filepath.Join(cache, "broken.json"):   `{"accessToken":`,
	}
	for path, mode := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(orEmptyJSON(content[path])), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	for dir, mode := range map[string]os.FileMode{aws: 0o755, cache: 0o777, filepath.Join(aws, "cli", "cache"): 0o755} {
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ExposedFiles(home, filepath.Join(aws, "config"), filepath.Join(aws, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, f := range got {
		rows = append(rows, strings.ReplaceAll(f.Mode+" "+f.Path+" "+f.Holds+" | "+f.Fix, home, ""))
	}
	want := []string{
		"0644 /.aws/config AWS config (profiles, credential_process commands) | chmod 600 " + filepath.Join(aws, "config"),
		"0777 /.aws/sso/cache directory of the SSO token cache: others can replace its files | chmod go-w " + cache,
		"0640 /.aws/sso/cache/b.json SSO token cache (access token, refresh token, client secret) | chmod 600 " + filepath.Join(cache, "b.json"),
		"0644 /.aws/sso/cache/broken.json SSO token cache (not valid JSON) | chmod 600 " + filepath.Join(cache, "broken.json"),
		"0644 /.aws/sso/cache/keychain.json SSO token cache (access token) | chmod 600 " + filepath.Join(cache, "keychain.json"),
		"0644 /.aws/sso/cache/reg.json SSO token cache (client secret) | chmod 600 " + filepath.Join(cache, "reg.json"),
	}
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], home, "")
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("exposed files (-want +got):\n%s", diff)
	}
}

// A config whose only sso-session does not resolve has a session: the
// report must not tell the person to set one up (a second one, beside the
// broken line) but point at the line to fix.
func TestWriteTextInvalidOnly(t *testing.T) {
	r := &Report{Invalid: []InvalidProfile{{Name: "sso-session corp", Error: `config:6: [sso-session corp]: keyless_token_storage = "vault": use keychain or file`}}, Attention: 1}
	var b strings.Builder
	if err := r.WriteText(&b, time.Now()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "No SSO sessions") || strings.Contains(out, "Set one up") {
		t.Errorf("a broken session is reported as none:\n%s", out)
	}
	if !strings.Contains(out, "do not resolve:\n  sso-session corp: config:6:") {
		t.Errorf("the broken session is not listed:\n%s", out)
	}
}

func orEmptyJSON(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}

// An expired session is not "signed out": one that refreshes says so and
// how to refresh now (status itself refreshes nothing); one that cannot
// says the token expired, and its state line says to sign in.
func TestWriteTextExpired(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	exp, reg := now.Add(-time.Hour), now.Add(60*24*time.Hour)
	session := func(refresh bool) Session {
		s := Session{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1", State: Expired,
			AccessTokenExpiresAt: &exp, RegistrationExpiresAt: &reg, Portal: PortalExpired, Login: "keyless login --session corp",
			Refresh:  Refresh{Possible: refresh, Token: signin.RefreshFile, TokenFile: "/h/.aws/sso/cache/x.json"},
			Profiles: []Profile{{Name: "a", AccountID: "111111111111", RoleName: "Admin", Access: AccessNotChecked}}}
		if refresh {
			s.Refresh.Until = &reg
		}
		return s
	}
	for _, c := range []struct {
		refresh bool
		want    string
	}{
		{true, "\n  accounts and roles: not checked (the access token expired; keyless refreshes it without a sign-in on next use, or now: keyless login --session corp --if-needed)\n"},
		{false, "\n  accounts and roles: not checked (the access token expired)\n"},
	} {
		r := &Report{Sessions: []Session{session(c.refresh)}}
		var b strings.Builder
		if err := r.WriteText(&b, now); err != nil {
			t.Fatal(err)
		}
		if out := b.String(); !strings.Contains(out, c.want) || strings.Contains(out, "signed out") {
			t.Errorf("refresh possible %v: want %q, and no \"signed out\", in:\n%s", c.refresh, c.want, out)
		}
	}
}
