package elevation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
)

func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestEndGrant: an administrator ends an offboarded person's grant over the
// sandbox: the assignment, both schedules and the grant items go; another
// user's grant stays. Before the table exists there are no grants.
func TestEndGrant(t *testing.T) {
	ctx := context.Background()
	_, base := sandboxtest.Start(t, sandbox.Options{AssignmentDelay: -1})
	cfg := must(awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"), awsconfig.WithBaseEndpoint(base),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""))))(t)
	c := OffboardClients{DynamoDB: dynamodb.NewFromConfig(cfg), Scheduler: scheduler.NewFromConfig(cfg), SSOAdmin: ssoadmin.NewFromConfig(cfg)}
	inst := must(c.SSOAdmin.ListInstances(ctx, nil))(t).Instances[0]
	instARN, store := aws.ToString(inst.InstanceArn), inst.IdentityStoreId
	ids := identitystore.NewFromConfig(cfg)
	user := func(name string) string {
		return aws.ToString(must(ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: store, UserName: aws.String(name), DisplayName: aws.String(name),
			Name: &istypes.Name{GivenName: aws.String(name), FamilyName: aws.String("X")}}))(t).UserId)
	}
	jane, bob := user("jane"), user("bob")
	ps := aws.ToString(must(c.SSOAdmin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(instARN), Name: aws.String("Admin")}))(t).PermissionSet.PermissionSetArn)
	const account = "222222222222"
	for _, u := range []string{jane, bob} {
		must(c.SSOAdmin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(instARN), PermissionSetArn: aws.String(ps),
			PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(u), TargetId: aws.String(account), TargetType: ssotypes.TargetTypeAwsAccount}))(t)
	}

	if _, err := Grants(ctx, c, instARN, jane); !errors.Is(err, ErrNoTable) {
		t.Fatalf("Grants without a table: err = %v, want ErrNoTable", err)
	}
	must(c.DynamoDB.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(TableName), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}, {AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange}}}))(t)
	psID := ps[len(ps)-len("ps-0123456789abcdef"):]
	put := func(user, until, req string) {
		must(c.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(TableName), Item: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: "ASG#" + psID + "#" + account + "#" + user},
			"sk": &ddbtypes.AttributeValueMemberS{Value: "UNTIL#" + until + "#REQ#" + req}}}))(t)
	}
	put(jane, "2026-12-02T12:00:00Z", "01A")
	put(jane, "2026-12-02T13:00:00Z", "01B")
	put(bob, "2026-12-02T12:00:00Z", "01C")

	role := aws.ToString(must(iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(ExpireRole),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))(t).Role.Arn)
	for _, group := range []string{ExpiryGroup, CutGroup} {
		must(c.Scheduler.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(group)}))(t)
		for _, u := range []string{jane, bob} {
			must(c.Scheduler.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String(ScheduleName(ps, account, u)), GroupName: aws.String(group),
				ScheduleExpression: aws.String("at(2026-12-02T13:00:00)"), FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
				Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(role), Input: aws.String("{}")}}))(t)
		}
	}

	grants := must(Grants(ctx, c, instARN, jane))(t)
	if len(grants) != 1 || grants[0].PermissionSetARN != ps || grants[0].AccountID != account || len(grants[0].Items) != 2 ||
		!grants[0].Until.Equal(time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)) {
		t.Fatalf("Grants = %+v", grants)
	}
	if err := EndGrant(ctx, c, instARN, grants[0], time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Ending it again (a second offboard after an interruption) is fine.
	if err := EndGrant(ctx, c, instARN, grants[0], time.Millisecond); err != nil {
		t.Fatalf("ending a grant again: %v", err)
	}

	left := must(c.SSOAdmin.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(instARN), AccountId: aws.String(account), PermissionSetArn: aws.String(ps)}))(t)
	if len(left.AccountAssignments) != 1 || aws.ToString(left.AccountAssignments[0].PrincipalId) != bob {
		t.Errorf("assignments left = %+v, want bob's only", left.AccountAssignments)
	}
	for _, group := range []string{ExpiryGroup, CutGroup} {
		_, err := c.Scheduler.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(ScheduleName(ps, account, jane)), GroupName: aws.String(group)})
		if _, gone := errors.AsType[*schedtypes.ResourceNotFoundException](err); !gone {
			t.Errorf("jane's schedule in %s: err = %v, want ResourceNotFound", group, err)
		}
		must(c.Scheduler.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(ScheduleName(ps, account, bob)), GroupName: aws.String(group)}))(t)
	}
	if g := must(Grants(ctx, c, instARN, jane))(t); len(g) != 0 {
		t.Errorf("jane's grant items left: %+v", g)
	}
	if g := must(Grants(ctx, c, instARN, bob))(t); len(g) != 1 {
		t.Errorf("bob's grants = %+v, want his one", g)
	}
}
