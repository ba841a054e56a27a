package cleanup

import (
	"strings"
	"testing"
)

// Every provider keyless.yaml's workloads support has a --map form, and
// the entry it makes is the one the file would hold.
func TestParseWorkloadMap(t *testing.T) {
	const org, proj = "0f5b1c2a-3d4e-4f60-8a7b-9c0d1e2f3a4b", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	for _, tc := range []struct{ in, yaml, where string }{
		{"github:acme/deploy", "github: {repo: acme/deploy, branch: main}", "github:acme/deploy@main"},
		{"github:acme/deploy@release", "github: {repo: acme/deploy, branch: release}", "github:acme/deploy@release"},
		{"gitlab:acme/platform/deploy", "gitlab: {project: acme/platform/deploy, ref: main}", "gitlab:acme/platform/deploy@main"},
		{"circleci:" + org + "/" + proj, `circleci: {organization_id: "` + org + `", project_id: "` + proj + `"}`, "circleci:" + org + "/" + proj},
		{"bitbucket:acme/" + org + "/" + proj, `bitbucket: {workspace: acme, workspace_uuid: "` + org + `", repository_uuid: "` + proj + `"}`, "bitbucket:acme/" + org + "/" + proj},
		{"buildkite:acme/deploy@main", "buildkite: {organization: acme, pipeline: deploy, branch: main}", "buildkite:acme/deploy@main"},
		{"terraform-cloud:acme/infra/prod", "terraform_cloud: {organization: acme, project: infra, workspace: prod}", "terraform-cloud:acme/infra/prod"},
		{"terraform_cloud:acme/infra/prod", "terraform_cloud: {organization: acme, project: infra, workspace: prod}", "terraform-cloud:acme/infra/prod"},
	} {
		e, err := ParseWorkloadMap(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := providerYAML(&e); got != tc.yaml {
			t.Errorf("%s: yaml %s, want %s", tc.in, got, tc.yaml)
		}
		if got := Where(&e); got != tc.where {
			t.Errorf("%s: where %s, want %s", tc.in, got, tc.where)
		}
	}
	for in, want := range map[string]string{
		"acme/deploy":                        "names no provider",
		"jenkins:acme/deploy":                `unknown provider "jenkins"`,
		"github:acme":                        "is not github:OWNER/REPO[@BRANCH]",
		"github:acme/*":                      "is a wildcard",
		"gitlab:deploy":                      "is not gitlab:GROUP/PROJECT[@BRANCH]",
		"circleci:acme/deploy":               `circleci.organization_id: "acme" is not a CircleCI id`,
		"circleci:a/b@main":                  "is not circleci:ORGANIZATION_ID/PROJECT_ID",
		"bitbucket:acme/x/y":                 `"x" is not a UUID`,
		"buildkite:acme/deploy/x":            "is not buildkite:ORGANIZATION/PIPELINE[@BRANCH]",
		"terraform-cloud:acme/infra":         "is not terraform-cloud:ORGANIZATION/PROJECT/WORKSPACE",
		"terraform-cloud:acme/infra/prod@v1": "is not terraform-cloud:",
	} {
		if _, err := ParseWorkloadMap(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
}

// ReadMaps refuses a user mapped twice (IAM names ignore case) and a map
// naming a user the account lacks, except an email line of a --map file.
func TestReadMaps(t *testing.T) {
	users := []string{"deploy-bot", "john.doe"}
	m, err := ReadMaps([]MapValue{
		{Flag: "--map Deploy-Bot=github:acme/deploy", User: "Deploy-Bot", Value: "github:acme/deploy"},
		{Flag: "--map people.yaml (john.doe)", User: "john.doe", Value: "john@example.com", InFile: true},
		{Flag: "--map people.yaml (gone)", User: "gone", Value: "gone@example.com", InFile: true},
	}, users)
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := m.Workloads["deploy-bot"]; !ok || w.Entry.GitHub.Repo != "acme/deploy" {
		t.Errorf("workloads %+v", m.Workloads)
	}
	if m.Emails["john.doe"] != "john@example.com" {
		t.Errorf("emails %v", m.Emails)
	}
	for _, tc := range []struct {
		values []MapValue
		want   string
	}{
		{[]MapValue{{Flag: "--map a", User: "deploy-bot", Value: "github:acme/a"}, {Flag: "--map b", User: "DEPLOY-BOT", Value: "x@example.com"}},
			"--map b: IAM user DEPLOY-BOT is mapped twice (also by --map a)"},
		{[]MapValue{{Flag: "--map ghost=x@example.com", User: "ghost", Value: "x@example.com"}}, "--map ghost=x@example.com: the account has no IAM user ghost"},
		{[]MapValue{{Flag: "--map f (ghost)", User: "ghost", Value: "github:acme/a", InFile: true}}, "the account has no IAM user ghost"},
		{[]MapValue{{Flag: "--map deploy-bot=github:acme", User: "deploy-bot", Value: "github:acme"}}, "--map deploy-bot=github:acme: \"github:acme\" is not"},
	} {
		if _, err := ReadMaps(tc.values, users); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
