package cleanup

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/audit"
)

// The built-in set follows policies through groups, tags beat the mapping
// for names, and the mapping beats the tag for emails.
func TestImportIAMUsersGroups(t *testing.T) {
	st := &audit.AccountState{AccountID: "111111111111", Users: []audit.IAMUser{
		{Name: "ops1", Groups: []string{"admins"}},
		{Name: "dev1", Groups: []string{"devs"}, AttachedPolicies: []string{"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}},
		{Name: "x"},
	}}
	tags := map[string]map[string]string{
		"ops1": {"Email": "old@example.com", "GivenName": "Olga", "family_name": "Ops"},
		"dev1": {"email": "dev.one@example.com"},
		"x":    {"email": "x@example.com"},
	}
	groups := map[string][]string{"admins": {"arn:aws:iam::aws:policy/AdministratorAccess"}, "devs": {"arn:aws:iam::aws:policy/PowerUserAccess"}}
	imp := ImportIAMUsers(st, tags, groups, map[string]string{"ops1": "olga@example.com"})
	got := string(imp.YAML)
	for _, want := range []string{
		"  - email: olga@example.com\n    user_name: ops1\n    given_name: Olga\n    family_name: Ops\n",
		"  - email: dev.one@example.com\n    user_name: dev1\n    given_name: Dev\n    family_name: One\n",
		"super_admins:\n  - olga@example.com\n",
		"power_users:\n  - dev.one@example.com\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if diff := cmp.Diff([]string{"x: no given and family name: tag the IAM user with given_name and family_name"}, imp.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}
