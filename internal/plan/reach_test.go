package plan

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// delegatedState is applied(desired()) with provisioning as AWS leaves it,
// read by the delegated administrator (dev) or by the management account.
func delegatedState(caller string) *ic.State {
	st := applied(desired())
	st.Caller = ic.Caller{AccountID: caller}
	for i := range st.PermissionSets {
		ps := &st.PermissionSets[i]
		for _, a := range st.Assignments {
			if a.PermissionSetARN == ps.ARN {
				ps.ProvisionedTo = append(ps.ProvisionedTo, a.AccountID)
			}
		}
	}
	return st
}

func TestDelegatedAdministratorOutOfReach(t *testing.T) {
	d := desired()
	d.Prune = true
	d.PermissionSets[0].SessionDuration = "PT4H" // SuperAdmin: provisioned to the management account
	d.PermissionSets[1].SessionDuration = "PT2H" // PowerUser: only in dev
	d.Assignments = []ic.DesiredAssignment{
		// SuperAdmins in the management account leave the file;
		{PermissionSet: "PowerUser", PrincipalType: "GROUP", Principal: "PowerUsers", AccountID: dev},
		{PermissionSet: "PowerUser", PrincipalType: "GROUP", Principal: "PowerUsers", AccountID: mgmt}, // new, in the management account
		{PermissionSet: "SuperAdmin", PrincipalType: "GROUP", Principal: "PowerUsers", AccountID: dev}, // a set provisioned there, elsewhere
	}

	// From the management account the plan would lock it out.
	if _, err := Compute(d, delegatedState(mgmt)); !errors.As(err, new(*LockoutError)) {
		t.Fatalf("from the management account: %v, want a lock-out refusal", err)
	}

	// From the delegated administrator the same changes are out of reach,
	// so nothing is refused: who administers the management account stays.
	p, err := Compute(d, delegatedState(dev))
	if err != nil {
		t.Fatal(err)
	}
	want := []line{
		{ic.Update, ic.KindPermissionSet, "SuperAdmin"},
		{ic.Create, ic.KindAssignment, "PowerUser → group PowerUsers @ 111111111111 (management)"},
		{ic.Create, ic.KindAssignment, "SuperAdmin → group PowerUsers @ 222222222222 (dev)"},
		{ic.Delete, ic.KindAssignment, "SuperAdmin → group SuperAdmins @ 111111111111 (management)"},
	}
	if diff := cmp.Diff(want, lines(p.OutOfReach)); diff != "" {
		t.Errorf("out of reach (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]line{{ic.Update, ic.KindPermissionSet, "PowerUser"}}, lines(p.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	for _, c := range p.OutOfReach {
		if !strings.Contains(c.OutOfReach, "management account 111111111111") {
			t.Errorf("%s: reason %q", c.Name, c.OutOfReach)
		}
	}
	var text, js bytes.Buffer
	p.Render(&text, false)
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Out of reach from Identity Center's delegated administrator", "  ✗ ~ permission set SuperAdmin\n",
		"Plan: 0 to create, 1 to update in place, 0 to delete. 4 out of reach (only the management account may make them)."} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("plan text lacks %q:\n%s", s, text.String())
		}
	}
	if !strings.Contains(js.String(), `"out_of_reach": 4`) || !strings.Contains(js.String(), `"out_of_reach": "an assignment in the management account 111111111111`) {
		t.Errorf("plan JSON lacks the out-of-reach changes:\n%s", js.String())
	}
}

// The guard still reasons about who administers the management account:
// from the delegated administrator, a change within reach (removing the
// last administrator from the group) is refused.
func TestDelegatedAdministratorGuard(t *testing.T) {
	d := desired()
	d.Groups[0].Members = nil
	d.Prune = true
	_, err := Compute(d, delegatedState(dev))
	var lock *LockoutError
	if !errors.As(err, &lock) || !strings.Contains(lock.Reason, "management account 111111111111") {
		t.Fatalf("removing the last administrator from the delegated administrator account: %v", err)
	}
}

func TestAccountInstanceRefusesPermissionSets(t *testing.T) {
	st := emptyState()
	st.AccountInstance, st.InstanceARN, st.InstanceOwner = true, "arn:aws:sso:::instance/ssoins-2222222222222222", dev
	_, err := Compute(desired(), st)
	var ai *AccountInstanceError
	if !errors.As(err, &ai) || !strings.Contains(err.Error(), "account instance") {
		t.Fatalf("permission sets on an account instance: %v", err)
	}
	d := desired()
	d.PermissionSets, d.Assignments = nil, nil
	if _, err := Compute(d, st); err != nil {
		t.Fatalf("users and groups on an account instance: %v", err)
	}
}
