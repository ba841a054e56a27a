package workloads

import (
	"fmt"
	"strings"
)

// RoleARN is a workload role's ARN: arn:PARTITION:iam::ACCOUNT:rolePATHNAME,
// path "" meaning IAM's default "/".
func RoleARN(partition, account, path, name string) string {
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", partition, account, path, name)
}

// tokenFile is where the snippets have the job write its token for the
// SDKs' web-identity provider (AWS_WEB_IDENTITY_TOKEN_FILE).
const tokenFile = "/tmp/web-identity-token"

// Snippet is the CI configuration to paste so that a job of the entry's
// pipeline assumes roleARN with its own OIDC token, audience the one the
// trust admits (GitHub's and Terraform Cloud's are their tools' defaults,
// so their snippets leave it out), in region. Each follows its provider's guide for AWS:
//   - GitHub: aws-actions/configure-aws-credentials with role-to-assume
//     (docs.github.com, "Configuring OpenID Connect in Amazon Web Services");
//   - GitLab: id_tokens with aud (docs.gitlab.com, "OpenID Connect (OIDC)
//     Authentication Using ID Tokens");
//   - CircleCI: $CIRCLE_OIDC_TOKEN_V2, whose aud is the organization id;
//   - Bitbucket: oidc: true and $BITBUCKET_STEP_OIDC_TOKEN;
//   - Buildkite: buildkite-agent oidc request-token --audience
//     (buildkite.com/docs/agent/v3/cli-oidc);
//   - Terraform Cloud: the workspace variables TFC_AWS_PROVIDER_AUTH and
//     TFC_AWS_RUN_ROLE_ARN (developer.hashicorp.com, "Dynamic Credentials
//     with the AWS Provider");
//   - oidc: the SDKs' environment variables.
func Snippet(e *Entry, audience, roleARN, region string) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	env := func(indent string) {
		line("%sAWS_ROLE_ARN: %s", indent, roleARN)
		line("%sAWS_WEB_IDENTITY_TOKEN_FILE: %s", indent, tokenFile)
		line("%sAWS_REGION: %s", indent, region)
	}
	switch e.Provider() {
	case "github":
		line("# .github/workflows/*.yml")
		line("permissions:")
		line("  id-token: write")
		line("  contents: read")
		line("steps:")
		line("  - uses: aws-actions/configure-aws-credentials@v4")
		line("    with:")
		line("      role-to-assume: %s", roleARN)
		line("      aws-region: %s", region)
	case "gitlab":
		line("# .gitlab-ci.yml, in the job")
		line("id_tokens:")
		line("  AWS_ID_TOKEN:")
		line("    aud: %s", audience)
		line("variables:")
		env("  ")
		line("before_script:")
		line(`  - echo "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`)
	case "circleci":
		line("# .circleci/config.yml, in a job run with a context (only those get OIDC tokens)")
		line("environment:")
		env("  ")
		line("steps:")
		line(`  - run: echo "$CIRCLE_OIDC_TOKEN_V2" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`)
	case "bitbucket":
		line("# bitbucket-pipelines.yml, in the step")
		line("oidc: true")
		line("script:")
		line("  - export AWS_ROLE_ARN=%s", roleARN)
		line("  - export AWS_WEB_IDENTITY_TOKEN_FILE=%s", tokenFile)
		line("  - export AWS_REGION=%s", region)
		line(`  - echo "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`)
	case "buildkite":
		line("# pipeline.yml, in the step")
		line("env:")
		env("  ")
		line("command:")
		line(`  - buildkite-agent oidc request-token --audience %s > "$AWS_WEB_IDENTITY_TOKEN_FILE"`, audience)
	case "terraform_cloud":
		line("# the workspace's environment variables")
		line("TFC_AWS_PROVIDER_AUTH=true")
		line("TFC_AWS_RUN_ROLE_ARN=%s", roleARN)
	default: // oidc
		line("# the job's environment; write its token (aud %s) to the file", audience)
		line("AWS_ROLE_ARN=%s", roleARN)
		line("AWS_WEB_IDENTITY_TOKEN_FILE=%s", tokenFile)
		line("AWS_REGION=%s", region)
	}
	return b.String()
}
