package audit

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const gh = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"

func TestScopeOf(t *testing.T) {
	for _, tc := range []struct {
		issuer, sub string
		like        bool
		want        SubScope
	}{
		{GitHubIssuer, "repo:o/r:ref:refs/heads/main", false, SubScope{}},
		{GitHubIssuer, "repo:o/*", false, SubScope{}}, // StringEquals: * is literal
		{GitHubIssuer, "repo:o/*", true, SubScope{Repos: true, AnyRef: true}},
		{GitHubIssuer, "repo:o/r*:ref:refs/heads/main", true, SubScope{Repos: true, AnyRef: true}},
		{GitHubIssuer, "repo:o/r:*", true, SubScope{AnyRef: true}},
		{GitHubIssuer, "repo:o/r:ref:refs/heads/*", true, SubScope{}},
		{GitHubIssuer, "repo:o/r:ref:refs/tags/v*", true, SubScope{}},
		{GitHubIssuer, "*", true, SubScope{Repos: true, AnyRef: true}},
		{GitHubIssuer, "repo:*:pull_request", true, SubScope{Repos: true, AnyRef: true}},
		{"gitlab.com", "project_path:g/p:ref_type:branch:ref:*", true, SubScope{}},
		{"gitlab.com", "project_path:g/*:ref_type:branch:ref:main", true, SubScope{Repos: true, AnyRef: true}},
		{"oidc.circleci.com/org/O", "org/O/project/P/user/*", true, SubScope{}},
		{"oidc.circleci.com/org/O", "org/O/project/*", true, SubScope{Repos: true, AnyRef: true}},
		{"app.terraform.io", "organization:o:project:p:workspace:*:run_phase:*", true, SubScope{}},
		{"app.terraform.io", "*", true, SubScope{Repos: true, AnyRef: true}},
	} {
		if got := ScopeOf(tc.issuer, tc.sub, tc.like); got != tc.want {
			t.Errorf("ScopeOf(%q, %q, %v) = %+v, want %+v", tc.issuer, tc.sub, tc.like, got, tc.want)
		}
	}
}

func TestGitHubOldSubjectOnly(t *testing.T) {
	for _, tc := range []struct {
		t    WebIdentityTrust
		want bool
	}{
		{WebIdentityTrust{Issuer: GitHubIssuer, Sub: []string{"repo:o/r:ref:refs/heads/main"}}, true},
		{WebIdentityTrust{Issuer: GitHubIssuer, Sub: []string{"repo:o/r:ref:refs/heads/main", "repo:o@1/r@2:ref:refs/heads/main"}}, false},
		{WebIdentityTrust{Issuer: GitHubIssuer, Sub: []string{"repo:o*/r*:ref:refs/heads/main"}, SubLike: true}, false},
		{WebIdentityTrust{Issuer: GitHubIssuer}, false}, // no sub: oidc-role-no-sub reports it
		{WebIdentityTrust{Issuer: "gitlab.com", Sub: []string{"project_path:g/p:ref_type:branch:ref:main"}}, false},
	} {
		if got := githubOldSubjectOnly(tc.t); got != tc.want {
			t.Errorf("githubOldSubjectOnly(%v) = %v, want %v", tc.t.Sub, got, tc.want)
		}
	}
}

// TestWorkloadChecks: the checks judge what ParseTrust read, one finding
// per role and check even when several statements fail it.
func TestWorkloadChecks(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	recent := now.Add(-24 * time.Hour)
	gl := "arn:aws:iam::111111111111:oidc-provider/gitlab.com"
	st := &AccountState{AccountID: "111111111111", OIDCProviders: []string{gh, gl, "arn:aws:iam::111111111111:oidc-provider/app.terraform.io"},
		Roles: []IAMRole{
			{Name: "two", ARN: "arn:aws:iam::111111111111:role/two", LastUsed: &recent, Trusts: []WebIdentityTrust{
				{Provider: gh, Issuer: GitHubIssuer, Aud: []string{"sts.amazonaws.com"}},
				{Provider: gl, Issuer: "gitlab.com", Aud: []string{"https://gitlab.com"}},
			}},
			{Name: "old", ARN: "arn:aws:iam::111111111111:role/old", Created: now.Add(-91 * 24 * time.Hour), Trusts: []WebIdentityTrust{
				{Provider: gh, Issuer: GitHubIssuer, Aud: []string{"sts.amazonaws.com"}, Sub: []string{"repo:o/r:environment:prod", "repo:o@1/r@2:environment:prod"}},
			}},
		}}
	var got []string
	for _, f := range Run(st, now).Findings {
		if strings.HasPrefix(f.ID, "oidc-") {
			got = append(got, f.ID+" "+f.Resource+": "+f.Evidence)
		}
	}
	slices.Sort(got)
	want := []string{
		"oidc-provider-unused arn:aws:iam::111111111111:oidc-provider/app.terraform.io: no role's trust policy names arn:aws:iam::111111111111:oidc-provider/app.terraform.io",
		"oidc-role-no-sub arn:aws:iam::111111111111:role/two: trust on " + gh + " has no token.actions.githubusercontent.com:sub condition: any token token.actions.githubusercontent.com issues, for any repository of any of its customers, can assume the role; " +
			"trust on " + gl + " has no gitlab.com:sub condition: any token gitlab.com issues, for any repository of any of its customers, can assume the role",
		"oidc-role-unused arn:aws:iam::111111111111:role/old: role old never used, created 2026-09-01, 91 days ago",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
