package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadSeedReportsEveryProblemWithItsLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.yaml")
	const doc = `accounts:
  - id: "111111111111"
    iam_users:
      - name: old
        access_keys:
          - id: AKIANOTVALID
            status: Enabled
  - id: 2222
users:
  - user_name: alice
groups:
  - name: devs
    members: [alice, bob]
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSeed(path)
	if err == nil {
		t.Fatal("LoadSeed accepted a bad seed")
	}
	for _, want := range []string{
		path + ":6: accounts[0].iam_users[0].access_keys[0].id: \"AKIANOTVALID\" is not an access key id",
		path + ":7: accounts[0].iam_users[0].access_keys[0].status: \"Enabled\": use Active or Inactive",
		path + ":8: accounts[1].id: \"2222\" is not a 12-digit account id",
		path + ":13: groups[0].members[1]: \"bob\" is not a user in users",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestLoadSeedUnknownField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.yaml")
	os.WriteFile(path, []byte("acounts: []\n"), 0o600)
	_, err := LoadSeed(path)
	if err == nil || err.Error() != path+`:1: acounts: unknown field "acounts"` {
		t.Fatalf("err = %v", err)
	}
}

func TestSeedBuildsTheWorld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.yaml")
	const doc = `management_account: "000000000001"
identity_store_id: d-0123456789
accounts:
  - id: "000000000001"
    name: root-org
    root: {access_keys_present: true, mfa_enabled: false}
    iam_users:
      - name: deployer
        created: 2024-01-02T03:04:05Z
        password: true
        access_keys:
          - {id: AKIAABCDEFGHIJKLMNOP, status: Inactive, last_used: 2024-06-01T00:00:00Z, last_used_service: s3}
  - id: "000000000002"
    ou: Workloads/Prod
    tags: {env: prod}
users:
  - {user_name: alice@example.com, given_name: Alice, family_name: Doe, email: alice@example.com}
groups:
  - {name: Admins, members: [alice@example.com]}
`
	os.WriteFile(path, []byte(doc), 0o600)
	seed, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := buildWorld(seed, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if w.Organization.MasterAccountID != "000000000001" || w.Instance.IdentityStoreID != "d-0123456789" {
		t.Fatalf("organization %+v, instance %+v", w.Organization, w.Instance)
	}
	if len(w.OUs) != 2 || w.account("000000000002").ParentID != w.OUs[1].ID || w.OUs[1].ParentID != w.OUs[0].ID {
		t.Fatalf("OUs %+v", w.OUs)
	}
	if !ouIDPattern.MatchString(w.OUs[0].ID) {
		t.Fatalf("OU id %q does not look like AWS's", w.OUs[0].ID)
	}
	ia := w.IAM["000000000001"]
	if !ia.Root.AccessKeysPresent || ia.Root.MFAEnabled || len(ia.Users) != 1 {
		t.Fatalf("IAM %+v", ia)
	}
	u := ia.Users[0]
	if u.LoginProfile == nil || u.AccessKeys[0].Status != "Inactive" || u.AccessKeys[0].LastUsedService != "s3" || u.Created.Year() != 2024 {
		t.Fatalf("IAM user %+v", u)
	}
	if len(w.IAM["000000000002"].Roles) != 1 || w.IAM["000000000002"].Roles[0].Name != "OrganizationAccountAccessRole" {
		t.Fatalf("member account roles %+v", w.IAM["000000000002"].Roles)
	}
	if len(w.Users) != 1 || w.Users[0].DisplayName != "Alice Doe" || len(w.Memberships) != 1 {
		t.Fatalf("identity store %+v %+v", w.Users, w.Memberships)
	}
	// Seeded ids are stable across starts.
	w2, _ := buildWorld(seed, time.Now())
	if w2.Users[0].ID != w.Users[0].ID || w2.OUs[0].ID != w.OUs[0].ID {
		t.Fatal("seeded ids differ between two builds")
	}
}

func TestSeedAccess(t *testing.T) {
	seed := &Seed{
		Users:          []SeedUser{{UserName: "alice"}, {UserName: "bob"}},
		Groups:         []SeedGroup{{Name: "devs", Members: []string{"bob"}}},
		PermissionSets: []SeedPermissionSet{{Name: "SuperAdmin", SessionDuration: "PT2H"}, {Name: "ReadOnly"}},
		Assignments: []SeedAssignment{
			{PermissionSet: "SuperAdmin", User: "alice", Accounts: []string{"111111111111"}},
			{PermissionSet: "ReadOnly", Group: "devs", Accounts: []string{"all"}},
		},
	}
	w, err := buildWorld(seed, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, u := range w.Users {
		for acct, sets := range w.portalAccess(u) {
			for _, ps := range sets {
				got[u.UserName] = append(got[u.UserName], acct+"/"+ps.Name)
			}
		}
		slices.Sort(got[u.UserName])
	}
	want := map[string][]string{
		"alice": {"111111111111/SuperAdmin"},
		"bob":   {"111111111111/ReadOnly", "222222222222/ReadOnly", "333333333333/ReadOnly"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access (-want +got):\n%s", diff)
	}
	// The roles exist in IAM, so STS calls see the assumed-role ARN.
	if r := w.iamAccount("111111111111").Roles; !slices.ContainsFunc(r, func(r *IAMRole) bool { return strings.HasPrefix(r.Name, "AWSReservedSSO_SuperAdmin_") }) {
		t.Errorf("no reserved role in the management account: %v", r)
	}

	bad := &Seed{
		Users:          []SeedUser{{UserName: "alice"}},
		PermissionSets: []SeedPermissionSet{{Name: "A"}},
		Assignments: []SeedAssignment{
			{PermissionSet: "B", User: "alice", Accounts: []string{"111111111111"}},
			{PermissionSet: "A", User: "nobody", Accounts: []string{"111111111111"}},
			{PermissionSet: "A", Accounts: []string{"999999999999"}},
		},
		Accounts: DefaultSeed().Accounts,
	}
	var msgs []string
	for _, p := range bad.problems() {
		msgs = append(msgs, p.path+": "+p.msg)
	}
	wantMsgs := []string{
		`assignments[0].permission_set: "B" is not in permission_sets`,
		`assignments[1].user: "nobody" is not a user in users`,
		`assignments[2]: give exactly one of user and group`,
		`assignments[2].accounts[0]: "999999999999" is not among accounts`,
	}
	if diff := cmp.Diff(wantMsgs, msgs); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// Errors name the seed's YAML field and line, not the Go struct field.
func TestLoadSeedNamesTheField(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"accounts:\n  - id: \"111111111111\"\n    aliases: [[a]]\n", ":3: accounts[0].aliases[0]: expected text, found a list"},
		{"accounts:\n  - id: \"111111111111\"\n    iam_users:\n      - name: x\n        mfa: maybe\n", ":5: accounts[0].iam_users[0].mfa: expected true or false, found text"},
		{"ou_tags:\n  Workloads: [a, b]\n", ":2: ou_tags.Workloads: expected a mapping, found a list"},
		{"accounts:\n  - id: \"111111111111\"\n    iam_users:\n      - name: x\n        created: yesterday\n",
			`:5: accounts[0].iam_users[0].created: "yesterday" is not a time: write it as 2024-01-02T03:04:05Z or 2024-01-02`},
		{"a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
			"a1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\na2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\n" +
			"a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\na4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]\n" +
			"a5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]\na6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]\n",
			":6: aliases (*a4) expand the document by more than 100000 values"},
	} {
		path := filepath.Join(t.TempDir(), "world.yaml")
		if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadSeed(path)
		if err == nil || err.Error() != path+tc.want {
			t.Errorf("err = %v, want %s%s", err, path, tc.want)
		}
	}
}
