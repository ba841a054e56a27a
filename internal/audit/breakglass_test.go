package audit

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// statusOf is each finding of check id in r, as "status resource".
func statusOf(r *Report, id string) []string {
	var out []string
	for _, f := range r.Findings {
		if f.ID == id {
			out = append(out, string(f.Status)+" "+f.Resource)
		}
	}
	return out
}

// TestKeyExceptionHoldsThroughItsLastDay: an exception holds through the
// day it names (UTC) and the key fails again from the next; one naming
// the key wins over one naming its user.
func TestKeyExceptionHoldsThroughItsLastDay(t *testing.T) {
	last := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	st := &AccountState{AccountID: "111122223333", Summary: map[string]int32{"AccountMFAEnabled": 1}, Users: []IAMUser{{Name: "bot", ARN: "arn:aws:iam::111122223333:user/bot",
		AccessKeys: []AccessKey{{ID: "AKIAAAAAAAAAAAAAAAA1", Status: "Active"}, {ID: "AKIAAAAAAAAAAAAAAAA2", Status: "Active"}, {ID: "AKIAAAAAAAAAAAAAAAA3", Status: "Inactive"}}}},
		Declared: &Declared{File: "keyless.yaml", KeyExceptions: []KeyException{
			{User: "BOT", Owner: "ops@example.com", Expires: last, Where: "keyless.yaml:3"},
			{KeyID: "AKIAAAAAAAAAAAAAAAA2", Owner: "dev@example.com", Expires: last.AddDate(1, 0, 0), Where: "keyless.yaml:7"},
		}}}
	key := func(n string) string { return "arn:aws:iam::111122223333:user/bot/access-key/AKIAAAAAAAAAAAAAAAA" + n }
	for _, tc := range []struct {
		now      time.Time
		want     []string
		wantHigh int
	}{
		{last.Add(23*time.Hour + 59*time.Minute), []string{"excepted " + key("1"), "excepted " + key("2")}, 0},
		{last.AddDate(0, 0, 1), []string{"excepted " + key("2"), "fail " + key("1")}, 1},
	} {
		r := Run(st, tc.now)
		if diff := cmp.Diff(tc.want, statusOf(r, "iam-user-active-key")); diff != "" {
			t.Errorf("at %s (-want +got):\n%s", tc.now, diff)
		}
		if n := r.AtOrAbove(High); n != tc.wantHigh {
			t.Errorf("at %s: %d findings at or above high, want %d", tc.now, n, tc.wantHigh)
		}
	}
	// Without keyless.yaml every active key fails.
	st.Declared = nil
	if got := statusOf(Run(st, last), "iam-user-active-key"); len(got) != 2 || got[0] != "fail "+key("1") || got[1] != "fail "+key("2") {
		t.Errorf("without keyless.yaml: %v", got)
	}
}

// TestHardwareMFA: AWS lists virtual devices (arn:...:mfa/NAME) in
// ListVirtualMFADevices; hardware TOTP tokens have plain serials and FIDO
// keys u2f ARNs.
func TestHardwareMFA(t *testing.T) {
	st := &AccountState{VirtualMFA: []string{"arn:aws:iam::111122223333:mfa/phone"}}
	for serial, virtual := range map[string]bool{
		"arn:aws:iam::111122223333:mfa/phone":                          true,
		"arn:aws:iam::111122223333:mfa/unlisted":                       true,
		"GAHT12345678":                                                 false,
		"arn:aws:iam::111122223333:u2f/user/safe/fidosecuritykey-ABCD": false,
	} {
		if got := st.IsVirtualMFA(serial); got != virtual {
			t.Errorf("IsVirtualMFA(%s) = %v, want %v", serial, got, virtual)
		}
	}
	// A break-glass user with a phone and a hardware token has hardware MFA.
	st = &AccountState{AccountID: "111122223333", Summary: map[string]int32{"AccountMFAEnabled": 1},
		Users: []IAMUser{{Name: "safe", ARN: "arn:aws:iam::111122223333:user/safe", LoginProfile: &LoginProfile{},
			MFADevices: []string{"arn:aws:iam::111122223333:mfa/safe", "GAHT12345678"}}},
		Declared: &Declared{File: "keyless.yaml", BreakGlass: &BreakGlass{User: "safe", Where: "keyless.yaml:2"}}}
	r := Run(st, time.Now())
	for _, id := range []string{"break-glass-declared", "break-glass-missing", "break-glass-access-key", "break-glass-no-mfa", "break-glass-virtual-mfa", "break-glass-used"} {
		if got := statusOf(r, id); len(got) != 0 {
			t.Errorf("%s: %v, want a pass", id, got)
		}
	}
}
