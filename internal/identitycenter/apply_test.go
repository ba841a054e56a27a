package identitycenter

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/keyless-dev/keyless/internal/sandbox"
)

const (
	adminARN    = "arn:aws:iam::aws:policy/AdministratorAccess"
	readOnlyARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	powerARN    = "arn:aws:iam::aws:policy/PowerUserAccess"
)

func assign(ps, typ, principal, account string) Change {
	return Change{Op: Create, Kind: KindAssignment, Name: fmt.Sprintf("%s/%s:%s@%s", ps, typ, principal, account),
		Assignment: &DesiredAssignment{PermissionSet: ps, PrincipalType: typ, Principal: principal, AccountID: account}}
}

func member(group, user string) Change {
	return Change{Op: Create, Kind: KindMembership, Name: group + "/" + user, Membership: &MembershipRef{Group: group, User: user}}
}

// creates is a batch that creates one of everything, linked by names.
func creates() []Change {
	carol := &User{UserName: "carol@example.com", DisplayName: "Carol Poe", GivenName: "Carol", FamilyName: "Poe", Email: "carol@example.com"}
	admin := &PermissionSet{Name: "Admin", Description: "Full access", SessionDuration: "PT4H", RelayState: "https://console.aws.amazon.com/ec2/",
		ManagedPolicies: []string{adminARN}, InlinePolicy: "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"account:*\", \"Resource\": \"*\"}]\n}",
		CustomerManaged: []PolicyRef{{Name: "extra", Path: "/keyless/"}}, Boundary: &Boundary{ManagedPolicyARN: powerARN}, Tags: map[string]string{"team": "platform"}}
	readOnly := &PermissionSet{Name: "ReadOnly", ManagedPolicies: []string{readOnlyARN}}
	return []Change{
		assign("Admin", "GROUP", "Operators", "222222222222"),
		assign("Admin", "USER", "carol@example.com", "333333333333"),
		assign("ReadOnly", "GROUP", "Developers", "222222222222"),
		assign("ReadOnly", "GROUP", "Developers", "333333333333"),
		member("Operators", "carol@example.com"),
		member("Operators", "alice@example.com"),
		{Op: Create, Kind: KindPermissionSet, Name: "Admin", WantPermissionSet: admin},
		{Op: Create, Kind: KindPermissionSet, Name: "ReadOnly", WantPermissionSet: readOnly},
		{Op: Create, Kind: KindGroup, Name: "Operators", WantGroup: &DesiredGroup{Name: "Operators", Description: "On call"}},
		{Op: Create, Kind: KindUser, Name: "carol@example.com", WantUser: carol},
	}
}

// afterCreates is the identity part of the seeded world after creates(), by name.
func afterCreates() *State {
	owned := map[string]string{OwnerTagKey: OwnerTagValue}
	return &State{
		Users: []User{
			{UserName: "alice@example.com", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"},
			{UserName: "bob@example.com", DisplayName: "Bob Roe", GivenName: "Bob", FamilyName: "Roe", Email: "bob@example.com"},
			{UserName: "carol@example.com", DisplayName: "Carol Poe", GivenName: "Carol", FamilyName: "Poe", Email: "carol@example.com", UserType: UserType},
		},
		Groups: []Group{
			{Name: "Admins", Description: "Break-glass administrators", Members: map[string]string{"alice@example.com": ""}},
			{Name: "Developers", Description: "Everyone who ships [keyless]", Members: map[string]string{"alice@example.com": "", "bob@example.com": ""}},
			{Name: "Operators", Description: "On call [keyless]", Members: map[string]string{"alice@example.com": "", "carol@example.com": ""}},
		},
		PermissionSets: []PermissionSet{
			{Name: "Admin", Description: "Full access [keyless]", SessionDuration: "PT4H", RelayState: "https://console.aws.amazon.com/ec2/",
				ManagedPolicies: []string{adminARN}, InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"account:*","Resource":"*"}]}`,
				CustomerManaged: []PolicyRef{{Name: "extra", Path: "/keyless/"}}, Boundary: &Boundary{ManagedPolicyARN: powerARN},
				Tags: map[string]string{"team": "platform", OwnerTagKey: OwnerTagValue}, ProvisionedTo: []string{"222222222222", "333333333333"}},
			{Name: "ReadOnly", Description: "[keyless]", SessionDuration: "PT1H", ManagedPolicies: []string{readOnlyARN}, Tags: owned,
				ProvisionedTo: []string{"222222222222", "333333333333"}},
		},
		Assignments: []Assignment{
			{AccountID: "222222222222", PermissionSetARN: "Admin", PrincipalType: "GROUP", PrincipalID: "Operators"},
			{AccountID: "333333333333", PermissionSetARN: "Admin", PrincipalType: "USER", PrincipalID: "carol@example.com"},
			{AccountID: "222222222222", PermissionSetARN: "ReadOnly", PrincipalType: "GROUP", PrincipalID: "Developers"},
			{AccountID: "333333333333", PermissionSetARN: "ReadOnly", PrincipalType: "GROUP", PrincipalID: "Developers"},
		},
	}
}

// identity keeps the parts of a by-name State that Apply changes.
func identity(st *State) *State {
	return &State{Users: st.Users, Groups: st.Groups, PermissionSets: st.PermissionSets, Assignments: st.Assignments}
}

func applier(c *Clients) *Applier {
	return &Applier{C: c, PollInterval: 3 * time.Millisecond}
}

func mustRead(t *testing.T, c *Clients) *State {
	t.Helper()
	st, err := Read(context.Background(), c, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func find[T any](t *testing.T, all []T, match func(T) bool) *T {
	t.Helper()
	i := slices.IndexFunc(all, match)
	if i < 0 {
		t.Fatalf("not found in %d items", len(all))
	}
	return &all[i]
}

func TestApplyCreatesThenReadShowsThem(t *testing.T) {
	c, _, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	ctx := context.Background()
	st := mustRead(t, c)

	chs := creates()
	var mu sync.Mutex
	var progress []int
	a := applier(c)
	a.Progress = func(done, total int, step string) {
		mu.Lock()
		defer mu.Unlock()
		if total != len(chs) || step == "" {
			t.Errorf("Progress(%d, %d, %q)", done, total, step)
		}
		progress = append(progress, done)
	}
	res, err := a.Apply(ctx, st, chs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != len(chs) || res.Failed != 0 || res.Skipped != 0 || res.Elapsed <= 0 {
		t.Errorf("result %+v, want %d created", res, len(chs))
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(progress, want) {
		t.Errorf("progress %v, want %v", progress, want)
	}
	if diff := cmp.Diff(afterCreates(), identity(byName(mustRead(t, c)))); diff != "" {
		t.Errorf("after apply (-want +got):\n%s", diff)
	}
}

// TestApplyTwiceConverges applies the same creations again, as a run racing
// an interrupted one would: every step finds its object and nothing is
// duplicated.
func TestApplyTwiceConverges(t *testing.T) {
	c, rec, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	ctx := context.Background()
	st := mustRead(t, c)
	if _, err := applier(c).Apply(ctx, st, creates()); err != nil {
		t.Fatal(err)
	}
	arn := find(t, mustRead(t, c).PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" }).ARN
	if _, err := applier(c).Apply(ctx, st, creates()); err != nil {
		t.Fatalf("second apply of the same creations: %v", err)
	}
	got := mustRead(t, c)
	if diff := cmp.Diff(afterCreates(), identity(byName(got))); diff != "" {
		t.Errorf("after applying twice (-want +got):\n%s", diff)
	}
	if again := find(t, got.PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" }).ARN; again != arn {
		t.Errorf("permission set Admin is %s, was %s", again, arn)
	}
	if n := rec.callCount("SWBExternalService.CreatePermissionSet"); n != 4 {
		t.Errorf("CreatePermissionSet called %d times, want 4 (2 per apply)", n)
	}
}

func TestApplyRefusesToAdoptByAccident(t *testing.T) {
	c, _, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	st := mustRead(t, c)
	// Admins exists and is not keyless's: a plan made before someone created
	// it must not take it over.
	_, err := applier(c).Apply(context.Background(), st, []Change{
		{Op: Create, Kind: KindGroup, Name: "Admins", WantGroup: &DesiredGroup{Name: "Admins", Description: "mine now"}},
		{Op: Create, Kind: KindUser, Name: "bob@example.com", WantUser: &User{UserName: "bob@example.com", DisplayName: "B", GivenName: "B", FamilyName: "R"}},
	})
	for _, want := range []string{"group Admins already exists and keyless does not own it", "user bob@example.com already exists", "keyless import"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	got := byName(mustRead(t, c))
	if g := find(t, got.Groups, func(g Group) bool { return g.Name == "Admins" }); g.Description != "Break-glass administrators" {
		t.Errorf("Admins description changed to %q", g.Description)
	}
	if u := find(t, got.Users, func(u User) bool { return u.UserName == "bob@example.com" }); u.DisplayName != "Bob Roe" || u.UserType != "" {
		t.Errorf("bob changed: %+v", u)
	}
}

func TestApplyUpdatesInPlace(t *testing.T) {
	c, rec, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	ctx := context.Background()
	if _, err := applier(c).Apply(ctx, mustRead(t, c), creates()); err != nil {
		t.Fatal(err)
	}
	st := mustRead(t, c)
	admin := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" })
	carol := find(t, st.Users, func(u User) bool { return u.UserName == "carol@example.com" })
	bob := find(t, st.Users, func(u User) bool { return u.UserName == "bob@example.com" })
	ops := find(t, st.Groups, func(g Group) bool { return g.Name == "Operators" })
	createsBefore := rec.callCount("SWBExternalService.CreatePermissionSet")

	chs := []Change{
		{Op: Update, Kind: KindUser, Name: carol.UserName, HaveUser: carol,
			WantUser: &User{UserName: carol.UserName, DisplayName: "Carol P.", GivenName: "Carol", FamilyName: "Poe", Email: "carol@new.example.com"}},
		// Adopting an existing user (keyless import) sets the owner's user type.
		{Op: Update, Kind: KindUser, Name: bob.UserName, HaveUser: bob,
			WantUser: &User{UserName: bob.UserName, DisplayName: bob.DisplayName, GivenName: bob.GivenName, FamilyName: bob.FamilyName, Email: bob.Email}},
		{Op: Update, Kind: KindGroup, Name: "Operators", HaveGroup: ops, WantGroup: &DesiredGroup{Name: "Operators", Description: "Pager duty"}},
		{Op: Update, Kind: KindPermissionSet, Name: "Admin", HavePermissionSet: admin, WantPermissionSet: &PermissionSet{
			Name: "Admin", Description: "Admins", SessionDuration: "PT8H", RelayState: admin.RelayState,
			ManagedPolicies: []string{readOnlyARN}, Tags: map[string]string{"team": "core"}}},
	}
	res, err := applier(c).Apply(ctx, st, chs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Updated != 4 || res.Provisioned != 1 {
		t.Errorf("result %+v, want 4 updated, 1 provisioned", res)
	}
	got := mustRead(t, c)
	after := find(t, got.PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" })
	if after.ARN != admin.ARN {
		t.Errorf("permission set Admin replaced: %s, was %s", after.ARN, admin.ARN)
	}
	want := PermissionSet{ARN: admin.ARN, Name: "Admin", Description: "Admins [keyless]", SessionDuration: "PT8H", RelayState: admin.RelayState,
		ManagedPolicies: []string{readOnlyARN}, Tags: map[string]string{"team": "core", OwnerTagKey: OwnerTagValue}, ProvisionedTo: admin.ProvisionedTo}
	if diff := cmp.Diff(want, *after); diff != "" {
		t.Errorf("Admin after update (-want +got):\n%s", diff)
	}
	wantCarol := User{ID: carol.ID, UserName: carol.UserName, DisplayName: "Carol P.", GivenName: "Carol", FamilyName: "Poe", Email: "carol@new.example.com", UserType: UserType}
	if diff := cmp.Diff(wantCarol, *find(t, got.Users, func(u User) bool { return u.ID == carol.ID })); diff != "" {
		t.Errorf("carol after update (-want +got):\n%s", diff)
	}
	if !find(t, got.Users, func(u User) bool { return u.ID == bob.ID }).Owned() {
		t.Error("bob not adopted")
	}
	if g := find(t, got.Groups, func(g Group) bool { return g.ID == ops.ID }); g.Description != "Pager duty [keyless]" {
		t.Errorf("Operators description %q", g.Description)
	}
	calls, _ := rec.snapshot()
	if n := rec.callCount("SWBExternalService.CreatePermissionSet"); n != createsBefore || calls["SWBExternalService.DeletePermissionSet"] != 0 {
		t.Errorf("an update created or deleted permission sets: %v", calls)
	}
	if n := calls["SWBExternalService.ProvisionPermissionSet"]; n != 1 {
		t.Errorf("ProvisionPermissionSet called %d times, want once for the one updated set", n)
	}
	// The assignments and roles are untouched.
	if diff := cmp.Diff(afterCreates().Assignments, byName(got).Assignments); diff != "" {
		t.Errorf("assignments changed (-want +got):\n%s", diff)
	}
}

func TestApplyDeletesAfterAssignmentDeletions(t *testing.T) {
	// Slow assignments, so deleting a permission set too early would meet
	// one in progress.
	c, rec, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld(), AssignmentDelay: 60 * time.Millisecond}, fastLimits())
	ctx := context.Background()
	if _, err := applier(c).Apply(ctx, mustRead(t, c), creates()); err != nil {
		t.Fatal(err)
	}
	st := mustRead(t, c)
	admin := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" })
	carol := find(t, st.Users, func(u User) bool { return u.UserName == "carol@example.com" })
	ops := find(t, st.Groups, func(g Group) bool { return g.Name == "Operators" })
	var chs []Change
	for _, a := range st.Assignments {
		if a.PermissionSetARN == admin.ARN {
			chs = append(chs, Change{Op: Delete, Kind: KindAssignment, Name: "Admin", HaveAssignment: &a})
		}
	}
	chs = append(chs,
		Change{Op: Delete, Kind: KindPermissionSet, Name: "Admin", HavePermissionSet: admin},
		Change{Op: Delete, Kind: KindMembership, Name: "Operators/carol", Membership: &MembershipRef{Group: "Operators", User: carol.UserName, GroupID: ops.ID, UserID: carol.ID, MembershipID: ops.Members[carol.ID]}},
		Change{Op: Delete, Kind: KindMembership, Name: "Developers/bob", Membership: &MembershipRef{Group: "Developers", User: "bob@example.com"}}, // ids resolved by name
		Change{Op: Delete, Kind: KindGroup, Name: "Operators", HaveGroup: ops},
		Change{Op: Delete, Kind: KindUser, Name: carol.UserName, HaveUser: carol},
	)
	slices.Reverse(chs) // the order given does not matter
	res, err := applier(c).Apply(ctx, st, chs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != len(chs) {
		t.Errorf("result %+v, want %d deleted", res, len(chs))
	}
	_, errs := rec.snapshot()
	for k, n := range errs {
		if strings.Contains(k, "Delete") {
			t.Errorf("%d answers %s: a deletion ran before what it depends on", n, k)
		}
	}
	want := afterCreates()
	want.Users = want.Users[:2]
	want.Groups = want.Groups[:2]
	want.Groups[1].Members = map[string]string{"alice@example.com": ""}
	want.PermissionSets = want.PermissionSets[1:]
	want.Assignments = want.Assignments[2:]
	if diff := cmp.Diff(want, identity(byName(mustRead(t, c)))); diff != "" {
		t.Errorf("after deletions (-want +got):\n%s", diff)
	}

	// Deleting again finds everything gone, and that is fine.
	if _, err := applier(c).Apply(ctx, st, chs); err != nil {
		t.Errorf("deleting again: %v", err)
	}
}

// TestApplyAssignmentLimits creates 60 assignments over 20 accounts: never
// more than 15 in progress, never two in one account at once.
func TestApplyAssignmentLimits(t *testing.T) {
	seed := seededWorld()
	seed.Accounts = seed.Accounts[:1]
	var accounts []string
	for i := range 20 {
		id := fmt.Sprintf("5%011d", i)
		accounts = append(accounts, id)
		seed.Accounts = append(seed.Accounts, sandbox.SeedAccount{ID: id, Name: "acct" + id, Email: id + "@example.com"})
	}
	c, rec, url := sandboxClients(t, sandbox.Options{Seed: seed, AssignmentDelay: 25 * time.Millisecond}, fastLimits())
	ctx := context.Background()
	st := mustRead(t, c)
	chs := []Change{
		{Op: Create, Kind: KindPermissionSet, Name: "A", WantPermissionSet: &PermissionSet{Name: "A"}},
		{Op: Create, Kind: KindPermissionSet, Name: "B", WantPermissionSet: &PermissionSet{Name: "B"}},
		{Op: Create, Kind: KindPermissionSet, Name: "C", WantPermissionSet: &PermissionSet{Name: "C"}},
	}
	for _, acct := range accounts {
		for _, ps := range []string{"A", "B", "C"} {
			chs = append(chs, assign(ps, "GROUP", "Admins", acct))
		}
	}
	res, err := applier(c).Apply(ctx, st, chs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != len(chs) {
		t.Errorf("result %+v", res)
	}
	if n := rec.errorCount("CreateAccountAssignment:ConflictException"); n > 0 {
		t.Errorf("%d assignment creations refused as too many in progress", n)
	}

	ops := getSandboxState(t, url).AssignmentOps
	if len(ops) != 60 {
		t.Fatalf("%d assignment operations, want 60", len(ops))
	}
	type event struct {
		at    time.Time
		delta int
	}
	var events []event
	for i, o := range ops {
		events = append(events, event{o.Created, 1}, event{o.DoneAt, -1})
		for _, p := range ops[:i] {
			if p.Assignment.AccountID == o.Assignment.AccountID && o.Created.Before(p.DoneAt) && p.Created.Before(o.DoneAt) {
				t.Errorf("account %s: two assignments in progress at once (%v-%v and %v-%v)", o.Assignment.AccountID, p.Created, p.DoneAt, o.Created, o.DoneAt)
			}
		}
	}
	slices.SortFunc(events, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta // an end before a start at the same instant
	})
	n, most := 0, 0
	for _, e := range events {
		n += e.delta
		most = max(most, n)
	}
	if most > maxOutstandingAssignments {
		t.Errorf("%d assignments in progress at once, AWS allows %d", most, maxOutstandingAssignments)
	}
	if most < 5 {
		t.Errorf("at most %d assignments in progress at once: the applier does not work in parallel", most)
	}
	t.Logf("at most %d assignments in progress; %v", most, res.Elapsed)
}

func TestApplyFailedAssignmentSaysWhy(t *testing.T) {
	c, _, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	ctx := context.Background()
	if _, err := applier(c).Apply(ctx, mustRead(t, c), creates()); err != nil {
		t.Fatal(err)
	}
	st := mustRead(t, c)
	old := st.Assignments[0]
	start := time.Now()
	res, err := applier(c).Apply(ctx, st, []Change{
		assign("ReadOnly", "GROUP", "Developers", "999999999999"),
		assign("ReadOnly", "GROUP", "Admins", "222222222222"),
		{Op: Delete, Kind: KindAssignment, Name: "old", HaveAssignment: &old},
	})
	t.Logf("apply %v, %v", time.Since(start), res)
	if err == nil {
		t.Fatal("no error for an assignment to an account outside the organization")
	}
	for _, want := range []string{"ReadOnly", "group Developers", "999999999999", "is not a member of the organization", "not started: 1 account assignment deletions"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if res.Created != 1 || res.Failed != 1 || res.Skipped != 1 {
		t.Errorf("result %+v, want 1 created, 1 failed, 1 skipped", res)
	}
	got := byName(mustRead(t, c)).Assignments
	if !slices.Contains(got, Assignment{AccountID: "222222222222", PermissionSetARN: "ReadOnly", PrincipalType: "GROUP", PrincipalID: "Admins"}) {
		t.Errorf("the good assignment was not made: %v", got)
	}
	if len(got) != 5 {
		t.Errorf("%d assignments, want the 4 old ones and the new one: the deletion must not run after a failure", len(got))
	}
}

// TestApplyRetriesFaults runs against a sandbox that throttles a fifth of
// the requests and fails one in twenty with a 500.
func TestApplyRetriesFaults(t *testing.T) {
	c, rec, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld(), Throttle: 0.2, Fail5xx: 0.05}, fastLimits())
	ctx := context.Background()
	st := mustRead(t, c)
	if _, err := applier(c).Apply(ctx, st, creates()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(afterCreates(), identity(byName(mustRead(t, c)))); diff != "" {
		t.Errorf("after apply (-want +got):\n%s", diff)
	}
	if rec.errorCount(":ThrottlingException") == 0 || rec.errorCount(":InternalServerException") == 0 {
		_, errs := rec.snapshot()
		t.Errorf("the faults were not injected: %v", errs)
	}
}

// TestApplyKeepsUnderIdentityStoreQuota creates users against AWS's
// identitystore quota (20 TPS per operation): none is throttled.
func TestApplyKeepsUnderIdentityStoreQuota(t *testing.T) {
	c, rec, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld(), TPS: 20}, Limits{IdentityStore: 20, SSOAdmin: 2000, Organizations: 2000, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	st := mustRead(t, c)
	var chs []Change
	for i := range 30 {
		name := fmt.Sprintf("user%02d@example.com", i)
		chs = append(chs, Change{Op: Create, Kind: KindUser, Name: name, WantUser: &User{UserName: name, DisplayName: name, GivenName: "U", FamilyName: "Ser"}})
	}
	start := time.Now()
	if _, err := applier(c).Apply(context.Background(), st, chs); err != nil {
		t.Fatal(err)
	}
	if n := rec.errorCount(":ThrottlingException"); n > 0 {
		t.Errorf("%d requests throttled", n)
	}
	if el := time.Since(start); el < 1300*time.Millisecond {
		t.Errorf("30 CreateUser calls in %v: faster than 20 TPS", el)
	}
}

// TestApplyPipelinesIndependentWork checks that memberships start while
// users are still being created, and that assignments to existing groups
// do not wait for users at all.
func TestApplyPipelinesIndependentWork(t *testing.T) {
	ctx := context.Background()
	_, url := startSandbox(t, sandbox.Options{Seed: seededWorld(), AssignmentDelay: 5 * time.Millisecond, Latency: 3 * time.Millisecond})
	l := fastLimits()
	l.IdentityStore = 100 // 40 users take at least 0.4s
	c := NewClients(sdkConfig(t, url, newRecorder(), true), l)
	st := mustRead(t, c)
	chs := []Change{
		{Op: Create, Kind: KindGroup, Name: "Crew", WantGroup: &DesiredGroup{Name: "Crew"}},
		{Op: Create, Kind: KindPermissionSet, Name: "Ops", WantPermissionSet: &PermissionSet{Name: "Ops", SessionDuration: "PT1H"}},
		assign("Ops", "GROUP", "Developers", "222222222222"),
	}
	for i := range 40 {
		name := fmt.Sprintf("crew%02d@example.com", i)
		chs = append(chs, Change{Op: Create, Kind: KindUser, Name: name,
			WantUser: &User{UserName: name, DisplayName: "Crew " + name, GivenName: "Crew", FamilyName: "Member", Email: name}},
			member("Crew", name))
	}
	if _, err := applier(c).Apply(ctx, st, chs); err != nil {
		t.Fatal(err)
	}
	state := getSandboxState(t, url)
	var lastUser time.Time
	for _, u := range state.Users {
		if strings.HasPrefix(u.UserName, "crew") && u.Created.After(lastUser) {
			lastUser = u.Created
		}
	}
	firstMember := state.Memberships[len(state.Memberships)-1].Created
	for _, m := range state.Memberships {
		if !m.Created.IsZero() && m.Created.Before(firstMember) {
			firstMember = m.Created
		}
	}
	if !firstMember.Before(lastUser) {
		t.Errorf("memberships waited for every user: first membership %s, last user %s", firstMember.Format(time.StampMicro), lastUser.Format(time.StampMicro))
	}
	if len(state.AssignmentOps) != 1 || !state.AssignmentOps[0].Created.Before(lastUser) {
		t.Errorf("the assignment to an existing group waited for users: %+v, last user %s", state.AssignmentOps, lastUser.Format(time.StampMicro))
	}
}

// TestApplyRefusesNamesDifferingInCase gives the engine what the validator
// refuses (names that differ only in case: a custom set beside a built-in
// one, two custom sets, two users, two groups). apply used to panic ("close
// of closed channel") after a partial apply; now it refuses the batch
// before changing anything.
func TestApplyRefusesNamesDifferingInCase(t *testing.T) {
	ps := func(name string) Change {
		return Change{Op: Create, Kind: KindPermissionSet, Name: name, WantPermissionSet: &PermissionSet{Name: name, SessionDuration: "PT1H"}}
	}
	user := func(name string) Change {
		return Change{Op: Create, Kind: KindUser, Name: name, WantUser: &User{UserName: name, DisplayName: name, GivenName: "A", FamilyName: "B"}}
	}
	group := func(name string) Change {
		return Change{Op: Create, Kind: KindGroup, Name: name, WantGroup: &DesiredGroup{Name: name}}
	}
	for _, tc := range []struct {
		name    string
		changes []Change
		want    string
	}{
		{"a custom set beside a built-in one", []Change{ps("SuperAdmin"), ps("superadmin"), assign("SuperAdmin", "GROUP", "Developers", "111111111111")},
			`permission sets "SuperAdmin" and "superadmin" differ only in case`},
		{"two custom sets", []Change{ps("Dev"), ps("dev"), assign("dev", "GROUP", "Developers", "222222222222")},
			`permission sets "Dev" and "dev" differ only in case`},
		{"two users", []Change{user("Zed@example.com"), user("zed@example.com"), member("Developers", "zed@example.com")},
			`users "Zed@example.com" and "zed@example.com" differ only in case`},
		{"two groups", []Change{group("Ops"), group("OPS"), member("OPS", "bob@example.com")},
			`groups "Ops" and "OPS" differ only in case`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rec, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
			st := mustRead(t, c)
			before, _ := rec.snapshot()
			res, err := applier(c).Apply(context.Background(), st, tc.changes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Apply: %v; want an error saying %s", err, tc.want)
			}
			after, _ := rec.snapshot()
			for op, n := range after {
				if n != before[op] && !strings.Contains(op, "List") && !strings.Contains(op, "Describe") {
					t.Errorf("%s called %d times: the refused batch changed AWS", op, n-before[op])
				}
			}
			if res.Created+res.Updated+res.Deleted != 0 || res.Skipped != len(tc.changes) {
				t.Errorf("result %+v: want nothing done and all %d changes skipped", res, len(tc.changes))
			}
		})
	}
}

// TestReadyWaitsForEveryChangeOfAFoldedName: two changes under names that
// fold alike settle one future once, when both are done.
func TestReadyWaitsForEveryChangeOfAFoldedName(t *testing.T) {
	rd := &ready{m: map[string]*future{}}
	rd.expect(readyKey("permission set", "Dev"))
	rd.expect(readyKey("permission set", "dev"))
	rd.settle(readyKey("permission set", "Dev"), true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := rd.wait(ctx, readyKey("permission set", "DEV")); err == nil {
		t.Fatal("ready after one of two changes")
	}
	rd.settle(readyKey("permission set", "dev"), false)
	rd.settle(readyKey("permission set", "dev"), true) // one too many: ignored
	if err := rd.wait(context.Background(), readyKey("permission set", "Dev")); err == nil || !strings.Contains(err.Error(), "failed") {
		t.Fatalf("wait: %v; want the failure of one of the two", err)
	}
}

// TestApplyNeverPanicsOnMalformedChanges: changes missing what their kind
// needs, or of no known kind or op, fail one by one with an error; nothing
// panics, and the well-formed change beside them is made.
func TestApplyNeverPanicsOnMalformedChanges(t *testing.T) {
	c, _, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	st := mustRead(t, c)
	var chs []Change
	for _, k := range []Kind{KindUser, KindGroup, KindMembership, KindPermissionSet, KindAssignment, "widget"} {
		for _, op := range []Op{Create, Update, Delete, "rename"} {
			chs = append(chs, Change{Op: op, Kind: k, Name: fmt.Sprintf("%s-%s", k, op)})
		}
	}
	chs = append(chs, Change{Op: Create, Kind: KindGroup, Name: "Fine", WantGroup: &DesiredGroup{Name: "Fine"}})
	res, err := applier(c).Apply(context.Background(), st, chs)
	if err == nil {
		t.Fatal("no error for malformed changes")
	}
	if res.Created != 1 || res.Failed+res.Skipped != len(chs)-1 {
		t.Errorf("result %+v: want the one good change made and the %d others failed or skipped", res, len(chs)-1)
	}
	if !slices.ContainsFunc(mustRead(t, c).Groups, func(g Group) bool { return g.Name == "Fine" }) {
		t.Error("the well-formed group was not created")
	}
}
