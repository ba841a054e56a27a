package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/policy"
	"github.com/keyless-dev/keyless/internal/suggest"
)

// reader turns the YAML tree into a Config, noting every problem with its
// position instead of stopping at the first.
type reader struct {
	errs *Errors
	dir  string
	// pos maps a field's path (users[1].email) to where its key stands, and
	// an item's path (users[1]) to where the item starts.
	pos map[string]Pos
	// notes are what Config.Notes says.
	notes []Problem
}

func posOf(n ast.Node) Pos {
	if n == nil || n.GetToken() == nil {
		return Pos{1, 1}
	}
	p := n.GetToken().Position
	return Pos{p.Line, p.Column}
}

func (r *reader) problem(n ast.Node, path, msg, hint string) {
	p := posOf(n)
	r.errs.add(Problem{Line: p.Line, Col: p.Col, Path: path, Message: msg, Hint: hint})
}

// unwrap looks through anchors and tags to the value.
func unwrap(n ast.Node) ast.Node {
	for {
		switch x := n.(type) {
		case *ast.AnchorNode:
			n = x.Value
		case *ast.TagNode:
			n = x.Value
		default:
			return n
		}
	}
}

func kind(n ast.Node) string {
	switch unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode, nil:
		return "nothing"
	case *ast.BoolNode:
		return "true/false"
	default:
		return "a single value"
	}
}

// wrongKind reports a value that is not the wanted kind. An alias still in
// the tree names no anchor (safeyaml replaced every other one).
func (r *reader) wrongKind(n ast.Node, path, want, hint string) {
	if a, ok := unwrap(n).(*ast.AliasNode); ok {
		name := a.Value.GetToken().Value
		r.problem(n, path, fmt.Sprintf("alias *%s is not defined: no anchor &%s comes before it", name, name),
			fmt.Sprintf("mark the value to reuse with &%s where it first appears (super_admins: &%s [...]), above this line; or write the value here", name, name))
		return
	}
	r.problem(n, path, fmt.Sprintf("expected %s, found %s", want, kind(n)), hint)
}

// fields returns a mapping's values by key, reporting unknown keys (with a
// suggestion), duplicate keys and values that are not mappings.
func (r *reader) fields(n ast.Node, path string, known []string) map[string]ast.Node {
	out := map[string]ast.Node{}
	pairs, ok := r.pairs(n, path, "a mapping of fields")
	if !ok {
		return out
	}
	if len(pairs) > 0 {
		if _, ok := r.pos[path]; !ok {
			r.pos[path] = posOf(pairs[0].Key)
		}
	}
	for _, kv := range pairs {
		key, _ := scalar(kv.Key)
		where := key
		if path != "" {
			where = path + "." + key
		}
		r.pos[where] = posOf(kv.Key)
		switch {
		case !slices.Contains(known, key):
			hint := ""
			if s := suggest.Closest(key, known); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			} else {
				hint = "known fields: " + strings.Join(known, ", ")
			}
			r.problem(kv.Key, where, fmt.Sprintf("unknown field %q", key), hint)
		case out[key] != nil:
			r.problem(kv.Key, where, "the field appears twice", "")
		default:
			out[key] = kv.Value
		}
	}
	return out
}

// pairs returns a mapping's key/value nodes (none for null), reporting
// anything else as not the wanted mapping.
func (r *reader) pairs(n ast.Node, path, want string) ([]*ast.MappingValueNode, bool) {
	switch x := unwrap(n).(type) {
	case *ast.MappingNode:
		return x.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{x}, true
	case *ast.NullNode:
		return nil, true
	}
	r.wrongKind(n, path, want, "")
	return nil, false
}

// scalar returns the text of a scalar: a string, or a number as written in
// the file (so account ids keep their leading zeros).
func scalar(n ast.Node) (string, bool) {
	switch x := unwrap(n).(type) {
	case *ast.StringNode:
		return x.Value, true
	case *ast.LiteralNode:
		return x.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode:
		return x.GetToken().Value, true
	}
	return "", false
}

func (r *reader) str(n ast.Node, path string) string {
	if _, null := unwrap(n).(*ast.NullNode); null {
		return ""
	}
	s, ok := scalar(n)
	if !ok {
		r.wrongKind(n, path, "a text value", "")
	}
	return s
}

// ref reads a text value that names something, keeping where it stands.
func (r *reader) ref(n ast.Node, path string) Ref {
	return Ref{Value: r.str(n, path), Pos: posOf(n), Path: path}
}

func (r *reader) boolean(n ast.Node, path string) bool {
	b, ok := unwrap(n).(*ast.BoolNode)
	if !ok {
		r.wrongKind(n, path, "true or false", "")
		return false
	}
	return b.Value
}

func (r *reader) list(n ast.Node, path string) []ast.Node {
	switch x := unwrap(n).(type) {
	case *ast.SequenceNode:
		return x.Values
	case *ast.NullNode:
		return nil
	}
	r.wrongKind(n, path, "a list", "write it as [a, b] or as lines starting with -")
	return nil
}

func (r *reader) refs(n ast.Node, path string) []Ref {
	var out []Ref
	for i, item := range r.list(n, path) {
		p := fmt.Sprintf("%s[%d]", path, i)
		r.pos[p] = posOf(item)
		v := r.str(item, p)
		if _, ok := scalar(item); !ok {
			continue // reported by str
		}
		out = append(out, Ref{Value: v, Pos: posOf(item), Path: p})
	}
	return out
}

// strMap reads tags: a mapping of text to text.
func (r *reader) strMap(n ast.Node, path string) map[string]string {
	out := map[string]string{}
	pairs, ok := r.pairs(n, path, "a mapping of key: value")
	if !ok {
		return out
	}
	for _, kv := range pairs {
		k, _ := scalar(kv.Key)
		out[k] = r.str(kv.Value, path+"."+k)
	}
	return out
}

// policy reads an inline policy given as JSON text or as a YAML mapping.
func (r *reader) policy(n ast.Node, path string) string {
	switch unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		var v any
		if err := yaml.NodeToValue(n, &v); err != nil {
			r.problem(n, path, fmt.Sprintf("cannot read the policy: %v", err), "")
			return ""
		}
		b, err := json.Marshal(v)
		if err != nil {
			r.problem(n, path, fmt.Sprintf("cannot turn the policy into JSON: %v", err), "")
			return ""
		}
		return r.policyText(n, path, string(b))
	}
	return r.policyText(n, path, r.str(n, path))
}

// MaxInlinePolicy is AWS's limit on a permission set's inline policy.
const MaxInlinePolicy = ic.MaxInlinePolicy

func (r *reader) policyText(n ast.Node, path, text string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		r.problem(n, path, fmt.Sprintf("the inline policy is not valid JSON: %v", err), "")
		return ""
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		r.problem(n, path, "the inline policy must be a JSON object with Version and Statement", "")
		return ""
	}
	if _, ok := doc["Statement"]; !ok {
		r.problem(n, path, "the inline policy has no Statement", "")
	} else if err := policy.ValidateIdentity(buf.String(), 0); err != nil {
		// IAM's grammar: caught here, a bad policy fails plan instead of
		// half of an apply.
		r.problem(n, path, fmt.Sprintf("the inline policy is malformed: IAM would refuse it with %q", err.Error()),
			"see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html")
	}
	if buf.Len() > MaxInlinePolicy {
		r.problem(n, path, fmt.Sprintf("the inline policy is %d characters, more than AWS's %d", buf.Len(), MaxInlinePolicy), "move permissions to managed policies")
	}
	return buf.String()
}

// managedPolicyARN expands a short AWS-managed policy name to its ARN.
func managedPolicyARN(s string) (string, bool) {
	const prefix = "arn:aws:iam::aws:policy/"
	if strings.HasPrefix(s, "arn:") {
		return s, managedARNPattern.MatchString(s)
	}
	s = strings.TrimPrefix(s, "/")
	if s == "" || strings.ContainsAny(s, " :") {
		return "", false
	}
	return prefix + s, true
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
