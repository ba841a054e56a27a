package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// terminal is a shell in a tmux session of its own (a real terminal for
// keyless), driven by keystrokes and read from the screen.
type terminal struct {
	t       *testing.T
	tmux    string
	socket  string
	session string
}

// startTerminal opens a sh in a width x 50 tmux window whose server's
// socket lives in dir; the test's end kills it.
func startTerminal(t *testing.T, tmux, dir string, width int) *terminal {
	t.Helper()
	term := &terminal{t: t, tmux: tmux, socket: filepath.Join(dir, "tmux.sock"), session: fmt.Sprintf("keyless-%d", os.Getpid())}
	term.run("new-session", "-d", "-s", term.session, "-x", fmt.Sprint(width), "-y", "50", "sh")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", term.socket, "kill-server").Run() })
	return term
}

func (c *terminal) run(args ...string) string {
	c.t.Helper()
	out, err := exec.Command(c.tmux, append([]string{"-S", c.socket}, args...)...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// send types a line and Enter.
func (c *terminal) send(line string) {
	c.t.Helper()
	c.run("send-keys", "-t", c.session, line, "Enter")
}

// screen is what the terminal shows, wrapped lines joined.
func (c *terminal) screen() string { return c.run("capture-pane", "-p", "-J", "-t", c.session) }

// waitFor waits for a pattern on the screen and returns the screen:
// "EXIT=[0-9]" is the exit status echoed after a command, not the command
// line that echoes it.
func (c *terminal) waitFor(pattern string) string {
	c.t.Helper()
	re := regexp.MustCompile(pattern)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if sc := c.screen(); re.MatchString(sc) {
			return sc
		}
	}
	c.t.Fatalf("the terminal never showed %q:\n%s", pattern, c.screen())
	return ""
}

// clear empties the screen, so the next waitFor sees only what follows.
func (c *terminal) clear() {
	c.t.Helper()
	c.send("clear")
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(c.screen(), "EXIT="); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.t.Fatalf("the screen was not cleared:\n%s", c.screen())
		}
	}
}

// TestApplyAsksOnATerminal drives keyless apply in a real terminal (tmux):
// it shows the plan, asks, takes only "yes", and otherwise changes nothing.
func TestApplyAsksOnATerminal(t *testing.T) {
	tmux := testtool.RequireTool(t, "tmux")
	bin := buildKeyless(t)
	_, url := startTestSandbox(t, sandbox.Options{AssignmentDelay: 10 * time.Millisecond})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keyless.yaml"), []byte(`users:
  - {email: john@example.com, given_name: John, family_name: Doe}
super_admins: [john@example.com]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("cd %s && env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1", dir, dir, url)
	term := startTerminal(t, tmux, dir, 120)

	// Anything but "yes" cancels.
	term.send(env + " " + bin + " apply; echo EXIT=$?")
	term.waitFor(`Only 'yes' is accepted:`)
	term.send("y")
	sc := term.waitFor(`EXIT=\d`)
	if !strings.Contains(sc, "Apply cancelled; nothing changed.") || !strings.Contains(sc, "EXIT=0") {
		t.Fatalf("after answering y:\n%s", sc)
	}
	term.clear()

	term.send(env + " " + bin + " apply; echo EXIT=$?")
	term.waitFor(`Only 'yes' is accepted:`)
	term.send("yes")
	sc = term.waitFor(`EXIT=\d`)
	for _, want := range []string{"Apply complete: 5 created", "Access portal: https://d-1111111111.awsapps.com/start", "EXIT=0"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("after answering yes, no %q:\n%s", want, sc)
		}
	}
}

// TestOfferLoginOnATerminal: a command that needs a sign-in says what to
// run and, on a terminal, offers to do it; declining runs nothing, and
// accepting signs in and goes on.
func TestOfferLoginOnATerminal(t *testing.T) {
	tmux := testtool.RequireTool(t, "tmux")
	bin := buildKeyless(t)
	seed := sandbox.DefaultSeed()
	seed.Users = []sandbox.SeedUser{{UserName: "alice"}}
	seed.PermissionSets = []sandbox.SeedPermissionSet{{Name: "PowerUser"}}
	seed.Assignments = []sandbox.SeedAssignment{{PermissionSet: "PowerUser", User: "alice", Accounts: []string{"222222222222"}}}
	_, url := startTestSandbox(t, sandbox.Options{Seed: seed, ApproveAs: "alice"})
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`[sso-session corp]
sso_start_url = %s/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = PowerUser
`, url)
	if err := os.WriteFile(filepath.Join(dir, ".aws", "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("cd %s && env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm BROWSER=none AWS_ENDPOINT_URL=%s", dir, dir, url)
	term := startTerminal(t, tmux, dir, 200)

	term.send(env + " " + bin + " exec dev -- sh -c 'echo RAN=$AWS_REGION'; echo EXIT=$?")
	term.waitFor(`Sign in now \(keyless login --session corp\)\? \[Y/n\]`)
	term.send("n")
	sc := term.waitFor(`EXIT=\d`)
	if !strings.Contains(sc, "hint: sign in with: keyless login --session corp") || !strings.Contains(sc, "EXIT=1") || strings.Contains(sc, "RAN=us-east-1") {
		t.Fatalf("after declining:\n%s", sc)
	}
	term.clear()
	term.send(env + " " + bin + " exec dev -- sh -c 'echo RAN=$AWS_REGION'; echo EXIT=$?")
	term.waitFor(`Sign in now`)
	term.send("")
	sc = term.waitFor(`EXIT=\d`)
	for _, want := range []string{"Using a device code: BROWSER=none.", "Signed in", "RAN=us-east-1", "EXIT=0"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("after accepting, no %q:\n%s", want, sc)
		}
	}
}

// TestCleanupAsksForTheAccountOnATerminal drives keyless cleanup --yes in a
// real terminal (tmux): it asks for the account id; a wrong answer changes
// nothing and fails, the right one deactivates the old unused key and logs it.
func TestCleanupAsksForTheAccountOnATerminal(t *testing.T) {
	tmux := testtool.RequireTool(t, "tmux")
	bin := buildKeyless(t)
	const keyID = "AKIAOLDOLDOLDOLDOLD2"
	created, lastUsed := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)
	seed := sandbox.DefaultSeed()
	seed.Accounts[0].IAMUsers = []sandbox.SeedIAMUser{{Name: "old-key", Created: &created,
		AccessKeys: []sandbox.SeedAccessKey{{ID: keyID, Created: &created, LastUsed: &lastUsed, LastUsedService: "s3", LastUsedRegion: "us-east-1"}}}}
	_, url := startTestSandbox(t, sandbox.Options{Seed: seed})
	dir := t.TempDir()
	const adminKey, adminSecret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"), config.WithBaseEndpoint(url),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(adminKey, adminSecret, "")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	client := iam.NewFromConfig(cfg)
	keyStatus := func() iamtypes.StatusType {
		t.Helper()
		out, err := client.ListAccessKeys(t.Context(), &iam.ListAccessKeysInput{UserName: aws.String("old-key")})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range out.AccessKeyMetadata {
			if aws.ToString(k.AccessKeyId) == keyID {
				return k.Status
			}
		}
		t.Fatalf("old-key has no key %s: %+v", keyID, out.AccessKeyMetadata)
		return ""
	}
	logPath := filepath.Join(dir, ".aws", "keyless", "audit.log")
	env := fmt.Sprintf("cd %s && env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=us-east-1",
		dir, dir, url, adminKey, adminSecret)
	term := startTerminal(t, tmux, dir, 200)

	term.send(env + " " + bin + " cleanup --yes; echo EXIT=$?")
	sc := term.waitFor(`This changes account 111111111111\. Type the account id to go ahead:`)
	if !strings.Contains(sc, "+ deactivate-key old-key/"+keyID) {
		t.Fatalf("the plan does not show the key's deactivation:\n%s", sc)
	}
	term.send("222222222222")
	sc = term.waitFor(`EXIT=\d`)
	if !strings.Contains(sc, "keyless: that is not the account id 111111111111: nothing changed") || !strings.Contains(sc, "EXIT=1") {
		t.Fatalf("after a wrong account id:\n%s", sc)
	}
	if got := keyStatus(); got != iamtypes.StatusTypeActive {
		t.Fatalf("after a wrong account id the key is %s, want Active", got)
	}
	if _, err := os.Stat(logPath); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after a wrong account id the audit log exists (stat: %v)", err)
	}
	term.clear()

	term.send(env + " " + bin + " cleanup --yes; echo EXIT=$?")
	term.waitFor(`Type the account id to go ahead:`)
	term.send("111111111111")
	sc = term.waitFor(`EXIT=\d`)
	if !strings.Contains(sc, "done deactivate-key old-key/"+keyID) || !strings.Contains(sc, "EXIT=0") {
		t.Fatalf("after the right account id:\n%s", sc)
	}
	if got := keyStatus(); got != iamtypes.StatusTypeInactive {
		t.Fatalf("after the right account id the key is %s, want Inactive", got)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	want := `"account":"111111111111","caller":"arn:aws:iam::111111111111:user/sandbox-admin","action":"deactivate-key","target":"old-key/` + keyID + `","result":"done"`
	if !strings.Contains(string(log), want) {
		t.Fatalf("the audit log has no %s:\n%s", want, log)
	}
}
