package cleanup

import (
	"fmt"
	"strings"

	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/workloads"
)

// MapProviders are the providers a --map workload names, with the form of
// what follows the colon. terraform_cloud is also accepted for
// terraform-cloud.
var MapProviders = []struct{ Name, Form string }{
	{"github", "OWNER/REPO[@BRANCH]"},
	{"gitlab", "GROUP/PROJECT[@BRANCH]"},
	{"circleci", "ORGANIZATION_ID/PROJECT_ID"},
	{"bitbucket", "WORKSPACE/WORKSPACE_UUID/REPOSITORY_UUID"},
	{"buildkite", "ORGANIZATION/PIPELINE[@BRANCH]"},
	{"terraform-cloud", "ORGANIZATION/PROJECT/WORKSPACE"},
}

// defaultBranch is the branch a mapped pipeline deploys from when the map
// names none, as keyless scan suggests.
const defaultBranch = "main"

// mapProvider matches a value naming a provider: github:..., not an email.
var mapProvider = lazyre.New(`^([a-z][a-z_-]*):`)

// IsWorkloadMap reports whether a --map value names a workload
// (PROVIDER:WHERE) rather than a person's email or user name.
func IsWorkloadMap(v string) bool { return mapProvider.MatchString(v) }

// MapForms lists the accepted forms, for errors and help.
func MapForms() string {
	var s []string
	for _, p := range MapProviders {
		s = append(s, p.Name+":"+p.Form)
	}
	return strings.Join(s, ", ")
}

// ParseWorkloadMap reads a --map workload, PROVIDER:WHERE, into the entry
// it makes (without a name), checked as keyless.yaml's workloads: would be.
func ParseWorkloadMap(v string) (workloads.Entry, error) {
	m := mapProvider.FindStringSubmatch(v)
	if m == nil {
		return workloads.Entry{}, fmt.Errorf("%q names no provider: write PROVIDER:WHERE, one of %s", v, MapForms())
	}
	provider, where := m[1], v[len(m[0]):]
	path, branch, hasBranch := strings.Cut(where, "@")
	if !hasBranch {
		branch = defaultBranch
	}
	parts := strings.Split(path, "/")
	form := ""
	for _, p := range MapProviders {
		if p.Name == strings.ReplaceAll(provider, "_", "-") {
			form = p.Form
		}
	}
	if form == "" {
		return workloads.Entry{}, fmt.Errorf("%q: unknown provider %q: give one of %s", v, provider, MapForms())
	}
	wrong := func() (workloads.Entry, error) {
		return workloads.Entry{}, fmt.Errorf("%q is not %s:%s", v, provider, form)
	}
	if hasBranch && !strings.Contains(form, "@") {
		return wrong()
	}
	var e workloads.Entry
	switch provider {
	case "github":
		if len(parts) != 2 {
			return wrong()
		}
		e.GitHub = &workloads.GitHub{Repo: path, Branch: branch}
	case "gitlab":
		if len(parts) < 2 {
			return wrong()
		}
		e.GitLab = &workloads.GitLab{Project: path, Ref: branch, RefType: "branch"}
	case "circleci":
		if len(parts) != 2 {
			return wrong()
		}
		e.CircleCI = &workloads.CircleCI{OrganizationID: parts[0], ProjectID: parts[1]}
	case "bitbucket":
		if len(parts) != 3 {
			return wrong()
		}
		e.Bitbucket = &workloads.Bitbucket{Workspace: parts[0], WorkspaceUUID: parts[1], RepositoryUUID: parts[2]}
	case "buildkite":
		if len(parts) != 2 {
			return wrong()
		}
		e.Buildkite = &workloads.Buildkite{Organization: parts[0], Pipeline: parts[1], Branch: branch}
	default: // terraform-cloud
		if len(parts) != 3 {
			return wrong()
		}
		e.TerraformCloud = &workloads.TerraformCloud{Organization: parts[0], Project: parts[1], Workspace: parts[2]}
	}
	if _, probs := e.Plan("aws", "000000000000"); len(probs) > 0 {
		var msgs []string
		for _, p := range probs {
			msgs = append(msgs, p.Field+": "+p.Message+" ("+p.Hint+")")
		}
		return workloads.Entry{}, fmt.Errorf("%q: %s", v, strings.Join(msgs, "; "))
	}
	return e, nil
}

// Where says what an entry names, PROVIDER:WHERE as --map writes it.
func Where(e *workloads.Entry) string {
	switch {
	case e.GitHub != nil:
		return "github:" + e.GitHub.Repo + "@" + e.GitHub.Branch
	case e.GitLab != nil:
		return "gitlab:" + e.GitLab.Project + "@" + e.GitLab.Ref
	case e.CircleCI != nil:
		return "circleci:" + e.CircleCI.OrganizationID + "/" + e.CircleCI.ProjectID
	case e.Bitbucket != nil:
		return "bitbucket:" + e.Bitbucket.Workspace + "/" + e.Bitbucket.WorkspaceUUID + "/" + e.Bitbucket.RepositoryUUID
	case e.Buildkite != nil:
		return "buildkite:" + e.Buildkite.Organization + "/" + e.Buildkite.Pipeline + "@" + e.Buildkite.Branch
	case e.TerraformCloud != nil:
		return "terraform-cloud:" + e.TerraformCloud.Organization + "/" + e.TerraformCloud.Project + "/" + e.TerraformCloud.Workspace
	}
	return ""
}

// providerYAML is the entry's provider field as one flow-mapping line:
// github: {repo: acme/deploy, branch: main}.
func providerYAML(e *workloads.Entry) string {
	kv := func(name string, pairs ...string) string {
		var s []string
		for i := 0; i+1 < len(pairs); i += 2 {
			s = append(s, pairs[i]+": "+scalar(pairs[i+1]))
		}
		return name + ": {" + strings.Join(s, ", ") + "}"
	}
	switch {
	case e.GitHub != nil:
		return kv("github", "repo", e.GitHub.Repo, "branch", e.GitHub.Branch)
	case e.GitLab != nil:
		return kv("gitlab", "project", e.GitLab.Project, "ref", e.GitLab.Ref)
	case e.CircleCI != nil:
		return kv("circleci", "organization_id", e.CircleCI.OrganizationID, "project_id", e.CircleCI.ProjectID)
	case e.Bitbucket != nil:
		return kv("bitbucket", "workspace", e.Bitbucket.Workspace, "workspace_uuid", e.Bitbucket.WorkspaceUUID, "repository_uuid", e.Bitbucket.RepositoryUUID)
	case e.Buildkite != nil:
		return kv("buildkite", "organization", e.Buildkite.Organization, "pipeline", e.Buildkite.Pipeline, "branch", e.Buildkite.Branch)
	case e.TerraformCloud != nil:
		return kv("terraform_cloud", "organization", e.TerraformCloud.Organization, "project", e.TerraformCloud.Project, "workspace", e.TerraformCloud.Workspace)
	}
	return ""
}

// MapValue is one IAM user's entry of --map: USER=VALUE on the command
// line, or a line USER: VALUE of a --map file. The value is an email (or
// Identity Center user name) for a person, PROVIDER:WHERE for a workload.
type MapValue struct {
	// Flag is how the entry was given, for errors: --map deploy-bot=github:acme/deploy,
	// or --map people.yaml (deploy-bot).
	Flag        string
	User, Value string
	// InFile: the entry is a line of a --map file, which may name users
	// that are gone (cleanup reads the same file).
	InFile bool
}

// Maps are the --map entries read and checked against the account's users.
type Maps struct {
	// Emails are the people's values, by IAM user name as given.
	Emails map[string]string
	// Workloads are the mapped workloads, by IAM user name as IAM spells it.
	Workloads map[string]MappedWorkload
}

// MappedWorkload is a workload --map names for a user.
type MappedWorkload struct {
	Flag  string
	Entry workloads.Entry
}

// ReadMaps checks the --map entries against the account's IAM users: each
// user named once (IAM names are case-insensitive), every user named on
// the command line or given a workload exists, every workload is a valid
// PROVIDER:WHERE. The first problem is returned, naming the flag.
func ReadMaps(values []MapValue, users []string) (*Maps, error) {
	out := &Maps{Emails: map[string]string{}, Workloads: map[string]MappedWorkload{}}
	seen := map[string]string{}
	for _, v := range values {
		key := strings.ToLower(v.User)
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("%s: IAM user %s is mapped twice (also by %s): map each user once", v.Flag, v.User, prev)
		}
		seen[key] = v.Flag
		i := slicesIndexFold(users, v.User)
		workload := IsWorkloadMap(v.Value)
		if i < 0 && (workload || !v.InFile) {
			return nil, fmt.Errorf("%s: the account has no IAM user %s: name one of the users 'aws iam list-users' shows", v.Flag, v.User)
		}
		if !workload {
			out.Emails[v.User] = v.Value
			continue
		}
		e, err := ParseWorkloadMap(v.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.Flag, err)
		}
		out.Workloads[users[i]] = MappedWorkload{Flag: v.Flag, Entry: e}
	}
	return out, nil
}

func slicesIndexFold(s []string, v string) int {
	for i, x := range s {
		if strings.EqualFold(x, v) {
			return i
		}
	}
	return -1
}
