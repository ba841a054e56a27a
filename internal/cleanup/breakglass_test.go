package cleanup

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/audit"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// TestBreakGlassGuards: the break-glass IAM user is never touched, even
// when its person has moved to Identity Center and its keys are old; the
// root user's credentials are removed only while another way in stays.
func TestBreakGlassGuards(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	old := now.AddDate(-1, 0, 0)
	member := func(d *audit.Declared, users ...audit.IAMUser) *audit.AccountState {
		return &audit.AccountState{AccountID: "222222222222", CallerARN: "arn:aws:sts::222222222222:assumed-role/Admin/x",
			Summary: map[string]int32{"AccountAccessKeysPresent": 1, "AccountMFAEnabled": 1}, Users: users, Declared: d,
			Organization:   &audit.Organization{ID: "o-1", ManagementAccountID: "111111111111", RootFeatures: []string{"RootCredentialsManagement", "RootSessions"}},
			IdentityCenter: &audit.IdentityCenter{Enabled: true, State: &ic.State{Users: []ic.User{{UserName: "emergency", ID: "u-1"}}}}}
	}
	emergency := audit.IAMUser{Name: "emergency", ARN: "arn:aws:iam::222222222222:user/emergency", Created: old,
		LoginProfile: &audit.LoginProfile{Created: old}, MFADevices: []string{"arn:aws:iam::222222222222:u2f/user/emergency/fidosecuritykey-X"},
		AccessKeys: []audit.AccessKey{{ID: "AKIAEMERGENCYAAAAAAA", Status: "Active", Created: old}}}
	user := &audit.BreakGlass{User: "emergency", Where: "keyless.yaml:4"}
	root := &audit.BreakGlass{Root: true, Where: "keyless.yaml:2"}
	for _, tc := range []struct {
		name     string
		st       *audit.AccountState
		want     []row
		whyHas   string
		whyIndex int
	}{
		{"no keyless.yaml: root stays", member(nil), []row{{"delete-root-credentials", "root", "refused"}}, "no keyless.yaml declares this account's break-glass way in", 0},
		{"root is the way in", member(&audit.Declared{File: "keyless.yaml", BreakGlass: root}), []row{{"delete-root-credentials", "root", "refused"}},
			"the root user is this account's break-glass way in (break_glass at keyless.yaml:2)", 0},
		{"the break-glass user does not exist", member(&audit.Declared{File: "keyless.yaml", BreakGlass: user}), []row{{"delete-root-credentials", "root", "refused"}},
			"would leave account 222222222222 with no way in: its break-glass IAM user emergency (keyless.yaml:4) does not exist", 0},
		{"the break-glass user stays: root goes, the user is refused", member(&audit.Declared{File: "keyless.yaml", BreakGlass: user}, emergency),
			[]row{{"delete-root-credentials", "root", "ready"}, {"delete-user", "emergency", "refused"}},
			"it is this account's break-glass way in (break_glass at keyless.yaml:4): keyless cleanup never changes it", 1},
		{"the management account's way in restores root", member(&audit.Declared{File: "keyless.yaml", Management: root}),
			[]row{{"delete-root-credentials", "root", "ready"}}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Build(Input{State: tc.st, Now: now, DeleteAfter: DefaultDeleteAfter, RootSession: true, RootCredentials: &audit.RootCredentials{AccessKeys: 1, Password: true}})
			if diff := cmp.Diff(tc.want, rows(p)); diff != "" {
				t.Fatalf("plan (-want +got):\n%s", diff)
			}
			if tc.whyHas != "" && !strings.Contains(p.Actions[tc.whyIndex].Why, tc.whyHas) {
				t.Errorf("why = %q, want %q in it", p.Actions[tc.whyIndex].Why, tc.whyHas)
			}
		})
	}
}

// TestExceptedKeyStays: a key keyless.yaml excepts is not deactivated
// while the exception holds, and is from the day after it expires.
func TestExceptedKeyStays(t *testing.T) {
	last := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	old := last.AddDate(-1, 0, 0)
	st := &audit.AccountState{AccountID: "111122223333", Users: []audit.IAMUser{{Name: "tape", Created: old,
		AccessKeys: []audit.AccessKey{{ID: "AKIATAPETAPETAPETAPE", Status: "Active", Created: old}}}},
		Declared: &audit.Declared{File: "keyless.yaml", KeyExceptions: []audit.KeyException{{User: "tape", Owner: "ops@example.com", Expires: last, Where: "keyless.yaml:3"}}}}
	p := Build(Input{State: st, Now: last, Only: Keys, DeleteAfter: DefaultDeleteAfter})
	if diff := cmp.Diff([]row{{"deactivate-key", "tape/key", "refused"}}, rows(p)); diff != "" {
		t.Fatalf("plan on the last day (-want +got):\n%s", diff)
	}
	if want := "key_exceptions at keyless.yaml:3 lets it stay until 2027-03-31 (owner ops@example.com)"; !strings.Contains(p.Actions[0].Why, want) {
		t.Errorf("why = %q, want %q in it", p.Actions[0].Why, want)
	}
	p = Build(Input{State: st, Now: last.AddDate(0, 0, 1), Only: Keys, DeleteAfter: DefaultDeleteAfter})
	if diff := cmp.Diff([]row{{"deactivate-key", "tape/key", "ready"}}, rows(p)); diff != "" {
		t.Fatalf("plan the day after (-want +got):\n%s", diff)
	}
}
