package awsconfig

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keyless-dev/keyless/internal/testtool"
)

var access = []Access{
	{AccountID: "222222222222", AccountName: "prod", RoleName: "ReadOnly"},
	{AccountID: "111111111111", AccountName: "dev", RoleName: "Admin"},
	{AccountID: "222222222222", AccountName: "prod", RoleName: "Admin"},
}

func syncInput() SyncInput {
	return SyncInput{Session: "corp", Access: access, Region: "eu-west-1", CredentialProcess: "/opt/key less/keyless"}
}

func TestSyncWritesSortedProfiles(t *testing.T) {
	f := mustParse(t, "")
	in := syncInput()
	in.CredentialProcess = "/usr/bin/keyless"
	in.Default = "ReadOnly@prod"
	res, err := Sync(f, in)
	if err != nil {
		t.Fatal(err)
	}
	want := `# BEGIN keyless profiles corp (managed by keyless; changes here are overwritten)
[default]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = eu-west-1
credential_process = /usr/bin/keyless credential-process --profile default

[profile Admin-111111111111]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1
credential_process = /usr/bin/keyless credential-process --profile Admin-111111111111

[profile Admin-222222222222]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Admin
region = eu-west-1
credential_process = /usr/bin/keyless credential-process --profile Admin-222222222222

[profile ReadOnly-222222222222]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = eu-west-1
credential_process = /usr/bin/keyless credential-process --profile ReadOnly-222222222222
# END keyless profiles corp
`
	if diff := cmp.Diff(want, string(f.Bytes())); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	wantRes := SyncResult{Added: []string{"default", "Admin-111111111111", "Admin-222222222222", "ReadOnly-222222222222"}}
	if diff := cmp.Diff(wantRes, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestSyncChangesKeepsPrunes(t *testing.T) {
	f := mustParse(t, "")
	if _, err := Sync(f, syncInput()); err != nil {
		t.Fatal(err)
	}
	in := syncInput()
	in.Access = []Access{access[0], {AccountID: "333333333333", AccountName: "sandbox", RoleName: "Admin"}}
	in.Region = "us-east-1"
	res, err := Sync(f, in)
	if err != nil {
		t.Fatal(err)
	}
	want := SyncResult{
		Added:   []string{"Admin-333333333333"},
		Changed: []string{"ReadOnly-222222222222"},
		Kept:    []string{"Admin-111111111111", "Admin-222222222222"},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("second sync (-want +got):\n%s", diff)
	}
	in.Prune = true
	res, err = Sync(f, in)
	if err != nil {
		t.Fatal(err)
	}
	want = SyncResult{
		Unchanged: []string{"Admin-333333333333", "ReadOnly-222222222222"}, // by profile name
		Removed:   []string{"Admin-111111111111", "Admin-222222222222"},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("pruning sync (-want +got):\n%s", diff)
	}
	var names []string
	for _, p := range f.Profiles() {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"Admin-333333333333", "ReadOnly-222222222222"}, names); diff != "" {
		t.Errorf("profiles after prune (-want +got):\n%s", diff)
	}
}

func TestSyncErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*SyncInput)
		want string
	}{
		{"bad template", func(in *SyncInput) { in.NameTemplate = "{{.Role" }, "--name-template"},
		{"unknown field", func(in *SyncInput) { in.NameTemplate = "{{.Account}}" }, "fields are .AccountID"},
		{"collision", func(in *SyncInput) { in.NameTemplate = "{{.AccountName}}" }, `gives profile "prod" to both`},
		{"sanitized collision", func(in *SyncInput) {
			in.NameTemplate = "{{.AccountName}}"
			in.Access = []Access{{AccountID: "1", AccountName: "a b", RoleName: "r"}, {AccountID: "2", AccountName: "a:b", RoleName: "r"}}
		}, `gives profile "a-b" to both`},
		{"default missing", func(in *SyncInput) { in.Default = "Admin@333333333333" }, "--default \"Admin@333333333333\" matches no role"},
		{"default ambiguous", func(in *SyncInput) {
			in.Default = "Admin@dup"
			in.Access = []Access{{AccountID: "1", AccountName: "dup", RoleName: "Admin"}, {AccountID: "2", AccountName: "dup", RoleName: "Admin"}}
		}, "matches 2 roles"},
	} {
		in := syncInput()
		c.edit(&in)
		f := mustParse(t, "[default]\n")
		_, err := Sync(f, in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want %q", c.name, err, c.want)
		}
		if string(f.Bytes()) != "[default]\n" {
			t.Errorf("%s: file changed on error", c.name)
		}
	}
}

func TestProfileName(t *testing.T) {
	a := Access{AccountID: "111111111111", AccountName: "Prod [EU] \"main\"", AccountEmail: "ops+aws@example.com", RoleName: "Admin#1;x"}
	for _, c := range []struct{ tmpl, want string }{
		{DefaultNameTemplate, "Admin-1-x-111111111111"},
		{"{{.AccountName}}/{{.RoleName}}", "Prod-EU-main-/Admin-1-x"},
		{"{{.Session}}.{{.AccountEmail}}", "corp.ops+aws@example.com"},
		{"  {{.AccountID}} = ünïcode ", "111111111111-=-n-code"},
		{"{{.AccountName | printf \"%.4s\"}}--{{.AccountID}}", "Prod-111111111111"},
	} {
		got, err := ProfileName(c.tmpl, a, "corp")
		if err != nil || got != c.want {
			t.Errorf("ProfileName(%q) = %q, %v; want %q", c.tmpl, got, err, c.want)
		}
	}
	if got, err := ProfileName("  ", a, "corp"); err == nil {
		t.Errorf("ProfileName of blanks = %q, want an error", got)
	}
}

func TestQuoteExe(t *testing.T) {
	for _, c := range []struct{ exe, goos, want string }{
		{"/usr/local/bin/keyless", "linux", "/usr/local/bin/keyless"},
		{"/opt/key less/keyless", "darwin", "'/opt/key less/keyless'"},
		{"/opt/it's/keyless", "linux", `'/opt/it'\''s/keyless'`},
		{`C:\Program Files\keyless\keyless.exe`, "windows", `"C:\Program Files\keyless\keyless.exe"`},
		{`C:\keyless\keyless.exe`, "windows", `C:\keyless\keyless.exe`},
	} {
		if got := quoteExe(c.exe, c.goos); got != c.want {
			t.Errorf("quoteExe(%q, %s) = %s, want %s", c.exe, c.goos, got, c.want)
		}
	}
}

func TestSyncCorpus(t *testing.T) {
	for name, data := range corpus(t) {
		f := mustParse(t, string(data))
		in := syncInput()
		in.Default = "Admin@dev"
		res, err := Sync(f, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		synced := f.Bytes()
		// Nothing outside the block changed: removing it gives the original.
		g := mustParse(t, string(synced))
		if removed, err := g.RemoveBlock(SyncBlockID("corp")); !removed || err != nil {
			t.Fatalf("%s: RemoveBlock = %v, %v", name, removed, err)
		}
		if !bytes.Equal(g.Bytes(), data) {
			t.Errorf("%s: bytes outside the block changed:\n%s", name, Diff(name, data, g.Bytes()))
		}
		_, hadDefault := mustParse(t, string(data)).Profile("default")
		if slices.Contains(res.Skipped, "default") != hadDefault {
			t.Errorf("%s: skipped %v, but the file had [default]: %v", name, res.Skipped, hadDefault)
		}
		again, err := Sync(f, in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.Bytes(), synced) || len(again.Added)+len(again.Changed)+len(again.Removed) != 0 {
			t.Errorf("%s: second sync changed something: %+v\n%s", name, again, Diff(name, synced, f.Bytes()))
		}
	}
}

// TestBotocoreAgrees asks botocore itself to read every corpus file after a
// sync: the old profiles are still there, the new ones carry the SSO keys,
// and credential_process splits into the keyless command line.
func TestBotocoreAgrees(t *testing.T) {
	python := testtool.RequireTool(t, "python3")
	const script = `
import json, sys, botocore.session
from botocore.compat import compat_shell_split
out = {}
for path in sys.argv[1:]:
    s = botocore.session.Session()
    s.set_config_variable('config_file', path)
    profiles = s.full_config['profiles']
    for p in profiles.values():
        if 'credential_process' in p:
            p['credential_process'] = compat_shell_split(p['credential_process'])
    out[path] = {'profiles': profiles, 'sessions': s.full_config['sso_sessions']}
print(json.dumps(out))
`
	if err := exec.Command(python, "-c", "import botocore").Run(); err != nil {
		testtool.RequireTool(t, "botocore (pip install botocore)")
	}
	dir := t.TempDir()
	var paths []string
	for name, data := range corpus(t) {
		orig := filepath.Join(dir, name+".orig")
		synced := filepath.Join(dir, name)
		f := mustParse(t, string(data))
		in := syncInput()
		in.Default = "Admin@dev"
		if _, err := Sync(f, in); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(orig, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(synced, f.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, orig, synced)
	}
	out, err := exec.Command(python, append([]string{"-c", script}, paths...)...).Output()
	if err != nil {
		t.Fatalf("botocore: %v\n%s", err, out)
	}
	type profiles = map[string]map[string]any
	var got map[string]struct{ Profiles profiles }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(paths); i += 2 {
		before, after := got[paths[i]].Profiles, got[paths[i+1]].Profiles
		want := profiles{}
		for name, p := range before {
			want[name] = p
		}
		for _, a := range access {
			name := a.RoleName + "-" + a.AccountID
			want[name] = map[string]any{
				"sso_session": "corp", "sso_account_id": a.AccountID, "sso_role_name": a.RoleName, "region": "eu-west-1",
				"credential_process": []any{"/opt/key less/keyless", "credential-process", "--profile", name},
			}
		}
		if _, ok := want["default"]; !ok {
			want["default"] = map[string]any{
				"sso_session": "corp", "sso_account_id": "111111111111", "sso_role_name": "Admin", "region": "eu-west-1",
				"credential_process": []any{"/opt/key less/keyless", "credential-process", "--profile", "default"},
			}
		}
		if diff := cmp.Diff(want, after); diff != "" {
			t.Errorf("%s: botocore profiles after sync (-want +got):\n%s", filepath.Base(paths[i+1]), diff)
		}
	}
}

// A person's own section with the name keyless would write is left as it
// is. When it is not an SSO profile of that role (here a credential_process
// of its own) keyless writes the role's profile as NAME-keyless, so the role
// is not left without one; when it is, keyless writes nothing for the role.
func TestSyncRenamesAroundAPersonsProfile(t *testing.T) {
	mine := "[profile Admin-111111111111]\ncredential_process = /usr/local/bin/my-creds admin\n\n" +
		"[profile ReadOnly-222222222222]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\n"
	f := mustParse(t, mine)
	res, err := Sync(f, syncInput())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Rename{{"Admin-111111111111", "Admin-111111111111-keyless"}}, res.Renamed); d != "" {
		t.Errorf("renamed (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"Admin-111111111111-keyless", "Admin-222222222222"}, res.Added); d != "" {
		t.Errorf("added (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"ReadOnly-222222222222"}, res.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
	out := string(f.Bytes())
	if !strings.HasPrefix(out, mine) {
		t.Errorf("the person's sections changed:\n%s", out)
	}
	p := mustProfile(t, f, "Admin-111111111111-keyless")
	if role, _ := p.Get("sso_role_name"); role != "Admin" {
		t.Errorf("renamed profile has role %q", role)
	}
	if cp, _ := p.Get("credential_process"); !strings.HasSuffix(cp, "credential-process --profile Admin-111111111111-keyless") {
		t.Errorf("renamed profile's credential_process = %q, want it to name the new profile", cp)
	}
	if cp, _ := mustProfile(t, f, "Admin-111111111111").Get("credential_process"); cp != "/usr/local/bin/my-creds admin" {
		t.Errorf("the person's profile now has credential_process %q", cp)
	}
	again, err := Sync(f, syncInput())
	if err != nil || string(f.Bytes()) != out || len(again.Added)+len(again.Changed) != 0 {
		t.Errorf("second sync changed something: %v %+v", err, again)
	}
}
