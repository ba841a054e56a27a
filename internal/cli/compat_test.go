package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/signin"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// These tests check the sign-in side's compatibility contract
// (docs/reference section 4) with the real tools: keyless signs in and
// writes ~/.aws/config and the caches, then the AWS CLI v1, aws-sdk-go-v2
// and the AWS CLI v2 use them without keyless; and the other way round.
// Then the caches under contention: processes, not goroutines.

// awsCLIv2 is where Debian's awscli package puts the AWS CLI v2; the `aws`
// first in PATH is the AWS CLI v1.
const awsCLIv2 = "/usr/bin/aws"

const (
	compatSession = "keyless" // what login names the session of a start URL on 127.0.0.1
	powerUser     = "PowerUser-222222222222"
)

// compatSeed: alice is PowerUser in dev and ReadOnly in every account.
func compatSeed() *sandbox.Seed {
	s := sandbox.DefaultSeed()
	s.Users = []sandbox.SeedUser{{UserName: "alice", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"}}
	s.PermissionSets = []sandbox.SeedPermissionSet{{Name: "PowerUser"}, {Name: "ReadOnly"}}
	s.Assignments = []sandbox.SeedAssignment{
		{PermissionSet: "PowerUser", User: "alice", Accounts: []string{"222222222222"}},
		{PermissionSet: "ReadOnly", User: "alice", Accounts: []string{"all"}},
	}
	return s
}

// compatProfiles are the profiles the first sign-in writes for alice.
var compatProfiles = []string{powerUser, "ReadOnly-111111111111", "ReadOnly-222222222222", "ReadOnly-333333333333"}

// assumedRoleARN is what STS says alice is, in PowerUser in dev.
var assumedRoleARN = regexp.MustCompile(`^arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_PowerUser_[0-9a-f]{16}/alice$`)

// liveSandbox is a sandbox on a loopback port that a test can stop before
// it ends, to prove that what follows makes no network call.
type liveSandbox struct {
	srv  *sandbox.Server
	url  string
	stop func()
}

func startLiveSandbox(t testing.TB, opts sandbox.Options) *liveSandbox {
	t.Helper()
	srv, url, stop := sandboxtest.StartStoppable(t, opts)
	return &liveSandbox{srv: srv, url: url, stop: stop}
}

// person is someone's machine: a HOME of its own with nothing in it, the
// sandbox as AWS, and no browser.
type person struct {
	t    testing.TB
	bin  string // keyless
	home string
	url  string
	env  []string
}

func newPerson(t testing.TB, bin, url string) *person {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range withoutAWS(os.Environ()) {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "BROWSER=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "BROWSER=none", "NO_COLOR=1", "AWS_ENDPOINT_URL="+url,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	return &person{t: t, bin: bin, home: home, url: url, env: env}
}

// command runs name with the person's environment plus extra variables.
func (p *person) command(extra []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = p.home
	cmd.Env = append(append([]string{}, p.env...), extra...)
	return cmd
}

// must runs a command and returns its stdout; a failure ends the test with
// its stderr.
func (p *person) must(extra []string, name string, args ...string) string {
	p.t.Helper()
	cmd := p.command(extra, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		p.t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func (p *person) keyless(args ...string) string {
	p.t.Helper()
	return p.must(nil, p.bin, args...)
}

// login signs alice in by device code (the sandbox approves at once); the
// first sign-in writes the sso-session and one profile per role.
func (p *person) login(extraArgs ...string) {
	p.t.Helper()
	p.keyless(append([]string{"login", "--start-url", p.url + "/start", "--region", "us-east-1", "--device-code"}, extraArgs...)...)
}

func (p *person) configPath() string { return filepath.Join(p.home, ".aws", "config") }

func (p *person) role(profile string) signin.Role {
	account := profile[strings.LastIndex(profile, "-")+1:]
	return signin.Role{Session: signin.Session{Name: compatSession}, AccountID: account, RoleName: strings.TrimSuffix(profile, "-"+account)}
}

// processCredentials is credential_process's JSON, as the AWS CLI v2's
// `configure export-credentials --format process` prints it too.
type processCredentials struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

func parseProcessCredentials(t testing.TB, who, out string) processCredentials {
	t.Helper()
	var c processCredentials
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s: not credential_process JSON: %v\n%s", who, err, out)
	}
	if c.Version != 1 || c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "" || time.Until(c.Expiration) < signin.AdvisoryWindow {
		t.Fatalf("%s: incomplete or expiring credentials: %s", who, c.redacted())
	}
	c.Expiration = c.Expiration.UTC()
	return c
}

// redacted shows credentials without their secrets.
func (c processCredentials) redacted() string {
	return fmt.Sprintf("{Version:%d AccessKeyId:%s SecretAccessKey:%d chars SessionToken:%d chars Expiration:%s}",
		c.Version, c.AccessKeyID, len(c.SecretAccessKey), len(c.SessionToken), c.Expiration.Format(time.RFC3339))
}

// roleCache reads a role's entry in ~/.aws/cli/cache as the AWS CLI v2
// wrote it or would read it.
func (p *person) roleCache(profile string) processCredentials {
	p.t.Helper()
	path := signin.RolePath(p.home, p.role(profile))
	b, err := os.ReadFile(path)
	if err != nil {
		p.t.Fatalf("role cache of %s: %v", profile, err)
	}
	var entry struct {
		ProviderType string
		Credentials  struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
			Expiration      time.Time
		}
	}
	if err := json.Unmarshal(b, &entry); err != nil || entry.ProviderType != "sso" {
		p.t.Fatalf("%s: not an AWS CLI sso cache entry (%v)", path, err)
	}
	c := entry.Credentials
	return processCredentials{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration.UTC()}
}

// requireCLIv2 finds the AWS CLI v2 (in CI it must be there).
func requireCLIv2(t testing.TB) string {
	t.Helper()
	return requireCLI(t, awsCLIv2, "2", "apt-get install awscli")
}

// requireCLIv1 finds the AWS CLI v1, the `aws` first in PATH.
func requireCLIv1(t testing.TB) string {
	t.Helper()
	return requireCLI(t, "aws", "1", "pip install awscli")
}

func requireCLI(t testing.TB, name, major, install string) string {
	t.Helper()
	bin := testtool.RequireTool(t, name)
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "aws-cli/"+major+".") {
		t.Fatalf("%s is not the AWS CLI v%s (%s): %v %s", bin, major, install, err, out)
	}
	return bin
}

func TestSigninCompat(t *testing.T) {
	bin := buildKeyless(t)

	t.Run("AWS tools use what keyless wrote", func(t *testing.T) {
		sb := startLiveSandbox(t, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice"})
		p := newPerson(t, bin, sb.url)
		// Without it the AWS CLI v1 downloads arguments that look like URLs.
		if err := os.MkdirAll(filepath.Dir(p.configPath()), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p.configPath(), []byte("[default]\ncli_follow_urlparam = false\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p.login()
		cfg, err := os.ReadFile(p.configPath())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range append([]string{"[default]\ncli_follow_urlparam = false\n", "[sso-session keyless]"}, compatProfiles...) {
			if !strings.Contains(string(cfg), want) {
				t.Fatalf("~/.aws/config after login lacks %q:\n%s", want, cfg)
			}
		}
		// From here on keyless is not used: nothing in the config runs it.
		if strings.Contains(string(cfg), "credential_process") {
			t.Fatalf("the config runs keyless:\n%s", cfg)
		}

		var arns []string
		t.Run("AWS CLI v1", func(t *testing.T) {
			aws := requireCLIv1(t)
			before := sb.srv.Calls()
			var id struct{ Arn string }
			out := p.must(nil, aws, "sts", "get-caller-identity", "--profile", powerUser, "--output", "json")
			if err := json.Unmarshal([]byte(out), &id); err != nil || !assumedRoleARN.MatchString(id.Arn) {
				t.Fatalf("aws sts get-caller-identity: ARN %q (%v), want %s\n%s", id.Arn, err, assumedRoleARN, out)
			}
			// It signed in with keyless's token, through the portal.
			assertCalls(t, before, sb.srv.Calls(), map[string]int64{"sso:GetRoleCredentials": 1, "sts:GetCallerIdentity": 1})
			arns = append(arns, id.Arn)
		})

		t.Run("aws-sdk-go-v2", func(t *testing.T) {
			// The SDK's SSO providers ignore AWS_ENDPOINT_URL (reference
			// section 2): the per-service variables point them here.
			for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
				"AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"} {
				t.Setenv(k, "")
			}
			t.Setenv("HOME", p.home)
			t.Setenv("AWS_CONFIG_FILE", p.configPath())
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(p.home, ".aws", "credentials"))
			t.Setenv("AWS_ENDPOINT_URL_SSO", sb.url)
			t.Setenv("AWS_ENDPOINT_URL_STS", sb.url)
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			before := sb.srv.Calls()
			ctx := context.Background()
			cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(powerUser))
			if err != nil {
				t.Fatal(err)
			}
			out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if arn := aws.ToString(out.Arn); !assumedRoleARN.MatchString(arn) {
				t.Fatalf("GetCallerIdentity: ARN %q, want %s", arn, assumedRoleARN)
			}
			assertCalls(t, before, sb.srv.Calls(), map[string]int64{"sso:GetRoleCredentials": 1, "sts:GetCallerIdentity": 1})
			arns = append(arns, aws.ToString(out.Arn))
		})
		if len(arns) == 2 && arns[0] != arns[1] {
			t.Errorf("the AWS CLI v1 is %s but the Go SDK %s", arns[0], arns[1])
		}

		t.Run("AWS CLI v2 from the cache, offline", func(t *testing.T) {
			v2 := requireCLIv2(t)
			want := parseProcessCredentials(t, "keyless credential-process", p.keyless("credential-process", "--profile", powerUser))
			if got := p.roleCache(powerUser); got != want {
				t.Fatalf("keyless printed %s but cached %s", want.redacted(), got.redacted())
			}
			sb.stop()
			if !freeLoopback(sb.url) {
				t.Fatal("the sandbox still listens after stop")
			}
			got := parseProcessCredentials(t, "aws configure export-credentials",
				p.must(nil, v2, "configure", "export-credentials", "--profile", powerUser, "--format", "process"))
			if got != want {
				t.Fatalf("the AWS CLI v2 exported %s, keyless wrote %s", got.redacted(), want.redacted())
			}
		})
	})

	t.Run("keyless uses the AWS CLI v2's cache", func(t *testing.T) {
		// The AWS CLI v1 keeps SSO role credentials in memory only; the v2
		// writes them to ~/.aws/cli/cache. Debian's v2 (2.9.19) predates
		// AWS_ENDPOINT_URL, so an endpoint rule set on its data path sends
		// its portal calls to the sandbox.
		v2 := requireCLIv2(t)
		sb := startLiveSandbox(t, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice"})
		p := newPerson(t, bin, sb.url)
		p.login()
		dataPath := writePortalEndpoint(t, sb.url)
		const profile = "ReadOnly-333333333333"

		before := sb.srv.Calls()
		written := parseProcessCredentials(t, "aws configure export-credentials",
			p.must([]string{"AWS_DATA_PATH=" + dataPath}, v2, "configure", "export-credentials", "--profile", profile, "--format", "process"))
		assertCalls(t, before, sb.srv.Calls(), map[string]int64{"sso:GetRoleCredentials": 1})
		if cached := p.roleCache(profile); cached != written {
			t.Fatalf("the AWS CLI v2 printed %s but cached %s", written.redacted(), cached.redacted())
		}

		before = sb.srv.Calls()
		got := parseProcessCredentials(t, "keyless credential-process", p.keyless("credential-process", "--profile", profile))
		if got != written {
			t.Fatalf("keyless returned %s, the AWS CLI v2 cached %s", got.redacted(), written.redacted())
		}
		assertCalls(t, before, sb.srv.Calls(), map[string]int64{})
	})

	t.Run("100 parallel credential-process, empty role cache", func(t *testing.T) {
		sb := startLiveSandbox(t, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice"})
		p := newPerson(t, bin, sb.url)
		p.login()
		before := sb.srv.Calls()
		stopReading := readCachesConstantly(t, p.home)
		outs := p.parallel(100, func(int) string { return powerUser })
		files := stopReading()

		want := parseProcessCredentials(t, "credential-process 0", outs[0])
		for i, out := range outs {
			if out != outs[0] {
				t.Fatalf("credential-process %d printed something else than 0:\n%s\n%s", i, redactOutput(out), redactOutput(outs[0]))
			}
		}
		if got := p.roleCache(powerUser); got != want {
			t.Fatalf("the processes printed %s but the cache holds %s", want.redacted(), got.redacted())
		}
		assertCalls(t, before, sb.srv.Calls(), map[string]int64{"sso:GetRoleCredentials": 1})
		if files[filepath.Base(signin.RolePath(p.home, p.role(powerUser)))] == 0 {
			t.Fatalf("the reader never saw the role cache file (reads: %v)", files)
		}
	})

	t.Run("parallel calls around an expiring token", func(t *testing.T) {
		sb := startLiveSandbox(t, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice"})
		p := newPerson(t, bin, sb.url)
		p.login()
		// The token has 12 minutes left: valid, inside the 15-minute
		// refresh window. The sandbox still honours it.
		tokenPath := signin.TokenPath(p.home, compatSession)
		old := editJSON(t, tokenPath, func(tok map[string]any) {
			tok["expiresAt"] = time.Now().Add(12 * time.Minute).UTC().Format("2006-01-02T15:04:05Z")
		})
		before := sb.srv.Calls()
		stopReading := readCachesConstantly(t, p.home)
		// Every role at once, 10 processes each: four fetches need the token.
		outs := p.parallel(10*len(compatProfiles), func(i int) string { return compatProfiles[i%len(compatProfiles)] })
		files := stopReading()

		for i, out := range outs {
			parseProcessCredentials(t, "credential-process "+compatProfiles[i%len(compatProfiles)], out)
			if first := outs[i%len(compatProfiles)]; out != first {
				t.Fatalf("two processes for %s printed different credentials", compatProfiles[i%len(compatProfiles)])
			}
		}
		assertCalls(t, before, sb.srv.Calls(), map[string]int64{
			"sso-oidc:CreateToken":   1, // one refresh
			"sso:GetRoleCredentials": int64(len(compatProfiles)),
		})
		now := editJSON(t, tokenPath, nil)
		if exp, _ := time.Parse(time.RFC3339, now["expiresAt"].(string)); time.Until(exp) < 50*time.Minute {
			t.Errorf("after the refresh the token expires at %v, want an hour from now", now["expiresAt"])
		}
		if now["refreshToken"] == old["refreshToken"] || now["accessToken"] == old["accessToken"] {
			t.Errorf("the refresh did not save the new access and refresh tokens")
		}
		if files[filepath.Base(tokenPath)] == 0 {
			t.Fatalf("the reader never saw the token file (reads: %v)", files)
		}
	})
}

// parallel starts n `keyless credential-process` at once, the i-th for
// profile(i), and returns their outputs once all have succeeded.
func (p *person) parallel(n int, profile func(i int) string) []string {
	p.t.Helper()
	outs := make([]string, n)
	errs := make([]error, n)
	cmds := make([]*exec.Cmd, n)
	stdout := make([]bytes.Buffer, n)
	stderr := make([]bytes.Buffer, n)
	for i := range n {
		cmds[i] = p.command(nil, p.bin, "credential-process", "--profile", profile(i))
		cmds[i].Stdout, cmds[i].Stderr = &stdout[i], &stderr[i]
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = cmds[i].Run()
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			p.t.Fatalf("credential-process %d (%s): %v\n%s", i, profile(i), errs[i], stderr[i].String())
		}
		outs[i] = stdout[i].String()
	}
	return outs
}

// readCachesConstantly parses every file of the token and role caches
// over and over until the returned function is called; that function
// reports how often each file was read. A file that is not valid JSON
// fails the test.
func readCachesConstantly(t *testing.T, home string) func() map[string]int {
	t.Helper()
	dirs := []string{filepath.Join(home, ".aws", "sso", "cache"), filepath.Join(home, ".aws", "cli", "cache")}
	var stop atomic.Bool
	done := make(chan map[string]int)
	go func() {
		reads := map[string]int{}
		for !stop.Load() {
			for _, dir := range dirs {
				entries, err := os.ReadDir(dir)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("read %s: %v", dir, err)
				}
				for _, e := range entries {
					if !strings.HasSuffix(e.Name(), ".json") {
						continue // locks, and temporary files before their rename
					}
					b, err := os.ReadFile(filepath.Join(dir, e.Name()))
					if errors.Is(err, fs.ErrNotExist) {
						continue
					}
					if err != nil || !json.Valid(b) {
						t.Errorf("%s is not valid JSON while processes run (%v): %d bytes", e.Name(), err, len(b))
						stop.Store(true)
					}
					reads[e.Name()]++
				}
			}
		}
		done <- reads
	}()
	var once sync.Once
	var reads map[string]int
	finish := func() map[string]int {
		once.Do(func() {
			stop.Store(true)
			reads = <-done
		})
		return reads
	}
	t.Cleanup(func() { finish() }) // a test that ends early stops it too
	return finish
}

// assertCalls checks how many calls of each operation the sandbox answered
// between two snapshots; operations not named must not have been called
// (sign-in and listing calls included).
func assertCalls(t *testing.T, before, after map[string]int64, want map[string]int64) {
	t.Helper()
	got := map[string]int64{}
	for op, n := range after {
		if d := n - before[op]; d != 0 {
			got[op] = d
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("sandbox calls (-want +got):\n%s", diff)
	}
}

// writePortalEndpoint writes an AWS_DATA_PATH directory whose endpoint rule
// set sends the portal (service sso) to url.
func writePortalEndpoint(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	rules := map[string]any{
		"version": "1.0",
		"parameters": map[string]any{
			"Region":       map[string]any{"builtIn": "AWS::Region", "required": false, "type": "String"},
			"UseDualStack": map[string]any{"builtIn": "AWS::UseDualStack", "required": true, "default": false, "type": "Boolean"},
			"UseFIPS":      map[string]any{"builtIn": "AWS::UseFIPS", "required": true, "default": false, "type": "Boolean"},
			"Endpoint":     map[string]any{"builtIn": "SDK::Endpoint", "required": false, "type": "String"},
		},
		"rules": []any{map[string]any{"conditions": []any{}, "type": "endpoint",
			"endpoint": map[string]any{"url": url, "properties": map[string]any{}, "headers": map[string]any{}}}},
	}
	b, err := json.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "sso", "2019-06-10")
	if err := os.MkdirAll(model, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(model, "endpoint-rule-set-1.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// editJSON changes a JSON object file in place (nil edit: leaves it) and
// returns what it held before.
func editJSON(t *testing.T, path string, edit func(map[string]any)) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var old, m map[string]any
	if err := json.Unmarshal(b, &old); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if edit == nil {
		return old
	}
	_ = json.Unmarshal(b, &m)
	edit(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return old
}

// redactOutput hides the secrets of credential_process output for a
// failure message.
func redactOutput(out string) string {
	var c processCredentials
	if json.Unmarshal([]byte(out), &c) != nil {
		return fmt.Sprintf("(%d bytes, not JSON)", len(out))
	}
	return c.redacted()
}

// freeLoopback reports whether nothing listens at a URL's address.
func freeLoopback(url string) bool {
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}
