package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

func parse(t *testing.T, doc string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "keyless.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policy.json"), []byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

// problems returns "line:col: path: message" for each problem.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var e *Errors
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *Errors", err)
	}
	var out []string
	for _, p := range e.Problems {
		s := p.String()
		out = append(out, s[strings.Index(s, ":")+1:])
	}
	return out
}

// wantProblem checks that doc has a problem starting with want.
func wantProblem(t *testing.T, doc, want string) {
	t.Helper()
	_, err := parse(t, doc)
	if err == nil {
		t.Fatalf("accepted; want %q", want)
	}
	got := problems(t, err)
	for _, g := range got {
		if strings.HasPrefix(g, want) {
			return
		}
	}
	t.Fatalf("want a problem starting %q, got:\n%s", want, strings.Join(got, "\n"))
}

func TestEveryProblemAtOnceWithItsPosition(t *testing.T) {
	doc := `region: eu-west-1
users:
  - email: john@example.com
    given_name: John
    family_name: Doe
  - emial: jane@example.com
    given_name: Jane
    family_name: Roe
  - email: not-an-email
    given_name: X
    family_name: Y
  - email: JOHN@example.com
    given_name: John
    family_name: Again
super_admins: [john@example.com, bob@]
permission_sets:
  - name: bad name!
    session_duration: PT13H
    inline_policy: '{"Version": "2012-10-17", "Statement": [}'
  - name: Data
    session_duration: 2 hours
    managed_policies: [ReadOnlyAccess, "not a policy"]
    relay_state: https://example.com/` + strings.Repeat("x", 240) + `
    tags: {"aws:owner": me}
assignments:
  - permission_set: Dta
    groups: [Nobody]
    accounts: [12345678901, dev]
    ous: [Workloads]
  - permission_set: Data
sesion_duration: PT1H
`
	_, err := parse(t, doc)
	want := []string{
		`6:5: users[1].emial: unknown field "emial" (did you mean "email"?)`,
		`6:5: users[1].email: every user needs an email (or a user_name)`,
		`9:5: users[2].email: "not-an-email" is not a valid email address`,
		`12:5: users[3].email: user JOHN@example.com appears twice (first at line 3) (user names are compared without case)`,
		`15:34: super_admins[1]: "bob@" is not a valid email address`,
		`17:5: permission_sets[0].name: "bad name!" is not a valid permission set name (1 to 32 letters, digits and +=,.@_-)`,
		`18:5: permission_sets[0].session_duration: PT13H is outside AWS's range of 1 to 12 hours (PT1H to PT12H) (use ISO 8601, e.g. PT1H or PT8H)`,
		`19:20: permission_sets[0].inline_policy: the inline policy is not valid JSON: invalid character '}' looking for beginning of value`,
		`21:5: permission_sets[1].session_duration: "2 hours" is not an ISO 8601 duration (use ISO 8601, e.g. PT1H or PT8H)`,
		`22:40: permission_sets[1].managed_policies[1]: "not a policy" is not an AWS-managed policy (give its ARN (arn:aws:iam::aws:policy/ReadOnlyAccess) or its name (ReadOnlyAccess, job-function/ViewOnlyAccess); customer-managed policies go under customer_managed_policies)`,
		`23:5: permission_sets[1].relay_state: a relay state is at most 240 characters`,
		`24:5: permission_sets[1].tags: tag key "aws:owner": the aws: prefix is reserved by AWS`,
		`26:5: assignments[0].permission_set: permission set "Dta" is not defined in this file (did you mean "Data"?)`,
		`27:14: assignments[0].groups[0]: group "Nobody" is not defined in this file (define it under groups (keyless assigns only groups it manages))`,
		`28:16: assignments[0].accounts[0]: account id 12345678901 is not 12 digits (quote ids in YAML ("012345678901") so leading zeros stay)`,
		`29:11: assignments[0].ous[0]: "Workloads" is neither an OU id (ou-xxxx-xxxxxxxx, or r-xxxx for the root) nor a path from the root (/Workloads/Prod)`,
		`30:5: assignments[1]: an assignment needs groups or users`,
		`30:5: assignments[1]: an assignment needs a target: accounts, ous, account_tags, all_accounts or current_account`,
		`31:1: sesion_duration: unknown field "sesion_duration" (did you mean "session_duration"?)`,
	}
	if diff := cmp.Diff(want, problems(t, err)); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(err.Error(), filepath.Join(filepath.Dir(err.(*Errors).File), "keyless.yaml")+": 19 problems:\n") {
		t.Fatalf("error head: %q", strings.SplitN(err.Error(), "\n", 2)[0])
	}
}

func TestMoreProblems(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"too many policies", "permission_sets:\n  - name: Big\n    managed_policies: [" + strings.Repeat("ReadOnlyAccess, ", 20) + "ViewOnlyAccess]\n",
			"3:5: permission_sets[0].managed_policies: 21 policies: AWS allows 20 AWS-managed and customer-managed policies per permission set (combine policies, or split the permission set)"},
		{"inline policy too large", "permission_sets:\n  - name: Big\n    inline_policy: '{\"Statement\": \"" + strings.Repeat("x", MaxInlinePolicy) + "\"}'\n",
			"3:20: permission_sets[0].inline_policy: the inline policy is 32784 characters, more than AWS's 32768 (move permissions to managed policies)"},
		{"inline policy without a vendor", "permission_sets:\n  - name: P\n    inline_policy: '{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"ListBucket\", \"Resource\": \"*\"}}'\n",
			`3:20: permission_sets[0].inline_policy: the inline policy is malformed: IAM would refuse it with "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."`},
		{"inline policy in yaml without a version", "permission_sets:\n  - name: P\n    inline_policy:\n      Statement:\n        - {Effect: Allow, Action: s3:GetObject, Resource: bucket}\n",
			`4:16: permission_sets[0].inline_policy: the inline policy is malformed: IAM would refuse it with "Policy document must be version 2012-10-17 or greater."`},
		{"inline policy with a principal", "permission_sets:\n  - name: P\n    inline_policy: {Version: '2012-10-17', Statement: {Effect: Allow, Principal: '*', Action: 's3:*', Resource: '*'}}\n",
			`3:20: permission_sets[0].inline_policy: the inline policy is malformed: IAM would refuse it with "Policy document should not specify a principal."`},
		{"inline policy with keyless's cut sid", "permission_sets:\n  - name: P\n    inline_policy: {Version: '2012-10-17', Statement: [{Sid: KeylessCutMine, Effect: Deny, Action: 's3:*', Resource: '*'}]}\n",
			`3:5: permission_sets[0].inline_policy: a statement's Sid starts with KeylessCut, which keyless keeps for its session cuts (docs/offboarding.md) (give the statement another Sid)`},
		{"policy file missing", "permission_sets:\n  - name: P\n    inline_policy_file: nope.json\n",
			"3:25: permission_sets[0].inline_policy_file: cannot read "},
		{"wrong type", "users: john@example.com\n", "1:8: users: expected a list, found a single value (write it as [a, b] or as lines starting with -)"},
		{"prune not a bool", "prune: sometimes\n", "1:8: prune: expected true or false, found a single value"},
		{"duplicate group", "groups:\n  - {name: Ops}\n  - {name: ops}\n", "3:6: groups[1].name: group \"ops\" differs only in case from group \"Ops\" at line 2: group names are compared without case (rename one of them)"},
		{"built-in set name taken", "super_admins: [a@example.com]\npermission_sets:\n  - name: SuperAdmin\n", "3:5: permission_sets[0].name: permission set \"SuperAdmin\" is defined twice"},
		{"missing names", "users:\n  - email: a@example.com\n", "2:5: users[0].family_name: Identity Center requires a family name"},
		{"boundary with both", "permission_sets:\n  - name: B\n    permissions_boundary: {managed_policy: PowerUserAccess, customer_managed: {name: x}}\n",
			"3:27: permission_sets[0].permissions_boundary: give exactly one of managed_policy and customer_managed"},
		{"empty file", "", "1:1: the file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantProblem(t, tc.doc, tc.want) })
	}
}

func TestLeadingZerosAreKept(t *testing.T) {
	c, err := parse(t, `groups: [{name: G}]
permission_sets: [{name: P}]
assignments:
  - {permission_set: P, groups: [G], accounts: [012345678901, "000000000042"]}
`)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.Assignments[0].Accounts[0].Value, c.Assignments[0].Accounts[1].Value}
	if diff := cmp.Diff([]string{"012345678901", "000000000042"}, got); diff != "" {
		t.Fatalf("account ids (-want +got):\n%s", diff)
	}
}

func moduleState() *ic.State {
	return &ic.State{IdentityStoreID: "d-1111111111", Caller: ic.Caller{AccountID: "111111111111"}, ManagementAccountID: "111111111111",
		RootID: "r-root",
		OUs: []ic.OU{
			{ID: "ou-root-workload", Name: "Workloads", ParentID: "r-root"},
			{ID: "ou-root-prod0000", Name: "Prod", ParentID: "ou-root-workload"},
			{ID: "ou-root-sandbox0", Name: "Sandbox", ParentID: "r-root"},
		},
		Accounts: []ic.Account{
			{ID: "111111111111", Name: "management", ParentID: "r-root"},
			{ID: "222222222222", Name: "dev", ParentID: "ou-root-workload", Tags: map[string]string{"env": "dev"}},
			{ID: "333333333333", Name: "prod", ParentID: "ou-root-prod0000", Tags: map[string]string{"env": "prod"}},
			{ID: "444444444444", Name: "play", ParentID: "ou-root-sandbox0"},
			{ID: "555555555555", Name: "closed", ParentID: "r-root", Status: "SUSPENDED"},
		},
		Users: []ic.User{{ID: "u1", UserName: "scim@example.com", Email: "scim@example.com"}},
	}
}

func TestModuleShapeDesired(t *testing.T) {
	c, err := parse(t, `region: ap-southeast-1
users:
  - email: john@example.com
    given_name: John
    family_name: Doe
super_admins:   [john@example.com]
readonly_users: [scim@example.com]
`)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Desired(moduleState())
	if err != nil {
		t.Fatal(err)
	}
	relay := "https://ap-southeast-1.console.aws.amazon.com/console/home?region=ap-southeast-1"
	owner := map[string]string{ic.OwnerTagKey: ic.OwnerTagValue}
	want := &ic.Desired{
		Users: []ic.User{{UserName: "john@example.com", DisplayName: "John Doe", GivenName: "John", FamilyName: "Doe", Email: "john@example.com", UserType: ic.UserType}},
		Groups: []ic.DesiredGroup{
			{Name: "SuperAdmins", Description: "Full access to every service", Members: []string{"john@example.com"}},
			{Name: "ReadOnlyUsers", Description: "Read-only access", Members: []string{"scim@example.com"}},
		},
		PermissionSets: []ic.PermissionSet{
			{Name: "SuperAdmin", Description: "Full access to every service", SessionDuration: "PT1H", RelayState: relay, ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, Tags: owner},
			{Name: "ReadOnly", Description: "Read-only access", SessionDuration: "PT1H", RelayState: relay, ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, Tags: owner},
		},
		Assignments: []ic.DesiredAssignment{
			{PermissionSet: "ReadOnly", PrincipalType: "GROUP", Principal: "ReadOnlyUsers", AccountID: "111111111111"},
			{PermissionSet: "SuperAdmin", PrincipalType: "GROUP", Principal: "SuperAdmins", AccountID: "111111111111"},
		},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Fatalf("desired (-want +got):\n%s", diff)
	}
}

func TestExtendedTargets(t *testing.T) {
	c, err := parse(t, `users:
  - {email: a@example.com, given_name: A, family_name: B}
groups:
  - {name: G, members: [a@example.com]}
permission_sets:
  - name: P
    session_duration: PT2H
    managed_policies: [job-function/ViewOnlyAccess, arn:aws:iam::aws:policy/ReadOnlyAccess]
    inline_policy_file: policy.json
    customer_managed_policies: [{name: extra, path: /team/}, plain]
    permissions_boundary: {customer_managed: {name: limit}}
    tags: {team: data}
assignments:
  - {permission_set: P, groups: [G], ous: [/Workloads]}
  - {permission_set: P, users: [a@example.com], account_tags: {env: prod}, accounts: [management]}
  - {permission_set: P, groups: [g], all_accounts: true}
`)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Desired(moduleState())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range d.Assignments {
		got = append(got, a.PrincipalType+":"+a.Principal+"@"+a.AccountID)
	}
	want := []string{
		// ous: /Workloads is dev and, recursively, prod; all_accounts skips the suspended account.
		"GROUP:G@111111111111", "GROUP:G@222222222222", "GROUP:G@333333333333", "GROUP:G@444444444444",
		"USER:a@example.com@111111111111", "USER:a@example.com@333333333333",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("assignments (-want +got):\n%s", diff)
	}
	ps := d.PermissionSets[0]
	wantPS := ic.PermissionSet{Name: "P", SessionDuration: "PT2H",
		ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"},
		InlinePolicy:    `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`,
		CustomerManaged: []ic.PolicyRef{{Name: "plain", Path: "/"}, {Name: "extra", Path: "/team/"}},
		Boundary:        &ic.Boundary{CustomerManaged: &ic.PolicyRef{Name: "limit", Path: "/"}},
		Tags:            map[string]string{"team": "data", ic.OwnerTagKey: ic.OwnerTagValue}}
	if diff := cmp.Diff(wantPS, ps); diff != "" {
		t.Fatalf("permission set (-want +got):\n%s", diff)
	}
}

func TestResolutionProblems(t *testing.T) {
	c, err := parse(t, `groups:
  - {name: G, members: [ghost@example.com]}
permission_sets: [{name: P}]
assignments:
  - {permission_set: P, groups: [G], accounts: [devv, "999999999999"], ous: [/Nope]}
`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Desired(moduleState())
	want := []string{
		`2:25: groups[0].members[0]: ghost@example.com is not a user (add it under users:, or create it in Identity Center)`,
		`5:49: assignments[0].accounts[0]: no account is named "devv" (did you mean "dev"?)`,
		`5:55: assignments[0].accounts[1]: account 999999999999 is not in the organization (check the id with 'aws organizations list-accounts')`,
		`5:78: assignments[0].ous[0]: no organizational unit /Nope (give an OU id (ou-...) or a path of OU names from the root, e.g. /Workloads/Prod)`,
	}
	if diff := cmp.Diff(want, problems(t, err)); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
}

func TestImportRoundTrip(t *testing.T) {
	st := moduleState()
	st.Users = []ic.User{
		{ID: "u1", UserName: "alice@example.com", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"},
		{ID: "u2", UserName: "bob", DisplayName: "Bobby", GivenName: "Bob", FamilyName: "Roe", Email: "bob@example.com"},
		{ID: "u3", UserName: "svc-no-names"},
		{ID: "u4", UserName: "tab@example.com", DisplayName: "Tab\tUser", GivenName: "Tab", FamilyName: "User", Email: "tab@example.com"},
	}
	st.Groups = []ic.Group{{ID: "g1", Name: "Admins", Description: "break glass", Members: map[string]string{"u1": "m1"}},
		{ID: "g2", Name: "Devs: backend", Members: map[string]string{"u1": "m2", "u2": "m3", "u3": "m4"}},
		// AWS takes a carriage return in a group's name and description;
		// keyless.yaml does not, so import leaves these out.
		{ID: "g3", Name: "Evil\r  + Admins", Members: map[string]string{"u1": "m5"}},
		{ID: "g4", Name: "Ops", Description: "a\rb", Members: map[string]string{"u1": "m6"}}}
	st.PermissionSets = []ic.PermissionSet{
		{ARN: "arn:ps/1", Name: "Admin", Description: "all [keyless]", SessionDuration: "PT4H", RelayState: "https://console.aws.amazon.com/",
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"x:*","Resource":"*"}]}`,
			CustomerManaged: []ic.PolicyRef{{Name: "extra", Path: "/t/"}}, Boundary: &ic.Boundary{ManagedPolicyARN: "arn:aws:iam::aws:policy/PowerUserAccess"},
			Tags: map[string]string{"team": "yes", ic.OwnerTagKey: ic.OwnerTagValue}},
	}
	st.Assignments = []ic.Assignment{
		{AccountID: "111111111111", PermissionSetARN: "arn:ps/1", PrincipalType: "GROUP", PrincipalID: "g1"},
		{AccountID: "222222222222", PermissionSetARN: "arn:ps/1", PrincipalType: "GROUP", PrincipalID: "g1"},
		{AccountID: "333333333333", PermissionSetARN: "arn:ps/1", PrincipalType: "USER", PrincipalID: "u2"},
		{AccountID: "111111111111", PermissionSetARN: "arn:ps/1", PrincipalType: "GROUP", PrincipalID: "g3"},
	}
	imp, err := Import(st, ImportOptions{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"svc-no-names", "tab@example.com"}, imp.Skipped); diff != "" {
		t.Fatalf("skipped (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Evil\r  + Admins", "Ops"}, imp.SkippedGroups); diff != "" {
		t.Fatalf("skipped groups (-want +got):\n%s", diff)
	}
	if n := len(imp.State.Groups); n != 2 {
		t.Fatalf("%d groups to adopt, want 2 (the skipped ones are not adopted)", n)
	}
	c, err := Parse("imported.yaml", imp.YAML)
	if err != nil {
		t.Fatalf("the imported file does not parse: %v\n%s", err, imp.YAML)
	}
	d, err := c.Desired(st)
	if err != nil {
		t.Fatalf("the imported file does not resolve: %v\n%s", err, imp.YAML)
	}
	if diff := cmp.Diff([]string{"alice@example.com", "bob"}, userNames(d.Users)); diff != "" {
		t.Fatalf("users (-want +got):\n%s", diff)
	}
	if d.Users[1].DisplayName != "Bobby" || d.Users[1].Email != "bob@example.com" {
		t.Fatalf("bob = %+v", d.Users[1])
	}
	wantGroups := []ic.DesiredGroup{{Name: "Admins", Description: "break glass", Members: []string{"alice@example.com"}},
		{Name: "Devs: backend", Members: []string{"alice@example.com", "bob", "svc-no-names"}}}
	if diff := cmp.Diff(wantGroups, d.Groups); diff != "" {
		t.Fatalf("groups (-want +got):\n%s", diff)
	}
	ps := st.PermissionSets[0]
	ps.ARN, ps.Description = "", "all"
	if diff := cmp.Diff(ps, d.PermissionSets[0]); diff != "" {
		t.Fatalf("permission set (-want +got):\n%s", diff)
	}
	if len(d.Assignments) != 3 {
		t.Fatalf("assignments %+v", d.Assignments)
	}
}

func userNames(us []ic.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.UserName)
	}
	return out
}

// Two users with one email make the lists that name people by email
// ambiguous, whatever their user names.
func TestDuplicateEmail(t *testing.T) {
	_, err := parse(t, `users:
  - {email: ann@example.com, user_name: ann1, given_name: Ann, family_name: Lee}
  - {email: Ann@Example.com, given_name: Ann, family_name: Two}
  - {email: bob@example.com, given_name: Bob, family_name: One}
super_admins: [ann@example.com]
`)
	want := []string{
		`3:6: users[1].email: email Ann@Example.com appears twice (first at line 2) (keyless.yaml names people by email: give each user their own)`,
	}
	if diff := cmp.Diff(want, problems(t, err)); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
}

// A billion-laughs file inside inline_policy is refused before anything
// expands it, with the line of the alias that crossed the limit.
func TestAliasBombIsRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("permission_sets:\n  - name: P\n    inline_policy:\n      Version: \"2012-10-17\"\n      Statement:\n        - Effect: Allow\n          Action: \"*\"\n          Resource: \"*\"\n          Condition:\n")
	b.WriteString("            a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 8; i++ {
		b.WriteString(fmt.Sprintf("            a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), ", ")))
	}
	_, err := parse(t, b.String())
	want := []string{`15:22: aliases (*a4) expand the document by more than 100000 values (write the values out, or reuse fewer of them; nested aliases like these are how a small file exhausts memory)`}
	if diff := cmp.Diff(want, problems(t, err)); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
}

func TestAliases(t *testing.T) {
	const users = "users:\n  - {email: a@example.com, given_name: A, family_name: B}\n"
	c, err := parse(t, users+"super_admins: &admins [a@example.com]\npower_users: *admins\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.PowerUsers) != 1 || c.PowerUsers[0].Value != "a@example.com" {
		t.Fatalf("power_users = %+v", c.PowerUsers)
	}
	_, err = parse(t, users+"super_admins: [a@example.com]\npower_users: *admins\n")
	want := []string{`4:14: power_users: alias *admins is not defined: no anchor &admins comes before it (mark the value to reuse with &admins where it first appears (super_admins: &admins [...]), above this line; or write the value here)`}
	if diff := cmp.Diff(want, problems(t, err)); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
}

// Everything AWS would refuse at apply, and the names keyless refuses so
// that plan's output cannot be spoofed, is a problem at plan with its place.
func TestNamesAWSRefuses(t *testing.T) {
	const user = "users:\n  - {email: a@example.com, given_name: A, family_name: B}\n"
	for _, tc := range []struct{ name, doc, want string }{
		{"set differs in case from a built-in", user + "super_admins: [a@example.com]\npermission_sets:\n  - name: superadmin\n",
			"5:5: permission_sets[0].name: permission set \"superadmin\" differs only in case from the built-in set \"SuperAdmin\" (from super_admins): AWS compares permission set names without case (rename one of them)"},
		{"sets differ in case", "permission_sets:\n  - name: Dev\n  - name: dev\n",
			"3:5: permission_sets[1].name: permission set \"dev\" differs only in case from permission set \"Dev\" at line 2: AWS compares permission set names without case (rename one of them)"},
		{"group differs in case from a built-in", user + "super_admins: [a@example.com]\ngroups: [{name: superadmins}]\n",
			"4:11: groups[0].name: group \"superadmins\" differs only in case from the built-in group \"SuperAdmins\" (from super_admins): group names are compared without case (rename one of them)"},
		{"carriage return in a group name", "groups:\n  - name: \"Readers\\r  + ReadOnlyUsers \"\n",
			`2:5: groups[0].name: "Readers\r  + ReadOnlyUsers " contains a control character (U+000D) (delete it (retype the value if you cannot see it): such characters make a name look like another in plan's output)`},
		{"zero-width space in an email", "users:\n  - {email: \"jo\\u200bhn@example.com\", given_name: J, family_name: D}\n",
			`2:6: users[0].email: "jo\u200bhn@example.com" contains an invisible formatting character (U+200B) (delete it`},
		{"bidi override in a display name", "users:\n  - {email: j@example.com, given_name: J, family_name: D, display_name: \"\\u202eJ\"}\n",
			`2:59: users[0].display_name: "\u202eJ" contains an invisible formatting character (U+202E)`},
		{"no-break space in a given name", "users:\n  - {email: j@example.com, given_name: \"Jo\\u00a0Ann\", family_name: D}\n",
			`2:28: users[0].given_name: "Jo\u00a0Ann" contains a space other than a plain space (U+00A0)`},
		{"hidden character in a member", "groups:\n  - {name: G, members: [\"a\\u200d@example.com\"]}\n",
			`2:25: groups[0].members[0]: "a\u200d@example.com" contains an invisible formatting character (U+200D)`},
		{"space in a user name", "users:\n  - {user_name: john doe, given_name: J, family_name: D}\n",
			`2:6: users[0].user_name: "john doe": a user name cannot contain spaces (Identity Center refuses them; e.g. john.doe)`},
		{"reserved group name", "groups: [{name: administrator}]\n", `1:11: groups[0].name: "administrator" is reserved by Identity Center (choose another name)`},
		{"set description outside Latin-1", "permission_sets:\n  - name: P\n    description: \"read \u2014 only\"\n",
			`3:5: permission_sets[0].description: "read — only" contains "—" (U+2014), which AWS does not take in a permission set description`},
		{"relay state with <", "permission_sets:\n  - name: P\n    relay_state: https://example.com/<x>\n",
			`3:5: permission_sets[0].relay_state: "https://example.com/<x>" has characters AWS does not take in a relay state`},
		{"inline policy outside Latin-1", "permission_sets:\n  - name: P\n    inline_policy: '{\"Version\": \"2012-10-17\", \"Statement\": [], \"Id\": \"\u2014\"}'\n",
			`3:5: permission_sets[0].inline_policy: the inline policy contains "—" (U+2014): AWS takes only Latin-1 characters there (write it as \u2014 inside a JSON string, or remove it)`},
		{"customer-managed policy name", "permission_sets:\n  - name: P\n    customer_managed_policies: [{name: bad name}]\n",
			`3:34: permission_sets[0].customer_managed_policies[0].name: "bad name" is not a valid IAM policy name`},
		{"customer-managed policy path", "permission_sets:\n  - name: P\n    customer_managed_policies: [{name: ok, path: team}]\n",
			`3:44: permission_sets[0].customer_managed_policies[0].path: "team" is not a valid IAM path`},
		{"boundary path", "permission_sets:\n  - name: P\n    permissions_boundary: {customer_managed: {name: b, path: /a b/}}\n",
			`3:56: permission_sets[0].permissions_boundary.customer_managed.path: "/a b/" is not a valid IAM path`},
		{"managed policy name", "permission_sets:\n  - name: P\n    managed_policies: [Read<Only]\n",
			`3:24: permission_sets[0].managed_policies[0]: "arn:aws:iam::aws:policy/Read<Only" is not an AWS-managed policy ARN`},
		{"tag key", "permission_sets:\n  - name: P\n    tags: {\"cost#center\": x}\n",
			`3:5: permission_sets[0].tags: tag key "cost#center" has characters AWS does not take in tags`},
		{"region", "region: us east 1\n", `1:1: region: "us east 1" is not an AWS region (e.g. us-east-1 or eu-west-1)`},
		{"instance arn", "instance_arn: ssoins-1\n", `1:1: instance_arn: "ssoins-1" is not an Identity Center instance ARN`},
	} {
		t.Run(tc.name, func(t *testing.T) { wantProblem(t, tc.doc, tc.want) })
	}
}

// A name mixing alphabets, like a Cyrillic look-alike of an admin's email,
// is a warning with its place; one alphabet, or Japanese, is not.
func TestMixedScriptsWarn(t *testing.T) {
	c, err := parse(t, `users:
  - {email: john@example.com, given_name: John, family_name: Doe}
  - {email: "j\u043ehn@example.com", given_name: "J\u043ehn", family_name: Doe}
  - {email: ivan@example.com, given_name: "\u0418\u0432\u0430\u043d", family_name: "\u5c71\u7530\u305f\u308d\u3046"}
super_admins: [john@example.com, "j\u043ehn@example.com"]
`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range c.Warnings {
		s := w.String()
		got = append(got, s[strings.Index(s, ":")+1:])
	}
	want := []string{
		`3:6: users[1].email: "jоhn@example.com" mixes Latin and Cyrillic letters ("j" is Latin (U+006A), "о" is Cyrillic (U+043E)): it may be a look-alike of another name (retype it if every letter should be of one alphabet)`,
		`3:6: users[1].email: "jоhn@example.com" looks like "john@example.com" (users[0].email, line 2) but is another name (if they are one person or group, write the name the same way both times)`,
		`3:38: users[1].given_name: "Jоhn" mixes Latin and Cyrillic letters ("J" is Latin (U+004A), "о" is Cyrillic (U+043E)): it may be a look-alike of another name (retype it if every letter should be of one alphabet)`,
		`5:34: super_admins[1]: "jоhn@example.com" mixes Latin and Cyrillic letters ("j" is Latin (U+006A), "о" is Cyrillic (U+043E)): it may be a look-alike of another name (retype it if every letter should be of one alphabet)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("warnings (-want +got):\n%s", diff)
	}
}

// A name written wholly in look-alike letters (Cyrillic "јоhn") is a
// warning naming the name it looks like.
func TestLookAlikesWarn(t *testing.T) {
	c, err := parse(t, `users:
  - {email: john@example.com, given_name: John, family_name: Doe}
  - {email: JOHN2@example.com, given_name: John, family_name: Two}
super_admins: [john@example.com]
groups:
  - name: "Super\u0410dmins"
  - name: TEAM
  - name: "\u0422\u0415\u0410\u041c"
`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range c.Warnings {
		if strings.Contains(w.Message, "looks like") {
			s := w.String()
			got = append(got, s[strings.Index(s, ":")+1:])
		}
	}
	want := []string{
		`6:5: groups[0].name: "SuperАdmins" looks like "SuperAdmins" (the built-in group, from super_admins) but is another name (if they are one person or group, write the name the same way both times)`,
		`8:5: groups[2].name: "ТЕАМ" looks like "TEAM" (groups[1].name, line 7) but is another name (if they are one person or group, write the name the same way both times)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("warnings (-want +got):\n%s", diff)
	}
}

// A file of many mistakes (a megabyte of [a, a, ...] where users belong)
// reports the first hundred and how many more, in bounded time and memory.
func TestManyProblemsAreCounted(t *testing.T) {
	_, err := parse(t, "users: ["+strings.Repeat("a, ", 999)+"a]\n")
	e := err.(*Errors)
	if len(e.Problems) != 100 || e.More != 3900 {
		t.Fatalf("%d problems and %d more, want 100 and 3900", len(e.Problems), e.More)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, e.File+": 4000 problems:\n") || !strings.HasSuffix(msg, "\n... and 3900 more") {
		t.Fatalf("error: %.200s ... %s", msg, msg[len(msg)-100:])
	}
}
