package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Trust policies: a role's AssumeRolePolicyDocument, checked with IAM's
// grammar when a role is created or its trust changes (validateTrustPolicy,
// internal/policy), and evaluated when STS asks whether a caller may assume
// the role (trustAllows): AssumeRole for a signed caller, and
// AssumeRoleWithWebIdentity and AssumeRoleWithSAML for an identity provider.
//
// The evaluation follows IAM's rules for the statements it understands:
// an explicit Deny wins, then any Allow; a Principal names the caller by
// account, user, role or session ARN ("AWS"), the identity provider's ARN
// ("Federated"), or "*"; conditions compare the request's context keys
// (<issuer>:aud, :sub and :amr from a web identity token, SAML:aud and the
// like from an assertion, sts:ExternalId and aws:* for AssumeRole), and a
// key the request does not carry fails a condition unless the operator ends
// in IfExists or negates. What it does not model: the caller's own identity
// policies (the sandbox grants every caller sts:AssumeRole on its side),
// SCPs and session policies.

type trustStatement struct {
	Effect       string                                `json:"Effect"`
	Principal    json.RawMessage                       `json:"Principal"`
	NotPrincipal json.RawMessage                       `json:"NotPrincipal"`
	Action       json.RawMessage                       `json:"Action"`
	NotAction    json.RawMessage                       `json:"NotAction"`
	Resource     json.RawMessage                       `json:"Resource"`
	NotResource  json.RawMessage                       `json:"NotResource"`
	Condition    map[string]map[string]json.RawMessage `json:"Condition"`
}

// parseTrust reads a trust policy's statements (one already validated:
// see validateTrustPolicy).
func parseTrust(doc string) ([]trustStatement, error) {
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, err
	}
	var stmts []trustStatement
	if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		var one trustStatement
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return nil, err
		}
		stmts = []trustStatement{one}
	}
	return stmts, nil
}

var (
	trustAccountID = lazyRegexp(`^\d{12}$`)
	trustIAMARN    = lazyRegexp(`^arn:aws[\w-]*:(iam|sts)::(\d{12}):(root|user/.+|role/.+|assumed-role/.+|federated-user/.+)$`)
)

// stringList reads a policy element that is a string or a list of strings.
func stringList(raw json.RawMessage) []string {
	if raw == nil {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// trustRequest is what a trust policy is evaluated against.
type trustRequest struct {
	who       caller // the signer (AssumeRole)
	federated string // the identity provider's ARN (web identity, SAML)
	service   string // the service principal assuming the role (scheduler.amazonaws.com)
	action    string // sts:AssumeRole, sts:AssumeRoleWithWebIdentity, ...
	// keys are the request's condition keys, by lower-case name; a key may
	// hold several values (<issuer>:amr).
	keys map[string][]string
}

// trustAllows tells whether a role's trust policy lets the caller perform
// the action: no Deny statement matches and an Allow does.
func (w *World) trustAllows(account string, r *IAMRole, req trustRequest) bool {
	return policyTrusts(w.roleTrust(account, r), req)
}

// policyTrusts evaluates a trust policy document; one that does not parse
// allows nothing.
func policyTrusts(doc string, req trustRequest) bool {
	stmts, err := parseTrust(doc)
	if err != nil {
		return false
	}
	allowed := false
	for _, s := range stmts {
		if !s.matches(req) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allowed = allowed || s.Effect == "Allow"
	}
	return allowed
}

func (s trustStatement) matches(req trustRequest) bool {
	switch {
	case s.Action != nil && !anyWildcard(stringList(s.Action), req.action):
		return false
	case s.NotAction != nil && anyWildcard(stringList(s.NotAction), req.action):
		return false
	case s.Principal != nil && !principalNames(s.Principal, req):
		return false
	case s.NotPrincipal != nil && principalNames(s.NotPrincipal, req):
		return false
	}
	for op, conds := range s.Condition {
		for key, raw := range conds {
			want, ok := conditionValues(raw)
			if !ok || !conditionHolds(op, want, req.keys[strings.ToLower(key)]) {
				return false
			}
		}
	}
	return true
}

// anyWildcard tells whether any pattern matches s, ignoring case.
func anyWildcard(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcardMatch(strings.ToLower(p), strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// wildcardMatch matches IAM's patterns: * is any run of characters, slashes
// included, and ? any one character.
func wildcardMatch(pattern, s string) bool {
	// Two pointers, backtracking to the last star only: linear in practice,
	// never exponential.
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
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// principalNames tells whether a Principal element names the caller: an
// AWS principal a signed caller, a Federated one the identity provider.
func principalNames(raw json.RawMessage, req trustRequest) bool {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*"
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for _, p := range stringList(m["AWS"]) {
		if p == "*" || (req.federated == "" && req.service == "" && awsPrincipalIs(p, req.who)) {
			return true
		}
	}
	for _, p := range stringList(m["Federated"]) {
		if req.federated != "" && arnAfterPartition(p) == arnAfterPartition(req.federated) {
			return true
		}
	}
	for _, p := range stringList(m["Service"]) {
		if req.service != "" && p == req.service {
			return true
		}
	}
	return false // CanonicalUser principals never call STS themselves
}

func awsPrincipalIs(p string, who caller) bool {
	if p == "*" {
		return true
	}
	if trustAccountID.MatchString(p) {
		return p == who.AccountID
	}
	m := trustIAMARN.FindStringSubmatch(p)
	if m == nil || m[2] != who.AccountID {
		return false
	}
	switch res := m[3]; {
	case res == "root":
		return true
	case strings.HasPrefix(res, "role/"):
		// A role names every session of it: assumed-role/<name>/<session>.
		name := res[strings.LastIndex(res, "/")+1:]
		return who.Session != nil && strings.HasPrefix(arnAfterPartition(who.ARN), fmt.Sprintf("sts::%s:assumed-role/%s/", who.AccountID, name))
	case strings.HasPrefix(res, "assumed-role/"):
		return who.Session != nil && arnAfterPartition(who.ARN) == "sts::"+who.AccountID+":"+res
	default: // user/
		return who.Session == nil && arnAfterPartition(who.ARN) == arnAfterPartition(p)
	}
}

// conditionValues reads a condition's values, which policies may write as
// strings, numbers or booleans, alone or in a list.
func conditionValues(raw json.RawMessage) ([]string, bool) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(list))
	for _, r := range list {
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

// conditionHolds evaluates one condition operator on a key's values in the
// request (none when the key is absent) against the policy's values.
func conditionHolds(op string, want, got []string) bool {
	op, ifExists := strings.CutSuffix(op, "IfExists")
	set := ""
	if q, rest, ok := strings.Cut(op, ":"); ok {
		set, op = q, rest
	}
	if op == "Null" {
		return len(want) == 1 && (want[0] == "true") == (len(got) == 0)
	}
	negated := strings.Contains(op, "Not")
	var match func(g, w string) bool
	switch strings.Replace(op, "Not", "", 1) {
	case "StringEquals", "ArnEquals":
		match = func(g, w string) bool { return g == w }
	case "StringEqualsIgnoreCase", "Bool":
		match = strings.EqualFold
	case "StringLike", "ArnLike":
		match = func(g, w string) bool { return wildcardMatch(w, g) }
	default:
		return false // an operator the sandbox does not evaluate grants nothing
	}
	if len(got) == 0 {
		// An absent key matches nothing: negated operators hold, as does
		// IfExists, and ForAllValues over an empty set.
		return ifExists || negated || set == "ForAllValues"
	}
	hit := func(g string) bool {
		return slices.ContainsFunc(want, func(w string) bool { return match(g, w) })
	}
	if set == "ForAllValues" {
		for _, g := range got {
			if hit(g) == negated {
				return false
			}
		}
		return true
	}
	return slices.ContainsFunc(got, hit) != negated
}
