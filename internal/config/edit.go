package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// ErrCannotEdit is returned for a keyless.yaml whose shape AddToLists
// does not edit safely; the caller suggests writing a new file instead.
var ErrCannotEdit = errors.New("keyless cannot add to it safely")

// ListItem is one item AddToLists adds to a list.
type ListItem interface {
	// Flow renders the item inside a flow list ([a, b]); "" when it has
	// no one-line form.
	Flow() string
	// Block renders the item as a block list item: the dash indented by
	// indent, its content gap spaces after it; flowMaps says the list
	// writes its maps on one line ({...}).
	Block(indent, gap int, flowMaps bool) string
}

// ReadForEdit parses keyless.yaml text src (read from path) for
// AddToLists: its YAML body (nil for an empty file) and what it says
// (an empty Config for an empty file). A file that does not validate is
// refused: keyless edits only files it understands.
func ReadForEdit(path string, src []byte) (ast.Node, *Config, error) {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not valid YAML, so %w: %w", path, ErrCannotEdit, err)
	}
	if len(f.Docs) > 1 {
		return nil, nil, fmt.Errorf("%s holds several YAML documents, so %w", path, ErrCannotEdit)
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, &Config{}, nil
	}
	c, err := Parse(path, src)
	if err != nil {
		return nil, nil, fmt.Errorf("%s does not validate, so %w (fix it first: keyless plan shows where): %w", path, ErrCannotEdit, err)
	}
	return f.Docs[0].Body, c, nil
}

// AddToLists adds items to the end of the top-level lists of src (whose
// YAML body is body, from ReadForEdit), key by key in the order of keys; a
// missing key is created at the end of the file. Every other byte stays:
// the text is edited at the places the YAML tree points to, never
// re-rendered. Block lists get items in the style of their first item,
// flow lists ([a, b]) get theirs inside the brackets. The caller checks
// that the result reads as it should.
func AddToLists(path string, src []byte, body ast.Node, keys []string, items map[string][]ListItem) ([]byte, error) {
	pairs, err := topPairs(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w, so %w", path, err, ErrCannotEdit)
	}
	e := &textEdit{src: src, lines: lineSpans(src)}
	var missing []string
	for _, key := range keys {
		add := items[key]
		if len(add) == 0 {
			continue
		}
		i := slices.IndexFunc(pairs, func(kv *ast.MappingValueNode) bool { return kv.Key.String() == key })
		if i < 0 {
			missing = append(missing, key)
			continue
		}
		next := len(e.lines) + 1
		if i+1 < len(pairs) {
			next = pairs[i+1].Key.GetToken().Position.Line
		}
		if err := e.addTo(pairs[i], next, add); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w, so %w", path, pairs[i].Key.GetToken().Position.Line, key, err, ErrCannotEdit)
		}
	}
	// Missing keys go after the items added to the file's last list, which
	// end there too.
	for _, key := range missing {
		e.appendSection(key, items[key])
	}
	return e.apply(), nil
}

// topPairs are the top-level keys of a block mapping (none for an empty file).
func topPairs(body ast.Node) ([]*ast.MappingValueNode, error) {
	switch x := body.(type) {
	case nil:
		return nil, nil
	case *ast.MappingNode:
		if x.IsFlowStyle {
			return nil, fmt.Errorf("the file is one flow mapping ({...})")
		}
		return x.Values, nil
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{x}, nil
	}
	return nil, fmt.Errorf("the file is not a mapping of fields")
}

// span is one line of the text: [start, end) without its newline.
type span struct{ start, end int }

func lineSpans(src []byte) []span {
	var out []span
	for start := 0; start < len(src); {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			out = append(out, span{start, len(src)})
			break
		}
		out = append(out, span{start, start + end})
		start += end + 1
	}
	return out
}

// textEdit collects insertions into src and applies them at once.
type textEdit struct {
	src   []byte
	lines []span
	ins   []insertion
}

type insertion struct {
	at   int
	text string
}

// line is the text of line n (1-based).
func (e *textEdit) line(n int) string { return string(e.src[e.lines[n-1].start:e.lines[n-1].end]) }

// after is where the text after line n starts, with a newline to add
// first when line n ends the file without one.
func (e *textEdit) after(n int) (int, string) {
	end := e.lines[n-1].end
	if end < len(e.src) {
		return end + 1, ""
	}
	return end, "\n"
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

// appendSection adds key: and its items at the end of the file.
func (e *textEdit) appendSection(key string, items []ListItem) {
	at, nl := len(e.src), ""
	if at > 0 && e.src[at-1] != '\n' {
		nl = "\n"
	}
	var b strings.Builder
	b.WriteString(nl + "\n" + key + ":\n")
	for _, it := range items {
		b.WriteString(it.Block(2, 1, false))
	}
	e.ins = append(e.ins, insertion{at, b.String()})
}

// addTo adds items to the list of kv, whose block ends before line next.
func (e *textEdit) addTo(kv *ast.MappingValueNode, next int, items []ListItem) error {
	keyLine := kv.Key.GetToken().Position.Line
	keyIndent := kv.Key.GetToken().Position.Column - 1
	switch v := kv.Value.(type) {
	case *ast.NullNode:
		// An empty value (key: and nothing, maybe a comment) reads as an
		// implicit null; an explicit null or ~ is text to replace.
		tok := v.GetToken()
		rest := []rune(e.line(tok.Position.Line))
		if col := tok.Position.Column - 1; col < len(rest) && strings.HasPrefix(strings.TrimSpace(string(rest[col:])), tok.Value) {
			return fmt.Errorf("it is %s: leave the value empty (%s:) or write a list", tok.Value, kv.Key.String())
		}
		at, nl := e.after(keyLine)
		var b strings.Builder
		b.WriteString(nl)
		for _, it := range items {
			b.WriteString(it.Block(keyIndent+2, 1, false))
		}
		e.ins = append(e.ins, insertion{at, b.String()})
		return nil
	case *ast.SequenceNode:
		if v.IsFlowStyle {
			return e.addToFlow(v, items)
		}
		return e.addToBlock(keyLine, keyIndent, next, items)
	case *ast.AnchorNode, *ast.AliasNode, *ast.TagNode:
		return fmt.Errorf("its value is an anchor, alias or tag")
	}
	return fmt.Errorf("it is not a list")
}

// addToBlock adds items after a block list's last item: before the blank
// lines and the comments (indented no more than the key) that lead to the
// next key.
func (e *textEdit) addToBlock(keyLine, keyIndent, next int, items []ListItem) error {
	last := next - 1
	for last > keyLine {
		s := e.line(last)
		t := strings.TrimSpace(s)
		if t != "" && !(strings.HasPrefix(t, "#") && indentOf(s) <= keyIndent) {
			break
		}
		last--
	}
	indent, gap, flowMaps := -1, 1, false
	for n := keyLine + 1; n <= last; n++ {
		s := e.line(n)
		t := strings.TrimLeft(s, " ")
		if !strings.HasPrefix(t, "-") {
			continue
		}
		indent = indentOf(s)
		if rest := t[1:]; strings.TrimSpace(rest) != "" {
			gap = len(rest) - len(strings.TrimLeft(rest, " "))
			flowMaps = strings.HasPrefix(strings.TrimLeft(rest, " "), "{")
		}
		break
	}
	if indent < 0 || gap < 1 {
		return fmt.Errorf("its list items were not found where the YAML tree puts them")
	}
	at, nl := e.after(last)
	var b strings.Builder
	b.WriteString(nl)
	for _, it := range items {
		b.WriteString(it.Block(indent, gap, flowMaps))
	}
	e.ins = append(e.ins, insertion{at, b.String()})
	return nil
}

// addToFlow adds items inside a flow list's brackets, after its last item
// (and its trailing comma, if any).
func (e *textEdit) addToFlow(v *ast.SequenceNode, items []ListItem) error {
	end := v.End
	if end == nil || end.Position.Line < 1 || end.Position.Line > len(e.lines) {
		return fmt.Errorf("its closing ] was not found")
	}
	ln := e.lines[end.Position.Line-1]
	// The column counts runes.
	runes := []rune(string(e.src[ln.start:ln.end]))
	col := end.Position.Column - 1
	if col < 0 || col >= len(runes) || runes[col] != ']' {
		return fmt.Errorf("its closing ] is not where the YAML tree puts it")
	}
	closing := ln.start + len(string(runes[:col]))
	before := bytes.TrimRight(e.src[:closing], " \t\r\n")
	if lineStart := bytes.LastIndexByte(before, '\n') + 1; bytes.Contains(before[lineStart:], []byte(" #")) {
		return fmt.Errorf("a comment ends its last item's line: the new items would land in it")
	}
	var texts []string
	for _, it := range items {
		t := it.Flow()
		if t == "" {
			return fmt.Errorf("it is a flow list ([...]): write it as a block list, one item per line")
		}
		texts = append(texts, t)
	}
	text := strings.Join(texts, ", ")
	switch {
	case bytes.HasSuffix(before, []byte("[")):
	case bytes.HasSuffix(before, []byte(",")):
		text = " " + text + ","
	default:
		text = ", " + text
	}
	e.ins = append(e.ins, insertion{len(before), text})
	return nil
}

// apply returns src with the insertions; those at one place keep their
// order.
func (e *textEdit) apply() []byte {
	ins := slices.Clone(e.ins)
	slices.SortStableFunc(ins, func(a, b insertion) int { return a.at - b.at })
	var b bytes.Buffer
	prev := 0
	for _, in := range ins {
		b.Write(e.src[prev:in.at])
		b.WriteString(in.text)
		prev = in.at
	}
	b.Write(e.src[prev:])
	return b.Bytes()
}
