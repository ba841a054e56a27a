package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRemovePerson: every mention of the person goes, in any case and by
// user name or email; comments, order and the other entries stay byte for
// byte; an assignment left with no one goes; a list left empty is [].
func TestRemovePerson(t *testing.T) {
	src := `# team access
users:
  - email: john@example.com   # the owner
    given_name: John
    family_name: Doe
  - email: Jane@Example.com
    given_name: Jane
    family_name: Roe
    user_name: jane

  - {email: bob@example.com, given_name: Bob, family_name: Poe}
super_admins: [john@example.com, jane]   # two admins
readonly_users:
  - JANE@example.com
groups:
  - name: Developers
    members: [bob@example.com, jane@example.com]
  - name: Oncall
    # who carries the pager
    members:
      - jane
      - bob@example.com
permission_sets:
  - {name: Dev, managed_policies: [PowerUserAccess]}
assignments:
  - permission_set: Dev
    users: [jane]          # only her
    accounts: [dev]
  - {permission_set: Dev, users: [jane, bob@example.com], accounts: [prod]}
  - {permission_set: Dev, groups: [Developers], users: [jane@example.com], accounts: [stage]}
# end
`
	body, _, err := ReadForEdit("keyless.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, removed, err := RemovePerson("keyless.yaml", []byte(src), body, []string{"jane", "jane@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := `# team access
users:
  - email: john@example.com   # the owner
    given_name: John
    family_name: Doe

  - {email: bob@example.com, given_name: Bob, family_name: Poe}
super_admins: [john@example.com]   # two admins
readonly_users: []
groups:
  - name: Developers
    members: [bob@example.com]
  - name: Oncall
    # who carries the pager
    members:
      - bob@example.com
permission_sets:
  - {name: Dev, managed_policies: [PowerUserAccess]}
assignments:
  - {permission_set: Dev, users: [bob@example.com], accounts: [prod]}
  - {permission_set: Dev, groups: [Developers], users: [], accounts: [stage]}
# end
`
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	var paths []string
	for _, r := range removed {
		paths = append(paths, r.Path)
	}
	wantPaths := []string{"users[1]", "super_admins[1]", "readonly_users[0]", "groups[0].members[1]", "groups[1].members[0]",
		"assignments[0]", "assignments[1].users[0]", "assignments[2].users[0]"}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("removals (-want +got):\n%s", diff)
	}
	if _, err := Parse("keyless.yaml", out); err != nil {
		t.Errorf("the result does not validate: %v", err)
	}

	// Nobody by that name: the file is unchanged.
	same, removed, err := RemovePerson("keyless.yaml", []byte(src), body, []string{"carol@example.com"})
	if err != nil || string(same) != src || len(removed) != 0 {
		t.Errorf("unknown person: %d removals, err %v, changed %v", len(removed), err, string(same) != src)
	}

	// A comment inside a flow list's brackets cannot be kept: refused.
	odd := "super_admins: [john@example.com,\n  jane, # her\n  bob@example.com]\n"
	body, _, err = ReadForEdit("k.yaml", []byte(odd))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := RemovePerson("k.yaml", []byte(odd), body, []string{"bob@example.com"}); !errors.Is(err, ErrCannotEdit) || !strings.Contains(err.Error(), "k.yaml:1: super_admins") {
		t.Errorf("comment in brackets: err = %v, want ErrCannotEdit at k.yaml:1", err)
	}
}

// TestRemovePersonElevation: the person leaves elevation's revokers and
// every rule's eligible, approvers and self_approval; the rest stays.
func TestRemovePersonElevation(t *testing.T) {
	src := elevationBase + `elevation:
  revokers: {users: [bob@example.com], groups: [SecOps]}
  rules:
    - name: break-glass
      permission_set: AdministratorAccess
      all_accounts: true
      eligible: {users: [alice@example.com, bob@example.com]}
      approvers: {groups: [Platform]}
      self_approval: {users: [alice@example.com, bob@example.com]}
      max_duration: 1h
`
	body, _, err := ReadForEdit("keyless.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, removed, err := RemovePerson("keyless.yaml", []byte(src), body, []string{"bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(elevationBase, "  - {email: bob@example.com, given_name: Bob, family_name: B}\n", "", 1) + `elevation:
  revokers: {users: [], groups: [SecOps]}
  rules:
    - name: break-glass
      permission_set: AdministratorAccess
      all_accounts: true
      eligible: {users: [alice@example.com]}
      approvers: {groups: [Platform]}
      self_approval: {users: [alice@example.com]}
      max_duration: 1h
`
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	var paths []string
	for _, r := range removed {
		paths = append(paths, r.Path+": "+r.What)
	}
	wantPaths := []string{"users[1]: user entry", "elevation.revokers.users[0]: revoker of elevation",
		"elevation.rules[0].eligible.users[1]: eligible in elevation rule break-glass",
		"elevation.rules[0].self_approval.users[1]: self approval in elevation rule break-glass"}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("removals (-want +got):\n%s", diff)
	}
	c, err := Parse("keyless.yaml", out)
	if err != nil {
		t.Fatalf("the result does not validate: %v", err)
	}
	if m := c.Mentions([]string{"bob@example.com"}); len(m) != 0 {
		t.Errorf("still mentioned at %v", m)
	}
}
