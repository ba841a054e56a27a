package cleanup

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The users imported: jane is already in most files (her email in
// another case), john and ann are new.
var importedUsers = []ImportedUser{
	{IAMUser: "jane_roe", Email: "jane@example.com", GivenName: "Jane", FamilyName: "Roe", List: "readonly_users"},
	{IAMUser: "john.doe", Email: "john.doe@example.com", GivenName: "John", FamilyName: "Doe", List: "super_admins"},
	{IAMUser: "ann", Email: "ann.lee@example.com", GivenName: "Ann", FamilyName: "Lee", List: "readonly_users", Review: "had AmazonS3FullAccess"},
}

func TestAddIAMUsers(t *testing.T) {
	tests := []struct {
		name, file, want string
		added, present   []string
	}{{
		name: "block style with comments, other fields around",
		file: `# Our team.
region: eu-west-1

users:
  # founders
  - email: Jane@Example.com
    given_name: Jane   # she/her
    family_name: Roe
  # - email: old@example.com (left)

# Admins below.
super_admins:
    -   jane@example.com
readonly_users:
  - jane@example.com
groups:
  - {name: Auditors, members: [jane@example.com]}
`,
		want: `# Our team.
region: eu-west-1

users:
  # founders
  - email: Jane@Example.com
    given_name: Jane   # she/her
    family_name: Roe
  # - email: old@example.com (left)
  - email: john.doe@example.com
    user_name: john.doe
    given_name: John
    family_name: Doe
  - email: ann.lee@example.com
    user_name: ann
    given_name: Ann
    family_name: Lee

# Admins below.
super_admins:
    -   jane@example.com
    -   john.doe@example.com
readonly_users:
  - jane@example.com
  - ann.lee@example.com # review: had AmazonS3FullAccess
groups:
  - {name: Auditors, members: [jane@example.com]}
`,
		added:   []string{"john.doe@example.com", "ann.lee@example.com"},
		present: []string{"jane@example.com"},
	}, {
		name: "flow items in a block list, flow sets",
		file: `users:
  - {email: jane@example.com, given_name: Jane, family_name: Roe}
super_admins: [jane@example.com]
readonly_users: []
`,
		want: `users:
  - {email: jane@example.com, given_name: Jane, family_name: Roe}
  - {email: john.doe@example.com, user_name: john.doe, given_name: John, family_name: Doe}
  - {email: ann.lee@example.com, user_name: ann, given_name: Ann, family_name: Lee}
super_admins: [jane@example.com, john.doe@example.com]
readonly_users: [ann.lee@example.com]
`,
		added:   []string{"john.doe@example.com", "ann.lee@example.com"},
		present: []string{"jane@example.com"},
	}, {
		name: "flow lists over lines, a trailing comma, no last newline",
		file: `users: [
  {email: jane@example.com, given_name: Jane, family_name: Roe},
]
super_admins: [
  jane@example.com
]
readonly_users: [jane@example.com]`,
		want: `users: [
  {email: jane@example.com, given_name: Jane, family_name: Roe}, {email: john.doe@example.com, user_name: john.doe, given_name: John, family_name: Doe}, {email: ann.lee@example.com, user_name: ann, given_name: Ann, family_name: Lee},
]
super_admins: [
  jane@example.com, john.doe@example.com
]
readonly_users: [jane@example.com, ann.lee@example.com]`,
		added:   []string{"john.doe@example.com", "ann.lee@example.com"},
		present: []string{"jane@example.com"},
	}, {
		name: "empty lists and missing keys",
		file: `region: us-east-1
users:   # none yet
super_admins:
prune: false
`,
		want: `region: us-east-1
users:   # none yet
  - email: jane@example.com
    user_name: jane_roe
    given_name: Jane
    family_name: Roe
  - email: john.doe@example.com
    user_name: john.doe
    given_name: John
    family_name: Doe
  - email: ann.lee@example.com
    user_name: ann
    given_name: Ann
    family_name: Lee
super_admins:
  - john.doe@example.com
prune: false

readonly_users:
  - jane@example.com
  - ann.lee@example.com # review: had AmazonS3FullAccess
`,
		added: []string{"jane@example.com", "john.doe@example.com", "ann.lee@example.com"},
	}, {
		name: "only comments",
		file: "# keyless.yaml: to be written\n",
		want: `# keyless.yaml: to be written

users:
  - email: jane@example.com
    user_name: jane_roe
    given_name: Jane
    family_name: Roe
  - email: john.doe@example.com
    user_name: john.doe
    given_name: John
    family_name: Doe
  - email: ann.lee@example.com
    user_name: ann
    given_name: Ann
    family_name: Lee

super_admins:
  - john.doe@example.com

readonly_users:
  - jane@example.com
  - ann.lee@example.com # review: had AmazonS3FullAccess
`,
		added: []string{"jane@example.com", "john.doe@example.com", "ann.lee@example.com"},
	}, {
		name: "everyone is there already",
		file: `users:
  - {email: jane@example.com, given_name: Jane, family_name: Roe}
  - {email: JOHN.DOE@example.com, given_name: J, family_name: D}
  - {email: ann.lee@example.com, given_name: A, family_name: L}
super_admins: [jane@example.com]
`,
		want: `users:
  - {email: jane@example.com, given_name: Jane, family_name: Roe}
  - {email: JOHN.DOE@example.com, given_name: J, family_name: D}
  - {email: ann.lee@example.com, given_name: A, family_name: L}
super_admins: [jane@example.com]
`,
		present: []string{"jane@example.com", "john.doe@example.com", "ann.lee@example.com"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AddIAMUsers("keyless.yaml", []byte(tt.file), importedUsers)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got.YAML)); diff != "" {
				t.Errorf("file (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.added, got.Added); diff != "" {
				t.Errorf("added (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.present, got.Present); diff != "" {
				t.Errorf("present (-want +got):\n%s", diff)
			}
		})
	}
}

// Shapes keyless does not edit are refused, naming the place.
func TestAddIAMUsersRefuses(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"explicit null", "users:\n  - {email: jane@example.com, given_name: Jane, family_name: Roe}\nsuper_admins: [jane@example.com]\nreadonly_users: null\n",
			"keyless.yaml:4: readonly_users: it is null: leave the value empty (readonly_users:) or write a list, so keyless cannot add to it safely"},
		{"anchor", "users:\n  - {email: jane@example.com, given_name: Jane, family_name: Roe}\nsuper_admins: &admins [jane@example.com]\n",
			"keyless.yaml:3: super_admins: its value is an anchor, alias or tag, so keyless cannot add to it safely"},
		{"comment inside a flow list", "users:\n  - {email: jane@example.com, given_name: Jane, family_name: Roe}\nsuper_admins: [\n  jane@example.com # the boss\n]\n",
			"keyless.yaml:3: super_admins: a comment ends its last item's line: the new items would land in it, so keyless cannot add to it safely"},
		{"flow mapping", "{users: [{email: jane@example.com, given_name: Jane, family_name: Roe}], super_admins: [jane@example.com]}\n",
			"keyless.yaml: the file is one flow mapping ({...}), so keyless cannot add to it safely"},
		{"invalid", "users:\n  - email: jane@example.com\n", "keyless.yaml does not validate, so keyless cannot add to it safely (fix it first: keyless plan shows where)"},
		{"two documents", "users: []\n---\nusers: []\n", "keyless.yaml holds several YAML documents, so keyless cannot add to it safely"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AddIAMUsers("keyless.yaml", []byte(tt.file), importedUsers)
			if !errors.Is(err, ErrCannotEdit) {
				t.Fatalf("err = %v, want ErrCannotEdit", err)
			}
			if got := err.Error(); len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
				t.Errorf("err = %q, want it to start with %q", got, tt.want)
			}
		})
	}
}

// With identity_source: external the identity provider makes the users: the
// file takes no users: or member lists, so AddIAMUsers refuses, saying so,
// instead of writing a file that does not validate and calling that a bug.
func TestAddIAMUsersRefusesExternalSource(t *testing.T) {
	_, err := AddIAMUsers("keyless.yaml", []byte("identity_source: external\ngroups:\n  - name: Devs\n"), importedUsers)
	if !errors.Is(err, ErrExternalSource) {
		t.Fatalf("err = %v, want ErrExternalSource", err)
	}
	if want := "keyless.yaml has identity_source: external: your identity provider makes the users, so keyless does not add IAM users to it"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}
