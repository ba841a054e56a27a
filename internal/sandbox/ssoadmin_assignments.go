package sandbox

// Account assignments: CreateAccountAssignment and DeleteAccountAssignment,
// the status of their asynchronous operations, the lists of assignments, and
// their completion.

import (
	"fmt"
	"slices"
	"time"
)

type assignmentIn struct {
	InstanceArn      string
	TargetId         string
	TargetType       string
	PermissionSetArn string
	PrincipalType    string
	PrincipalId      string
}

func (in *assignmentIn) check(c *call) (*PermissionSet, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fAccountID.required("targetId", in.TargetId); err != nil {
		return nil, err
	}
	if err := checkEnum("targetType", in.TargetType, true, "AWS_ACCOUNT"); err != nil {
		return nil, err
	}
	if err := fPermissionSetARN.required("permissionSetArn", in.PermissionSetArn); err != nil {
		return nil, err
	}
	if err := checkEnum("principalType", in.PrincipalType, true, "USER", "GROUP"); err != nil {
		return nil, err
	}
	if err := fPrincipalID.required("principalId", in.PrincipalId); err != nil {
		return nil, err
	}
	return c.permissionSet(in.InstanceArn, in.PermissionSetArn)
}

func (in *assignmentIn) assignment() Assignment {
	return Assignment{AccountID: in.TargetId, PermissionSetARN: in.PermissionSetArn, PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalId}
}

type assignmentOpOut struct {
	Status           string  `json:"Status"`
	RequestId        string  `json:"RequestId"`
	FailureReason    string  `json:"FailureReason,omitempty"`
	TargetId         string  `json:"TargetId"`
	TargetType       string  `json:"TargetType"`
	PermissionSetArn string  `json:"PermissionSetArn"`
	PrincipalType    string  `json:"PrincipalType"`
	PrincipalId      string  `json:"PrincipalId"`
	CreatedDate      float64 `json:"CreatedDate"`
}

func assignmentOpOutOf(o *AssignmentOp) assignmentOpOut {
	return assignmentOpOut{Status: o.Status, RequestId: o.RequestID, FailureReason: o.FailureReason, TargetId: o.AccountID,
		TargetType: "AWS_ACCOUNT", PermissionSetArn: o.PermissionSetARN, PrincipalType: o.PrincipalType, PrincipalId: o.PrincipalID,
		CreatedDate: epoch(o.Created)}
}

func ssoCreateAccountAssignment(c *call, in *assignmentIn) (any, error) {
	if _, err := in.check(c); err != nil {
		return nil, err
	}
	outstanding := 0
	for _, o := range c.w.AssignmentOps {
		if !o.Delete && o.Status == "IN_PROGRESS" {
			outstanding++
		}
	}
	if outstanding >= maxOutstandingCreations {
		return nil, errConflict("Too many concurrent operations: at most %d account assignment creations can be in progress for an instance; retry with backoff when some complete", maxOutstandingCreations)
	}
	o := &AssignmentOp{RequestID: c.uuid(), Status: "IN_PROGRESS", Assignment: in.assignment(), Created: c.now.UTC(),
		DoneAt: c.now.Add(c.s.opts.AssignmentDelay)}
	c.w.AssignmentOps = append(c.w.AssignmentOps, o)
	return map[string]any{"AccountAssignmentCreationStatus": assignmentOpOutOf(o)}, nil
}

func ssoDeleteAccountAssignment(c *call, in *assignmentIn) (any, error) {
	if _, err := in.check(c); err != nil {
		return nil, err
	}
	a := in.assignment()
	exists := slices.ContainsFunc(c.w.Assignments, func(x *Assignment) bool { return *x == a })
	pending := slices.ContainsFunc(c.w.AssignmentOps, func(o *AssignmentOp) bool {
		return !o.Delete && o.Status == "IN_PROGRESS" && o.Assignment == a
	})
	if !exists && !pending {
		return nil, errNotFound("Could not find an account assignment of PermissionSet %s to %s %s in account %s", psID(a.PermissionSetARN), a.PrincipalType, a.PrincipalID, a.AccountID)
	}
	o := &AssignmentOp{RequestID: c.uuid(), Delete: true, Status: "IN_PROGRESS", Assignment: a, Created: c.now.UTC(),
		DoneAt: c.now.Add(c.s.opts.AssignmentDelay)}
	c.w.AssignmentOps = append(c.w.AssignmentOps, o)
	return map[string]any{"AccountAssignmentDeletionStatus": assignmentOpOutOf(o)}, nil
}

func (c *call) describeAssignmentOp(instanceARN, field, id string, del bool) (*AssignmentOp, error) {
	if _, err := c.instance(instanceARN); err != nil {
		return nil, err
	}
	if err := fUUID.required(field, id); err != nil {
		return nil, err
	}
	for _, o := range c.w.AssignmentOps {
		if o.RequestID == id && o.Delete == del {
			return o, nil
		}
	}
	kind := "creation"
	if del {
		kind = "deletion"
	}
	return nil, errNotFound("Could not find account assignment %s request with id %s", kind, id)
}

func ssoDescribeAssignmentCreation(c *call, in *struct {
	InstanceArn                        string
	AccountAssignmentCreationRequestId string
}) (any, error) {
	o, err := c.describeAssignmentOp(in.InstanceArn, "accountAssignmentCreationRequestId", in.AccountAssignmentCreationRequestId, false)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignmentCreationStatus": assignmentOpOutOf(o)}, nil
}

func ssoDescribeAssignmentDeletion(c *call, in *struct {
	InstanceArn                        string
	AccountAssignmentDeletionRequestId string
}) (any, error) {
	o, err := c.describeAssignmentOp(in.InstanceArn, "accountAssignmentDeletionRequestId", in.AccountAssignmentDeletionRequestId, true)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignmentDeletionStatus": assignmentOpOutOf(o)}, nil
}

func (c *call) listAssignmentOps(in *statusListIn, del bool, key string) (any, error) {
	ops := slices.DeleteFunc(slices.Clone(c.w.AssignmentOps), func(o *AssignmentOp) bool { return o.Delete != del })
	return listOpStatus(c, in, ops, key, key)
}

func ssoListAssignmentCreations(c *call, in *statusListIn) (any, error) {
	return c.listAssignmentOps(in, false, "AccountAssignmentsCreationStatus")
}

func ssoListAssignmentDeletions(c *call, in *statusListIn) (any, error) {
	return c.listAssignmentOps(in, true, "AccountAssignmentsDeletionStatus")
}

type assignmentOut struct {
	AccountId        string `json:"AccountId"`
	PermissionSetArn string `json:"PermissionSetArn"`
	PrincipalType    string `json:"PrincipalType"`
	PrincipalId      string `json:"PrincipalId"`
}

func toAssignmentOut(a *Assignment) assignmentOut {
	return assignmentOut{AccountId: a.AccountID, PermissionSetArn: a.PermissionSetARN, PrincipalType: a.PrincipalType, PrincipalId: a.PrincipalID}
}

func ssoListAccountAssignments(c *call, in *struct {
	InstanceArn      string
	AccountId        string
	PermissionSetArn string
	ssoPaging
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fAccountID.required("accountId", in.AccountId); err != nil {
		return nil, err
	}
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	var out []assignmentOut
	for _, a := range c.w.Assignments {
		if a.AccountID == in.AccountId && a.PermissionSetARN == ps.ARN {
			out = append(out, toAssignmentOut(a))
		}
	}
	pg, next, err := page(out, pageKind("assignments", in.AccountId, ps.ARN), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignments": nonNil(pg), "NextToken": next}, nil
}

func ssoListAccountAssignmentsForPrincipal(c *call, in *struct {
	InstanceArn   string
	PrincipalId   string
	PrincipalType string
	Filter        *struct{ AccountId string }
	ssoPaging
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fPrincipalID.required("principalId", in.PrincipalId); err != nil {
		return nil, err
	}
	if err := checkEnum("principalType", in.PrincipalType, true, "USER", "GROUP"); err != nil {
		return nil, err
	}
	account := ""
	if in.Filter != nil && in.Filter.AccountId != "" {
		if err := fAccountID.check("filter.accountId", in.Filter.AccountId); err != nil {
			return nil, err
		}
		account = in.Filter.AccountId
	}
	var out []assignmentOut
	for _, a := range c.w.Assignments {
		if a.PrincipalID == in.PrincipalId && a.PrincipalType == in.PrincipalType && (account == "" || a.AccountID == account) {
			out = append(out, toAssignmentOut(a))
		}
	}
	pg, next, err := page(out, pageKind("assignments-for", in.PrincipalType, in.PrincipalId, account), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignments": nonNil(pg), "NextToken": next}, nil
}

func (w *World) completeAssignmentCreation(o *AssignmentOp, now time.Time) {
	fail := func(format string, a ...any) {
		o.Status, o.FailureReason = "FAILED", fmt.Sprintf(format, a...)
	}
	ps := w.permissionSet(o.PermissionSetARN)
	switch {
	case ps == nil:
		fail("PermissionSet %s was deleted before the assignment completed", psID(o.PermissionSetARN))
		return
	case w.account(o.AccountID) == nil:
		fail("Account %s is not a member of the organization of this IAM Identity Center instance", o.AccountID)
		return
	case o.PrincipalType == "USER" && w.user(o.PrincipalID) == nil,
		o.PrincipalType == "GROUP" && w.group(o.PrincipalID) == nil:
		fail("Principal %s of type %s does not exist in identity store %s", o.PrincipalID, o.PrincipalType, w.Instance.IdentityStoreID)
		return
	}
	// A duplicate assignment succeeds without creating a second one, as in AWS.
	if !slices.ContainsFunc(w.Assignments, func(a *Assignment) bool { return *a == o.Assignment }) {
		a := o.Assignment
		w.Assignments = append(w.Assignments, &a)
	}
	// Creating an assignment provisions the permission set to the account.
	w.provision(ps, o.AccountID, now)
	o.Status = "SUCCEEDED"
}

func (w *World) completeAssignmentDeletion(o *AssignmentOp) {
	// The role stays provisioned in the account: AWS removes it only when the
	// permission set is deleted or deprovisioned.
	w.Assignments = slices.DeleteFunc(w.Assignments, func(a *Assignment) bool { return *a == o.Assignment })
	o.Status = "SUCCEEDED"
}
