package identitycenter

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"
)

// moto is a second, independent implementation of the admin APIs. It has
// no organization here (so Read falls back to the caller's account), no
// sso-admin tags or boundaries, and finishes asynchronous work at once.
// Admin has PowerUserAccess, not AdministratorAccess: the test deletes it,
// which the lock-out guard would refuse (TestMotoLockoutRecheck).
func TestMotoApplyAndRead(t *testing.T) {
	url := motoURL(t)
	rec := newRecorder()
	c := NewClients(sdkConfig(t, url, rec, false), fastLimits())
	ctx := context.Background()

	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := Read(ctx, c, ReadOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	acct := st.Caller.AccountID
	if acct == "" || st.ManagementAccountID != acct || len(st.Accounts) != 1 || st.Accounts[0].ID != acct || st.IdentityStoreID == "" {
		t.Fatalf("read of an empty moto: caller %+v, management %q, accounts %v, store %q", st.Caller, st.ManagementAccountID, st.Accounts, st.IdentityStoreID)
	}

	chs := []Change{
		{Op: Create, Kind: KindUser, Name: "carol", WantUser: &User{UserName: "carol", DisplayName: "Carol Poe", GivenName: "Carol", FamilyName: "Poe", Email: "carol@example.com"}},
		{Op: Create, Kind: KindUser, Name: "dave", WantUser: &User{UserName: "dave", DisplayName: "Dave Low", GivenName: "Dave", FamilyName: "Low", Email: "dave@example.com"}},
		{Op: Create, Kind: KindGroup, Name: "Operators", WantGroup: &DesiredGroup{Name: "Operators", Description: "On call"}},
		member("Operators", "carol"),
		member("Operators", "dave"),
		{Op: Create, Kind: KindPermissionSet, Name: "Admin", WantPermissionSet: &PermissionSet{Name: "Admin", Description: "Full access", SessionDuration: "PT4H",
			ManagedPolicies: []string{powerARN}, InlinePolicy: `{"Version": "2012-10-17", "Statement": []}`, CustomerManaged: []PolicyRef{{Name: "extra"}}}},
		{Op: Create, Kind: KindPermissionSet, Name: "ReadOnly", WantPermissionSet: &PermissionSet{Name: "ReadOnly", ManagedPolicies: []string{readOnlyARN}}},
		assign("Admin", "GROUP", "Operators", acct),
		assign("ReadOnly", "USER", "dave", acct),
	}
	a := &Applier{C: c, PollInterval: time.Millisecond, Log: log}
	if _, err := a.Apply(ctx, st, chs); err != nil {
		t.Fatal(err)
	}
	// moto differs from AWS: creating an assignment does not provision the
	// permission set, so the sets are provisioned nowhere; Read still finds
	// the assignments, the user's too.
	st, err = Read(ctx, c, ReadOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	want := &State{
		Users: []User{
			{UserName: "carol", DisplayName: "Carol Poe", GivenName: "Carol", FamilyName: "Poe", Email: "carol@example.com", UserType: UserType},
			{UserName: "dave", DisplayName: "Dave Low", GivenName: "Dave", FamilyName: "Low", Email: "dave@example.com", UserType: UserType},
		},
		Groups: []Group{{Name: "Operators", Description: "On call [keyless]", Members: map[string]string{"carol": "", "dave": ""}}},
		PermissionSets: []PermissionSet{
			{Name: "Admin", Description: "Full access [keyless]", SessionDuration: "PT4H", ManagedPolicies: []string{powerARN},
				InlinePolicy: `{"Version":"2012-10-17","Statement":[]}`, CustomerManaged: []PolicyRef{{Name: "extra", Path: "/"}},
				TagsUnknown: true},
			{Name: "ReadOnly", Description: "[keyless]", SessionDuration: "PT1H", ManagedPolicies: []string{readOnlyARN}, TagsUnknown: true},
		},
		Assignments: []Assignment{
			{AccountID: acct, PermissionSetARN: "Admin", PrincipalType: "GROUP", PrincipalID: "Operators"},
			{AccountID: acct, PermissionSetARN: "ReadOnly", PrincipalType: "USER", PrincipalID: "dave"},
		},
	}
	if diff := cmp.Diff(want, identity(byName(st))); diff != "" {
		t.Errorf("moto after apply (-want +got):\n%s", diff)
	}
	if n := strings.Count(logs.String(), "tags cannot be read"); n != 1 {
		t.Errorf("logged missing tags %d times, want once per read... got logs:\n%s", n, logs.String())
	}

	// An update keeps the permission set (and so its roles), and provisions
	// it where it is provisioned: here where the test provisions it, as AWS
	// would have on assignment.
	admin := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" })
	if _, err := c.SSOAdmin.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: aws.String(st.InstanceARN),
		PermissionSetArn: aws.String(admin.ARN), TargetType: ssotypes.ProvisionTargetTypeAwsAccount, TargetId: aws.String(acct)}); err != nil {
		t.Fatal(err)
	}
	admin.ProvisionedTo = []string{acct}
	// moto ignores the provisioning status filter: the set is listed as
	// outdated and as current. That is not taken for outdated.
	rd := &reader{c: c, st: st, log: log}
	if got, err := rd.outdated(ctx, admin); err != nil || got != nil {
		t.Errorf("outdated accounts on moto = %v, %v; want none (the filter is ignored there)", got, err)
	}
	dave := find(t, st.Users, func(u User) bool { return u.UserName == "dave" })
	ops := find(t, st.Groups, func(g Group) bool { return g.Name == "Operators" })
	if _, err := a.Apply(ctx, st, []Change{{Op: Update, Kind: KindPermissionSet, Name: "Admin", HavePermissionSet: admin,
		WantPermissionSet: &PermissionSet{Name: "Admin", Description: "Admins", SessionDuration: "PT8H", ManagedPolicies: []string{readOnlyARN}}}}); err != nil {
		t.Fatal(err)
	}
	if n := rec.callCount("SWBExternalService.ProvisionPermissionSet"); n != 2 {
		t.Errorf("ProvisionPermissionSet called %d times, want 2 (1 by the test, 1 after the update)", n)
	}
	st, err = Read(ctx, c, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantAdmin := PermissionSet{ARN: admin.ARN, Name: "Admin", Description: "Admins [keyless]", SessionDuration: "PT8H", ManagedPolicies: []string{readOnlyARN},
		TagsUnknown: true, ProvisionedTo: []string{acct}}
	if diff := cmp.Diff(wantAdmin, *find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" })); diff != "" {
		t.Errorf("moto Admin after update (-want +got):\n%s", diff)
	}

	// Deletions, in reverse.
	var del []Change
	for _, as := range st.Assignments {
		del = append(del, Change{Op: Delete, Kind: KindAssignment, Name: "a", HaveAssignment: &as})
	}
	del = append(del,
		Change{Op: Delete, Kind: KindPermissionSet, Name: "Admin", HavePermissionSet: admin},
		Change{Op: Delete, Kind: KindMembership, Name: "Operators/dave", Membership: &MembershipRef{Group: "Operators", User: "dave", MembershipID: ops.Members[dave.ID]}},
		Change{Op: Delete, Kind: KindUser, Name: "dave", HaveUser: dave},
	)
	if _, err := a.Apply(ctx, st, del); err != nil {
		t.Fatal(err)
	}
	st, err = Read(ctx, c, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = &State{
		Users:  want.Users[:1],
		Groups: []Group{{Name: "Operators", Description: "On call [keyless]", Members: map[string]string{"carol": ""}}},
		PermissionSets: []PermissionSet{{Name: "ReadOnly", Description: "[keyless]", SessionDuration: "PT1H", ManagedPolicies: []string{readOnlyARN},
			TagsUnknown: true}},
	}
	if diff := cmp.Diff(want, identity(byName(st))); diff != "" {
		t.Errorf("moto after deletions (-want +got):\n%s", diff)
	}
}

// motoProvision provisions permission sets to an account, as creating an
// assignment does in AWS and not in moto.
func motoProvision(t *testing.T, c *Clients, acct string, names ...string) {
	t.Helper()
	for _, name := range names {
		st := mustRead(t, c)
		ps := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == name })
		if _, err := c.SSOAdmin.ProvisionPermissionSet(context.Background(), &ssoadmin.ProvisionPermissionSetInput{InstanceArn: aws.String(st.InstanceARN),
			PermissionSetArn: aws.String(ps.ARN), TargetType: ssotypes.ProvisionTargetTypeAwsAccount, TargetId: aws.String(acct)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMotoLockoutRecheck: moto, too, holds the apply-time re-check (from
// its own reading of assignments and memberships): two applies planned from
// one read, each removing one of the two administrators, leave one.
func TestMotoLockoutRecheck(t *testing.T) {
	url := motoURL(t)
	rec := newRecorder()
	c := NewClients(sdkConfig(t, url, rec, false), fastLimits())
	ctx := context.Background()
	st := mustRead(t, c)
	acct := st.ManagementAccountID
	user := func(name string) Change {
		return Change{Op: Create, Kind: KindUser, Name: name, WantUser: &User{UserName: name, DisplayName: name, GivenName: "A", FamilyName: "B"}}
	}
	if _, err := applier(c).Apply(ctx, st, []Change{user("alice"), user("bob"),
		{Op: Create, Kind: KindGroup, Name: "Ops", WantGroup: &DesiredGroup{Name: "Ops"}}, member("Ops", "alice"), member("Ops", "bob"),
		{Op: Create, Kind: KindPermissionSet, Name: "Admin", WantPermissionSet: &PermissionSet{Name: "Admin", ManagedPolicies: []string{adminARN}}},
		assign("Admin", "GROUP", "Ops", acct)}); err != nil {
		t.Fatal(err)
	}
	motoProvision(t, c, acct, "Admin")
	st = mustRead(t, c)
	if got := admins(t, c); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Fatalf("administrators on moto: %v, want alice and bob", got)
	}
	if _, err := applier(c).Apply(ctx, st, []Change{removeMember(t, st, "Ops", "alice")}); err != nil {
		t.Fatal(err)
	}
	_, err := applier(c).Apply(ctx, st, []Change{removeMember(t, st, "Ops", "bob")})
	var le *LockoutError
	if !errors.As(err, &le) {
		t.Errorf("second apply, planned before the first ran: %v; want it refused", err)
	}
	if got := admins(t, c); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("administrators on moto after both: %v, want bob", got)
	}
	_, errs := rec.snapshot()
	t.Logf("error answers: %v", errs)
}
