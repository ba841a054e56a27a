package workloads

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// RolePolicyIAM is the IAM calls that list a role's policies.
type RolePolicyIAM interface {
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	ListRolePolicies(context.Context, *iam.ListRolePoliciesInput, ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
}

// attachedPolicies lists the ARNs of the managed policies attached to
// role, every page.
func attachedPolicies(ctx context.Context, c RolePolicyIAM, role string) ([]string, error) {
	var out []string
	p := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: &role})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.AttachedPolicies {
			out = append(out, aws.ToString(a.PolicyArn))
		}
	}
	return out, nil
}

// inlinePolicies lists the names of role's inline policies, every page.
func inlinePolicies(ctx context.Context, c RolePolicyIAM, role string) ([]string, error) {
	var out []string
	p := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: &role})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.PolicyNames...)
	}
	return out, nil
}
