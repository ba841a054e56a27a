package elevation

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDigest(t *testing.T) {
	r := Request{Key: Key{PK: "AROAEXAMPLE:alice", SK: "REQ#01KBGZ4X1Y2Z3A4B5C6D7E8F9G"}, Rule: "prod-admin",
		PermissionSet: "AdministratorAccess", Account: "222222222222", Seconds: 7200, Reason: "incident 42", Ticket: ""}
	// Computed independently: the doc's v1|pk|sk|rule|permission_set|account|seconds|reason|ticket.
	want := sha256.Sum256([]byte("v1|AROAEXAMPLE:alice|REQ#01KBGZ4X1Y2Z3A4B5C6D7E8F9G|prod-admin|AdministratorAccess|222222222222|7200|incident 42|"))
	if got := r.Digest(); got != hex.EncodeToString(want[:]) {
		t.Fatalf("digest = %s, want %x", got, want)
	}
	// Every field counts.
	for name, change := range map[string]func(*Request){
		"pk": func(r *Request) { r.PK = "AROAEXAMPLE:bob" }, "sk": func(r *Request) { r.SK += "X" },
		"rule": func(r *Request) { r.Rule = "x" }, "set": func(r *Request) { r.PermissionSet = "x" },
		"account": func(r *Request) { r.Account = "333333333333" }, "seconds": func(r *Request) { r.Seconds++ },
		"reason": func(r *Request) { r.Reason += "!" }, "ticket": func(r *Request) { r.Ticket = "OPS-1" },
	} {
		c := r
		change(&c)
		if c.Digest() == r.Digest() {
			t.Errorf("changing %s keeps the digest", name)
		}
	}
}

func TestKeys(t *testing.T) {
	req := Key{PK: "AROAEXAMPLE:alice@example.com", SK: "REQ#01KBGZ4X1Y2Z3A4B5C6D7E8F9G"}
	got := []Key{DecisionKey("AROAEXAMPLE:bob", req), RevokeKey("AROAEXAMPLE:carol", req), UsedKey(req)}
	want := []Key{
		{PK: "AROAEXAMPLE:bob", SK: "DEC#AROAEXAMPLE:alice@example.com#REQ#01KBGZ4X1Y2Z3A4B5C6D7E8F9G"},
		{PK: "AROAEXAMPLE:carol", SK: "REV#AROAEXAMPLE:alice@example.com#REQ#01KBGZ4X1Y2Z3A4B5C6D7E8F9G"},
		{PK: "USED#AROAEXAMPLE:alice@example.com#REQ#01KBGZ4X1Y2Z3A4B5C6D7E8F9G", SK: "USED"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatal(d)
	}
	for _, k := range got {
		s := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(k.SK, "DEC#"), "REV#"), "USED")
		if k.SK == "USED" {
			s = strings.TrimPrefix(k.PK, "USED#")
		}
		if back, ok := splitRequestKey(s); !ok || back != req {
			t.Errorf("splitRequestKey(%q) = %v %v, want %v", s, back, ok, req)
		}
	}
	if UserName(req.PK) != "alice@example.com" {
		t.Errorf("UserName = %q", UserName(req.PK))
	}
	item := Key{PK: "ASG#ps-1#222222222222#9067-u", SK: "UNTIL#2026-12-02T11:30:00Z#REQ#01KBGZ4X1Y2Z3A4B5C6D7E8F9G"}.item()
	item["request_pk"], item["request_sk"] = strValue(req.PK), strValue(req.SK)
	g, ok := parseGrantItem(item)
	if !ok || !g.Until.Equal(time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC)) || g.Request != req {
		t.Errorf("parseGrantItem = %+v %v", g, ok)
	}
	if _, ok := parseGrantItem(Key{PK: "ASG#x", SK: "UNTIL#yesterday#REQ#1"}.item()); ok {
		t.Error("parseGrantItem accepted a bad time")
	}
}

func TestRequestItemRoundTrip(t *testing.T) {
	r := Request{Key: Key{PK: "AROAEXAMPLE:alice", SK: "REQ#01KBGZ4X1Y2Z3A4B5C6D7E8F9G"}, Rule: "r", PermissionSet: "S", Account: "1", Seconds: 60, Reason: "x"}
	back, err := parseRequest(r.Item())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r, back); d != "" {
		t.Fatal(d)
	}
	if back.Created().IsZero() {
		t.Error("no creation time from the ULID")
	}
}

func TestFormatDuration(t *testing.T) {
	for secs, want := range map[int]string{7200: "2h", 5400: "1h30m", 2700: "45m", 90: "1m30s", 0: "0s", 86400: "24h"} {
		if got := FormatDuration(secs); got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", secs, got, want)
		}
	}
}

// clientCatalog has the rules the client tests check against.
func clientCatalog() *Catalog {
	return &Catalog{Version: 1, Region: "us-east-1", HomeAccount: "111111111111", InstanceARN: "arn:aws:sso:::instance/ssoins-1111111111111111",
		ElevationRoleID: "AROAEXAMPLE", MaxSeconds: 8 * 3600, GroupMembers: true,
		Rules: []Rule{
			{Name: "prod-admin", PermissionSet: "AdministratorAccess", Accounts: []string{"222222222222"},
				AccountNames: map[string]string{"222222222222": "prod"}, MaxSeconds: 7200, ReasonRequired: true,
				TicketPattern: `^[A-Z]+-[0-9]+$`,
				Eligible:      Principals{Groups: []Principal{{Name: "Developers", ID: "g-1", Members: []string{"alice", "bob"}}}},
				Approvers:     Principals{Users: []Principal{{Name: "carol", ID: "u-3"}}}},
			{Name: "break-glass", PermissionSet: "AdministratorAccess", Accounts: []string{"333333333333"},
				MaxSeconds: 3600, TicketRequired: true, Eligible: Principals{Users: []Principal{{Name: "alice", ID: "u-1"}}},
				SelfApproval: []Principal{{Name: "alice", ID: "u-1"}}},
		}}
}

func TestCheck(t *testing.T) {
	c := &Client{Catalog: clientCatalog(), Caller: "AROAEXAMPLE:alice"}
	ok := Ask{PermissionSet: "AdministratorAccess", Account: "prod", Duration: 2 * time.Hour, Reason: "incident"}
	r, acct, err := c.Check(ok)
	if err != nil || r.Name != "prod-admin" || acct != "222222222222" {
		t.Fatalf("Check(%+v) = %v %s %v", ok, r, acct, err)
	}
	for _, tc := range []struct {
		name  string
		who   string
		edit  func(*Ask)
		field string
		msg   string
	}{
		{"unknown set", "alice", func(a *Ask) { a.PermissionSet = "Nope" }, "set", `no elevation rule offers permission set "Nope"; requestable sets: AdministratorAccess`},
		{"unknown account", "alice", func(a *Ask) { a.Account = "dev" }, "account", `account "dev" is not an account id or name in any elevation rule; you may request it in: 333333333333, prod (222222222222)`},
		// bob may not use break-glass's account: it is not offered to him.
		{"unknown account, fewer rules", "bob", func(a *Ask) { a.Account = "999999999999" }, "account", `account "999999999999" is not an account id or name in any elevation rule; you may request it in: prod (222222222222)`},
		{"too long", "alice", func(a *Ask) { a.Duration = 3 * time.Hour }, "duration", "3h is longer than rule prod-admin allows (at most 2h)"},
		{"too short", "alice", func(a *Ask) { a.Duration = time.Second }, "duration", "a grant lasts at least 1m0s, not 1s"},
		{"not eligible", "dave", nil, "set", "dave is not eligible for AdministratorAccess in prod (222222222222) (rule prod-admin: group Developers)"},
		{"no reason", "alice", func(a *Ask) { a.Reason = " " }, "reason", "rule prod-admin requires a reason"},
		{"bad ticket", "alice", func(a *Ask) { a.Ticket = "ops 1" }, "ticket", `ticket "ops 1" does not match rule prod-admin's pattern ^[A-Z]+-[0-9]+$`},
		{"pipe", "alice", func(a *Ask) { a.Reason = "a|b" }, "reason", `the reason must not contain "|"`},
		{"newline", "alice", func(a *Ask) { a.Reason = "a\nb" }, "reason", "the reason must be one line of text"},
		{"ticket required", "alice", func(a *Ask) { a.Account = "333333333333"; a.Duration = time.Hour }, "ticket", "rule break-glass requires a ticket reference"},
		{"wrong rule", "alice", func(a *Ask) { a.Rule = "break-glass" }, "rule", "rule \"break-glass\" does not offer AdministratorAccess in prod (222222222222); rules that do: prod-admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ok
			if tc.edit != nil {
				tc.edit(&a)
			}
			c := &Client{Catalog: clientCatalog(), Caller: "AROAEXAMPLE:" + tc.who}
			_, _, err := c.Check(a)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tc.field || ie.Msg != tc.msg {
				t.Fatalf("Check = %v\nwant %s: %s", err, tc.field, tc.msg)
			}
		})
	}
}

// An account a rule of another set names is known: the error names it,
// and lists only where the person may request the set.
func TestCheckAccountOfAnotherSet(t *testing.T) {
	cat := clientCatalog()
	cat.Rules = append(cat.Rules, Rule{Name: "dev-read", PermissionSet: "ReadOnlyAccess", Accounts: []string{"444444444444"},
		AccountNames: map[string]string{"444444444444": "dev"}, MaxSeconds: 3600, Eligible: Principals{Users: []Principal{{Name: "dave", ID: "u-4"}}}})
	for _, tc := range []struct{ who, msg string }{
		{"alice", `no elevation rule offers AdministratorAccess in account dev (444444444444); you may request it in: 333333333333, prod (222222222222)`},
		{"dave", `no elevation rule offers AdministratorAccess in account dev (444444444444); you may request AdministratorAccess in no account`},
	} {
		c := &Client{Catalog: cat, Caller: "AROAEXAMPLE:" + tc.who}
		_, _, err := c.Check(Ask{PermissionSet: "AdministratorAccess", Account: "DEV", Duration: time.Hour, Reason: "x"})
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != "account" || ie.Msg != tc.msg {
			t.Errorf("%s: Check = %v\nwant account: %s", tc.who, err, tc.msg)
		}
	}
}

// Two rules offering the set in one account: the error names the account
// as the other errors do, and the flag that chooses.
func TestCheckSeveralRules(t *testing.T) {
	cat := clientCatalog()
	cat.Rules[1].Accounts = append(cat.Rules[1].Accounts, "222222222222")
	cat.Rules[1].AccountNames = map[string]string{"222222222222": "prod"}
	c := &Client{Catalog: cat, Caller: "AROAEXAMPLE:alice"}
	_, _, err := c.Check(Ask{PermissionSet: "AdministratorAccess", Account: "prod", Duration: time.Hour, Reason: "incident"})
	var ie *InputError
	want := "several rules offer AdministratorAccess in prod (222222222222) to alice: prod-admin, break-glass; choose one with --rule, e.g. --rule prod-admin"
	if !errors.As(err, &ie) || ie.Field != "rule" || ie.Msg != want {
		t.Fatalf("Check = %v\nwant rule: %s", err, want)
	}
	r, _, err := c.Check(Ask{PermissionSet: "AdministratorAccess", Account: "prod", Rule: "break-glass", Duration: time.Hour, Reason: "incident", Ticket: "OPS-1"})
	if err != nil || r.Name != "break-glass" {
		t.Fatalf("Check with --rule break-glass = %v, %v", r, err)
	}
}

func TestMayApprove(t *testing.T) {
	cat := clientCatalog()
	prod, _ := cat.Rule("prod-admin")
	glass, _ := cat.Rule("break-glass")
	for _, tc := range []struct {
		rule                *Rule
		approver, requester string
		want                bool
	}{
		{prod, "carol", "alice", true},
		{prod, "bob", "alice", false},
		{prod, "carol", "carol", false}, // an approver is not a self-approver
		{glass, "alice", "alice", true},
		{glass, "carol", "alice", false},
	} {
		if got := cat.MayApprove(tc.rule, tc.approver, tc.requester); got != tc.want {
			t.Errorf("%s: MayApprove(%s, %s) = %v", tc.rule.Name, tc.approver, tc.requester, got)
		}
	}
	if got := len(cat.Choices("alice")); got != 2 {
		t.Errorf("alice's choices = %d, want 2", got)
	}
	if got := len(cat.Choices("dave")); got != 0 {
		t.Errorf("dave's choices = %d, want 0", got)
	}
}
