package audit

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

func TestMatchUser(t *testing.T) {
	users := []ic.User{
		{ID: "1", UserName: "bob@example.com", Email: "bob@example.com"},
		{ID: "2", UserName: "john", Email: "john.doe@example.com"},
		{ID: "3", UserName: "jane.roe", Email: "JRoe@Example.com"},
		{ID: "4", UserName: "sam@a.example", Email: "sam@a.example"},
		{ID: "5", UserName: "sam2", Email: "sam@b.example"},
		{ID: "6", UserName: "ops-bot", Email: "ci@example.com"},
	}
	type want struct {
		User, By  string
		Ambiguous []string
	}
	for _, tc := range []struct {
		name, iam, mapped string
		tags              map[string]string
		want              want
	}{
		{name: "email name, as the demo's bob", iam: "bob", want: want{"bob@example.com", "email name", nil}},
		{name: "email name ignores case", iam: "BOB", want: want{"bob@example.com", "email name", nil}},
		{name: "user name", iam: "john", want: want{"john", "user name", nil}},
		{name: "IAM user named by email", iam: "JRoe@example.com", want: want{"jane.roe", "email", nil}},
		{name: "email tag first", iam: "john", tags: map[string]string{"Email": "jroe@example.com"}, want: want{"jane.roe", "email tag jroe@example.com", nil}},
		{name: "an email tag matching no one falls back to the name", iam: "john", tags: map[string]string{"email": "nobody@example.com"}, want: want{"john", "user name", nil}},
		{name: "mapping wins", iam: "john", mapped: "ci@example.com", want: want{"ops-bot", "the mapping file", nil}},
		{name: "a mapping to no one is no match", iam: "john", mapped: "nobody", want: want{}},
		{name: "two email names: ambiguous", iam: "sam", want: want{"", "", []string{"sam@a.example", "sam2"}}},
		{name: "the part before @ of a user name alone", iam: "john.doe", want: want{"john", "email name", nil}},
		{name: "no match", iam: "carol", want: want{}},
		{name: "no partial match", iam: "jo", want: want{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := MatchUser(users, tc.iam, tc.tags, tc.mapped)
			got := want{By: c.By, Ambiguous: c.Ambiguous}
			if c.User != nil {
				got.User = c.User.UserName
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("MatchUser(%q) (-want +got):\n%s", tc.iam, diff)
			}
		})
	}
}

// TestNoIdentityCenterFix: an IAM user with no Identity Center counterpart
// is fixed in keyless.yaml's users:, except where an identity provider
// makes the users (SCIM, or identity_source: external in the file): there
// the person is made in the identity provider.
func TestNoIdentityCenterFix(t *testing.T) {
	for _, tc := range []struct {
		name string
		ic   IdentityCenter
		want string
	}{
		{"keyless makes the users", IdentityCenter{Enabled: true, State: &ic.State{}},
			"add deploy to users: in keyless.yaml and run keyless apply; then keyless cleanup --account 111111111111 --user deploy"},
		{"SCIM users", IdentityCenter{Enabled: true, State: &ic.State{Users: []ic.User{{ID: "1", UserName: "ann", External: true}}}},
			"create deploy's person in your identity provider, which pushes them to Identity Center (SCIM), and give access through its groups (keyless.yaml assigns those); then keyless cleanup --account 111111111111 --user deploy"},
		{"the file says external", IdentityCenter{Enabled: true, State: &ic.State{}, Wanted: &Wanted{External: true}},
			"create deploy's person in your identity provider, which pushes them to Identity Center (SCIM), and give access through its groups (keyless.yaml assigns those); then keyless cleanup --account 111111111111 --user deploy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &AccountState{AccountID: "111111111111", IdentityCenter: &tc.ic,
				Users: []IAMUser{{Name: "deploy", ARN: "arn:aws:iam::111111111111:user/deploy"}}}
			var got []string
			for _, f := range Run(st, time.Now()).Findings {
				if f.ID == "iam-user-no-identity-center" {
					got = append(got, f.Remediation)
				}
			}
			if d := cmp.Diff([]string{tc.want}, got); d != "" {
				t.Errorf("fix (-want +got):\n%s", d)
			}
		})
	}
}
