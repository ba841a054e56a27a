// Package safeyaml parses YAML that people, and attackers, write:
// keyless.yaml and sandbox seeds. Before anything decodes a document it
// bounds the document's size, how deeply flow collections nest (the parser's
// cost grows with the square of that depth) and how many values aliases add
// once expanded (a billion-laughs file of under a kilobyte expands to
// gigabytes). Aliases are then replaced by the values they name, so every
// later reader sees a tree of known size and no alias it must resolve.
//
// It owns these limits and no file format.
package safeyaml

import (
	"fmt"
	"io"
	"os"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Limits on a document, far above any keyless.yaml or seed a person writes.
// The parser takes up to 400 bytes of memory per byte of a document of tiny
// values (a line "- a" takes 1.5 KB): lines and flow items are bounded too,
// which keeps the worst document under about 200 MB where a megabyte of
// "[a,a,a,..." took 725 MB.
const (
	// MaxBytes is the largest document read: some 9,000 users.
	MaxBytes = 1 << 20
	// MaxLines is the most lines: some 25,000 users of four lines.
	MaxLines = 100_000
	// MaxFlowItems is the most values in [ ] and { } collections together.
	MaxFlowItems = 50_000
	// MaxFlowDepth is how deeply [ and { may nest.
	MaxFlowDepth = 64
	// MaxAliasValues is how many values aliases may add to a document.
	MaxAliasValues = 100_000
)

// Error is a document over a limit (or not YAML), at a place in it when
// there is one (Line 0 when not).
type Error struct {
	Line, Col int
	Msg, Hint string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// ReadFile reads at most MaxBytes of a file; a larger file is an *Error.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if err := checkSize(data); err != nil {
		return nil, err
	}
	return data, nil
}

func checkSize(data []byte) error {
	if len(data) > MaxBytes {
		return &Error{Msg: fmt.Sprintf("the file is larger than %d bytes (1 MiB)", MaxBytes), Hint: "keyless reads smaller files; split it, or check that this is the file you meant"}
	}
	return nil
}

// Parse checks data against the limits, parses it and replaces every alias
// by the value of its anchor. An alias with no anchor before it is left in
// place for the caller to report with the field it stands in.
func Parse(data []byte) (*ast.File, error) {
	if err := checkSize(data); err != nil {
		return nil, err
	}
	if err := scan(data); err != nil {
		return nil, err
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, err
	}
	x := &expander{anchors: map[string]anchor{}}
	for _, doc := range f.Docs {
		if doc.Body != nil {
			doc.Body, _ = x.walk(doc.Body)
		}
		if x.err != nil {
			return nil, x.err
		}
	}
	return f, nil
}

// scan refuses a document of too many lines or flow items, or with [ and {
// nested more than MaxFlowDepth deep, before the parser sees it (its cost
// grows with the square of the nesting). It counts brackets and commas in
// quoted text and comments too: a real file never comes near the limits
// either way.
func scan(data []byte) error {
	depth, items, line, col := 0, 0, 1, 0
	for _, b := range data {
		col++
		switch b {
		case '\n':
			if line, col = line+1, 0; line > MaxLines {
				return &Error{Line: line, Col: 1, Msg: fmt.Sprintf("the file has more than %d lines", MaxLines), Hint: "keyless reads smaller files; split it, or check that this is the file you meant"}
			}
		case '[', '{':
			if depth++; depth > MaxFlowDepth {
				return &Error{Line: line, Col: col, Msg: fmt.Sprintf("[ and { nest more than %d deep", MaxFlowDepth), Hint: "write nested values as indented blocks"}
			}
		case ']', '}':
			depth = max(depth-1, 0)
		case ',':
			if depth == 0 {
				break
			}
			if items++; items > MaxFlowItems {
				return &Error{Line: line, Col: col, Msg: fmt.Sprintf("more than %d values in [ ] and { } lists", MaxFlowItems), Hint: "write long lists as lines starting with -"}
			}
		}
	}
	return nil
}

// anchor is an anchored value and how many values it holds, aliases
// expanded.
type anchor struct {
	value ast.Node
	size  int
}

// expander replaces aliases, counting what they add.
type expander struct {
	anchors map[string]anchor
	added   int // values added by aliases so far
	err     error
}

// walk returns the node to stand in n's place and how many values it holds.
func (x *expander) walk(n ast.Node) (ast.Node, int) {
	if n == nil || x.err != nil {
		return n, 0
	}
	size := 1
	add := func(child *ast.Node) {
		var s int
		*child, s = x.walk(*child)
		size += s
	}
	switch v := n.(type) {
	case *ast.AliasNode:
		name := v.Value.GetToken().Value
		a, ok := x.anchors[name]
		if !ok {
			return n, 1
		}
		x.added += a.size
		if x.added > MaxAliasValues {
			p := v.GetToken().Position
			x.err = &Error{Line: p.Line, Col: p.Column,
				Msg:  fmt.Sprintf("aliases (*%s) expand the document by more than %d values", name, MaxAliasValues),
				Hint: "write the values out, or reuse fewer of them; nested aliases like these are how a small file exhausts memory"}
			return n, 0
		}
		return a.value, a.size
	case *ast.AnchorNode:
		var s int
		v.Value, s = x.walk(v.Value)
		x.anchors[v.Name.GetToken().Value] = anchor{value: v.Value, size: s}
		size += s
	case *ast.TagNode:
		add(&v.Value)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			size += x.pair(mv)
		}
	case *ast.MappingValueNode:
		size = x.pair(v)
	case *ast.MappingKeyNode:
		add(&v.Value)
	case *ast.SequenceNode:
		for i := range v.Values {
			add(&v.Values[i])
		}
	}
	return n, size
}

// pair walks a key and its value; a key alias whose value cannot be a key
// is left as it is.
func (x *expander) pair(mv *ast.MappingValueNode) int {
	key, keySize := x.walk(mv.Key)
	if k, ok := key.(ast.MapKeyNode); ok {
		mv.Key = k
	}
	var valueSize int
	mv.Value, valueSize = x.walk(mv.Value)
	return 1 + keySize + valueSize
}
