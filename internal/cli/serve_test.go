package cli

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/signin"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// roleTTL is how long the sandbox's role credentials last here: the SDKs'
// clients must come back for fresh ones within one test.
const roleTTL = 4 * time.Second

// TestServeToSDKs points the real SDKs' container credential providers at
// `keyless serve`: aws-sdk-go-v2 and boto3 (one client each, living across
// a role-credential expiry), the AWS CLI v1 and v2 (a call before the
// expiry and one after) all keep working as the sandbox's 4-second role
// credentials and 8-second SSO tokens expire under them; credentials that
// expired are refused by STS, so the calls after prove fresh ones were
// served. Requests without the token, or with another, are refused, and
// the endpoint listens on 127.0.0.1 only.
func TestServeToSDKs(t *testing.T) {
	bin := buildKeyless(t)
	cliV1, cliV2 := requireCLIv1(t), requireCLIv2(t)
	python := testtool.RequireTool(t, "python3")
	sb := startLiveSandbox(t, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice", RoleCredentialsTTL: roleTTL, AccessTokenTTL: 8 * time.Second})
	p := newPerson(t, bin, sb.url)
	writeFile(t, p.configPath(), "[default]\ncli_follow_urlparam = false\n")
	p.login()
	ep := startServe(t, p, powerUser)
	if want := "http://127.0.0.1:" + strconv.Itoa(ep.port) + "/credentials"; ep.url != want {
		t.Fatalf("AWS_CONTAINER_CREDENTIALS_FULL_URI = %q, want %q", ep.url, want)
	}
	assertLoopbackOnly(t, ep.port)

	// Clients see only the endpoint: no keys, no profile, an empty config.
	empty := filepath.Join(t.TempDir(), "config")
	writeFile(t, empty, "[default]\ncli_follow_urlparam = false\n")
	clientEnv := []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + ep.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN=" + ep.token,
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=" + empty, "AWS_SHARED_CREDENTIALS_FILE=" + empty + ".none"}
	for _, kv := range clientEnv {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_ENDPOINT_URL", sb.url)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	// boto3: one session across the expiry, started first (Python is slow
	// to start); it prints the key it used for each call.
	boto := p.command(clientEnv, python, "-c", `
import boto3, sys, time
s = boto3.Session()
sts = s.client("sts")
for i in range(2):
    arn = sts.get_caller_identity()["Arn"]
    print(s.get_credentials().get_frozen_credentials().access_key, arn, flush=True)
    if i == 0:
        time.sleep(float(sys.argv[1]))
`, fmt.Sprint((roleTTL + 2*time.Second).Seconds()))
	var botoOut strings.Builder
	boto.Stdout, boto.Stderr = &botoOut, &botoOut
	if err := boto.Start(); err != nil {
		t.Fatal(err)
	}

	// aws-sdk-go-v2: one configuration across the expiry.
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	client := sts.NewFromConfig(cfg)
	goCall := func() aws.Credentials {
		t.Helper()
		out, err := client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("aws-sdk-go-v2: %v", err)
		}
		if !assumedRoleARN.MatchString(aws.ToString(out.Arn)) {
			t.Fatalf("aws-sdk-go-v2 is %s", aws.ToString(out.Arn))
		}
		c, err := cfg.Credentials.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if c.Source != endpointcreds.ProviderName || c.AccountID != "222222222222" {
			t.Fatalf("aws-sdk-go-v2's credentials came from %q for account %q, want the container endpoint for 222222222222", c.Source, c.AccountID)
		}
		return c
	}
	cliCall := func(cli string) {
		t.Helper()
		// --endpoint-url: this AWS CLI v2 (2.9) predates AWS_ENDPOINT_URL.
		arn := strings.TrimSpace(p.must(clientEnv, cli, "sts", "get-caller-identity", "--query", "Arn", "--output", "text", "--endpoint-url", sb.url))
		if !assumedRoleARN.MatchString(arn) {
			t.Fatalf("%s is %s", cli, arn)
		}
	}
	first := goCall()
	// The SDK's Expires is early by its refresh window; the credentials
	// were issued before goCall returned, and last roleTTL.
	expired := time.Now().Add(roleTTL + time.Second)
	cliCall(cliV1)
	cliCall(cliV2)

	time.Sleep(time.Until(expired))
	// The first credentials are dead: STS refuses them.
	stale := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(first.AccessKeyID, first.SecretAccessKey, first.SessionToken)
	})
	if _, err := stale.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err == nil || !strings.Contains(err.Error(), "ExpiredToken") {
		t.Fatalf("the first credentials after their expiry: %v, want ExpiredToken", err)
	}
	if second := goCall(); second.AccessKeyID == first.AccessKeyID {
		t.Fatalf("aws-sdk-go-v2 still used %s after it expired", first.AccessKeyID)
	}
	cliCall(cliV1)
	cliCall(cliV2)
	if err := boto.Wait(); err != nil {
		t.Fatalf("boto3: %v\n%s", err, botoOut.String())
	}
	lines := strings.Split(strings.TrimSpace(botoOut.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("boto3 printed:\n%s", botoOut.String())
	}
	k1, arn1, _ := strings.Cut(lines[0], " ")
	k2, arn2, _ := strings.Cut(lines[1], " ")
	if k1 == k2 || !assumedRoleARN.MatchString(arn1) || !assumedRoleARN.MatchString(arn2) {
		t.Fatalf("boto3 across the expiry (the key must change):\n%s", botoOut.String())
	}
	calls := sb.srv.Calls()
	if calls["sso:GetRoleCredentials"] < 3 || calls["sso-oidc:CreateToken"] < 2 {
		t.Errorf("the endpoint did not fetch fresh credentials and tokens: %v", calls)
	}

	// Without the token, or with another: refused, as the SDKs see it.
	for _, c := range []struct {
		token  string
		status int
	}{{"", http.StatusUnauthorized}, {"not-" + ep.token, http.StatusForbidden}} {
		_, err := endpointcreds.New(ep.url, func(o *endpointcreds.Options) { o.AuthorizationToken = c.token }).Retrieve(t.Context())
		var se interface{ HTTPStatusCode() int }
		if !errors.As(err, &se) || se.HTTPStatusCode() != c.status {
			t.Errorf("aws-sdk-go-v2 with token %q: %v, want HTTP %d", c.token[:min(len(c.token), 4)], err, c.status)
		}
	}
	wrong := append(clientEnv[:len(clientEnv):len(clientEnv)], "AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong")
	out, err := p.command(wrong, cliV2, "sts", "get-caller-identity", "--endpoint-url", sb.url).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "403") {
		t.Errorf("the AWS CLI v2 with a wrong token: %v\n%s", err, out)
	}
	if strings.Contains(ep.stderr(), ep.token) {
		t.Errorf("keyless serve wrote its token to stderr")
	}
	// Nor what it serves, nor the sign-in's tokens.
	served, err := endpointcreds.New(ep.url, func(o *endpointcreds.Options) { o.AuthorizationToken = ep.token }).Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{served.SecretAccessKey, served.SessionToken}
	for _, k := range testtool.SecretFields[:3] {
		if v, _ := testtool.JSONField(readCache(t, signin.TokenPath(p.home, compatSession)), k).(string); v != "" {
			secrets = append(secrets, v)
		}
	}
	for i, v := range secrets {
		if strings.Contains(ep.stderr(), v) {
			t.Errorf("keyless serve wrote a secret (%d) to stderr", i)
		}
	}
}

// served is a running `keyless serve`.
type served struct {
	url, token string
	port       int
	errMu      sync.Mutex
	errBuf     strings.Builder
}

func (s *served) stderr() string {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.errBuf.String()
}

// startServe runs keyless serve --format json and reads the variables it
// prints; the test's end interrupts it and checks it stopped cleanly.
func startServe(t *testing.T, p *person, profile string) *served {
	t.Helper()
	cmd := p.command(nil, p.bin, "serve", profile, "--format", "json", "--allow-root")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{}
	errDone := make(chan struct{})
	go func() {
		defer close(errDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.errMu.Lock()
			s.errBuf.WriteString(sc.Text() + "\n")
			s.errMu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		<-errDone // all of stderr, before Wait closes the pipe
		err := cmd.Wait()
		if err != nil || !strings.Contains(s.stderr(), "keyless serve: stopped") {
			t.Errorf("keyless serve did not stop cleanly on SIGINT: %v\n%s", err, s.stderr())
		}
	})
	var vars map[string]*string
	if err := json.NewDecoder(stdout).Decode(&vars); err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("keyless serve printed no variables: %v\n%s", err, s.stderr())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if v, ok := vars[k]; !ok || v != nil {
			t.Errorf("serve's variables do not unset %s", k)
		}
	}
	if vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == nil || vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] == nil {
		t.Fatalf("serve printed %v", vars)
	}
	s.url, s.token = *vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"], *vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
	if len(s.token) < 43 {
		t.Errorf("the token has %d characters, want 256 bits' worth", len(s.token))
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimSuffix(s.url, "/credentials"), "http://"))
	s.port, _ = strconv.Atoi(port)
	return s
}

// assertLoopbackOnly reads the kernel's table of listening sockets: the
// port is listened on at 127.0.0.1 and nowhere else (no IPv6, no other
// address).
func assertLoopbackOnly(t *testing.T, port int) {
	t.Helper()
	var found []string
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			t.Skipf("no %s here: %v", table, err)
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 4 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			addr, hexPort, _ := strings.Cut(f[1], ":")
			if p, _ := strconv.ParseInt(hexPort, 16, 32); int(p) == port {
				found = append(found, table+" "+procAddr(addr))
			}
		}
	}
	if len(found) != 1 || found[0] != "/proc/net/tcp 127.0.0.1" {
		t.Fatalf("listening on port %d: %v, want only 127.0.0.1", port, found)
	}
}

// procAddr decodes /proc/net/tcp's address: 4 bytes, little-endian words.
func procAddr(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 4 {
		return h
	}
	return net.IPv4(b[3], b[2], b[1], b[0]).String()
}
