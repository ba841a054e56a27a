package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// mintCI asks the sandbox's local issuer for a CI token.
func mintCI(t *testing.T, url, provider string, req map[string]any) CITokenResponse {
	t.Helper()
	b, _ := json.Marshal(req)
	resp, err := http.Post(url+"/_sandbox/oidc/"+provider+"/token", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out CITokenResponse
	if resp.StatusCode != 200 {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("POST /_sandbox/oidc/%s/token %v: HTTP %d %v", provider, req, resp.StatusCode, e)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// trustExactly registers tok's issuer as an IAM OIDC provider in the member
// account, under its real URL and audience, and a role whose trust pins aud
// and sub with StringEquals to the token's.
func trustExactly(t *testing.T, tg *target, role string, tok CITokenResponse) string {
	t.Helper()
	_, err := federationIAM(t, tg).CreateOpenIDConnectProvider(context.Background(), &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(tok.Issuer), ClientIDList: tok.Audience})
	if err != nil {
		t.Fatalf("create OIDC provider %s: %v", tok.Issuer, err)
	}
	return trustSubjects(t, tg, role, tok, tok.Subject)
}

// trustSubjects creates a role trusting tok's (existing) provider for tok's
// audience and exactly the subjects given.
func trustSubjects(t *testing.T, tg *target, role string, tok CITokenResponse, subs ...string) string {
	t.Helper()
	host := issuerKey(tok.Issuer)
	trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Federated": "arn:aws:iam::222222222222:oidc-provider/" + host},
		"Action":    "sts:AssumeRoleWithWebIdentity",
		"Condition": map[string]any{"StringEquals": map[string]any{host + ":aud": tok.Audience[0], host + ":sub": subs}},
	}}}
	doc, _ := json.Marshal(trust)
	r := must(federationIAM(t, tg).CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(string(doc))}))(t)
	return aws.ToString(r.Role.Arn)
}

// ciCase is one provider's pipeline run, and a run of another repository
// or project that the role must refuse.
type ciCase struct {
	provider   string
	run, other map[string]any
}

var ciCases = []ciCase{
	{"github", map[string]any{"repo": "acme/app", "ref": "refs/heads/main"}, map[string]any{"repo": "acme/other", "ref": "refs/heads/main"}},
	{"gitlab", map[string]any{"project": "acme/platform/app", "ref": "main"}, map[string]any{"project": "acme/platform/other", "ref": "main"}},
	{"circleci", map[string]any{"organization_id": "0b6e1f44-3c2a-4d7e-9f10-2a3b4c5d6e7f", "project_id": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"},
		map[string]any{"organization_id": "0b6e1f44-3c2a-4d7e-9f10-2a3b4c5d6e7f", "project_id": "99999999-4a5b-4c6d-8e9f-0a1b2c3d4e5f"}},
	{"bitbucket", map[string]any{"workspace": "acme", "workspace_uuid": "11111111-2222-4333-8444-555555555555",
		"repository_uuid": "{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}", "step_uuid": "{12121212-3434-4565-8787-909090909090}"},
		map[string]any{"workspace": "acme", "workspace_uuid": "11111111-2222-4333-8444-555555555555",
			"repository_uuid": "{ffffffff-bbbb-4ccc-8ddd-eeeeeeeeeeee}", "step_uuid": "{12121212-3434-4565-8787-909090909090}"}},
	{"buildkite", map[string]any{"organization": "acme", "pipeline": "deploy", "branch": "main", "commit": "abc123", "step_key": "ship"},
		map[string]any{"organization": "acme", "pipeline": "docs", "branch": "main", "commit": "abc123", "step_key": "ship"}},
	{"terraform-cloud", map[string]any{"organization": "acme", "project": "infra", "workspace": "prod", "run_phase": "apply"},
		map[string]any{"organization": "acme", "project": "infra", "workspace": "staging", "run_phase": "apply"}},
	{"oidc", map[string]any{"issuer": "https://ci.example.com/", "subject": "pipeline:deploy:main", "audience": "aws"},
		map[string]any{"issuer": "https://ci.example.com", "subject": "pipeline:docs:main", "audience": "aws"}},
}

// The sub each provider documents, from the request in ciCases.
var ciSubjects = map[string]string{
	"github":          "repo:acme/app:ref:refs/heads/main",
	"gitlab":          "project_path:acme/platform/app:ref_type:branch:ref:main",
	"circleci":        "org/0b6e1f44-3c2a-4d7e-9f10-2a3b4c5d6e7f/project/7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f/user/5f0c2a3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
	"bitbucket":       "{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}:{12121212-3434-4565-8787-909090909090}",
	"buildkite":       "organization:acme:pipeline:deploy:ref:refs/heads/main:commit:abc123:step:ship",
	"terraform-cloud": "organization:acme:project:infra:workspace:prod:run_phase:apply",
	"oidc":            "pipeline:deploy:main",
}

var ciIssuerURLs = map[string]string{
	"github":          "https://token.actions.githubusercontent.com",
	"gitlab":          "https://gitlab.com",
	"circleci":        "https://oidc.circleci.com/org/0b6e1f44-3c2a-4d7e-9f10-2a3b4c5d6e7f",
	"bitbucket":       "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
	"buildkite":       "https://agent.buildkite.com",
	"terraform-cloud": "https://app.terraform.io",
	"oidc":            "https://ci.example.com",
}

// webIdentityEnv points the SDKs' default credential chain at a token file
// and a role, as a CI job does, with no other credentials around.
func webIdentityEnv(t *testing.T, url, roleARN, tokenFile string) {
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	t.Setenv("AWS_ROLE_ARN", roleARN)
	t.Setenv("AWS_ROLE_SESSION_NAME", "pipeline-run")
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// A simulated run of each CI provider's pipeline gets credentials through
// aws-sdk-go-v2's web identity provider (AWS_WEB_IDENTITY_TOKEN_FILE +
// AWS_ROLE_ARN) for a role that trusts exactly its repository or project,
// registered under the provider's real issuer URL, with no internet; a run
// of another repository or project is refused.
func TestLocalCIIssuersSDKWebIdentity(t *testing.T) {
	srv, url := startSandbox(t, Options{})
	tg := &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)}
	for _, tc := range ciCases {
		t.Run(tc.provider, func(t *testing.T) {
			tok := mintCI(t, url, tc.provider, tc.run)
			if tok.Issuer != ciIssuerURLs[tc.provider] || tok.Subject != ciSubjects[tc.provider] {
				t.Fatalf("minted iss %q sub %q, want %q %q", tok.Issuer, tok.Subject, ciIssuerURLs[tc.provider], ciSubjects[tc.provider])
			}
			role := "ci-" + tc.provider
			roleARN := trustExactly(t, tg, role, tok)
			tokenFile := filepath.Join(t.TempDir(), "token")
			if err := os.WriteFile(tokenFile, []byte(tok.Token), 0o600); err != nil {
				t.Fatal(err)
			}
			webIdentityEnv(t, url, roleARN, tokenFile)
			// The SDK builds its web identity STS client before it reads
			// AWS_ENDPOINT_URL (see loadAWSConfig in internal/cli), so the
			// client is pointed at the sandbox here; the token file, role and
			// session name still come from the environment.
			cfg, err := config.LoadDefaultConfig(context.Background(), config.WithWebIdentityRoleCredentialOptions(func(o *stscreds.WebIdentityRoleOptions) {
				o.Client = sts.NewFromConfig(aws.Config{Region: "us-east-1"}, func(so *sts.Options) { so.BaseEndpoint = aws.String(url) })
			}))
			if err != nil {
				t.Fatal(err)
			}
			id, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("get-caller-identity with the %s token: %v", tc.provider, err)
			}
			if want := "arn:aws:sts::222222222222:assumed-role/" + role + "/pipeline-run"; aws.ToString(id.Arn) != want {
				t.Errorf("Arn = %s, want %s", aws.ToString(id.Arn), want)
			}
			other := mintCI(t, url, tc.provider, tc.other)
			if _, err := assumeWithToken(tg.cfg, roleARN, other.Token); errorCode(err) != "AccessDenied" {
				t.Errorf("a token for another repository or project (%s): %v, want AccessDenied", other.Subject, err)
			}
			wrongAud := mintCI(t, url, tc.provider, withFields(tc.run, "audience", "https://example.com/not-aws"))
			if _, err := assumeWithToken(tg.cfg, roleARN, wrongAud.Token); errorCode(err) != "InvalidIdentityToken" {
				t.Errorf("a token for another audience: %v, want InvalidIdentityToken", err)
			}
			expired := mintCI(t, url, tc.provider, withFields(tc.run, "expired", true))
			if _, err := assumeWithToken(tg.cfg, roleARN, expired.Token); errorCode(err) != "ExpiredTokenException" {
				t.Errorf("an expired token: %v, want ExpiredTokenException", err)
			}
		})
	}
}

func withFields(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// GitHub's subjects: a fork's pull request, another branch, and the
// immutable-id form new repositories get (a trust listing only the classic
// form refuses it; one listing both accepts it).
func TestLocalGitHubIssuerSubjects(t *testing.T) {
	srv, url := startSandbox(t, Options{})
	tg := &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)}
	main := mintCI(t, url, "github", map[string]any{"repo": "acme/app", "repository_id": "812", "repository_owner_id": "77"})
	roleARN := trustExactly(t, tg, "deploy", main)
	if _, err := assumeWithToken(tg.cfg, roleARN, main.Token); err != nil {
		t.Fatalf("the main branch's run: %v", err)
	}
	refused := map[string]map[string]any{
		"repo:acme/app:pull_request":           {"repo": "acme/app", "event_name": "pull_request", "ref": "refs/pull/7/merge"},
		"repo:acme/app:ref:refs/heads/feature": {"repo": "acme/app", "ref": "feature"},
		"repo:acme@77/app@812:ref:refs/heads/main": {"repo": "acme/app", "repository_id": "812", "repository_owner_id": "77",
			"immutable_subject": true},
		"repo:acme/app:environment:prod": {"repo": "acme/app", "environment": "prod"},
	}
	for sub, req := range refused {
		tok := mintCI(t, url, "github", req)
		if tok.Subject != sub {
			t.Errorf("%v: sub %q, want %q", req, tok.Subject, sub)
		}
		if _, err := assumeWithToken(tg.cfg, roleARN, tok.Token); errorCode(err) != "AccessDenied" {
			t.Errorf("%s against a trust of %s: %v, want AccessDenied", sub, main.Subject, err)
		}
	}
	immutable := mintCI(t, url, "github", map[string]any{"repo": "acme/app", "repository_id": "812", "repository_owner_id": "77", "immutable_subject": true})
	both := trustSubjects(t, tg, "deploy-both", immutable, main.Subject, immutable.Subject)
	for _, tok := range []CITokenResponse{main, immutable} {
		if _, err := assumeWithToken(tg.cfg, both, tok.Token); err != nil {
			t.Errorf("%s against a trust of both forms: %v", tok.Subject, err)
		}
	}
	var claims map[string]any
	parsed, err := jwt.ParseSigned(immutable.Token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	// The token verifies with the keys the sandbox publishes.
	var set jose.JSONWebKeySet
	resp, err := http.Get(url + "/_sandbox/oidc/github/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	if err := parsed.Claims(set.Key(parsed.Headers[0].KeyID)[0].Key, &claims); err != nil {
		t.Fatalf("verify with /_sandbox/oidc/github/jwks: %v", err)
	}
	for k, want := range map[string]any{"repository": "acme/app", "repository_id": "812", "repository_owner": "acme", "repository_owner_id": "77",
		"ref": "refs/heads/main", "ref_type": "branch", "event_name": "push", "aud": "sts.amazonaws.com",
		"job_workflow_ref": "acme/app/.github/workflows/deploy.yml@refs/heads/main", "iss": "https://token.actions.githubusercontent.com"} {
		if claims[k] != want {
			t.Errorf("claim %s = %v, want %v", k, claims[k], want)
		}
	}
}

// Bad token requests are refused with the field named.
func TestLocalCIIssuerBadRequests(t *testing.T) {
	_, url := startSandbox(t, Options{})
	for _, tc := range []struct {
		path, body, want string
	}{
		{"/_sandbox/oidc/jenkins/token", `{}`, "no local OIDC issuer"},
		{"/_sandbox/oidc/github/token", `{"repo":"acme"}`, "repo must be OWNER/NAME"},
		{"/_sandbox/oidc/github/token", `{"repo":"acme/app","enviroment":"prod"}`, "enviroment"},
		{"/_sandbox/oidc/gitlab/token", `{"project":"acme/app","issuer":"http://gitlab.internal"}`, "issuer must be an https:// URL"},
		{"/_sandbox/oidc/circleci/token", `{"organization_id":"acme","project_id":"x"}`, "organization_id must be a UUID"},
		{"/_sandbox/oidc/terraform-cloud/token", `{"organization":"acme","workspace":"prod","run_phase":"destroy"}`, "run_phase must be plan or apply"},
		{"/_sandbox/oidc/github/token", `{"repo":"acme/app","claims":{"iss":"https://evil"}}`, "claims.iss"},
		{"/_sandbox/oidc/oidc/token", `{"issuer":"https://ci.example.com","subject":"pipeline:x"}`, "audience is required"},
		{"/_sandbox/oidc/oidc/token", `{"issuer":"https://ci.example.com","audience":"aws"}`, "subject is required"},
		// Another provider's issuer URL: its own local issuer signs for it.
		{"/_sandbox/oidc/oidc/token", `{"issuer":"https://token.actions.githubusercontent.com","subject":"repo:a/b:ref:x","audience":"aws"}`, "use /_sandbox/oidc/github/token"},
		{"/_sandbox/oidc/gitlab/token", `{"issuer":"https://app.terraform.io","project":"acme/app"}`, "use /_sandbox/oidc/terraform-cloud/token"},
		// A web page can post text/plain without a preflight.
		{"/_sandbox/oidc/github/token#text/plain", `{"repo":"acme/app"}`, "send JSON"},
	} {
		path, ct, ok := strings.Cut(tc.path, "#")
		if !ok {
			ct = "application/json"
		}
		resp, err := http.Post(url+path, ct, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode < 400 || !strings.Contains(strings.ToLower(e["message"].(string)+" "+e["Message"].(string)), strings.ToLower(tc.want)) {
			t.Errorf("POST %s %s: HTTP %d %v, want an error saying %q", tc.path, tc.body, resp.StatusCode, e, tc.want)
		}
	}
}

// The AWS CLI v1 and boto3 get credentials from each provider's token
// through their own web identity providers (AWS_WEB_IDENTITY_TOKEN_FILE +
// AWS_ROLE_ARN + AWS_ENDPOINT_URL).
func TestLocalCIIssuersAWSCLIAndBoto3(t *testing.T) {
	bin := requireTool(t, "aws")
	python := requireTool(t, "python3")
	srv, url := startSandbox(t, Options{})
	tg := &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)}
	dir := t.TempDir()
	// A fresh HOME per run: the AWS CLI caches assumed-role credentials
	// in ~/.aws/cli/cache by role and would not read the next token.
	env := func(roleARN, tokenFile string) []string {
		return []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "AWS_ENDPOINT_URL=" + url, "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1", "AWS_EC2_METADATA_DISABLED=true",
			"AWS_ROLE_ARN=" + roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile, "AWS_ROLE_SESSION_NAME=pipeline-run"}
	}
	const boto3GetCallerIdentity = "import boto3, json; print(json.dumps(boto3.client('sts').get_caller_identity()))"
	for _, tc := range ciCases {
		tok := mintCI(t, url, tc.provider, tc.run)
		role := "ci-" + tc.provider
		roleARN := trustExactly(t, tg, role, tok)
		tokenFile := filepath.Join(dir, tc.provider+".token")
		if err := os.WriteFile(tokenFile, []byte(tok.Token), 0o600); err != nil {
			t.Fatal(err)
		}
		want := "arn:aws:sts::222222222222:assumed-role/" + role + "/pipeline-run"
		for _, cmd := range []*exec.Cmd{
			exec.Command(bin, "sts", "get-caller-identity", "--output", "json"),
			exec.Command(python, "-c", boto3GetCallerIdentity),
		} {
			cmd.Env = env(roleARN, tokenFile)
			out, err := cmd.CombinedOutput()
			var id map[string]any
			if err == nil {
				err = json.Unmarshal(out, &id)
			}
			if err != nil || id["Arn"] != want {
				t.Errorf("%s: %s: Arn %v, want %s (%v)\n%s", tc.provider, filepath.Base(cmd.Path), id["Arn"], want, err, out)
			}
		}
		// A token for another repository or project: the CLI reports AWS's code.
		otherFile := filepath.Join(dir, tc.provider+".other")
		if err := os.WriteFile(otherFile, []byte(mintCI(t, url, tc.provider, tc.other).Token), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "sts", "get-caller-identity")
		cmd.Env = env(roleARN, otherFile)
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "AccessDenied") {
			t.Errorf("%s: aws with another repository's token: %v\n%s", tc.provider, err, out)
		}
	}
}

// Self-managed GitLab and Terraform Enterprise: once a token is minted for
// an instance's URL, the sandbox serves that issuer too; and a Bitbucket
// deployment step's subject carries its environment.
func TestLocalCIIssuersSelfManaged(t *testing.T) {
	srv, url := startSandbox(t, Options{})
	tg := &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)}
	for _, tc := range []struct {
		provider string
		req      map[string]any
		iss, sub string
	}{
		{"gitlab", map[string]any{"issuer": "https://gitlab.example.com/", "project": "platform/app", "ref": "v1.2.0", "ref_type": "tag"},
			"https://gitlab.example.com", "project_path:platform/app:ref_type:tag:ref:v1.2.0"},
		{"terraform-cloud", map[string]any{"issuer": "https://tfe.example.com", "organization": "acme", "workspace": "prod", "run_phase": "plan"},
			"https://tfe.example.com", "organization:acme:project:Default Project:workspace:prod:run_phase:plan"},
		{"bitbucket", map[string]any{"workspace": "acme", "workspace_uuid": "11111111-2222-4333-8444-555555555555",
			"repository_uuid": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "deployment_environment_uuid": "dddddddd-bbbb-4ccc-8ddd-eeeeeeeeeeee",
			"step_uuid": "12121212-3434-4565-8787-909090909090"},
			"https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
			"{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}:{dddddddd-bbbb-4ccc-8ddd-eeeeeeeeeeee}:{12121212-3434-4565-8787-909090909090}"},
	} {
		tok := mintCI(t, url, tc.provider, tc.req)
		if tok.Issuer != tc.iss || tok.Subject != tc.sub {
			t.Errorf("%s: iss %q sub %q, want %q %q", tc.provider, tok.Issuer, tok.Subject, tc.iss, tc.sub)
			continue
		}
		roleARN := trustExactly(t, tg, "ci-"+tc.provider, tok)
		out, err := assumeWithToken(tg.cfg, roleARN, tok.Token)
		if err != nil {
			t.Errorf("%s: %v", tc.provider, err)
			continue
		}
		if got := aws.ToString(out.SubjectFromWebIdentityToken); got != tc.sub {
			t.Errorf("%s: SubjectFromWebIdentityToken %q, want %q", tc.provider, got, tc.sub)
		}
	}
}

// Self-managed issuers come from requests: the sandbox serves a bounded
// number of them, and an issuer it already serves is still served.
func TestSelfHostedIssuersBounded(t *testing.T) {
	var k ciKeys
	for i := range maxSelfHosted {
		if err := k.addSelfHosted(fmt.Sprintf("https://gitlab%d.example.com", i), "gitlab"); err != nil {
			t.Fatalf("issuer %d: %v", i, err)
		}
	}
	if err := k.addSelfHosted("https://one-too-many.example.com", "gitlab"); err == nil {
		t.Errorf("issuer %d accepted; want the bound refused", maxSelfHosted+1)
	}
	if err := k.addSelfHosted("https://gitlab0.example.com", "gitlab"); err != nil {
		t.Errorf("an issuer already served: %v", err)
	}
	// One issuer URL, one provider's keys.
	if err := k.addSelfHosted("https://gitlab0.example.com", "oidc"); err == nil || !strings.Contains(err.Error(), "already serves") {
		t.Errorf("a gitlab issuer minted for as oidc: %v, want it refused", err)
	}
	if len(k.selfHost) != maxSelfHosted {
		t.Errorf("%d issuers kept, want %d", len(k.selfHost), maxSelfHosted)
	}
}
