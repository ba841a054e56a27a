package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// roleWithPolicy creates a role the management account may assume, with
// one inline policy, and returns a session of it (ARN
// arn:aws:sts::111111111111:assumed-role/NAME/job).
func roleWithPolicy(t *testing.T, cfg aws.Config, name, policy string) aws.Config {
	t.Helper()
	ctx := context.Background()
	i := iam.NewFromConfig(cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := i.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := i.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/" + name), RoleSessionName: aws.String("job")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	return as(cfg, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

// TestAuthzPassRoleToScheduler: CreateSchedule and UpdateSchedule need
// iam:PassRole on the target's role for scheduler.amazonaws.com.
func TestAuthzPassRoleToScheduler(t *testing.T) {
	f := newSchedFixture(t)
	ctx := context.Background()
	const schedule = `{"Effect":"Allow","Action":["scheduler:CreateSchedule","scheduler:UpdateSchedule"],"Resource":"*"}`
	in := func(name string) *scheduler.CreateScheduleInput {
		return &scheduler.CreateScheduleInput{Name: aws.String(name), ScheduleExpression: aws.String("at(2026-11-24T09:00:00)"),
			FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
			Target:             &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role), Input: aws.String("{}")}}
	}
	cfg := sdkConfig(t, f.url)
	noPass := scheduler.NewFromConfig(roleWithPolicy(t, cfg, "no-pass", `{"Version":"2012-10-17","Statement":[`+schedule+`]}`))
	_, err := noPass.CreateSchedule(ctx, in("a"))
	wantDenied(t, err, "AccessDeniedException", "User: arn:aws:sts::111111111111:assumed-role/no-pass/job is not authorized to perform: iam:PassRole on resource: "+f.role+" because no identity-based policy allows the iam:PassRole action")

	toStates := scheduler.NewFromConfig(roleWithPolicy(t, cfg, "pass-to-states", `{"Version":"2012-10-17","Statement":[`+schedule+`,`+
		`{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+f.role+`","Condition":{"StringEquals":{"iam:PassedToService":"states.amazonaws.com"}}}]}`))
	_, err = toStates.CreateSchedule(ctx, in("a"))
	wantDenied(t, err, "AccessDeniedException", "User: arn:aws:sts::111111111111:assumed-role/pass-to-states/job is not authorized to perform: iam:PassRole on resource: "+f.role+" because no identity-based policy allows the iam:PassRole action")

	toScheduler := scheduler.NewFromConfig(roleWithPolicy(t, cfg, "pass-to-scheduler", `{"Version":"2012-10-17","Statement":[`+schedule+`,`+
		`{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+f.role+`","Condition":{"StringEquals":{"iam:PassedToService":"scheduler.amazonaws.com"}}}]}`))
	if _, err := toScheduler.CreateSchedule(ctx, in("a")); err != nil {
		t.Fatalf("CreateSchedule with PassRole to the scheduler: %v", err)
	}
	up := scheduler.UpdateScheduleInput(*in("a"))
	_, err = noPass.UpdateSchedule(ctx, &up)
	wantCode(t, err, "AccessDeniedException")
	if _, err := toScheduler.UpdateSchedule(ctx, &up); err != nil {
		t.Fatalf("UpdateSchedule with PassRole to the scheduler: %v", err)
	}
}

// TestAuthzIdentityStoreUserID: a permission set's sessions carry the
// Identity Center user's id, so a deny can name one user of the set.
func TestAuthzIdentityStoreUserID(t *testing.T) {
	e := newSigninEnv(t, Options{AssignmentDelay: -1})
	var aliceID string
	e.srv.withWorld(func(w *World, now time.Time) {
		aliceID = w.userByName("alice").ID
		p := &PermissionSet{ARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-9999888877776666", Name: "Tables",
			SessionDuration: "PT1H", RoleSuffix: "9999888877776666", Created: now,
			InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:ListTables","Resource":"*"},` +
				`{"Sid":"KeylessCut","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"identitystore:userId":"` + aliceID + `"}}}]}`}
		w.PermissionSets = append(w.PermissionSets, p)
		for _, u := range []string{"alice", "bob"} {
			w.Assignments = append(w.Assignments, &Assignment{AccountID: mgmtAcct, PermissionSetARN: p.ARN, PrincipalType: "USER", PrincipalID: w.userByName(u).ID})
		}
		w.provision(p, mgmtAcct, now)
	})
	ctx := context.Background()
	_, err := dynamodb.NewFromConfig(e.roleSession(t, "alice", mgmtAcct, "Tables")).ListTables(ctx, &dynamodb.ListTablesInput{})
	wantDenied(t, err, "AccessDeniedException", "User: arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Tables_9999888877776666/alice is not authorized to perform: dynamodb:ListTables on resource: * with an explicit deny in an identity-based policy")
	if _, err := dynamodb.NewFromConfig(e.roleSession(t, "bob", mgmtAcct, "Tables")).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("bob, another user of the set: %v", err)
	}
}

// TestAuthzAccountAssignmentResources: an account assignment is
// authorized on the instance, the permission set and the account.
func TestAuthzAccountAssignmentResources(t *testing.T) {
	e := newSigninEnv(t, Options{AssignmentDelay: -1})
	ctx := context.Background()
	const inst = "arn:aws:sso:::instance/ssoins-1111111111111111"
	set := "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-" + adminSfx
	var bob string
	e.srv.withWorld(func(w *World, _ time.Time) { bob = w.userByName("bob").ID })
	policy := func(resources string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sso:CreateAccountAssignment","sso:DeleteAccountAssignment"],"Resource":[` + resources + `]}]}`
	}
	in := &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(inst), PermissionSetArn: aws.String(set), PrincipalType: ssotypes.PrincipalTypeUser,
		PrincipalId: aws.String(bob), TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(devAcct)}
	for _, tc := range []struct{ name, resources, refused string }{
		{"no account", `"` + inst + `","` + set + `"`, "arn:aws:sso:::account/" + devAcct},
		{"another account", `"` + inst + `","` + set + `","arn:aws:sso:::account/333333333333"`, "arn:aws:sso:::account/" + devAcct},
		{"no instance", `"` + set + `","arn:aws:sso:::account/` + devAcct + `"`, inst},
		{"no permission set", `"` + inst + `","arn:aws:sso:::account/` + devAcct + `"`, set},
	} {
		t.Run(tc.name, func(t *testing.T) {
			admin := ssoadmin.NewFromConfig(roleWithPolicy(t, e.cfg, "assign-"+tc.name[:2]+tc.name[len(tc.name)-2:], policy(tc.resources)))
			_, err := admin.CreateAccountAssignment(ctx, in)
			wantCode(t, err, "AccessDeniedException")
			if !strings.Contains(err.Error(), "sso:CreateAccountAssignment on resource: "+tc.refused+" because no identity-based policy allows") {
				t.Fatalf("refusal names the wrong resource: %v", err)
			}
		})
	}
	admin := ssoadmin.NewFromConfig(roleWithPolicy(t, e.cfg, "assign-all", policy(`"`+inst+`","`+set+`","arn:aws:sso:::account/`+devAcct+`"`)))
	if _, err := admin.CreateAccountAssignment(ctx, in); err != nil {
		t.Fatalf("all three allowed: %v", err)
	}
}
