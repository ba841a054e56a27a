package offboard

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/config"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

const mgmt = "111111111111"

// world: john and jane both hold SuperAdmin (jane through the group
// Admins), jane also PowerUser directly in dev; ReadOnly is not keyless's.
func world() *ic.State {
	owned := map[string]string{ic.OwnerTagKey: ic.OwnerTagValue}
	return &ic.State{
		ManagementAccountID: mgmt,
		Users: []ic.User{{ID: "u-john", UserName: "john@example.com", Email: "john@example.com", UserType: ic.UserType},
			{ID: "u-jane", UserName: "jane", Email: "jane@example.com", UserType: ic.UserType}},
		Groups: []ic.Group{{ID: "g-admins", Name: "Admins", Members: map[string]string{"u-jane": "m1"}}},
		PermissionSets: []ic.PermissionSet{
			{ARN: "ps-admin", Name: "SuperAdmin", ManagedPolicies: []string{ic.AdministratorAccess}, Description: ic.MarkDescription(""), Tags: owned},
			{ARN: "ps-power", Name: "PowerUser", Description: ic.MarkDescription(""), Tags: owned},
			{ARN: "ps-ro", Name: "ReadOnly"},
		},
		Assignments: []ic.Assignment{
			{PermissionSetARN: "ps-admin", AccountID: mgmt, PrincipalType: "USER", PrincipalID: "u-john"},
			{PermissionSetARN: "ps-admin", AccountID: mgmt, PrincipalType: "GROUP", PrincipalID: "g-admins"},
			{PermissionSetARN: "ps-power", AccountID: "222222222222", PrincipalType: "USER", PrincipalID: "u-jane"},
			{PermissionSetARN: "ps-ro", AccountID: "222222222222", PrincipalType: "USER", PrincipalID: "u-jane"},
		},
	}
}

func TestFindAndHeld(t *testing.T) {
	st := world()
	cfg, err := config.Parse("keyless.yaml", []byte("users:\n  - {email: jane@example.com, user_name: jane, given_name: Jane, family_name: Roe}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Find(cfg, st, "JANE@example.com")
	if err != nil || p.UserID != "u-jane" || !p.InFile || !p.Owned {
		t.Fatalf("Find = %+v, %v", p, err)
	}
	if diff := cmp.Diff([]string{"jane", "jane@example.com"}, p.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if _, err := Find(cfg, st, "nobody@example.com"); !errors.As(err, new(*UnknownError)) {
		t.Errorf("unknown person: err = %v", err)
	}
	want := []Held{
		{Name: "PowerUser", ARN: "ps-power", Accounts: []string{"222222222222"}, Via: []string{"direct"}, Owned: true},
		{Name: "ReadOnly", ARN: "ps-ro", Accounts: []string{"222222222222"}, Via: []string{"direct"}},
		{Name: "SuperAdmin", ARN: "ps-admin", Accounts: []string{mgmt}, Via: []string{"group Admins"}, Owned: true},
	}
	if diff := cmp.Diff(want, HeldSets(st, "u-jane")); diff != "" {
		t.Errorf("HeldSets (-want +got):\n%s", diff)
	}
	if !p.Concerns(ic.Change{Op: ic.Delete, Kind: ic.KindMembership, Membership: &ic.MembershipRef{UserID: "u-jane"}}) ||
		p.Concerns(ic.Change{Op: ic.Delete, Kind: ic.KindMembership, Membership: &ic.MembershipRef{UserID: "u-john"}}) ||
		p.Concerns(ic.Change{Op: ic.Delete, Kind: ic.KindGroup, HaveGroup: &ic.Group{ID: "g-admins"}}) {
		t.Error("Concerns: wrong about memberships or groups")
	}
}

// TestRefuse: never the caller, never the last administrator of the
// management account; anyone else is fine.
func TestRefuse(t *testing.T) {
	st := world()
	jane := Person{UserID: "u-jane", UserName: "jane"}
	john := Person{UserID: "u-john", UserName: "john@example.com"}
	if err := Refuse(st, jane); err != nil {
		t.Errorf("jane, with john still an administrator: %v", err)
	}
	st.Caller = ic.Caller{AccountID: mgmt, SSOUserName: "Jane", SSOPermissionSet: "SuperAdmin"}
	if err := Refuse(st, jane); err == nil || !strings.Contains(err.Error(), "refusing to offboard: jane is you (signed in as SuperAdmin in 111111111111); nothing was changed") {
		t.Errorf("the caller: err = %v", err)
	}
	st.Caller = ic.Caller{}
	st.Groups[0].Members = nil // jane leaves Admins: john is the last
	err := Refuse(st, john)
	var r *RefusedError
	if !errors.As(err, &r) || !strings.Contains(err.Error(), "john@example.com is the last one with AdministratorAccess in the management account 111111111111") {
		t.Errorf("the last administrator: err = %v", err)
	}
}
