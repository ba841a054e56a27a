package policy

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Evaluation of identity-based policies, as IAM decides a request made with
// a role session's credentials (the IAM user guide, "Policy evaluation
// logic", for a request within one account): an explicit Deny in any policy
// wins; otherwise the identity-based policies must allow the request, and so
// must the permissions boundary and the session policies when there are any.
// Resource-based policies, SCPs and RCPs are not part of it.

// Compiled is a policy document ready to evaluate. It is immutable, so one
// can serve every request that names the same document.
type Compiled struct {
	statements []compiledStatement
}

type compiledStatement struct {
	allow       bool
	notAction   bool
	actions     []string // lower case
	notResource bool
	resources   []string
	conditions  []condition
	// variables: the policy is version 2012-10-17, where ${...} in
	// resources and condition values are policy variables.
	variables bool
}

// Compile reads a document for evaluation. It checks only what evaluation
// needs (the document's syntax); documents reach it already validated by
// IAM's grammar where they were stored.
func Compile(doc string) (*Compiled, error) {
	d, err := parse(doc)
	if err != nil {
		return nil, err
	}
	c := &Compiled{}
	for _, s := range d.statements {
		cs := compiledStatement{allow: s["Effect"] == "Allow", variables: d.version == "2012-10-17"}
		cs.actions, cs.notAction = s.either("Action")
		for i, a := range cs.actions {
			cs.actions[i] = strings.ToLower(a)
		}
		cs.resources, cs.notResource = s.either("Resource")
		conds, err := compileConditions(s["Condition"])
		if err != nil {
			return nil, err
		}
		cs.conditions = conds
		c.statements = append(c.statements, cs)
	}
	return c, nil
}

// either reads element k (Action, Resource) or its negation (NotAction,
// NotResource), which IAM's grammar allows instead of it.
func (s statement) either(k string) (values []string, not bool) {
	if s.has("Not" + k) {
		return s.strings("Not" + k), true
	}
	return s.strings(k), false
}

// Request is what one call asks for.
type Request struct {
	// Action is service:Operation, in any case (iam:CreateUser).
	Action string
	// Resource is the ARN the call acts on, or "*".
	Resource string
	// Context holds the condition keys the request carries, by lower-case
	// name (aws:sourceip, aws:principaltag/team); a key absent here is
	// absent from the request.
	Context map[string][]string
}

// Kind is a type of policy, as access denied messages name it.
type Kind int

const (
	Identity Kind = iota
	Boundary
	Session
)

func (k Kind) String() string {
	switch k {
	case Boundary:
		return "permissions boundary"
	case Session:
		return "session policy"
	}
	return "identity-based policy"
}

// Policies are what decides a role session's requests.
type Policies struct {
	// Identity are the role's inline and managed policies.
	Identity []*Compiled
	// Boundary is the role's permissions boundary, nil for none.
	Boundary *Compiled
	// Session are the session's policies (inline and managed); nil for a
	// session that was given none, which then has all of the role's
	// permissions.
	Session []*Compiled
}

// Decision is the outcome of an evaluation.
type Decision struct {
	Allowed bool
	// ExplicitDeny: a Deny statement matched; Kind says in which kind of
	// policy. Otherwise, for a refusal, Kind is the kind that allowed
	// nothing.
	ExplicitDeny bool
	Kind         Kind
}

// Reason ends an access denied message as AWS words it: "with an explicit
// deny in an identity-based policy", "because no permissions boundary
// allows the iam:CreateUser action".
func (d Decision) Reason(action string) string {
	if d.ExplicitDeny {
		article := "a"
		if d.Kind == Identity {
			article = "an"
		}
		return fmt.Sprintf("with an explicit deny in %s %s", article, d.Kind)
	}
	return fmt.Sprintf("because no %s allows the %s action", d.Kind, action)
}

// Evaluate decides r.
func (p Policies) Evaluate(r *Request) Decision {
	e := evaluation{r: r, action: strings.ToLower(r.Action)}
	type set struct {
		kind  Kind
		docs  []*Compiled
		apply bool
	}
	sets := []set{
		{Identity, p.Identity, true},
		{Boundary, []*Compiled{p.Boundary}, p.Boundary != nil},
		{Session, p.Session, p.Session != nil},
	}
	allowed := [3]bool{}
	for _, s := range sets {
		if !s.apply {
			continue
		}
		for _, d := range s.docs {
			deny, allow := e.document(d)
			if deny {
				return Decision{ExplicitDeny: true, Kind: s.kind}
			}
			allowed[s.kind] = allowed[s.kind] || allow
		}
	}
	for _, s := range sets {
		if s.apply && !allowed[s.kind] {
			return Decision{Kind: s.kind}
		}
	}
	return Decision{Allowed: true}
}

type evaluation struct {
	r      *Request
	action string // lower case
}

// document reports whether d denies and whether it allows the request.
func (e *evaluation) document(d *Compiled) (deny, allow bool) {
	if d == nil {
		return false, false
	}
	for i := range d.statements {
		s := &d.statements[i]
		if !e.matches(s) {
			continue
		}
		if !s.allow {
			return true, false
		}
		allow = true
	}
	return false, allow
}

func (e *evaluation) matches(s *compiledStatement) bool {
	hit := false
	for _, a := range s.actions {
		if a == "*" || matchWildcards(a, e.action, false) {
			hit = true
			break
		}
	}
	if hit == s.notAction {
		return false
	}
	hit = false
	for _, res := range s.resources {
		if res == "*" {
			hit = true
			break
		}
		pat, ok := e.expand(res, s.variables, true)
		if ok && matchWildcards(pat, e.r.Resource, false) {
			hit = true
			break
		}
	}
	if hit == s.notResource {
		return false
	}
	for _, c := range s.conditions {
		if !c.holds(e, s.variables) {
			return false
		}
	}
	return true
}

// expand replaces the policy variables in v (${aws:username}, ${aws:PrincipalTag/team, 'none'},
// ${*}, ${?}, ${$}) with the request's values. For a pattern, the values are
// escaped so that their own * and ? match only themselves. ok is false when a
// variable names a key the request lacks and gives no default: then v
// matches nothing.
func (e *evaluation) expand(v string, variables, pattern bool) (string, bool) {
	if !variables || !strings.Contains(v, "${") {
		return v, true
	}
	var b strings.Builder
	for {
		i := strings.Index(v, "${")
		if i < 0 {
			b.WriteString(v)
			return b.String(), true
		}
		j := strings.IndexByte(v[i:], '}')
		if j < 0 {
			b.WriteString(v)
			return b.String(), true
		}
		b.WriteString(v[:i])
		inner := v[i+2 : i+j]
		v = v[i+j+1:]
		var value string
		switch inner {
		case "*", "?", "$":
			value = inner
		default:
			key, def, hasDefault := strings.Cut(inner, ",")
			vals := e.r.Context[strings.ToLower(strings.TrimSpace(key))]
			switch {
			case len(vals) == 1:
				value = vals[0]
			case hasDefault:
				value = strings.Trim(strings.TrimSpace(def), "'")
			default:
				return "", false
			}
		}
		if pattern {
			value = escapeWildcards(value)
		}
		b.WriteString(value)
	}
}

// escapeWildcards makes * and ? (and the escape itself) literal for
// matchWildcards.
func escapeWildcards(s string) string {
	if !strings.ContainsAny(s, `*?\`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == '*' || r == '?' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// matchWildcards reports whether s matches pattern, where * matches any
// run of characters, ? any one character, and \ makes the next character
// literal (for values of policy variables). fold compares without case.
func matchWildcards(pattern, s string, fold bool) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti := 0, 0
	starP, starT := -1, 0
	eq := func(a, b rune) bool {
		return a == b || fold && strings.EqualFold(string(a), string(b))
	}
	for ti < len(t) {
		if pi < len(p) {
			switch c := p[pi]; {
			case c == '*':
				starP, starT = pi, ti
				pi++
				continue
			case c == '?':
				pi++
				ti++
				continue
			case c == '\\' && pi+1 < len(p):
				if eq(p[pi+1], t[ti]) {
					pi += 2
					ti++
					continue
				}
			default:
				if eq(c, t[ti]) {
					pi++
					ti++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starT++
		pi, ti = starP+1, starT
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// conditionValues reads a condition's value: a string, bool or number, or a
// list of them.
func conditionValues(v any) ([]string, error) {
	one := func(v any) (string, error) {
		switch v := v.(type) {
		case string:
			return v, nil
		case bool:
			return fmt.Sprint(v), nil
		case json.Number:
			return v.String(), nil
		}
		return "", errSyntax
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, err := one(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := one(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}
