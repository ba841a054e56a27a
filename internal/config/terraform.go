package config

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/keyless-dev/keyless/internal/suggest"
)

// TerraformModule is the basic Identity Center Terraform module's variables
// as a module block in a .tf file gives them: what 'keyless import
// terraform' turns into keyless.yaml.
type TerraformModule struct {
	File string // the .tf file
	Name string // the block's label: module.<Name>

	Users                                  []User
	SuperAdmins, PowerUsers, ReadonlyUsers []string
	Region                                 string // default_aws_region
	SessionDuration                        string // default_session_duration, as written ("1H")

	// Warnings are things to check that do not stop the move.
	Warnings []string
}

// moduleVariables are the module's inputs keyless reads.
var moduleVariables = []string{"users", "super_admins", "power_users", "readonly_users", "default_aws_region", "default_session_duration"}

// moduleMeta are Terraform's own arguments of a module block: where the
// module comes from says nothing about what it made.
var moduleMeta = []string{"source", "version", "providers", "depends_on"}

// moduleUserFields are the fields of the module's users: keyless's.
var moduleUserFields = userFields

// ReadTerraform finds the module block of the basic Identity Center module
// in a .tf file (the one named name, or the only one that sets the
// module's variables) and reads its values. It evaluates literal values
// only: a reference to a variable, local or resource, or a function call,
// is a problem naming the file, line and attribute. Every problem is
// reported at once, as *TerraformErrors.
func ReadTerraform(path string, data []byte, name string) (*TerraformModule, error) {
	errs := &Errors{File: path}
	f, diags := hclsyntax.ParseConfig(data, path, hcl.InitialPos)
	if diags.HasErrors() {
		addDiags(errs, "", diags)
		return nil, &TerraformErrors{errs}
	}
	block, err := moduleBlock(path, f.Body.(*hclsyntax.Body), name)
	if err != nil {
		return nil, err
	}
	m := &TerraformModule{File: path, Name: block.Labels[0]}
	prefix := "module." + m.Name + "."
	for _, b := range block.Body.Blocks {
		errs.add(Problem{Line: b.TypeRange.Start.Line, Col: b.TypeRange.Start.Column, Path: prefix + b.Type,
			Message: fmt.Sprintf("a %s block inside the module block: keyless reads only the module's variables", b.Type)})
	}
	for _, attrName := range sortedAttrs(block.Body.Attributes) {
		attr := block.Body.Attributes[attrName]
		field := prefix + attrName
		switch {
		case slices.Contains(moduleMeta, attrName):
			continue
		case attrName == "count" || attrName == "for_each":
			problemAt(errs, attr.NameRange, field, fmt.Sprintf("%s makes several instances of the module; keyless reads one", attrName),
				"write one module block per instance, and import each into its own keyless.yaml")
			continue
		case !slices.Contains(moduleVariables, attrName):
			hint := "the basic Identity Center module's variables are " + strings.Join(moduleVariables, ", ")
			if s := suggest.Closest(attrName, moduleVariables); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			problemAt(errs, attr.NameRange, field, "not a variable of the basic Identity Center module", hint)
			continue
		}
		v, ok := literal(errs, attr.Expr, field)
		if !ok {
			continue
		}
		switch attrName {
		case "users":
			m.Users = moduleUsers(errs, attr.Expr, v, field)
		case "super_admins":
			m.SuperAdmins = stringList(errs, attr.Expr, v, field)
		case "power_users":
			m.PowerUsers = stringList(errs, attr.Expr, v, field)
		case "readonly_users":
			m.ReadonlyUsers = stringList(errs, attr.Expr, v, field)
		case "default_aws_region":
			m.Region, _ = str(errs, attr.Expr, v, field)
		case "default_session_duration":
			m.SessionDuration, _ = str(errs, attr.Expr, v, field)
		}
	}
	if err := errs.err(); err != nil {
		return nil, &TerraformErrors{err.(*Errors)}
	}
	if r, line := providerRegion(f.Body.(*hclsyntax.Body)); r != "" && m.Region != "" && r != m.Region {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s:%d: the aws provider's region is %s, and module.%s's default_aws_region %s: keyless's region is both Identity Center's and the console's, and is written as %s; "+
			"if Identity Center runs in %s, set region: %s in keyless.yaml (the relay state then opens the console there)", path, line, r, m.Name, m.Region, m.Region, r, r))
	}
	return m, nil
}

// providerRegion is the literal region of the file's aws provider block
// without an alias (the one the module used, unless it was given another),
// and its line.
func providerRegion(body *hclsyntax.Body) (string, int) {
	for _, b := range body.Blocks {
		if b.Type != "provider" || len(b.Labels) != 1 || b.Labels[0] != "aws" || b.Body.Attributes["alias"] != nil {
			continue
		}
		attr := b.Body.Attributes["region"]
		if attr == nil || len(attr.Expr.Variables()) > 0 {
			return "", 0
		}
		if v, diags := attr.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
			return v.AsString(), attr.SrcRange.Start.Line
		}
	}
	return "", 0
}

// TerraformErrors are the problems of a .tf file.
type TerraformErrors struct{ *Errors }

// Hint says what keyless can read.
func (e *TerraformErrors) Hint() string {
	return "keyless reads literal values in the module block; write the values there, or write keyless.yaml by hand (docs/from-terraform.md)"
}

// moduleBlock picks the module block to read.
func moduleBlock(path string, body *hclsyntax.Body, name string) (*hclsyntax.Block, error) {
	var all, candidates []*hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type != "module" || len(b.Labels) != 1 {
			continue
		}
		all = append(all, b)
		if name != "" && b.Labels[0] == name {
			return b, nil
		}
		if slices.ContainsFunc(moduleVariables, func(v string) bool { return b.Body.Attributes[v] != nil }) {
			candidates = append(candidates, b)
		}
	}
	labels := func(bs []*hclsyntax.Block) string {
		var out []string
		for _, b := range bs {
			out = append(out, fmt.Sprintf("%s (line %d)", b.Labels[0], b.DefRange().Start.Line))
		}
		return strings.Join(out, ", ")
	}
	switch {
	case name != "":
		hint := "this file has no module blocks"
		if len(all) > 0 {
			hint = "its module blocks: " + labels(all)
		}
		return nil, &hintError{fmt.Errorf("%s: no module block named %q", path, name), hint}
	case len(candidates) == 0:
		return nil, &hintError{fmt.Errorf("%s: no module block sets users, super_admins, power_users or readonly_users", path),
			"give the .tf file that holds the Identity Center module's block (module \"...\" { users = [...] ... })"}
	case len(candidates) > 1:
		return nil, &hintError{fmt.Errorf("%s: %d module blocks set the Identity Center module's variables: %s", path, len(candidates), labels(candidates)),
			"choose one with --module NAME"}
	}
	return candidates[0], nil
}

type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Hint() string  { return e.hint }

// literal evaluates an expression that refers to nothing. A reference is a
// problem that names it; so is a function call.
func literal(errs *Errors, expr hclsyntax.Expression, path string) (cty.Value, bool) {
	if refs := expr.Variables(); len(refs) > 0 {
		var names []string
		for _, r := range refs {
			if n := traversalString(r); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		what := "refers to " + strings.Join(names, ", ")
		problemAt(errs, refs[0].SourceRange(), path, what+", which keyless cannot evaluate",
			"write the values themselves in the module block, or write keyless.yaml by hand")
		return cty.NilVal, false
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		addDiags(errs, path, diags)
		return cty.NilVal, false
	}
	return v, true
}

// traversalString writes a reference as Terraform does: var.admins, local.x[0].
func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			} else if s.Key.Type() == cty.Number {
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().String())
			} else {
				b.WriteString("[...]")
			}
		case hcl.TraverseSplat:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// str reads a text value as Terraform would for a string variable (numbers
// and bools become text).
func str(errs *Errors, expr hclsyntax.Expression, v cty.Value, path string) (string, bool) {
	if v.IsNull() {
		problemAt(errs, expr.Range(), path, "null: keyless needs a value", "")
		return "", false
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		problemAt(errs, expr.Range(), path, fmt.Sprintf("expected text, found %s", v.Type().FriendlyName()), "")
		return "", false
	}
	return s.AsString(), true
}

// elements returns a list's items with each one's expression, where the
// list is written out ([a, b]); else the list's own expression.
func elements(errs *Errors, expr hclsyntax.Expression, v cty.Value, path string) ([]cty.Value, []hclsyntax.Expression, bool) {
	if v.IsNull() || !(v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()) {
		problemAt(errs, expr.Range(), path, fmt.Sprintf("expected a list, found %s", v.Type().FriendlyName()), "write it as [\"a\", \"b\"]")
		return nil, nil, false
	}
	var vals []cty.Value
	var exprs []hclsyntax.Expression
	tuple, _ := expr.(*hclsyntax.TupleConsExpr)
	for it, i := v.ElementIterator(), 0; it.Next(); i++ {
		_, ev := it.Element()
		vals = append(vals, ev)
		if tuple != nil && i < len(tuple.Exprs) {
			exprs = append(exprs, tuple.Exprs[i])
		} else {
			exprs = append(exprs, expr)
		}
	}
	return vals, exprs, true
}

func stringList(errs *Errors, expr hclsyntax.Expression, v cty.Value, path string) []string {
	vals, exprs, ok := elements(errs, expr, v, path)
	if !ok {
		return nil
	}
	out := []string{}
	for i, ev := range vals {
		if s, ok := str(errs, exprs[i], ev, fmt.Sprintf("%s[%d]", path, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func moduleUsers(errs *Errors, expr hclsyntax.Expression, v cty.Value, path string) []User {
	vals, exprs, ok := elements(errs, expr, v, path)
	if !ok {
		return nil
	}
	var out []User
	for i, ev := range vals {
		p := fmt.Sprintf("%s[%d]", path, i)
		if ev.IsNull() || !(ev.Type().IsObjectType() || ev.Type().IsMapType()) {
			problemAt(errs, exprs[i].Range(), p, fmt.Sprintf("expected an object {email = ..., given_name = ..., family_name = ...}, found %s", ev.Type().FriendlyName()), "")
			continue
		}
		pos := exprs[i].Range().Start
		u := User{Pos: Pos{pos.Line, pos.Column}, Path: p}
		for it := ev.ElementIterator(); it.Next(); {
			k, fv := it.Element()
			key := k.AsString()
			field, keyAt := exprs[i], exprs[i].Range()
			if obj, ok := exprs[i].(*hclsyntax.ObjectConsExpr); ok {
				for _, item := range obj.Items {
					if kv, diags := item.KeyExpr.Value(nil); !diags.HasErrors() && kv.Type() == cty.String && kv.AsString() == key {
						field, keyAt = item.ValueExpr, item.KeyExpr.Range()
					}
				}
			}
			if !slices.Contains(moduleUserFields, key) {
				problemAt(errs, keyAt, p+"."+key, "not a field of the module's users", "known fields: "+strings.Join(moduleUserFields, ", "))
				continue
			}
			s, _ := str(errs, field, fv, p+"."+key)
			u.set(key, s)
		}
		out = append(out, u)
	}
	return out
}

func problemAt(errs *Errors, r hcl.Range, path, msg, hint string) {
	errs.add(Problem{Line: r.Start.Line, Col: r.Start.Column, Path: path, Message: msg, Hint: hint})
}

func addDiags(errs *Errors, path string, diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := lowerFirst(strings.TrimSuffix(d.Summary, "."))
		if d.Detail != "" {
			msg += ": " + lowerFirst(strings.TrimSuffix(d.Detail, "."))
		}
		p := Problem{Line: 1, Col: 1, Path: path, Message: msg}
		if d.Subject != nil {
			p.Line, p.Col = d.Subject.Start.Line, d.Subject.Start.Column
		}
		errs.add(p)
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func sortedAttrs(attrs hclsyntax.Attributes) []string {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return attrs[a].NameRange.Start.Byte - attrs[b].NameRange.Start.Byte })
	return names
}

// YAML writes the module's values as keyless.yaml, in the module's shape
// with keyless's field names.
func (m *TerraformModule) YAML() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# keyless.yaml, written by 'keyless import terraform' from module.%s in %s.\n", m.Name, m.File)
	b.WriteString("# docs/keyless-yaml.md describes the fields; docs/from-terraform.md the move from Terraform.\n")
	if m.Region != "" {
		fmt.Fprintf(&b, "region: %s\n", scalarYAML(m.Region))
	}
	if d := moduleDuration(m.SessionDuration); d != m.SessionDuration {
		fmt.Fprintf(&b, "session_duration: %s  # the module's %s\n", scalarYAML(d), m.SessionDuration)
	} else if d != "" {
		fmt.Fprintf(&b, "session_duration: %s\n", scalarYAML(d))
	}
	if len(m.Users) > 0 {
		b.WriteString("\nusers:\n")
		for _, u := range m.Users {
			first := "  - "
			field := func(name, value string) {
				if value != "" {
					fmt.Fprintf(&b, "%s%s: %s\n", first, name, scalarYAML(value))
					first = "    "
				}
			}
			field("email", u.Email)
			field("user_name", u.UserName)
			field("given_name", u.GivenName)
			field("family_name", u.FamilyName)
			field("display_name", u.DisplayName)
			if first == "  - " {
				b.WriteString("  - {}\n")
			}
		}
	}
	b.WriteString("\n")
	for _, l := range []struct {
		name  string
		names []string
	}{{"super_admins", m.SuperAdmins}, {"power_users", m.PowerUsers}, {"readonly_users", m.ReadonlyUsers}} {
		if len(l.names) > 0 {
			fmt.Fprintf(&b, "%s: %s\n", l.name, flowList(l.names))
		}
	}
	return b.Bytes()
}
