package workloads

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyless-dev/keyless/internal/policy"
)

// AdoptIAM is the IAM calls `keyless import workloads` makes.
type AdoptIAM interface {
	ListRoles(context.Context, *iam.ListRolesInput, ...func(*iam.Options)) (*iam.ListRolesOutput, error)
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	TagRole(context.Context, *iam.TagRoleInput, ...func(*iam.Options)) (*iam.TagRoleOutput, error)
	UpdateRoleDescription(context.Context, *iam.UpdateRoleDescriptionInput, ...func(*iam.Options)) (*iam.UpdateRoleDescriptionOutput, error)
	RolePolicyIAM
}

// Adoption is an existing role trusting an OIDC provider, read back as a
// workload entry.
type Adoption struct {
	Role, Path, Description string
	MaxSession              int32
	Account                 string
	Entry                   Entry
	Managed                 []string // AWS-managed policy ARNs
	Customer                []string // customer-managed policy ARNs
	Inline                  []string // inline policy names, which keyless leaves alone
	InlinePolicy            string   // the inline policy named InlinePolicyName, which keyless manages
	Boundary                string
}

// Skipped is a role trusting an OIDC provider that cannot be adopted, and why.
type Skipped struct{ Account, Role, Reason string }

// FindAdoptable lists account's roles whose trust names an OIDC provider and
// that keyless does not own yet, with the workload entry each trust reads as.
func FindAdoptable(ctx context.Context, c AdoptIAM, account string) ([]Adoption, []Skipped, error) {
	var out []Adoption
	var skipped []Skipped
	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("account %s: list roles: %w", account, err)
		}
		for _, r := range page.Roles {
			name := aws.ToString(r.RoleName)
			tp, err := policy.ReadTrust(aws.ToString(r.AssumeRolePolicyDocument))
			if err != nil || len(tp.WebIdentity) == 0 {
				continue // IAM holds only valid JSON: a shape with no OIDC provider
			}
			got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
			if err != nil {
				return nil, nil, fmt.Errorf("account %s: read role %s: %w", account, name, err)
			}
			if owned(got.Role.Tags) {
				continue
			}
			entry, why := RecogniseTrust(tp)
			if why != "" {
				skipped = append(skipped, Skipped{account, name, why})
				continue
			}
			a := Adoption{Role: name, Path: aws.ToString(got.Role.Path), Description: aws.ToString(got.Role.Description),
				MaxSession: aws.ToInt32(got.Role.MaxSessionDuration), Account: account, Entry: entry}
			if b := got.Role.PermissionsBoundary; b != nil {
				a.Boundary = aws.ToString(b.PermissionsBoundaryArn)
			}
			if why, err := a.readPolicies(ctx, c); err != nil {
				return nil, nil, err
			} else if why != "" {
				skipped = append(skipped, Skipped{account, name, why})
				continue
			}
			out = append(out, a)
		}
	}
	return out, skipped, nil
}

// readPolicies reads the role's managed and inline policies into a; it
// says why the role cannot be adopted when it has none keyless.yaml can
// name.
func (a *Adoption) readPolicies(ctx context.Context, c AdoptIAM) (string, error) {
	attached, err := attachedPolicies(ctx, c, a.Role)
	if err != nil {
		return "", fmt.Errorf("account %s: read role %s's policies: %w", a.Account, a.Role, err)
	}
	for _, arn := range attached {
		if strings.Contains(arn, ":iam::aws:policy/") {
			a.Managed = append(a.Managed, arn)
		} else {
			a.Customer = append(a.Customer, arn)
		}
	}
	inline, err := inlinePolicies(ctx, c, a.Role)
	if err != nil {
		return "", fmt.Errorf("account %s: read role %s's inline policies: %w", a.Account, a.Role, err)
	}
	for _, n := range inline {
		if n != InlinePolicyName {
			a.Inline = append(a.Inline, n)
			continue
		}
		p, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &a.Role, PolicyName: aws.String(n)})
		if err != nil {
			return "", fmt.Errorf("account %s: read role %s's inline policy %s: %w", a.Account, a.Role, n, err)
		}
		a.InlinePolicy = canonical(policy.Decode(aws.ToString(p.PolicyDocument)))
	}
	if len(a.Managed)+len(a.Customer) == 0 && a.InlinePolicy == "" {
		return "it has no managed policies nor an inline policy named " + InlinePolicyName + ", and keyless.yaml names no other inline policy of a role", nil
	}
	return "", nil
}

// Import is one workload entry for roles found alike (the same trust,
// name, path and policies) in one or more accounts.
type Import struct {
	Name  string
	Roles []Adoption // one per account, by account
}

// Accounts are the accounts of the import's roles.
func (im *Import) Accounts() []string {
	var out []string
	for _, a := range im.Roles {
		out = append(out, a.Account)
	}
	return out
}

// Collapse turns adoptions into imports: roles alike but for their
// account become one entry with every account. An entry is named after
// its role; where that name is taken (by the file, or by another entry
// here) the first account is added to it.
func Collapse(found []Adoption, taken []string) []Import {
	var out []Import
	index := map[string]int{}
	for _, a := range found {
		key := strings.Join(a.body(), "\n")
		if i, ok := index[key]; ok {
			out[i].Roles = append(out[i].Roles, a)
			continue
		}
		index[key] = len(out)
		out = append(out, Import{Roles: []Adoption{a}})
	}
	used := slices.Clone(taken)
	for i := range out {
		slices.SortFunc(out[i].Roles, func(a, b Adoption) int { return strings.Compare(a.Account, b.Account) })
		name := out[i].Roles[0].Role
		if slices.Contains(used, name) {
			name += "-" + out[i].Roles[0].Account
		}
		for n := 2; slices.Contains(used, name); n++ {
			name = fmt.Sprintf("%s-%s-%d", out[i].Roles[0].Role, out[i].Roles[0].Account, n)
		}
		out[i].Name = name
		used = append(used, name)
	}
	return out
}

// Adopt marks a role as keyless's, for workload name: the ownership tags,
// and the marker at the end of its description that --prune looks for.
func Adopt(ctx context.Context, c AdoptIAM, a Adoption, name string) error {
	_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: &a.Role, Tags: []iamtypes.Tag{
		{Key: aws.String(OwnerTagKey), Value: aws.String(OwnerTagValue)},
		{Key: aws.String(WorkloadTagKey), Value: aws.String(name)}}})
	if err != nil {
		return fmt.Errorf("account %s: tag role %s: %w", a.Account, a.Role, err)
	}
	if strings.HasSuffix(a.Description, Marker) {
		return nil
	}
	desc := strings.TrimSpace(a.Description + " " + Marker)
	if _, err := c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: &a.Role, Description: &desc}); err != nil {
		return fmt.Errorf("account %s: mark role %s's description: %w", a.Account, a.Role, err)
	}
	return nil
}

// Flow is "": an entry has no one-line form (config.AddToLists refuses a
// workloads: [...] flow list).
func (im *Import) Flow() string { return "" }

// Block is the import as a block list item of workloads:, the dash
// indented by indent and the fields gap spaces after it.
func (im *Import) Block(indent, gap int, _ bool) string {
	q := func(s string) string { v, _ := json.Marshal(s); return string(v) }
	accounts := make([]string, len(im.Roles))
	for i, a := range im.Roles {
		accounts[i] = q(a.Account)
	}
	lines := append([]string{"name: " + q(im.Name)}, im.Roles[0].body()...)
	lines = slices.Insert(lines, 1+providerLines(lines[1:]), "accounts: ["+strings.Join(accounts, ", ")+"]")
	var b strings.Builder
	pad := strings.Repeat(" ", indent+1+gap)
	for i, l := range lines {
		if i == 0 {
			b.WriteString(strings.Repeat(" ", indent) + "-" + strings.Repeat(" ", gap))
		} else {
			b.WriteString(pad)
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// providerLines counts the lines of the provider field that starts body.
func providerLines(body []string) int {
	n := 1
	for n < len(body) && strings.HasPrefix(body[n], " ") {
		n++
	}
	return n
}

// body is the adoption's fields as keyless.yaml lines, at column 0, but
// for its name and accounts: what roles alike share.
func (a *Adoption) body() []string {
	var l []string
	add := func(format string, v ...any) { l = append(l, fmt.Sprintf(format, v...)) }
	q := func(s string) string { v, _ := json.Marshal(s); return string(v) }
	e := a.Entry
	fields := func(kv ...string) {
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] != "" {
				add("  %s: %s", kv[i], q(kv[i+1]))
			}
		}
	}
	switch {
	case e.GitHub != nil:
		g := e.GitHub
		add("github:")
		fields("repo", g.Repo, "branch", g.Branch, "tag", g.Tag, "environment", g.Environment, "workflow", g.Workflow, "repo_id", g.RepoID, "owner_id", g.OwnerID)
		if g.PullRequest {
			add("  pull_request: true")
		}
	case e.GitLab != nil:
		g := e.GitLab
		add("gitlab:")
		fields("project", g.Project, "ref", g.Ref, "ref_type", g.RefType, "issuer", g.Issuer)
	case e.CircleCI != nil:
		add("circleci:")
		fields("organization_id", e.CircleCI.OrganizationID, "project_id", e.CircleCI.ProjectID)
	case e.Bitbucket != nil:
		b := e.Bitbucket
		add("bitbucket:")
		fields("workspace", b.Workspace, "workspace_uuid", b.WorkspaceUUID, "repository_uuid", b.RepositoryUUID, "deployment_environment_uuid", b.DeploymentEnvironmentUUID)
	case e.Buildkite != nil:
		b := e.Buildkite
		add("buildkite:")
		fields("organization", b.Organization, "pipeline", b.Pipeline, "branch", b.Branch)
	case e.TerraformCloud != nil:
		tc := e.TerraformCloud
		add("terraform_cloud:")
		fields("organization", tc.Organization, "project", tc.Project, "workspace", tc.Workspace, "run_phase", tc.RunPhase)
	case e.OIDC != nil:
		add("oidc:")
		fields("issuer", e.OIDC.Issuer, "audience", e.OIDC.Audience)
		add("  claims: {sub: %s}", q(e.OIDC.Claims["sub"]))
	}
	if e.SubjectPatternAllowed {
		add("subject_pattern_allowed: true")
	}
	add("role_name: %s", q(a.Role))
	if a.Path != "" && a.Path != "/" {
		add("path: %s", q(a.Path))
	}
	if len(a.Managed) > 0 {
		add("managed_policies:")
		for _, m := range a.Managed {
			add("  - %s", q(m))
		}
	}
	if len(a.Customer) > 0 {
		add("customer_managed_policies:")
		for _, m := range a.Customer {
			name, path := policyNamePath(m)
			add("  - {name: %s, path: %s}", q(name), q(path))
		}
	}
	if a.InlinePolicy != "" {
		add("inline_policy: %s", q(a.InlinePolicy))
	}
	if a.Boundary != "" {
		if strings.Contains(a.Boundary, ":iam::aws:policy/") {
			add("permissions_boundary: {managed_policy: %s}", q(a.Boundary))
		} else {
			name, path := policyNamePath(a.Boundary)
			add("permissions_boundary: {customer_managed: {name: %s, path: %s}}", q(name), q(path))
		}
	}
	if d := a.MaxSession; d > 3600 {
		switch {
		case d%3600 == 0:
			add("max_session_duration: PT%dH", d/3600)
		case d%60 == 0:
			add("max_session_duration: PT%dM", d/60)
		default:
			add("max_session_duration: PT%dS", d)
		}
	}
	if len(a.Inline) > 0 {
		add("# keeps its own inline policies %s, which keyless leaves alone", strings.Join(a.Inline, ", "))
	}
	return l
}

// policyNamePath splits a customer-managed policy's ARN into its name and
// path.
func policyNamePath(arn string) (name, path string) {
	_, rest, _ := strings.Cut(arn, ":policy")
	i := strings.LastIndex(rest, "/")
	return rest[i+1:], rest[:i+1]
}
