// Package policy checks IAM policy documents against AWS's policy grammar, the
// way IAM refuses them with MalformedPolicyDocument, and measures them against
// IAM's size quotas.
//
// It owns the grammar of identity policies (managed, inline, permission sets'
// inline policies) and trust policies (a role's AssumeRolePolicyDocument);
// reading documents as IAM returns them: Decode undoes their URL encoding,
// ReadTrust reads the statements that let OIDC tokens in (trust.go), for the
// audit's checks and for adopting workload roles; and the evaluation of
// identity policies against a request (eval.go): whether a session's policies
// allow an action on a resource, given the request's condition keys. It does
// not know which actions or condition keys exist, gather a request's keys, or
// talk to AWS. Errors carry AWS's own messages, so the sandbox can return
// them verbatim and keyless's config checks can quote them.
package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// IAM's size quotas for a policy, counted without white space
// (GetAccountSummary's SummaryMap names them).
const (
	ManagedSize     = 6144  // PolicySizeQuota
	UserInlineSize  = 2048  // UserPolicySizeQuota, all of a user's inline policies together
	GroupInlineSize = 5120  // GroupPolicySizeQuota, all of a group's inline policies together
	RoleInlineSize  = 10240 // RolePolicySizeQuota, all of a role's inline policies together
	TrustSize       = 2048  // AssumeRolePolicySizeQuota
	// PermissionSetInlineSize is IAM Identity Center's limit on a permission
	// set's inline policy, in characters (white space included).
	PermissionSetInlineSize = 32768
)

// The codes an Error carries, as IAM names them.
const (
	CodeMalformed = "MalformedPolicyDocument"
	CodeLimit     = "LimitExceeded"
)

// Error is a refused policy: Code is IAM's error code, Message its message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func malformed(format string, a ...any) *Error {
	return &Error{Code: CodeMalformed, Message: fmt.Sprintf(format, a...)}
}

// Size counts a document as IAM does against its quotas: without white space.
func Size(doc string) int {
	n := 0
	for _, r := range doc {
		if r != ' ' && r != '\n' && r != '\t' && r != '\r' {
			n++
		}
	}
	return n
}

// ValidateIdentity checks an identity-based policy: one attached to a user,
// group, role or permission set, which names no principal and must name
// resources. maxSize (a *Size constant, 0 for none) is checked with Size.
func ValidateIdentity(doc string, maxSize int) error {
	p, err := parse(doc)
	if err != nil {
		return err
	}
	for _, s := range p.statements {
		if s.has("Principal") || s.has("NotPrincipal") {
			return malformed("Policy document should not specify a principal.")
		}
	}
	if err := p.validate(); err != nil {
		return err
	}
	for _, s := range p.statements {
		if !s.hasList("Resource") && !s.hasList("NotResource") {
			return malformed("Policy statement must contain resources.")
		}
	}
	if maxSize > 0 && Size(doc) > maxSize {
		return &Error{Code: CodeLimit, Message: fmt.Sprintf("Cannot exceed quota for PolicySize: %d", maxSize)}
	}
	return nil
}

// trustActions are the actions a role's trust policy may allow.
var trustActions = []string{
	"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:DecodeAuthorizationMessage",
	"sts:GetAccessKeyInfo", "sts:GetCallerIdentity", "sts:GetFederationToken", "sts:GetServiceBearerToken",
	"sts:GetSessionToken", "sts:SetSourceIdentity", "sts:TagSession",
}

// principalKinds are the keys a Principal object may have.
var principalKinds = []string{"AWS", "Service", "Federated", "CanonicalUser"}

// ValidateTrust checks a resource-based policy that is a role's trust policy
// (AssumeRolePolicyDocument): every statement names a principal, allows only
// STS actions, and names no resource. It is held to TrustSize.
func ValidateTrust(doc string) error {
	p, err := parse(doc)
	if err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	for _, s := range p.statements {
		for _, a := range s.strings("Action") {
			if !slices.Contains(trustActions, a) {
				return malformed("Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity")
			}
		}
		if s.has("Resource") || s.has("NotResource") {
			return malformed("Has prohibited field Resource.")
		}
		if !s.has("Principal") && !s.has("NotPrincipal") {
			return malformed("Missing required field Principal")
		}
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if err := validatePrincipal(s[k]); err != nil {
				return err
			}
		}
	}
	if Size(doc) > TrustSize {
		return &Error{Code: CodeLimit, Message: fmt.Sprintf("Cannot exceed quota for ACLSizePerRole: %d", TrustSize)}
	}
	return nil
}

var accountID = lazyre.New(`^\d{12}$`)

// validatePrincipal checks a Principal value: "*" or an object whose keys are
// principal kinds and whose values are strings or lists of strings.
func validatePrincipal(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if v == "*" {
			return nil
		}
		return malformed("Invalid principal in policy: %q", v)
	case map[string]any:
		if len(v) == 0 {
			return malformed("Syntax errors in policy.")
		}
		for _, k := range sortedKeys(v) {
			if !slices.Contains(principalKinds, k) {
				return malformed("Invalid principal in policy: %q", k)
			}
			vals, ok := stringList(v[k])
			if !ok || len(vals) == 0 {
				return malformed("Syntax errors in policy.")
			}
			for _, id := range vals {
				bad := id == "" ||
					k == "AWS" && id != "*" && !accountID.MatchString(id) && !strings.HasPrefix(id, "arn:") ||
					k == "Federated" && !strings.HasPrefix(id, "arn:") && !strings.Contains(id, ".")
				if bad {
					return malformed("Invalid principal in policy: \"%s\":\"%s\"", k, id)
				}
			}
		}
		return nil
	default:
		return malformed("Syntax errors in policy.")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// stringList reads a string or a list of strings.
func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}
