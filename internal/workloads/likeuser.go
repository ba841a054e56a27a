package workloads

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyless-dev/keyless/internal/policy"
)

// UserIAM is the IAM calls like_user makes to read a user's policies.
type UserIAM interface {
	GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error)
	ListAttachedUserPolicies(context.Context, *iam.ListAttachedUserPoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedUserPoliciesOutput, error)
	ListUserPolicies(context.Context, *iam.ListUserPoliciesInput, ...func(*iam.Options)) (*iam.ListUserPoliciesOutput, error)
	GetUserPolicy(context.Context, *iam.GetUserPolicyInput, ...func(*iam.Options)) (*iam.GetUserPolicyOutput, error)
	ListGroupsForUser(context.Context, *iam.ListGroupsForUserInput, ...func(*iam.Options)) (*iam.ListGroupsForUserOutput, error)
	ListAttachedGroupPolicies(context.Context, *iam.ListAttachedGroupPoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedGroupPoliciesOutput, error)
	ListGroupPolicies(context.Context, *iam.ListGroupPoliciesInput, ...func(*iam.Options)) (*iam.ListGroupPoliciesOutput, error)
	GetGroupPolicy(context.Context, *iam.GetGroupPolicyInput, ...func(*iam.Options)) (*iam.GetGroupPolicyOutput, error)
}

// InlinePrefix starts the names of the inline policies a role takes from
// its like_user user, so they never clash with the file's own (named
// InlinePolicyName).
const InlinePrefix = "keyless-"

// MaxManagedPerRole is IAM's default quota of managed policies attached
// to one role.
const MaxManagedPerRole = 10

// NamedPolicy is an inline policy of a role and where it came from.
type NamedPolicy struct {
	Name, Document string
	From           string // e.g. "user deploy-bot's inline policy s3"
}

// LikeUserError is a like_user workload that cannot be planned in an account.
type LikeUserError struct{ Msg, Hnt string }

func (e *LikeUserError) Error() string { return e.Msg }

// Hint says what to do.
func (e *LikeUserError) Hint() string { return e.Hnt }

// resolveLikeUser reads r.LikeUser's policies in account, direct and through
// its groups, and adds them to r: managed ones to attach, inline ones as
// role inline policies, and the user's permissions boundary when the file
// gives none.
func resolveLikeUser(ctx context.Context, c UserIAM, account string, r *Role) error {
	user := r.LikeUser
	fail := func(what string, err error) error {
		return fmt.Errorf("account %s: workload %s: like_user %s: %s: %w", account, r.Workload, user, what, err)
	}
	u, err := c.GetUser(ctx, &iam.GetUserInput{UserName: &user})
	if notFound(err) {
		return &LikeUserError{Msg: fmt.Sprintf("account %s: workload %s: like_user %s: no IAM user of that name", account, r.Workload, user),
			Hnt: "create the user in that account, or narrow the workload's accounts to those that have it"}
	}
	if err != nil {
		return fail("read the user", err)
	}
	if r.Sources == nil {
		r.Sources = map[string]string{}
	}
	attach := func(arn, from string) {
		if !slices.Contains(r.ManagedPolicies, arn) {
			r.ManagedPolicies = append(r.ManagedPolicies, arn)
			r.Sources[arn] = from
		}
	}
	if b := u.User.PermissionsBoundary; b != nil && r.Boundary == "" {
		r.Boundary = aws.ToString(b.PermissionsBoundaryArn)
		r.Sources[r.Boundary] = "user " + user + "'s permissions boundary"
	}
	attached, err := userAttached(ctx, c, user)
	if err != nil {
		return fail("list attached policies", err)
	}
	for _, p := range attached {
		attach(aws.ToString(p.PolicyArn), "user "+user)
	}
	names, err := userInline(ctx, c, user)
	if err != nil {
		return fail("list inline policies", err)
	}
	for _, n := range names {
		p, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: &user, PolicyName: aws.String(n)})
		if err != nil {
			return fail("read inline policy "+n, err)
		}
		r.Inline = append(r.Inline, NamedPolicy{Name: inlineName("user-" + n), Document: policy.Decode(aws.ToString(p.PolicyDocument)),
			From: "user " + user + "'s inline policy " + n})
	}
	groups, err := userGroups(ctx, c, user)
	if err != nil {
		return fail("list groups", err)
	}
	for _, g := range groups {
		group := aws.ToString(g.GroupName)
		attached, err := groupAttached(ctx, c, group)
		if err != nil {
			return fail("list group "+group+"'s attached policies", err)
		}
		for _, p := range attached {
			attach(aws.ToString(p.PolicyArn), "group "+group+" of user "+user)
		}
		names, err := groupInline(ctx, c, group)
		if err != nil {
			return fail("list group "+group+"'s inline policies", err)
		}
		for _, n := range names {
			p, err := c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: &group, PolicyName: aws.String(n)})
			if err != nil {
				return fail("read group "+group+"'s inline policy "+n, err)
			}
			r.Inline = append(r.Inline, NamedPolicy{Name: inlineName("group-" + group + "-" + n), Document: policy.Decode(aws.ToString(p.PolicyDocument)),
				From: "group " + group + "'s inline policy " + n + " (user " + user + ")"})
		}
	}
	return checkQuotas(account, r)
}

// checkQuotas refuses a role over IAM's quotas: the managed policies
// attached to one role, and the size of all its inline policies together.
func checkQuotas(account string, r *Role) error {
	if n := len(r.ManagedPolicies); n > MaxManagedPerRole {
		return &LikeUserError{Msg: fmt.Sprintf("account %s: workload %s: the role would have %d managed policies, more than IAM's %d per role",
			account, r.Workload, n, MaxManagedPerRole),
			Hnt: "merge some of user " + r.LikeUser + "'s policies, or ask AWS to raise the quota \"Managed policies per role\""}
	}
	size := policy.Size(r.InlinePolicy)
	for _, p := range r.Inline {
		size += policy.Size(p.Document)
	}
	if size > policy.RoleInlineSize {
		return &LikeUserError{Msg: fmt.Sprintf("account %s: workload %s: the role's inline policies would be %d characters, more than IAM's %d for a role",
			account, r.Workload, size, policy.RoleInlineSize),
			Hnt: "move user " + r.LikeUser + "'s inline policies into managed policies, or list the workload's policies without like_user"}
	}
	return nil
}

// inlineName is an inline policy name under InlinePrefix, within IAM's 128
// characters.
func inlineName(s string) string {
	n := InlinePrefix + s
	if len(n) > 128 {
		n = n[:128]
	}
	return n
}

// from is the plan's note of where a policy came from, if not the file.
func (r *Role) from(key string) string {
	if s := r.Sources[key]; s != "" {
		return " (from " + s + ")"
	}
	return ""
}

// stale reports an inline policy name keyless took from a like_user user
// that the role no longer wants.
func (r *Role) stale(name string) bool {
	return strings.HasPrefix(name, InlinePrefix) && !slices.ContainsFunc(r.Inline, func(p NamedPolicy) bool { return p.Name == name })
}
