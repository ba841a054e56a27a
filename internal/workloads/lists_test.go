package workloads

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAM lists 100 items a page: --prune deletes a workload role whose inline
// policies take two pages (IAM refuses DeleteRole while one is left), and a
// like_user role's plan finds a stale one on the second page.
func TestListsReadEveryPage(t *testing.T) {
	ctx := context.Background()
	srv, c := sandboxIAMServer(t)
	const name, n = "keyless-old", 105
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), Description: aws.String("workload old " + Marker),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		Tags:                     []iamtypes.Tag{{Key: aws.String(OwnerTagKey), Value: aws.String(OwnerTagValue)}, {Key: aws.String(WorkloadTagKey), Value: aws.String("old")}}})
	must(err)
	for i := range n {
		_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(fmt.Sprintf("%sp%03d", InlinePrefix, i)),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}`)})
		must(err)
	}

	// like_user: the user has none of them any more, so all are stale,
	// the second page's too.
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("deployer")})
	must(err)
	r := Role{Workload: "old", Name: name, LikeUser: "deployer", Trust: &Trust{Document: "{}"}}
	ch, err := planRole(ctx, c, "111111111111", &r)
	must(err)
	if ch == nil {
		t.Fatal("like_user plan: no change")
	}
	if len(ch.drop) != n {
		t.Fatalf("like_user plan drops %d inline policies, want all %d", len(ch.drop), n)
	}

	srv.ResetCalls()
	changes, err := PlanPrune(ctx, c, "111111111111", nil)
	must(err)
	if len(changes) != 1 || changes[0].Name != name {
		t.Fatalf("prune plans %+v, want the deletion of %s", changes, name)
	}
	must(Apply(ctx, c, "aws", changes, nil))
	if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}); !notFound(err) {
		t.Fatalf("after prune, GetRole(%s): %v, want NoSuchEntity", name, err)
	}
	if got := srv.Calls()["iam:ListRolePolicies"]; got != 2 {
		t.Fatalf("ListRolePolicies called %d times, want 2 (two pages)", got)
	}
}
