package identitycenter

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// The lock-out guard at apply time. The plan refuses to take away the last
// administrator access to the management account, but it was computed from
// a read that may be stale by the time a deletion runs: another apply (from
// this machine or another) may have removed the other administrators
// meanwhile. So each deletion that takes away administrator access re-reads
// who has it from AWS right before the call, and refuses if it would leave
// no one; and, since two such checks can still pass side by side, re-reads
// after the call and puts back what it removed if no one is left.

// AdministratorAccess is the AWS-managed policy that makes a permission set
// SuperAdmin-equivalent.
const AdministratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess"

// LockoutError is a plan or a change refused because it would take away the
// last administrator access to the management account, or the caller's own.
type LockoutError struct {
	Reason string
	// Changes are the plan's changes that do it; none when one change is
	// refused at apply time (the error names it).
	Changes []string
	// Undone is set when apply made the change and then put it back.
	Undone bool
}

func (e *LockoutError) Error() string {
	switch {
	case e.Undone:
		return "undone: it " + e.Reason
	case len(e.Changes) == 0:
		return "refusing a change that " + e.Reason
	}
	return fmt.Sprintf("refusing a plan that %s; the changes that do it:\n  %s", e.Reason, strings.Join(e.Changes, "\n  "))
}

func (e *LockoutError) Hint() string {
	return "keep those objects in keyless.yaml, or first give the access to someone else; if you really mean it, make the change in the AWS console"
}

// adminPath is one way a person has AdministratorAccess in the management
// account: an assignment of a permission set with it to the user, or to a
// group the user is in. All by ids.
type adminPath struct {
	set, principalType, principal string
	user                          string
}

// adminPathsOf lists the paths in a State (what the plan was made from).
func adminPathsOf(st *State) []adminPath {
	mgmt := st.ManagementAccountID
	if mgmt == "" {
		return nil
	}
	users := map[string]bool{}
	for _, u := range st.Users {
		users[u.ID] = true
	}
	var paths []adminPath
	for _, a := range st.Assignments {
		i := slices.IndexFunc(st.PermissionSets, func(p PermissionSet) bool { return p.ARN == a.PermissionSetARN })
		if a.AccountID != mgmt || i < 0 || !slices.Contains(st.PermissionSets[i].ManagedPolicies, AdministratorAccess) {
			continue
		}
		if a.PrincipalType != "GROUP" {
			if users[a.PrincipalID] {
				paths = append(paths, adminPath{a.PermissionSetARN, a.PrincipalType, a.PrincipalID, a.PrincipalID})
			}
			continue
		}
		for _, g := range st.Groups {
			if g.ID != a.PrincipalID {
				continue
			}
			for uid := range g.Members {
				if users[uid] {
					paths = append(paths, adminPath{a.PermissionSetARN, a.PrincipalType, a.PrincipalID, uid})
				}
			}
		}
	}
	return paths
}

// takesAway reports whether the change removes the path.
func (p adminPath) takenAwayBy(ch Change, mgmt string) bool {
	switch ch.Kind {
	case KindAssignment:
		a := ch.HaveAssignment
		return ch.Op == Delete && a != nil && a.AccountID == mgmt && a.PermissionSetARN == p.set && a.PrincipalType == p.principalType && a.PrincipalID == p.principal
	case KindMembership:
		m := ch.Membership
		return ch.Op == Delete && m != nil && p.principalType == "GROUP" && m.GroupID == p.principal && m.UserID == p.user
	case KindGroup:
		return ch.Op == Delete && ch.HaveGroup != nil && p.principalType == "GROUP" && ch.HaveGroup.ID == p.principal
	case KindUser:
		return ch.Op == Delete && ch.HaveUser != nil && ch.HaveUser.ID == p.user
	case KindPermissionSet:
		have := ch.HavePermissionSet
		if have == nil || have.ARN != p.set {
			return false
		}
		return ch.Op == Delete || ch.Op == Update && ch.WantPermissionSet != nil && !slices.Contains(ch.WantPermissionSet.ManagedPolicies, AdministratorAccess)
	}
	return false
}

// takesAwayAdmin reports whether the change removes a path the plan saw.
func (r *run) takesAwayAdmin(ch Change) bool {
	return slices.ContainsFunc(r.admins, func(p adminPath) bool { return p.takenAwayBy(ch, r.st.ManagementAccountID) })
}

// applyGuarded applies a change that takes administrator access away,
// between two fresh reads of who has it. One such change runs at a time in
// an apply, so two of its own cannot pass the check side by side.
func (r *run) applyGuarded(ctx context.Context, ch Change) error {
	r.adminMu.Lock()
	defer r.adminMu.Unlock()
	mgmt := r.st.ManagementAccountID
	before, err := r.readAdminPaths(ctx)
	if err != nil {
		return fmt.Errorf("re-read who has AdministratorAccess in the management account %s before taking it away: %w", mgmt, err)
	}
	if len(before) == 0 {
		// No one has it now (a fresh account, or already lost): nothing to
		// guard, as at plan time.
		return r.applyChange(ctx, ch)
	}
	left := slices.DeleteFunc(slices.Clone(before), func(p adminPath) bool { return p.takenAwayBy(ch, mgmt) })
	ok, err := r.anyoneOf(ctx, left)
	if err != nil {
		return fmt.Errorf("re-read who has AdministratorAccess in the management account %s before taking it away: %w", mgmt, err)
	}
	if !ok {
		return &LockoutError{Reason: fmt.Sprintf("would leave no one with AdministratorAccess in the management account %s, "+
			"as AWS stands now (read just before the change: another apply, or someone in the console, may have taken the rest away since the plan)", mgmt)}
	}

	if err := r.applyChange(ctx, ch); err != nil {
		return err
	}

	after, err := r.readAdminPaths(ctx)
	if err == nil {
		ok, err = r.anyoneOf(ctx, after)
	}
	if err != nil {
		return fmt.Errorf("re-read who has AdministratorAccess in the management account %s after taking it away: %w; check that someone still has it", mgmt, err)
	}
	if ok {
		return nil
	}
	// Another change took the rest away at the same moment: put this one
	// back, so whichever finishes last leaves someone.
	if err := r.restore(ctx, ch); err != nil {
		return fmt.Errorf("no one is left with AdministratorAccess in the management account %s (another change took the rest away at the same time), "+
			"and putting back %s failed: %w; give someone AdministratorAccess there now, in the AWS console", mgmt, removal(ch), err)
	}
	r.log.Debug("put back administrator access another change took away at the same time", "change", step(ch))
	return &LockoutError{Undone: true, Reason: fmt.Sprintf("left no one with AdministratorAccess in the management account %s, "+
		"because another change took the rest away at the same time", mgmt)}
}

func removal(ch Change) string {
	if ch.Op == Update {
		return fmt.Sprintf("~ permission set %s loses AdministratorAccess", ch.Name)
	}
	return fmt.Sprintf("- %s %s", strings.ReplaceAll(string(ch.Kind), "_", " "), ch.Name)
}

// readAdminPaths reads from AWS who has AdministratorAccess in the
// management account now. Assignments being deleted count as gone.
func (r *run) readAdminPaths(ctx context.Context) ([]adminPath, error) {
	c, mgmt := r.a.C.SSOAdmin, r.st.ManagementAccountID

	// The sets the plan saw with AdministratorAccess, and every set
	// provisioned to the account now.
	var sets []string
	for _, p := range r.admins {
		sets = append(sets, p.set)
	}
	pp := ssoadmin.NewListPermissionSetsProvisionedToAccountPaginator(c, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: r.inst, AccountId: aws.String(mgmt)})
	for pp.HasMorePages() {
		out, err := pp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list permission sets provisioned to %s: %w", mgmt, err)
		}
		sets = append(sets, out.PermissionSets...)
	}
	slices.Sort(sets)
	sets = slices.Compact(sets)

	going, err := r.deletionsInProgress(ctx)
	if err != nil {
		return nil, err
	}
	var paths []adminPath
	for _, set := range sets {
		admin, err := r.hasAdministratorAccess(ctx, set)
		if err != nil {
			return nil, err
		}
		if !admin {
			continue
		}
		ap := ssoadmin.NewListAccountAssignmentsPaginator(c, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: r.inst, AccountId: aws.String(mgmt), PermissionSetArn: aws.String(set)})
		for ap.HasMorePages() {
			out, err := ap.NextPage(ctx)
			if isNotFound(err) {
				break // the set was deleted meanwhile
			}
			if err != nil {
				return nil, fmt.Errorf("list assignments of %s in %s: %w", set, mgmt, err)
			}
			for _, a := range out.AccountAssignments {
				p := adminPath{set: set, principalType: string(a.PrincipalType), principal: aws.ToString(a.PrincipalId)}
				if going[p] {
					continue
				}
				if p.principalType != "GROUP" {
					p.user = p.principal
					paths = append(paths, p)
					continue
				}
				members, err := r.groupMembers(ctx, p.principal)
				if err != nil {
					return nil, err
				}
				for _, u := range members {
					p.user = u
					paths = append(paths, p)
				}
			}
		}
	}
	return paths, nil
}

func (r *run) hasAdministratorAccess(ctx context.Context, set string) (bool, error) {
	p := ssoadmin.NewListManagedPoliciesInPermissionSetPaginator(r.a.C.SSOAdmin, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: aws.String(set)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if isNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("list managed policies of %s: %w", set, err)
		}
		if slices.ContainsFunc(out.AttachedManagedPolicies, func(m ssotypes.AttachedManagedPolicy) bool { return aws.ToString(m.Arn) == AdministratorAccess }) {
			return true, nil
		}
	}
	return false, nil
}

// deletionsInProgress are the assignments in the management account that
// a deletion has been asked for (they are still listed until it is done).
func (r *run) deletionsInProgress(ctx context.Context) (map[adminPath]bool, error) {
	c, mgmt := r.a.C.SSOAdmin, r.st.ManagementAccountID
	going := map[adminPath]bool{}
	p := ssoadmin.NewListAccountAssignmentDeletionStatusPaginator(c, &ssoadmin.ListAccountAssignmentDeletionStatusInput{InstanceArn: r.inst,
		Filter: &ssotypes.OperationStatusFilter{Status: ssotypes.StatusValuesInProgress}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if notImplemented(err) {
			// moto lacks the call; its deletions finish at once anyway.
			return going, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list assignment deletions in progress: %w", err)
		}
		for _, op := range out.AccountAssignmentsDeletionStatus {
			if op.Status != ssotypes.StatusValuesInProgress {
				continue
			}
			d, err := c.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{InstanceArn: r.inst, AccountAssignmentDeletionRequestId: op.RequestId})
			if err != nil {
				return nil, fmt.Errorf("describe assignment deletion %s: %w", aws.ToString(op.RequestId), err)
			}
			s := d.AccountAssignmentDeletionStatus
			if s == nil || aws.ToString(s.TargetId) != mgmt || s.Status == ssotypes.StatusValuesFailed {
				continue
			}
			going[adminPath{set: aws.ToString(s.PermissionSetArn), principalType: string(s.PrincipalType), principal: aws.ToString(s.PrincipalId)}] = true
		}
	}
	return going, nil
}

func (r *run) groupMembers(ctx context.Context, group string) ([]string, error) {
	var users []string
	p := identitystore.NewListGroupMembershipsPaginator(r.a.C.IdentityStore, &identitystore.ListGroupMembershipsInput{IdentityStoreId: r.store, GroupId: aws.String(group)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if isNotFound(err) {
			return nil, nil // the group was deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("list members of group %s: %w", group, err)
		}
		for _, m := range out.GroupMemberships {
			if u, ok := m.MemberId.(*istypes.MemberIdMemberUserId); ok {
				users = append(users, u.Value)
			}
		}
	}
	return users, nil
}

// anyoneOf reports whether one of the paths reaches a user who exists,
// looking users up until one does.
func (r *run) anyoneOf(ctx context.Context, paths []adminPath) (bool, error) {
	var users []string
	for _, p := range paths {
		users = append(users, p.user)
	}
	slices.Sort(users)
	for _, u := range slices.Compact(users) {
		_, err := r.a.C.IdentityStore.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: r.store, UserId: aws.String(u)})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("describe user %s: %w", u, err)
		}
		return true, nil
	}
	return false, nil
}

// restore undoes a change that took administrator access away.
func (r *run) restore(ctx context.Context, ch Change) error {
	switch {
	case ch.Kind == KindAssignment && ch.HaveAssignment != nil:
		a := ch.HaveAssignment
		return r.assign(ctx, fmt.Sprintf("put back permission set %s for %s %s in account %s", a.PermissionSetARN, strings.ToLower(a.PrincipalType), a.PrincipalID, a.AccountID), *a)
	case ch.Kind == KindMembership && ch.Membership != nil:
		m := ch.Membership
		_, err := r.a.C.IdentityStore.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: r.store,
			GroupId: aws.String(m.GroupID), MemberId: &istypes.MemberIdMemberUserId{Value: m.UserID}})
		if err != nil && !isAlreadyConflict(err) {
			return fmt.Errorf("add member back: %w", err)
		}
		return nil
	case ch.Kind == KindPermissionSet && ch.Op == Update && ch.HavePermissionSet != nil:
		_, err := r.a.C.SSOAdmin.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: r.inst,
			PermissionSetArn: aws.String(ch.HavePermissionSet.ARN), ManagedPolicyArn: aws.String(AdministratorAccess)})
		if err != nil && !isAlreadyConflict(err) {
			return fmt.Errorf("attach AdministratorAccess again: %w", err)
		}
		if len(ch.HavePermissionSet.ProvisionedTo) > 0 {
			return r.provision(ctx, ch.HavePermissionSet)
		}
		return nil
	}
	return fmt.Errorf("a %s %s cannot be undone", ch.Op, strings.ReplaceAll(string(ch.Kind), "_", " "))
}
