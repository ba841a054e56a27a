package workloads

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRecognise(t *testing.T) {
	for _, tc := range []struct {
		name, issuer, aud, sub string
		want                   *Entry // nil: not recognised
	}{
		{"github branch", githubIssuer, stsAudience, "repo:acme/deploy:ref:refs/heads/main",
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main"}}},
		{"github id form", githubIssuer, stsAudience, "repo:acme@7/deploy@42:environment:prod",
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", Environment: "prod", OwnerID: "7", RepoID: "42"}}},
		{"github tag", githubIssuer + "/", stsAudience, "repo:acme/deploy:ref:refs/tags/v1",
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", Tag: "v1"}}},
		{"github pull request", githubIssuer, stsAudience, "repo:acme/deploy:pull_request",
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", PullRequest: true}}},
		{"github wildcard", githubIssuer, stsAudience, "repo:acme/*", nil},
		{"github one id only", githubIssuer, stsAudience, "repo:acme@7/deploy:ref:refs/heads/main", nil},
		{"gitlab", "https://gitlab.com", "https://gitlab.com", "project_path:acme/platform/deploy:ref_type:branch:ref:main",
			&Entry{GitLab: &GitLab{Project: "acme/platform/deploy", RefType: "branch", Ref: "main"}}},
		{"gitlab self-managed", "https://git.example.com", "https://git.example.com", "project_path:acme/deploy:ref_type:tag:ref:v1",
			&Entry{GitLab: &GitLab{Project: "acme/deploy", RefType: "tag", Ref: "v1", Issuer: "https://git.example.com"}}},
		{"other issuer", "https://ci.example.com", "aws", "project:deploy",
			&Entry{OIDC: &OIDC{Issuer: "https://ci.example.com", Audience: "aws", Claims: map[string]string{"sub": "project:deploy"}}}},
		{"no sub", "https://ci.example.com", "aws", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Recognise(tc.issuer, tc.aud, tc.sub)
			if tc.want == nil {
				if ok {
					t.Fatalf("recognised %+v, want nothing", got)
				}
				return
			}
			if !ok {
				t.Fatal("not recognised")
			}
			if d := cmp.Diff(*tc.want, got); d != "" {
				t.Fatalf("entry (-want +got):\n%s", d)
			}
			// The entry's own trust admits the subject it was read from.
			got.Name = "x"
			trust, probs := got.Plan("aws", "111111111111")
			if len(probs) > 0 {
				t.Fatalf("the recognised entry has problems: %+v", probs)
			}
			if !slices.Contains(trust.Subjects, tc.sub) {
				t.Fatalf("trust subjects %q do not admit %q", trust.Subjects, tc.sub)
			}
		})
	}
}
