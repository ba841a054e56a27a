package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/policy"
)

// Condition keys read from a request rather than from the session:
// DynamoDB's fine-grained access control keys (the developer guide's
// "Using IAM policy conditions for fine-grained access control"), and
// iam:PassedToService for the role a call passes (mayPassRole).

// requestContext is the request's own condition keys for action.
func (c *call) requestContext(action string) map[string][]string {
	service, op, _ := strings.Cut(action, ":")
	if service == "dynamodb" {
		return c.dynamoContext(op)
	}
	return nil
}

// dynamoContext gives, for DynamoDB's item operations:
//
//   - dynamodb:LeadingKeys, the partition key value of the item
//     (PutItem), the key (GetItem, DeleteItem, UpdateItem) or the key
//     condition (Query); absent for Scan, which names none;
//   - dynamodb:Attributes, the top-level attribute names the request
//     names: the item's (PutItem) or the key's, and every name in its
//     expressions (projection, condition, filter, key condition, update)
//     and AttributesToGet;
//   - dynamodb:Select (Query, Scan: as given, else what DynamoDB uses:
//     SPECIFIC_ATTRIBUTES with a projection, else ALL_ATTRIBUTES) and
//     dynamodb:ReturnValues (PutItem, UpdateItem, DeleteItem; NONE when
//     not given).
//
// A request whose body or expressions do not parse gets none of them: the
// operation refuses it anyway.
func (c *call) dynamoContext(op string) map[string][]string {
	switch op {
	case "PutItem", "GetItem", "DeleteItem", "UpdateItem", "Query", "Scan":
	default:
		return nil
	}
	var in dynItemIn
	if json.Unmarshal(c.body, &in) != nil {
		return nil
	}
	return c.dynItemContext(op, &in)
}

// dynItemContext is dynamoContext's keys of one item request, on its own
// or inside a batch or transaction.
func (c *call) dynItemContext(op string, in *dynItemIn) map[string][]string {
	out := map[string][]string{}
	x, err := in.parseExprs()
	if err != nil {
		return nil
	}
	names := maps.Clone(x.env.topNames)
	for k := range in.Item {
		names[k] = true
	}
	for k := range in.Key {
		names[k] = true
	}
	if len(names) > 0 {
		out["dynamodb:attributes"] = slices.Sorted(maps.Keys(names))
	}
	switch op {
	case "Query", "Scan":
		sel := "ALL_ATTRIBUTES"
		if x.projection != nil {
			sel = "SPECIFIC_ATTRIBUTES"
		}
		if in.Select != nil {
			sel = *in.Select
		}
		out["dynamodb:select"] = []string{sel}
	case "PutItem", "UpdateItem", "DeleteItem":
		rv := "NONE"
		if in.ReturnValues != nil {
			rv = *in.ReturnValues
		}
		out["dynamodb:returnvalues"] = []string{rv}
	}
	t, err := c.dynTable(in.TableName)
	if err != nil {
		return out
	}
	var lead *dynAttr
	switch op {
	case "PutItem":
		lead = in.Item[t.hashKey()]
	case "GetItem", "DeleteItem", "UpdateItem", "ConditionCheckItem":
		lead = in.Key[t.hashKey()]
	case "Query":
		if x.keyCond != nil {
			if kr, err := t.keyRange(x.keyCond); err == nil {
				lead = kr.hash
			}
		}
	}
	if lead != nil {
		v := lead.S
		if lead.T == "B" {
			v = base64.StdEncoding.EncodeToString([]byte(lead.S))
		}
		out["dynamodb:leadingkeys"] = []string{v}
	}
	return out
}

// mayPassRole refuses a call that passes roleARN to service (CreateSchedule
// passing its target's role to scheduler.amazonaws.com, CreateStateMachine
// to states.amazonaws.com) unless the caller may iam:PassRole it with
// iam:PassedToService service, as AWS requires of every call that hands a
// role to a service. Callers the sandbox does not evaluate (administrator
// keys, IAM users) may. The refusal is the calling service's
// AccessDeniedException (restJson1's 403 or awsJson's 400: proto).
func (c *call) mayPassRole(roleARN, service string, proto protocol) error {
	sess := c.w.Sessions[c.accessKeyID]
	if c.accessKeyID == "" || sess == nil || !evaluatedSources[sess.Source] {
		return nil
	}
	policies, role := c.sessionPolicies(sess)
	ctx := c.sessionContext(sess, role)
	ctx["iam:passedtoservice"] = []string{service}
	const action = "iam:PassRole"
	d := policies.Evaluate(&policy.Request{Action: action, Resource: roleARN, Context: ctx})
	if d.Allowed {
		return nil
	}
	return accessDenied(proto, sess.ARN, action, roleARN, d)
}
