package identitycenter

// Session cuts: ending the role sessions one person already holds of a
// permission set, without touching anyone else's. A role session cannot be
// revoked; it can be refused. AWS's way for Identity Center ("Revoke active
// IAM role sessions created by permission sets", and "Use a Deny policy to
// revoke active user permissions") is a Deny on the permission set's inline
// policy conditioned on identitystore:userId, provisioned to the accounts;
// IAM's own "revoke sessions" adds aws:TokenIssueTime so that sessions
// issued after the cut work. keyless writes both, and bounds the statement
// by aws:CurrentTime (the cut plus the set's session duration: no session
// issued before the cut outlives that), so the statement is inert by itself
// afterwards and the next rewrite drops it. docs/elevation.md, "cut
// sessions", is the contract the elevation end machine writes too.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

const (
	// CutSidPrefix starts the Sid of every cut statement; keyless.yaml may
	// not use it (config refuses it), so apply can tell them apart.
	CutSidPrefix = "KeylessCut"
	// MaxInlinePolicy is AWS's limit on a permission set's inline policy,
	// in characters (PermissionSetPolicyDocument, 1-32768).
	MaxInlinePolicy = 32768
	// cutSidTime is the cut's second in the Sid, UTC, as the elevation end
	// machine writes it.
	cutSidTime = "20060102T150405"
)

var isoDuration = lazyre.New(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// ParseSessionDuration reads an ISO 8601 session duration as sso-admin
// gives it (PT1H, PT1H30M, PT90M).
func ParseSessionDuration(s string) (time.Duration, bool) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "PT" {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil {
				return 0, false
			}
			d += time.Duration(n) * unit
		}
	}
	return d, true
}

// CutSid is the Sid of the cut of userID's sessions at cut: the prefix, the
// user id's hex digits (the id without its hyphens) and the cut's UTC
// second. Two cuts of one user in one second share it; the later replaces
// the earlier.
func CutSid(userID string, cut time.Time) string {
	return CutSidPrefix + strings.ReplaceAll(userID, "-", "") + cut.UTC().Format(cutSidTime)
}

// cutStatement is the statement's JSON, fields in docs/elevation.md's order.
type cutStatement struct {
	Sid       string `json:"Sid"`
	Effect    string `json:"Effect"`
	Action    string `json:"Action"`
	Resource  string `json:"Resource"`
	Condition struct {
		StringEquals struct {
			UserID string `json:"identitystore:userId"`
		} `json:"StringEquals"`
		DateLessThan struct {
			TokenIssueTime string `json:"aws:TokenIssueTime"`
			CurrentTime    string `json:"aws:CurrentTime"`
		} `json:"DateLessThan"`
	} `json:"Condition"`
}

// CutStatement is the Deny that refuses userID's sessions issued before
// cut, in force until until, in every account the set is provisioned to
// (the end machine's own cuts add aws:PrincipalAccount: one grant's
// account; offboarding cuts everywhere).
func CutStatement(userID string, cut, until time.Time) json.RawMessage {
	s := cutStatement{Sid: CutSid(userID, cut), Effect: "Deny", Action: "*", Resource: "*"}
	s.Condition.StringEquals.UserID = userID
	s.Condition.DateLessThan.TokenIssueTime = cut.UTC().Format(time.RFC3339)
	s.Condition.DateLessThan.CurrentTime = until.UTC().Format(time.RFC3339)
	b, _ := marshal(s)
	return b
}

// CutTime is the cut for a request made at now: the next whole second, so
// that every session issued up to now (aws:TokenIssueTime has fractions of
// a second) falls before it.
func CutTime(now time.Time) time.Time {
	t := now.UTC().Truncate(time.Second)
	if t.Before(now) {
		t = t.Add(time.Second)
	}
	return t
}

// policyParts is an inline policy split into its statements: the file's
// (or the console's) and keyless's cuts, each cut with its end. The other
// top-level fields keep their order, so a policy with its statements in a
// list joins back to its own text.
type policyParts struct {
	keys  []string                   // top-level fields in order, Statement among them
	top   map[string]json.RawMessage // every top-level field but Statement
	base  []json.RawMessage
	cuts  []json.RawMessage
	until []time.Time // of cuts; zero when it cannot be read
	sids  []string    // of cuts
}

func splitPolicy(doc string) (*policyParts, error) {
	p := &policyParts{top: map[string]json.RawMessage{}}
	if strings.TrimSpace(doc) == "" {
		p.keys = []string{"Version", "Statement"}
		p.top["Version"] = json.RawMessage(`"2012-10-17"`)
		return p, nil
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("the inline policy is not a JSON object")
	}
	var raw json.RawMessage
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("the inline policy is not valid JSON: %w", err)
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("the inline policy is not valid JSON: %w", err)
		}
		if _, dup := p.top[k]; dup || (k == "Statement" && raw != nil) {
			return nil, fmt.Errorf("the inline policy has %s twice", k)
		}
		p.keys = append(p.keys, k)
		if k == "Statement" {
			raw = v
		} else {
			p.top[k] = v
		}
	}
	if raw == nil {
		p.keys = append(p.keys, "Statement")
	}
	var stmts []json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		stmts = []json.RawMessage{raw}
	} else if len(t) > 0 {
		if err := json.Unmarshal(raw, &stmts); err != nil {
			return nil, fmt.Errorf("the inline policy's Statement is not a list: %w", err)
		}
	}
	for _, s := range stmts {
		var head struct {
			Sid       string
			Condition map[string]map[string]json.RawMessage
		}
		if json.Unmarshal(s, &head) != nil || !strings.HasPrefix(head.Sid, CutSidPrefix) {
			p.base = append(p.base, s)
			continue
		}
		p.cuts = append(p.cuts, s)
		p.sids = append(p.sids, head.Sid)
		p.until = append(p.until, cutUntil(head.Condition))
	}
	return p, nil
}

// cutUntil reads a cut's aws:CurrentTime bound (condition operators and
// keys compare without case in IAM); zero when it has none.
func cutUntil(cond map[string]map[string]json.RawMessage) time.Time {
	for op, keys := range cond {
		if !strings.EqualFold(op, "DateLessThan") {
			continue
		}
		for k, v := range keys {
			var s string
			if strings.EqualFold(k, "aws:CurrentTime") && json.Unmarshal(v, &s) == nil {
				if t, err := time.Parse(time.RFC3339, s); err == nil {
					return t
				}
			}
		}
	}
	return time.Time{}
}

// cutClockSkew is how long keyless keeps a cut past its aws:CurrentTime
// bound. The bound makes the cut inert in AWS by AWS's clock; keyless
// judges it by the local clock (plan's read time), and a local clock running
// ahead would otherwise drop the deny early and give a cut session back its
// last minutes. Keeping an inert statement a little longer costs nothing.
const cutClockSkew = 5 * time.Minute

// live reports whether cut i may still refuse anything at now, by a clock
// that may be up to cutClockSkew ahead of AWS's. A cut whose end cannot be
// read is kept: a deny is never dropped on a guess.
func (p *policyParts) live(i int, now time.Time) bool {
	return p.until[i].IsZero() || now.Before(p.until[i].Add(cutClockSkew))
}

// join writes the policy: its fields, then the base statements and the
// cuts. The same parts always give the same text, so a plan after a cut
// compares equal.
func (p *policyParts) join(cuts []json.RawMessage) (string, error) {
	stmts := append(append([]json.RawMessage{}, p.base...), cuts...)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range p.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := marshal(k)
		if err != nil {
			return "", err
		}
		v := p.top[k]
		if k == "Statement" {
			if v, err = marshal(stmts); err != nil {
				return "", err
			}
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Compact(&out, b.Bytes()); err != nil {
		return "", err
	}
	return out.String(), nil
}

// marshal is json.Marshal without HTML escaping (policies hold & and <).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// KeepCuts is want (the inline policy keyless.yaml asks for, compact JSON or
// "") with the cuts of have (the policy AWS holds) that are still in force
// at now. Without such cuts it is want, unchanged: expired cuts go at the
// next write. A have or want that does not parse gives want.
func KeepCuts(want, have string, now time.Time) string {
	if !strings.Contains(have, CutSidPrefix) {
		return want
	}
	h, err := splitPolicy(have)
	if err != nil {
		return want
	}
	var cuts []json.RawMessage
	for i, c := range h.cuts {
		if h.live(i, now) {
			cuts = append(cuts, c)
		}
	}
	if len(cuts) == 0 {
		return want
	}
	w, err := splitPolicy(want)
	if err != nil {
		return want
	}
	out, err := w.join(cuts)
	if err != nil {
		return want
	}
	return out
}

// HasCutSid reports whether a policy has a statement whose Sid starts
// with CutSidPrefix.
func HasCutSid(doc string) bool {
	if !strings.Contains(doc, CutSidPrefix) {
		return false
	}
	p, err := splitPolicy(doc)
	return err == nil && len(p.cuts) > 0
}

// stripCuts is doc without its cut statements ("" when nothing else is
// left but the version), as the file would ask for it.
func stripCuts(doc string) string {
	if !strings.Contains(doc, CutSidPrefix) {
		return doc
	}
	p, err := splitPolicy(doc)
	if err != nil || len(p.cuts) == 0 {
		return doc
	}
	if len(p.base) == 0 {
		return ""
	}
	out, err := p.join(nil)
	if err != nil {
		return doc
	}
	return out
}

// PolicyTooLargeError is a cut that does not fit in the permission set's
// inline policy.
type PolicyTooLargeError struct {
	PermissionSet string
	Size          int
}

func (e *PolicyTooLargeError) Error() string {
	return fmt.Sprintf("permission set %s: the inline policy with the cut statement would be %d characters, over AWS's limit of %d; nothing was changed",
		e.PermissionSet, e.Size, MaxInlinePolicy)
}

func (e *PolicyTooLargeError) Hint() string {
	return "shorten the set's inline_policy in keyless.yaml (or move some of it to a customer managed policy), or remove the person's assignment of it; cuts older than the set's session duration drop out by themselves"
}

// AddCut is doc (an inline policy, or "") with the cut of userID's sessions
// at cut, in force for session after it; cuts no longer in force at now,
// and an earlier cut with the same Sid, are dropped.
func AddCut(doc, userID string, cut time.Time, session time.Duration, now time.Time) (string, error) {
	p, err := splitPolicy(doc)
	if err != nil {
		return "", err
	}
	sid := CutSid(userID, cut)
	var cuts []json.RawMessage
	for i, c := range p.cuts {
		if p.live(i, now) && p.sids[i] != sid {
			cuts = append(cuts, c)
		}
	}
	cuts = append(cuts, CutStatement(userID, cut, cut.Add(session)))
	return p.join(cuts)
}

// Cut is the sessions to end: one user's, of one permission set, issued
// before At.
type Cut struct {
	InstanceARN      string
	PermissionSetARN string
	UserID           string
	At               time.Time
}

// CutResult is what a cut did.
type CutResult struct {
	PermissionSet string // name
	Sid           string
	Until         time.Time
	// Accounts are where the set was provisioned again (none when it is
	// provisioned nowhere: there are no sessions to cut).
	Accounts []string
}

// CutSessions adds the cut statement to the permission set's inline policy
// and provisions the set to every account it is provisioned to, waiting
// for the outcome. now judges which earlier cuts have ended (nil:
// time.Now).
func (a *Applier) CutSessions(ctx context.Context, cut Cut, now func() time.Time) (CutResult, error) {
	if now == nil {
		now = time.Now
	}
	c := a.C.SSOAdmin
	inst, arn := aws.String(cut.InstanceARN), aws.String(cut.PermissionSetARN)
	d, err := c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
	if err != nil {
		return CutResult{}, fmt.Errorf("describe permission set %s: %w", cut.PermissionSetARN, err)
	}
	name := aws.ToString(d.PermissionSet.Name)
	session, ok := ParseSessionDuration(aws.ToString(d.PermissionSet.SessionDuration))
	if !ok {
		// Unset means AWS's default of one hour; past 12 hours sso-admin
		// refuses it.
		session = time.Hour
	}
	res := CutResult{PermissionSet: name, Sid: CutSid(cut.UserID, cut.At), Until: cut.At.Add(session).UTC()}
	in, err := c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
	if err != nil {
		return res, fmt.Errorf("permission set %s: get the inline policy: %w", name, err)
	}
	doc, err := AddCut(aws.ToString(in.InlinePolicy), cut.UserID, cut.At, session, now())
	if err != nil {
		return res, fmt.Errorf("permission set %s: %w", name, err)
	}
	if len(doc) > MaxInlinePolicy {
		return res, &PolicyTooLargeError{PermissionSet: name, Size: len(doc)}
	}
	if _, err := c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, InlinePolicy: aws.String(doc)}); err != nil {
		return res, fmt.Errorf("permission set %s: put the inline policy: %w", name, err)
	}
	p := ssoadmin.NewListAccountsForProvisionedPermissionSetPaginator(c, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return res, fmt.Errorf("permission set %s: list the accounts it is provisioned to: %w", name, err)
		}
		res.Accounts = append(res.Accounts, out.AccountIds...)
	}
	if len(res.Accounts) == 0 {
		return res, nil
	}
	if err := provisionAll(ctx, c, cut.InstanceARN, cut.PermissionSetARN, a.pollInterval(), a.Log); err != nil {
		return res, fmt.Errorf("permission set %s: %w", name, err)
	}
	return res, nil
}

func (a *Applier) pollInterval() time.Duration {
	if a.PollInterval <= 0 {
		return time.Second
	}
	return a.PollInterval
}
