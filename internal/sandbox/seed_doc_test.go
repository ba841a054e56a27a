package sandbox

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/diff"
)

var updateDocs = flag.Bool("update", false, "rewrite the generated sections of docs/sandbox.md")

const (
	sandboxDoc   = "../../docs/sandbox.md"
	seedDocBegin = "<!-- seed fields: generated from the Seed structs' doc comments by `go test ./internal/sandbox -run TestSeedFieldsDoc -update`; do not edit -->"
	seedDocEnd   = "<!-- end of seed fields -->"
)

// TestSeedFieldsDoc keeps docs/sandbox.md's table of seed fields current:
// it walks the Seed structs by reflection, so a field added to them shows
// up, takes each field's doc comment from the package's source, and fails
// when the table differs (run with -update to rewrite it) or a field has
// no doc comment.
func TestSeedFieldsDoc(t *testing.T) {
	docs := structFieldDocs(t)
	var rows, undocumented []string
	var walk func(typ reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				walk(indirect(f.Type), prefix)
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			path := prefix + name
			doc := docs[typ.Name()+"."+f.Name]
			if doc == "" {
				undocumented = append(undocumented, fmt.Sprintf("%s.%s (%s)", typ.Name(), f.Name, path))
			}
			rows = append(rows, fmt.Sprintf("| `%s` | %s | %s |", path, yamlKind(f.Type), markdownEscaper.Replace(doc)))
			switch t := indirect(f.Type); {
			case t.Kind() == reflect.Slice && isMapping(indirect(t.Elem())):
				walk(indirect(t.Elem()), path+"[].")
			case isMapping(t):
				walk(t, path+".")
			}
		}
	}
	walk(reflect.TypeFor[Seed](), "")
	if len(undocumented) > 0 {
		t.Errorf("seed fields without a doc comment (write one above the field in seed.go; it becomes the field's line in docs/sandbox.md):\n  %s", strings.Join(undocumented, "\n  "))
	}
	table := "| field | value | meaning |\n|---|---|---|\n" + strings.Join(rows, "\n") + "\n"

	b, err := os.ReadFile(sandboxDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, seedDocBegin), strings.Index(doc, seedDocEnd)
	if start < 0 || end < start {
		t.Fatalf("docs/sandbox.md lacks the markers %q and %q around the seed fields", seedDocBegin, seedDocEnd)
	}
	current := doc[start+len(seedDocBegin)+1 : end]
	if current == table {
		return
	}
	if *updateDocs {
		doc = doc[:start+len(seedDocBegin)+1] + table + doc[end:]
		if err := os.WriteFile(sandboxDoc, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/sandbox.md's seed fields are out of date; regenerate with: go test ./internal/sandbox -run TestSeedFieldsDoc -update\n%s",
		diff.Diff("docs/sandbox.md", []byte(current), "generated", []byte(table)))
}

// TestSeedDocExample loads the example seed in docs/sandbox.md, so it
// stays a seed the sandbox takes.
func TestSeedDocExample(t *testing.T) {
	b, err := os.ReadFile(sandboxDoc)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Seed files")
	_, example, ok2 := strings.Cut(section, "```yaml\n")
	example, _, ok3 := strings.Cut(example, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/sandbox.md has no yaml example under ## Seed files")
	}
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := LoadSeed(path)
	if err != nil {
		t.Fatalf("the example in docs/sandbox.md: %v", err)
	}
	if _, err := buildWorld(seed, time.Now()); err != nil {
		t.Fatalf("the example in docs/sandbox.md: %v", err)
	}
}

// markdownEscaper keeps a doc comment's | and <name> literal in a table.
var markdownEscaper = strings.NewReplacer("|", `\|`, "<", `\<`)

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// isMapping reports whether a seed type is a YAML mapping whose fields the
// table lists (a struct other than a time).
func isMapping(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != reflect.TypeFor[time.Time]()
}

// yamlKind names the YAML value a field takes.
func yamlKind(t reflect.Type) string {
	t = indirect(t)
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "time"
	case isMapping(t):
		return "mapping"
	case t.Kind() == reflect.Slice:
		if elem := yamlKind(t.Elem()); elem != "text" {
			return "list of " + elem + "s"
		}
		return "list of text"
	case t.Kind() == reflect.Map:
		return "mapping of " + yamlKind(t.Elem())
	case t.Kind() == reflect.String:
		return "text"
	case t.Kind() == reflect.Bool:
		return "true/false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return "number"
	}
	return t.String()
}

// structFieldDocs reads the doc comments of the package's struct fields,
// by "Type.Field", from its source. A comment that starts with the field's
// name and a colon, "is" or "are" drops them ("ID is the account id"
// becomes "The account id").
func structFieldDocs(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, field := range st.Fields.List {
				text := field.Doc.Text()
				if text == "" {
					text = field.Comment.Text()
				}
				for _, id := range field.Names {
					out[ts.Name.Name+"."+id.Name] = fieldSentence(id.Name, text)
				}
			}
			return false
		})
	}
	return out
}

// fieldSentence makes a doc comment one line of the table.
func fieldSentence(field, text string) string {
	s := strings.Join(strings.Fields(text), " ")
	if s == "" {
		return ""
	}
	for _, sep := range []string{": ", " is ", " are "} {
		if rest, ok := strings.CutPrefix(s, field+sep); ok {
			s = rest
			break
		}
	}
	if w, _, _ := strings.Cut(s, " "); w == "false" || w == "true" {
		return "`" + w + "`" + s[len(w):]
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
