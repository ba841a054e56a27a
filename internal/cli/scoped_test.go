package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/signin"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// TestEnvScope: keyless env --scope --ttl hands out credentials of a role
// that trusts the permission set's role, narrowed by a session policy: the
// sandbox's policy evaluation (and, through it, the AWS CLI v1) refuses a
// call the role allows but the scope does not, and refuses everything once
// the TTL has passed.
func TestEnvScope(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	bin := buildKeyless(t)
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	seed := sandbox.DefaultSeed()
	seed.Users = []sandbox.SeedUser{{UserName: "alice", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"}}
	seed.PermissionSets = []sandbox.SeedPermissionSet{{Name: "Admin", ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}}}
	seed.Assignments = []sandbox.SeedAssignment{{PermissionSet: "Admin", User: "alice", Accounts: []string{"111111111111"}}}
	sb := startLiveSandbox(t, sandbox.Options{Seed: seed, ApproveAs: "alice", Now: now})
	p := newPerson(t, bin, sb.url)
	p.login()
	const profile = "Admin-111111111111"
	const role = "arn:aws:iam::111111111111:role/keyless-scoped"

	ctx := context.Background()
	admin := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(sb.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole",` +
		`"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*"}}}]}`
	if _, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("keyless-scoped"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("keyless-scoped"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}

	t.Run("bad input", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--scope", "iam:ListRoles", "--ttl", "10m", "--role-arn", role}, "--ttl 10m: STS issues credentials for at least 15 minutes"},
			{[]string{"--scope", "iam:ListRoles", "--ttl", "2h", "--role-arn", role}, "--ttl 2h: credentials assumed with role credentials last at most 1 hour (role chaining)"},
			{[]string{"--scope", "list everything", "--role-arn", role}, `--scope "list everything": neither an action`},
			{[]string{"--scope", "arn:aws:s3:::logs/*", "--role-arn", role}, "--scope names no action"},
			{[]string{"--scope", "file://nope.json", "--role-arn", role}, "--scope file://nope.json: open nope.json"},
			{[]string{"--ttl", "15m"}, "--ttl and --role-arn go with --scope"},
			{[]string{"--scope", "iam:ListRoles", "--role-arn", "keyless-scoped"}, `--role-arn: "keyless-scoped" is not an IAM role ARN`},
			{[]string{"--scope", "iam:ListRoles"}, "profile " + profile + " has no keyless_scoped_role_arn"},
		} {
			before := sb.srv.Calls()
			out, err := p.command(nil, bin, append([]string{"env", profile}, tc.args...)...).CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("env %s: err %v, output:\n%s\nwant %q", strings.Join(tc.args, " "), err, out, tc.want)
			}
			if n := sb.srv.Calls()["sts:AssumeRole"] - before["sts:AssumeRole"]; n != 0 {
				t.Errorf("env %s called AssumeRole", strings.Join(tc.args, " "))
			}
		}
	})

	start := now()
	out := p.keyless("env", profile, "--scope", "iam:ListRoles,iam:GetRole", "--ttl", "15m", "--role-arn", role, "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(out), &vars); err != nil {
		t.Fatalf("env --format json: %v\n%s", err, out)
	}
	exp, err := time.Parse(time.RFC3339, vars["AWS_CREDENTIAL_EXPIRATION"])
	if err != nil || exp.Before(start.Add(15*time.Minute-time.Minute)) || exp.After(start.Add(15*time.Minute+time.Minute)) {
		t.Fatalf("the credentials expire at %s (%v), want 15 minutes after %s", vars["AWS_CREDENTIAL_EXPIRATION"], err, start.UTC().Format(time.RFC3339))
	}
	// The shell integration's prompt refresh would replace scoped
	// credentials with the profile's own: nothing names it, and sh output
	// clears what an earlier assume left.
	if vars["KEYLESS_PROFILE"] != "" || vars["KEYLESS_EXPIRATION_EPOCH"] != "" {
		t.Fatalf("env --scope exported KEYLESS_PROFILE=%q or KEYLESS_EXPIRATION_EPOCH: the prompt refresh would widen it", vars["KEYLESS_PROFILE"])
	}
	if sh := p.keyless("env", profile, "--scope", "iam:ListRoles", "--role-arn", role); !strings.Contains(sh, "unset") || !strings.Contains(sh, "KEYLESS_PROFILE") || !strings.Contains(sh, "KEYLESS_EXPIRATION_EPOCH") {
		t.Fatalf("env --scope (sh) does not unset the prompt refresh's variables:\n%s", sh)
	}
	// Nothing of the sign-in or of the permission set's session.
	permissionSet := parseProcessCredentials(t, "credential-process", p.keyless("credential-process", "--profile", profile))
	if vars["AWS_ACCESS_KEY_ID"] == permissionSet.AccessKeyID || strings.Contains(out, permissionSet.SessionToken) {
		t.Fatal("env --scope exported the permission set's credentials")
	}
	for _, k := range testtool.SecretFields[:3] {
		if s, _ := testtool.JSONField(readCache(t, signin.TokenPath(p.home, compatSession)), k).(string); s != "" && strings.Contains(out, s) {
			t.Fatalf("env --scope exported the SSO %s", k)
		}
	}
	// Nothing secret on stderr either (agents often log it).
	cmd := p.command(nil, bin, "env", profile, "--scope", "iam:ListRoles", "--role-arn", role, "--format", "json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	again, err := cmd.Output()
	if err != nil {
		t.Fatalf("env --scope: %v\n%s", err, stderr.String())
	}
	var vars2 map[string]string
	if err := json.Unmarshal(again, &vars2); err != nil {
		t.Fatal(err)
	}
	leaks := []string{vars2["AWS_SECRET_ACCESS_KEY"], vars2["AWS_SESSION_TOKEN"], permissionSet.SecretAccessKey, permissionSet.SessionToken}
	for _, k := range testtool.SecretFields[:3] {
		if v, _ := testtool.JSONField(readCache(t, signin.TokenPath(p.home, compatSession)), k).(string); v != "" {
			leaks = append(leaks, v)
		}
	}
	for i, v := range leaks {
		if v == "" || strings.Contains(stderr.String(), v) {
			t.Fatalf("env --scope: secret %d empty or on stderr", i)
		}
	}
	scopedIAM := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(sb.url), Retryer: testtool.RetryConnectionErrors(),
		Credentials: credentials.NewStaticCredentialsProvider(vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"], vars["AWS_SESSION_TOKEN"])})
	if _, err := scopedIAM.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatalf("ListRoles is in the scope: %v", err)
	}
	// ReadOnlyAccess allows ListUsers; the scope does not.
	_, err = scopedIAM.ListUsers(ctx, &iam.ListUsersInput{})
	var ae interface{ ErrorCode() string }
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("ListUsers outside the scope: %v, want AccessDenied", err)
	}
	// The AWS CLI v1 sees the same refusal.
	v1 := requireCLIv1(t)
	cli := exec.Command(v1, "iam", "list-users")
	cli.Env = append(withoutAWS(p.env), "AWS_ENDPOINT_URL="+sb.url, "AWS_DEFAULT_REGION=us-east-1", "AWS_ACCESS_KEY_ID="+vars["AWS_ACCESS_KEY_ID"],
		"AWS_SECRET_ACCESS_KEY="+vars["AWS_SECRET_ACCESS_KEY"], "AWS_SESSION_TOKEN="+vars["AWS_SESSION_TOKEN"], "HOME="+t.TempDir())
	if b, err := cli.CombinedOutput(); err == nil || !strings.Contains(string(b), "(AccessDenied) when calling the ListUsers operation") {
		t.Fatalf("aws iam list-users with the scoped credentials: %v\n%s", err, b)
	}

	// Past the TTL the credentials are refused.
	skew.Store(int64(16 * time.Minute))
	_, err = scopedIAM.ListRoles(ctx, &iam.ListRolesInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "ExpiredToken" {
		t.Fatalf("ListRoles after the TTL: %v, want ExpiredToken", err)
	}
}
