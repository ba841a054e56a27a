package audit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
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
