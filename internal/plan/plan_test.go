package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

const (
	mgmt = "111111111111"
	dev  = "222222222222"
)

func desired() *ic.Desired {
	return &ic.Desired{
		Users: []ic.User{
			{UserName: "john@example.com", DisplayName: "John Doe", GivenName: "John", FamilyName: "Doe", Email: "john@example.com"},
			{UserName: "jane@example.com", DisplayName: "Jane Roe", GivenName: "Jane", FamilyName: "Roe", Email: "jane@example.com"},
		},
		Groups: []ic.DesiredGroup{
			{Name: "SuperAdmins", Members: []string{"john@example.com"}},
			{Name: "PowerUsers", Members: []string{"jane@example.com"}},
		},
		PermissionSets: []ic.PermissionSet{
			{Name: "SuperAdmin", SessionDuration: "PT1H", ManagedPolicies: []string{AdministratorAccess}, Tags: map[string]string{ic.OwnerTagKey: ic.OwnerTagValue}},
			{Name: "PowerUser", SessionDuration: "PT1H", ManagedPolicies: []string{"arn:aws:iam::aws:policy/PowerUserAccess"}, Tags: map[string]string{ic.OwnerTagKey: ic.OwnerTagValue}},
		},
		Assignments: []ic.DesiredAssignment{
			{PermissionSet: "SuperAdmin", PrincipalType: "GROUP", Principal: "SuperAdmins", AccountID: mgmt},
			{PermissionSet: "PowerUser", PrincipalType: "GROUP", Principal: "PowerUsers", AccountID: dev},
		},
	}
}

func emptyState() *ic.State {
	return &ic.State{IdentityStoreID: "d-1111111111", ManagementAccountID: mgmt, Caller: ic.Caller{AccountID: mgmt},
		Accounts: []ic.Account{{ID: mgmt, Name: "management"}, {ID: dev, Name: "dev"}}}
}

// applied is the state that results from applying d to an empty state: what
// a correct apply leaves behind.
func applied(d *ic.Desired) *ic.State {
	st := emptyState()
	ids := map[string]string{}
	for _, u := range d.Users {
		u.ID = "u-" + u.UserName
		u.UserType = ic.UserType
		ids["USER/"+u.UserName] = u.ID
		st.Users = append(st.Users, u)
	}
	for _, g := range d.Groups {
		grp := ic.Group{ID: "g-" + g.Name, Name: g.Name, Description: ic.MarkDescription(g.Description), Members: map[string]string{}}
		for _, m := range g.Members {
			grp.Members[ids["USER/"+m]] = "m-" + g.Name + m
		}
		ids["GROUP/"+g.Name] = grp.ID
		st.Groups = append(st.Groups, grp)
	}
	for _, ps := range d.PermissionSets {
		ps.ARN = "arn:ps/" + ps.Name
		ps.Description = ic.MarkDescription(ps.Description)
		st.PermissionSets = append(st.PermissionSets, ps)
	}
	for _, a := range d.Assignments {
		st.Assignments = append(st.Assignments, ic.Assignment{AccountID: a.AccountID, PermissionSetARN: "arn:ps/" + a.PermissionSet,
			PrincipalType: a.PrincipalType, PrincipalID: ids[a.PrincipalType+"/"+a.Principal]})
	}
	return st
}

type line struct {
	Op   ic.Op
	Kind ic.Kind
	Name string
}

func lines(cs []ic.Change) []line {
	out := []line{}
	for _, c := range cs {
		out = append(out, line{c.Op, c.Kind, c.Name})
	}
	return out
}

func TestCreateEverythingInOrder(t *testing.T) {
	p, err := Compute(desired(), emptyState())
	if err != nil {
		t.Fatal(err)
	}
	want := []line{
		{ic.Create, ic.KindUser, "jane@example.com"},
		{ic.Create, ic.KindUser, "john@example.com"},
		{ic.Create, ic.KindGroup, "PowerUsers"},
		{ic.Create, ic.KindGroup, "SuperAdmins"},
		{ic.Create, ic.KindMembership, "PowerUsers/jane@example.com"},
		{ic.Create, ic.KindMembership, "SuperAdmins/john@example.com"},
		{ic.Create, ic.KindPermissionSet, "PowerUser"},
		{ic.Create, ic.KindPermissionSet, "SuperAdmin"},
		{ic.Create, ic.KindAssignment, "PowerUser → group PowerUsers @ 222222222222 (dev)"},
		{ic.Create, ic.KindAssignment, "SuperAdmin → group SuperAdmins @ 111111111111 (management)"},
	}
	if diff := cmp.Diff(want, lines(p.Changes)); diff != "" {
		t.Fatalf("changes (-want +got):\n%s", diff)
	}
	if got := p.Summary(); got != "Plan: 10 to create, 0 to update in place, 0 to delete." {
		t.Fatalf("summary %q", got)
	}
	if p.PortalURL != "https://d-1111111111.awsapps.com/start" {
		t.Fatalf("portal %q", p.PortalURL)
	}
}

func TestAppliedStateIsANoOp(t *testing.T) {
	d := desired()
	p, err := Compute(d, applied(d))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || len(p.Withheld) != 0 {
		t.Fatalf("plan on the applied state: %v withheld %v", lines(p.Changes), lines(p.Withheld))
	}
	var b strings.Builder
	p.Render(&b, false)
	if b.String() != "No changes: Identity Center matches keyless.yaml.\n" {
		t.Fatalf("no-op render = %q", b.String())
	}
}

func TestUpdatesInPlace(t *testing.T) {
	d := desired()
	st := applied(d)
	d.PermissionSets[1].SessionDuration = "PT4H"
	d.PermissionSets[1].ManagedPolicies = append(d.PermissionSets[1].ManagedPolicies, "arn:aws:iam::aws:policy/ReadOnlyAccess")
	d.PermissionSets[1].InlinePolicy = `{"Version":"2012-10-17","Statement":[]}`
	d.Users[0].DisplayName = "Johnny Doe"
	d.Groups[1].Description = "builders"
	p, err := Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	want := []line{
		{ic.Update, ic.KindUser, "john@example.com"},
		{ic.Update, ic.KindGroup, "PowerUsers"},
		{ic.Update, ic.KindPermissionSet, "PowerUser"},
	}
	if diff := cmp.Diff(want, lines(p.Changes)); diff != "" {
		t.Fatalf("changes (-want +got):\n%s", diff)
	}
	ps := p.Changes[2]
	if ps.HavePermissionSet == nil || ps.HavePermissionSet.ARN != "arn:ps/PowerUser" {
		t.Fatalf("update does not carry the existing permission set (replace instead of update?): %+v", ps)
	}
	fields := []string{}
	for _, f := range ps.Fields {
		fields = append(fields, f.Field)
	}
	if diff := cmp.Diff([]string{"session_duration", "managed_policies", "inline_policy"}, fields); diff != "" {
		t.Fatalf("fields (-want +got):\n%s", diff)
	}
	var b strings.Builder
	p.Render(&b, false)
	for _, s := range []string{"Permission sets\n  ~ PowerUser\n      session_duration: \"PT1H\" → \"PT4H\"", "Plan: 0 to create, 3 to update in place, 0 to delete."} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("render lacks %q:\n%s", s, b.String())
		}
	}
}

func TestDeletionsNeedPruneAndRunInReverse(t *testing.T) {
	d := desired()
	st := applied(d)
	// Jane and everything PowerUser left the file.
	d.Users = d.Users[:1]
	d.Groups = d.Groups[:1]
	d.PermissionSets = d.PermissionSets[:1]
	d.Assignments = d.Assignments[:1]

	p, err := Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || len(p.Withheld) != 4 {
		t.Fatalf("without prune: changes %v, withheld %v", lines(p.Changes), lines(p.Withheld))
	}
	d.Prune = true
	p, err = Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	want := []line{
		{ic.Delete, ic.KindAssignment, "PowerUser → group PowerUsers @ 222222222222 (dev)"},
		{ic.Delete, ic.KindPermissionSet, "PowerUser"},
		{ic.Delete, ic.KindGroup, "PowerUsers"}, // its memberships go with it
		{ic.Delete, ic.KindUser, "jane@example.com"},
	}
	if diff := cmp.Diff(want, lines(p.Changes)); diff != "" {
		t.Fatalf("changes (-want +got):\n%s", diff)
	}
}

func TestNeverTouchesWhatItDoesNotOwn(t *testing.T) {
	d := desired()
	st := applied(d)
	// Someone else's group, permission set, user and assignment.
	st.Users = append(st.Users, ic.User{ID: "u-other", UserName: "other@example.com"})
	st.Groups = append(st.Groups, ic.Group{ID: "g-other", Name: "Contractors", Members: map[string]string{"u-other": "m1"}})
	st.PermissionSets = append(st.PermissionSets, ic.PermissionSet{ARN: "arn:ps/Billing", Name: "Billing", Description: "finance"})
	st.Assignments = append(st.Assignments,
		ic.Assignment{AccountID: mgmt, PermissionSetARN: "arn:ps/Billing", PrincipalType: "GROUP", PrincipalID: "g-other"},
		// keyless's permission set assigned by hand to someone else's user.
		ic.Assignment{AccountID: dev, PermissionSetARN: "arn:ps/PowerUser", PrincipalType: "USER", PrincipalID: "u-other"})
	d.Prune = true
	p, err := Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() {
		t.Fatalf("plan touches objects keyless does not own: %v", lines(p.Changes))
	}

	// Declaring a group or permission set that exists unowned is a conflict.
	d.Groups = append(d.Groups, ic.DesiredGroup{Name: "contractors"})
	d.PermissionSets = append(d.PermissionSets, ic.PermissionSet{Name: "Billing", SessionDuration: "PT1H"})
	_, err = Compute(d, st)
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `group "contractors" exists`) || !strings.Contains(err.Error(), `permission set "Billing" exists`) {
		t.Fatalf("err = %v", err)
	}

	// An existing user keyless does not own is referenced as it is.
	d = desired()
	st = applied(d)
	st.Users[1].UserType = ""
	st.Users[1].DisplayName = "J. Roe"
	p, err = Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "user jane@example.com exists and is not managed by keyless; left as it is, though keyless.yaml differs in: display_name") {
		t.Fatalf("changes %v warnings %v", lines(p.Changes), p.Warnings)
	}
}

func TestLockoutGuards(t *testing.T) {
	t.Run("last admin assignment in the management account", func(t *testing.T) {
		d := desired()
		st := applied(d)
		d.Prune = true
		d.Assignments = d.Assignments[1:]
		_, err := Compute(d, st)
		var le *LockoutError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "no one with AdministratorAccess in the management account 111111111111") ||
			!strings.Contains(err.Error(), "- assignment SuperAdmin → group SuperAdmins @ 111111111111") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("last member of the admin group", func(t *testing.T) {
		d := desired()
		st := applied(d)
		d.Prune = true
		d.Groups[0].Members = nil
		_, err := Compute(d, st)
		var le *LockoutError
		if !errors.As(err, &le) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("admin policy removed", func(t *testing.T) {
		d := desired()
		st := applied(d)
		d.PermissionSets[0].ManagedPolicies = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}
		_, err := Compute(d, st)
		var le *LockoutError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "~ permission set SuperAdmin loses AdministratorAccess") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("another admin remains", func(t *testing.T) {
		d := desired()
		d.Users = append(d.Users, ic.User{UserName: "ann@example.com", DisplayName: "Ann", GivenName: "Ann", FamilyName: "Lee"})
		d.Assignments = append(d.Assignments, ic.DesiredAssignment{PermissionSet: "SuperAdmin", PrincipalType: "USER", Principal: "ann@example.com", AccountID: mgmt})
		st := applied(d)
		d.Prune = true
		d.Assignments = d.Assignments[1:]
		if _, err := Compute(d, st); err != nil {
			t.Fatalf("removing one of two admin paths: %v", err)
		}
	})
	t.Run("the caller's own access", func(t *testing.T) {
		d := desired()
		st := applied(d)
		st.Caller = ic.Caller{AccountID: dev, SSOUserName: "jane@example.com", SSOPermissionSet: "PowerUser"}
		d.Prune = true
		d.Groups[1].Members = nil
		_, err := Compute(d, st)
		var le *LockoutError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "would remove your own access (jane@example.com as PowerUser in 222222222222)") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a fresh account without admin access is not a lockout", func(t *testing.T) {
		d := desired()
		d.Assignments = d.Assignments[1:]
		if _, err := Compute(d, emptyState()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestJSON(t *testing.T) {
	var b strings.Builder
	p, _ := Compute(desired(), emptyState())
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"op": "create"`, `"kind": "permission_set"`, `"create": 10`, `"portal_url": "https://d-1111111111.awsapps.com/start"`} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("JSON lacks %s:\n%s", s, b.String())
		}
	}
}

func TestAdoptMarksOnlyWhatIsNotOwned(t *testing.T) {
	d := desired()
	st := applied(d)
	st.Users[1].UserType = ""
	st.Groups[0].Description = "break glass"
	st.PermissionSets[1].Description = "builders"
	st.PermissionSets[1].Tags = map[string]string{"team": "a"}
	got := Adopt(st)
	want := []line{
		{ic.Update, ic.KindUser, "jane@example.com"},
		{ic.Update, ic.KindGroup, "SuperAdmins"},
		{ic.Update, ic.KindPermissionSet, "PowerUser"},
	}
	if diff := cmp.Diff(want, lines(got)); diff != "" {
		t.Fatalf("adopt (-want +got):\n%s", diff)
	}
	if got[0].WantUser.UserType != ic.UserType || got[1].WantGroup.Description != "break glass" ||
		got[2].WantPermissionSet.Description != "builders" || got[2].WantPermissionSet.Tags[ic.OwnerTagKey] != ic.OwnerTagValue ||
		got[2].WantPermissionSet.Tags["team"] != "a" || st.PermissionSets[1].Tags[ic.OwnerTagKey] != "" {
		t.Fatalf("adopt changes: %+v %+v %+v", got[0].WantUser, got[1].WantGroup, got[2].WantPermissionSet)
	}
}

func TestDurationsCompareByValue(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"PT90M", "PT1H30M", true}, {"PT1H", "PT60M", true}, {"PT1H", "PT3600S", true},
		{"PT1H", "PT2H", false}, {"PT1H", "1 hour", false},
	} {
		if got := sameDuration(tc.a, tc.b); got != tc.same {
			t.Errorf("sameDuration(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
	d := desired()
	st := applied(d)
	d.PermissionSets[0].SessionDuration = "PT60M"
	p, err := Compute(d, st)
	if err != nil || !p.Empty() {
		t.Fatalf("PT60M against PT1H: %v %v", lines(p.Changes), err)
	}
}

// A name with a carriage return, a bidi override or spaces at its ends is
// printed quoted and escaped: it cannot rewrite its line or hide in it.
func TestRenderEscapesNames(t *testing.T) {
	d := desired()
	d.Groups = append(d.Groups, ic.DesiredGroup{Name: "Readers\r  + ReadOnlyUsers "})
	st := applied(desired())
	st.Groups = append(st.Groups, ic.Group{ID: "g-x", Name: "Ops\u202eniamda", Description: ic.MarkDescription("")})
	p, err := Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	p.Warnings = append(p.Warnings, "group \x1b[2Kfine")
	var b strings.Builder
	p.Render(&b, false)
	out := b.String()
	for _, want := range []string{`  + "Readers\r  + ReadOnlyUsers "` + "\n", `  - group "Ops\u202eniamda"` + "\n", `warning: "group \x1b[2Kfine"` + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\r\u202e\x1b") {
		t.Errorf("plan prints a raw control or bidi character:\n%q", out)
	}
}
