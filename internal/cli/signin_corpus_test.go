package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// TestSyncCorpus runs the real login and profiles sync against one sandbox
// on every file of the AWS config corpus: bytes outside keyless's blocks
// stay as they were, --dry-run only prints, a second sync changes nothing,
// the backup stays the person's original, and botocore reads the result
// with every old profile unchanged and the new ones as SSO profiles.
func TestSyncCorpus(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	python := testtool.RequireTool(t, "python3")
	if err := exec.Command(python, "-c", "import botocore").Run(); err != nil {
		testtool.RequireTool(t, "botocore (pip install botocore)")
	}
	files, err := filepath.Glob("../awsconfig/testdata/corpus/*.ini")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files (%v)", err)
	}
	bin := buildKeyless(t)
	seed := sandbox.DefaultSeed()
	seed.Users = []sandbox.SeedUser{{UserName: "alice", Email: "alice@example.com"}}
	seed.PermissionSets = []sandbox.SeedPermissionSet{{Name: "Admin"}, {Name: "ReadOnly"}}
	seed.Assignments = []sandbox.SeedAssignment{
		{PermissionSet: "Admin", User: "alice", Accounts: []string{"111111111111"}},
		{PermissionSet: "ReadOnly", User: "alice", Accounts: []string{"111111111111", "222222222222"}},
	}
	_, url := startTestSandbox(t, sandbox.Options{Seed: seed, ApproveAs: "alice", AssignmentDelay: -1})

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			orig, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			home := t.TempDir()
			config := filepath.Join(home, ".aws", "config")
			backup := config + ".keyless-backup"
			if err := os.MkdirAll(filepath.Dir(config), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(config, orig, 0o600); err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) (string, string) {
				t.Helper()
				cmd := exec.Command(bin, args...)
				cmd.Env = append(withoutAWS(os.Environ()), "HOME="+home, "AWS_CONFIG_FILE="+config,
					"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "none"), "AWS_ENDPOINT_URL="+url,
					"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "BROWSER=none", "NO_COLOR=1")
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("keyless %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
				}
				return stdout.String(), stderr.String()
			}
			read := func(path string) string {
				t.Helper()
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}

			run("login", "--start-url", url+"/start", "--region", "us-east-1", "--session", "sbx", "--no-sync")
			loggedIn := read(config)
			wantOutsideUnchanged(t, "after login", string(orig), loggedIn)
			if got := read(backup); got != string(orig) {
				t.Errorf("backup after login is not the original:\n%s", cmp.Diff(string(orig), got))
			}

			diff, _ := run("profiles", "sync", "--session", "sbx", "--dry-run")
			if !strings.Contains(diff, "\n+[profile Admin-111111111111]") {
				t.Errorf("--dry-run printed no diff adding the profiles:\n%s", diff)
			}
			if got := read(config); got != loggedIn {
				t.Errorf("--dry-run changed the file:\n%s", cmp.Diff(loggedIn, got))
			}

			out, _ := run("profiles", "sync", "--session", "sbx", "--json")
			var res struct{ Added, Skipped []string }
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("sync --json: %v\n%s", err, out)
			}
			synced := read(config)
			wantOutsideUnchanged(t, "after sync", string(orig), synced)
			if got := read(backup); got != string(orig) {
				t.Errorf("backup after sync is not the original any more:\n%s", cmp.Diff(string(orig), got))
			}
			if fi, err := os.Stat(config); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("config mode: %v %v, want 0600", fi.Mode().Perm(), err)
			}
			all := slices.Concat(res.Added, res.Skipped)
			slices.Sort(all)
			if want := []string{"Admin-111111111111", "ReadOnly-111111111111", "ReadOnly-222222222222"}; !slices.Equal(all, want) {
				t.Errorf("added+skipped = %v, want %v", all, want)
			}

			_, again := run("profiles", "sync", "--session", "sbx")
			if !strings.Contains(again, "No change to ") {
				t.Errorf("second sync: %s", again)
			}
			if got := read(config); got != synced {
				t.Errorf("second sync changed the file:\n%s", cmp.Diff(synced, got))
			}

			wantBotocoreReads(t, python, file, config, res.Added)
		})
	}
}

// wantOutsideUnchanged checks that got is want with keyless's blocks (and
// the line breaks that set them apart) added: every other byte is as it was.
func wantOutsideUnchanged(t *testing.T, when, want, got string) {
	t.Helper()
	var outside strings.Builder
	in := false
	for _, line := range strings.SplitAfter(got, "\n") {
		switch {
		case strings.HasPrefix(line, "# BEGIN keyless "):
			in = true
		case strings.HasPrefix(line, "# END keyless "):
			in = false
		case !in:
			outside.WriteString(line)
		}
	}
	rest, ok := strings.CutPrefix(outside.String(), want)
	if !ok || strings.Trim(rest, "\r\n") != "" {
		t.Errorf("%s: the file outside keyless's blocks changed:\n%s", when, cmp.Diff(want, outside.String()))
	}
}

// wantBotocoreReads has botocore read the original and the synced file:
// every original profile and sso-session is unchanged, and each added
// profile is an SSO profile of session sbx.
func wantBotocoreReads(t *testing.T, python, origPath, syncedPath string, added []string) {
	t.Helper()
	const script = `
import json, sys, botocore.session
out = []
for path in sys.argv[1:]:
    s = botocore.session.Session()
    s.set_config_variable('config_file', path)
    out.append({'profiles': s.full_config['profiles'], 'sessions': s.full_config.get('sso_sessions', {})})
print(json.dumps(out))
`
	b, err := exec.Command(python, "-c", script, origPath, syncedPath).Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	type config struct{ Profiles, Sessions map[string]map[string]any }
	var got []config
	if err := json.Unmarshal(b, &got); err != nil || len(got) != 2 {
		t.Fatalf("botocore output: %v\n%s", err, b)
	}
	before, after := got[0], got[1]
	want := config{Profiles: map[string]map[string]any{}, Sessions: map[string]map[string]any{}}
	for k, v := range before.Profiles {
		want.Profiles[k] = v
	}
	for k, v := range before.Sessions {
		want.Sessions[k] = v
	}
	want.Sessions["sbx"] = after.Sessions["sbx"]
	if s := after.Sessions["sbx"]; s["sso_region"] != "us-east-1" || !strings.HasSuffix(fmt.Sprint(s["sso_start_url"]), "/start") {
		t.Errorf("botocore reads sso-session sbx as %v", s)
	}
	for _, name := range added {
		account, role := name[strings.LastIndex(name, "-")+1:], name[:strings.LastIndex(name, "-")]
		want.Profiles[name] = map[string]any{"sso_session": "sbx", "sso_account_id": account, "sso_role_name": role, "region": "us-east-1"}
	}
	if d := cmp.Diff(want, after); d != "" {
		t.Errorf("botocore reads the synced file differently (-want +got):\n%s", d)
	}
}
