package workloads

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSnippet(t *testing.T) {
	const arn = "arn:aws:iam::111111111111:role/ci/deploy"
	tests := []struct {
		name     string
		entry    Entry
		audience string
		want     string
	}{
		{"github", Entry{GitHub: &GitHub{Repo: "acme/deploy"}}, "sts.amazonaws.com", `# .github/workflows/*.yml
permissions:
  id-token: write
  contents: read
steps:
  - uses: aws-actions/configure-aws-credentials@v4
    with:
      role-to-assume: arn:aws:iam::111111111111:role/ci/deploy
      aws-region: eu-west-1
`},
		{"gitlab", Entry{GitLab: &GitLab{Project: "acme/deploy"}}, "https://gitlab.com", `# .gitlab-ci.yml, in the job
id_tokens:
  AWS_ID_TOKEN:
    aud: https://gitlab.com
variables:
  AWS_ROLE_ARN: arn:aws:iam::111111111111:role/ci/deploy
  AWS_WEB_IDENTITY_TOKEN_FILE: /tmp/web-identity-token
  AWS_REGION: eu-west-1
before_script:
  - echo "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"
`},
		{"circleci", Entry{CircleCI: &CircleCI{OrganizationID: "o"}}, "o", `# .circleci/config.yml, in a job run with a context (only those get OIDC tokens)
environment:
  AWS_ROLE_ARN: arn:aws:iam::111111111111:role/ci/deploy
  AWS_WEB_IDENTITY_TOKEN_FILE: /tmp/web-identity-token
  AWS_REGION: eu-west-1
steps:
  - run: echo "$CIRCLE_OIDC_TOKEN_V2" > "$AWS_WEB_IDENTITY_TOKEN_FILE"
`},
		{"bitbucket", Entry{Bitbucket: &Bitbucket{Workspace: "acme"}}, "ari:cloud:bitbucket::workspace/w", `# bitbucket-pipelines.yml, in the step
oidc: true
script:
  - export AWS_ROLE_ARN=arn:aws:iam::111111111111:role/ci/deploy
  - export AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/web-identity-token
  - export AWS_REGION=eu-west-1
  - echo "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"
`},
		{"buildkite", Entry{Buildkite: &Buildkite{Organization: "acme"}}, "sts.amazonaws.com", `# pipeline.yml, in the step
env:
  AWS_ROLE_ARN: arn:aws:iam::111111111111:role/ci/deploy
  AWS_WEB_IDENTITY_TOKEN_FILE: /tmp/web-identity-token
  AWS_REGION: eu-west-1
command:
  - buildkite-agent oidc request-token --audience sts.amazonaws.com > "$AWS_WEB_IDENTITY_TOKEN_FILE"
`},
		{"terraform cloud", Entry{TerraformCloud: &TerraformCloud{Organization: "acme"}}, "aws.workload.identity", `# the workspace's environment variables
TFC_AWS_PROVIDER_AUTH=true
TFC_AWS_RUN_ROLE_ARN=arn:aws:iam::111111111111:role/ci/deploy
`},
		{"oidc", Entry{OIDC: &OIDC{Issuer: "https://ci.example.com"}}, "aws", `# the job's environment; write its token (aud aws) to the file
AWS_ROLE_ARN=arn:aws:iam::111111111111:role/ci/deploy
AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/web-identity-token
AWS_REGION=eu-west-1
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Snippet(&tt.entry, tt.audience, arn, "eu-west-1")); diff != "" {
				t.Errorf("Snippet (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoleARN(t *testing.T) {
	for _, tt := range []struct{ partition, path, want string }{
		{"aws", "", "arn:aws:iam::111111111111:role/deploy"},
		{"aws-us-gov", "/ci/", "arn:aws-us-gov:iam::111111111111:role/ci/deploy"},
	} {
		if got := RoleARN(tt.partition, "111111111111", tt.path, "deploy"); got != tt.want {
			t.Errorf("RoleARN(%q, %q) = %q, want %q", tt.partition, tt.path, got, tt.want)
		}
	}
}
