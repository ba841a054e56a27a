package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// WebIdentityTrust is one Allow statement of a role's trust policy that
// lets an OIDC provider's tokens assume the role.
type WebIdentityTrust struct {
	// Provider is the oidc-provider ARN the statement names.
	Provider string
	// Issuer is the provider URL without https://: the prefix of the
	// condition keys (token.actions.githubusercontent.com).
	Issuer string
	// Sub and Aud are the values the sub and aud claims are matched
	// against; nil when the statement has no such condition.
	Sub, Aud []string
	// SubLike is set when sub is matched with StringLike (wildcards).
	SubLike bool
}

// GitHubIssuer is GitHub Actions' token issuer, as a condition key prefix.
const GitHubIssuer = "token.actions.githubusercontent.com"

// ParseTrust returns the web-identity statements of a trust policy. The
// document may be URL-encoded JSON, as IAM returns it; Statement, Action,
// Principal.Federated and condition values may each be one or a list.
func ParseTrust(doc string) ([]WebIdentityTrust, error) {
	var p struct {
		Statement oneOrMany[trustStatement]
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("parse trust policy: %w", err)
	}
	var out []WebIdentityTrust
	for _, s := range p.Statement {
		if s.Effect != "Allow" || !slices.ContainsFunc(s.Action, func(a string) bool {
			a = strings.ToLower(a)
			return a == "sts:assumerolewithwebidentity" || a == "sts:*" || a == "*"
		}) {
			continue
		}
		for _, fed := range s.Principal.Federated {
			_, issuer, ok := strings.Cut(fed, ":oidc-provider/")
			if !ok {
				continue // a SAML provider, or cognito-identity.amazonaws.com
			}
			t := WebIdentityTrust{Provider: fed, Issuer: issuer}
			for op, conds := range s.Condition {
				// ForAnyValue:StringLike, StringEqualsIfExists: the base operator decides.
				base := op[strings.LastIndex(op, ":")+1:]
				base = strings.TrimSuffix(base, "IfExists")
				if base != "StringEquals" && base != "StringLike" {
					continue
				}
				for key, vals := range conds {
					prefix, claim, ok := cutLast(key, ":")
					if !ok || !strings.EqualFold(prefix, issuer) {
						continue
					}
					switch strings.ToLower(claim) {
					case "sub":
						t.Sub = append(t.Sub, stringsOf(vals)...)
						t.SubLike = t.SubLike || base == "StringLike"
					case "aud":
						t.Aud = append(t.Aud, stringsOf(vals)...)
					}
				}
			}
			slices.Sort(t.Sub)
			slices.Sort(t.Aud)
			out = append(out, t)
		}
	}
	return out, nil
}

type trustStatement struct {
	Effect    string
	Action    oneOrMany[string]
	Principal principal
	// Condition values may be strings, numbers or booleans (Bool,
	// NumericLessThan): only strings are kept.
	Condition map[string]map[string]oneOrMany[any]
}

// principal is a statement's Principal: "*" or an object by kind.
type principal struct{ Federated oneOrMany[string] }

func (p *principal) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return nil // "*": no federated provider named
	}
	var v struct{ Federated oneOrMany[string] }
	err := json.Unmarshal(b, &v)
	*p = v
	return err
}

func stringsOf(vals []any) []string {
	var out []string
	for _, v := range vals {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// oneOrMany decodes a JSON value or a list of them, as IAM policies allow.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*[]T)(o))
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = []T{v}
	return nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

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

// GitHubOldSubjectOnly reports a GitHub trust whose sub values all have
// the classic repo:OWNER/REPO form: none would match the subject with
// immutable ids (repo:OWNER@ID/REPO@ID:...) that repositories created
// since 2026-07-15 present by default.
func (t WebIdentityTrust) GitHubOldSubjectOnly() bool {
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
