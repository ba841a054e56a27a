//go:build interop

package interop

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
)

const (
	storeID  = "d-1111111111"
	mgmt     = "111111111111"
	userName = "alice@example.com"
)

// world is the seed both suites start from: the default accounts and one
// person who signs in.
func world() *sandbox.Seed {
	s := sandbox.DefaultSeed()
	s.Users = []sandbox.SeedUser{{UserName: userName, GivenName: "Alice", FamilyName: "Doe", Email: userName}}
	s.Groups = []sandbox.SeedGroup{{Name: "Developers", Members: []string{userName}}}
	return s
}

func requireTool(t *testing.T, name string) string {
	t.Helper()
	return testtool.RequireTool(t, name)
}

func startSandbox(t *testing.T) string {
	t.Helper()
	_, url := sandboxtest.Start(t, sandbox.Options{Seed: world(), ApproveAs: userName, AssignmentDelay: 100 * time.Millisecond})
	return url
}

// awsEnv is a clean environment for the AWS CLI and boto3: a HOME of its
// own, dummy keys, and AWS_ENDPOINT_URL at the sandbox.
type awsEnv struct {
	t    *testing.T
	home string
	url  string
	env  []string
}

func newAWSEnv(t *testing.T, url string) *awsEnv {
	home := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(home, ".aws"), 0o700))
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL="+url,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_PAGER=",
		"SANDBOX_URL="+url,
	)
	e := &awsEnv{t: t, home: home, url: url, env: env}
	e.writeConfig("")
	return e
}

// writeConfig writes ~/.aws/config: cli_follow_urlparam off (or v1 fetches
// https:// arguments) plus extra sections.
func (e *awsEnv) writeConfig(extra string) {
	must(e.t, os.WriteFile(filepath.Join(e.home, ".aws", "config"), []byte("[default]\ncli_follow_urlparam = false\n\n"+extra), 0o600))
}

// aws runs the AWS CLI and decodes its JSON output into v (when not nil).
func (e *awsEnv) aws(v any, args ...string) {
	e.t.Helper()
	out, err := e.run(args...)
	if err != nil {
		e.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			e.t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// awsFails runs the AWS CLI expecting failure with an error code in its output.
func (e *awsEnv) awsFails(code string, args ...string) {
	e.t.Helper()
	out, err := e.run(args...)
	if err == nil || !strings.Contains(string(out), code) {
		e.t.Fatalf("aws %s: want failure with %s, got err=%v\n%s", strings.Join(args, " "), code, err, out)
	}
}

func (e *awsEnv) run(args ...string) ([]byte, error) {
	cmd := exec.Command(requireTool(e.t, "aws"), append(args, "--output", "json")...)
	cmd.Env = e.env
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.Bytes(), err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestAWSCLIv1 drives every service with the AWS CLI v1, then signs in the
// way the CLI does from an sso-session profile and a token cache file.
func TestAWSCLIv1(t *testing.T) {
	requireTool(t, "aws")
	url := startSandbox(t)
	e := newAWSEnv(t, url)

	var accounts struct{ Accounts []struct{ Id, Name string } }
	e.aws(&accounts, "organizations", "list-accounts")
	if len(accounts.Accounts) != 3 {
		t.Fatalf("list-accounts = %+v", accounts)
	}
	var roots struct{ Roots []struct{ Id string } }
	e.aws(&roots, "organizations", "list-roots")
	e.aws(nil, "organizations", "list-accounts-for-parent", "--parent-id", roots.Roots[0].Id)
	e.aws(nil, "organizations", "describe-organization")
	e.awsFails("AccountNotFoundException", "organizations", "describe-account", "--account-id", "999999999999")

	// Identity store: a second person and a membership.
	var users struct {
		Users []struct{ UserId, UserName string }
	}
	e.aws(&users, "identitystore", "list-users", "--identity-store-id", storeID)
	if len(users.Users) != 1 || users.Users[0].UserName != userName {
		t.Fatalf("list-users = %+v", users)
	}
	_ = users.Users[0].UserId
	var bob struct{ UserId string }
	e.aws(&bob, "identitystore", "create-user", "--identity-store-id", storeID, "--user-name", "bob@example.com",
		"--display-name", "Bob Roe", "--name", "GivenName=Bob,FamilyName=Roe", "--emails", "Value=bob@example.com,Type=work,Primary=true")
	var gid struct{ GroupId string }
	e.aws(&gid, "identitystore", "get-group-id", "--identity-store-id", storeID,
		"--alternate-identifier", `{"UniqueAttribute":{"AttributePath":"displayName","AttributeValue":"Developers"}}`)
	e.aws(nil, "identitystore", "create-group-membership", "--identity-store-id", storeID, "--group-id", gid.GroupId, "--member-id", "UserId="+bob.UserId)
	var members struct{ GroupMemberships []any }
	e.aws(&members, "identitystore", "list-group-memberships", "--identity-store-id", storeID, "--group-id", gid.GroupId)
	if len(members.GroupMemberships) != 2 {
		t.Fatalf("memberships = %+v", members)
	}
	e.awsFails("ConflictException", "identitystore", "create-user", "--identity-store-id", storeID, "--user-name", "bob@example.com",
		"--display-name", "Bob Roe", "--name", "GivenName=Bob,FamilyName=Roe")

	// sso-admin: a permission set assigned to the group in the dev account.
	var inst struct {
		Instances []struct{ InstanceArn, IdentityStoreId string }
	}
	e.aws(&inst, "sso-admin", "list-instances")
	if len(inst.Instances) != 1 || inst.Instances[0].IdentityStoreId != storeID {
		t.Fatalf("list-instances = %+v", inst)
	}
	arn := inst.Instances[0].InstanceArn
	var ps struct {
		PermissionSet struct{ PermissionSetArn string }
	}
	e.aws(&ps, "sso-admin", "create-permission-set", "--instance-arn", arn, "--name", "PowerUser", "--session-duration", "PT2H")
	psArn := ps.PermissionSet.PermissionSetArn
	e.aws(nil, "sso-admin", "attach-managed-policy-to-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn,
		"--managed-policy-arn", "arn:aws:iam::aws:policy/PowerUserAccess")
	e.aws(nil, "sso-admin", "put-inline-policy-to-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn,
		"--inline-policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`)
	e.awsFails("ConflictException", "sso-admin", "create-permission-set", "--instance-arn", arn, "--name", "PowerUser", "--session-duration", "PT1H")
	e.awsFails("ValidationException", "sso-admin", "create-permission-set", "--instance-arn", arn, "--name", "bad name!", "--session-duration", "PT1H")
	var created struct {
		AccountAssignmentCreationStatus struct{ RequestId, Status string }
	}
	e.aws(&created, "sso-admin", "create-account-assignment", "--instance-arn", arn, "--permission-set-arn", psArn,
		"--target-id", "222222222222", "--target-type", "AWS_ACCOUNT", "--principal-type", "GROUP", "--principal-id", gid.GroupId)
	if created.AccountAssignmentCreationStatus.Status != "IN_PROGRESS" {
		t.Fatalf("create-account-assignment = %+v", created)
	}
	waitAssignment(t, e, arn, created.AccountAssignmentCreationStatus.RequestId)
	var assigned struct {
		AccountAssignments []struct{ PrincipalId string }
	}
	e.aws(&assigned, "sso-admin", "list-account-assignments", "--instance-arn", arn, "--account-id", "222222222222", "--permission-set-arn", psArn)
	if len(assigned.AccountAssignments) != 1 || assigned.AccountAssignments[0].PrincipalId != gid.GroupId {
		t.Fatalf("list-account-assignments = %+v", assigned)
	}

	// STS with the dummy keys: the management account's administrator.
	var who struct{ Account, Arn string }
	e.aws(&who, "sts", "get-caller-identity")
	if who.Account != mgmt {
		t.Fatalf("get-caller-identity = %+v", who)
	}

	// IAM: an old-style user with a key, then the credential report.
	e.aws(nil, "iam", "create-user", "--user-name", "legacy-deploy")
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	e.aws(&key, "iam", "create-access-key", "--user-name", "legacy-deploy")
	if !strings.HasPrefix(key.AccessKey.AccessKeyId, "AKIA") || len(key.AccessKey.SecretAccessKey) != 40 {
		t.Fatalf("create-access-key = %+v", key)
	}
	e.awsFails("DeleteConflict", "iam", "delete-user", "--user-name", "legacy-deploy")
	var iamUsers struct{ Users []struct{ UserName string } }
	e.aws(&iamUsers, "iam", "list-users")
	if len(iamUsers.Users) != 1 {
		t.Fatalf("iam list-users = %+v", iamUsers)
	}
	var summary struct{ SummaryMap map[string]int }
	e.aws(&summary, "iam", "get-account-summary")
	if summary.SummaryMap["Users"] != 1 {
		t.Fatalf("get-account-summary = %+v", summary)
	}
	e.aws(nil, "iam", "generate-credential-report")
	var report struct{ Content []byte }
	for range 50 {
		out, err := e.run("iam", "get-credential-report")
		if err == nil {
			must(t, json.Unmarshal(out, &report))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !bytes.HasPrefix(report.Content, []byte("user,arn,user_creation_time,")) || !bytes.Contains(report.Content, []byte("\n<root_account>,")) ||
		!bytes.Contains(report.Content, []byte("\nlegacy-deploy,")) {
		t.Fatalf("credential report:\n%s", report.Content)
	}

	// sso-oidc device flow (the sandbox approves as alice at once).
	var client struct{ ClientId, ClientSecret string }
	e.aws(&client, "sso-oidc", "register-client", "--client-name", "interop", "--client-type", "public", "--scopes", "sso:account:access")
	var dev struct{ DeviceCode, UserCode, VerificationUriComplete string }
	e.aws(&dev, "sso-oidc", "start-device-authorization", "--client-id", client.ClientId, "--client-secret", client.ClientSecret,
		"--start-url", url+"/start")
	if dev.UserCode == "" || !strings.HasPrefix(dev.VerificationUriComplete, url) {
		t.Fatalf("start-device-authorization = %+v", dev)
	}
	var tok struct {
		AccessToken, RefreshToken string
		ExpiresIn                 int
	}
	e.aws(&tok, "sso-oidc", "create-token", "--client-id", client.ClientId, "--client-secret", client.ClientSecret,
		"--grant-type", "urn:ietf:params:oauth:grant-type:device_code", "--device-code", dev.DeviceCode)
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("create-token: no token or refresh token (expiresIn %d)", tok.ExpiresIn)
	}
	e.awsFails("InvalidGrantException", "sso-oidc", "create-token", "--client-id", client.ClientId, "--client-secret", client.ClientSecret,
		"--grant-type", "urn:ietf:params:oauth:grant-type:device_code", "--device-code", dev.DeviceCode)

	// The portal with that token.
	var portal struct{ AccountList []struct{ AccountId string } }
	e.aws(&portal, "sso", "list-accounts", "--access-token", tok.AccessToken)
	if len(portal.AccountList) != 1 || portal.AccountList[0].AccountId != "222222222222" {
		t.Fatalf("sso list-accounts = %+v", portal)
	}
	var roles struct{ RoleList []struct{ RoleName string } }
	e.aws(&roles, "sso", "list-account-roles", "--access-token", tok.AccessToken, "--account-id", "222222222222")
	if len(roles.RoleList) != 1 || roles.RoleList[0].RoleName != "PowerUser" {
		t.Fatalf("sso list-account-roles = %+v", roles)
	}

	// An sso-session profile and the token cache, as `aws configure sso` and
	// `aws sso login` leave them: the CLI gets role credentials from the
	// portal and STS sees the assumed role.
	writeTokenCache(t, e.home, "sandbox", url, client.ClientId, client.ClientSecret, tok.AccessToken, tok.RefreshToken)
	e.writeConfig(fmt.Sprintf(`[sso-session sandbox]
sso_start_url = %s/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = sandbox
sso_account_id = 222222222222
sso_role_name = PowerUser
region = us-east-1
`, url))
	profEnv := &awsEnv{t: t, home: e.home, url: url, env: withoutKeys(e.env)}
	profEnv.aws(&who, "sts", "get-caller-identity", "--profile", "dev")
	wantARN := `^arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_PowerUser_[0-9a-f]{16}/alice@example.com$`
	if who.Account != "222222222222" || !matches(wantARN, who.Arn) {
		t.Fatalf("get-caller-identity --profile dev = %+v, want %s", who, wantARN)
	}

	e.aws(nil, "sso", "logout", "--access-token", tok.AccessToken)
	e.awsFails("UnauthorizedException", "sso", "list-accounts", "--access-token", tok.AccessToken)
}

func waitAssignment(t *testing.T, e *awsEnv, instanceArn, requestID string) {
	t.Helper()
	for range 100 {
		var st struct {
			AccountAssignmentCreationStatus struct{ Status, FailureReason string }
		}
		e.aws(&st, "sso-admin", "describe-account-assignment-creation-status", "--instance-arn", instanceArn,
			"--account-assignment-creation-request-id", requestID)
		switch st.AccountAssignmentCreationStatus.Status {
		case "SUCCEEDED":
			return
		case "FAILED":
			t.Fatalf("assignment failed: %s", st.AccountAssignmentCreationStatus.FailureReason)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("assignment still IN_PROGRESS")
}

// writeTokenCache writes ~/.aws/sso/cache/<sha1(session)>.json in the AWS CLI's format.
func writeTokenCache(t *testing.T, home, session, url, clientID, clientSecret, access, refresh string) {
	sum := sha1.Sum([]byte(session))
	dir := filepath.Join(home, ".aws", "sso", "cache")
	must(t, os.MkdirAll(dir, 0o700))
	now := time.Now().UTC()
	tok := map[string]string{
		"startUrl": url + "/start", "region": "us-east-1", "accessToken": access,
		"expiresAt": now.Add(time.Hour).Format(time.RFC3339), "clientId": clientID, "clientSecret": clientSecret,
		"registrationExpiresAt": now.Add(80 * 24 * time.Hour).Format(time.RFC3339), "refreshToken": refresh,
	}
	b, _ := json.Marshal(tok)
	must(t, os.WriteFile(filepath.Join(dir, hex.EncodeToString(sum[:])+".json"), b, 0o600))
}

func withoutKeys(env []string) []string {
	var out []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// TestBoto3 runs testdata/boto3_suite.py against a fresh sandbox.
func TestBoto3(t *testing.T) {
	py := requireTool(t, "python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("boto3 is required in CI: %v", err)
		}
		t.Skip("boto3 not importable")
	}
	url := startSandbox(t)
	e := newAWSEnv(t, url)
	script, err := filepath.Abs("testdata/boto3_suite.py")
	must(t, err)
	cmd := exec.Command(py, script)
	cmd.Env = e.env
	out, err := cmd.CombinedOutput()
	t.Logf("boto3 suite:\n%s", out)
	if err != nil {
		t.Fatalf("boto3 suite failed: %v", err)
	}
	if !strings.Contains(string(out), "boto3 suite: ok") {
		t.Fatal("boto3 suite did not finish")
	}
}

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
