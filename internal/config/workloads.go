package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/policy"
	"github.com/keyless-dev/keyless/internal/workloads"
)

// Workload is an entry of workloads:: a CI pipeline or machine that gets a
// role through its own OIDC token. internal/workloads owns its trust.
type Workload struct {
	workloads.Entry
	// Target is where the role is made, with an assignment's targeting
	// (accounts, ous, account_tags, all_accounts, current_account).
	Target          Assignment
	ManagedPolicies []string // full ARNs
	InlinePolicy    string   // compact JSON or ""
	CustomerManaged []PolicyRef
	Boundary        *Boundary
	// LikeUser names an IAM user whose policies (direct and through
	// groups) the role takes.
	LikeUser           Ref
	RoleName, RolePath string
	// MaxSessionDuration is the role's, 0 for IAM's default of an hour.
	MaxSessionDuration time.Duration
	Pos                Pos
	Path               string
}

var workloadFields = []string{"name", "github", "gitlab", "circleci", "bitbucket", "buildkite", "terraform_cloud", "oidc",
	"accounts", "ous", "account_tags", "all_accounts", "current_account",
	"managed_policies", "inline_policy", "customer_managed_policies", "permissions_boundary", "like_user",
	"role_name", "path", "max_session_duration", "subject_pattern_allowed"}

// providerFields are each provider's fields; schema_test.go checks the
// schema names the same.
var providerFields = map[string][]string{
	"github":          {"repo", "branch", "tag", "environment", "pull_request", "workflow", "repo_id", "owner_id"},
	"gitlab":          {"project", "ref", "ref_type", "environment", "issuer"},
	"circleci":        {"organization_id", "project_id", "context_id"},
	"bitbucket":       {"workspace", "workspace_uuid", "repository_uuid", "deployment_environment_uuid"},
	"buildkite":       {"organization", "pipeline", "branch"},
	"terraform_cloud": {"organization", "project", "workspace", "run_phase"},
	"oidc":            {"issuer", "audience", "claims"},
}

func (r *reader) workload(n ast.Node, path string) Workload {
	w := Workload{Pos: posOf(n), Path: path}
	w.Target.Pos, w.Target.Path = w.Pos, path
	fields := r.fields(n, path, workloadFields)
	var providers []string
	for key, v := range fields {
		p := path + "." + key
		switch key {
		case "name":
			w.Name = r.str(v, p)
		case "managed_policies":
			w.ManagedPolicies = r.managedPolicies(v, p)
		case "inline_policy":
			w.InlinePolicy = r.policy(v, p)
		case "customer_managed_policies":
			w.CustomerManaged = r.policyRefs(v, p)
		case "permissions_boundary":
			w.Boundary = r.boundary(v, p)
		case "like_user":
			w.LikeUser = r.ref(v, p)
		case "role_name":
			w.RoleName = r.str(v, p)
		case "path":
			w.RolePath = r.str(v, p)
		case "max_session_duration":
			s := moduleDuration(r.str(v, p))
			if msg := checkDuration(s); msg != "" {
				r.problem(v, p, msg, "use ISO 8601, e.g. PT1H or PT4H")
			} else {
				w.MaxSessionDuration, _ = parseDuration(s)
			}
		case "subject_pattern_allowed":
			w.SubjectPatternAllowed = r.boolean(v, p)
		default:
			if !r.target(&w.Target, key, v, p) { // a provider
				providers = append(providers, key)
				r.provider(&w.Entry, key, v, p)
			}
		}
	}
	if len(providers) > 1 {
		slices.Sort(providers)
		second := slices.MaxFunc(providers, func(a, b string) int { return r.pos[path+"."+a].Line - r.pos[path+"."+b].Line })
		at := r.pos[path+"."+second]
		r.errs.add(Problem{Line: at.Line, Col: at.Col, Path: path + "." + second,
			Message: fmt.Sprintf("the workload names %d providers (%s)", len(providers), strings.Join(providers, ", ")),
			Hint:    "give one; write one workload per pipeline"})
	}
	return w
}

// provider reads one provider block into e.
func (r *reader) provider(e *workloads.Entry, name string, n ast.Node, path string) {
	f := map[string]string{}
	for key, v := range r.fields(n, path, providerFields[name]) {
		switch key {
		case "pull_request":
			if r.boolean(v, path+"."+key) {
				f[key] = "true"
			}
		case "claims":
			e.OIDC = &workloads.OIDC{Claims: r.strMap(v, path+"."+key)}
		default:
			f[key] = r.str(v, path+"."+key)
		}
	}
	switch name {
	case "github":
		e.GitHub = &workloads.GitHub{Repo: f["repo"], Branch: f["branch"], Tag: f["tag"], Environment: f["environment"],
			PullRequest: f["pull_request"] == "true", Workflow: f["workflow"], RepoID: f["repo_id"], OwnerID: f["owner_id"]}
	case "gitlab":
		e.GitLab = &workloads.GitLab{Project: f["project"], Ref: f["ref"], RefType: f["ref_type"], Environment: f["environment"], Issuer: f["issuer"]}
	case "circleci":
		e.CircleCI = &workloads.CircleCI{OrganizationID: f["organization_id"], ProjectID: f["project_id"], ContextID: f["context_id"]}
	case "bitbucket":
		e.Bitbucket = &workloads.Bitbucket{Workspace: f["workspace"], WorkspaceUUID: f["workspace_uuid"],
			RepositoryUUID: f["repository_uuid"], DeploymentEnvironmentUUID: f["deployment_environment_uuid"]}
	case "buildkite":
		e.Buildkite = &workloads.Buildkite{Organization: f["organization"], Pipeline: f["pipeline"], Branch: f["branch"]}
	case "terraform_cloud":
		e.TerraformCloud = &workloads.TerraformCloud{Organization: f["organization"], Project: f["project"], Workspace: f["workspace"], RunPhase: f["run_phase"]}
	case "oidc":
		if e.OIDC == nil {
			e.OIDC = &workloads.OIDC{}
		}
		e.OIDC.Issuer, e.OIDC.Audience = f["issuer"], f["audience"]
	}
}

var (
	// IAM's role name: 1 to 64 of [\w+=,.@-]; its path: / or /x/y/.
	roleNamePattern = lazyre.New(`^[\w+=,.@-]{1,64}$`)
	rolePathPattern = lazyre.New(`^/([\x21-\x7E]{0,510}/)?$`)
)

// RoleNameOf is the workload's role name: role_name, or keyless-NAME.
func (w *Workload) RoleNameOf() string {
	if w.RoleName != "" {
		return w.RoleName
	}
	return "keyless-" + w.Name
}

// checkWorkloads checks each workload, its trust as internal/workloads
// computes it (in a placeholder account: the size does not depend on which)
// and its policies.
func (c *Config) checkWorkloads(at func(Pos, string, string, string)) {
	names := map[string]named{}
	for i := range c.Workloads {
		w := &c.Workloads[i]
		switch {
		case w.Name == "":
			at(w.Pos, w.Path+".name", "a workload needs a name", "e.g. name: deploy")
		default:
			if msg := unique(names, "workload", w.Name, c.at(w.Path+".name").Line, "their roles would collide"); msg != "" {
				at(w.Pos, w.Path+".name", msg, "")
			}
		}
		if !roleNamePattern.MatchString(w.RoleNameOf()) {
			field := w.Path + ".role_name"
			if w.RoleName == "" {
				field = w.Path + ".name" // the default keyless-NAME
			}
			at(w.Pos, field, fmt.Sprintf("%q is not an IAM role name", w.RoleNameOf()),
				"1 to 64 letters, digits and +=,.@_-; set role_name if the default keyless-NAME does not fit")
		}
		if w.RolePath != "" && !rolePathPattern.MatchString(w.RolePath) {
			at(w.Pos, w.Path+".path", fmt.Sprintf("%q is not an IAM path", w.RolePath), "start and end with /, e.g. /ci/")
		}
		if name := w.Provider(); name == "" {
			at(w.Pos, w.Path, "the workload names no provider", "give one of "+strings.Join(workloads.Providers, ", "))
		} else if _, probs := w.Plan("aws", "000000000000"); len(probs) > 0 {
			for _, p := range probs {
				field := w.Path
				if p.Field != "" {
					field += "." + p.Field
				}
				at(w.Pos, field, p.Message, p.Hint)
			}
		}
		checkTargetRefs(at, w.Target)
		if len(w.Target.Accounts)+len(w.Target.OUs)+len(w.Target.AccountTags) == 0 && !w.Target.AllAccounts && !w.Target.CurrentAccount {
			at(w.Pos, w.Path, "a workload needs a target: accounts, ous, account_tags, all_accounts or current_account", "")
		}
		if n := policy.Size(w.InlinePolicy); n > policy.RoleInlineSize {
			at(w.Pos, w.Path+".inline_policy", fmt.Sprintf("the inline policy is %d characters, more than IAM's %d for a role", n, policy.RoleInlineSize),
				"move permissions to managed policies")
		}
		if len(w.ManagedPolicies)+len(w.CustomerManaged) == 0 && w.InlinePolicy == "" && w.LikeUser.Value == "" {
			at(w.Pos, w.Path, "the workload may do nothing: it has no policies",
				"give managed_policies, inline_policy, customer_managed_policies or like_user")
		}
	}
}

// WorkloadRoles resolves each workload's targets against the organization
// and returns, by account id, the roles to make there.
func (c *Config) WorkloadRoles(st *ic.State, partition string) (map[string][]workloads.Role, error) {
	e := &Errors{File: c.File}
	out := map[string][]workloads.Role{}
	for i := range c.Workloads {
		w := &c.Workloads[i]
		for _, acct := range c.targets(e, st, w.Target) {
			t, probs := w.Plan(partition, acct)
			if len(probs) > 0 {
				continue // reported when the file was read
			}
			r := workloads.Role{Workload: w.Name, Name: w.RoleNameOf(), Path: w.RolePath, Trust: t,
				ManagedPolicies: slices.Clone(w.ManagedPolicies), InlinePolicy: w.InlinePolicy, MaxSession: w.MaxSessionDuration,
				LikeUser: w.LikeUser.Value}
			for _, ref := range w.CustomerManaged {
				r.ManagedPolicies = append(r.ManagedPolicies, fmt.Sprintf("arn:%s:iam::%s:policy%s%s", partition, acct, ref.Path, ref.Name))
			}
			if b := w.Boundary; b != nil {
				r.Boundary = b.ManagedPolicy
				if b.CustomerManaged != nil {
					r.Boundary = fmt.Sprintf("arn:%s:iam::%s:policy%s%s", partition, acct, b.CustomerManaged.Path, b.CustomerManaged.Name)
				}
			}
			out[acct] = append(out[acct], r)
		}
	}
	return out, e.err()
}
