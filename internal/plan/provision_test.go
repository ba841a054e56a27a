package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

func TestOutdatedPermissionSetsAreProvisionedAgain(t *testing.T) {
	d := desired()
	st := applied(d)
	for i := range st.PermissionSets {
		st.PermissionSets[i].ProvisionedTo = []string{mgmt, dev}
	}
	// SuperAdmin was updated to what the file says but not provisioned;
	// PowerUser is outdated too, and its description changes now.
	st.PermissionSets[0].Outdated = []string{mgmt}
	st.PermissionSets[1].Outdated = []string{mgmt, dev}
	d.PermissionSets[1].Description = "power"

	p, err := Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	want := []line{
		{ic.Update, ic.KindPermissionSet, "PowerUser"},
		{ic.Provision, ic.KindPermissionSet, "SuperAdmin"},
	}
	if diff := cmp.Diff(want, lines(p.Changes)); diff != "" {
		t.Fatalf("changes (-want +got):\n%s", diff)
	}
	up, prov := p.Changes[0], p.Changes[1]
	if !cmp.Equal(up.Outdated, []string{mgmt, dev}) || !strings.Contains(up.Reason, "2 accounts (111111111111 (management), 222222222222 (dev))") || len(up.Fields) != 1 {
		t.Errorf("update of an outdated set: %+v", up)
	}
	if prov.HavePermissionSet == nil || prov.WantPermissionSet != nil || !cmp.Equal(prov.Outdated, []string{mgmt}) ||
		prov.Reason != "changed since it was last provisioned: its role in 111111111111 (management) still has the old settings" {
		t.Errorf("provision change: %+v", prov)
	}
	if got := p.Summary(); got != "Plan: 0 to create, 1 to update in place, 0 to delete, 1 to provision again." {
		t.Errorf("summary %q", got)
	}

	var out bytes.Buffer
	p.Render(&out, false)
	for _, s := range []string{"  ↻ SuperAdmin\n      provision: changed since it was last provisioned: its role in 111111111111 (management) still\n          has the old settings\n",
		"  ~ PowerUser\n      description: (none) → \"power\"\n      provision: "} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("plan lacks %q:\n%s", s, out.String())
		}
	}

	// Outdated provisioning of a set keyless does not own is not its business.
	st.PermissionSets[0].Description = "theirs"
	d.PermissionSets = d.PermissionSets[1:]
	d.Assignments = d.Assignments[1:]
	if p, err = Compute(d, st); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Op == ic.Provision {
			t.Errorf("provisions a set keyless does not own: %+v", c)
		}
	}
}

func TestDriftIsShownAndLeftAlone(t *testing.T) {
	d := desired()
	st := applied(d)
	// Eve is not keyless's: keyless.yaml does not give her SuperAdmin.
	st.Users = append(st.Users, ic.User{ID: "u-eve", UserName: "eve@example.com"})
	st.Assignments = append(st.Assignments,
		ic.Assignment{AccountID: dev, PermissionSetARN: "arn:ps/SuperAdmin", PrincipalType: "USER", PrincipalID: "u-eve"},
		ic.Assignment{AccountID: dev, PermissionSetARN: "arn:ps/PowerUser", PrincipalType: "GROUP", PrincipalID: "g-gone"},
		// Someone else's administrator set, and a harmless one.
		ic.Assignment{AccountID: mgmt, PermissionSetARN: "arn:ps/Legacy", PrincipalType: "USER", PrincipalID: "u-eve"})
	st.PermissionSets = append(st.PermissionSets,
		ic.PermissionSet{ARN: "arn:ps/Legacy", Name: "Legacy", ManagedPolicies: []string{AdministratorAccess}},
		ic.PermissionSet{ARN: "arn:ps/Viewer", Name: "Viewer", ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}})

	p, err := Compute(d, st)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() {
		t.Fatalf("drift is changed: %+v", lines(p.Changes))
	}
	want := []Drift{
		{Kind: ic.KindPermissionSet, Name: "Legacy", Reason: "not managed by keyless and carries AdministratorAccess; assigned to user eve@example.com @ 111111111111 (management)"},
		{Kind: ic.KindAssignment, Name: "PowerUser → group g-gone @ 222222222222 (dev)", Reason: "assigned to group id g-gone, which is not in identity store d-1111111111; keyless leaves it"},
		{Kind: ic.KindAssignment, Name: "SuperAdmin → user eve@example.com @ 222222222222 (dev)", Reason: "keyless.yaml does not give SuperAdmin to this user; keyless leaves it, as it does not manage the user"},
	}
	if diff := cmp.Diff(want, p.Drift); diff != "" {
		t.Fatalf("drift (-want +got):\n%s", diff)
	}

	var out bytes.Buffer
	p.Render(&out, false)
	if !strings.Contains(out.String(), "Not given by keyless.yaml, left as it is:\n  ! permission set Legacy\n") ||
		!strings.Contains(out.String(), "  ! assignment SuperAdmin → user eve@example.com @ 222222222222 (dev)\n      keyless.yaml does not give") {
		t.Errorf("plan text:\n%s", out.String())
	}
	out.Reset()
	if err := p.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var js struct{ Drift []Drift }
	if err := json.Unmarshal(out.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, js.Drift); diff != "" {
		t.Errorf("--json drift (-want +got):\n%s", diff)
	}
}

func TestCreationsShowWhatTheySet(t *testing.T) {
	d := desired()
	d.Groups[0].Description = "admins"
	d.PermissionSets[0].Description = "Full access"
	d.PermissionSets[0].InlinePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:DeleteObject","s3:DeleteBucket"],"Resource":"*"}]}`
	d.PermissionSets[0].ManagedPolicies = []string{AdministratorAccess, "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "arn:aws:iam::aws:policy/job-function/DataScientist"}
	p, err := Compute(d, emptyState())
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string][]ic.FieldChange{}
	for _, c := range p.Changes {
		fields[c.Name] = c.Fields
	}
	want := map[string][]ic.FieldChange{
		"john@example.com": {{Field: "display_name", New: "John Doe"}, {Field: "given_name", New: "John"}, {Field: "family_name", New: "Doe"}, {Field: "email", New: "john@example.com"}},
		"SuperAdmins":      {{Field: "description", New: "admins"}, {Field: "members", New: "john@example.com"}},
		"SuperAdmin": {{Field: "description", New: "Full access"}, {Field: "session_duration", New: "PT1H"},
			{Field: "managed_policies", New: "arn:aws:iam::aws:policy/AdministratorAccess, arn:aws:iam::aws:policy/job-function/DataScientist, arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"},
			{Field: "inline_policy", New: d.PermissionSets[0].InlinePolicy},
			{Field: "assignments", New: "group SuperAdmins @ 111111111111 (management)"}},
	}
	for name, w := range want {
		if diff := cmp.Diff(w, fields[name]); diff != "" {
			t.Errorf("fields of %s (-want +got):\n%s", name, diff)
		}
	}

	var out bytes.Buffer
	p.Render(&out, false)
	text := out.String()
	if strings.Contains(text, "...") {
		t.Errorf("a value is cut off:\n%s", text)
	}
	for _, l := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(l) > width {
			t.Errorf("line longer than %d: %q", width, l)
		}
	}
	// Every value can be read whole once the wrapping is undone.
	joined := strings.Join(strings.Fields(text), " ")
	for _, s := range []string{`"arn:aws:iam::aws:policy/AdministratorAccess, arn:aws:iam::aws:policy/job-function/DataScientist, arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"`,
		`"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"s3:DeleteObject\",\"s3:DeleteBucket\"],\"Resource\":\"*\"}]}"`} {
		if !strings.Contains(strings.ReplaceAll(joined, ", ", ","), strings.ReplaceAll(s, ", ", ",")) {
			t.Errorf("plan does not show %s whole:\n%s", s, text)
		}
	}
}

func TestWrapBreaksAtSpacesAndCommasOnly(t *testing.T) {
	long := strings.Repeat("x", 95)
	for _, c := range []struct {
		name, head, text string
		want             []string
	}{
		{"fits", "  a: ", "short", []string{"  a: short"}},
		{"at a comma", "      managed_policies: ", "arn:aws:iam::aws:policy/AdministratorAccess, arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
			[]string{"      managed_policies: arn:aws:iam::aws:policy/AdministratorAccess,", "          arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}},
		{"a run longer than a line stays whole", "      relay_state: ", `"https://` + long + `"`, []string{`      relay_state: "https://` + long + `"`}},
		{"a comma just past the edge moves down", "", strings.Repeat("a", 100) + ",b", []string{strings.Repeat("a", 100) + ",", "          b"}},
		{"a comma at the edge stays", "", strings.Repeat("a", 99) + ",b", []string{strings.Repeat("a", 99) + ",", "          b"}},
		{"a space at the edge", "", strings.Repeat("a", 100) + " b", []string{strings.Repeat("a", 100), "          b"}},
		{"json at commas", "      p: ", `{"a":"` + strings.Repeat("y", 80) + `","b":"c"}`,
			[]string{`      p: {"a":"` + strings.Repeat("y", 80) + `",`, `          "b":"c"}`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, wrap(c.head, c.text, "          ")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLongUpdatesWrapOnTheirOwnLines(t *testing.T) {
	f := ic.FieldChange{Field: "managed_policies",
		Old: "arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::aws:policy/job-function/DataScientist",
		New: "arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::aws:policy/job-function/DataScientist, arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}
	want := []string{
		`      managed_policies:`,
		`          "arn:aws:iam::aws:policy/ReadOnlyAccess,`,
		`            arn:aws:iam::aws:policy/job-function/DataScientist"`,
		`        → "arn:aws:iam::aws:policy/ReadOnlyAccess,`,
		`            arn:aws:iam::aws:policy/job-function/DataScientist,`,
		`            arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"`,
	}
	if diff := cmp.Diff(want, fieldLines(ic.Update, f)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	short := ic.FieldChange{Field: "session_duration", Old: "PT1H", New: "PT4H"}
	if diff := cmp.Diff([]string{`      session_duration: "PT1H" → "PT4H"`}, fieldLines(ic.Update, short)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
