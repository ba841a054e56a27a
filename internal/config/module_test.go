package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// TestModuleFieldNames: the Terraform module's variable names and duration
// format are accepted, each with a note naming keyless's field; giving
// both names of one setting is an error at the second.
func TestModuleFieldNames(t *testing.T) {
	const users = "users: [{email: a@example.com, given_name: A, family_name: B}]\nsuper_admins: [a@example.com]\n"
	for _, tc := range []struct {
		name, doc        string
		region, duration string
		notes, problems  []string
	}{
		{name: "module names", doc: "default_aws_region: eu-west-1\ndefault_session_duration: 1H\n" + users,
			region: "eu-west-1", duration: "PT1H",
			notes: []string{
				"1:1: default_aws_region: the Terraform module's name, accepted as region (keyless's name for it)",
				"2:1: default_session_duration: the Terraform module's name, accepted as session_duration (keyless's name for it)",
			}},
		{name: "module hours and minutes", doc: "default_session_duration: 12H\n" + users, duration: "PT12H",
			notes: []string{"1:1: default_session_duration: the Terraform module's name, accepted as session_duration (keyless's name for it)"}},
		{name: "module format in keyless's field", doc: "session_duration: 1H30M\n" + users, duration: "PT1H30M"},
		{name: "ISO in the module's field", doc: "default_session_duration: PT8H\n" + users, duration: "PT8H",
			notes: []string{"1:1: default_session_duration: the Terraform module's name, accepted as session_duration (keyless's name for it)"}},
		{name: "keyless names, no note", doc: "region: eu-west-1\nsession_duration: PT2H\n" + users, region: "eu-west-1", duration: "PT2H"},
		{name: "too short in the module's format", doc: "default_session_duration: 30M\n" + users,
			problems: []string{"1:1: session_duration: PT30M is outside AWS's range of 1 to 12 hours (PT1H to PT12H) (use ISO 8601, e.g. PT1H or PT8H)"}},
		{name: "not a duration", doc: "default_session_duration: 1 hour\n" + users,
			problems: []string{"1:1: session_duration: \"1 hour\" is not an ISO 8601 duration (use ISO 8601, e.g. PT1H or PT8H)"}},
		{name: "both region names", doc: "region: eu-west-1\n" + users + "default_aws_region: eu-west-2\n",
			problems: []string{"4:1: default_aws_region: default_aws_region and region are one setting, given twice (region is at line 1) (keep region (keyless's name) and remove default_aws_region)"}},
		{name: "both duration names", doc: "default_session_duration: 1H\nsession_duration: PT1H\n" + users,
			problems: []string{"1:1: default_session_duration: default_session_duration and session_duration are one setting, given twice (session_duration is at line 2) (keep session_duration (keyless's name) and remove default_session_duration)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.doc)
			if tc.problems != nil {
				if diff := cmp.Diff(tc.problems, problems(t, err)); diff != "" {
					t.Fatalf("problems (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Region != tc.region || c.SessionDuration != tc.duration {
				t.Errorf("region, duration = %q, %q; want %q, %q", c.Region, c.SessionDuration, tc.region, tc.duration)
			}
			var notes []string
			for _, n := range c.Notes {
				s := n.String()
				notes = append(notes, s[len(c.File)+1:])
			}
			if diff := cmp.Diff(tc.notes, notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBuiltinsAsTheModuleMadeThem: where Identity Center holds what the
// Terraform module made, the built-in sets and groups are those objects
// (its group names, descriptions and relay state), so adopting them leaves
// one group per set and nothing to change.
func TestBuiltinsAsTheModuleMadeThem(t *testing.T) {
	const doc = `default_aws_region: ap-southeast-1
users: [{email: john@example.com, given_name: John, family_name: Doe}]
super_admins: [john@example.com]
power_users: [john@example.com]
assignments:
  - {permission_set: SuperAdmin, groups: [SuperAdmins], accounts: ["222222222222"]}
`
	moduleRelay := "https://console.aws.amazon.com/console/home?region=ap-southeast-1"
	keylessRelay := "https://ap-southeast-1.console.aws.amazon.com/console/home?region=ap-southeast-1"
	type built struct{ Group, GroupDesc, SetDesc, Relay string }
	for _, tc := range []struct {
		name   string
		state  func(*ic.State)
		groups []string
		want   map[string]built // by set
	}{
		{name: "no module", state: func(*ic.State) {},
			want: map[string]built{
				"SuperAdmin": {"SuperAdmins", "Full access to every service", "Full access to every service", keylessRelay},
				"PowerUser":  {"PowerUsers", "Everything except IAM and Organizations", "Everything except IAM and Organizations", keylessRelay},
			}},
		{name: "the module's world", state: func(st *ic.State) {
			st.Groups = []ic.Group{{ID: "g1", Name: "SuperAdmin@111111111111", Description: "SuperAdmin"}, {ID: "g2", Name: "PowerUser@111111111111", Description: "PowerUser [keyless]"}}
			st.PermissionSets = []ic.PermissionSet{{Name: "SuperAdmin", Description: "AdministratorAccess", RelayState: moduleRelay},
				{Name: "PowerUser", Description: "PowerUserAccess [keyless]", RelayState: moduleRelay}}
		}, want: map[string]built{
			"SuperAdmin": {"SuperAdmin@111111111111", "SuperAdmin", "AdministratorAccess", moduleRelay},
			"PowerUser":  {"PowerUser@111111111111", "PowerUser", "PowerUserAccess", moduleRelay},
		}},
		{name: "keyless's group exists beside the module's", state: func(st *ic.State) {
			st.Groups = []ic.Group{{ID: "g1", Name: "SuperAdmin@111111111111", Description: "SuperAdmin"}, {ID: "g2", Name: "SuperAdmins", Description: "x [keyless]"}}
		}, want: map[string]built{
			"SuperAdmin": {"SuperAdmins", "Full access to every service", "Full access to every service", keylessRelay},
			"PowerUser":  {"PowerUsers", "Everything except IAM and Organizations", "Everything except IAM and Organizations", keylessRelay},
		}},
		{name: "another account's module group", state: func(st *ic.State) {
			st.Groups = []ic.Group{{ID: "g1", Name: "SuperAdmin@999999999999", Description: "SuperAdmin"}}
		}, want: map[string]built{
			"SuperAdmin": {"SuperAdmins", "Full access to every service", "Full access to every service", keylessRelay},
			"PowerUser":  {"PowerUsers", "Everything except IAM and Organizations", "Everything except IAM and Organizations", keylessRelay},
		}},
		{name: "descriptions changed by hand are keyless's to set", state: func(st *ic.State) {
			st.Groups = []ic.Group{{ID: "g1", Name: "SuperAdmin@111111111111", Description: "admins [keyless]"}}
			st.PermissionSets = []ic.PermissionSet{{Name: "SuperAdmin", Description: "admins [keyless]", RelayState: "https://example.com"}}
		}, want: map[string]built{
			"SuperAdmin": {"SuperAdmin@111111111111", "Full access to every service", "Full access to every service", keylessRelay},
			"PowerUser":  {"PowerUsers", "Everything except IAM and Organizations", "Everything except IAM and Organizations", keylessRelay},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, doc)
			if err != nil {
				t.Fatal(err)
			}
			st := moduleState()
			tc.state(st)
			d, err := c.Desired(st)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]built{}
			group := map[string]ic.DesiredGroup{}
			for _, g := range d.Groups {
				group[g.Name] = g
			}
			var assigned []string
			for _, a := range d.Assignments {
				assigned = append(assigned, a.PermissionSet+" "+a.Principal+" "+a.AccountID)
			}
			for _, ps := range d.PermissionSets {
				for _, a := range d.Assignments {
					if a.PermissionSet == ps.Name && a.AccountID == "111111111111" {
						got[ps.Name] = built{a.Principal, group[a.Principal].Description, ps.Description, ps.RelayState}
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("built-ins (-want +got):\n%s", diff)
			}
			if len(d.Groups) != 2 {
				t.Errorf("%d groups, want one per set: %v", len(d.Groups), d.Groups)
			}
			// The file's assignment naming the built-in group gives the same group.
			wantExtra := "SuperAdmin " + tc.want["SuperAdmin"].Group + " 222222222222"
			if !slices.Contains(assigned, wantExtra) {
				t.Errorf("assignments %v lack %q", assigned, wantExtra)
			}
		})
	}
}

// TestSchemaTakesTheModuleNames: editors accept the module's names and
// durations, and flag both names of one setting.
func TestSchemaTakesTheModuleNames(t *testing.T) {
	s := compileSchema(t)
	for _, tc := range []struct {
		doc string
		ok  bool
	}{
		{"default_aws_region: eu-west-1\ndefault_session_duration: 1H\n", true},
		{"default_session_duration: PT12H\n", true},
		{"session_duration: 12H\n", true},
		{"region: eu-west-1\ndefault_aws_region: eu-west-1\n", false},
		{"session_duration: PT1H\ndefault_session_duration: 1H\n", false},
		{"default_session_duration: 1h\n", false},
	} {
		if err := s.Validate(asJSON(t, []byte(tc.doc))); (err == nil) != tc.ok {
			t.Errorf("%q: valid = %v, want %v (%v)", tc.doc, err == nil, tc.ok, err)
		}
	}
}

// TestImportWritesTheModuleShape: import writes the built-in sets the
// Terraform module (or keyless) made as the lists, and the file plans as
// what Identity Center holds; anything that differs from the shape is
// written as it is.
func TestImportWritesTheModuleShape(t *testing.T) {
	moduleRelay := "https://console.aws.amazon.com/console/home?region=eu-west-1"
	world := func() *ic.State {
		st := moduleState()
		st.Users = []ic.User{
			{ID: "u1", UserName: "john@example.com", DisplayName: "John Doe", GivenName: "John", FamilyName: "Doe", Email: "john@example.com"},
			{ID: "u2", UserName: "jane@example.com", DisplayName: "Jane Roe", GivenName: "Jane", FamilyName: "Roe", Email: "jane@example.com"},
		}
		st.Groups = []ic.Group{
			{ID: "g1", Name: "SuperAdmin@111111111111", Description: "SuperAdmin", Members: map[string]string{"u1": "m1"}},
			{ID: "g2", Name: "PowerUser@111111111111", Description: "PowerUser", Members: map[string]string{"u1": "m2", "u2": "m3"}},
			{ID: "g3", Name: "ReadOnly@111111111111", Description: "ReadOnly", Members: map[string]string{}},
		}
		for i, s := range []struct{ name, policy string }{{"SuperAdmin", "AdministratorAccess"}, {"PowerUser", "PowerUserAccess"}, {"ReadOnly", "ReadOnlyAccess"}} {
			arn := fmt.Sprintf("arn:ps/%d", i+1)
			st.PermissionSets = append(st.PermissionSets, ic.PermissionSet{ARN: arn, Name: s.name, Description: s.policy, SessionDuration: "PT2H",
				RelayState: moduleRelay, ManagedPolicies: []string{"arn:aws:iam::aws:policy/" + s.policy}})
			st.Assignments = append(st.Assignments, ic.Assignment{AccountID: "111111111111", PermissionSetARN: arn, PrincipalType: "GROUP", PrincipalID: fmt.Sprintf("g%d", i+1)})
		}
		return st
	}
	for _, tc := range []struct {
		name  string
		edit  func(*ic.State)
		lists string // the lines the file holds for the built-ins
		more  []string
	}{
		{name: "the module's world", edit: func(*ic.State) {},
			// ReadOnly's group is empty: keyless makes no empty built-in, so it is written as it is.
			lists: "session_duration: PT2H\nsuper_admins: [john@example.com]\npower_users: [jane@example.com, john@example.com]\n",
			more:  []string{"  - name: ReadOnly@111111111111\n", "  - permission_set: ReadOnly\n"}},
		{name: "assigned in another account too", edit: func(st *ic.State) {
			st.Assignments = append(st.Assignments, ic.Assignment{AccountID: "222222222222", PermissionSetARN: "arn:ps/1", PrincipalType: "GROUP", PrincipalID: "g1"})
		}, lists: "session_duration: PT2H\npower_users: [jane@example.com, john@example.com]\n",
			more: []string{"  - name: SuperAdmin@111111111111\n", "  - name: SuperAdmin\n"}},
		{name: "another policy attached", edit: func(st *ic.State) {
			st.PermissionSets[1].ManagedPolicies = append(st.PermissionSets[1].ManagedPolicies, "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
		}, lists: "session_duration: PT2H\nsuper_admins: [john@example.com]\n",
			more: []string{"  - name: PowerUser@111111111111\n", "  - name: PowerUser\n"}},
		{name: "different durations", edit: func(st *ic.State) { st.PermissionSets[1].SessionDuration = "PT4H" },
			more: []string{"  - name: SuperAdmin\n", "  - name: PowerUser\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := world()
			tc.edit(st)
			imp, err := Import(st, ImportOptions{Region: "eu-west-1"})
			if err != nil {
				t.Fatal(err)
			}
			text := string(imp.YAML)
			var lists []string
			for _, line := range strings.SplitAfter(text, "\n") {
				for _, f := range []string{"session_duration: ", "super_admins: ", "power_users: ", "readonly_users: "} {
					if strings.HasPrefix(line, f) {
						lists = append(lists, line)
					}
				}
			}
			if diff := cmp.Diff(tc.lists, strings.Join(lists, "")); diff != "" {
				t.Errorf("lists (-want +got):\n%s\n%s", diff, text)
			}
			for _, m := range tc.more {
				if !strings.Contains(text, m) {
					t.Errorf("the file lacks %q:\n%s", m, text)
				}
			}
			// Planned against what it came from, the file changes nothing:
			// the same groups, sets and assignments, nothing more.
			c, err := Parse("imported.yaml", imp.YAML)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			d, err := c.Desired(st)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			var groups, sets, assigned []string
			for _, g := range d.Groups {
				groups = append(groups, g.Name)
			}
			for _, ps := range d.PermissionSets {
				sets = append(sets, fmt.Sprintf("%s %q %s %s", ps.Name, ps.Description, ps.SessionDuration, ps.RelayState))
			}
			for _, a := range d.Assignments {
				assigned = append(assigned, a.PermissionSet+" "+a.Principal+" "+a.AccountID)
			}
			var wantGroups, wantSets, wantAssigned []string
			for _, g := range st.Groups {
				wantGroups = append(wantGroups, g.Name)
			}
			name := map[string]string{}
			for _, ps := range st.PermissionSets {
				name[ps.ARN] = ps.Name
				wantSets = append(wantSets, fmt.Sprintf("%s %q %s %s", ps.Name, ps.Description, ps.SessionDuration, ps.RelayState))
			}
			for _, a := range st.Assignments {
				wantAssigned = append(wantAssigned, name[a.PermissionSetARN]+" "+st.Groups[a.PrincipalID[1]-'1'].Name+" "+a.AccountID)
			}
			for _, x := range [][]string{groups, sets, assigned, wantGroups, wantSets, wantAssigned} {
				slices.Sort(x)
			}
			if diff := cmp.Diff(wantGroups, groups); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantSets, sets); diff != "" {
				t.Errorf("sets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantAssigned, assigned); diff != "" {
				t.Errorf("assignments (-want +got):\n%s", diff)
			}
		})
	}
}
