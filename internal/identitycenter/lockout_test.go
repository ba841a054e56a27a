package identitycenter

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// adminWorld is seededWorld with two ways to AdministratorAccess in the
// management account: permission set Admin to group Developers (alice and
// bob), and permission set Root to group Admins (alice).
func adminWorld() *sandbox.Seed {
	s := seededWorld()
	s.PermissionSets = []sandbox.SeedPermissionSet{
		{Name: "Admin", Description: "[keyless]", ManagedPolicies: []string{adminARN}},
		{Name: "Root", Description: "[keyless]", ManagedPolicies: []string{adminARN}},
	}
	s.Assignments = []sandbox.SeedAssignment{
		{PermissionSet: "Admin", Group: "Developers", Accounts: []string{"111111111111"}},
		{PermissionSet: "Root", Group: "Admins", Accounts: []string{"111111111111"}},
	}
	return s
}

// admins are the users with AdministratorAccess in the management account, read afresh.
func admins(t *testing.T, c *Clients) []string {
	t.Helper()
	st := mustRead(t, c)
	var names []string
	for _, p := range adminPathsOf(st) {
		names = append(names, find(t, st.Users, func(u User) bool { return u.ID == p.user }).UserName)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func removeMember(t *testing.T, st *State, group, user string) Change {
	t.Helper()
	g := find(t, st.Groups, func(g Group) bool { return g.Name == group })
	u := find(t, st.Users, func(u User) bool { return u.UserName == user })
	return Change{Op: Delete, Kind: KindMembership, Name: group + "/" + user,
		Membership: &MembershipRef{Group: group, User: user, GroupID: g.ID, UserID: u.ID, MembershipID: g.Members[u.ID]}}
}

func removeAssignment(t *testing.T, st *State, set, group string) Change {
	t.Helper()
	ps := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == set })
	g := find(t, st.Groups, func(g Group) bool { return g.Name == group })
	a := find(t, st.Assignments, func(a Assignment) bool { return a.PermissionSetARN == ps.ARN && a.PrincipalID == g.ID })
	return Change{Op: Delete, Kind: KindAssignment, Name: set + "/GROUP:" + group + "@111111111111", HaveAssignment: a}
}

func dropAdministratorAccess(t *testing.T, st *State, set string) Change {
	t.Helper()
	have := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == set })
	want := *have
	want.ManagedPolicies = []string{readOnlyARN}
	return Change{Op: Update, Kind: KindPermissionSet, Name: set, HavePermissionSet: have, WantPermissionSet: &want}
}

// TestApplyRechecksAdminsBeforeRemoval: two applies planned from the same
// read, each taking away a different way to AdministratorAccess, and
// together all of them (each plan alone leaves someone, so the plan's guard
// passes both). The second used to run and leave no one; it now re-reads
// AWS before the removal and refuses, changing nothing.
func TestApplyRechecksAdminsBeforeRemoval(t *testing.T) {
	for _, tc := range []struct {
		name   string
		first  func(*testing.T, *State) []Change
		second func(*testing.T, *State) []Change
	}{
		{"memberships",
			func(t *testing.T, st *State) []Change {
				return []Change{removeMember(t, st, "Developers", "alice@example.com"), removeMember(t, st, "Admins", "alice@example.com")}
			},
			func(t *testing.T, st *State) []Change {
				return []Change{removeMember(t, st, "Developers", "bob@example.com")}
			}},
		{"assignments",
			func(t *testing.T, st *State) []Change {
				return []Change{removeAssignment(t, st, "Admin", "Developers")}
			},
			func(t *testing.T, st *State) []Change { return []Change{removeAssignment(t, st, "Root", "Admins")} }},
		{"a permission set losing AdministratorAccess",
			func(t *testing.T, st *State) []Change { return []Change{dropAdministratorAccess(t, st, "Admin")} },
			func(t *testing.T, st *State) []Change { return []Change{removeAssignment(t, st, "Root", "Admins")} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := sandboxClients(t, sandbox.Options{Seed: adminWorld()}, fastLimits())
			ctx := context.Background()
			st := mustRead(t, c)
			before := admins(t, c)
			if len(before) == 0 {
				t.Fatal("the world has no administrators to start with")
			}
			if _, err := applier(c).Apply(ctx, st, tc.first(t, st)); err != nil {
				t.Fatalf("first apply: %v", err)
			}
			if len(admins(t, c)) == 0 {
				t.Fatal("the first apply alone left no administrator")
			}
			res, err := applier(c).Apply(ctx, st, tc.second(t, st))
			var le *LockoutError
			if !errors.As(err, &le) || le.Undone {
				t.Errorf("second apply, planned before the first ran: %v; want it refused", err)
			}
			if res.Deleted != 0 {
				t.Errorf("second apply deleted %d", res.Deleted)
			}
			if got := admins(t, c); len(got) == 0 {
				t.Errorf("no one has AdministratorAccess in the management account (had %v)", before)
			}
		})
	}
}

// TestApplyConcurrentRemovalsLeaveAnAdmin: two applies at the same moment,
// each removing one of the two administrators. Whichever way their checks
// interleave, someone keeps AdministratorAccess and at least one apply
// fails; a removal that went through and left no one is put back.
func TestApplyConcurrentRemovalsLeaveAnAdmin(t *testing.T) {
	seed := adminWorld()
	seed.Assignments = seed.Assignments[:1] // Admin to Developers: alice and bob
	for range 3 {
		c, _, _ := sandboxClients(t, sandbox.Options{Seed: seed}, fastLimits())
		st := mustRead(t, c)
		if got := admins(t, c); !slices.Equal(got, []string{"alice@example.com", "bob@example.com"}) {
			t.Fatalf("administrators to start with: %v", got)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, user := range []string{"alice@example.com", "bob@example.com"} {
			wg.Go(func() {
				_, errs[i] = applier(c).Apply(context.Background(), st, []Change{removeMember(t, st, "Developers", user)})
			})
		}
		wg.Wait()
		if errs[0] == nil && errs[1] == nil {
			t.Errorf("both applies succeeded")
		}
		for _, err := range errs {
			var le *LockoutError
			if err != nil && !errors.As(err, &le) {
				t.Errorf("apply: %v; want a lockout refusal", err)
			}
		}
		if got := admins(t, c); len(got) == 0 {
			t.Fatalf("no one has AdministratorAccess in the management account (errors: %v)", errs)
		}
	}
}
