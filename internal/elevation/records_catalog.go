package elevation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrNoCatalog is returned when the table holds no catalog: apply has not
// run with an elevation: section.
var ErrNoCatalog = errors.New("the elevation table holds no rules")

// ErrTableDenied is wrapped by ReadCatalog's error (and so Open's) when IAM
// refuses the read: the session's role may not read the table any more (an
// apply changed or removed it).
var ErrTableDenied = errors.New("the elevation table refused the read")

// deniedError keeps the API error's text and answers errors.Is for
// ErrTableDenied.
type deniedError struct{ err error }

func (e *deniedError) Error() string   { return e.err.Error() }
func (e *deniedError) Unwrap() []error { return []error{ErrTableDenied, e.err} }

// ReadCatalog reads the rules apply stored in the table.
func ReadCatalog(ctx context.Context, db DynamoDB) (*Catalog, error) {
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(TableName),
		Key:            Key{PK: CatalogPK, SK: CatalogSK}.item(),
		ConsistentRead: aws.Bool(true),
	})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("%w: there is no table %s in this account and region", ErrNoCatalog, TableName)
	}
	if errorCode(err) == "AccessDeniedException" {
		err = &deniedError{err}
	}
	if err != nil {
		return nil, fmt.Errorf("read the elevation rules from table %s: %w", TableName, err)
	}
	raw := attrS(out.Item, "catalog")
	if raw == "" {
		return nil, ErrNoCatalog
	}
	var c Catalog
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, fmt.Errorf("read the elevation rules from table %s: %w", TableName, err)
	}
	if c.Version != 1 {
		return nil, fmt.Errorf("the elevation rules in table %s are version %d; this keyless reads version 1: update keyless", TableName, c.Version)
	}
	return &c, nil
}

// Rule returns the rule named name.
func (c *Catalog) Rule(name string) (*Rule, bool) {
	for i := range c.Rules {
		if c.Rules[i].Name == name {
			return &c.Rules[i], true
		}
	}
	return nil, false
}

// partition is the AWS partition of the instance ("aws" unless the ARN
// says otherwise).
func (c *Catalog) partition() string {
	if p := strings.Split(c.InstanceARN, ":"); len(p) > 2 && p[1] != "" {
		return p[1]
	}
	return "aws"
}

// machineARN is a state machine's ARN in the home account.
func (c *Catalog) machineARN(name string) string {
	return fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", c.partition(), c.Region, c.HomeAccount, name)
}

// executionARN is the ARN of a machine's execution.
func (c *Catalog) executionARN(machine, name string) string {
	return fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:%s", c.partition(), c.Region, c.HomeAccount, machine, name)
}

// AccountID resolves an account id or name the rule targets.
func (r *Rule) AccountID(account string) (string, bool) {
	if slices.Contains(r.Accounts, account) {
		return account, true
	}
	for id, name := range r.AccountNames {
		if strings.EqualFold(name, account) && slices.Contains(r.Accounts, id) {
			return id, true
		}
	}
	return "", false
}

// accountLabel is the label of the account that account names (an id or
// a name) in any rule; known is false when no rule has it.
func (c *Catalog) accountLabel(account string) (label string, known bool) {
	for i := range c.Rules {
		if id, ok := c.Rules[i].AccountID(account); ok {
			return c.Rules[i].AccountLabel(id), true
		}
	}
	return "", false
}

// AccountLabel is "name (id)", or the id alone when the rule has no name for it.
func (r *Rule) AccountLabel(id string) string {
	if name := r.AccountNames[id]; name != "" && name != id {
		return name + " (" + id + ")"
	}
	return id
}

// includes reports whether user is listed, or was a member of a listed
// group when apply ran.
func (p Principals) includes(user string) bool {
	for _, u := range p.Users {
		if strings.EqualFold(u.Name, user) {
			return true
		}
	}
	for _, g := range p.Groups {
		if slices.ContainsFunc(g.Members, func(m string) bool { return strings.EqualFold(m, user) }) {
			return true
		}
	}
	return false
}

func (p Principals) String() string {
	var names []string
	for _, u := range p.Users {
		names = append(names, u.Name)
	}
	for _, g := range p.Groups {
		names = append(names, "group "+g.Name)
	}
	if len(names) == 0 {
		return "nobody"
	}
	return strings.Join(names, ", ")
}

// Eligible reports whether user may request under rule r, as of the last
// apply. Without the groups' members in the catalog, a rule with groups
// may be anyone's: decide will tell.
func (c *Catalog) Eligible(r *Rule, user string) bool {
	return r.Eligible.includes(user) || (!c.GroupMembers && len(r.Eligible.Groups) > 0)
}

// MayApprove reports whether approver may decide requester's request
// under rule r, as of the last apply: an approver, or the requester
// themselves when self_approval names them.
func (c *Catalog) MayApprove(r *Rule, approver, requester string) bool {
	if strings.EqualFold(approver, requester) {
		return slices.ContainsFunc(r.SelfApproval, func(p Principal) bool { return strings.EqualFold(p.Name, approver) })
	}
	return r.Approvers.includes(approver) || (!c.GroupMembers && len(r.Approvers.Groups) > 0)
}

// Choice is one permission set in one account a user may request.
type Choice struct {
	Rule    *Rule
	Account string // id
}

func (c Choice) String() string {
	return fmt.Sprintf("%s@%s  (rule %s, up to %s)", c.Rule.PermissionSet, c.Rule.AccountLabel(c.Account), c.Rule.Name, FormatDuration(c.Rule.MaxSeconds))
}

// Choices lists what user may request, for the picker.
func (c *Catalog) Choices(user string) []Choice {
	var out []Choice
	for i := range c.Rules {
		r := &c.Rules[i]
		if !c.Eligible(r, user) {
			continue
		}
		for _, a := range r.Accounts {
			out = append(out, Choice{Rule: r, Account: a})
		}
	}
	return out
}
