package workloads

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/policy"
)

// trustDoc is a one-statement trust on issuer (host[/path]) with conditions.
func trustDoc(issuer string, cond map[string]map[string]any) string {
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow",
		"Principal": map[string]string{"Federated": "arn:aws:iam::111111111111:oidc-provider/" + issuer},
		"Action":    "sts:AssumeRoleWithWebIdentity", "Condition": cond}}})
	return string(b)
}

func eq(issuer, aud string, sub any) map[string]map[string]any {
	return map[string]map[string]any{"StringEquals": {issuer + ":aud": aud, issuer + ":sub": sub}}
}

func likeSub(issuer, aud string, sub any) map[string]map[string]any {
	return map[string]map[string]any{"StringEquals": {issuer + ":aud": aud}, "StringLike": {issuer + ":sub": sub}}
}

const (
	gh   = "token.actions.githubusercontent.com"
	org  = "3f6e2b55-8f6a-4c64-9b4e-6a1d6c1f0a11"
	proj = "9a1c0d7e-2b3f-4e5a-8c9d-0e1f2a3b4c5d"
	bbws = "{0b8c5e1d-9a2f-4c3b-8d7e-6f5a4b3c2d1e}"
	bbrp = "{7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d}"
	bbip = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc"
)

// TestRecogniseTrust: each provider's trust, as keyless writes it or as a
// person wrote it by hand, reads back into the entry whose plan writes the
// same trust; a trust no entry writes says why.
func TestRecogniseTrust(t *testing.T) {
	for _, tc := range []struct {
		name, issuer string
		cond         map[string]map[string]any
		want         *Entry // nil: not recognised
		why          string // part of the reason, when not
	}{
		{"github branch", gh, eq(gh, stsAudience, "repo:acme/deploy:ref:refs/heads/main"),
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main"}}, ""},
		{"github both forms keep the ids", gh, eq(gh, stsAudience, []string{"repo:acme/deploy:environment:prod", "repo:acme@7/deploy@42:environment:prod"}),
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", Environment: "prod", OwnerID: "7", RepoID: "42"}}, ""},
		{"github id form only", gh, eq(gh, stsAudience, "repo:acme@7/deploy@42:ref:refs/tags/v1"),
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", Tag: "v1", OwnerID: "7", RepoID: "42"}}, ""},
		{"github pull request", gh, eq(gh, stsAudience, "repo:acme/deploy:pull_request"),
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", PullRequest: true}}, ""},
		{"github workflow", gh, eq(gh, stsAudience, "repo:acme/deploy:ref:refs/heads/main:job_workflow_ref:acme/deploy/.github/workflows/d.yml@refs/heads/main"),
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main", Workflow: ".github/workflows/d.yml@refs/heads/main"}}, ""},
		{"github branch pattern", gh, likeSub(gh, stsAudience, "repo:acme/deploy:ref:refs/heads/release/*"),
			&Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "release/*"}, SubjectPatternAllowed: true}, ""},
		{"github any repository", gh, likeSub(gh, stsAudience, "repo:acme/*"), nil, "not one repository"},
		{"github two repositories", gh, eq(gh, stsAudience, []string{"repo:acme/a:ref:refs/heads/main", "repo:acme/b:ref:refs/heads/main"}), nil, "several repositories"},
		{"github another audience is an exact oidc entry", gh, eq(gh, "api://deploy", "repo:acme/deploy:ref:refs/heads/main"),
			&Entry{OIDC: &OIDC{Issuer: "https://" + gh, Audience: "api://deploy", Claims: map[string]string{"sub": "repo:acme/deploy:ref:refs/heads/main"}}}, ""},
		{"no sub", gh, map[string]map[string]any{"StringEquals": {gh + ":aud": stsAudience}}, nil, "does not check " + gh + ":sub"},
		{"no aud", gh, map[string]map[string]any{"StringEquals": {gh + ":sub": "repo:acme/deploy:ref:refs/heads/main"}}, nil, "0 values of " + gh + ":aud"},
		{"another condition", gh, map[string]map[string]any{"StringEquals": {gh + ":aud": stsAudience, gh + ":sub": "repo:acme/deploy:pull_request"},
			"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, nil, "IpAddress aws:SourceIp"},
		{"gitlab", "gitlab.com", eq("gitlab.com", "https://gitlab.com", "project_path:acme/platform/deploy:ref_type:branch:ref:main"),
			&Entry{GitLab: &GitLab{Project: "acme/platform/deploy", RefType: "branch", Ref: "main"}}, ""},
		{"gitlab self-managed", "git.example.com", eq("git.example.com", "https://git.example.com", "project_path:acme/deploy:ref_type:tag:ref:v1"),
			&Entry{GitLab: &GitLab{Project: "acme/deploy", RefType: "tag", Ref: "v1", Issuer: "https://git.example.com"}}, ""},
		{"gitlab any project", "gitlab.com", likeSub("gitlab.com", "https://gitlab.com", "project_path:acme/*"), nil, "not one GitLab project"},
		{"circleci", "oidc.circleci.com/org/" + org, likeSub("oidc.circleci.com/org/"+org, org, "org/"+org+"/project/"+proj+"/user/*"),
			&Entry{CircleCI: &CircleCI{OrganizationID: org, ProjectID: proj}}, ""},
		{"circleci any project", "oidc.circleci.com/org/" + org, likeSub("oidc.circleci.com/org/"+org, org, "org/"+org+"/*"), nil, "not the one circleci writes"},
		{"circleci pattern under StringEquals", "oidc.circleci.com/org/" + org, eq("oidc.circleci.com/org/"+org, org, "org/"+org+"/project/"+proj+"/user/*"),
			nil, "only a literal *"},
		{"bitbucket with environment", bbip, likeSub(bbip, "ari:cloud:bitbucket::workspace/"+strings.Trim(bbws, "{}"), bbrp+":"+bbws+":*"),
			&Entry{Bitbucket: &Bitbucket{Workspace: "acme", WorkspaceUUID: strings.Trim(bbws, "{}"), RepositoryUUID: bbrp, DeploymentEnvironmentUUID: bbws}}, ""},
		{"buildkite", "agent.buildkite.com", likeSub("agent.buildkite.com", stsAudience, "organization:acme:pipeline:deploy:ref:refs/heads/main:commit:*:step:*"),
			&Entry{Buildkite: &Buildkite{Organization: "acme", Pipeline: "deploy", Branch: "main"}}, ""},
		{"terraform cloud both phases", "app.terraform.io", likeSub("app.terraform.io", "aws.workload.identity", "organization:acme:project:infra:workspace:prod:run_phase:*"),
			&Entry{TerraformCloud: &TerraformCloud{Organization: "acme", Project: "infra", Workspace: "prod"}}, ""},
		{"terraform cloud apply", "app.terraform.io", eq("app.terraform.io", "aws.workload.identity", "organization:acme:project:infra:workspace:prod:run_phase:apply"),
			&Entry{TerraformCloud: &TerraformCloud{Organization: "acme", Project: "infra", Workspace: "prod", RunPhase: "apply"}}, ""},
		{"terraform cloud any workspace", "app.terraform.io", likeSub("app.terraform.io", "aws.workload.identity", "organization:acme:*"), nil, "not the one terraform_cloud writes"},
		{"other issuer", "ci.example.com", eq("ci.example.com", "aws", "project:deploy"),
			&Entry{OIDC: &OIDC{Issuer: "https://ci.example.com", Audience: "aws", Claims: map[string]string{"sub": "project:deploy"}}}, ""},
		{"other issuer with a pattern", "ci.example.com", likeSub("ci.example.com", "aws", "project:deploy:*"),
			&Entry{OIDC: &OIDC{Issuer: "https://ci.example.com", Audience: "aws", Claims: map[string]string{"sub": "project:deploy:*"}}, SubjectPatternAllowed: true}, ""},
		{"other issuer, any subject", "ci.example.com", likeSub("ci.example.com", "aws", "*"), nil, "starts with a wildcard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := policy.ReadTrust(trustDoc(tc.issuer, tc.cond))
			if err != nil {
				t.Fatal(err)
			}
			got, why := RecogniseTrust(tp)
			if tc.want == nil {
				if why == "" || !strings.Contains(why, tc.why) {
					t.Fatalf("recognised %+v, reason %q; want a reason with %q", got, why, tc.why)
				}
				return
			}
			if why != "" {
				t.Fatalf("not recognised: %s", why)
			}
			if d := cmp.Diff(*tc.want, got); d != "" {
				t.Fatalf("entry (-want +got):\n%s", d)
			}
		})
	}
}

// TestRecogniseTrustRoundTrip: the trust keyless writes for an entry of
// each provider reads back into that entry.
func TestRecogniseTrustRoundTrip(t *testing.T) {
	for _, e := range []Entry{
		{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main", RepoID: "42", OwnerID: "7"}},
		{GitLab: &GitLab{Project: "acme/deploy", Ref: "main", RefType: "branch"}},
		{CircleCI: &CircleCI{OrganizationID: org, ProjectID: proj}},
		{Bitbucket: &Bitbucket{Workspace: "acme", WorkspaceUUID: strings.Trim(bbws, "{}"), RepositoryUUID: bbrp}},
		{Buildkite: &Buildkite{Organization: "acme", Pipeline: "deploy", Branch: "main"}},
		{TerraformCloud: &TerraformCloud{Organization: "acme", Project: "infra", Workspace: "prod", RunPhase: "plan"}},
		{OIDC: &OIDC{Issuer: "https://ci.example.com", Audience: "aws", Claims: map[string]string{"sub": "job:deploy"}}},
	} {
		t.Run(e.Provider(), func(t *testing.T) {
			e.Name = "x"
			trust, probs := e.Plan("aws", "111111111111")
			if len(probs) > 0 {
				t.Fatalf("%+v", probs)
			}
			tp, err := policy.ReadTrust(trust.Document)
			if err != nil {
				t.Fatal(err)
			}
			got, why := RecogniseTrust(tp)
			if why != "" {
				t.Fatalf("not recognised: %s", why)
			}
			e.Name = ""
			if d := cmp.Diff(e, got); d != "" {
				t.Fatalf("entry (-want +got):\n%s", d)
			}
		})
	}
}
