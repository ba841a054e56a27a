// Package scoped makes short, narrow credentials for tools and agents that
// must not see a person's session: sts:AssumeRole of a role that trusts the
// permission set's role, with a session policy built from a scope (the
// credentials may do only what both the role and the scope allow) and a
// lifetime from a TTL.
//
// Why a role of its own: the credentials of a permission set are a role
// session already, and a role session can neither call
// sts:GetFederationToken (IAM users only) nor assume its own
// AWSReservedSSO_* role (that needs the role's trust to name itself, and
// Identity Center owns those trusts). So narrowing takes a second role whose
// trust names the permission set's role: docs/scoped-credentials.md.
//
// It owns the scope's grammar, the TTL's bounds and the AssumeRole call; it
// never sees or hands out the SSO tokens.
package scoped

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// STS's bounds for a role session assumed with role credentials (role
// chaining): at least 15 minutes, at most one hour.
const (
	MinTTL = 15 * time.Minute
	MaxTTL = time.Hour
)

// maxPolicy is the size STS accepts for an inline session policy
// (AssumeRole's Policy: 1 to 2,048 characters, botocore's model).
const maxPolicy = 2048

// RoleKey is the profile key naming the role to assume for scoped
// credentials (the AWS CLI ignores keyless_* keys).
const RoleKey = "keyless_scoped_role_arn"

// Compiled on first use: keyless's start-up does no work for a command
// that never narrows credentials.
var (
	actionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-zA-Z0-9-]+:[a-zA-Z0-9*?]+|\*)$`) })
	rolePattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+$`) })
)

// CheckTTL refuses a lifetime STS would refuse, saying what it allows.
func CheckTTL(d time.Duration) error {
	switch {
	case d < MinTTL:
		return fmt.Errorf("--ttl %s: STS issues credentials for at least 15 minutes (DurationSeconds 900); use --ttl 15m, and end the tool's use sooner yourself", ShortDuration(d))
	case d > MaxTTL:
		return fmt.Errorf("--ttl %s: credentials assumed with role credentials last at most 1 hour (role chaining); use --ttl 1h or less", ShortDuration(d))
	}
	return nil
}

// ShortDuration is d as a person types it: 2h, 1h30m, 10m, -1m (not Go's
// 2h0m0s); flag errors show it.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// CheckRole refuses what is not an IAM role ARN.
func CheckRole(arn string) error {
	if !rolePattern().MatchString(arn) {
		return fmt.Errorf("%q is not an IAM role ARN like arn:aws:iam::111111111111:role/keyless-scoped", arn)
	}
	return nil
}

// Policy builds the session policy of a scope: comma-separated action
// patterns (s3:GetObject, s3:List*) and resource ARNs (arn:...), allowed
// together; no resource means every resource the role allows. A scope of
// file://PATH is a policy document of its own. flag names the option in
// errors.
func Policy(flag string, scope []string) (string, error) {
	var items []string
	for _, s := range scope {
		for it := range strings.SplitSeq(s, ",") {
			if it = strings.TrimSpace(it); it != "" {
				items = append(items, it)
			}
		}
	}
	if len(items) == 1 && strings.HasPrefix(items[0], "file://") {
		return policyFile(flag, strings.TrimPrefix(items[0], "file://"))
	}
	var actions, resources []string
	for _, it := range items {
		switch {
		case strings.HasPrefix(it, "file://"):
			return "", fmt.Errorf("%s %s: a policy file is the whole scope; put the actions and resources in it", flag, it)
		case strings.HasPrefix(it, "arn:"):
			resources = append(resources, it)
		case actionPattern().MatchString(it):
			actions = append(actions, it)
		default:
			return "", fmt.Errorf("%s %q: neither an action (service:Action, wildcards * and ?) nor a resource ARN (arn:...)", flag, it)
		}
	}
	if len(actions) == 0 {
		return "", fmt.Errorf("%s names no action: give what the credentials may do, like s3:GetObject,s3:ListBucket", flag)
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	doc, err := json.Marshal(map[string]any{
		"Version":   "2012-10-17",
		"Statement": []any{map[string]any{"Effect": "Allow", "Action": actions, "Resource": resources}},
	})
	if err != nil {
		return "", err
	}
	if len(doc) > maxPolicy {
		return "", fmt.Errorf("%s: the session policy is %d characters, more than STS's %d; use wildcards or a policy file", flag, len(doc), maxPolicy)
	}
	return string(doc), nil
}

func policyFile(flag, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s file://%s: %w", flag, path, err)
	}
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Statement) == 0 {
		if err == nil {
			err = errors.New("no Statement")
		}
		return "", fmt.Errorf("%s: %s is not an IAM policy document: %v", flag, path, err)
	}
	// A trust or resource policy (the role's trust.json is at hand) names
	// a principal; STS refuses it as a session policy with a bare
	// MalformedPolicyDocument, after the sign-in and role credentials.
	var stmts []map[string]json.RawMessage
	if err := json.Unmarshal(doc.Statement, &stmts); err != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(doc.Statement, &one) == nil {
			stmts = []map[string]json.RawMessage{one}
		}
	}
	for i, st := range stmts {
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if _, ok := st[k]; ok {
				return "", fmt.Errorf("%s: %s is not a session policy: its statement %d names a %s, as trust and resource policies do; a session policy says what the credentials may do, with Action and Resource only", flag, path, i+1, k)
			}
		}
	}
	var compact strings.Builder
	enc := json.NewEncoder(&compact)
	var v any
	_ = json.Unmarshal(b, &v)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	out := strings.TrimSpace(compact.String())
	if len(out) > maxPolicy {
		return "", fmt.Errorf("%s: %s is %d characters without spaces, more than STS's %d for a session policy", flag, path, len(out), maxPolicy)
	}
	return out, nil
}

// Assumer is the STS call Assume makes (*sts.Client).
type Assumer interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// Request is one scoped credential.
type Request struct {
	RoleARN, SessionName, Policy string
	TTL                          time.Duration
}

// Credentials are what Assume got.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
	AssumedRoleARN                             string
}

// Assume calls sts:AssumeRole with the session policy and the TTL.
func Assume(ctx context.Context, c Assumer, r Request) (Credentials, error) {
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(r.RoleARN),
		RoleSessionName: aws.String(r.SessionName),
		DurationSeconds: aws.Int32(int32(r.TTL / time.Second)),
	}
	if r.Policy != "" {
		in.Policy = aws.String(r.Policy)
	}
	out, err := c.AssumeRole(ctx, in)
	if err != nil {
		var ae interface{ ErrorCode() string }
		if errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied" {
			return Credentials{}, &hinted{fmt.Errorf("assume %s: %w", r.RoleARN, err),
				"the role's trust policy must allow the permission set's role, and the permission set sts:AssumeRole on it (docs/scoped-credentials.md)"}
		}
		return Credentials{}, fmt.Errorf("assume %s: %w", r.RoleARN, err)
	}
	c2 := out.Credentials
	if c2 == nil || c2.AccessKeyId == nil {
		return Credentials{}, fmt.Errorf("assume %s: no credentials in the answer", r.RoleARN)
	}
	return Credentials{
		AccessKeyID:     aws.ToString(c2.AccessKeyId),
		SecretAccessKey: aws.ToString(c2.SecretAccessKey),
		SessionToken:    aws.ToString(c2.SessionToken),
		Expiration:      aws.ToTime(c2.Expiration).UTC(),
		AssumedRoleARN:  aws.ToString(out.AssumedRoleUser.Arn),
	}, nil
}

// hinted is an error with a line saying what to do (the CLI prints it as
// "hint: ...").
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }
func (h *hinted) Hint() string  { return h.hint }
