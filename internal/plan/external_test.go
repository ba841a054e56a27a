package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// idpState is an identity store an identity provider filled (SCIM): two
// users and two groups with ExternalIds, and one group keyless made
// before the file said identity_source: external.
func idpState() *ic.State {
	st := emptyState()
	st.Users = []ic.User{
		{ID: "u-alice", UserName: "alice@example.com", External: true},
		{ID: "u-bob", UserName: "bob@example.com", External: true},
	}
	st.Groups = []ic.Group{
		{ID: "g-admins", Name: "AWS Admins", External: true, Members: map[string]string{"u-alice": "m1"}},
		{ID: "g-devs", Name: "Developers", External: true, Members: map[string]string{"u-bob": "m2"}},
		{ID: "g-old", Name: "Old", Description: ic.MarkDescription(""), Members: map[string]string{}},
	}
	return st
}

func externalDesired() *ic.Desired {
	return &ic.Desired{
		External: true,
		PermissionSets: []ic.PermissionSet{
			{Name: "SuperAdmin", SessionDuration: "PT1H", ManagedPolicies: []string{AdministratorAccess}},
			{Name: "Dev", SessionDuration: "PT1H"},
		},
		Assignments: []ic.DesiredAssignment{
			{PermissionSet: "Dev", PrincipalType: "GROUP", Principal: "Data Team", AccountID: dev},
			{PermissionSet: "Dev", PrincipalType: "GROUP", Principal: "Developers", AccountID: dev},
			{PermissionSet: "Dev", PrincipalType: "USER", Principal: "carol@example.com", AccountID: dev},
			{PermissionSet: "SuperAdmin", PrincipalType: "GROUP", Principal: "AWS Admins", AccountID: mgmt},
			{PermissionSet: "SuperAdmin", PrincipalType: "GROUP", Principal: "Data Team", AccountID: mgmt},
		},
		Prune: true,
	}
}

func TestExternalIdentitySource(t *testing.T) {
	st := idpState()
	p, err := Compute(externalDesired(), st)
	if err != nil {
		t.Fatal(err)
	}
	// The provider's principals are assigned, never made or changed; the
	// missing ones are skipped with a warning each; the group keyless made
	// before is left, with prune.
	want := []line{
		{ic.Create, ic.KindPermissionSet, "Dev"},
		{ic.Create, ic.KindPermissionSet, "SuperAdmin"},
		{ic.Create, ic.KindAssignment, "Dev → group Developers @ 222222222222 (dev)"},
		{ic.Create, ic.KindAssignment, "SuperAdmin → group AWS Admins @ 111111111111 (management)"},
	}
	if diff := cmp.Diff(want, lines(p.Changes)); diff != "" {
		t.Fatalf("changes (-want +got):\n%s", diff)
	}
	wantWarnings := []string{
		"group Data Team does not exist in Identity Center yet (has your identity provider synced it?): its 2 assignments (Dev @ 222222222222 (dev), SuperAdmin @ 111111111111 (management)) are skipped until it does",
		"user carol@example.com does not exist in Identity Center yet (has your identity provider synced it?): its assignment (Dev @ 222222222222 (dev)) is skipped until it does",
		"keyless made 1 group before identity_source: external; it no longer changes or deletes them (remove them in the console once your identity provider has taken over)",
	}
	if diff := cmp.Diff(wantWarnings, p.Warnings); diff != "" {
		t.Fatalf("warnings (-want +got):\n%s", diff)
	}

	// Applied, and an assignment left the file: keyless deletes it, as the
	// assignments of its sets to the provider's principals are its own.
	st.PermissionSets = []ic.PermissionSet{
		{ARN: "arn:ps/SuperAdmin", Name: "SuperAdmin", Description: ic.Marker, SessionDuration: "PT1H", ManagedPolicies: []string{AdministratorAccess}},
		{ARN: "arn:ps/Dev", Name: "Dev", Description: ic.Marker, SessionDuration: "PT1H"},
	}
	st.Assignments = []ic.Assignment{
		{AccountID: dev, PermissionSetARN: "arn:ps/Dev", PrincipalType: "GROUP", PrincipalID: "g-devs"},
		{AccountID: mgmt, PermissionSetARN: "arn:ps/SuperAdmin", PrincipalType: "GROUP", PrincipalID: "g-admins"},
	}
	d := externalDesired()
	d.Assignments = d.Assignments[3:4]
	p, err = Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]line{{ic.Delete, ic.KindAssignment, "Dev → group Developers @ 222222222222 (dev)"}}, lines(p.Changes)); diff != "" {
		t.Fatalf("changes (-want +got):\n%s", diff)
	}
	// Without identity_source: external the same assignment is drift,
	// never deleted: the group is not keyless's.
	d.External = false
	st.Groups = st.Groups[:2] // without the group keyless made, which prune would delete
	p, err = Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || len(p.Drift) != 1 {
		t.Fatalf("changes %v drift %v", lines(p.Changes), p.Drift)
	}
}

func TestDetectsIdentityProvider(t *testing.T) {
	st := idpState()
	d := desired()
	p, err := Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "holds 2 users and 2 groups made by an identity provider (SCIM): if it is your identity source, write identity_source: external") {
		t.Fatalf("warnings %q", p.Warnings)
	}
	// A file group of a provider's group's name is refused, with the way out.
	d.Groups = append(d.Groups, ic.DesiredGroup{Name: "developers"})
	_, err = Compute(d, st)
	ce, ok := err.(*ConflictError)
	if !ok || !strings.Contains(ce.Hint(), "write identity_source: external") {
		t.Fatalf("err = %v", err)
	}
}

func TestAdoptLeavesTheProvidersPrincipals(t *testing.T) {
	for _, c := range Adopt(idpState()) {
		if c.Kind == ic.KindUser || c.Name != "Old" && c.Kind == ic.KindGroup {
			t.Errorf("adopts %s %s", c.Kind, c.Name)
		}
	}
}
