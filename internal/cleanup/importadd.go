package cleanup

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/keyless-dev/keyless/internal/config"
)

// AddedUsers is an existing keyless.yaml with imported users added.
type AddedUsers struct {
	YAML []byte
	// Added are the emails added, Present those the file already had.
	Added, Present []string
	// AddedWorkloads and PresentWorkloads are the workloads' names.
	AddedWorkloads, PresentWorkloads []string
}

// ErrCannotEdit is returned when keyless.yaml has a shape AddIAMUsers does
// not edit safely; the caller suggests writing a new file instead.
var ErrCannotEdit = fmt.Errorf("keyless cannot add to it safely")

// ErrExternalSource is returned for a keyless.yaml with identity_source:
// external, which takes no users: the identity provider makes them.
var ErrExternalSource = fmt.Errorf("your identity provider makes the users, so keyless does not add IAM users to it")

// AddIAMUsers adds users to the keyless.yaml text src (read from path):
// each user whose email the file lacks goes to the end of users: and its
// email to the end of its built-in set, a key created at the end of the
// file when missing. Every other byte stays: the text is edited at the
// places the YAML tree points to, never re-rendered. Block lists get items
// in the style of their first item, flow lists ([a, b]) get theirs inside
// the brackets. The result must parse and hold the file's users and sets
// followed by the added ones, or nothing is returned.
func AddIAMUsers(path string, src []byte, users []ImportedUser) (*AddedUsers, error) {
	return AddIAMImport(path, src, users, nil)
}

// AddIAMImport is AddIAMUsers that also adds workloads: each workload
// whose name, or whose like_user, the file lacks goes to the end of
// workloads:, created at the end of the file when missing.
func AddIAMImport(path string, src []byte, users []ImportedUser, wls []ImportedWorkload) (*AddedUsers, error) {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: not valid YAML, so %w: %w", path, ErrCannotEdit, err)
	}
	if len(f.Docs) > 1 {
		return nil, fmt.Errorf("%s holds several YAML documents, so %w", path, ErrCannotEdit)
	}
	var body ast.Node
	if len(f.Docs) == 1 {
		body = f.Docs[0].Body
	}
	old := &config.Config{}
	if body != nil {
		if old, err = config.Parse(path, src); err != nil {
			return nil, fmt.Errorf("%s does not validate, so %w (fix it first: keyless plan shows where): %w", path, ErrCannotEdit, err)
		}
	}
	if old.External {
		return nil, fmt.Errorf("%s has identity_source: external: %w", path, ErrExternalSource)
	}
	out := &AddedUsers{YAML: src}
	var add []ImportedUser
	for _, u := range users {
		if slices.ContainsFunc(old.Users, func(o config.User) bool { return strings.EqualFold(o.Email, u.Email) }) {
			out.Present = append(out.Present, u.Email)
			continue
		}
		add = append(add, u)
		out.Added = append(out.Added, u.Email)
	}
	var addW []ImportedWorkload
	for _, w := range wls {
		if slices.ContainsFunc(old.Workloads, func(o config.Workload) bool {
			return o.Name == w.Name || strings.EqualFold(o.LikeUser.Value, w.LikeUser)
		}) {
			out.PresentWorkloads = append(out.PresentWorkloads, w.Name)
			continue
		}
		addW = append(addW, w)
		out.AddedWorkloads = append(out.AddedWorkloads, w.Name)
	}
	if len(add)+len(addW) == 0 {
		return out, nil
	}
	pairs, err := topPairs(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w, so %w", path, err, ErrCannotEdit)
	}
	e := &textEdit{src: src, lines: lineSpans(src)}
	// The sections in the order a missing one is appended.
	keys := []string{"users", "super_admins", "power_users", "readonly_users", "workloads"}
	sections := map[string][]listItem{}
	for _, u := range add {
		sections["users"] = append(sections["users"], listItem{user: &u})
		sections[u.List] = append(sections[u.List], listItem{email: u.Email, comment: u.Review})
	}
	for _, w := range addW {
		sections["workloads"] = append(sections["workloads"], listItem{workload: &w})
	}
	var missing []string
	for _, key := range keys {
		items := sections[key]
		if len(items) == 0 {
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
		if err := e.addTo(pairs[i], next, items); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w, so %w", path, pairs[i].Key.GetToken().Position.Line, key, err, ErrCannotEdit)
		}
	}
	// After the items added to the file's last list, which end there too.
	for _, key := range missing {
		e.appendSection(key, sections[key])
	}
	out.YAML = e.apply()
	if err := sameAndAdded(path, old, out.YAML, add, addW); err != nil {
		return nil, fmt.Errorf("adding to %s went wrong (a keyless bug; please report it), so nothing was written: %w", path, err)
	}
	return out, nil
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

// sameAndAdded checks that the edited text reads as the old file's users
// and sets followed by the added ones.
func sameAndAdded(path string, old *config.Config, text []byte, add []ImportedUser, addW []ImportedWorkload) error {
	c, err := config.Parse(path, text)
	if err != nil {
		return err
	}
	emails := func(us []config.User) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.Email)
		}
		return out
	}
	refs := func(rs []config.Ref) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Value)
		}
		return out
	}
	want := map[string][]string{"users": emails(old.Users), "super_admins": refs(old.SuperAdmins), "power_users": refs(old.PowerUsers), "readonly_users": refs(old.ReadonlyUsers)}
	for _, u := range add {
		want["users"] = append(want["users"], u.Email)
		want[u.List] = append(want[u.List], u.Email)
	}
	got := map[string][]string{"users": emails(c.Users), "super_admins": refs(c.SuperAdmins), "power_users": refs(c.PowerUsers), "readonly_users": refs(c.ReadonlyUsers)}
	for _, k := range []string{"users", "super_admins", "power_users", "readonly_users"} {
		if !slices.Equal(want[k], got[k]) {
			return fmt.Errorf("%s reads as %v, want %v", k, got[k], want[k])
		}
	}
	names := func(ws []config.Workload) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Name+" like "+w.LikeUser.Value)
		}
		return out
	}
	wantW := names(old.Workloads)
	for _, w := range addW {
		wantW = append(wantW, w.Name+" like "+w.LikeUser)
	}
	if got := names(c.Workloads); !slices.Equal(wantW, got) {
		return fmt.Errorf("workloads read as %v, want %v", got, wantW)
	}
	for i, u := range add {
		if n := c.Users[len(old.Users)+i]; n.UserName != u.IAMUser || n.GivenName != u.GivenName || n.FamilyName != u.FamilyName {
			return fmt.Errorf("user %s reads as %+v", u.Email, n)
		}
	}
	return nil
}

// listItem is a user (user set), a workload, or an email with an
// optional comment.
type listItem struct {
	user           *ImportedUser
	workload       *ImportedWorkload
	email, comment string
}

// flow renders the item inside a flow list.
func (it listItem) flow() string {
	if w := it.workload; w != nil {
		return "{" + strings.Join(w.fields(), ", ") + "}"
	}
	if u := it.user; u != nil {
		return fmt.Sprintf("{email: %s, user_name: %s, given_name: %s, family_name: %s}", scalar(u.Email), scalar(u.IAMUser), scalar(u.GivenName), scalar(u.FamilyName))
	}
	return scalar(it.email)
}

// block renders the item as a block list item: the dash indented by
// indent, its content gap spaces after it; flowMaps writes users as
// {email: ...} on one line.
func (it listItem) block(indent, gap int, flowMaps bool) string {
	pad, cont := strings.Repeat(" ", indent), strings.Repeat(" ", indent+1+gap)
	dash := pad + "-" + strings.Repeat(" ", gap)
	u := it.user
	switch {
	case it.workload != nil && flowMaps:
		return dash + it.flow() + "\n"
	case it.workload != nil:
		return dash + strings.Join(it.workload.fields(), "\n"+cont) + "\n"
	case u == nil && it.comment != "":
		return dash + scalar(it.email) + " # review: " + it.comment + "\n"
	case u == nil:
		return dash + scalar(it.email) + "\n"
	case flowMaps:
		return dash + it.flow() + "\n"
	}
	return fmt.Sprintf("%semail: %s\n%suser_name: %s\n%sgiven_name: %s\n%sfamily_name: %s\n",
		dash, scalar(u.Email), cont, scalar(u.IAMUser), cont, scalar(u.GivenName), cont, scalar(u.FamilyName))
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
func (e *textEdit) appendSection(key string, items []listItem) {
	at, nl := len(e.src), ""
	if at > 0 && e.src[at-1] != '\n' {
		nl = "\n"
	}
	var b strings.Builder
	b.WriteString(nl + "\n" + key + ":\n")
	for _, it := range items {
		b.WriteString(it.block(2, 1, false))
	}
	e.ins = append(e.ins, insertion{at, b.String()})
}

// addTo adds items to the list of kv, whose block ends before line next.
func (e *textEdit) addTo(kv *ast.MappingValueNode, next int, items []listItem) error {
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
			b.WriteString(it.block(keyIndent+2, 1, false))
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
func (e *textEdit) addToBlock(keyLine, keyIndent, next int, items []listItem) error {
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
		b.WriteString(it.block(indent, gap, flowMaps))
	}
	e.ins = append(e.ins, insertion{at, b.String()})
	return nil
}

// addToFlow adds items inside a flow list's brackets, after its last item
// (and its trailing comma, if any).
func (e *textEdit) addToFlow(v *ast.SequenceNode, items []listItem) error {
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
		texts = append(texts, it.flow())
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
