package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaFile = "../../schema/keyless.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	s, err := c.Compile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON reads YAML into the generic values the validator takes.
func asJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestExamplesAreValid: every example validates against the schema and
// loads without a problem.
func TestExamplesAreValid(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) < 2 {
		t.Fatalf("examples: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(asJSON(t, data)); err != nil {
			t.Errorf("%s does not match the schema: %v", f, err)
		}
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestSchemaRefusesBadDocuments(t *testing.T) {
	s := compileSchema(t)
	for _, doc := range []string{
		"users: [{emial: a@example.com}]\n",
		"super_admin: [a@example.com]\n",
		"permission_sets: [{name: P, session_duration: 2h}]\n",
		"assignments: [{groups: [G], all_accounts: true}]\n",
		"prune: maybe\n",
		"identity_source: external\nusers: [{email: a@example.com, given_name: A, family_name: B}]\n",
		"identity_source: external\nsuper_admins: [a@example.com]\n",
		"super_admins_group: Admins\n",
		"identity_source: okta\n",
		"workloads: [{name: d, jenkins: {job: x}, all_accounts: true}]\n",
		"workloads: [{name: d, github: {repo: acme, branch: main}, all_accounts: true}]\n",
		"workloads: [{name: d, github: {repo: a/b, branch: main}, gitlab: {project: a/b, ref: main}, all_accounts: true}]\n",
		"workloads: [{name: d, github: {repo: a/b, branch: main}}]\n",
		"break_glass: [{root: true, iam_user: x}]\n",
		"key_exceptions: [{iam_user: bot, owner: ops@example.com}]\n",
		"key_exceptions: [{iam_user: bot, expires: \"2027-01-01\"}]\n",
		"elevation: {rules: [{name: a, permission_set: P, all_accounts: true, eligible: {users: [a@example.com]}}]}\n",
		"elevation: {rules: [{name: A, permission_set: P, all_accounts: true, eligible: {users: [a@example.com]}, approvers: {groups: [G]}}]}\n",
		"elevation: {max_duration: PT2H, rules: []}\n",
	} {
		if err := s.Validate(asJSON(t, []byte(doc))); err == nil {
			t.Errorf("the schema accepts %q", doc)
		}
	}
}

// TestSchemaMatchesTheReader: the schema names exactly the fields the
// reader knows, so the two cannot drift apart.
func TestSchemaMatchesTheReader(t *testing.T) {
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(xs []string) []string { return slices.Sorted(slices.Values(xs)) }
	for _, tc := range []struct {
		name   string
		schema []string
		reader []string
	}{
		{"top", keys(schema.Properties), topFields},
		{"user", keys(schema.Defs["user"].Properties), userFields},
		{"group", keys(schema.Defs["group"].Properties), groupFields},
		{"permissionSet", keys(schema.Defs["permissionSet"].Properties), setFields},
		{"assignment", keys(schema.Defs["assignment"].Properties), assignmentFields},
		{"policyRef", keys(schema.Defs["policyRef"].Properties), policyRefFields},
		{"boundary", keys(schema.Defs["boundary"].Properties), boundaryFields},
		{"workload", keys(schema.Defs["workload"].Properties), workloadFields},
		{"breakGlass", keys(schema.Defs["breakGlass"].Properties), breakGlassFields},
		{"keyException", keys(schema.Defs["keyException"].Properties), keyExceptionFields},
		{"elevation", keys(schema.Defs["elevation"].Properties), elevationFields},
		{"elevationRule", keys(schema.Defs["elevationRule"].Properties), elevRuleFields},
		{"principals", keys(schema.Defs["principals"].Properties), principalsFields},
		{"ticket", keys(schema.Defs["ticket"].Properties), ticketFields},
	} {
		if diff := cmp.Diff(sorted(tc.reader), tc.schema); diff != "" {
			t.Errorf("%s fields (-reader +schema):\n%s", tc.name, diff)
		}
	}
	for name, fields := range providerFields {
		block, _ := schema.Defs["workload"].Properties[name].(map[string]any)
		props, _ := block["properties"].(map[string]any)
		if diff := cmp.Diff(sorted(fields), keys(props)); diff != "" {
			t.Errorf("workload %s fields (-reader +schema):\n%s", name, diff)
		}
	}
}

// TestSchemaAcceptsWorkloads: a workload of each provider validates and loads.
func TestSchemaAcceptsWorkloads(t *testing.T) {
	doc := workloadBase + `workloads:
  - {name: gh, github: {repo: acme/deploy, environment: prod, repo_id: 42, owner_id: 7}, accounts: ["111122223333"], managed_policies: [ReadOnlyAccess]}
  - {name: gl, gitlab: {project: acme/platform/deploy, ref: main}, all_accounts: true, like_user: deploy-bot}
  - {name: cc, circleci: {organization_id: 11111111-2222-3333-4444-555555555555, project_id: 66666666-7777-8888-9999-000000000000}, current_account: true, like_user: bot}
  - {name: bb, bitbucket: {workspace: acme, workspace_uuid: "{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}", repository_uuid: "{11111111-2222-3333-4444-555555555555}"}, ous: [/Workloads], like_user: bot}
  - {name: bk, buildkite: {organization: acme, pipeline: deploy, branch: main}, account_tags: {env: prod}, like_user: bot}
  - {name: tf, terraform_cloud: {organization: acme, project: infra, workspace: prod, run_phase: apply}, all_accounts: true, like_user: bot, max_session_duration: PT2H}
  - {name: any, oidc: {issuer: "https://ci.example.com", audience: aws, claims: {sub: "project:deploy"}}, all_accounts: true, like_user: bot, role_name: ci-any, path: /ci/}
`
	if err := compileSchema(t).Validate(asJSON(t, []byte(doc))); err != nil {
		t.Errorf("the schema refuses: %v", err)
	}
	if _, err := parse(t, doc); err != nil {
		t.Error(err)
	}
}
