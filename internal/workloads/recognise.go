package workloads

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/policy"
)

var (
	githubSub    = lazyre.New(`^repo:([^@:/]+)(?:@([0-9]+))?/([^@:]+)(?:@([0-9]+))?:(.+)$`)
	gitlabSub    = lazyre.New(`^project_path:([^:]+):ref_type:(branch|tag):ref:([^:]+)$`)
	circleciSub  = lazyre.New(`^org/([^/]+)/project/([^/]+)/user/\*$`)
	bitbucketSub = lazyre.New(`^(\{[^}]+\}):(?:(\{[^}]+\}):)?\*$`)
	buildkiteSub = lazyre.New(`^organization:([^:]+):pipeline:([^:]+):ref:refs/heads/([^:]+):commit:\*:step:\*$`)
	tfcSub       = lazyre.New(`^organization:([^:]+):project:([^:]+):workspace:([^:]+):run_phase:(plan|apply|\*)$`)
	bitbucketIss = lazyre.New(`^api\.bitbucket\.org/2\.0/workspaces/([^/]+)/pipelines-config/identity/oidc$`)
)

// RecogniseTrust reads a role's trust policy back into the workload entry
// whose plan writes that same trust, for `keyless import workloads`: each
// provider keyless.yaml has is tried on the issuer and sub, then an oidc
// entry with the exact sub. When no entry writes the same trust, it says
// why, and the role is not adopted: keyless would change who may assume
// it.
func RecogniseTrust(tp policy.TrustPolicy) (Entry, string) {
	if len(tp.WebIdentity) != 1 || tp.Statements != 1 {
		return Entry{}, fmt.Sprintf("its trust policy has %d statements (%d for OIDC providers); a workload's has one, so the others would be lost",
			tp.Statements, len(tp.WebIdentity))
	}
	t := tp.WebIdentity[0]
	switch {
	case len(t.Other) > 0:
		return Entry{}, "its trust has conditions keyless.yaml cannot write: " + strings.Join(t.Other, ", ")
	case len(t.Sub) == 0:
		return Entry{}, "its trust does not check " + t.Issuer + ":sub, so any pipeline of the issuer may assume it (keyless audit reports it)"
	case len(t.Aud) != 1:
		return Entry{}, fmt.Sprintf("its trust checks %d values of %s:aud; a workload checks one", len(t.Aud), t.Issuer)
	}
	e, why := recognise("https://"+t.Issuer, t.Aud[0], t.Sub, t.SubLike)
	if why == "" {
		why = sameTrust(e, t)
	}
	if why == "" {
		return e, ""
	}
	if len(t.Sub) != 1 || why != errUnknownIssuer && like(t) {
		// A pattern is trusted only where keyless knows what it covers.
		return Entry{}, why
	}
	// Any issuer: the exact sub, or the pattern the trust already has.
	o := Entry{OIDC: &OIDC{Issuer: "https://" + t.Issuer, Audience: t.Aud[0], Claims: map[string]string{"sub": t.Sub[0]}},
		SubjectPatternAllowed: t.SubLike && wild(t.Sub[0])}
	r := sameTrust(o, t)
	if r == "" {
		return o, ""
	}
	if why == errUnknownIssuer {
		why = r
	}
	return Entry{}, why
}

// sameTrust says how e's trust differs from t, "" when it does not: the
// same issuer, audience and subjects, matched the same way. A GitHub entry
// may add the other subject form of the same repository.
func sameTrust(e Entry, t policy.WebIdentity) string {
	e.Name = "import"
	planned, probs := e.Plan("aws", "000000000000")
	if len(probs) > 0 {
		p := probs[0]
		return strings.TrimPrefix(p.Field+": ", ": ") + p.Message
	}
	subs := slices.Sorted(slices.Values(planned.Subjects))
	switch {
	case !strings.EqualFold(hostPath(planned.Issuer), t.Issuer):
		return "its issuer " + t.Issuer + " is not the provider's " + hostPath(planned.Issuer)
	case !slices.Equal(planned.Audiences, t.Aud):
		return fmt.Sprintf("its aud %q is not the %q %s tokens carry", t.Aud, planned.Audiences, e.Provider())
	case planned.Pattern && !t.SubLike:
		return fmt.Sprintf("its sub %q is matched with StringEquals, so its * matches only a literal *: keyless would make it a pattern", t.Sub)
	case slices.Equal(subs, t.Sub):
		return ""
	case e.GitHub != nil && !slices.ContainsFunc(t.Sub, func(s string) bool { return !slices.Contains(subs, s) }):
		return "" // one GitHub subject form; keyless adds the other
	}
	return fmt.Sprintf("its subjects %q are not one %s workload's %q", t.Sub, e.Provider(), subs)
}

// recognise reads subs (of a trust on issuer with audience; like when
// matched with StringLike) into the entry of the provider whose tokens
// they describe; else it says why not.
func recognise(issuer, audience string, subs []string, like bool) (Entry, string) {
	host := hostPath(issuer)
	if host == hostPath(githubIssuer) {
		return recogniseGitHub(subs, like)
	}
	if len(subs) != 1 {
		return Entry{}, fmt.Sprintf("its trust admits %d subjects %q; keyless.yaml has one workload per subject", len(subs), subs)
	}
	sub := subs[0]
	pattern := like && wild(sub)
	switch {
	case strings.HasPrefix(sub, "project_path:"): // GitLab, gitlab.com or self-managed
		m := gitlabSub.FindStringSubmatch(sub)
		if m == nil {
			return Entry{}, fmt.Sprintf("its subject %q is not one GitLab project and ref", sub)
		}
		g := &GitLab{Project: m[1], RefType: m[2], Ref: m[3]}
		if issuer != "https://gitlab.com" {
			g.Issuer = issuer
		}
		return Entry{GitLab: g, SubjectPatternAllowed: pattern}, ""
	case strings.HasPrefix(host, "oidc.circleci.com/org/"):
		if m := circleciSub.FindStringSubmatch(sub); m != nil {
			return Entry{CircleCI: &CircleCI{OrganizationID: m[1], ProjectID: m[2]}}, ""
		}
	case bitbucketIss.MatchString(host):
		m := bitbucketSub.FindStringSubmatch(sub)
		ws, ok := strings.CutPrefix(audience, "ari:cloud:bitbucket::workspace/")
		if m != nil && ok {
			return Entry{Bitbucket: &Bitbucket{Workspace: bitbucketIss.FindStringSubmatch(host)[1], WorkspaceUUID: ws,
				RepositoryUUID: m[1], DeploymentEnvironmentUUID: m[2]}}, ""
		}
	case host == "agent.buildkite.com":
		if m := buildkiteSub.FindStringSubmatch(sub); m != nil {
			return Entry{Buildkite: &Buildkite{Organization: m[1], Pipeline: m[2], Branch: m[3]}, SubjectPatternAllowed: wild(m[3])}, ""
		}
	case host == "app.terraform.io":
		if m := tfcSub.FindStringSubmatch(sub); m != nil {
			tc := &TerraformCloud{Organization: m[1], Project: m[2], Workspace: m[3], RunPhase: m[4]}
			if tc.RunPhase == "*" {
				tc.RunPhase = "" // both phases
			}
			return Entry{TerraformCloud: tc}, ""
		}
	default:
		return Entry{}, errUnknownIssuer
	}
	return Entry{}, fmt.Sprintf("its subject %q is not the one %s writes for a workload", sub, providerOf(host))
}

// errUnknownIssuer is recognise's reason for an issuer of no provider
// keyless.yaml names: RecogniseTrust tries an oidc entry.
const errUnknownIssuer = "its issuer is no CI system keyless.yaml names"

// like reports a trust matching sub with a pattern.
func like(t policy.WebIdentity) bool {
	return t.SubLike && slices.ContainsFunc(t.Sub, wild)
}

func providerOf(host string) string {
	switch {
	case strings.HasPrefix(host, "oidc.circleci.com/"):
		return "circleci"
	case strings.HasPrefix(host, "api.bitbucket.org/"):
		return "bitbucket"
	case host == "agent.buildkite.com":
		return "buildkite"
	}
	return "terraform_cloud"
}

// recogniseGitHub reads GitHub subjects: one repository and context, in
// one or both subject forms.
func recogniseGitHub(subs []string, like bool) (Entry, string) {
	var entry Entry
	for _, sub := range subs {
		g, ok := parseGitHubSub(sub)
		if !ok {
			return Entry{}, fmt.Sprintf("its subject %q is not one repository's branch, tag, environment or pull requests", sub)
		}
		e := Entry{GitHub: &g, SubjectPatternAllowed: like && wild(sub)}
		switch {
		case entry.GitHub == nil:
			entry = e
		case sameGitHub(g, *entry.GitHub):
			// GitHub's two subject forms for one repository: keep the ids.
			if g.RepoID != "" {
				entry = e
			}
		default:
			return Entry{}, fmt.Sprintf("its trust admits several repositories or contexts %q; keyless.yaml has one workload per subject", subs)
		}
	}
	return entry, ""
}

// parseGitHubSub reads repo:OWNER/REPO:CONTEXT or
// repo:OWNER@ID/REPO@ID:CONTEXT, CONTEXT optionally followed by
// :job_workflow_ref:OWNER/REPO/PATH@REF.
func parseGitHubSub(sub string) (GitHub, bool) {
	m := githubSub.FindStringSubmatch(sub)
	if m == nil || (m[2] == "") != (m[4] == "") || wild(m[1]+m[3]) {
		return GitHub{}, false
	}
	g := GitHub{Repo: m[1] + "/" + m[3], OwnerID: m[2], RepoID: m[4]}
	ctx, wf, hasWF := strings.Cut(m[5], ":job_workflow_ref:")
	if hasWF {
		path, ok := strings.CutPrefix(wf, g.Repo+"/")
		if !ok || path == "" {
			return GitHub{}, false
		}
		g.Workflow = path
	}
	kind, value, _ := strings.Cut(ctx, ":")
	switch {
	case ctx == "pull_request":
		g.PullRequest = true
	case kind == "environment" && value != "":
		g.Environment = value
	case strings.HasPrefix(ctx, "ref:refs/heads/") && len(ctx) > len("ref:refs/heads/"):
		g.Branch = strings.TrimPrefix(ctx, "ref:refs/heads/")
	case strings.HasPrefix(ctx, "ref:refs/tags/") && len(ctx) > len("ref:refs/tags/"):
		g.Tag = strings.TrimPrefix(ctx, "ref:refs/tags/")
	default:
		return GitHub{}, false
	}
	return g, !strings.Contains(g.Branch+g.Tag+g.Environment, ":")
}

func sameGitHub(a, b GitHub) bool {
	a.RepoID, a.OwnerID, b.RepoID, b.OwnerID = "", "", "", ""
	return a == b
}
