package sandbox

// Provisioning permission sets to accounts: ProvisionPermissionSet, its
// status, the lists of what is provisioned where, and the provisioning
// itself (the AWSReservedSSO_ role in each account).

import (
	"fmt"
	"slices"
	"time"
)

type provisionStatusOut struct {
	Status           string  `json:"Status"`
	RequestId        string  `json:"RequestId"`
	AccountId        string  `json:"AccountId,omitempty"`
	PermissionSetArn string  `json:"PermissionSetArn"`
	FailureReason    string  `json:"FailureReason,omitempty"`
	CreatedDate      float64 `json:"CreatedDate"`
}

func provisionOut(o *ProvisionOp) map[string]any {
	return map[string]any{"PermissionSetProvisioningStatus": provisionStatusOut{Status: o.Status, RequestId: o.RequestID,
		AccountId: o.AccountID, PermissionSetArn: o.PermissionSetARN, FailureReason: o.FailureReason, CreatedDate: epoch(o.Created)}}
}

func ssoProvisionPermissionSet(c *call, in *struct {
	psRef
	TargetId   string
	TargetType string
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := checkEnum("targetType", in.TargetType, true, "AWS_ACCOUNT", "ALL_PROVISIONED_ACCOUNTS"); err != nil {
		return nil, err
	}
	switch in.TargetType {
	case "AWS_ACCOUNT":
		if err := fAccountID.required("targetId", in.TargetId); err != nil {
			return nil, err
		}
	case "ALL_PROVISIONED_ACCOUNTS":
		if in.TargetId != "" {
			return nil, errValidation("TargetId must not be given with TargetType ALL_PROVISIONED_ACCOUNTS")
		}
	}
	o := &ProvisionOp{RequestID: c.uuid(), AccountID: in.TargetId, PermissionSetARN: ps.ARN, Status: "IN_PROGRESS",
		Created: c.now.UTC(), DoneAt: c.now.Add(c.s.opts.AssignmentDelay)}
	c.w.ProvisionOps = append(c.w.ProvisionOps, o)
	return provisionOut(o), nil
}

func ssoDescribeProvisioningStatus(c *call, in *struct {
	InstanceArn                     string
	ProvisionPermissionSetRequestId string
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fUUID.required("provisionPermissionSetRequestId", in.ProvisionPermissionSetRequestId); err != nil {
		return nil, err
	}
	for _, o := range c.w.ProvisionOps {
		if o.RequestID == in.ProvisionPermissionSetRequestId {
			return provisionOut(o), nil
		}
	}
	return nil, errNotFound("Could not find ProvisionPermissionSet request with id %s", in.ProvisionPermissionSetRequestId)
}

func ssoListProvisioningStatus(c *call, in *statusListIn) (any, error) {
	return listOpStatus(c, in, c.w.ProvisionOps, "provisioning-status", "PermissionSetsProvisioningStatus")
}

// provisionedIn reports whether ps matches a ProvisioningStatus filter in an account.
func provisionedIn(ps *PermissionSet, account, filter string) bool {
	if !slices.Contains(ps.ProvisionedTo, account) {
		return false
	}
	outdated := slices.Contains(ps.Outdated, account)
	switch filter {
	case "LATEST_PERMISSION_SET_PROVISIONED":
		return !outdated
	case "LATEST_PERMISSION_SET_NOT_PROVISIONED":
		return outdated
	}
	return true
}

var provisioningStatuses = []string{"LATEST_PERMISSION_SET_PROVISIONED", "LATEST_PERMISSION_SET_NOT_PROVISIONED"}

func ssoListPermissionSetsProvisionedToAccount(c *call, in *struct {
	InstanceArn        string
	AccountId          string
	ProvisioningStatus string
	ssoPaging
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fAccountID.required("accountId", in.AccountId); err != nil {
		return nil, err
	}
	if err := checkEnum("provisioningStatus", in.ProvisioningStatus, false, provisioningStatuses...); err != nil {
		return nil, err
	}
	var arns []string
	for _, ps := range c.w.PermissionSets {
		if provisionedIn(ps, in.AccountId, in.ProvisioningStatus) {
			arns = append(arns, ps.ARN)
		}
	}
	pg, next, err := page(arns, pageKind("provisioned-to", in.AccountId, in.ProvisioningStatus), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSets": nonNil(pg), "NextToken": next}, nil
}

func ssoListAccountsForProvisionedPermissionSet(c *call, in *struct {
	psRef
	ProvisioningStatus string
	ssoPaging
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := checkEnum("provisioningStatus", in.ProvisioningStatus, false, provisioningStatuses...); err != nil {
		return nil, err
	}
	var accts []string
	for _, a := range ps.ProvisionedTo {
		if provisionedIn(ps, a, in.ProvisioningStatus) {
			accts = append(accts, a)
		}
	}
	pg, next, err := page(accts, pageKind("accounts-for", ps.ARN, in.ProvisioningStatus), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountIds": nonNil(pg), "NextToken": next}, nil
}

// provision makes the permission set current in an account: its role exists
// there with the latest policies.
func (w *World) provision(ps *PermissionSet, account string, now time.Time) {
	if !slices.Contains(ps.ProvisionedTo, account) {
		ps.ProvisionedTo = append(ps.ProvisionedTo, account)
	}
	ps.Outdated = slices.DeleteFunc(ps.Outdated, func(a string) bool { return a == account })
	w.ensureSSOSAMLProvider(account, now)
	ia := w.iamAccount(account)
	name := ps.roleName()
	i := slices.IndexFunc(ia.Roles, func(r *IAMRole) bool { return r.Name == name && r.Path == ssoRolePath })
	if i < 0 {
		ia.Roles = append(ia.Roles, &IAMRole{Name: name, Path: ssoRolePath, ID: "AROA" + stableID(account+"/role/"+name, 17), Created: now.UTC()})
		i = len(ia.Roles) - 1
	}
	ia.Roles[i].provisionedFrom(ps, account)
}

func (w *World) completeProvisioning(o *ProvisionOp, now time.Time) {
	ps := w.permissionSet(o.PermissionSetARN)
	switch {
	case ps == nil:
		o.Status, o.FailureReason = "FAILED", fmt.Sprintf("PermissionSet %s was deleted before provisioning completed", psID(o.PermissionSetARN))
	case o.AccountID == "":
		for _, acct := range slices.Clone(ps.ProvisionedTo) {
			w.provision(ps, acct, now)
		}
		o.Status = "SUCCEEDED"
	case w.account(o.AccountID) == nil:
		o.Status, o.FailureReason = "FAILED", fmt.Sprintf("Account %s is not a member of the organization of this IAM Identity Center instance", o.AccountID)
	default:
		w.provision(ps, o.AccountID, now)
		o.Status = "SUCCEEDED"
	}
}
