package audit

import (
	"os"
	"strings"
	"testing"
)

// TestCheckTableIsCurrent: docs/audit.md lists exactly the checks there are.
// Regenerate with: UPDATE_DOCS=1 go test ./internal/audit/ -run TestCheckTableIsCurrent
func TestCheckTableIsCurrent(t *testing.T) {
	const path = "../../docs/audit.md"
	const begin, end = "<!-- checks:begin -->\n", "<!-- checks:end -->"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the %q ... %q markers", path, begin, end)
	}
	var want strings.Builder
	if err := WriteCheckTable(&want); err != nil {
		t.Fatal(err)
	}
	if got := doc[i+len(begin) : j]; got != want.String() {
		if os.Getenv("UPDATE_DOCS") != "" {
			if err := os.WriteFile(path, []byte(doc[:i+len(begin)]+want.String()+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s is out of date; regenerate with: UPDATE_DOCS=1 go test ./internal/audit/ -run TestCheckTableIsCurrent", path)
	}
}
