package config

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// elevationBase is a file whose sets, groups and users the elevation
// examples name.
const elevationBase = `users:
  - {email: alice@example.com, given_name: Alice, family_name: A}
  - {email: bob@example.com, given_name: Bob, family_name: B}
  - {email: carol@example.com, given_name: Carol, family_name: C}
  - {email: dave@example.com, given_name: Dave, family_name: D}
super_admins: [dave@example.com]
groups:
  - {name: Developers, members: [carol@example.com]}
  - {name: Platform, members: [dave@example.com]}
  - {name: SecOps}
permission_sets:
  - {name: AdministratorAccess, managed_policies: [AdministratorAccess]}
  - {name: ReadOnlyAccess, managed_policies: [ReadOnlyAccess]}
assignments:
  - {permission_set: ReadOnlyAccess, groups: [Developers], all_accounts: true}
`

// docExample is docs/elevation.md's keyless.yaml block, checked to be the
// page's by TestElevationDocExampleIsThePages.
const docExample = `elevation:
  home_account: security           # where the table, machines, schedules and roles live (default: Identity
                                   # Center's delegated administrator, else the management account)
  max_duration: 8h                 # ceiling for every rule (default 8h; at most 24h)
  request_expiry: 12h              # a request nobody decided by then cannot be approved (default 24h)
  reason: required                 # required | optional (default required)
  ticket: {required: false, pattern: '^[A-Z]+-[0-9]+$'}
  webhook: https://hooks.slack.com/services/...   # optional: Slack-compatible {"text": ...}; not a control
  revokers: {groups: [SecOps]}     # may revoke any grant (requester and the rule's approvers always may)
  rules:
    - name: prod-admin             # [a-z0-9-], 1-32, unique; shown in requests
      permission_set: AdministratorAccess   # must be elevation-only: no assignments: entry may name it
      accounts: [prod]             # the usual targeting: accounts, ous, account_tags, all_accounts
      ous: [/Workloads/Prod]
      eligible: {groups: [Developers], users: [carol@example.com]}
      approvers: {groups: [Platform]}
      max_duration: 2h             # at most elevation.max_duration
    - name: break-glass
      permission_set: AdministratorAccess
      all_accounts: true
      eligible: {users: [alice@example.com, bob@example.com]}
      approvers: {groups: [Platform]}
      self_approval: {users: [alice@example.com, bob@example.com]}   # only named users, only this rule
      max_duration: 1h
      ticket: {required: true}     # overrides the top-level setting for this rule
`

func TestElevationDocExampleIsThePages(t *testing.T) {
	page, err := os.ReadFile("../../docs/elevation.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "```yaml\n"+docExample+"```") {
		t.Error("docs/elevation.md's keyless.yaml block is not docExample: update one to the other")
	}
}

func TestElevationIsRead(t *testing.T) {
	c, err := parse(t, elevationBase+docExample)
	if err != nil {
		t.Fatal(err)
	}
	e := c.Elevation
	if e == nil || len(e.Rules) != 2 {
		t.Fatalf("elevation: %+v", e)
	}
	if e.HomeAccount.Value != "security" || e.Ceiling() != 8*time.Hour || !e.ReasonRequired || e.Ticket.Pattern != "^[A-Z]+-[0-9]+$" || e.Ticket.Required {
		t.Errorf("section: %+v", e)
	}
	if e.Expiry() != 12*time.Hour {
		t.Errorf("request_expiry: %s, want 12h", e.Expiry())
	}
	prod, glass := &e.Rules[0], &e.Rules[1]
	if prod.Max(e) != 2*time.Hour || glass.Max(e) != time.Hour {
		t.Errorf("max: %s %s", prod.Max(e), glass.Max(e))
	}
	if got := glass.TicketOf(e); !got.Required || got.Pattern != "^[A-Z]+-[0-9]+$" {
		t.Errorf("break-glass ticket: %+v", got)
	}
	if got := prod.TicketOf(e); got.Required {
		t.Errorf("prod-admin ticket: %+v", got)
	}
	if prod.Target.Accounts[0].Value != "prod" || prod.Target.OUs[0].Value != "/Workloads/Prod" || !glass.Target.AllAccounts {
		t.Errorf("targets: %+v %+v", prod.Target, glass.Target)
	}
	if p := prod.PermissionSet.Pos; p.Line != strings.Count(elevationBase, "\n")+12 {
		t.Errorf("permission_set at %+v", p)
	}
}

// TestElevationBadInput: every problem at once, each at its line and
// field with what to do.
func TestElevationBadInput(t *testing.T) {
	doc := elevationBase + `elevation:
  max_duration: 30h
  reason: sometimes
  webhook: http://hooks.example.com/services/T0/B0/SECRETTOKEN
  rules:
    - name: Prod_Admin
      permission_set: ReadOnlyAccess
      accounts: ["12345"]
      eligible: {groups: [Nobody]}
      max_duration: 10m
    - name: glass
      permission_set: AdministratorAcess
      all_accounts: true
      eligible: {users: [alice@example.com]}
      self_approval: {users: [bob@example.com], groups: [Platform]}
    - name: glass
      permission_set: KeylessElevation
      current_account: true
      eligible: {users: [alice@example.com]}
      approvers: {users: [dave@example.com]}
      ticket: {pattern: '[unclosed'}
      max_duration: soon
    - name: none
      permission_set: AdministratorAccess
`
	_, err := parse(t, doc)
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want *Errors, got %v", err)
	}
	base := strings.Count(elevationBase, "\n")
	type want struct {
		line int
		path string
		msg  string
	}
	var got []want
	for _, p := range errs.Problems {
		got = append(got, want{p.Line - base, p.Path, p.Message})
	}
	for _, w := range []want{
		{2, "elevation.max_duration", "30h0m0s is outside 15m to 24h"},
		{3, "elevation.reason", `"sometimes" is not a reason setting`},
		{4, "elevation.webhook", `http://hooks.example.com/... (rest not shown) is not an https URL`},
		{6, "elevation.rules[0].name", `"Prod_Admin" is not a rule name`},
		{7, "elevation.rules[0].permission_set", `permission set "ReadOnlyAccess" is also given by assignments[0].permission_set (line 15): an elevation's expiry would remove that standing access`},
		{8, "elevation.rules[0].accounts[0]", "account id 12345 is not 12 digits"},
		{9, "elevation.rules[0].eligible.groups[0]", `group "Nobody" is not defined in this file`},
		{10, "elevation.rules[0].max_duration", "10m0s is below the 15m minimum"},
		{12, "elevation.rules[1].permission_set", `permission set "AdministratorAcess" is not defined in this file`},
		{15, "elevation.rules[1].self_approval.users[0]", "bob@example.com may approve their own requests but is not eligible for this rule"},
		{15, "elevation.rules[1].self_approval.groups[0]", "self_approval names users only"},
		{16, "elevation.rules[2].name", `rule "glass" is defined twice (it is rule "glass" at line ` + strconv.Itoa(base+11) + `)`},
		{17, "elevation.rules[2].permission_set", "KeylessElevation is the set keyless gives requesters and approvers"},
		{18, "elevation.rules[2].current_account", `unknown field "current_account"`},
		{16, "elevation.rules[2]", "a rule needs a target: accounts, ous, account_tags or all_accounts"},
		{21, "elevation.rules[2].ticket.pattern", "not a regular expression: error parsing regexp: missing closing ]: `[unclosed`"},
		{22, "elevation.rules[2].max_duration", `"soon" is not a duration`},
		{23, "elevation.rules[3]", "a rule needs a target: accounts, ous, account_tags or all_accounts"},
		{23, "elevation.rules[3].eligible", "a rule needs eligible users or groups"},
		{23, "elevation.rules[3].approvers", "a rule needs approvers (or self_approval for break-glass users)"},
	} {
		found := false
		for _, g := range got {
			if g == w {
				found = true
			}
		}
		if !found {
			t.Errorf("missing problem %+v", w)
		}
	}
	if t.Failed() {
		t.Log(cmp.Diff(nil, got))
	}
	if strings.Contains(errs.Error(), "SECRETTOKEN") {
		t.Errorf("the error shows the webhook's token:\n%s", errs.Error())
	}
	for _, p := range errs.Problems {
		if p.Hint == "" && !strings.Contains(p.Message, "twice") {
			t.Errorf("%s: no hint", p)
		}
	}
}

// TestElevationRequestExpiry: request_expiry defaults to a day; a value
// outside 15m to a week, or not a duration, is refused at its line and
// field with what to give.
func TestElevationRequestExpiry(t *testing.T) {
	rule := `  rules:
    - {name: prod-admin, permission_set: AdministratorAccess, accounts: ["111111111111"], eligible: {groups: [Developers]}, approvers: {groups: [Platform]}}
`
	c, err := parse(t, elevationBase+"elevation:\n"+rule)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Elevation.Expiry(); got != 24*time.Hour {
		t.Errorf("default request expiry = %s, want 24h", got)
	}
	line := strings.Count(elevationBase, "\n") + 2
	for value, msg := range map[string]string{
		"200h":     "elevation.request_expiry: 200h0m0s is outside 15m to 168h (a week) (how long a request nobody decided may still be approved, e.g. 24h)",
		"5m":       "elevation.request_expiry: 5m0s is outside 15m to 168h (a week)",
		"tomorrow": `elevation.request_expiry: "tomorrow" is not a duration (hours and minutes, e.g. 2h, 90m or 1h30m)`,
	} {
		_, err := parse(t, elevationBase+"elevation:\n  request_expiry: "+value+"\n"+rule)
		var errs *Errors
		if !errors.As(err, &errs) || len(errs.Problems) != 1 {
			t.Fatalf("request_expiry %s: %v, want one problem", value, err)
		}
		if p := errs.Problems[0]; p.Line != line || !strings.HasSuffix(p.File, "keyless.yaml") || !strings.Contains(p.String(), msg) {
			t.Errorf("request_expiry %s: %s, want line %d: %s", value, p, line, msg)
		}
	}
	if c, err := parse(t, elevationBase+"elevation:\n  request_expiry: 168h\n"+rule); err != nil || c.Elevation.Expiry() != 7*24*time.Hour {
		t.Errorf("request_expiry 168h: %v", err)
	}
}

func TestSchemaAcceptsElevation(t *testing.T) {
	if err := compileSchema(t).Validate(asJSON(t, []byte(elevationBase+docExample))); err != nil {
		t.Errorf("the schema refuses docs/elevation.md's example: %v", err)
	}
}
