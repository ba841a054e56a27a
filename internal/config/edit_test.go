package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/parser"
)

// blockItem is a list item with no one-line form, as a workload entry.
type blockItem string

func (blockItem) Flow() string { return "" }

func (b blockItem) Block(indent, gap int, _ bool) string {
	return strings.Repeat(" ", indent) + "-" + strings.Repeat(" ", gap) + "name: " + string(b) + "\n" +
		strings.Repeat(" ", indent+1+gap) + "x: 1\n"
}

// TestAddToLists: items go to the end of a block list in its style, before
// the comments leading to the next key; a missing key is appended; a flow
// list refuses an item with no one-line form, changing nothing.
func TestAddToLists(t *testing.T) {
	src := "# top\nwork:\n    -   name: a\n        x: 0\n# next\nother: 1\n"
	edit := func(src string) (string, error) {
		f, err := parser.ParseBytes([]byte(src), 0)
		if err != nil {
			return "", err
		}
		out, err := AddToLists("k.yaml", []byte(src), f.Docs[0].Body, []string{"work", "more"},
			map[string][]ListItem{"work": {blockItem("b")}, "more": {blockItem("c")}})
		return string(out), err
	}
	got, err := edit(src)
	if err != nil {
		t.Fatal(err)
	}
	want := "# top\nwork:\n    -   name: a\n        x: 0\n    -   name: b\n        x: 1\n# next\nother: 1\n\nmore:\n  - name: c\n    x: 1\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := edit("work: [a]\n"); !errors.Is(err, ErrCannotEdit) || !strings.Contains(err.Error(), "k.yaml:1: work: it is a flow list") {
		t.Errorf("flow list: err = %v, want ErrCannotEdit naming k.yaml:1", err)
	}
}
