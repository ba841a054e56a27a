package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/smithy-go"

	"github.com/keyless-dev/keyless/internal/config"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/plan"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
)

// testClock is the sandbox's injected clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const offboardYAML = `users:
  - {email: john@example.com, given_name: John, family_name: Doe}
  - {email: jane@example.com, given_name: Jane, family_name: Roe}
super_admins: [john@example.com, jane@example.com]
groups:
  - name: Developers
    members: [jane@example.com, john@example.com]
permission_sets:
  - name: PowerUser
    managed_policies: [PowerUserAccess]
    inline_policy: {Version: "2012-10-17", Statement: [{Sid: NoBuckets, Effect: Deny, Action: "s3:DeleteBucket", Resource: "*"}]}
assignments:
  - {permission_set: PowerUser, groups: [Developers], current_account: true}
`

// TestOffboardCutsLiveSessions: a person with SuperAdmin and a group
// membership holds role sessions issued before offboarding; they work, then
// after 'keyless offboard --yes' the same sessions are refused by the
// sandbox's policy evaluation (the cut's identitystore:userId and
// aws:TokenIssueTime), while another user's sessions of the same sets keep
// working. A dry run before makes no write; apply keeps the cut while it is
// in force and drops it after.
func TestOffboardCutsLiveSessions(t *testing.T) {
	// The sandbox's clock is a week behind the machine's: the sessions are
	// issued then, the cut is made at the machine's now, and the
	// statement's aws:CurrentTime bound is judged by the sandbox.
	clock := &testClock{now: time.Now().UTC().Add(-7 * 24 * time.Hour).Truncate(time.Second)}
	srv, base := sandboxtest.Start(t, sandbox.Options{AssignmentDelay: -1, Now: clock.Now})
	dir := t.TempDir()
	admin := sandboxHome(t, dir, base)
	file := filepath.Join(dir, "keyless.yaml")
	if err := os.WriteFile(file, []byte(offboardYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	keyless := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := Main(append(args, "-f", file), strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("keyless %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String()
	}
	keyless("apply", "--yes")

	ctx := context.Background()
	const mgmt = "111111111111"
	jane := portalSession(t, admin, base, "jane@example.com", mgmt, "SuperAdmin")
	janePU := portalSession(t, admin, base, "jane@example.com", mgmt, "PowerUser")
	john := portalSession(t, admin, base, "john@example.com", mgmt, "SuperAdmin")
	// sso:ListInstances: both AdministratorAccess and PowerUserAccess allow it.
	use := func(cfg aws.Config) error {
		_, err := ssoadmin.NewFromConfig(cfg).ListInstances(ctx, nil)
		return err
	}
	for _, cfg := range []aws.Config{jane, janePU, john} {
		if err := use(cfg); err != nil {
			t.Fatalf("a session before offboarding: %v", err)
		}
	}

	// The dry run writes nothing to AWS, nor to the file.
	before := srv.Calls()
	out := keyless("offboard", "jane@example.com")
	if !strings.Contains(out, "   - SuperAdmin in 111111111111 (group SuperAdmins)") {
		t.Errorf("dry run does not list the cut of SuperAdmin:\n%s", out)
	}
	for call, n := range srv.Calls() {
		if n > before[call] && !readOnlyCall(call) {
			t.Errorf("the dry run called %s", call)
		}
	}
	if b, _ := os.ReadFile(file); string(b) != offboardYAML {
		t.Errorf("the dry run changed keyless.yaml:\n%s", b)
	}

	keyless("offboard", "jane@example.com", "--yes")
	clock.Add(time.Minute)
	for name, cfg := range map[string]aws.Config{"SuperAdmin": jane, "PowerUser": janePU} {
		err := use(cfg)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" ||
			!regexp.MustCompile(`^User: arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_`+name+`_[0-9a-f]{16}/jane@example.com is not authorized to perform: sso:ListInstances on resource: \S+ with an explicit deny in an identity-based policy$`).MatchString(ae.ErrorMessage()) {
			t.Errorf("jane's %s session after offboarding: %v, want AccessDenied by an explicit deny", name, err)
		}
	}
	if err := use(john); err != nil {
		t.Errorf("john's SuperAdmin session after jane's offboarding: %v", err)
	}

	// keyless.yaml, exactly.
	want := `users:
  - {email: john@example.com, given_name: John, family_name: Doe}
super_admins: [john@example.com]
groups:
  - name: Developers
    members: [john@example.com]
permission_sets:
  - name: PowerUser
    managed_policies: [PowerUserAccess]
    inline_policy: {Version: "2012-10-17", Statement: [{Sid: NoBuckets, Effect: Deny, Action: "s3:DeleteBucket", Resource: "*"}]}
assignments:
  - {permission_set: PowerUser, groups: [Developers], current_account: true}
`
	if b, _ := os.ReadFile(file); string(b) != want {
		t.Errorf("keyless.yaml after offboarding:\n%s\nwant\n%s", b, want)
	}
	if b, _ := os.ReadFile(file + ".bak"); string(b) != offboardYAML {
		t.Errorf("keyless.yaml.bak is not the file before:\n%s", b)
	}

	// A plan now keeps the cuts (no difference); one read after the cut's
	// end (the set's hour, plus five minutes for a local clock ahead) drops the PowerUser cut and keeps its own
	// statement, and apply writes that.
	icc := ic.NewClients(admin, ic.Limits{})
	cfg, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	planAt := func(at time.Time) (*plan.Plan, *ic.State) {
		t.Helper()
		st, err := ic.Read(ctx, icc, ic.ReadOptions{Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		d, err := cfg.Desired(st)
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.Compute(d, st)
		if err != nil {
			t.Fatal(err)
		}
		return p, st
	}
	if p, _ := planAt(time.Now().Add(59 * time.Minute)); !p.Empty() {
		t.Errorf("a plan while the cut is in force has changes: %+v", p.Changes)
	}
	// Past the cut's end by more than the margin for a local clock ahead
	// of AWS's (a minute past, the cut is kept).
	if p, _ := planAt(time.Now().Add(61 * time.Minute)); !p.Empty() {
		t.Errorf("a plan a minute after the cut's end has changes (the local clock may be ahead of AWS's): %+v", p.Changes)
	}
	later := time.Now().Add(66 * time.Minute)
	p, st := planAt(later)
	if len(p.Changes) != 2 || p.Changes[0].Fields[0].Field != "inline_policy" {
		t.Fatalf("a plan after the cut's end: %+v, want the two sets' inline policies", p.Changes)
	}
	a := &ic.Applier{C: icc, PollInterval: time.Millisecond, Now: func() time.Time { return later }}
	if _, err := a.Apply(ctx, st, p.Changes); err != nil {
		t.Fatal(err)
	}
	for _, ps := range st.PermissionSets {
		got, err := ssoadmin.NewFromConfig(admin).GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: aws.String(st.InstanceARN), PermissionSetArn: aws.String(ps.ARN)})
		if err != nil {
			t.Fatal(err)
		}
		wantPolicy := map[string]string{"PowerUser": `{"Statement":[{"Action":"s3:DeleteBucket","Effect":"Deny","Resource":"*","Sid":"NoBuckets"}],"Version":"2012-10-17"}`, "SuperAdmin": ""}[ps.Name]
		if aws.ToString(got.InlinePolicy) != wantPolicy {
			t.Errorf("%s's inline policy after the cut's end and an apply = %s, want %s", ps.Name, aws.ToString(got.InlinePolicy), wantPolicy)
		}
	}
}

// readOnlyCall reports whether a sandbox call ("service:Operation") only
// reads. GenerateCredentialReport makes a report of what is, no change.
func readOnlyCall(call string) bool {
	_, op, _ := strings.Cut(call, ":")
	for _, p := range []string{"Get", "List", "Describe", "Scan", "Query", "IsMemberInGroups", "GenerateCredentialReport"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return strings.HasPrefix(call, "account:") || strings.HasPrefix(call, "throttled:")
}

// sandboxHome points the SDK and keyless at the sandbox at base as its
// administrator, with dir as HOME and none of the machine's AWS settings,
// and returns the administrator's config.
func sandboxHome(t *testing.T, dir, base string) aws.Config {
	t.Helper()
	for k, v := range map[string]string{
		"HOME": dir, "AWS_CONFIG_FILE": filepath.Join(dir, ".aws", "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, ".aws", "credentials"),
		"AWS_ENDPOINT_URL": base, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "", "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1",
	} {
		t.Setenv(k, v)
	}
	return adminConfig(t, base)
}

func adminConfig(t *testing.T, base string) aws.Config {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion("us-east-1"), awsconfig.WithBaseEndpoint(base),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var pageNonce = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

// portalSession signs user in by the device flow, approving on the
// sandbox's /device page, and returns the credentials of a permission set's
// role in account, as the access portal gives them.
func portalSession(t *testing.T, admin aws.Config, base, user, account, set string) aws.Config {
	t.Helper()
	ctx := context.Background()
	ids, err := identitystore.NewFromConfig(admin).ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String("d-1111111111")})
	if err != nil {
		t.Fatal(err)
	}
	userID := ""
	for _, u := range ids.Users {
		if aws.ToString(u.UserName) == user {
			userID = aws.ToString(u.UserId)
		}
	}
	oidc := ssooidc.NewFromConfig(admin)
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("offboard-test"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(base + "/start")})
	if err != nil {
		t.Fatal(err)
	}
	code := aws.ToString(dev.UserCode)
	resp, err := http.Get(base + "/device?user_code=" + url.QueryEscape(code))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := pageNonce.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no nonce on /device:\n%s", body)
	}
	resp, err = http.PostForm(base+"/device", url.Values{"nonce": {string(m[1])}, "user_code": {code}, "user_id": {userID}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, DeviceCode: dev.DeviceCode,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code")})
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
	rc, err := sso.NewFromConfig(admin).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(account), RoleName: aws.String(set)})
	if err != nil {
		t.Fatalf("%s's %s@%s: %v", user, set, account, err)
	}
	cfg := admin.Copy()
	c := rc.RoleCredentials
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return cfg
}
