package workloads

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAM's lists come in pages (MaxItems, 100 by default, and Marker): these
// read every page, through the SDK's paginators.

type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*iam.Options)) (O, error)
}

// every collects items from each page p gives.
func every[O, T any](ctx context.Context, p pager[O], items func(O) []T) ([]T, error) {
	var out []T
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, items(page)...)
	}
	return out, nil
}

func userAttached(ctx context.Context, c iam.ListAttachedUserPoliciesAPIClient, user string) ([]iamtypes.AttachedPolicy, error) {
	return every(ctx, iam.NewListAttachedUserPoliciesPaginator(c, &iam.ListAttachedUserPoliciesInput{UserName: &user}),
		func(o *iam.ListAttachedUserPoliciesOutput) []iamtypes.AttachedPolicy { return o.AttachedPolicies })
}

func userInline(ctx context.Context, c iam.ListUserPoliciesAPIClient, user string) ([]string, error) {
	return every(ctx, iam.NewListUserPoliciesPaginator(c, &iam.ListUserPoliciesInput{UserName: &user}),
		func(o *iam.ListUserPoliciesOutput) []string { return o.PolicyNames })
}

func userGroups(ctx context.Context, c iam.ListGroupsForUserAPIClient, user string) ([]iamtypes.Group, error) {
	return every(ctx, iam.NewListGroupsForUserPaginator(c, &iam.ListGroupsForUserInput{UserName: &user}),
		func(o *iam.ListGroupsForUserOutput) []iamtypes.Group { return o.Groups })
}

func groupAttached(ctx context.Context, c iam.ListAttachedGroupPoliciesAPIClient, group string) ([]iamtypes.AttachedPolicy, error) {
	return every(ctx, iam.NewListAttachedGroupPoliciesPaginator(c, &iam.ListAttachedGroupPoliciesInput{GroupName: &group}),
		func(o *iam.ListAttachedGroupPoliciesOutput) []iamtypes.AttachedPolicy { return o.AttachedPolicies })
}

func groupInline(ctx context.Context, c iam.ListGroupPoliciesAPIClient, group string) ([]string, error) {
	return every(ctx, iam.NewListGroupPoliciesPaginator(c, &iam.ListGroupPoliciesInput{GroupName: &group}),
		func(o *iam.ListGroupPoliciesOutput) []string { return o.PolicyNames })
}

func providerTags(ctx context.Context, c iam.ListOpenIDConnectProviderTagsAPIClient, arn string) ([]iamtypes.Tag, error) {
	return every(ctx, iam.NewListOpenIDConnectProviderTagsPaginator(c, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: &arn}),
		func(o *iam.ListOpenIDConnectProviderTagsOutput) []iamtypes.Tag { return o.Tags })
}
