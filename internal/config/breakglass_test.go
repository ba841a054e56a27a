package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBreakGlassAndKeyExceptionsAreRead(t *testing.T) {
	c, err := parse(t, workloadBase+`break_glass:
  - root: true
    accounts: ["111122223333"]
  - iam_user: emergency
key_exceptions:
  - iam_user: legacy-backup
    owner: ops@example.com
    expires: 2027-03-31
    reason: the appliance cannot assume roles
  - access_key: AKIAIOSFODNN7EXAMPLE
    accounts: ["444455556666"]
    owner: dev@example.com
    expires: "2026-12-31"
`)
	if err != nil {
		t.Fatal(err)
	}
	if b := c.BreakGlassFor("111122223333"); b == nil || !b.Root {
		t.Errorf("111122223333: break glass %+v, want the root user", b)
	}
	if b := c.BreakGlassFor("999999999999"); b == nil || b.IAMUser.Value != "emergency" || c.Where(b.Pos) != c.File+":6" {
		t.Errorf("999999999999: break glass %+v, want emergency at line 6", b)
	}
	got := map[string]string{}
	for _, x := range c.KeyExceptionsFor("111122223333") {
		got[x.IAMUser.Value+x.AccessKey.Value] = x.Owner + " " + x.Expires.Format(time.DateOnly) + " " + x.Reason
	}
	if diff := cmp.Diff(map[string]string{"legacy-backup": "ops@example.com 2027-03-31 the appliance cannot assume roles"}, got); diff != "" {
		t.Errorf("exceptions of 111122223333 (-want +got):\n%s", diff)
	}
	if n := len(c.KeyExceptionsFor("444455556666")); n != 2 {
		t.Errorf("444455556666 has %d exceptions, want 2", n)
	}
}

func TestBreakGlassProblems(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"break_glass: [{root: true, iam_user: x}]", "5:28: break_glass[0].iam_user: an entry names one way in"},
		{"break_glass: [{accounts: [\"111122223333\"]}]", "5:16: break_glass[0]: the entry names no way in"},
		{"break_glass: [{root: false}]", "5:22: break_glass[0].root: root: false names no way in"},
		{"break_glass: [{iam_user: \"a b\"}]", `5:16: break_glass[0].iam_user: "a b" is not an IAM user name`},
		{"break_glass: [{root: true}, {iam_user: x}]", "5:30: break_glass[1]: every account already has its break-glass way in (break_glass[0], line 5)"},
		{"break_glass: [{root: true, accounts: [\"12\"]}]", "5:39: break_glass[0].accounts[0]: account id 12 is not 12 digits"},
		{"break_glass: [{root: true, mfa: hardware}]", `5:28: break_glass[0].mfa: unknown field "mfa"`},
	} {
		t.Run(tc.want, func(t *testing.T) { wantProblem(t, workloadBase+"\n\n"+tc.doc+"\n", tc.want) })
	}
}

func TestKeyExceptionProblems(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"key_exceptions:\n  - iam_user: bot\n    expires: 2027-01-01\n", "4:5: key_exceptions[0].owner: the exception has no owner"},
		{"key_exceptions:\n  - iam_user: bot\n    owner: ops@example.com\n", "4:5: key_exceptions[0].expires: the exception has no expiry date"},
		{"key_exceptions:\n  - iam_user: bot\n    owner: ops@example.com\n    expires: 31/12/2027\n", `6:14: key_exceptions[0].expires: "31/12/2027" is not a date`},
		{"key_exceptions:\n  - iam_user: bot\n    owner: ops@example.com\n    expires: 2027-02-30\n", `6:14: key_exceptions[0].expires: "2027-02-30" is not a date`},
		{"key_exceptions:\n  - iam_user: bot\n    owner: ops\n    expires: 2027-01-01\n", `5:5: key_exceptions[0].owner: "ops" is not an email address`},
		{"key_exceptions:\n  - owner: ops@example.com\n    expires: 2027-01-01\n", "4:5: key_exceptions[0]: the exception names no IAM user or access key"},
		{"key_exceptions:\n  - access_key: AKIA123\n    owner: ops@example.com\n    expires: 2027-01-01\n", `4:5: key_exceptions[0].access_key: "AKIA123" is not a long-lived access key id`},
		{"key_exceptions:\n  - iam_user: bot\n    owner: ops@example.com\n    expires: 2027-01-01\n    until: 2028-01-01\n", `7:5: key_exceptions[0].until: unknown field "until"`},
	} {
		t.Run(tc.want, func(t *testing.T) { wantProblem(t, workloadBase+tc.doc, tc.want) })
	}
}
