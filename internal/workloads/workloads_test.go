package workloads

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const account = "111122223333"

// trust builds the expected policy text from its parts, so each case shows
// only the provider key and its conditions.
func trust(key, conditions string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account +
		`:oidc-provider/` + key + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + conditions + `}]}`
}

func TestPlanTrustPolicies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		entry  Entry
		issuer string
		aud    []string
		doc    string
	}{
		{"github branch, classic form only",
			Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main"}},
			"https://token.actions.githubusercontent.com", []string{"sts.amazonaws.com"},
			trust("token.actions.githubusercontent.com", `{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/deploy:ref:refs/heads/main"}}`)},
		{"github with ids: both forms",
			Entry{GitHub: &GitHub{Repo: "acme/deploy", Environment: "prod", RepoID: "42", OwnerID: "7"}},
			"https://token.actions.githubusercontent.com", []string{"sts.amazonaws.com"},
			trust("token.actions.githubusercontent.com", `{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":["repo:acme/deploy:environment:prod","repo:acme@7/deploy@42:environment:prod"]}}`)},
		{"github tag",
			Entry{GitHub: &GitHub{Repo: "acme/deploy", Tag: "v1.2.3"}},
			"https://token.actions.githubusercontent.com", []string{"sts.amazonaws.com"},
			trust("token.actions.githubusercontent.com", `{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/deploy:ref:refs/tags/v1.2.3"}}`)},
		{"github pull requests with a workflow",
			Entry{GitHub: &GitHub{Repo: "acme/deploy", PullRequest: true, Workflow: ".github/workflows/plan.yml@refs/heads/main"}},
			"https://token.actions.githubusercontent.com", []string{"sts.amazonaws.com"},
			trust("token.actions.githubusercontent.com", `{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/deploy:pull_request:job_workflow_ref:acme/deploy/.github/workflows/plan.yml@refs/heads/main"}}`)},
		{"github branch pattern, allowed",
			Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "release/*"}, SubjectPatternAllowed: true},
			"https://token.actions.githubusercontent.com", []string{"sts.amazonaws.com"},
			trust("token.actions.githubusercontent.com", `{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/deploy:ref:refs/heads/release/*"}}`)},
		{"gitlab.com",
			Entry{GitLab: &GitLab{Project: "acme/platform/deploy", Ref: "main"}},
			"https://gitlab.com", []string{"https://gitlab.com"},
			trust("gitlab.com", `{"StringEquals":{"gitlab.com:aud":"https://gitlab.com","gitlab.com:sub":"project_path:acme/platform/deploy:ref_type:branch:ref:main"}}`)},
		{"self-managed gitlab, tag",
			Entry{GitLab: &GitLab{Project: "ops/deploy", Ref: "v1", RefType: "tag", Issuer: "https://gitlab.example.com/"}},
			"https://gitlab.example.com", []string{"https://gitlab.example.com"},
			trust("gitlab.example.com", `{"StringEquals":{"gitlab.example.com:aud":"https://gitlab.example.com","gitlab.example.com:sub":"project_path:ops/deploy:ref_type:tag:ref:v1"}}`)},
		{"circleci",
			Entry{CircleCI: &CircleCI{OrganizationID: "11111111-2222-3333-4444-555555555555", ProjectID: "66666666-7777-8888-9999-000000000000"}},
			"https://oidc.circleci.com/org/11111111-2222-3333-4444-555555555555", []string{"11111111-2222-3333-4444-555555555555"},
			trust("oidc.circleci.com/org/11111111-2222-3333-4444-555555555555", `{"StringEquals":{"oidc.circleci.com/org/11111111-2222-3333-4444-555555555555:aud":"11111111-2222-3333-4444-555555555555"},"StringLike":{"oidc.circleci.com/org/11111111-2222-3333-4444-555555555555:sub":"org/11111111-2222-3333-4444-555555555555/project/66666666-7777-8888-9999-000000000000/user/*"}}`)},
		{"bitbucket with a deployment environment",
			Entry{Bitbucket: &Bitbucket{Workspace: "acme", WorkspaceUUID: "{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}", RepositoryUUID: "11111111-2222-3333-4444-555555555555", DeploymentEnvironmentUUID: "{66666666-7777-8888-9999-000000000000}"}},
			"https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc", []string{"ari:cloud:bitbucket::workspace/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
			trust("api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc", `{"StringEquals":{"api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc:aud":"ari:cloud:bitbucket::workspace/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},"StringLike":{"api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc:sub":"{11111111-2222-3333-4444-555555555555}:{66666666-7777-8888-9999-000000000000}:*"}}`)},
		{"buildkite",
			Entry{Buildkite: &Buildkite{Organization: "acme", Pipeline: "deploy", Branch: "main"}},
			"https://agent.buildkite.com", []string{"sts.amazonaws.com"},
			trust("agent.buildkite.com", `{"StringEquals":{"agent.buildkite.com:aud":"sts.amazonaws.com"},"StringLike":{"agent.buildkite.com:sub":"organization:acme:pipeline:deploy:ref:refs/heads/main:commit:*:step:*"}}`)},
		{"terraform cloud, apply only",
			Entry{TerraformCloud: &TerraformCloud{Organization: "acme", Project: "infra", Workspace: "prod", RunPhase: "apply"}},
			"https://app.terraform.io", []string{"aws.workload.identity"},
			trust("app.terraform.io", `{"StringEquals":{"app.terraform.io:aud":"aws.workload.identity","app.terraform.io:sub":"organization:acme:project:infra:workspace:prod:run_phase:apply"}}`)},
		{"terraform cloud, both phases",
			Entry{TerraformCloud: &TerraformCloud{Organization: "acme", Project: "infra", Workspace: "prod"}},
			"https://app.terraform.io", []string{"aws.workload.identity"},
			trust("app.terraform.io", `{"StringEquals":{"app.terraform.io:aud":"aws.workload.identity"},"StringLike":{"app.terraform.io:sub":"organization:acme:project:infra:workspace:prod:run_phase:*"}}`)},
		{"any oidc issuer",
			Entry{OIDC: &OIDC{Issuer: "https://ci.example.com/oidc", Audience: "aws", Claims: map[string]string{"sub": "project:deploy"}}},
			"https://ci.example.com/oidc", []string{"aws"},
			trust("ci.example.com/oidc", `{"StringEquals":{"ci.example.com/oidc:aud":"aws","ci.example.com/oidc:sub":"project:deploy"}}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, probs := tc.entry.Plan("aws", account)
			if len(probs) > 0 {
				t.Fatalf("problems: %v", probs)
			}
			if got.Issuer != tc.issuer {
				t.Errorf("issuer %q, want %q", got.Issuer, tc.issuer)
			}
			if diff := cmp.Diff(tc.aud, got.Audiences); diff != "" {
				t.Errorf("audiences (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.doc, got.Document); diff != "" {
				t.Errorf("trust policy (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGitHubSaysWhichForms(t *testing.T) {
	classic, _ := (&Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main"}}).Plan("aws", account)
	both, _ := (&Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main", RepoID: "1", OwnerID: "2"}}).Plan("aws", account)
	if !strings.Contains(classic.Forms, "classic subject form") || !strings.Contains(classic.Forms, "would be refused") {
		t.Errorf("classic: %q", classic.Forms)
	}
	if !strings.Contains(both.Forms, "both subject forms") {
		t.Errorf("both: %q", both.Forms)
	}
}

func TestPartitionInProviderARN(t *testing.T) {
	got, _ := (&Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main"}}).Plan("aws-us-gov", account)
	if !strings.Contains(got.Document, `"arn:aws-us-gov:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"`) {
		t.Error(got.Document)
	}
}

func TestPlanRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		entry Entry
		field string
		msg   string
	}{
		{"no provider", Entry{}, "", "names no provider"},
		{"malformed repo", Entry{GitHub: &GitHub{Repo: "acme", Branch: "main"}}, "github.repo", "is not a GitHub repository"},
		{"org wildcard", Entry{GitHub: &GitHub{Repo: "acme/*", Branch: "main"}, SubjectPatternAllowed: true}, "github.repo", "wildcard"},
		{"branch wildcard without permission", Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "*"}}, "github.branch", "is a wildcard"},
		{"bare wildcard even with permission", Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "**"}, SubjectPatternAllowed: true}, "github.branch", "matches anything"},
		{"workflow wildcard without permission", Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main", Workflow: ".github/workflows/*"}}, "github.workflow", "is a wildcard"},
		{"no ref context", Entry{GitHub: &GitHub{Repo: "acme/deploy"}}, "github", "exactly one of branch"},
		{"one id only", Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main", RepoID: "1"}}, "github.repo_id", "together"},
		{"gitlab project without group", Entry{GitLab: &GitLab{Project: "deploy", Ref: "main"}}, "gitlab.project", "not a GitLab project path"},
		{"gitlab group wildcard", Entry{GitLab: &GitLab{Project: "acme/*", Ref: "main"}}, "gitlab.project", "wildcard"},
		{"gitlab environment", Entry{GitLab: &GitLab{Project: "acme/deploy", Ref: "main", Environment: "prod"}}, "gitlab.environment", "only aud and sub"},
		{"circleci bad id", Entry{CircleCI: &CircleCI{OrganizationID: "acme", ProjectID: "11111111-2222-3333-4444-555555555555"}}, "circleci.organization_id", "not a CircleCI id"},
		{"bitbucket bad uuid", Entry{Bitbucket: &Bitbucket{Workspace: "acme", WorkspaceUUID: "x", RepositoryUUID: "11111111-2222-3333-4444-555555555555"}}, "bitbucket.workspace_uuid", "not a UUID"},
		{"terraform workspace wildcard", Entry{TerraformCloud: &TerraformCloud{Organization: "acme", Project: "infra", Workspace: "*"}}, "terraform_cloud.workspace", "does not name one"},
		{"oidc without sub", Entry{OIDC: &OIDC{Issuer: "https://ci.example.com", Audience: "aws"}}, "oidc.claims", "has no sub"},
		{"oidc leading wildcard", Entry{OIDC: &OIDC{Issuer: "https://ci.example.com", Audience: "aws", Claims: map[string]string{"sub": "*:deploy"}}, SubjectPatternAllowed: true}, "oidc.claims.sub", "starts with a wildcard"},
		{"over IAM's size", Entry{OIDC: &OIDC{Issuer: "https://ci.example.com/" + strings.Repeat("p", 1000), Audience: "aws", Claims: map[string]string{"sub": strings.Repeat("s", 600)}}}, "oidc", "more than IAM's 2048"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, probs := tc.entry.Plan("aws", account)
			if got != nil {
				t.Fatalf("accepted: %s", got.Document)
			}
			for _, p := range probs {
				if p.Field == tc.field && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Errorf("no problem at %q saying %q in %+v", tc.field, tc.msg, probs)
		})
	}
}
