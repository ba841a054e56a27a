package sandbox

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

// as returns cfg signing with the given temporary credentials.
func as(cfg aws.Config, akid, secret, token string) aws.Config {
	cfg = cfg.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(akid, secret, token)
	return cfg
}

// roleSession signs in as user and gets the credentials of a permission
// set's role in account, as `keyless login` does.
func (e *signinEnv) roleSession(t *testing.T, user, account, set string) aws.Config {
	t.Helper()
	tok := e.deviceLogin(t, user, "sso:account:access")
	out, err := e.sso.GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(account), RoleName: aws.String(set)})
	if err != nil {
		t.Fatalf("GetRoleCredentials %s@%s: %v", set, account, err)
	}
	rc := out.RoleCredentials
	return as(e.cfg, aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken))
}

// wantDenied checks a refusal's code and its whole message.
func wantDenied(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != message {
		t.Fatalf("error = %v\nwant %s: %s", err, code, message)
	}
}

// wantAllowed checks a call got past authorization: it succeeded, or failed
// for another reason than access.
func wantAllowed(t *testing.T, err error) {
	t.Helper()
	if c := errorCode(err); c == "AccessDenied" || c == "AccessDeniedException" {
		t.Fatalf("call refused: %v", err)
	}
}

func TestAuthzPermissionSetSessions(t *testing.T) {
	e := newSigninEnv(t, Options{AssignmentDelay: -1})
	ctx := context.Background()
	var roID string
	e.srv.withWorld(func(w *World, now time.Time) {
		// alice also has ReadOnly in the management account.
		ro := w.portalPermissionSet("arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-fedcba9876543210")
		w.Assignments = append(w.Assignments, &Assignment{AccountID: mgmtAcct, PermissionSetARN: ro.ARN, PrincipalType: "USER", PrincipalID: w.userByName("alice").ID})
		w.provision(ro, mgmtAcct, now)
		roID = w.Instance.IdentityStoreID
	})
	const roRole = "AWSReservedSSO_ReadOnly_fedcba9876543210"

	t.Run("read only", func(t *testing.T) {
		cfg := e.roleSession(t, "alice", devAcct, "ReadOnly")
		if _, err := iam.NewFromConfig(cfg).ListUsers(ctx, nil); err != nil {
			t.Fatalf("ListUsers with ReadOnlyAccess: %v", err)
		}
		if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil); err != nil {
			t.Fatalf("GetCallerIdentity: %v", err)
		}
		// AWS's ReadOnlyAccess grants cloudtrail:LookupEvents (a read
		// action without a Get/List/Describe prefix).
		if _, err := cloudtrail.NewFromConfig(cfg).LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
			t.Fatalf("LookupEvents with ReadOnlyAccess: %v", err)
		}
		_, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x")})
		wantDenied(t, err, "AccessDenied", "User: arn:aws:sts::222222222222:assumed-role/"+roRole+"/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::222222222222:user/x because no identity-based policy allows the iam:CreateUser action")
		if _, err := iam.NewFromConfig(e.cfg).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("x")}); errorCode(err) != "NoSuchEntity" {
			t.Fatalf("the refused CreateUser made a user: %v", err)
		}

		mgmt := e.roleSession(t, "alice", mgmtAcct, "ReadOnly")
		admin := ssoadmin.NewFromConfig(mgmt)
		inst, err := admin.ListInstances(ctx, nil)
		if err != nil {
			t.Fatalf("ListInstances with ReadOnlyAccess: %v", err)
		}
		arn := aws.ToString(inst.Instances[0].InstanceArn)
		_, err = admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(arn), Name: aws.String("Sneaky")})
		wantDenied(t, err, "AccessDeniedException", "User: arn:aws:sts::111111111111:assumed-role/"+roRole+"/alice is not authorized to perform: sso:CreatePermissionSet on resource: "+arn+" because no identity-based policy allows the sso:CreatePermissionSet action")
		// Reads of the identity store, including the one without a read prefix.
		ids := identitystore.NewFromConfig(mgmt)
		if _, err := ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(roID)}); err != nil {
			t.Fatalf("identitystore ListUsers with ReadOnlyAccess: %v", err)
		}
		_, err = ids.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(roID), MemberId: nil, GroupIds: []string{"x"}})
		wantAllowed(t, err)
		_, err = ids.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(roID), DisplayName: aws.String("sneaky")})
		wantDenied(t, err, "AccessDeniedException", fmt.Sprintf("User: arn:aws:sts::111111111111:assumed-role/%s/alice is not authorized to perform: identitystore:CreateGroup on resource: arn:aws:identitystore::111111111111:identitystore/%s because no identity-based policy allows the identitystore:CreateGroup action", roRole, roID))
	})

	t.Run("administrator", func(t *testing.T) {
		cfg := e.roleSession(t, "alice", devAcct, "AdministratorAccess")
		if _, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("made-by-admin")}); err != nil {
			t.Fatalf("CreateUser with AdministratorAccess: %v", err)
		}
	})

	t.Run("power user", func(t *testing.T) {
		cfg := e.roleSession(t, "bob", devAcct, "Developer")
		_, err := iam.NewFromConfig(cfg).ListRoles(ctx, nil) // PowerUserAccess's second statement
		wantAllowed(t, err)
		_, err = iam.NewFromConfig(cfg).ListUsers(ctx, nil)
		wantDenied(t, err, "AccessDenied", "User: arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_Developer_aaaabbbbccccdddd/bob is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::222222222222:user/ because no identity-based policy allows the iam:ListUsers action")
	})

	t.Run("issue time deny cuts older sessions", func(t *testing.T) {
		old := e.roleSession(t, "alice", devAcct, "AdministratorAccess")
		if _, err := iam.NewFromConfig(old).ListUsers(ctx, nil); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(time.Minute)
		cut := e.clock.Now().UTC().Format(time.RFC3339)
		admin := ssoadmin.NewFromConfig(e.cfg)
		setARN := "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-" + adminSfx
		inst := "arn:aws:sso:::instance/ssoins-1111111111111111"
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + cut + `"}}}]}`
		if _, err := admin.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: aws.String(inst), PermissionSetArn: aws.String(setARN), InlinePolicy: aws.String(deny)}); err != nil {
			t.Fatal(err)
		}
		// Not yet provisioned: the role still has its old policies.
		if _, err := iam.NewFromConfig(old).ListUsers(ctx, nil); err != nil {
			t.Fatalf("before provisioning: %v", err)
		}
		if _, err := admin.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: aws.String(inst), PermissionSetArn: aws.String(setARN), TargetType: "ALL_PROVISIONED_ACCOUNTS"}); err != nil {
			t.Fatal(err)
		}
		_, err := iam.NewFromConfig(old).ListUsers(ctx, nil)
		wantDenied(t, err, "AccessDenied", "User: arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_AdministratorAccess_"+adminSfx+"/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::222222222222:user/ with an explicit deny in an identity-based policy")
		e.clock.Add(time.Second)
		fresh := e.roleSession(t, "alice", devAcct, "AdministratorAccess")
		if _, err := iam.NewFromConfig(fresh).ListUsers(ctx, nil); err != nil {
			t.Fatalf("session issued after the cut: %v", err)
		}
	})
}

func TestAuthzWorkloadRoleSessions(t *testing.T) {
	_, u := startSandbox(t, Options{AssignmentDelay: -1})
	cfg := sdkConfig(t, u)
	ctx := context.Background()
	admin := iam.NewFromConfig(cfg)
	const acct = "111111111111"
	mustDo := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	mustDo(admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("boundary"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`)}))
	mustDo(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(trust),
		PermissionsBoundary: aws.String("arn:aws:iam::111111111111:policy/boundary")}))
	mustDo(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("team"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:CreateUser"],"Resource":"arn:aws:iam::*:user/${aws:PrincipalTag/team}-*"},{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"},{"Effect":"Deny","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/*-secret"}]}`)}))

	assume := func(t *testing.T, in *sts.AssumeRoleInput) aws.Config {
		t.Helper()
		in.RoleArn, in.RoleSessionName = aws.String("arn:aws:iam::111111111111:role/ci"), aws.String("job")
		out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		return as(cfg, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	}
	who := "User: arn:aws:sts::" + acct + ":assumed-role/ci/job is not authorized to perform: "

	t.Run("role policies and session tags", func(t *testing.T) {
		c := iam.NewFromConfig(assume(t, &sts.AssumeRoleInput{Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}}))
		_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("platform-bot")})
		wantCode(t, err, "NoSuchEntity") // allowed: the user does not exist
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("data-bot")})
		wantDenied(t, err, "AccessDenied", who+"iam:GetUser on resource: arn:aws:iam::111111111111:user/data-bot because no identity-based policy allows the iam:GetUser action")
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("platform-secret")})
		wantDenied(t, err, "AccessDenied", who+"iam:GetUser on resource: arn:aws:iam::111111111111:user/platform-secret with an explicit deny in an identity-based policy")
		// The role allows CreateUser on its users, its boundary does not.
		_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("platform-new")})
		wantDenied(t, err, "AccessDenied", who+"iam:CreateUser on resource: arn:aws:iam::111111111111:user/platform-new because no permissions boundary allows the iam:CreateUser action")
	})

	t.Run("without the tag", func(t *testing.T) {
		c := iam.NewFromConfig(assume(t, &sts.AssumeRoleInput{}))
		_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("platform-bot")})
		wantCode(t, err, "AccessDenied")
	})

	t.Run("session policy", func(t *testing.T) {
		c := iam.NewFromConfig(assume(t, &sts.AssumeRoleInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`),
			Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}}))
		_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("platform-bot")})
		wantCode(t, err, "NoSuchEntity")
		_, err = c.ListRoles(ctx, nil)
		wantDenied(t, err, "AccessDenied", who+"iam:ListRoles on resource: arn:aws:iam::111111111111:role/ because no session policy allows the iam:ListRoles action")
	})

	t.Run("deleted role", func(t *testing.T) {
		mustDo(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("gone"), AssumeRolePolicyDocument: aws.String(trust)}))
		mustDo(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("gone"), PolicyName: aws.String("all"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}))
		out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/gone"), RoleSessionName: aws.String("s1")})
		if err != nil {
			t.Fatal(err)
		}
		c := iam.NewFromConfig(as(cfg, aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)))
		_, err = c.ListRoles(ctx, nil)
		wantAllowed(t, err)
		mustDo(admin.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("gone"), PolicyName: aws.String("all")}))
		mustDo(admin.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("gone")}))
		_, err = c.ListRoles(ctx, nil)
		wantCode(t, err, "AccessDenied")
	})

	t.Run("IAM users are not evaluated", func(t *testing.T) {
		mustDo(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nopolicy")}))
		key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nopolicy")})
		if err != nil {
			t.Fatal(err)
		}
		c := iam.NewFromConfig(as(cfg, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
		if _, err := c.ListUsers(ctx, nil); err != nil {
			t.Fatalf("IAM user without policies: %v", err)
		}
	})
}
