package workloads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/keyless-dev/keyless/internal/policy"
)

// IAM is the IAM calls plan and apply make in one account.
type IAM interface {
	GetOpenIDConnectProvider(context.Context, *iam.GetOpenIDConnectProviderInput, ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error)
	CreateOpenIDConnectProvider(context.Context, *iam.CreateOpenIDConnectProviderInput, ...func(*iam.Options)) (*iam.CreateOpenIDConnectProviderOutput, error)
	AddClientIDToOpenIDConnectProvider(context.Context, *iam.AddClientIDToOpenIDConnectProviderInput, ...func(*iam.Options)) (*iam.AddClientIDToOpenIDConnectProviderOutput, error)
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	CreateRole(context.Context, *iam.CreateRoleInput, ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	UpdateAssumeRolePolicy(context.Context, *iam.UpdateAssumeRolePolicyInput, ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error)
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	UpdateRole(context.Context, *iam.UpdateRoleInput, ...func(*iam.Options)) (*iam.UpdateRoleOutput, error)
	PutRolePermissionsBoundary(context.Context, *iam.PutRolePermissionsBoundaryInput, ...func(*iam.Options)) (*iam.PutRolePermissionsBoundaryOutput, error)
	// For --prune.
	ListRoles(context.Context, *iam.ListRolesInput, ...func(*iam.Options)) (*iam.ListRolesOutput, error)
	ListRolePolicies(context.Context, *iam.ListRolePoliciesInput, ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	DetachRolePolicy(context.Context, *iam.DetachRolePolicyInput, ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
	DeleteRolePolicy(context.Context, *iam.DeleteRolePolicyInput, ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
	DeleteRole(context.Context, *iam.DeleteRoleInput, ...func(*iam.Options)) (*iam.DeleteRoleOutput, error)
	ListOpenIDConnectProviders(context.Context, *iam.ListOpenIDConnectProvidersInput, ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error)
	ListOpenIDConnectProviderTags(context.Context, *iam.ListOpenIDConnectProviderTagsInput, ...func(*iam.Options)) (*iam.ListOpenIDConnectProviderTagsOutput, error)
	DeleteOpenIDConnectProvider(context.Context, *iam.DeleteOpenIDConnectProviderInput, ...func(*iam.Options)) (*iam.DeleteOpenIDConnectProviderOutput, error)
	UserIAM
}

// Ownership marks, as for the rest of what keyless makes (docs/ownership.md).
const (
	OwnerTagKey   = "managed-by"
	OwnerTagValue = "keyless"
	// WorkloadTagKey names the workload a role is for.
	WorkloadTagKey = "keyless-workload"
	// Marker ends the description of the roles keyless makes, so --prune
	// finds them in ListRoles (which returns no tags) before checking the tag.
	Marker = "[keyless]"
	// InlinePolicyName is the name of the role's inline policy.
	InlinePolicyName = "keyless"
)

// The kinds of change, as the plan shows them.
const (
	KindProvider = "oidc_provider"
	KindRole     = "workload_role"
)

// Role is one workload's role as the file wants it in one account.
type Role struct {
	Workload        string
	Name, Path      string
	Trust           *Trust
	ManagedPolicies []string // ARNs, customer-managed ones included
	InlinePolicy    string
	Boundary        string // ARN or ""
	MaxSession      time.Duration
	// LikeUser names an IAM user whose policies PlanAccount reads into
	// ManagedPolicies, Inline and Boundary.
	LikeUser string
	Inline   []NamedPolicy     // inline policies besides InlinePolicy
	Sources  map[string]string // where a policy ARN came from, if not the file
}

// Change is one thing apply does in one account.
type Change struct {
	Kind    string   `json:"kind"`
	Op      string   `json:"op"` // create, update or delete
	Account string   `json:"account"`
	Name    string   `json:"name"` // the provider's URL or the role's name
	Details []string `json:"details,omitempty"`

	issuer     string
	arn        string // of a provider to delete
	addClients []string
	role       *Role
	trust      bool     // update the trust policy
	attach     []string // policies to attach
	detach     []string // policies a like_user user no longer has
	inline     bool     // put the inline policy
	session    bool     // update the max session duration
	boundary   bool     // put the permissions boundary
	inlines    []NamedPolicy
	drop       []string // inline policies taken from a like_user user it no longer has
}

// PlanAccount reads an account's IAM and returns the changes that make it
// hold roles: one OIDC provider per issuer (created, or its client ids
// extended, never replaced) and each role. A role or provider of the same
// name that keyless did not make is an error: keyless never takes it over.
func PlanAccount(ctx context.Context, c IAM, partition, account string, roles []Role) ([]Change, error) {
	var out []Change
	audiences := map[string][]string{}
	var issuers []string
	for _, r := range roles {
		if _, ok := audiences[r.Trust.Issuer]; !ok {
			issuers = append(issuers, r.Trust.Issuer)
		}
		for _, a := range r.Trust.Audiences {
			if !slices.Contains(audiences[r.Trust.Issuer], a) {
				audiences[r.Trust.Issuer] = append(audiences[r.Trust.Issuer], a)
			}
		}
	}
	for _, issuer := range issuers {
		arn := ProviderARN(partition, account, issuer)
		got, err := c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn})
		switch {
		case notFound(err):
			out = append(out, Change{Kind: KindProvider, Op: "create", Account: account, Name: issuer, issuer: issuer, addClients: audiences[issuer],
				Details: []string{"client ids: " + strings.Join(audiences[issuer], ", ")}})
		case err != nil:
			return nil, fmt.Errorf("account %s: read the OIDC provider %s: %w", account, issuer, err)
		default:
			var missing []string
			for _, a := range audiences[issuer] {
				if !slices.Contains(got.ClientIDList, a) {
					missing = append(missing, a)
				}
			}
			if len(missing) > 0 {
				out = append(out, Change{Kind: KindProvider, Op: "update", Account: account, Name: issuer, issuer: issuer, addClients: missing,
					Details: []string{"add client ids: " + strings.Join(missing, ", ") + " (kept: " + strings.Join(got.ClientIDList, ", ") + ")"}})
			}
		}
	}
	for i := range roles {
		if roles[i].LikeUser != "" {
			if err := resolveLikeUser(ctx, c, account, &roles[i]); err != nil {
				return nil, err
			}
		}
		ch, err := planRole(ctx, c, account, &roles[i])
		if err != nil {
			return nil, err
		}
		if ch != nil {
			out = append(out, *ch)
		}
	}
	return out, nil
}

// PlanPrune returns the deletions --prune makes in account: roles keyless
// made for workloads (tagged managed-by=keyless and keyless-workload) that
// roles no longer has, then OIDC providers keyless created (tagged) that no
// role of roles, nor any other role that stays, trusts. Nothing without
// keyless's tag is ever deleted.
func PlanPrune(ctx context.Context, c IAM, account string, roles []Role) ([]Change, error) {
	var out []Change
	var kept []string // the trust policies of the roles that stay
	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("account %s: list roles: %w", account, err)
		}
		for _, r := range page.Roles {
			name := aws.ToString(r.RoleName)
			if !strings.HasSuffix(aws.ToString(r.Description), Marker) || slices.ContainsFunc(roles, func(x Role) bool { return x.Name == name }) {
				kept = append(kept, policy.Decode(aws.ToString(r.AssumeRolePolicyDocument)))
				continue
			}
			got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
			if err != nil {
				return nil, fmt.Errorf("account %s: read role %s: %w", account, name, err)
			}
			if owned(got.Role.Tags) && slices.ContainsFunc(got.Role.Tags, func(t iamtypes.Tag) bool { return aws.ToString(t.Key) == WorkloadTagKey }) {
				out = append(out, Change{Kind: KindRole, Op: "delete", Account: account, Name: name, role: &Role{Name: name}})
			} else {
				kept = append(kept, policy.Decode(aws.ToString(r.AssumeRolePolicyDocument)))
			}
		}
	}
	providers, err := c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return nil, fmt.Errorf("account %s: list OIDC providers: %w", account, err)
	}
	for _, pr := range providers.OpenIDConnectProviderList {
		arn := aws.ToString(pr.Arn)
		_, hostPath, _ := strings.Cut(arn, ":oidc-provider/")
		if slices.ContainsFunc(roles, func(r Role) bool { return r.Trust.Issuer == "https://"+hostPath }) ||
			slices.ContainsFunc(kept, func(doc string) bool { return strings.Contains(doc, ":oidc-provider/"+hostPath+`"`) }) {
			continue // a role that stays trusts it: deleting it would lock that role out
		}
		tags, err := providerTags(ctx, c, arn)
		if err != nil {
			return nil, fmt.Errorf("account %s: read the tags of %s: %w", account, arn, err)
		}
		if owned(tags) {
			out = append(out, Change{Kind: KindProvider, Op: "delete", Account: account, Name: "https://" + hostPath, arn: arn})
		}
	}
	return out, nil
}

func planRole(ctx context.Context, c IAM, account string, r *Role) (*Change, error) {
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: &r.Name})
	if notFound(err) {
		details := []string{"trust: " + r.Trust.Forms}
		details = append(details, indentJSON(r.Trust.Document)...)
		if r.Boundary != "" {
			details = append(details, "permissions boundary "+r.Boundary+r.from(r.Boundary))
		}
		for _, p := range r.ManagedPolicies {
			details = append(details, "attach "+p+r.from(p))
		}
		if r.InlinePolicy != "" {
			details = append(details, "inline policy "+InlinePolicyName)
		}
		for _, p := range r.Inline {
			details = append(details, "inline policy "+p.Name+" (from "+p.From+")")
		}
		return &Change{Kind: KindRole, Op: "create", Account: account, Name: r.Name, role: r, attach: r.ManagedPolicies, inline: r.InlinePolicy != "",
			inlines: r.Inline, Details: details}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("account %s: read role %s: %w", account, r.Name, err)
	}
	if !owned(got.Role.Tags) {
		return nil, &NotOwnedError{Account: account, Role: r.Name}
	}
	ch := &Change{Kind: KindRole, Op: "update", Account: account, Name: r.Name, role: r}
	current := policy.Decode(aws.ToString(got.Role.AssumeRolePolicyDocument))
	if canonical(current) != canonical(r.Trust.Document) {
		ch.trust = true
		ch.Details = append(ch.Details, "trust policy, "+r.Trust.Forms+":")
		ch.Details = append(ch.Details, lineDiff(indentJSON(current), indentJSON(r.Trust.Document))...)
	}
	if want := maxSession(r.MaxSession); aws.ToInt32(got.Role.MaxSessionDuration) != want {
		ch.session = true
		ch.Details = append(ch.Details, fmt.Sprintf("max session duration: %ds → %ds", aws.ToInt32(got.Role.MaxSessionDuration), want))
	}
	var boundary string
	if got.Role.PermissionsBoundary != nil {
		boundary = aws.ToString(got.Role.PermissionsBoundary.PermissionsBoundaryArn)
	}
	if r.Boundary != "" && boundary != r.Boundary {
		ch.boundary = true
		ch.Details = append(ch.Details, fmt.Sprintf("permissions boundary: %q → %q", boundary, r.Boundary)+r.from(r.Boundary))
	}
	attached, err := attachedPolicies(ctx, c, r.Name)
	if err != nil {
		return nil, fmt.Errorf("account %s: read role %s's policies: %w", account, r.Name, err)
	}
	for _, p := range r.ManagedPolicies {
		if !slices.Contains(attached, p) {
			ch.attach = append(ch.attach, p)
			ch.Details = append(ch.Details, "attach "+p+r.from(p))
		}
	}
	if r.LikeUser != "" {
		// A like_user role has the file's policies and the user's, no
		// others: one the user lost goes.
		for _, p := range attached {
			if !slices.Contains(r.ManagedPolicies, p) {
				ch.detach = append(ch.detach, p)
				ch.Details = append(ch.Details, "detach "+p+" (neither the file nor user "+r.LikeUser+" has it)")
			}
		}
	}
	if r.InlinePolicy != "" {
		inline, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &r.Name, PolicyName: aws.String(InlinePolicyName)})
		var doc string
		if err == nil {
			doc = policy.Decode(aws.ToString(inline.PolicyDocument))
		} else if !notFound(err) {
			return nil, fmt.Errorf("account %s: read role %s's inline policy: %w", account, r.Name, err)
		}
		if canonical(doc) != canonical(r.InlinePolicy) {
			ch.inline = true
			ch.Details = append(ch.Details, "inline policy "+InlinePolicyName+" replaced")
		}
	}
	for _, p := range r.Inline {
		got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &r.Name, PolicyName: aws.String(p.Name)})
		switch {
		case notFound(err):
			ch.inlines = append(ch.inlines, p)
			ch.Details = append(ch.Details, "inline policy "+p.Name+" added (from "+p.From+")")
		case err != nil:
			return nil, fmt.Errorf("account %s: read role %s's inline policy %s: %w", account, r.Name, p.Name, err)
		case canonical(policy.Decode(aws.ToString(got.PolicyDocument))) != canonical(p.Document):
			ch.inlines = append(ch.inlines, p)
			ch.Details = append(ch.Details, "inline policy "+p.Name+" replaced (from "+p.From+")")
		}
	}
	if r.LikeUser != "" {
		names, err := inlinePolicies(ctx, c, r.Name)
		if err != nil {
			return nil, fmt.Errorf("account %s: list role %s's inline policies: %w", account, r.Name, err)
		}
		for _, n := range names {
			if r.stale(n) {
				ch.drop = append(ch.drop, n)
				ch.Details = append(ch.Details, "inline policy "+n+" deleted (user "+r.LikeUser+" no longer has it)")
			}
		}
	}
	if len(ch.Details) == 0 {
		return nil, nil
	}
	return ch, nil
}

// maxSession is the role's MaxSessionDuration in seconds: IAM's default of
// an hour when the file gives none.
func maxSession(d time.Duration) int32 {
	if d <= 0 {
		return 3600
	}
	return int32(d / time.Second)
}

// NotOwnedError is a role of the file's name that keyless did not make.
type NotOwnedError struct{ Account, Role string }

func (e *NotOwnedError) Error() string {
	return fmt.Sprintf("account %s: role %s exists and keyless did not make it (no %s=%s tag)", e.Account, e.Role, OwnerTagKey, OwnerTagValue)
}

// Hint says what to do.
func (e *NotOwnedError) Hint() string {
	return "give the workload another role_name, or tag the role " + OwnerTagKey + "=" + OwnerTagValue + " to let keyless manage it"
}

func owned(tags []iamtypes.Tag) bool {
	return slices.ContainsFunc(tags, func(t iamtypes.Tag) bool {
		return aws.ToString(t.Key) == OwnerTagKey && aws.ToString(t.Value) == OwnerTagValue
	})
}

func notFound(err error) bool {
	var nse *iamtypes.NoSuchEntityException
	return errors.As(err, &nse)
}

// canonical is a policy's JSON with keys sorted and no white space, for
// comparing; text that is not JSON stays as it is.
func canonical(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return doc
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func indentJSON(doc string) []string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return []string{doc}
	}
	b, _ := json.MarshalIndent(v, "  ", "  ")
	return strings.Split("  "+string(b), "\n")
}

// lineDiff marks the lines only in old with - and only in new with +,
// keeping the common ones, by longest common subsequence.
func lineDiff(old, new []string) []string {
	n, m := len(old), len(new)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if old[i] == new[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && old[i] == new[j]:
			out = append(out, "  "+old[i])
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, "- "+old[i])
			i++
		default:
			out = append(out, "+ "+new[j])
			j++
		}
	}
	return out
}

// Apply makes the changes, providers first. IAM is eventually consistent:
// a role trusting a provider made a moment ago, or a policy attached to a
// role made a moment ago, can be refused for a while; those are retried
// with sleep until they work or wait runs out.
func Apply(ctx context.Context, c IAM, partition string, changes []Change, sleep func(context.Context, time.Duration) error) error {
	tags := func(workload string) []iamtypes.Tag {
		return []iamtypes.Tag{{Key: aws.String(OwnerTagKey), Value: aws.String(OwnerTagValue)},
			{Key: aws.String(WorkloadTagKey), Value: aws.String(workload)}}
	}
	retry := func(what string, call func() error) error {
		delay := 250 * time.Millisecond
		for attempt := 1; ; attempt++ {
			err := call()
			if err == nil || attempt == 8 || !eventual(err) {
				if err != nil {
					return fmt.Errorf("%s: %w", what, err)
				}
				return nil
			}
			if err := sleep(ctx, delay); err != nil {
				return err
			}
			delay = min(2*delay, 5*time.Second)
		}
	}
	for _, ch := range changes {
		if ch.Kind != KindProvider || ch.Op == "delete" {
			continue
		}
		arn := ProviderARN(partition, ch.Account, ch.issuer)
		var err error
		if ch.Op == "create" {
			// No ThumbprintList: it is optional (IAM fetches the issuer's CA
			// thumbprint itself), and for well-known issuers AWS validates
			// the TLS chain rather than the thumbprint.
			_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(ch.issuer), ClientIDList: ch.addClients,
				Tags: []iamtypes.Tag{{Key: aws.String(OwnerTagKey), Value: aws.String(OwnerTagValue)}}})
		} else {
			for _, id := range ch.addClients {
				if _, err = c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn, ClientID: aws.String(id)}); err != nil {
					break
				}
			}
		}
		if err != nil {
			return fmt.Errorf("account %s: OIDC provider %s: %w", ch.Account, ch.issuer, err)
		}
	}
	for _, ch := range changes {
		if ch.Kind != KindRole || ch.Op == "delete" {
			continue
		}
		r := ch.role
		where := fmt.Sprintf("account %s: role %s", ch.Account, r.Name)
		switch {
		case ch.Op == "create":
			in := &iam.CreateRoleInput{RoleName: &r.Name, AssumeRolePolicyDocument: aws.String(r.Trust.Document), Tags: tags(r.Workload),
				Description: aws.String("workload " + r.Workload + " " + Marker)}
			if r.Path != "" {
				in.Path = aws.String(r.Path)
			}
			if r.Boundary != "" {
				in.PermissionsBoundary = aws.String(r.Boundary)
			}
			if r.MaxSession > 0 {
				in.MaxSessionDuration = aws.Int32(maxSession(r.MaxSession))
			}
			if err := retry(where+": create", func() error { _, err := c.CreateRole(ctx, in); return err }); err != nil {
				return err
			}
		case ch.trust:
			if err := retry(where+": update the trust policy", func() error {
				_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: &r.Name, PolicyDocument: aws.String(r.Trust.Document)})
				return err
			}); err != nil {
				return err
			}
		}
		if ch.session {
			if err := retry(where+": update the max session duration", func() error {
				_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: &r.Name, MaxSessionDuration: aws.Int32(maxSession(r.MaxSession))})
				return err
			}); err != nil {
				return err
			}
		}
		if ch.boundary {
			if err := retry(where+": put the permissions boundary", func() error {
				_, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: &r.Name, PermissionsBoundary: aws.String(r.Boundary)})
				return err
			}); err != nil {
				return err
			}
		}
		for _, p := range ch.attach {
			if err := retry(where+": attach "+p, func() error {
				_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &r.Name, PolicyArn: aws.String(p)})
				return err
			}); err != nil {
				return err
			}
		}
		for _, p := range ch.detach {
			if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &r.Name, PolicyArn: aws.String(p)}); err != nil {
				return fmt.Errorf("%s: detach %s: %w", where, p, err)
			}
		}
		if ch.inline {
			if err := retry(where+": put the inline policy", func() error {
				_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &r.Name, PolicyName: aws.String(InlinePolicyName), PolicyDocument: aws.String(r.InlinePolicy)})
				return err
			}); err != nil {
				return err
			}
		}
		for _, p := range ch.inlines {
			if err := retry(where+": put the inline policy "+p.Name, func() error {
				_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &r.Name, PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Document)})
				return err
			}); err != nil {
				return err
			}
		}
		for _, n := range ch.drop {
			if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &r.Name, PolicyName: aws.String(n)}); err != nil {
				return fmt.Errorf("%s: delete the inline policy %s: %w", where, n, err)
			}
		}
	}
	return deleteOwned(ctx, c, changes)
}

// deleteOwned makes the deletions PlanPrune planned: roles (their policies
// first, as IAM requires), then providers.
func deleteOwned(ctx context.Context, c IAM, changes []Change) error {
	for _, ch := range changes {
		if ch.Op != "delete" || ch.Kind != KindRole {
			continue
		}
		name := &ch.Name
		where := fmt.Sprintf("account %s: delete role %s", ch.Account, ch.Name)
		attached, err := attachedPolicies(ctx, c, ch.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		for _, p := range attached {
			if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: aws.String(p)}); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		inline, err := inlinePolicies(ctx, c, ch.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		for _, p := range inline {
			if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String(p)}); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name}); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	for _, ch := range changes {
		if ch.Op != "delete" || ch.Kind != KindProvider {
			continue
		}
		if _, err := c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(ch.arn)}); err != nil {
			return fmt.Errorf("account %s: delete the OIDC provider %s: %w", ch.Account, ch.Name, err)
		}
	}
	return nil
}

// eventual reports an error IAM gives while a new provider or role is not
// yet visible everywhere: the trust names a provider IAM does not see yet
// ("Invalid principal in policy"), or the role is not found just after
// being made.
func eventual(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "NoSuchEntity":
		return true
	case "MalformedPolicyDocument":
		return strings.Contains(api.ErrorMessage(), "Invalid principal")
	}
	return false
}
