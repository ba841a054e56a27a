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
	return every(ctx, iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: &role}),
		func(o *iam.ListAttachedRolePoliciesOutput) []string {
			arns := make([]string, 0, len(o.AttachedPolicies))
			for _, a := range o.AttachedPolicies {
				arns = append(arns, aws.ToString(a.PolicyArn))
			}
			return arns
		})
}

// inlinePolicies lists the names of role's inline policies, every page.
func inlinePolicies(ctx context.Context, c RolePolicyIAM, role string) ([]string, error) {
	return every(ctx, iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: &role}),
		func(o *iam.ListRolePoliciesOutput) []string { return o.PolicyNames })
}
