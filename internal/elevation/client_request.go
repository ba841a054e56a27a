package elevation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"
)

// Ask is what a person asks for.
type Ask struct {
	PermissionSet string // name
	Account       string // id or name
	Rule          string // optional: which rule, when several allow the set in the account
	Duration      time.Duration
	Reason        string
	Ticket        string
}

// InputError is a request the rules refuse before anything is written.
// Field names what was wrong: "set", "account", "rule", "duration",
// "reason" or "ticket".
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string { return e.Msg }

func inputErr(field, format string, a ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Limits on what a request carries, beyond the rules.
const (
	MinDuration   = MinSeconds * time.Second
	maxReasonLen  = 1000
	maxTicketLen  = 100
	fieldSplitter = "|"
)

// Check finds the rule that allows ask for the caller and the account id,
// as the catalog says; decide checks the same with Identity Store's
// memberships of the moment.
func (c *Client) Check(ask Ask) (*Rule, string, error) {
	cat, me := c.Catalog, c.Me()
	var forSet []*Rule
	for i := range cat.Rules {
		if strings.EqualFold(cat.Rules[i].PermissionSet, ask.PermissionSet) {
			forSet = append(forSet, &cat.Rules[i])
		}
	}
	if len(forSet) == 0 {
		return nil, "", inputErr("set", "no elevation rule offers permission set %q; requestable sets: %s", ask.PermissionSet, strings.Join(cat.sets(), ", "))
	}
	var inAccount []*Rule
	var id string
	for _, r := range forSet {
		if a, ok := r.AccountID(ask.Account); ok {
			inAccount, id = append(inAccount, r), a
		}
	}
	if len(inAccount) == 0 {
		// Only the accounts this person may request the set in: the
		// others are of no use to them.
		var accts []string
		for _, r := range forSet {
			if cat.Eligible(r, me) {
				for _, a := range r.Accounts {
					accts = append(accts, r.AccountLabel(a))
				}
			}
		}
		slices.Sort(accts)
		where := fmt.Sprintf("you may request %s in no account", ask.PermissionSet)
		if len(accts) > 0 {
			where = "you may request it in: " + strings.Join(slices.Compact(accts), ", ")
		}
		label, known := cat.accountLabel(ask.Account)
		if !known {
			return nil, "", inputErr("account", "account %q is not an account id or name in any elevation rule; %s", ask.Account, where)
		}
		return nil, "", inputErr("account", "no elevation rule offers %s in account %s; %s", ask.PermissionSet, label, where)
	}
	if ask.Rule != "" {
		i := slices.IndexFunc(inAccount, func(r *Rule) bool { return r.Name == ask.Rule })
		if i < 0 {
			return nil, "", inputErr("rule", "rule %q does not offer %s in %s; rules that do: %s", ask.Rule, ask.PermissionSet, inAccount[0].AccountLabel(id), ruleNames(inAccount))
		}
		inAccount = inAccount[i : i+1]
	}
	eligible := slices.DeleteFunc(slices.Clone(inAccount), func(r *Rule) bool { return !cat.Eligible(r, me) })
	if len(eligible) == 0 {
		var who []string
		for _, r := range inAccount {
			who = append(who, fmt.Sprintf("rule %s: %s", r.Name, r.Eligible))
		}
		return nil, "", inputErr("set", "%s is not eligible for %s in %s (%s)", me, ask.PermissionSet, inAccount[0].AccountLabel(id), strings.Join(who, "; "))
	}
	if len(eligible) > 1 && ask.Rule == "" {
		return nil, "", inputErr("rule", "several rules offer %s in %s to %s: %s; choose one with --rule, e.g. --rule %s", ask.PermissionSet, eligible[0].AccountLabel(id), me, ruleNames(eligible), eligible[0].Name)
	}
	r := eligible[0]
	secs := int(ask.Duration / time.Second)
	switch {
	case ask.Duration < MinDuration:
		return nil, "", inputErr("duration", "a grant lasts at least %s, not %s", MinDuration, ask.Duration)
	case ask.Duration%time.Second != 0:
		return nil, "", inputErr("duration", "%s is not a whole number of seconds", ask.Duration)
	case secs > r.MaxSeconds:
		return nil, "", inputErr("duration", "%s is longer than rule %s allows (at most %s)", FormatDuration(secs), r.Name, FormatDuration(r.MaxSeconds))
	}
	if r.ReasonRequired && strings.TrimSpace(ask.Reason) == "" {
		return nil, "", inputErr("reason", "rule %s requires a reason", r.Name)
	}
	if r.TicketRequired && strings.TrimSpace(ask.Ticket) == "" {
		return nil, "", inputErr("ticket", "rule %s requires a ticket reference", r.Name)
	}
	if ask.Ticket != "" && r.TicketPattern != "" {
		re, err := regexp.Compile(r.TicketPattern)
		if err == nil && !re.MatchString(ask.Ticket) {
			return nil, "", inputErr("ticket", "ticket %q does not match rule %s's pattern %s", ask.Ticket, r.Name, r.TicketPattern)
		}
	}
	// The digest joins fields with "|": a "|" in the free text would let
	// the requester move text from one field to another after approval.
	for _, f := range []struct{ name, value string }{{"reason", ask.Reason}, {"ticket", ask.Ticket}} {
		if strings.Contains(f.value, fieldSplitter) {
			return nil, "", inputErr(f.name, "the %s must not contain %q", f.name, fieldSplitter)
		}
		if strings.ContainsFunc(f.value, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return nil, "", inputErr(f.name, "the %s must be one line of text", f.name)
		}
	}
	if len(ask.Reason) > maxReasonLen {
		return nil, "", inputErr("reason", "the reason is %d bytes; at most %d", len(ask.Reason), maxReasonLen)
	}
	if len(ask.Ticket) > maxTicketLen {
		return nil, "", inputErr("ticket", "the ticket is %d bytes; at most %d", len(ask.Ticket), maxTicketLen)
	}
	return r, id, nil
}

func ruleNames(rules []*Rule) string {
	var n []string
	for _, r := range rules {
		n = append(n, r.Name)
	}
	return strings.Join(n, ", ")
}

// sets are the permission sets any rule offers.
func (c *Catalog) sets() []string {
	var out []string
	for _, r := range c.Rules {
		out = append(out, r.PermissionSet)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Request checks ask and writes the request; nothing is written when the
// rules refuse it.
func (c *Client) Request(ctx context.Context, ask Ask) (Request, error) {
	rule, account, err := c.Check(ask)
	if err != nil {
		return Request{}, err
	}
	id, err := ulid.New(ulid.Timestamp(c.now()), c.entropy())
	if err != nil {
		return Request{}, fmt.Errorf("make a request id: %w", err)
	}
	r := Request{Key: NewRequestKey(c.Caller, id), Rule: rule.Name, PermissionSet: rule.PermissionSet, Account: account,
		Seconds: int(ask.Duration / time.Second), Reason: strings.TrimSpace(ask.Reason), Ticket: strings.TrimSpace(ask.Ticket)}
	_, err = c.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(TableName),
		Item:                r.Item(),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var taken *types.ConditionalCheckFailedException
	if errors.As(err, &taken) {
		return Request{}, fmt.Errorf("request id %s is taken; ask again", r.ID())
	}
	if err != nil {
		return Request{}, fmt.Errorf("write the request: %w", err)
	}
	c.notify(ctx, fmt.Sprintf("%s requests %s for %s (rule %s)%s: keyless approve %s",
		r.Requester(), c.target(r), FormatDuration(r.Seconds), r.Rule, whyText(r), r.ID()))
	return r, nil
}

// target is "SET@account-name (id)".
func (c *Client) target(r Request) string {
	if rule, ok := c.Catalog.Rule(r.Rule); ok {
		return r.PermissionSet + "@" + rule.AccountLabel(r.Account)
	}
	return r.PermissionSet + "@" + r.Account
}

func whyText(r Request) string {
	var s string
	if r.Reason != "" {
		s += fmt.Sprintf(", reason %q", r.Reason)
	}
	if r.Ticket != "" {
		s += ", ticket " + r.Ticket
	}
	return s
}

// FormatDuration prints seconds a duration as 2h, 1h30m, 45m or 90s.
func FormatDuration(secs int) string {
	h, m, sec := secs/3600, secs%3600/60, secs%60
	var b strings.Builder
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if sec > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%ds", sec)
	}
	return b.String()
}
