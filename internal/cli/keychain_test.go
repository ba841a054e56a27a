package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/signin"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// TestKeychainStorage signs in with token_storage = keychain against a real
// Secret Service (gnome-keyring on a private D-Bus session bus, started
// here; required in CI): the cache file keeps the access token only, the
// AWS CLI v1 and v2 use it, keyless refreshes from the keychain, and a
// locked or absent keychain is a clear error that changes nothing.
func TestKeychainStorage(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	testtool.RequireTool(t, "gnome-keyring-daemon")
	testtool.RequireTool(t, "dbus-run-session")
	testtool.RequireTool(t, "secret-tool")
	v1, v2 := requireCLIv1(t), requireCLIv2(t)
	bin := buildKeyless(t)
	keyrings := t.TempDir()
	kr := startKeyring(t, keyrings, true)

	sb := startLiveSandbox(t, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice", AccessTokenTTL: 30 * time.Minute})
	p := newPerson(t, bin, sb.url)
	bus := func(k *testtool.Keyring) []string { return []string{"DBUS_SESSION_BUS_ADDRESS=" + k.Bus} }
	p.env = append(p.env, bus(kr)...)
	if err := os.MkdirAll(p.home+"/.aws", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.configPath(), []byte("[default]\ncli_follow_urlparam = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.login("--token-storage", "keychain")
	cachePath := signin.TokenPath(p.home, compatSession)
	cache := readCache(t, cachePath)
	for _, k := range []string{"refreshToken", "clientSecret"} {
		if _, ok := cache[k]; ok {
			t.Fatalf("the cache file holds %s with token_storage = keychain", k)
		}
	}
	for _, k := range []string{"accessToken", "expiresAt", "region", "startUrl"} {
		if s, _ := cache[k].(string); s == "" {
			t.Fatalf("the cache file has no %s", k)
		}
	}
	if cfg, _ := os.ReadFile(p.configPath()); !strings.Contains(string(cfg), "[sso-session keyless]\nsso_start_url = "+sb.url+"/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\nkeyless_token_storage = keychain\n") {
		t.Fatalf("login did not remember the storage in the sso-session:\n%s", cfg)
	}
	// The cache file and keyless's note (which names the keychain items,
	// no secret) are the person's alone.
	note := filepath.Join(p.home, ".aws", "keyless", "sso", filepath.Base(cachePath)+".keychain")
	for _, path := range []string{cachePath, note} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v, want 0600", path, fi.Mode().Perm())
		}
	}
	refresh := secretTool(t, kr, "lookup", "service", "keyless", "username", "sso/keyless/refreshToken")
	if refresh == "" || secretTool(t, kr, "lookup", "service", "keyless", "username", "sso/keyless/clientSecret") == "" {
		t.Fatal("secret-tool finds no refresh token or client secret in the keychain")
	}
	m := &signin.Manager{Home: p.home}
	kcs := signin.Session{Name: compatSession}
	if cached, err := m.CachedToken(kcs); err != nil {
		t.Fatal(err)
	} else if at := m.RefreshTokenAt(kcs, cached); at.Kind != signin.RefreshKeychain || at.Item != "sso/keyless/refreshToken" {
		t.Fatalf("RefreshTokenAt = %+v", at)
	}

	t.Run("status and audit --local see the keychain, not a token at rest", func(t *testing.T) {
		out := p.output("status", "--no-tools", "--json")
		var rep struct {
			Sessions []struct {
				Name    string
				Refresh struct {
					Possible bool
					Token    string
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Sessions) != 1 {
			t.Fatalf("status --json: %v\n%s", err, out)
		}
		if r := rep.Sessions[0].Refresh; r.Token != signin.RefreshKeychain || !r.Possible {
			t.Fatalf("status says the refresh token is %+v, want in the keychain and usable", r)
		}
		if text := p.output("status", "--no-tools"); !strings.Contains(text, "refresh token  in the OS keychain") || strings.Contains(text, "plain file") {
			t.Fatalf("status does not say the refresh token is in the keychain:\n%s", text)
		}
		audit := p.output("audit", "--local", "--no-usage", "--json")
		if strings.Contains(audit, `"id": "local-refresh-token-at-rest"`) {
			t.Fatalf("audit --local reports a refresh token at rest that is in the keychain:\n%s", audit)
		}
		for _, secret := range []string{refresh, readCache(t, cachePath)["accessToken"].(string)} {
			if strings.Contains(out, secret) || strings.Contains(audit, secret) {
				t.Fatal("status or audit --local printed a token")
			}
		}

		// A cache file others can read is named for what it holds: the
		// access token only, not the refresh token and client secret the
		// keychain keeps.
		if err := os.Chmod(cachePath, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(cachePath, 0o600)
		text := p.output("status", "--no-tools")
		audit = p.output("audit", "--local", "--no-usage", "--json")
		for name, out := range map[string]string{"status": text, "audit --local": audit} {
			if !strings.Contains(out, "SSO token cache (access token)") || strings.Contains(out, "refresh token, client secret") {
				t.Errorf("%s does not say the exposed cache file holds the access token only:\n%s", name, out)
			}
		}
	})

	t.Run("the AWS CLI v1 and v2 use the access token", func(t *testing.T) {
		out := p.must(nil, v1, "sts", "get-caller-identity", "--profile", powerUser, "--query", "Arn", "--output", "text")
		if !assumedRoleARN.MatchString(strings.TrimSpace(out)) {
			t.Fatalf("AWS CLI v1: %s", out)
		}
		parseProcessCredentials(t, "aws configure export-credentials",
			p.must([]string{"AWS_DATA_PATH=" + writePortalEndpoint(t, sb.url)}, v2, "configure", "export-credentials", "--profile", "ReadOnly-222222222222", "--format", "process"))
	})

	// The access token expires (in 5 minutes: inside the mandatory window).
	expireSoon := func() []byte {
		editJSON(t, cachePath, func(m map[string]any) { m["expiresAt"] = time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339) })
		b, _ := os.ReadFile(cachePath)
		return b
	}

	t.Run("keyless refreshes from the keychain", func(t *testing.T) {
		old := readCache(t, cachePath)
		expireSoon()
		before := sb.srv.Calls()
		parseProcessCredentials(t, "keyless credential-process", p.keyless("credential-process", "--profile", "ReadOnly-111111111111"))
		assertCalls(t, before, sb.srv.Calls(), map[string]int64{"sso-oidc:CreateToken": 1, "sso:GetRoleCredentials": 1})
		now := readCache(t, cachePath)
		if now["accessToken"] == old["accessToken"] || now["refreshToken"] != nil || now["clientSecret"] != nil {
			t.Fatalf("after the refresh the cache holds a new access token and no secret: %v", keysOf(now))
		}
		rotated := secretTool(t, kr, "lookup", "service", "keyless", "username", "sso/keyless/refreshToken")
		if rotated == "" || rotated == refresh {
			t.Fatal("the rotated refresh token was not written back to the keychain")
		}
		refresh = rotated
	})

	// Locked (the daemon restarted without the password, no prompt can show)
	// and absent (no session bus): a clear error, and the file as it was.
	kr.Stop()
	locked := startKeyring(t, keyrings, false)
	for _, tc := range []struct{ name, bus, want string }{
		{"locked", locked.Bus, "failed to unlock"},
		{"absent", "", "no D-Bus session bus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := expireSoon()
			for _, args := range [][]string{
				{"credential-process", "--profile", "ReadOnly-333333333333"},
				{"login", "--token-storage", "keychain"},
				{"login", "--if-needed"},
			} {
				cmd := p.command([]string{"DBUS_SESSION_BUS_ADDRESS=" + tc.bus}, p.bin, args...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Run(); err == nil {
					t.Fatalf("keyless %s succeeded with the keychain %s", args[0], tc.name)
				}
				msg := stderr.String()
				if !strings.Contains(msg, "the OS keychain cannot read keyless's secrets") || !strings.Contains(msg, tc.want) ||
					!strings.Contains(msg, "hint: ") || !strings.Contains(msg, "--token-storage file") {
					t.Fatalf("keyless %s: unclear error:\n%s", args[0], msg)
				}
				if after, _ := os.ReadFile(cachePath); !bytes.Equal(after, before) {
					t.Fatalf("keyless %s changed the cache file", args[0])
				}
				if cfg, _ := os.ReadFile(p.configPath()); !strings.Contains(string(cfg), "keyless_token_storage = keychain\n") {
					t.Fatalf("keyless %s changed the token storage in the config:\n%s", strings.Join(args, " "), cfg)
				}
			}
		})
	}
	t.Run("a token in hand needs no keychain", func(t *testing.T) {
		editJSON(t, cachePath, func(m map[string]any) { m["expiresAt"] = time.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339) })
		noBus := []string{"DBUS_SESSION_BUS_ADDRESS="}
		if out := p.must(noBus, p.bin, "credential-process", "--profile", "ReadOnly-333333333333"); !strings.Contains(out, `"AccessKeyId":"ASIA`) {
			t.Fatalf("credential-process: %s", redactOutput(out))
		}
		cmd := p.command(noBus, p.bin, "login")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Already signed in") {
			t.Fatalf("login with a valid token and no keychain: %v\n%s", err, out)
		}
	})
	locked.Stop()
	kr = startKeyring(t, keyrings, true)
	p.env = append(p.env, bus(kr)...)

	t.Run("back to the file and to the keychain again, without signing in", func(t *testing.T) {
		before := sb.srv.Calls()
		p.keyless("login", "--token-storage", "file")
		c := readCache(t, cachePath)
		if c["refreshToken"] != refresh || c["clientSecret"] == nil {
			t.Fatal("login --token-storage file did not move the refresh token back to the file")
		}
		if out := secretTool(t, kr, "lookup", "service", "keyless", "username", "sso/keyless/refreshToken"); out != "" {
			t.Fatal("the refresh token stayed in the keychain")
		}
		if audit := p.output("audit", "--local", "--no-usage", "--json"); !strings.Contains(audit, `"id": "local-refresh-token-at-rest"`) {
			t.Fatalf("audit --local does not report the refresh token back in the file:\n%s", audit)
		}
		if cfg, _ := os.ReadFile(p.configPath()); strings.Contains(string(cfg), "keyless_token_storage") {
			t.Fatalf("file storage is the default; the key should be gone:\n%s", cfg)
		}
		p.keyless("login", "--token-storage", "keychain")
		c = readCache(t, cachePath)
		if c["refreshToken"] != nil || c["clientSecret"] != nil || secretTool(t, kr, "lookup", "service", "keyless", "username", "sso/keyless/refreshToken") != refresh {
			t.Fatal("login --token-storage keychain did not move the refresh token to the keychain")
		}
		// The access token is good: moving needed no refresh and no sign-in.
		assertCalls(t, before, sb.srv.Calls(), map[string]int64{})
	})

	t.Run("an unknown token_storage", func(t *testing.T) {
		cfg, _ := os.ReadFile(p.configPath())
		bad := strings.Replace(string(cfg), "keyless_token_storage = keychain", "keyless_token_storage = vault", 1)
		if err := os.WriteFile(p.configPath(), []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		line := strings.Count(bad[:strings.Index(bad, "keyless_token_storage")], "\n") + 1
		before, _ := os.ReadFile(cachePath)
		cmd := p.command(nil, p.bin, "credential-process", "--profile", powerUser)
		out, err := cmd.CombinedOutput()
		want := p.configPath() + ":" + itoa(line) + `: [sso-session keyless]: keyless_token_storage = "vault": use keychain or file`
		if err == nil || !strings.Contains(string(out), want) {
			t.Fatalf("err %v, output:\n%s\nwant %s", err, out, want)
		}
		if after, _ := os.ReadFile(cachePath); !bytes.Equal(after, before) {
			t.Fatal("the cache file changed")
		}
		if err := os.WriteFile(p.configPath(), cfg, 0o600); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("logout removes the keychain items with the cache file", func(t *testing.T) {
		if secretTool(t, kr, "lookup", "service", "keyless", "username", "sso/keyless/refreshToken") == "" {
			t.Fatal("nothing in the keychain before logout")
		}
		p.keyless("logout")
		for _, item := range []string{"sso/keyless/refreshToken", "sso/keyless/clientSecret"} {
			if secretTool(t, kr, "lookup", "service", "keyless", "username", item) != "" {
				t.Errorf("%s is still in the keychain after logout", item)
			}
		}
		for _, path := range []string{cachePath, note} {
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s after logout: %v, want it gone", path, err)
			}
		}
	})

	// What every keychain error hints at, where the keychain cannot be
	// read (over SSH: no bus): back to the file, by signing in again.
	t.Run("back to the file where the keychain cannot be read", func(t *testing.T) {
		p.keyless("login", "--token-storage", "keychain")
		old := secretTool(t, kr, "lookup", "service", "keyless", "username", "sso/keyless/refreshToken")
		if old == "" {
			t.Fatal("nothing in the keychain after login --token-storage keychain")
		}
		noBus := []string{"DBUS_SESSION_BUS_ADDRESS="}
		cmd := p.command(noBus, p.bin, "login", "--token-storage", "file")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("login --token-storage file without a bus: %v\n%s", err, out)
		}
		for _, want := range []string{"cannot be read from the OS keychain", "signing in again", "sso/keyless/refreshToken (service keyless)", "remove it by hand"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
		}
		c := readCache(t, cachePath)
		if r, _ := c["refreshToken"].(string); r == "" || r == old || c["clientSecret"] == nil {
			t.Fatal("the cache file has no new refresh token of its own")
		}
		if _, err := os.Stat(note); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("keyless's keychain note is left: %v", err)
		}
		if cfg, _ := os.ReadFile(p.configPath()); strings.Contains(string(cfg), "keyless_token_storage") {
			t.Fatalf("the config still keeps the token in the keychain:\n%s", cfg)
		}
		editJSON(t, cachePath, func(m map[string]any) { m["expiresAt"] = time.Now().Add(time.Minute).UTC().Format(time.RFC3339) })
		if out := p.must(noBus, p.bin, "credential-process", "--profile", "ReadOnly-333333333333"); !strings.Contains(out, `"AccessKeyId":"ASIA`) {
			t.Fatalf("credential-process: %s", redactOutput(out))
		}
	})
}

// output runs keyless and returns its stdout whatever its exit code
// (status and audit exit non-zero when they find something); a failure
// to start, or an exit code above 3, ends the test.
func (p *person) output(args ...string) string {
	p.t.Helper()
	cmd := p.command(nil, p.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() > 3) {
		p.t.Fatalf("keyless %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

func startKeyring(t *testing.T, dir string, unlock bool) *testtool.Keyring {
	t.Helper()
	k, err := testtool.StartKeyring(dir, unlock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Stop)
	return k
}

// secretTool runs libsecret's secret-tool on the keyring's bus; a lookup of
// nothing is "".
func secretTool(t *testing.T, k *testtool.Keyring, args ...string) string {
	t.Helper()
	cmd := exec.Command("secret-tool", args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+k.Bus)
	out, _ := cmd.Output()
	return string(out)
}

func readCache(t *testing.T, path string) map[string]any {
	t.Helper()
	return editJSON(t, path, nil)
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
