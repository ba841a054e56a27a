package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Who may call sso-admin on which instance, as AWS decides it:
//
//   - the organization instance answers the management account and the
//     account registered as IAM Identity Center's delegated administrator;
//     any other account is refused (AccessDeniedException);
//   - the delegated administrator may not change permission sets provisioned
//     to the management account, nor assignments in it (the IAM Identity
//     Center user guide, "Delegated administration"): AWS refuses with
//     AccessDeniedException, also when it assigns such a permission set in
//     another account, or provisions to the management account;
//   - an account instance answers only its owner, and holds no permission
//     sets or assignments ("To use permission sets, you'll need to use an
//     Organization instance").

// instanceOps work on an account instance too.
var instanceOps = []string{"ListInstances", "DescribeInstance", "CreateInstance", "UpdateInstance", "DeleteInstance",
	"TagResource", "UntagResource", "ListTagsForResource"}

// gateSSOAdmin applies the rules above to every operation of the table.
func gateSSOAdmin(ops map[string]jsonOp) map[string]jsonOp {
	for name, f := range ops {
		if name == "ListInstances" || name == "CreateInstance" {
			continue // answer for the caller's own account
		}
		ops[name] = func(c *call, body []byte) (any, error) {
			if err := c.ssoAccess(name, body); err != nil {
				return nil, err
			}
			return f(c, body)
		}
	}
	return ops
}

// ssoTarget is what an operation names, as far as access depends on it.
type ssoTarget struct {
	InstanceArn      string
	PermissionSetArn string
	ResourceArn      string
	AccountId        string // account assignments
	TargetId         string // ProvisionPermissionSet
}

func (c *call) ssoAccess(op string, body []byte) error {
	var t ssoTarget
	if json.Unmarshal(body, &t) != nil {
		return nil // the operation reports the malformed body
	}
	inst := c.w.findInstance(t.InstanceArn)
	if inst == nil {
		return nil // the operation reports the unknown instance
	}
	me := c.caller()
	if inst != &c.w.Instance {
		switch {
		case me.AccountID != inst.OwnerAccountID:
			return errSSODenied(me, op, inst.ARN)
		case !slices.Contains(instanceOps, op) || c.w.permissionSet(t.ResourceArn) != nil:
			return errValidation("The operation %s is not supported for an account instance of IAM Identity Center: permission sets and account assignments need the organization instance", op)
		}
		return nil
	}
	mgmt := c.w.managementAccountID()
	if me.AccountID == mgmt {
		return nil
	}
	if c.w.Organization == nil || !c.w.isDelegatedAdmin(me.AccountID, ssoServicePrincipal) {
		return errSSODenied(me, op, inst.ARN)
	}
	if readOnlyOp(op) {
		return nil
	}
	for _, arn := range []string{t.PermissionSetArn, t.ResourceArn} {
		if ps := c.w.permissionSet(arn); ps != nil && slices.Contains(ps.ProvisionedTo, mgmt) {
			return errSSODenied(me, op, ps.ARN)
		}
	}
	if t.AccountId == mgmt || t.TargetId == mgmt {
		return errSSODenied(me, op, fmt.Sprintf("arn:%s:sso:::account/%s", arnPartition(inst.ARN), mgmt))
	}
	return nil
}

func readOnlyOp(op string) bool {
	return strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "Get")
}

// arnPartition is the partition an ARN names.
func arnPartition(arn string) string {
	if p := strings.Split(arn, ":"); len(p) > 1 {
		return p[1]
	}
	return "aws"
}

// errSSODenied is sso-admin's refusal, as AWS words it (HTTP 400).
func errSSODenied(me caller, op, resource string) *apiError {
	return newError(400, "AccessDeniedException", "User: %s is not authorized to perform: sso:%s on resource: %s", me.ARN, op, resource)
}

// fAccountInstanceName is CreateInstance's Name (NameType).
var fAccountInstanceName = newField(0, 255, `[\w+=,.@-]+`, `[\w+=,.@-]+`)

// findInstance finds an enabled instance, organization or account, by ARN.
func (w *World) findInstance(arn string) *Instance {
	if arn == w.Instance.ARN && !w.Instance.Disabled {
		return &w.Instance
	}
	for _, in := range w.AccountInstances {
		if in.ARN == arn {
			return in
		}
	}
	return nil
}

// visibleInstances are the instances ListInstances shows the caller: the
// organization instance to the management account and the delegated
// administrator, and the caller's own account instance.
func (c *call) visibleInstances() []*Instance {
	me := c.caller().AccountID
	var out []*Instance
	if !c.w.Instance.Disabled && (me == c.w.managementAccountID() || c.w.isDelegatedAdmin(me, ssoServicePrincipal)) {
		out = append(out, &c.w.Instance)
	}
	for _, in := range c.w.AccountInstances {
		if in.OwnerAccountID == me {
			out = append(out, in)
		}
	}
	return out
}

// ssoCreateInstance creates an account instance in the caller's account.
// AWS refuses it in an organization's management account (which has the
// organization instance) and allows one per account.
func ssoCreateInstance(c *call, in *struct {
	Name        *string
	ClientToken *string
	Tags        []Tag
}) (any, error) {
	me := c.caller().AccountID
	if c.w.Organization != nil && me == c.w.Organization.MasterAccountID {
		return nil, errValidation("Organization management account is not allowed to perform the operation.")
	}
	if err := fAccountInstanceName.optional("name", in.Name); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	for _, inst := range c.w.AccountInstances {
		if inst.OwnerAccountID == me {
			return nil, errConflict("An instance of IAM Identity Center already exists in account %s.", me)
		}
	}
	inst := &Instance{ARN: "arn:aws:sso:::instance/ssoins-" + c.rand(16, lowerHex), IdentityStoreID: "d-" + c.rand(10, lowerHex),
		OwnerAccountID: me, Name: deref(in.Name), Status: "ACTIVE", Created: c.now.UTC(), Tags: tags}
	c.w.AccountInstances = append(c.w.AccountInstances, inst)
	return map[string]any{"InstanceArn": inst.ARN}, nil
}
