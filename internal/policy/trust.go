package policy

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Decode is a policy document as IAM returns it (GetRole's
// AssumeRolePolicyDocument, GetRolePolicy's PolicyDocument: URL-encoded
// JSON) decoded. A document that is JSON already, or does not decode, is
// returned as it is: decoding twice would turn a + into a space.
func Decode(doc string) string {
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return doc
	}
	if d, err := url.QueryUnescape(doc); err == nil {
		return d
	}
	return doc
}

// TrustPolicy is what ReadTrust reads of a role's trust policy.
type TrustPolicy struct {
	// WebIdentity are the statements letting OIDC tokens in.
	WebIdentity []WebIdentity
	// Statements counts all the statements, web identity or not.
	Statements int
}

// WebIdentity is one Allow statement of a role's trust policy that lets
// an OIDC provider's tokens assume the role.
type WebIdentity struct {
	// Provider is the oidc-provider ARN the statement names.
	Provider string
	// Issuer is the provider URL without https://: the prefix of the
	// condition keys (token.actions.githubusercontent.com).
	Issuer string
	// Sub and Aud are the values the sub and aud claims are matched
	// against; nil when the statement has no such condition.
	Sub, Aud []string
	// SubLike is set when sub is matched with StringLike (wildcards).
	SubLike bool
	// Other are the statement's conditions on anything but the issuer's
	// sub and aud with a string operator, as "Operator key", sorted.
	Other []string
}

// ReadTrust reads a trust policy (URL-encoded, as IAM returns it, or not).
// Statement, Action, Principal.Federated and condition values may each be
// one or a list.
func ReadTrust(doc string) (TrustPolicy, error) {
	var p struct {
		Statement oneOrMany[trustStatement]
	}
	if err := json.Unmarshal([]byte(Decode(doc)), &p); err != nil {
		return TrustPolicy{}, fmt.Errorf("parse trust policy: %w", err)
	}
	out := TrustPolicy{Statements: len(p.Statement)}
	for _, s := range p.Statement {
		if s.Effect != "Allow" || !slices.ContainsFunc(s.Action, func(a string) bool {
			a = strings.ToLower(a)
			return a == "sts:assumerolewithwebidentity" || a == "sts:*" || a == "*"
		}) {
			continue
		}
		for _, fed := range s.Principal.Federated {
			_, issuer, ok := strings.Cut(fed, ":oidc-provider/")
			if !ok {
				continue // a SAML provider, or cognito-identity.amazonaws.com
			}
			t := WebIdentity{Provider: fed, Issuer: issuer}
			for op, conds := range s.Condition {
				// ForAnyValue:StringLike, StringEqualsIfExists: the base operator decides.
				base := strings.TrimSuffix(op[strings.LastIndex(op, ":")+1:], "IfExists")
				for key, vals := range conds {
					prefix, claim, ok := cutLast(key, ":")
					str := base == "StringEquals" || base == "StringLike"
					switch c := strings.ToLower(claim); {
					case !str || !ok || !strings.EqualFold(prefix, issuer) || c != "sub" && c != "aud":
						t.Other = append(t.Other, op+" "+key)
					case c == "sub":
						t.Sub = append(t.Sub, stringsOf(vals)...)
						t.SubLike = t.SubLike || base == "StringLike"
					default:
						t.Aud = append(t.Aud, stringsOf(vals)...)
					}
				}
			}
			slices.Sort(t.Sub)
			slices.Sort(t.Aud)
			slices.Sort(t.Other)
			out.WebIdentity = append(out.WebIdentity, t)
		}
	}
	return out, nil
}

type trustStatement struct {
	Effect    string
	Action    oneOrMany[string]
	Principal principal
	// Condition values may be strings, numbers or booleans (Bool,
	// NumericLessThan): only strings are kept.
	Condition map[string]map[string]oneOrMany[any]
}

// principal is a statement's Principal: "*" or an object by kind.
type principal struct{ Federated oneOrMany[string] }

func (p *principal) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return nil // "*": no federated provider named
	}
	var v struct{ Federated oneOrMany[string] }
	err := json.Unmarshal(b, &v)
	*p = v
	return err
}

func stringsOf(vals []any) []string {
	var out []string
	for _, v := range vals {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// oneOrMany decodes a JSON value or a list of them, as IAM policies allow.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*[]T)(o))
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = []T{v}
	return nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
