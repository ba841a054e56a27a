// Package workloads owns CI/machine workload identity: from a `workloads:`
// entry to the IAM OIDC provider and role trust policy it needs.
//
// Entry.Plan is pure: it turns an entry into the issuer URL, audiences and
// trust policy JSON for one account, and checks it for what would make that
// trust too broad or unacceptable to IAM. PlanAccount and Apply (iam.go)
// read and change one account's IAM through the IAM interface: the OIDC
// provider (extended, never replaced) and the roles, only those keyless
// made. It does not read keyless.yaml (internal/config does, into an Entry)
// nor decide how an account is reached (the cli does).
//
// IAM evaluates only the aud and sub claims of an OIDC token in a trust
// policy ("Support for custom claims for OIDC is unavailable in AWS",
// https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws),
// so everything an entry pins is pinned through those two.
package workloads

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/policy"
)

// Entry is one workload: a name and exactly one provider.
type Entry struct {
	Name           string
	GitHub         *GitHub
	GitLab         *GitLab
	CircleCI       *CircleCI
	Bitbucket      *Bitbucket
	Buildkite      *Buildkite
	TerraformCloud *TerraformCloud
	OIDC           *OIDC
	// SubjectPatternAllowed permits a wildcard the file wrote in a subject
	// (a branch release/*), never one covering more than one repository.
	SubjectPatternAllowed bool
}

// GitHub is a GitHub Actions repository and what of it may assume the role.
type GitHub struct {
	Repo                     string // OWNER/REPO
	Branch, Tag, Environment string
	PullRequest              bool
	Workflow                 string // PATH@REF, e.g. .github/workflows/deploy.yml@refs/heads/main
	RepoID, OwnerID          string // the immutable ids, for the id subject form
}

// GitLab is a GitLab CI project.
type GitLab struct {
	Project, Ref, RefType, Environment string
	Issuer                             string // self-managed GitLab; default https://gitlab.com
}

// CircleCI is a CircleCI project.
type CircleCI struct{ OrganizationID, ProjectID, ContextID string }

// Bitbucket is a Bitbucket Pipelines repository.
type Bitbucket struct {
	Workspace, WorkspaceUUID, RepositoryUUID, DeploymentEnvironmentUUID string
}

// Buildkite is a Buildkite pipeline.
type Buildkite struct{ Organization, Pipeline, Branch string }

// TerraformCloud is an HCP Terraform / Terraform Cloud workspace.
type TerraformCloud struct{ Organization, Project, Workspace, RunPhase string }

// OIDC is any issuer: the audience and the exact claims to require.
type OIDC struct {
	Issuer, Audience string
	Claims           map[string]string
}

// Providers are the provider fields an entry may have, as the file names them.
var Providers = []string{"github", "gitlab", "circleci", "bitbucket", "buildkite", "terraform_cloud", "oidc"}

// Problem is one thing wrong with an entry. Field is relative to the
// entry (github.repo); Hint says what to do.
type Problem struct{ Field, Message, Hint string }

// Trust is what one account needs for an entry.
type Trust struct {
	Issuer    string   // https://HOST[/PATH]
	Audiences []string // the OIDC provider's client ids
	// Subjects are the sub values (or patterns, when Pattern) the trust admits.
	Subjects []string
	Pattern  bool // sub is matched with StringLike
	// Forms says which subject forms were written and why (GitHub's two).
	Forms string
	// Document is the role's trust policy, compact JSON.
	Document string
}

// ProviderARN is the IAM OIDC provider's ARN for issuer in an account.
func ProviderARN(partition, account, issuer string) string {
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account, hostPath(issuer))
}

func hostPath(issuer string) string {
	return strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
}

// Provider names the entry's provider, "" for none.
func (e *Entry) Provider() string {
	for i, set := range []bool{e.GitHub != nil, e.GitLab != nil, e.CircleCI != nil, e.Bitbucket != nil,
		e.Buildkite != nil, e.TerraformCloud != nil, e.OIDC != nil} {
		if set {
			return Providers[i]
		}
	}
	return ""
}

const (
	githubIssuer = "https://token.actions.githubusercontent.com"
	// stsAudience is what aws-actions/configure-aws-credentials requests
	// (docs.github.com, "Configuring OpenID Connect in Amazon Web Services").
	stsAudience = "sts.amazonaws.com"
)

var (
	githubRepo    = lazyre.New(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	gitlabProject = lazyre.New(`^[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$`)
	digits        = lazyre.New(`^[0-9]+$`)
	uuidPattern   = lazyre.New(`^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$`)
	slug          = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

func wild(s string) bool { return strings.ContainsAny(s, "*?") }

// Plan computes the trust for account (in partition), with every problem
// of the entry. A Trust is returned only when there are none.
func (e *Entry) Plan(partition, account string) (*Trust, []Problem) {
	var t *Trust
	var probs []Problem
	switch e.Provider() {
	case "github":
		t, probs = e.github()
	case "gitlab":
		t, probs = e.gitlab()
	case "circleci":
		t, probs = e.circleci()
	case "bitbucket":
		t, probs = e.bitbucket()
	case "buildkite":
		t, probs = e.buildkite()
	case "terraform_cloud":
		t, probs = e.terraformCloud()
	case "oidc":
		t, probs = e.oidc()
	default:
		return nil, []Problem{{Field: "", Message: "the workload names no provider",
			Hint: "give one of " + strings.Join(Providers, ", ")}}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	t.Document = document(ProviderARN(partition, account, t.Issuer), hostPath(t.Issuer), t)
	if n := policy.Size(t.Document); n > policy.TrustSize {
		// The provider's fields are what make it long.
		return nil, []Problem{{Field: e.Provider(), Message: fmt.Sprintf("the trust policy is %d characters, more than IAM's %d", n, policy.TrustSize),
			Hint: "shorten the issuer or subject, or split the workload into several entries"}}
	}
	if err := policy.ValidateTrust(t.Document); err != nil {
		return nil, []Problem{{Message: fmt.Sprintf("IAM would refuse the trust policy: %v", err)}}
	}
	return t, nil
}

// document writes the trust policy: aud always with StringEquals, sub with
// StringEquals or, for a pattern, StringLike.
func document(providerARN, key string, t *Trust) string {
	one := func(v []string) any {
		if len(v) == 1 {
			return v[0]
		}
		return v
	}
	cond := map[string]map[string]any{"StringEquals": {key + ":aud": one(t.Audiences)}}
	subOp := "StringEquals"
	if t.Pattern {
		subOp = "StringLike"
		cond[subOp] = map[string]any{}
	}
	cond[subOp][key+":sub"] = one(t.Subjects)
	type statement struct {
		Effect    string
		Principal map[string]string
		Action    string
		Condition map[string]map[string]any
	}
	doc := struct {
		Version   string
		Statement []statement
	}{"2012-10-17", []statement{{"Allow", map[string]string{"Federated": providerARN}, "sts:AssumeRoleWithWebIdentity", cond}}}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // only strings and maps of strings
	}
	return string(b)
}

// github follows docs.github.com's OpenID Connect reference: issuer
// https://token.actions.githubusercontent.com, sub repo:OWNER/REPO: then
// ref:refs/heads/BRANCH, ref:refs/tags/TAG, environment:NAME or
// pull_request; since 2026-07-15 new repositories send
// repo:OWNER@OWNER_ID/REPO@REPO_ID:... (aws-actions/configure-aws-credentials#1888).
func (e *Entry) github() (*Trust, []Problem) {
	g := e.GitHub
	var probs []Problem
	bad := func(field, msg, hint string) {
		probs = append(probs, Problem{strings.TrimSuffix("github."+field, "."), msg, hint})
	}
	switch {
	case g.Repo == "":
		bad("repo", "the repository is missing", "give it as OWNER/REPO, e.g. acme/deploy")
	case wild(g.Repo):
		bad("repo", fmt.Sprintf("%q is a wildcard: it would admit every matching repository", g.Repo),
			"name one repository; write one workload per repository")
	case !githubRepo.MatchString(g.Repo):
		bad("repo", fmt.Sprintf("%q is not a GitHub repository", g.Repo), "give it as OWNER/REPO, e.g. acme/deploy")
	}
	if (g.RepoID == "") != (g.OwnerID == "") {
		bad("repo_id", "give repo_id and owner_id together", "both are in the repository's API answer: id and owner.id")
	}
	for field, v := range map[string]string{"repo_id": g.RepoID, "owner_id": g.OwnerID} {
		if v != "" && !digits.MatchString(v) {
			bad(field, fmt.Sprintf("%q is not a GitHub id", v), "GitHub's ids are numbers, e.g. 123456789")
		}
	}
	var context []string
	if g.Branch != "" {
		context = append(context, "ref:refs/heads/"+g.Branch)
	}
	if g.Tag != "" {
		context = append(context, "ref:refs/tags/"+g.Tag)
	}
	if g.Environment != "" {
		context = append(context, "environment:"+g.Environment)
	}
	if g.PullRequest {
		context = append(context, "pull_request")
	}
	if len(context) != 1 {
		bad("", "give exactly one of branch, tag, environment and pull_request",
			"GitHub's sub holds one of them; write one workload each")
	}
	probs = append(probs, e.pattern("github", map[string]string{"branch": g.Branch, "tag": g.Tag, "environment": g.Environment, "workflow": g.Workflow})...)
	if len(probs) > 0 {
		return nil, probs
	}
	suffix := context[0]
	if g.Workflow != "" {
		// job_workflow_ref is in sub only when the repository's subject
		// template includes it (include_claim_keys: [repo, context,
		// job_workflow_ref]), as in GitHub's example
		// repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main.
		suffix += ":job_workflow_ref:" + g.Repo + "/" + g.Workflow
	}
	owner, repo, _ := strings.Cut(g.Repo, "/")
	t := &Trust{Issuer: githubIssuer, Audiences: []string{stsAudience}, Pattern: wildAny(g.Branch, g.Tag, g.Environment, g.Workflow)}
	t.Subjects = []string{"repo:" + g.Repo + ":" + suffix}
	if g.RepoID != "" {
		t.Subjects = append(t.Subjects, fmt.Sprintf("repo:%s@%s/%s@%s:%s", owner, g.OwnerID, repo, g.RepoID, suffix))
		t.Forms = "both subject forms: the classic repo:OWNER/REPO and the id form repo:OWNER@OWNER_ID/REPO@REPO_ID that repositories created since 2026-07-15 send"
	} else {
		t.Forms = "the classic subject form repo:OWNER/REPO only: repo_id and owner_id are not given, so a repository sending the id form (the default since 2026-07-15) would be refused"
	}
	return t, nil
}

func wildAny(vs ...string) bool {
	for _, v := range vs {
		if wild(v) {
			return true
		}
	}
	return false
}

// pattern refuses a wildcard in the given fields unless the entry allows
// one, and a field that is only a wildcard even then.
func (e *Entry) pattern(provider string, fields map[string]string) []Problem {
	var probs []Problem
	for _, field := range []string{"branch", "tag", "environment", "workflow", "ref"} {
		v, ok := fields[field]
		if !ok || !wild(v) {
			continue
		}
		switch {
		case !e.SubjectPatternAllowed:
			probs = append(probs, Problem{provider + "." + field, fmt.Sprintf("%q is a wildcard", v),
				"name it exactly, or say subject_pattern_allowed: true on the workload to match a pattern"})
		case strings.Trim(v, "*?") == "":
			probs = append(probs, Problem{provider + "." + field, fmt.Sprintf("%q matches anything", v),
				"leave a fixed part, e.g. release/*"})
		}
	}
	return probs
}

// gitlab follows docs.gitlab.com's "OpenID Connect (OIDC) Authentication
// Using ID Tokens": iss is the instance URL, aud what the job's id_tokens
// asks for, sub project_path:GROUP/PROJECT:ref_type:TYPE:ref:NAME.
func (e *Entry) gitlab() (*Trust, []Problem) {
	g := e.GitLab
	var probs []Problem
	bad := func(field, msg, hint string) { probs = append(probs, Problem{"gitlab." + field, msg, hint}) }
	switch {
	case g.Project == "":
		bad("project", "the project is missing", "give it as GROUP/PROJECT (subgroups allowed), e.g. acme/platform/deploy")
	case wild(g.Project):
		bad("project", fmt.Sprintf("%q is a wildcard: it would admit every matching project", g.Project), "name one project")
	case !gitlabProject.MatchString(g.Project):
		bad("project", fmt.Sprintf("%q is not a GitLab project path", g.Project), "give it as GROUP/PROJECT, e.g. acme/deploy")
	}
	issuer := g.Issuer
	if issuer == "" {
		issuer = "https://gitlab.com"
	} else if !strings.HasPrefix(issuer, "https://") {
		bad("issuer", fmt.Sprintf("%q is not an https URL", issuer), "give the instance URL, e.g. https://gitlab.example.com")
	}
	if g.Environment != "" {
		bad("environment", "AWS cannot check a GitLab environment: it is not in the token's sub, and IAM evaluates only aud and sub",
			"pin the ref instead (a protected branch the environment deploys from)")
	}
	refType := g.RefType
	if refType == "" {
		refType = "branch"
	}
	if refType != "branch" && refType != "tag" {
		bad("ref_type", fmt.Sprintf("%q is not a ref type", refType), "branch or tag")
	}
	if g.Ref == "" {
		bad("ref", "the ref is missing", "name the branch or tag the pipeline runs on, e.g. main")
	}
	probs = append(probs, e.pattern("gitlab", map[string]string{"ref": g.Ref})...)
	if len(probs) > 0 {
		return nil, probs
	}
	// GitLab's guide for AWS requests aud: the instance URL; the snippet
	// keyless prints asks for the same.
	return &Trust{Issuer: strings.TrimSuffix(issuer, "/"), Audiences: []string{strings.TrimSuffix(issuer, "/")},
		Subjects: []string{fmt.Sprintf("project_path:%s:ref_type:%s:ref:%s", g.Project, refType, g.Ref)},
		Pattern:  wild(g.Ref)}, nil
}

// circleci: issuer https://oidc.circleci.com/org/ORG_ID, aud ORG_ID, sub
// org/ORG_ID/project/PROJECT_ID/user/USER_ID (CircleCI's "OpenID Connect
// tokens"; teleport lib/circleci quotes the same). The user varies per run,
// so the project is matched with a pattern that stays inside it.
func (e *Entry) circleci() (*Trust, []Problem) {
	c := e.CircleCI
	var probs []Problem
	for field, v := range map[string]string{"organization_id": c.OrganizationID, "project_id": c.ProjectID} {
		if !uuidPattern.MatchString(v) || strings.HasPrefix(v, "{") {
			probs = append(probs, Problem{"circleci." + field, fmt.Sprintf("%q is not a CircleCI id", v),
				"copy the UUID from CircleCI's organization or project settings"})
		}
	}
	if c.ContextID != "" {
		probs = append(probs, Problem{"circleci.context_id", "AWS cannot check a CircleCI context: it is not in the token's sub, and IAM evaluates only aud and sub",
			"leave context_id out; the project pins the trust"})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return &Trust{Issuer: "https://oidc.circleci.com/org/" + c.OrganizationID, Audiences: []string{c.OrganizationID},
		Subjects: []string{fmt.Sprintf("org/%s/project/%s/user/*", c.OrganizationID, c.ProjectID)}, Pattern: true}, nil
}

// bitbucket follows Atlassian's "Integrate Pipelines with resource servers
// using OIDC": issuer .../workspaces/WORKSPACE/pipelines-config/identity/oidc,
// aud ari:cloud:bitbucket::workspace/WORKSPACE_UUID, sub {REPO_UUID}:{STEP_UUID}
// or {REPO_UUID}:{ENV_UUID}:{STEP_UUID}. The step varies per run.
func (e *Entry) bitbucket() (*Trust, []Problem) {
	b := e.Bitbucket
	var probs []Problem
	if !slug.MatchString(b.Workspace) {
		probs = append(probs, Problem{"bitbucket.workspace", fmt.Sprintf("%q is not a Bitbucket workspace", b.Workspace), "give the workspace's slug, e.g. acme"})
	}
	ids := map[string]string{"workspace_uuid": b.WorkspaceUUID, "repository_uuid": b.RepositoryUUID}
	if b.DeploymentEnvironmentUUID != "" {
		ids["deployment_environment_uuid"] = b.DeploymentEnvironmentUUID
	}
	for field, v := range ids {
		if !uuidPattern.MatchString(v) {
			probs = append(probs, Problem{"bitbucket." + field, fmt.Sprintf("%q is not a UUID", v),
				"copy it from the repository's settings, Pipelines, OpenID Connect"})
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	sub := braced(b.RepositoryUUID) + ":"
	if b.DeploymentEnvironmentUUID != "" {
		sub += braced(b.DeploymentEnvironmentUUID) + ":"
	}
	return &Trust{Issuer: "https://api.bitbucket.org/2.0/workspaces/" + b.Workspace + "/pipelines-config/identity/oidc",
		Audiences: []string{"ari:cloud:bitbucket::workspace/" + strings.Trim(b.WorkspaceUUID, "{}")},
		Subjects:  []string{sub + "*"}, Pattern: true}, nil
}

func braced(uuid string) string { return "{" + strings.Trim(uuid, "{}") + "}" }

// buildkite follows Buildkite's "OIDC with AWS": issuer
// https://agent.buildkite.com, the audience requested with
// buildkite-agent oidc request-token --audience sts.amazonaws.com, sub
// organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:STEP. Commit and
// step vary per run.
func (e *Entry) buildkite() (*Trust, []Problem) {
	b := e.Buildkite
	var probs []Problem
	for field, v := range map[string]string{"organization": b.Organization, "pipeline": b.Pipeline} {
		if !slug.MatchString(v) {
			probs = append(probs, Problem{"buildkite." + field, fmt.Sprintf("%q is not a Buildkite slug", v), "give the slug from the pipeline's URL"})
		}
	}
	if b.Branch == "" {
		probs = append(probs, Problem{"buildkite.branch", "the branch is missing", "name the branch the pipeline deploys from, e.g. main"})
	}
	probs = append(probs, e.pattern("buildkite", map[string]string{"branch": b.Branch})...)
	if len(probs) > 0 {
		return nil, probs
	}
	return &Trust{Issuer: "https://agent.buildkite.com", Audiences: []string{stsAudience},
		Subjects: []string{fmt.Sprintf("organization:%s:pipeline:%s:ref:refs/heads/%s:commit:*:step:*", b.Organization, b.Pipeline, b.Branch)},
		Pattern:  true}, nil
}

// terraformCloud follows HashiCorp's "Dynamic Credentials with the AWS
// Provider": issuer https://app.terraform.io, aud aws.workload.identity, sub
// organization:ORG:project:PROJECT:workspace:WS:run_phase:plan|apply.
func (e *Entry) terraformCloud() (*Trust, []Problem) {
	tc := e.TerraformCloud
	var probs []Problem
	for field, v := range map[string]string{"organization": tc.Organization, "project": tc.Project, "workspace": tc.Workspace} {
		if v == "" || wild(v) || strings.Contains(v, ":") {
			probs = append(probs, Problem{"terraform_cloud." + field, fmt.Sprintf("%q does not name one %s", v, strings.ReplaceAll(field, "_", " ")),
				"name it exactly, as HCP Terraform shows it"})
		}
	}
	phase := tc.RunPhase
	switch phase {
	case "plan", "apply":
	case "":
		phase = "*" // both phases of the one workspace
	default:
		probs = append(probs, Problem{"terraform_cloud.run_phase", fmt.Sprintf("%q is not a run phase", phase), "plan or apply, or leave it out for both"})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return &Trust{Issuer: "https://app.terraform.io", Audiences: []string{"aws.workload.identity"},
		Subjects: []string{fmt.Sprintf("organization:%s:project:%s:workspace:%s:run_phase:%s", tc.Organization, tc.Project, tc.Workspace, phase)},
		Pattern:  phase == "*"}, nil
}

// oidc is any issuer. IAM checks only aud and sub, so sub is the one claim
// an entry can require.
func (e *Entry) oidc() (*Trust, []Problem) {
	o := e.OIDC
	var probs []Problem
	if !strings.HasPrefix(o.Issuer, "https://") || len(o.Issuer) <= len("https://") {
		probs = append(probs, Problem{"oidc.issuer", fmt.Sprintf("%q is not an https URL", o.Issuer), "give the issuer as its tokens' iss claim says, e.g. https://ci.example.com"})
	}
	if o.Audience == "" {
		probs = append(probs, Problem{"oidc.audience", "the audience is missing", "give the aud the tokens carry"})
	}
	for k := range o.Claims {
		if k != "sub" {
			probs = append(probs, Problem{"oidc.claims." + k, fmt.Sprintf("AWS cannot check the claim %q: IAM evaluates only aud and sub of an OIDC token", k), "require sub only"})
		}
	}
	sub := o.Claims["sub"]
	switch {
	case sub == "":
		probs = append(probs, Problem{"oidc.claims", "claims has no sub: every subject of the issuer would be let in", "give sub: the exact subject of the workload"})
	case wild(sub) && !e.SubjectPatternAllowed:
		probs = append(probs, Problem{"oidc.claims.sub", fmt.Sprintf("%q is a wildcard", sub), "name it exactly, or say subject_pattern_allowed: true on the workload"})
	case strings.IndexAny(sub, "*?") == 0:
		probs = append(probs, Problem{"oidc.claims.sub", fmt.Sprintf("%q starts with a wildcard: it could match any subject", sub), "start with the fixed part that names the one project"})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return &Trust{Issuer: strings.TrimSuffix(o.Issuer, "/"), Audiences: []string{o.Audience}, Subjects: []string{sub}, Pattern: wild(sub)}, nil
}
