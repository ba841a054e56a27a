// Package sarif checks that a SARIF log is valid SARIF 2.1.0 against its
// JSON schema: sarif-schema-2.1.0.json is the SARIF 2.1.0 schema as the
// npm package @microsoft/jest-sarif 1.0.0-beta.0 (MIT) ships it, file
// lib/schemas/sarif-2.1.0-rtm.5.json, unchanged (the same schema SchemaStore
// serves as sarif-2.1.0-rtm.5). For tests only.
package sarif

import (
	"bytes"
	_ "embed"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed sarif-schema-2.1.0.json
var schemaJSON []byte

var compile = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("sarif-schema-2.1.0.json")
})

// T is the part of testing.TB Validate uses (a testscript command can be one).
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Validate fails t unless log is valid SARIF 2.1.0.
func Validate(t T, log []byte) {
	t.Helper()
	s, err := compile()
	if err != nil {
		t.Fatalf("compile the SARIF schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		t.Fatalf("the SARIF log is not JSON: %v\n%s", err, log)
	}
	if err := s.Validate(doc); err != nil {
		t.Fatalf("the SARIF log is not valid SARIF 2.1.0: %v\n%s", err, log)
	}
}
