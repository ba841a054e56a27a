package config

// Removing a person from keyless.yaml (keyless offboard): their users:
// entry, their names in the built-in lists, group members and assignments'
// users, and an assignment left with no principal. As AddToLists, the text
// is edited where the YAML tree points, never re-rendered: comments, order
// and style stay.

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Removal is one place RemovePerson takes the person out of.
type Removal struct {
	Line int `json:"line"`
	// Path is the field or item, as plan's errors name them
	// (groups[1].members[0], assignments[2]).
	Path string `json:"path"`
	// What says it in words: "user entry", "member of Developers".
	What string `json:"what"`
}

// RemovePerson removes every mention of the person named by names (user
// name and email; compared without case, as Identity Center does) from
// src, whose YAML body is body (ReadForEdit): the users: entry; the
// built-in lists; groups' members; assignments' users, and an assignment
// left with neither users nor groups; elevation's revokers and its rules'
// eligible, approvers and self_approval users. A list left empty becomes []. The
// caller checks that the result reads as it should.
func RemovePerson(path string, src []byte, body ast.Node, names []string) ([]byte, []Removal, error) {
	pairs, err := topPairs(body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w, so %w", path, err, ErrCannotEdit)
	}
	is := func(n ast.Node) bool {
		s, ok := scalar(n)
		return ok && slices.ContainsFunc(names, func(name string) bool { return strings.EqualFold(name, s) })
	}
	e := &cutEdit{src: src, lines: lineSpans(src)}
	var out []Removal
	fail := func(kv *ast.MappingValueNode, err error) error {
		return fmt.Errorf("%s:%d: %s: %w, so %w", path, kv.Key.GetToken().Position.Line, kv.Key.String(), err, ErrCannotEdit)
	}
	// named are the indexes of the items of seq that name the person.
	named := func(seq *ast.SequenceNode) []int {
		var drop []int
		for i, item := range seq.Values {
			if is(item) {
				drop = append(drop, i)
			}
		}
		return drop
	}
	// dropNamed removes the person from the list that is the value of
	// list (nothing if it is not a list), each as a Removal at at[i]
	// said as what.
	dropNamed := func(list *ast.MappingValueNode, at, what string) error {
		seq, ok := unwrap(list.Value).(*ast.SequenceNode)
		if !ok {
			return nil
		}
		drop := named(seq)
		for _, i := range drop {
			out = append(out, Removal{Line: posOf(seq.Values[i]).Line, Path: fmt.Sprintf("%s[%d]", at, i), What: what})
		}
		return e.dropItems(list, seq, drop)
	}
	for _, kv := range pairs {
		key := kv.Key.String()
		switch key {
		case "users":
			seq, ok := unwrap(kv.Value).(*ast.SequenceNode)
			if !ok {
				continue
			}
			var drop []int
			for i, item := range seq.Values {
				for _, f := range mappingPairs(item) {
					if k := f.Key.String(); (k == "email" || k == "user_name") && is(f.Value) {
						drop = append(drop, i)
						out = append(out, Removal{Line: posOf(item).Line, Path: fmt.Sprintf("users[%d]", i), What: "user entry"})
						break
					}
				}
			}
			if err := e.dropItems(kv, seq, drop); err != nil {
				return nil, nil, fail(kv, err)
			}
		case "super_admins", "power_users", "readonly_users":
			if err := dropNamed(kv, key, "in "+key); err != nil {
				return nil, nil, fail(kv, err)
			}
		case "elevation":
			// revokers.users, and each rule's eligible, approvers and
			// self_approval users.
			var lists []*ast.MappingValueNode
			var labels []string
			var paths []string
			usersOf := func(n ast.Node, label, path string) {
				for _, f := range mappingPairs(n) {
					if f.Key.String() == "users" {
						lists = append(lists, f)
						labels = append(labels, label)
						paths = append(paths, path+".users")
					}
				}
			}
			for _, f := range mappingPairs(kv.Value) {
				switch f.Key.String() {
				case "revokers":
					usersOf(f.Value, "revoker of elevation", "elevation.revokers")
				case "rules":
					rules, ok := unwrap(f.Value).(*ast.SequenceNode)
					if !ok {
						continue
					}
					for i, rule := range rules.Values {
						name := ""
						for _, rf := range mappingPairs(rule) {
							if rf.Key.String() == "name" {
								name, _ = scalar(rf.Value)
							}
						}
						for _, rf := range mappingPairs(rule) {
							if k := rf.Key.String(); k == "eligible" || k == "approvers" || k == "self_approval" {
								usersOf(rf.Value, strings.ReplaceAll(k, "_", " ")+" in elevation rule "+name, fmt.Sprintf("elevation.rules[%d].%s", i, k))
							}
						}
					}
				}
			}
			for n, list := range lists {
				if err := dropNamed(list, paths[n], labels[n]); err != nil {
					return nil, nil, fail(kv, err)
				}
			}
		case "groups", "assignments":
			seq, ok := unwrap(kv.Value).(*ast.SequenceNode)
			if !ok {
				continue
			}
			field := map[string]string{"groups": "members", "assignments": "users"}[key]
			var dropWhole []int
			for i, item := range seq.Values {
				fields := mappingPairs(item)
				var list *ast.MappingValueNode
				hasGroups := false
				label := ""
				for _, f := range fields {
					switch f.Key.String() {
					case field:
						list = f
					case "groups":
						if l, ok := unwrap(f.Value).(*ast.SequenceNode); ok && len(l.Values) > 0 {
							hasGroups = true
						}
					case "name", "permission_set":
						label, _ = scalar(f.Value)
					}
				}
				if list == nil {
					continue
				}
				l, ok := unwrap(list.Value).(*ast.SequenceNode)
				if !ok {
					continue
				}
				drop := named(l)
				if len(drop) == 0 {
					continue
				}
				if key == "assignments" && len(drop) == len(l.Values) && !hasGroups {
					dropWhole = append(dropWhole, i)
					out = append(out, Removal{Line: posOf(item).Line, Path: fmt.Sprintf("assignments[%d]", i), What: "assignment of " + label + " (no one else in it)"})
					continue
				}
				for _, j := range drop {
					what := "member of " + label
					if key == "assignments" {
						what = "user of the assignment of " + label
					}
					out = append(out, Removal{Line: posOf(l.Values[j]).Line, Path: fmt.Sprintf("%s[%d].%s[%d]", key, i, field, j), What: what})
				}
				if err := e.dropItems(list, l, drop); err != nil {
					return nil, nil, fail(kv, err)
				}
			}
			if err := e.dropItems(kv, seq, dropWhole); err != nil {
				return nil, nil, fail(kv, err)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	res, err := e.apply()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w, so %w", path, err, ErrCannotEdit)
	}
	return res, out, nil
}

// Mentions lists where the file names any of names (user names or emails,
// without case) as a person: users:, the built-in lists, group members and
// assignments' users.
func (c *Config) Mentions(names []string) []string {
	is := func(s string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, s) })
	}
	var out []string
	for _, u := range c.Users {
		if is(u.Email) || is(u.UserName) {
			out = append(out, u.Path)
		}
	}
	refs := func(rs []Ref) {
		for _, r := range rs {
			if is(r.Value) {
				out = append(out, r.Path)
			}
		}
	}
	refs(c.SuperAdmins)
	refs(c.PowerUsers)
	refs(c.ReadonlyUsers)
	for _, g := range c.Groups {
		refs(g.Members)
	}
	for _, a := range c.Assignments {
		refs(a.Users)
	}
	if e := c.Elevation; e != nil {
		refs(e.Revokers.Users)
		for _, r := range e.Rules {
			refs(r.Eligible.Users)
			refs(r.Approvers.Users)
			refs(r.SelfApproval.Users)
		}
	}
	return out
}

// mappingPairs are the fields of a mapping node (none for anything else).
func mappingPairs(n ast.Node) []*ast.MappingValueNode {
	switch x := unwrap(n).(type) {
	case *ast.MappingNode:
		return x.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{x}
	}
	return nil
}

// cutEdit collects replacements of byte ranges of src.
type cutEdit struct {
	src   []byte
	lines []span
	cuts  []cut
}

type cut struct {
	start, end int
	text       string
}

// offset is the byte offset of a 1-based line and rune column.
func (e *cutEdit) offset(line, col int) (int, bool) {
	if line < 1 || line > len(e.lines) {
		return 0, false
	}
	ln := e.lines[line-1]
	runes := []rune(string(e.src[ln.start:ln.end]))
	if col < 1 || col > len(runes)+1 {
		return 0, false
	}
	return ln.start + len(string(runes[:col-1])), true
}

// dropItems removes the items drop (indexes) of seq, the value of kv.
func (e *cutEdit) dropItems(kv *ast.MappingValueNode, seq *ast.SequenceNode, drop []int) error {
	if len(drop) == 0 {
		return nil
	}
	if seq.IsFlowStyle {
		return e.dropFlow(seq, drop)
	}
	all := len(drop) == len(seq.Values)
	for _, i := range drop {
		dash := seq.Values[i].GetToken().Position.Line
		// The dash is on the item's first line, at or before its token.
		indent := indentOf(string(e.src[e.lines[dash-1].start:e.lines[dash-1].end]))
		if t := strings.TrimLeft(string(e.src[e.lines[dash-1].start:e.lines[dash-1].end]), " "); !strings.HasPrefix(t, "-") {
			return fmt.Errorf("item %d does not start its line with a dash", i)
		}
		last := dash
		for n := dash + 1; n <= len(e.lines); n++ {
			s := string(e.src[e.lines[n-1].start:e.lines[n-1].end])
			if strings.TrimSpace(s) == "" {
				continue
			}
			if indentOf(s) <= indent {
				break
			}
			last = n
		}
		end := len(e.src)
		if last < len(e.lines) {
			end = e.lines[last].start
		}
		e.cuts = append(e.cuts, cut{start: e.lines[dash-1].start, end: end})
	}
	if all {
		// key: and nothing reads as null; an empty list says what is meant.
		tok := kv.Key.GetToken()
		start, ok := e.offset(tok.Position.Line, tok.Position.Column)
		if !ok {
			return fmt.Errorf("its key is not where the YAML tree puts it")
		}
		colon := bytes.IndexByte(e.src[start:e.lines[tok.Position.Line-1].end], ':')
		if colon < 0 {
			return fmt.Errorf("its key's colon was not found")
		}
		e.cuts = append(e.cuts, cut{start: start + colon + 1, end: start + colon + 1, text: " []"})
	}
	return nil
}

// dropFlow rewrites a flow list ([a, b]) without the items drop, on one line.
func (e *cutEdit) dropFlow(seq *ast.SequenceNode, drop []int) error {
	open, ok1 := e.offset(seq.Start.Position.Line, seq.Start.Position.Column)
	if seq.End == nil {
		return fmt.Errorf("its closing ] was not found")
	}
	closing, ok2 := e.offset(seq.End.Position.Line, seq.End.Position.Column)
	if !ok1 || !ok2 || e.src[open] != '[' || e.src[closing] != ']' {
		return fmt.Errorf("its brackets are not where the YAML tree puts them")
	}
	items := splitFlow(string(e.src[open+1 : closing]))
	if len(items) != len(seq.Values) {
		return fmt.Errorf("its items were not found where the YAML tree puts them")
	}
	var keep []string
	for i, it := range items {
		if !slices.Contains(drop, i) {
			keep = append(keep, it)
		}
	}
	for _, it := range items {
		if strings.Contains(it, "#") && !strings.ContainsAny(it, `"'`) {
			return fmt.Errorf("a comment stands inside its brackets")
		}
	}
	e.cuts = append(e.cuts, cut{start: open, end: closing + 1, text: "[" + strings.Join(keep, ", ") + "]"})
	return nil
}

// splitFlow splits the text inside a flow list's brackets at its top-level
// commas, each item trimmed; quotes and nested brackets are kept whole.
func splitFlow(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '[' || r == '{':
			depth++
		case r == ']' || r == '}':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if last := strings.TrimSpace(s[start:]); last != "" {
		out = append(out, last)
	}
	return out
}

// apply returns src with the cuts made; cuts inside a larger one go with it.
func (e *cutEdit) apply() ([]byte, error) {
	cuts := slices.Clone(e.cuts)
	sort.SliceStable(cuts, func(i, j int) bool {
		if cuts[i].start != cuts[j].start {
			return cuts[i].start < cuts[j].start
		}
		return cuts[i].end > cuts[j].end
	})
	var b bytes.Buffer
	prev := 0
	for _, c := range cuts {
		if c.start < prev {
			if c.end <= prev {
				continue // inside an item already removed
			}
			return nil, fmt.Errorf("two edits overlap")
		}
		b.Write(e.src[prev:c.start])
		b.WriteString(c.text)
		prev = c.end
	}
	b.Write(e.src[prev:])
	return b.Bytes(), nil
}
