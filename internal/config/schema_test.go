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
	} {
		if diff := cmp.Diff(sorted(tc.reader), tc.schema); diff != "" {
			t.Errorf("%s fields (-reader +schema):\n%s", tc.name, diff)
		}
	}
}
