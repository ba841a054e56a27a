package identitycenter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// membershipRun is one apply of users, each in one of the groups, and
// what the sandbox saw of it.
type membershipRun struct {
	elapsed time.Duration
	// early is how many memberships were created before the last user was.
	early, members int
}

// applyUsersInGroups creates users and groups (existing beforehand) and
// each user's membership, with identitystore at rate requests/s per
// operation, in the sandbox and in keyless. Users come in order; user i is
// in group i%groups when interleaved, in group i/(users/groups) when not.
// The memberships come grouped, as a plan lists them.
func applyUsersInGroups(tb testing.TB, users, groups int, rate float64, interleaved bool) membershipRun {
	tb.Helper()
	seed := seededWorld()
	for g := range groups {
		seed.Groups = append(seed.Groups, sandbox.SeedGroup{Name: fmt.Sprintf("team%02d", g), Description: "[keyless]"})
	}
	_, url := startSandbox(tb, sandbox.Options{Seed: seed, TPS: rate, AssignmentDelay: -1})
	l := fastLimits()
	l.IdentityStore = rate
	c := NewClients(sdkConfig(tb, url, newRecorder(), true), l)
	st, err := Read(context.Background(), c, ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	groupOf := func(i int) int {
		if interleaved {
			return i % groups
		}
		return i / (users / groups)
	}
	var chs []Change
	byGroup := make([][]Change, groups)
	for i := range users {
		name := fmt.Sprintf("u%04d@example.com", i)
		chs = append(chs, Change{Op: Create, Kind: KindUser, Name: name,
			WantUser: &User{UserName: name, DisplayName: name, GivenName: "U", FamilyName: fmt.Sprint(i)}})
		g := groupOf(i)
		byGroup[g] = append(byGroup[g], member(fmt.Sprintf("team%02d", g), name))
	}
	for _, m := range byGroup {
		chs = append(chs, m...)
	}
	start := time.Now()
	if _, err := applier(c).Apply(context.Background(), st, chs); err != nil {
		tb.Fatal(err)
	}
	run := membershipRun{elapsed: time.Since(start), members: users}

	state := getSandboxState(tb, url)
	lastUser := state.lastUserCreated()
	for _, m := range state.Memberships {
		if !m.Created.IsZero() && m.Created.Before(lastUser) {
			run.early++
		}
	}
	return run
}

// TestApplyMembershipOrderDoesNotMatter: a membership is created as soon
// as its user and group exist, whatever the order of the file. With each
// group's members spread through the user list, apply used to wait for
// the first group's last member before starting the second group's
// memberships: nearly twice the time of the same file with each group's
// members together.
func TestApplyMembershipOrderDoesNotMatter(t *testing.T) {
	const users, groups, rate = 200, 10, 100 // 2 s of CreateUser calls
	contiguous := applyUsersInGroups(t, users, groups, rate, false)
	interleaved := applyUsersInGroups(t, users, groups, rate, true)
	ratio := interleaved.elapsed.Seconds() / contiguous.elapsed.Seconds()
	t.Logf("%d users in %d groups at %v/s: contiguous %v, interleaved %v, ratio %.2f; memberships made while users were still created: %d and %d of %d",
		users, groups, rate, contiguous.elapsed.Round(time.Millisecond), interleaved.elapsed.Round(time.Millisecond), ratio, contiguous.early, interleaved.early, users)
	// The memberships trail the users by a few calls whatever the order
	// (each is its own 100/s budget), so most exist before the last user.
	for _, r := range []struct {
		order string
		run   membershipRun
	}{{"contiguous", contiguous}, {"interleaved", interleaved}} {
		if r.run.early < r.run.members*3/4 {
			t.Errorf("%s: %d of %d memberships were created before the last user: the rest waited for users they do not need", r.order, r.run.early, r.run.members)
		}
	}
	if ratio > 1.3 {
		t.Errorf("interleaved members took %.2f times as long as contiguous ones", ratio)
	}
}

// TestApplyAssignmentOrderDoesNotMatter: assignments in one account run
// one at a time, in the order what they link to exists: the assignment to
// an existing group does not wait behind one to a user created last.
func TestApplyAssignmentOrderDoesNotMatter(t *testing.T) {
	_, url := startSandbox(t, sandbox.Options{Seed: seededWorld(), AssignmentDelay: 5 * time.Millisecond})
	l := fastLimits()
	l.IdentityStore = 100 // 30 users take at least 0.3 s
	c := NewClients(sdkConfig(t, url, newRecorder(), true), l)
	st := mustRead(t, c)
	chs := []Change{{Op: Create, Kind: KindPermissionSet, Name: "Ops", WantPermissionSet: &PermissionSet{Name: "Ops", SessionDuration: "PT1H"}}}
	for i := range 30 {
		name := fmt.Sprintf("crew%02d@example.com", i)
		chs = append(chs, Change{Op: Create, Kind: KindUser, Name: name, WantUser: &User{UserName: name, DisplayName: name, GivenName: "C", FamilyName: "M"}})
	}
	chs = append(chs, assign("Ops", "USER", "crew29@example.com", "222222222222"), assign("Ops", "GROUP", "Developers", "222222222222"))
	if _, err := applier(c).Apply(context.Background(), st, chs); err != nil {
		t.Fatal(err)
	}
	state := getSandboxState(t, url)
	lastUser := state.lastUserCreated()
	for _, op := range state.AssignmentOps {
		if op.Assignment.PrincipalType == "GROUP" && !op.Created.Before(lastUser) {
			t.Errorf("the group's assignment waited for the last user: made %s, last user %s", op.Created.Format(time.StampMicro), lastUser.Format(time.StampMicro))
		}
	}
	if len(state.AssignmentOps) != 2 {
		t.Errorf("%d assignment operations, want 2", len(state.AssignmentOps))
	}
}

// BenchmarkApplyMembershipOrder is issue 10's measurement scaled down five
// times: 1,000 users in 10 groups of 100, identitystore at 100 requests/s
// per operation (AWS's 20/s takes five times as long), members of each
// group contiguous in the user list, then interleaved. The floor is 10 s
// of CreateUser calls either way.
func BenchmarkApplyMembershipOrder(b *testing.B) {
	const users, groups, rate = 1000, 10, 100
	for b.Loop() {
		contiguous := applyUsersInGroups(b, users, groups, rate, false)
		interleaved := applyUsersInGroups(b, users, groups, rate, true)
		b.ReportMetric(contiguous.elapsed.Seconds(), "contiguous-s")
		b.ReportMetric(interleaved.elapsed.Seconds(), "interleaved-s")
		b.ReportMetric(interleaved.elapsed.Seconds()/contiguous.elapsed.Seconds(), "ratio")
	}
}
