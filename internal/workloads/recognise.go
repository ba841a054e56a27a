package workloads

import (
	"regexp"
	"strings"
)

var (
	githubSub = regexp.MustCompile(`^repo:([^@:/]+)(?:@([0-9]+))?/([^@:]+)(?:@([0-9]+))?:(ref:refs/heads/|ref:refs/tags/|environment:|pull_request$)([^:]*)$`)
	gitlabSub = regexp.MustCompile(`^project_path:([^:]+):ref_type:(branch|tag):ref:([^:]+)$`)
)

// Recognise is the workload entry whose trust admits sub from issuer with
// audience, for `keyless import workloads`: GitHub and GitLab subjects are
// read back into their fields; anything else becomes an oidc entry
// requiring the exact sub. It is false for a sub it cannot read as one
// repository or project (a wildcard, a job_workflow_ref form).
func Recognise(issuer, audience, sub string) (Entry, bool) {
	if sub == "" || wild(sub) {
		return Entry{}, false
	}
	switch {
	case strings.TrimSuffix(issuer, "/") == githubIssuer:
		m := githubSub.FindStringSubmatch(sub)
		if m == nil || (m[2] == "") != (m[4] == "") {
			return Entry{}, false
		}
		g := &GitHub{Repo: m[1] + "/" + m[3], OwnerID: m[2], RepoID: m[4]}
		switch m[5] {
		case "ref:refs/heads/":
			g.Branch = m[6]
		case "ref:refs/tags/":
			g.Tag = m[6]
		case "environment:":
			g.Environment = m[6]
		default:
			g.PullRequest = true
		}
		return Entry{GitHub: g}, true
	case strings.HasPrefix(sub, "project_path:"):
		m := gitlabSub.FindStringSubmatch(sub)
		if m == nil {
			return Entry{}, false
		}
		g := &GitLab{Project: m[1], RefType: m[2], Ref: m[3]}
		if iss := strings.TrimSuffix(issuer, "/"); iss != "https://gitlab.com" {
			g.Issuer = iss
		}
		return Entry{GitLab: g}, true
	}
	return Entry{OIDC: &OIDC{Issuer: strings.TrimSuffix(issuer, "/"), Audience: audience, Claims: map[string]string{"sub": sub}}}, true
}
