package audit

import (
	"strings"

	"github.com/keyless-dev/keyless/internal/policy"
)

// WebIdentityTrust is one statement of a role's trust policy letting an
// OIDC provider's tokens in, as policy.ReadTrust reads it.
type WebIdentityTrust = policy.WebIdentity

// GitHubIssuer is GitHub Actions' token issuer, as a condition key prefix.
const GitHubIssuer = "token.actions.githubusercontent.com"

// SubScope says how far one sub value reaches, for the CI systems whose
// subject starts with the repository or project: Repos is set when it
// covers more than one repository or project, AnyRef when it also admits
// any branch, tag, environment or pull request (forks' included).
type SubScope struct{ Repos, AnyRef bool }

// ScopeOf judges one sub value of a trust on issuer; like says it is a
// StringLike pattern (only then do * and ? match anything).
func ScopeOf(issuer, sub string, like bool) SubScope {
	if !like || !strings.ContainsAny(sub, "*?") {
		return SubScope{}
	}
	var head string // the part naming the repository or project
	switch {
	case issuer == GitHubIssuer || strings.HasPrefix(sub, "repo:"):
		head = "repo:"
	case strings.HasPrefix(sub, "project_path:"): // GitLab
		head = "project_path:"
	case strings.HasPrefix(issuer, "oidc.circleci.com/"):
		// org/ORG/project/PROJECT/user/USER: the user varies per run.
		repo, _, _ := strings.Cut(sub, "/user/")
		return SubScope{Repos: strings.ContainsAny(repo, "*?"), AnyRef: strings.ContainsAny(repo, "*?")}
	default:
		// Unknown subject shape: only a pattern that is all wildcard is
		// surely broader than one project.
		all := strings.Trim(sub, "*?") == ""
		return SubScope{Repos: all, AnyRef: all}
	}
	rest, ok := strings.CutPrefix(sub, head)
	if !ok {
		return SubScope{Repos: true, AnyRef: true} // "*" or "*:pull_request": any repository
	}
	repo, ref, hasRef := strings.Cut(rest, ":")
	s := SubScope{Repos: strings.ContainsAny(repo, "*?")}
	s.AnyRef = s.Repos || !hasRef || strings.ContainsAny(strings.SplitN(ref, ":", 2)[0], "*?") || strings.Trim(ref, "*?") == ""
	return s
}

// githubOldSubjectOnly reports a GitHub trust whose sub values all have
// the classic repo:OWNER/REPO form: none would match the subject with
// immutable ids (repo:OWNER@ID/REPO@ID:...) that repositories created
// since 2026-07-15 present by default.
func githubOldSubjectOnly(t WebIdentityTrust) bool {
	if t.Issuer != GitHubIssuer || len(t.Sub) == 0 {
		return false
	}
	for _, s := range t.Sub {
		repo, _, _ := strings.Cut(strings.TrimPrefix(s, "repo:"), ":")
		if strings.Contains(repo, "@") || t.SubLike && strings.ContainsAny(repo, "*?") || !strings.HasPrefix(s, "repo:") {
			return false
		}
	}
	return true
}
