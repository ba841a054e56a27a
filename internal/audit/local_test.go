package audit

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/signin"
)

func TestLocal(t *testing.T) {
	home := t.TempDir()
	files := map[string]string{
		".aws/credentials": "[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = s\n\n" +
			"[ci]\naws_access_key_id = ASIAAAAAAAAAAAAAAAAB\n\n[old]\naws_access_key_id=AKIABBBBBBBBBBBBBBBB\n",
		".aws/config": "[default]\nregion = eu-west-1\n[profile admin]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = old\n" +
			"[profile chained]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = admin\n[profile old]\nregion = us-east-1\n" +
			"[profile loop]\nsource_profile = loop\n",
		".zsh_history":                   ": 1700000000:0;aws s3 ls\n: 1700000001:0;export AWS_ACCESS_KEY_ID=AKIAQ3EGYOJ2BMYTCCCC\n",
		".local/share/fish/fish_history": "- cmd: echo ASIAZT5RUDXKQ7MWDDDD\n- cmd: echo AKIAEXAMPLE\n",
	}
	for name, body := range files {
		p := filepath.Join(home, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIAFFFFFFFFFFFFFFFF", "AWS_SECRET_ACCESS_KEY": "x"}
	r, err := Local(Machine{Home: home, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ ID, Severity, Resource, Evidence string }
	var got []row
	for _, f := range r.Findings {
		got = append(got, row{f.ID, f.Severity.String(), f.Resource, f.Evidence})
	}
	creds := filepath.Join(home, ".aws/credentials")
	want := []row{
		{"local-credentials-file-key", "high", creds + ":1", "profile default holds long-lived access key AKIA...AAAA; used by profiles default"},
		{"local-credentials-file-key", "high", creds + ":8", "profile old holds long-lived access key AKIA...BBBB; used by profiles admin, chained, old"},
		{"local-env-key", "high", "environment:AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID=AKIA...FFFF and AWS_SECRET_ACCESS_KEY are set, with no session token"},
		{"local-shell-history-key", "high", filepath.Join(home, ".zsh_history") + ":2", "access key AKIA...CCCC appears on this line"},
		{"local-shell-history-key", "low", filepath.Join(home, ".local/share/fish/fish_history") + ":1", "access key ASIA...DDDD appears on this line"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("local findings (-want +got):\n%s", diff)
	}

	// A session key with its token, and no files: nothing to report.
	env = map[string]string{"AWS_ACCESS_KEY_ID": "ASIAFFFFFFFFFFFFFFFF", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "t"}
	r, err = Local(Machine{Home: t.TempDir(), Getenv: func(k string) string { return env[k] }})
	if err != nil || len(r.Findings) != 0 || r.Checks["local-env-key"].Pass != 1 {
		t.Errorf("clean machine: findings %v, checks %v, err %v", r.Findings, r.Checks, err)
	}
}

// TestLocalTokens: a token cache others can read, a refresh token at rest
// for a configured session and for one no longer configured; a session
// without a refresh token and a private file pass.
func TestLocalTokens(t *testing.T) {
	home := t.TempDir()
	cache := filepath.Join(home, ".aws", "sso", "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(path, body string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(home, ".aws", "config")
	write(cfg, "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"+
		"[sso-session norefresh]\nsso_start_url = https://n.awsapps.com/start\nsso_region = eu-west-1\n"+
		"[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = Admin\n", 0o600)
	corp := signin.TokenPath(home, "corp")
	write(corp, `{"startUrl":"https://corp.awsapps.com/start","accessToken":"a","refreshToken":"r","clientId":"c","clientSecret":"s"}`, 0o644)
	write(signin.TokenPath(home, "norefresh"), `{"startUrl":"https://n.awsapps.com/start","accessToken":"a"}`, 0o600)
	legacy := signin.TokenPath(home, "https://old.awsapps.com/start")
	write(legacy, `{"startUrl":"https://old.awsapps.com/start","accessToken":"a","refreshToken":"r2"}`, 0o600)
	orphan := filepath.Join(cache, "0123456789abcdef0123456789abcdef01234567.json")
	write(orphan, `{"startUrl":"https://gone.awsapps.com/start","refreshToken":"r3"}`, 0o600)
	write(filepath.Join(cache, "botocore-client-id-eu-west-1.json"), `{"clientId":"c","clientSecret":"s"}`, 0o600)

	r, err := Local(Machine{Home: home, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ ID, Severity, Resource, Remediation string }
	var got []row
	for _, f := range r.Findings {
		got = append(got, row{f.ID, f.Severity.String(), f.Resource, f.Remediation})
	}
	want := []row{
		{"local-file-exposed", "high", corp, "chmod 600 " + corp},
		{"local-refresh-token-at-rest", "medium", orphan, "delete it: rm " + orphan},
		{"local-refresh-token-at-rest", "medium", corp, "keep the refresh token in the OS keychain: keyless login --session corp --token-storage keychain (docs/keychain.md); until then, sign out when not working: keyless logout"},
		{"local-refresh-token-at-rest", "medium", legacy, "keep the refresh token in the OS keychain: keyless login --profile legacy --token-storage keychain (docs/keychain.md); until then, sign out when not working: keyless logout"},
	}
	slices.SortFunc(want, func(a, b row) int { return strings.Compare(a.ID+a.Resource, b.ID+b.Resource) })
	slices.SortFunc(got, func(a, b row) int { return strings.Compare(a.ID+a.Resource, b.ID+b.Resource) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if c := r.Checks["local-file-exposed"]; c.Fail != 1 {
		t.Errorf("local-file-exposed counted %+v", c)
	}
}
