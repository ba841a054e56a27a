package sandbox

import (
	"encoding/json"
	"strings"
)

// Role trust policies, as STS evaluates them for the federation
// operations (AssumeRoleWithWebIdentity, AssumeRoleWithSAML): an explicit
// Deny wins, then any Allow whose principal, action and conditions all
// match. Only what those operations need is modelled: Federated principals,
// actions with wildcards, and the string and Null condition operators with
// ForAnyValue/ForAllValues and IfExists. Anything else in a condition does
// not match, so an unknown operator never grants access.

// trustRequest is what a trust policy is evaluated against.
type trustRequest struct {
	action    string // sts:AssumeRoleWithWebIdentity
	federated string // the identity provider's ARN
	// keys are the request's condition keys, by lower-case name
	// (token.actions.githubusercontent.com:sub).
	keys map[string][]string
}

type trustStatement struct {
	Effect    string                                `json:"Effect"`
	Principal json.RawMessage                       `json:"Principal"`
	Action    stringList                            `json:"Action"`
	NotAction stringList                            `json:"NotAction"`
	Condition map[string]map[string]json.RawMessage `json:"Condition"`
}

// stringList is a policy value that is one string or a list of them.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// conditionValues reads a condition's values, which policies may write as
// strings, numbers or booleans, alone or in a list.
func conditionValues(b json.RawMessage) ([]string, bool) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		raw = []json.RawMessage{b}
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			out = append(out, s)
			continue
		}
		var v any
		if err := json.Unmarshal(r, &v); err != nil {
			return nil, false
		}
		switch v.(type) {
		case float64, bool:
			out = append(out, string(r))
		default:
			return nil, false
		}
	}
	return out, true
}

// trustAllows reports whether the trust policy doc lets req through. A
// policy that does not parse allows nothing.
func trustAllows(doc string, req trustRequest) bool {
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return false
	}
	var stmts []trustStatement
	if json.Unmarshal(p.Statement, &stmts) != nil {
		var one trustStatement
		if json.Unmarshal(p.Statement, &one) != nil {
			return false
		}
		stmts = []trustStatement{one}
	}
	allowed := false
	for _, s := range stmts {
		if !s.matches(req) {
			continue
		}
		switch s.Effect {
		case "Deny":
			return false
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

func (s trustStatement) matches(req trustRequest) bool {
	if !principalMatches(s.Principal, req.federated) {
		return false
	}
	switch {
	case len(s.Action) > 0:
		if !anyGlob(s.Action, req.action, true) {
			return false
		}
	case len(s.NotAction) > 0:
		if anyGlob(s.NotAction, req.action, true) {
			return false
		}
	default:
		return false
	}
	for op, conds := range s.Condition {
		for key, raw := range conds {
			values, ok := conditionValues(raw)
			if !ok || !conditionHolds(op, req.keys[strings.ToLower(key)], values) {
				return false
			}
		}
	}
	return true
}

// principalMatches reports whether a statement's Principal names the
// federated provider: "*", {"Federated": arn} or {"Federated": [arns]}.
func principalMatches(raw json.RawMessage, federated string) bool {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*"
	}
	var p map[string]stringList
	if json.Unmarshal(raw, &p) != nil {
		return false
	}
	for kind, arns := range p {
		if kind == "Federated" && anyGlob(arns, federated, false) {
			return true
		}
		if kind == "AWS" && len(arns) == 1 && arns[0] == "*" {
			return true
		}
	}
	return false
}

// conditionHolds evaluates one condition operator on a key's values in
// the request (nil when the key is absent) against the policy's values.
func conditionHolds(op string, got, want []string) bool {
	op, ifExists := strings.CutSuffix(op, "IfExists")
	set := ""
	if q, rest, ok := strings.Cut(op, ":"); ok {
		set, op = q, rest
	}
	if op == "Null" {
		return len(want) == 1 && (want[0] == "true") == (len(got) == 0)
	}
	var match func(g, w string) bool
	negated := false
	switch op {
	case "StringEquals":
		match = func(g, w string) bool { return g == w }
	case "StringNotEquals":
		match, negated = func(g, w string) bool { return g == w }, true
	case "StringEqualsIgnoreCase":
		match = strings.EqualFold
	case "StringNotEqualsIgnoreCase":
		match, negated = strings.EqualFold, true
	case "StringLike":
		match = func(g, w string) bool { return glob(w, g, false) }
	case "StringNotLike":
		match, negated = func(g, w string) bool { return glob(w, g, false) }, true
	default:
		return false
	}
	if len(got) == 0 {
		// An absent key matches nothing; negated operators hold, as does
		// IfExists, and ForAllValues over an empty set.
		return ifExists || negated || set == "ForAllValues"
	}
	hit := func(g string) bool {
		for _, w := range want {
			if match(g, w) {
				return true
			}
		}
		return false
	}
	if set == "ForAllValues" {
		for _, g := range got {
			if hit(g) == negated {
				return false
			}
		}
		return true
	}
	for _, g := range got {
		if hit(g) {
			return !negated
		}
	}
	return negated
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if glob(p, s, fold) {
			return true
		}
	}
	return false
}

// glob matches s against an IAM pattern, where * is any run of characters
// and ? any one character.
func glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	// Iterative matching with one backtrack point: linear enough for the
	// short strings policies hold, and no recursion for a caller to blow up.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
