package elevation

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/oklog/ulid/v2"
)

// ErrNoRequest is returned when no request has the id given.
var ErrNoRequest = errors.New("no such request")

// Find reads the request whose ULID is id or starts with it. Anyone may
// write any sk in their own partition, so "USER/ID" picks the requester
// when two requests share an id.
func (c *Client) Find(ctx context.Context, id string) (Request, error) {
	user, id, qualified := strings.Cut(strings.TrimSpace(id), "/")
	if !qualified {
		user, id = "", user
	}
	id = strings.ToUpper(strings.TrimPrefix(id, requestPrefix))
	if len(id) < 4 || len(id) > ulid.EncodedSize || strings.Trim(id, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != "" {
		return Request{}, &InputError{Field: "id", Msg: fmt.Sprintf("%q is not a request id: keyless requests lists them (26 letters and digits; a unique prefix of 4 or more will do)", id)}
	}
	var found []Key
	err := c.scan(ctx, "begins_with(sk, :p)", map[string]types.AttributeValue{":p": strValue(requestPrefix + id)}, func(m map[string]types.AttributeValue) {
		if k := keyOf(m); user == "" || strings.EqualFold(UserName(k.PK), user) {
			found = append(found, k)
		}
	})
	if err != nil {
		return Request{}, err
	}
	switch len(found) {
	case 0:
		return Request{}, fmt.Errorf("%w %s: keyless requests --all lists them", ErrNoRequest, id)
	case 1:
	default:
		var ids []string
		for _, k := range found {
			ids = append(ids, UserName(k.PK)+"/"+strings.TrimPrefix(k.SK, requestPrefix))
		}
		return Request{}, &InputError{Field: "id", Msg: fmt.Sprintf("%s names %d requests (%s): give more of the id", id, len(found), strings.Join(ids, ", "))}
	}
	out, err := c.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(TableName), Key: found[0].item(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Request{}, fmt.Errorf("read request %s: %w", id, err)
	}
	if out.Item == nil {
		return Request{}, fmt.Errorf("%w %s", ErrNoRequest, id)
	}
	return parseRequest(out.Item)
}

// scan reads every item matching filter, page by page.
func (c *Client) scan(ctx context.Context, filter string, values map[string]types.AttributeValue, each func(map[string]types.AttributeValue)) error {
	in := &dynamodb.ScanInput{TableName: aws.String(TableName)}
	if filter != "" {
		in.FilterExpression, in.ExpressionAttributeValues = aws.String(filter), values
	}
	p := dynamodb.NewScanPaginator(c.DB, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read table %s: %w", TableName, err)
		}
		for _, m := range page.Items {
			each(m)
		}
	}
	return nil
}

// Outcome is how a machine's execution ended.
type Outcome struct {
	ExecutionARN string
	Status       string // SUCCEEDED, FAILED, TIMED_OUT, ABORTED
	Error, Cause string
	Output       string
}

// RefusedError is a machine's refusal (its Fail state's error and cause).
type RefusedError struct {
	Machine      string
	Code, Cause  string
	ExecutionARN string
}

func (e *RefusedError) Error() string {
	msg, ok := refusals[e.Code]
	switch {
	case ok:
	case Retryable(e.Code):
		msg = "it failed for a reason that can pass"
	default:
		msg = "refused"
	}
	s := fmt.Sprintf("%s: %s (%s", e.Machine, msg, e.Code)
	if e.Cause != "" && e.Cause != msg {
		s += ": " + e.Cause
	}
	return s + ")"
}

// Hint says what to do about a failure that can pass.
func (e *RefusedError) Hint() string {
	if !Retryable(e.Code) {
		return ""
	}
	return "this can pass: the same command, run again, starts " + e.Machine + " anew"
}

// Retryable reports whether an execution that ended with code (its error,
// or its status when it has none) may end otherwise if run again: an AWS
// call of the machine that failed (a throttle, an outage, access the
// machine's role lacked), a timeout, an execution stopped, and
// RequestDatedAhead once AWS's clock reaches the request. The machines'
// other errors are refusals that stay whatever runs them again.
func Retryable(code string) bool {
	return code == ErrRequestAhead || !slices.Contains(machineErrors, code)
}

// machineErrors are the errors the machines' Fail states raise
// (definition.go).
var machineErrors = []string{ErrNoRecord, ErrNotElevation, ErrRequestChanged, ErrRequestExpired, ErrRequestAhead,
	ErrUnknownUser, ErrUnknownRule, ErrOutsideRule, ErrDuration, ErrReasonRequired, ErrTicketRequired, ErrTicketInvalid,
	ErrBadDecision, ErrNotEligible, ErrSelfApproval, ErrNotApprover, ErrAlreadyDecided, ErrAssignment, ErrRevoked, ErrNotGranted,
	ErrNotAllowed, ErrBadInput, ErrProvisionFailed}

// refusals say what each of the machines' Fail errors means to the
// person who asked (the errors of definition.go).
var refusals = map[string]string{
	ErrRequestChanged:   "the request changed after you saw it; look at it again and decide again",
	ErrRequestExpired:   "the request expired before it was decided; the requester requests again",
	ErrRequestAhead:     "the request is dated ahead of AWS's clock; decide again once AWS's clock reaches it, or the requester sets their clock right and requests again",
	ErrAlreadyDecided:   "the request was already decided (approved or denied), by you or another approver",
	ErrNotApprover:      "you are not an approver of the request's rule",
	ErrSelfApproval:     "you may not approve your own request under this rule",
	ErrNotEligible:      "the requester is not eligible for the rule",
	ErrOutsideRule:      "the rule does not give that permission set in that account",
	ErrDuration:         "the duration is outside what the rule allows",
	ErrReasonRequired:   "the rule requires a reason",
	ErrTicketRequired:   "the rule requires a ticket",
	ErrTicketInvalid:    "the ticket does not match the rule's pattern",
	ErrUnknownRule:      "the request names no rule the referee knows",
	ErrUnknownUser:      "a writer is not a user of the identity store",
	ErrNoRecord:         "the referee found no such request or decision",
	ErrNotElevation:     "a record was not written by a " + PermissionSetName + " session",
	ErrBadDecision:      "a decision is approve or deny",
	ErrAssignment:       "sso-admin did not make the assignment",
	ErrRevoked:          "the grant was revoked while AWS made it; the revoke runs again and removes it",
	ErrNotAllowed:       "you may not revoke this grant (the requester, the rule's approvers and the revokers may)",
	ErrNotGranted:       "the request was not granted, so there is nothing to revoke",
	ErrBadInput:         "the machine's input is not one it takes",
	ErrProvisionFailed:  "sso-admin did not provision the session cut",
	"States.Timeout":    "the machine timed out",
	"States.TaskFailed": "an AWS call of the machine failed",
}

// Decide writes the caller's decision (Approve or Deny) on req, as they
// saw it, and asks decide to act on it.
func (c *Client) Decide(ctx context.Context, req Request, decision, comment string) (Outcome, error) {
	if decision != Approve && decision != Deny {
		return Outcome{}, fmt.Errorf("decision %q: want %s or %s", decision, Approve, Deny)
	}
	d := Decision{Key: DecisionKey(c.Caller, req.Key), Decision: decision, Comment: strings.TrimSpace(comment), Digest: req.Digest()}
	if _, err := c.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(TableName), Item: d.Item()}); err != nil {
		return Outcome{}, fmt.Errorf("write your decision: %w", err)
	}
	input, _ := json.Marshal(map[string]Key{"request": req.Key, "decision": d.Key})
	out, err := c.run(ctx, DecideMachine, DecideExecutionName(req.Key, d), string(input))
	if err != nil {
		return out, err
	}
	verb := "approved"
	if decision == Deny {
		verb = "denied"
	}
	text := fmt.Sprintf("%s %s %s's request %s for %s (%s)", c.Me(), verb, req.Requester(), req.ID(), c.target(req), FormatDuration(req.Seconds))
	if d.Comment != "" {
		text += fmt.Sprintf(": %q", d.Comment)
	}
	c.notify(ctx, text)
	return out, nil
}

// DecideExecutionName names decide's execution for one decision: "d-"
// and 64 hex of SHA-256 over the request's and decision's keys, the
// decision and its digest. Each approver has their own name, so a refused
// approver blocks no other; the same decision asked again answers the
// execution that already ran, unless it failed for a reason that can
// pass: then run starts name-2, name-3 and so on; a changed one gets a new
// execution, which the USED# marker stops if the request was already
// decided.
func DecideExecutionName(req Key, d Decision) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{req.PK, req.SK, d.PK, d.SK, d.Decision, d.Digest}, "|")))
	return "d-" + hex.EncodeToString(sum[:])
}

// Revoke asks end to end req's grant, and the sessions issued for it.
func (c *Client) Revoke(ctx context.Context, req Request, comment string) (Outcome, error) {
	k := RevokeKey(c.Caller, req.Key)
	item := k.item()
	item["comment"] = strValue(strings.TrimSpace(comment))
	if _, err := c.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(TableName), Item: item}); err != nil {
		return Outcome{}, fmt.Errorf("write your revoke: %w", err)
	}
	id, err := ulid.New(ulid.Timestamp(c.now()), c.entropy())
	if err != nil {
		return Outcome{}, err
	}
	input, _ := json.Marshal(map[string]Key{"revoke": k})
	out, err := c.run(ctx, EndMachine, "r-"+req.ID()+"-"+id.String(), string(input))
	if err != nil {
		return out, err
	}
	c.notify(ctx, fmt.Sprintf("%s revoked %s's grant %s of %s", c.Me(), req.Requester(), req.ID(), c.target(req)))
	return out, nil
}

// run starts a machine and waits for it to end. name is the first of a
// series: name, name-2, name-3 and so on. An execution of the series that
// runs, succeeded or was refused answers, so the same ask twice acts
// once; one that ended for a reason that can pass (Retryable) is passed
// over and the next name runs the machine again. What this call started,
// or joined while it ran, answers whatever its end.
func (c *Client) run(ctx context.Context, machine, name, input string) (Outcome, error) {
	var last Outcome
	for n := 1; n <= maxRuns; n++ {
		attempt := name
		if n > 1 {
			attempt = fmt.Sprintf("%s-%d", name, n)
		}
		arn := c.Catalog.executionARN(machine, attempt)
		out, err := c.States.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(c.Catalog.machineARN(machine)),
			Name:            aws.String(attempt),
			Input:           aws.String(input),
		})
		var exists *sfntypes.ExecutionAlreadyExists
		switch {
		case errors.As(err, &exists):
		case err != nil:
			return Outcome{}, fmt.Errorf("start %s: %w", machine, err)
		default:
			arn = aws.ToString(out.ExecutionArn)
		}
		o, err := c.wait(ctx, arn)
		if err != nil {
			return o, fmt.Errorf("wait for %s: %w", machine, err)
		}
		last = o
		if o.Status == string(sfntypes.ExecutionStatusSucceeded) {
			return o, nil
		}
		refused := &RefusedError{Machine: machine, Code: cmp.Or(o.Error, o.Status), Cause: o.Cause, ExecutionARN: arn}
		// Ended before this call (ExecutionAlreadyExists is for a name
		// whose execution ended, or another input, which the name
		// covers): a failure that can pass is run again.
		if exists == nil || !Retryable(refused.Code) {
			return o, refused
		}
	}
	return last, fmt.Errorf("%s ran %d times for this and failed each time for a reason that can pass, the last at %s: %s (%s)",
		machine, maxRuns, last.ExecutionARN, cmp.Or(last.Error, last.Status), last.Cause)
}

// maxRuns bounds one ask's executions: the name and its -2 to -100 fit
// Step Functions' 80 characters.
const maxRuns = 100

// wait polls an execution until it is no longer running.
func (c *Client) wait(ctx context.Context, arn string) (Outcome, error) {
	poll := c.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for {
		d, err := c.States.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return Outcome{ExecutionARN: arn}, err
		}
		if d.Status != sfntypes.ExecutionStatusRunning && d.Status != sfntypes.ExecutionStatusPendingRedrive {
			return Outcome{ExecutionARN: arn, Status: string(d.Status), Error: aws.ToString(d.Error),
				Cause: aws.ToString(d.Cause), Output: aws.ToString(d.Output)}, nil
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return Outcome{ExecutionARN: arn}, ctx.Err()
		case <-t.C:
		}
	}
}

// Marker is the referee's record that a request was decided (its USED#
// item): the decision acted on, who made it, and what it was about. The
// requester may rewrite their request afterwards (their own item); the
// marker, which only the referee writes, keeps what was decided.
type Marker struct {
	Decision         string // Approve or Deny
	By               string // the approver's user name
	DecisionPK       string // the approver's aws:userid: their decision's pk
	Digest           string // the request's Digest when it was decided
	Account          string // the account the decision was about
	PermissionSetARN string
	Until            time.Time // the grant's end (approved)
	// GrantState is GrantMaking from the approval until the assignment is
	// made (GrantMade), GrantRevoked once end revoked it; empty for a
	// denial and for markers written before decide recorded it.
	GrantState string
}

// A marker's grant states (its grant_state).
const (
	GrantMaking  = "making"
	GrantMade    = "made"
	GrantRevoked = "revoked"
)

// Unfinished reports whether the approval stands but decide did not make
// the grant: it failed on the way for a reason that can pass, or is
// making it now. The approver's retry finishes it until its end.
func (m Marker) Unfinished() bool { return m.Decision == Approve && m.GrantState == GrantMaking }

// Finishable reports whether the caller's approval of req, asked again,
// may finish the grant the marker's approval began: the same approver and
// the same request as approved. Whether its end is still ahead is
// decide's to judge, by AWS's clock (past it: AlreadyDecided).
func (c *Client) Finishable(m Marker, req Request) bool {
	return m.Unfinished() && m.DecisionPK == c.Caller && m.Digest == req.Digest()
}

// Passed reports whether t has passed by the client's clock.
func (c *Client) Passed(t time.Time) bool { return !c.now().Before(t) }

// Rewritten reports whether req, as stored now, is not what was decided:
// its requester rewrote it afterwards.
func (m Marker) Rewritten(req Request) bool { return m.Digest != "" && m.Digest != req.Digest() }

// AsDecided is req with the account and permission set the decision was
// about, which a rewrite cannot change; the rest is as stored.
func (c *Client) AsDecided(req Request, m Marker) Request {
	if m.Account != "" {
		req.Account = m.Account
	}
	for _, r := range c.Catalog.Rules {
		if m.PermissionSetARN != "" && r.PermissionSetARN == m.PermissionSetARN {
			req.PermissionSet = r.PermissionSet
			break
		}
	}
	return req
}

// markerOf reads a USED# item.
func markerOf(m map[string]types.AttributeValue) Marker {
	until, _ := time.Parse(time.RFC3339, attrS(m, "until"))
	return Marker{Decision: attrS(m, "decision"), By: UserName(attrS(m, "decision_pk")), DecisionPK: attrS(m, "decision_pk"),
		Digest: attrS(m, "digest"), Account: attrS(m, "account"), PermissionSetARN: attrS(m, "permission_set_arn"),
		Until: until, GrantState: attrS(m, "grant_state")}
}

// Decided reads the referee's marker of req; ok is false while no decision
// has been acted on.
func (c *Client) Decided(ctx context.Context, req Request) (m Marker, ok bool, err error) {
	out, err := c.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(TableName), Key: UsedKey(req.Key).item(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Marker{}, false, fmt.Errorf("read request %s's state: %w", req.ID(), err)
	}
	if out.Item == nil {
		return Marker{}, false, nil
	}
	return markerOf(out.Item), true, nil
}
