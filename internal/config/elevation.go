package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/keyless-dev/keyless/internal/elevation"
	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/suggest"
)

// Elevation is keyless.yaml's elevation: section: who may ask for which
// permission set in which accounts, for how long, and who approves
// (docs/elevation.md). internal/elevation compiles it into the machines.
type Elevation struct {
	// HomeAccount is where the table, machines, schedules and roles live
	// (name or id); empty: the delegated administrator, else the
	// management account.
	HomeAccount Ref
	// MaxDuration is the ceiling of every rule (default 8h, at most 24h).
	MaxDuration time.Duration
	// RequestExpiry is how long a request nobody decided stays decidable
	// (default 24h, from 15m to 7 days); 0: the default.
	RequestExpiry time.Duration
	// ReasonRequired: reason: required (the default) or optional.
	ReasonRequired bool
	Ticket         Ticket
	Webhook        string
	Revokers       Principals
	Rules          []ElevationRule
	Pos            Pos
	Path           string
}

// Ticket is whether a ticket reference is required, and its form.
type Ticket struct {
	Required bool
	Pattern  string // a regular expression, "" for any
	// Set is whether the file gave ticket: here (a rule's overrides the
	// top-level one).
	Set bool
}

// Principals are users (by email or user name) and groups (by name).
type Principals struct {
	Users, Groups []Ref
}

// ElevationRule is one entry of elevation.rules.
type ElevationRule struct {
	Name          string
	PermissionSet Ref
	// Target is where the set may be requested, with an assignment's
	// targeting (accounts, ous, account_tags, all_accounts).
	Target       Assignment
	Eligible     Principals
	Approvers    Principals
	SelfApproval Principals // users only
	// MaxDuration is the rule's longest grant; 0: the section's.
	MaxDuration time.Duration
	Ticket      Ticket // Set false: the section's
	Pos         Pos
	Path        string
}

var (
	elevationFields  = []string{"home_account", "max_duration", "request_expiry", "reason", "ticket", "webhook", "revokers", "rules"}
	elevRuleFields   = []string{"name", "permission_set", "accounts", "ous", "account_tags", "all_accounts", "eligible", "approvers", "self_approval", "max_duration", "ticket"}
	principalsFields = []string{"users", "groups"}
	ticketFields     = []string{"required", "pattern"}

	ruleNamePattern = lazyre.New(`^[a-z0-9-]{1,32}$`)
)

// Elevation's limits, as docs/elevation.md gives them.
const (
	DefaultElevationMax = 8 * time.Hour
	MaxElevation        = 24 * time.Hour
	MinElevation        = 15 * time.Minute
	// A request's expiry: at least a quarter of an hour for someone to
	// answer, at most a week, after which a request is stale.
	MinRequestExpiry = 15 * time.Minute
	MaxRequestExpiry = 7 * 24 * time.Hour
	// maxRuleGroups is identitystore:IsMemberInGroups' limit of group ids,
	// which decide asks in one call.
	maxRuleGroups = 100
)

func (r *reader) elevation(n ast.Node, path string) *Elevation {
	e := &Elevation{Pos: posOf(n), Path: path, ReasonRequired: true}
	for key, v := range r.fields(n, path, elevationFields) {
		p := path + "." + key
		switch key {
		case "home_account":
			e.HomeAccount = r.ref(v, p)
		case "max_duration":
			e.MaxDuration = r.elevationDuration(v, p)
		case "request_expiry":
			if d := r.elevationDuration(v, p); d > 0 && (d < MinRequestExpiry || d > MaxRequestExpiry) {
				r.problem(v, p, fmt.Sprintf("%s is outside 15m to 168h (a week)", d), "how long a request nobody decided may still be approved, e.g. 24h")
			} else {
				e.RequestExpiry = d
			}
		case "reason":
			switch s := r.str(v, p); s {
			case "required":
			case "optional":
				e.ReasonRequired = false
			default:
				r.problem(v, p, fmt.Sprintf("%q is not a reason setting", s), "required (the default) or optional")
			}
		case "ticket":
			e.Ticket = r.ticket(v, p)
		case "webhook":
			e.Webhook = r.str(v, p)
			if u, err := url.Parse(e.Webhook); err != nil || u.Scheme != "https" || u.Host == "" {
				r.problem(v, p, fmt.Sprintf("%s is not an https URL", redactURL(e.Webhook)), "give the incoming webhook's URL, e.g. https://hooks.slack.com/services/...")
			}
		case "revokers":
			e.Revokers = r.principals(v, p)
		case "rules":
			for i, item := range r.list(v, p) {
				e.Rules = append(e.Rules, r.elevationRule(item, fmt.Sprintf("%s[%d]", p, i)))
			}
		}
	}
	return e
}

func (r *reader) elevationRule(n ast.Node, path string) ElevationRule {
	rule := ElevationRule{Pos: posOf(n), Path: path}
	rule.Target.Pos, rule.Target.Path = rule.Pos, path
	for key, v := range r.fields(n, path, elevRuleFields) {
		p := path + "." + key
		switch key {
		case "name":
			rule.Name = r.str(v, p)
		case "permission_set":
			rule.PermissionSet = r.ref(v, p)
		case "eligible":
			rule.Eligible = r.principals(v, p)
		case "approvers":
			rule.Approvers = r.principals(v, p)
		case "self_approval":
			rule.SelfApproval = r.principals(v, p)
			for _, g := range rule.SelfApproval.Groups {
				r.errs.add(Problem{Line: g.Pos.Line, Col: g.Pos.Col, Path: g.Path, Message: "self_approval names users only",
					Hint: "list each break-glass person under self_approval.users"})
			}
		case "max_duration":
			rule.MaxDuration = r.elevationDuration(v, p)
		case "ticket":
			rule.Ticket = r.ticket(v, p)
		default:
			r.target(&rule.Target, key, v, p)
		}
	}
	return rule
}

func (r *reader) principals(n ast.Node, path string) Principals {
	var out Principals
	for key, v := range r.fields(n, path, principalsFields) {
		switch key {
		case "users":
			out.Users = r.refs(v, path+".users")
		case "groups":
			out.Groups = r.refs(v, path+".groups")
		}
	}
	return out
}

func (r *reader) ticket(n ast.Node, path string) Ticket {
	t := Ticket{Set: true}
	for key, v := range r.fields(n, path, ticketFields) {
		switch key {
		case "required":
			t.Required = r.boolean(v, path+".required")
		case "pattern":
			t.Pattern = r.str(v, path+".pattern")
			if _, err := regexp.Compile(t.Pattern); err != nil {
				r.problem(v, path+".pattern", fmt.Sprintf("not a regular expression: %v", err), "e.g. '^[A-Z]+-[0-9]+$'")
			} else if strings.ContainsAny(t.Pattern, "\n") {
				r.problem(v, path+".pattern", "the pattern spans lines", "write it on one line")
			}
		}
	}
	return t
}

// elevationDuration reads 2h, 90m, 1h30m.
func (r *reader) elevationDuration(n ast.Node, path string) time.Duration {
	s := r.str(n, path)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d%time.Minute != 0 {
		r.problem(n, path, fmt.Sprintf("%q is not a duration", s), "hours and minutes, e.g. 2h, 90m or 1h30m")
		return 0
	}
	return d
}

// Max is the rule's longest grant.
func (rule *ElevationRule) Max(e *Elevation) time.Duration {
	if rule.MaxDuration > 0 {
		return rule.MaxDuration
	}
	return e.Ceiling()
}

// Ceiling is the section's max_duration, or its default.
func (e *Elevation) Ceiling() time.Duration {
	if e.MaxDuration > 0 {
		return e.MaxDuration
	}
	return DefaultElevationMax
}

// Expiry is the section's request_expiry, or its default.
func (e *Elevation) Expiry() time.Duration {
	if e.RequestExpiry > 0 {
		return e.RequestExpiry
	}
	return elevation.DefaultRequestExpiry
}

// TicketOf is the ticket setting that holds for the rule.
func (rule *ElevationRule) TicketOf(e *Elevation) Ticket {
	if rule.Ticket.Set {
		t := rule.Ticket
		if t.Pattern == "" {
			t.Pattern = e.Ticket.Pattern
		}
		return t
	}
	return e.Ticket
}

// checkElevation checks the section against the rest of the file; what
// needs AWS (accounts, OUs, users not in the file) is checked when it is
// resolved (ElevationCatalog).
func (c *Config) checkElevation(at func(Pos, string, string, string), sets map[string]bool, groups map[string]named) {
	e := c.Elevation
	if e == nil {
		return
	}
	if e.MaxDuration > MaxElevation || e.MaxDuration > 0 && e.MaxDuration < MinElevation {
		at(e.Pos, e.Path+".max_duration", fmt.Sprintf("%s is outside 15m to 24h", e.MaxDuration), "e.g. 8h")
	}
	if len(e.Rules) == 0 {
		at(e.Pos, e.Path+".rules", "elevation: needs at least one rule", "see docs/elevation.md")
	}
	assigned := map[string]string{} // set -> the assignment's path
	for _, a := range c.Assignments {
		if _, ok := assigned[a.PermissionSet.Value]; !ok {
			assigned[a.PermissionSet.Value] = a.PermissionSet.Path
		}
	}
	for _, b := range builtins {
		if len(b.list(c)) > 0 || c.builtinGroupRef(b.field).Value != "" {
			assigned[b.set] = b.field
		}
	}
	c.checkPrincipals(at, e.Revokers, groups)
	names := map[string]named{}
	for i := range e.Rules {
		rule := &e.Rules[i]
		switch {
		case rule.Name == "":
			at(rule.Pos, rule.Path+".name", "a rule needs a name", "e.g. name: prod-admin")
		case !ruleNamePattern.MatchString(rule.Name):
			at(rule.Pos, rule.Path+".name", fmt.Sprintf("%q is not a rule name", rule.Name), "1 to 32 lower-case letters, digits and -")
		default:
			if msg := unique(names, "rule", rule.Name, c.at(rule.Path+".name").Line, ""); msg != "" {
				at(rule.Pos, rule.Path+".name", msg, "give each rule its own name")
			}
		}
		ps := rule.PermissionSet
		switch {
		case ps.Value == "":
			at(rule.Pos, rule.Path+".permission_set", "a rule needs a permission_set", "")
		case ps.Value == elevationSetName:
			at(ps.Pos, ps.Path, fmt.Sprintf("%s is the set keyless gives requesters and approvers", elevationSetName), "name the permission set to elevate to")
		case !sets[ps.Value]:
			hint := "define it under permission_sets"
			if s := suggest.Closest(ps.Value, setNames(c)); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			at(ps.Pos, ps.Path, fmt.Sprintf("permission set %q is not defined in this file", ps.Value), hint)
		case assigned[ps.Value] != "":
			at(ps.Pos, ps.Path, fmt.Sprintf("permission set %q is also given by %s (line %d): an elevation's expiry would remove that standing access",
				ps.Value, assigned[ps.Value], c.at(assigned[ps.Value]).Line), "elevate to a set used only for elevation: define a copy under another name")
		}
		t := rule.Target
		if len(t.Accounts)+len(t.OUs)+len(t.AccountTags) == 0 && !t.AllAccounts {
			at(rule.Pos, rule.Path, "a rule needs a target: accounts, ous, account_tags or all_accounts", "e.g. accounts: [prod] or ous: [/Workloads/Prod]")
		}
		checkTargetRefs(at, t)
		if rule.MaxDuration > 0 {
			switch {
			case rule.MaxDuration < MinElevation:
				at(rule.Pos, rule.Path+".max_duration", fmt.Sprintf("%s is below the 15m minimum", rule.MaxDuration), "e.g. 1h")
			case rule.MaxDuration > min(e.Ceiling(), MaxElevation):
				at(rule.Pos, rule.Path+".max_duration", fmt.Sprintf("%s is above elevation.max_duration (%s)", rule.MaxDuration, min(e.Ceiling(), MaxElevation)),
					"lower it, or raise elevation.max_duration (at most 24h)")
			}
		}
		if len(rule.Eligible.Users)+len(rule.Eligible.Groups) == 0 {
			at(rule.Pos, rule.Path+".eligible", "a rule needs eligible users or groups", "e.g. eligible: {groups: [Developers]}")
		}
		if len(rule.Approvers.Users)+len(rule.Approvers.Groups)+len(rule.SelfApproval.Users) == 0 {
			at(rule.Pos, rule.Path+".approvers", "a rule needs approvers (or self_approval for break-glass users)", "e.g. approvers: {groups: [Platform]}")
		}
		for _, f := range []struct {
			name string
			p    Principals
		}{{"eligible", rule.Eligible}, {"approvers", rule.Approvers}} {
			if n := len(f.p.Groups); n > maxRuleGroups {
				at(rule.Pos, rule.Path+"."+f.name+".groups", fmt.Sprintf("%d groups: at most %d per rule (identitystore:IsMemberInGroups' limit)", n, maxRuleGroups), "make a group of the groups' members")
			}
			c.checkPrincipals(at, f.p, groups)
		}
		if n := len(rule.Approvers.Groups) + len(e.Revokers.Groups); n > maxRuleGroups && len(rule.Approvers.Groups) <= maxRuleGroups {
			at(rule.Pos, rule.Path+".approvers.groups", fmt.Sprintf("%d groups with elevation.revokers': at most %d (a revoke asks identitystore:IsMemberInGroups of both at once)", n, maxRuleGroups),
				"make a group of the groups' members")
		}
		for _, u := range rule.SelfApproval.Users {
			if !c.eligibleInFile(rule, u.Value) {
				at(u.Pos, u.Path, fmt.Sprintf("%s may approve their own requests but is not eligible for this rule", u.Value),
					"add them under eligible, or remove them here")
			}
		}
	}
}

// elevationSetName is internal/elevation's PermissionSetName (config does
// not import the packages it feeds).
const elevationSetName = "KeylessElevation"

// checkPrincipals checks that each group is one of the file's, and each
// user's form (whether the user exists is checked against AWS).
func (c *Config) checkPrincipals(at func(Pos, string, string, string), p Principals, groups map[string]named) {
	for _, g := range p.Groups {
		if _, ok := groups[strings.ToLower(g.Value)]; !ok {
			hint := "define it under groups"
			if c.External {
				hint = "name it under groups, as your identity provider spells it"
			}
			at(g.Pos, g.Path, fmt.Sprintf("group %q is not defined in this file", g.Value), hint)
		}
	}
	for _, u := range p.Users {
		if u.Value == "" {
			at(u.Pos, u.Path, "empty user", "")
		}
	}
}

// eligibleInFile reports whether the user is listed in the rule's
// eligible users, or is a member of one of its eligible groups as the file
// lists them.
func (c *Config) eligibleInFile(rule *ElevationRule, user string) bool {
	is := func(r Ref) bool { return strings.EqualFold(r.Value, user) }
	if slices.ContainsFunc(rule.Eligible.Users, is) {
		return true
	}
	if c.External && len(rule.Eligible.Groups) > 0 {
		return true // the provider's members are not in the file; decide checks them
	}
	for _, g := range rule.Eligible.Groups {
		for _, fg := range c.Groups {
			if strings.EqualFold(fg.Name, g.Value) && slices.ContainsFunc(fg.Members, is) {
				return true
			}
		}
		for _, b := range builtins {
			if strings.EqualFold(b.group, g.Value) && slices.ContainsFunc(b.list(c), is) {
				return true
			}
		}
	}
	return false
}

// redactURL shows a webhook URL without what may be its secret: Slack
// puts the token in the path, others in the query or the user info.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "the value (not shown: it may hold the webhook's token)"
	}
	out := u.Scheme + "://" + u.Host
	if u.Path != "" || u.RawQuery != "" || u.User != nil {
		out += "/... (rest not shown)"
	}
	return out
}
