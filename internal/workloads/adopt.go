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
)

// AdoptIAM is the IAM calls `keyless import workloads` makes.
type AdoptIAM interface {
	ListRoles(context.Context, *iam.ListRolesInput, ...func(*iam.Options)) (*iam.ListRolesOutput, error)
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	ListRolePolicies(context.Context, *iam.ListRolePoliciesInput, ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	TagRole(context.Context, *iam.TagRoleInput, ...func(*iam.Options)) (*iam.TagRoleOutput, error)
	UpdateRoleDescription(context.Context, *iam.UpdateRoleDescriptionInput, ...func(*iam.Options)) (*iam.UpdateRoleDescriptionOutput, error)
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
	Boundary                string
}

// Skipped is a role trusting an OIDC provider that cannot be adopted, and why.
type Skipped struct{ Role, Reason string }

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
			doc := unescape(aws.ToString(r.AssumeRolePolicyDocument))
			if !strings.Contains(doc, ":oidc-provider/") {
				continue
			}
			name := aws.ToString(r.RoleName)
			got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
			if err != nil {
				return nil, nil, fmt.Errorf("account %s: read role %s: %w", account, name, err)
			}
			if owned(got.Role.Tags) {
				continue
			}
			entry, why := readTrust(doc)
			if why != "" {
				skipped = append(skipped, Skipped{name, why})
				continue
			}
			entry.Name = name
			a := Adoption{Role: name, Path: aws.ToString(got.Role.Path), Description: aws.ToString(got.Role.Description),
				MaxSession: aws.ToInt32(got.Role.MaxSessionDuration), Account: account, Entry: entry}
			if b := got.Role.PermissionsBoundary; b != nil {
				a.Boundary = aws.ToString(b.PermissionsBoundaryArn)
			}
			attached, err := roleAttached(ctx, c, name)
			if err != nil {
				return nil, nil, fmt.Errorf("account %s: read role %s's policies: %w", account, name, err)
			}
			for _, ap := range attached {
				arn := aws.ToString(ap.PolicyArn)
				if strings.Contains(arn, ":iam::aws:policy/") {
					a.Managed = append(a.Managed, arn)
				} else {
					a.Customer = append(a.Customer, arn)
				}
			}
			inline, err := roleInline(ctx, c, name)
			if err != nil {
				return nil, nil, fmt.Errorf("account %s: read role %s's inline policies: %w", account, name, err)
			}
			a.Inline = inline
			if len(a.Managed)+len(a.Customer) == 0 {
				skipped = append(skipped, Skipped{name, "it has no managed policies, and keyless.yaml cannot yet name a role's own inline policies"})
				continue
			}
			out = append(out, a)
		}
	}
	return out, skipped, nil
}

// readTrust reads a trust policy with one statement allowing
// sts:AssumeRoleWithWebIdentity from one OIDC provider, pinning sub with
// StringEquals, into a workload entry; else it says why not.
func readTrust(doc string) (Entry, string) {
	var pol struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(doc), &pol); err != nil {
		return Entry{}, "its trust policy is not JSON"
	}
	type statement struct {
		Effect    string
		Principal struct{ Federated json.RawMessage }
		Condition map[string]map[string]json.RawMessage
	}
	var stmts []statement
	if err := json.Unmarshal(pol.Statement, &stmts); err != nil {
		var one statement
		if err := json.Unmarshal(pol.Statement, &one); err != nil {
			return Entry{}, "its trust policy's Statement cannot be read"
		}
		stmts = append(stmts, one)
	}
	if len(stmts) != 1 || stmts[0].Effect != "Allow" {
		return Entry{}, "its trust policy has more than one statement"
	}
	s := stmts[0]
	var provider string
	if err := json.Unmarshal(s.Principal.Federated, &provider); err != nil || !strings.Contains(provider, ":oidc-provider/") {
		return Entry{}, "it trusts more than one principal"
	}
	_, host, _ := strings.Cut(provider, ":oidc-provider/")
	eq := s.Condition["StringEquals"]
	subs := strings1(eq[host+":sub"])
	auds := strings1(eq[host+":aud"])
	if len(subs) == 0 {
		return Entry{}, "its trust does not pin " + host + ":sub with StringEquals (keyless audit reports it)"
	}
	if len(auds) != 1 {
		return Entry{}, "its trust does not pin one " + host + ":aud with StringEquals"
	}
	var entry Entry
	for _, sub := range subs {
		e, ok := Recognise("https://"+host, auds[0], sub)
		if !ok {
			return Entry{}, fmt.Sprintf("its subject %q is not one repository or project", sub)
		}
		switch {
		case entry.Provider() == "":
			entry = e
		case e.GitHub != nil && entry.GitHub != nil && sameGitHub(*e.GitHub, *entry.GitHub):
			// GitHub's two subject forms for one repository: keep the ids.
			if e.GitHub.RepoID != "" {
				entry = e
			}
		default:
			return Entry{}, "its trust admits more than one subject; keyless.yaml has one workload per subject"
		}
	}
	return entry, ""
}

func sameGitHub(a, b GitHub) bool {
	a.RepoID, a.OwnerID, b.RepoID, b.OwnerID = "", "", "", ""
	return a == b
}

// strings1 reads a condition value: a string or a list of them.
func strings1(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

// Adopt marks a role as keyless's: the ownership tags, and the marker at the
// end of its description that --prune looks for.
func Adopt(ctx context.Context, c AdoptIAM, a Adoption) error {
	_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: &a.Role, Tags: []iamtypes.Tag{
		{Key: aws.String(OwnerTagKey), Value: aws.String(OwnerTagValue)},
		{Key: aws.String(WorkloadTagKey), Value: aws.String(a.Entry.Name)}}})
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

// YAML is the adoption as a keyless.yaml workloads: entry, indented for
// the list.
func (a *Adoption) YAML() string {
	var b strings.Builder
	q := func(s string) string { v, _ := json.Marshal(s); return string(v) }
	fmt.Fprintf(&b, "  - name: %s\n", q(a.Entry.Name))
	e := a.Entry
	switch {
	case e.GitHub != nil:
		g := e.GitHub
		fmt.Fprintf(&b, "    github:\n      repo: %s\n", q(g.Repo))
		for _, f := range [][2]string{{"branch", g.Branch}, {"tag", g.Tag}, {"environment", g.Environment}, {"repo_id", g.RepoID}, {"owner_id", g.OwnerID}} {
			if f[1] != "" {
				fmt.Fprintf(&b, "      %s: %s\n", f[0], q(f[1]))
			}
		}
		if g.PullRequest {
			b.WriteString("      pull_request: true\n")
		}
	case e.GitLab != nil:
		g := e.GitLab
		fmt.Fprintf(&b, "    gitlab:\n      project: %s\n      ref: %s\n      ref_type: %s\n", q(g.Project), q(g.Ref), q(g.RefType))
		if g.Issuer != "" {
			fmt.Fprintf(&b, "      issuer: %s\n", q(g.Issuer))
		}
	case e.OIDC != nil:
		fmt.Fprintf(&b, "    oidc:\n      issuer: %s\n      audience: %s\n      claims: {sub: %s}\n", q(e.OIDC.Issuer), q(e.OIDC.Audience), q(e.OIDC.Claims["sub"]))
	}
	fmt.Fprintf(&b, "    accounts: [%s]\n    role_name: %s\n", q(a.Account), q(a.Role))
	if a.Path != "" && a.Path != "/" {
		fmt.Fprintf(&b, "    path: %s\n", q(a.Path))
	}
	if len(a.Managed) > 0 {
		b.WriteString("    managed_policies:\n")
		for _, m := range a.Managed {
			fmt.Fprintf(&b, "      - %s\n", q(m))
		}
	}
	if len(a.Customer) > 0 {
		b.WriteString("    customer_managed_policies:\n")
		for _, m := range a.Customer {
			_, rest, _ := strings.Cut(m, ":policy")
			i := strings.LastIndex(rest, "/")
			fmt.Fprintf(&b, "      - {name: %s, path: %s}\n", q(rest[i+1:]), q(rest[:i+1]))
		}
	}
	if a.Boundary != "" {
		if strings.Contains(a.Boundary, ":iam::aws:policy/") {
			fmt.Fprintf(&b, "    permissions_boundary: {managed_policy: %s}\n", q(a.Boundary))
		} else {
			_, rest, _ := strings.Cut(a.Boundary, ":policy")
			i := strings.LastIndex(rest, "/")
			fmt.Fprintf(&b, "    permissions_boundary: {customer_managed: {name: %s, path: %s}}\n", q(rest[i+1:]), q(rest[:i+1]))
		}
	}
	if a.MaxSession > 3600 {
		switch d := a.MaxSession; {
		case d%3600 == 0:
			fmt.Fprintf(&b, "    max_session_duration: PT%dH\n", d/3600)
		case d%60 == 0:
			fmt.Fprintf(&b, "    max_session_duration: PT%dM\n", d/60)
		default:
			fmt.Fprintf(&b, "    max_session_duration: PT%dS\n", d)
		}
	}
	if len(a.Inline) > 0 {
		fmt.Fprintf(&b, "    # keeps its own inline policies %s, which keyless leaves alone\n", strings.Join(slices.Clone(a.Inline), ", "))
	}
	return b.String()
}
