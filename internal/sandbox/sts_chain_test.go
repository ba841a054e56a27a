package sandbox

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestAssumeRoleChainPrincipalArn: a role session assuming another role is
// matched in the trust by its role's ARN (path included), not by its
// session's, so a trust can name the roles allowed to chain into it (as
// keyless env --scope needs for a permission set's role).
func TestAssumeRoleChainPrincipalArn(t *testing.T) {
	_, u := startSandbox(t, Options{AssignmentDelay: -1})
	cfg := sdkConfig(t, u)
	ctx := context.Background()
	admin := iam.NewFromConfig(cfg)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	root := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	must(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("first"), Path: aws.String("/team/"), AssumeRolePolicyDocument: aws.String(root)}))
	must(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("first"), PolicyName: aws.String("chain"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	trust := func(arn string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole",` +
			`"Condition":{"ArnLike":{"aws:PrincipalArn":"` + arn + `"}}}]}`)
	}
	must(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("by-role"), AssumeRolePolicyDocument: trust("arn:aws:iam::111111111111:role/team/fir*")}))
	must(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("by-session"), AssumeRolePolicyDocument: trust("arn:aws:sts::111111111111:assumed-role/first/*")}))

	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/team/first"), RoleSessionName: aws.String("job")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	chained := sts.NewFromConfig(as(cfg, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	if _, err := chained.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/by-role"), RoleSessionName: aws.String("job")}); err != nil {
		t.Fatalf("a trust naming the role's ARN: %v", err)
	}
	_, err = chained.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/by-session"), RoleSessionName: aws.String("job")})
	wantCode(t, err, "AccessDenied")
}
