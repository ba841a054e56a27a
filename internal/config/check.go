package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// The three permission sets and groups of the Terraform module's shape.
type builtin struct {
	list     func(*Config) []Ref
	field    string
	set      string
	group    string
	policy   string
	describe string
}

var builtins = []builtin{
	{func(c *Config) []Ref { return c.SuperAdmins }, "super_admins", "SuperAdmin", "SuperAdmins", "arn:aws:iam::aws:policy/AdministratorAccess", "Full access to every service"},
	{func(c *Config) []Ref { return c.PowerUsers }, "power_users", "PowerUser", "PowerUsers", "arn:aws:iam::aws:policy/PowerUserAccess", "Everything except IAM and Organizations"},
	{func(c *Config) []Ref { return c.ReadonlyUsers }, "readonly_users", "ReadOnly", "ReadOnlyUsers", "arn:aws:iam::aws:policy/ReadOnlyAccess", "Read-only access"},
}

var (
	setNamePattern   = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)
	durationPattern  = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	ouIDPattern      = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$|^r-[0-9a-z]{4,32}$`)
)

// Limits AWS sets, named in messages.
const (
	maxPolicies       = 20 // AWS-managed and customer-managed policies per permission set
	maxRelayState     = 240
	maxSetDescription = 700
	maxTags           = 50
)

// check finds every problem that needs no AWS state.
func (c *Config) check(e *Errors) {
	at := func(_ Pos, path, msg, hint string) {
		p := c.at(path)
		e.add(Problem{Line: p.Line, Col: p.Col, Path: path, Message: msg, Hint: hint})
	}
	if c.SessionDuration != "" {
		if msg := checkDuration(c.SessionDuration); msg != "" {
			at(Pos{}, "session_duration", msg, "use ISO 8601, e.g. PT1H or PT8H")
		}
	}

	users := map[string]Pos{}
	emails := map[string]Pos{}
	for i := range c.Users {
		u := &c.Users[i]
		if u.Email == "" && u.UserName == "" {
			at(u.Pos, u.Path+".email", "every user needs an email (or a user_name)", "")
		} else if u.Email != "" && !validEmail(u.Email) {
			at(u.Pos, u.Path+".email", fmt.Sprintf("%q is not a valid email address", u.Email), "")
		}
		if u.UserName == "" {
			u.UserName = u.Email
		}
		if u.GivenName == "" {
			at(u.Pos, u.Path+".given_name", "Identity Center requires a given name", "")
		}
		if u.FamilyName == "" {
			at(u.Pos, u.Path+".family_name", "Identity Center requires a family name", "")
		}
		if u.DisplayName == "" {
			u.DisplayName = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
		}
		if len(u.UserName) > 128 {
			at(u.Pos, u.Path+".user_name", "a user name is at most 128 characters", "")
		}
		if k := strings.ToLower(u.UserName); k == "administrator" || k == "awsadministrators" {
			at(u.Pos, u.Path+".user_name", fmt.Sprintf("%q is reserved by Identity Center", u.UserName), "")
		}
		dupName := false
		if u.UserName != "" {
			if first, dup := users[strings.ToLower(u.UserName)]; dup {
				dupName = true
				at(u.Pos, u.Path+".email", fmt.Sprintf("user %s appears twice (first at line %d)", u.UserName, first.Line), "user names are compared without case")
			} else {
				users[strings.ToLower(u.UserName)] = u.Pos
			}
		}
		// keyless.yaml names people by email (super_admins, assignments), so
		// two users with one email would make those lists ambiguous.
		if e := strings.ToLower(u.Email); e != "" && !dupName {
			if first, dup := emails[e]; dup {
				at(u.Pos, u.Path+".email", fmt.Sprintf("email %s appears twice (first at line %d)", u.Email, first.Line), "keyless.yaml names people by email: give each user their own")
			} else {
				emails[e] = u.Pos
			}
		}
	}

	sets := map[string]bool{}
	groups := map[string]bool{}
	for _, b := range builtins {
		list := b.list(c)
		if len(list) > 0 {
			sets[b.set] = true
			groups[strings.ToLower(b.group)] = true
		}
		checkMembers(e, list)
	}

	for i := range c.Groups {
		g := &c.Groups[i]
		switch {
		case g.Name == "":
			at(g.Pos, g.Path+".name", "every group needs a name", "")
		case len(g.Name) > 1024:
			at(g.Pos, g.Path+".name", "a group name is at most 1,024 characters", "")
		case groups[strings.ToLower(g.Name)]:
			at(g.Pos, g.Path+".name", fmt.Sprintf("group %s is defined twice (or is one of the built-in groups SuperAdmins, PowerUsers, ReadOnlyUsers)", g.Name), "")
		}
		groups[strings.ToLower(g.Name)] = true
		if len(g.Description)+len(ic.Marker)+1 > 1024 {
			at(g.Pos, g.Path+".description", fmt.Sprintf("a description is at most %d characters (keyless adds %q)", 1024-len(ic.Marker)-1, " "+ic.Marker), "")
		}
		checkMembers(e, g.Members)
	}

	for i := range c.Sets {
		ps := &c.Sets[i]
		switch {
		case ps.Name == "":
			at(ps.Pos, ps.Path+".name", "every permission set needs a name", "")
		case !setNamePattern.MatchString(ps.Name):
			at(ps.Pos, ps.Path+".name", fmt.Sprintf("%q is not a valid permission set name", ps.Name), "1 to 32 letters, digits and +=,.@_-")
		case sets[ps.Name]:
			at(ps.Pos, ps.Path+".name", fmt.Sprintf("permission set %s is defined twice (or is one of the built-in sets SuperAdmin, PowerUser, ReadOnly)", ps.Name), "")
		}
		sets[ps.Name] = true
		if ps.SessionDuration != "" {
			if msg := checkDuration(ps.SessionDuration); msg != "" {
				at(ps.Pos, ps.Path+".session_duration", msg, "use ISO 8601, e.g. PT1H or PT8H")
			}
		}
		if max := maxSetDescription - len(ic.Marker) - 1; len(ps.Description) > max {
			at(ps.Pos, ps.Path+".description", fmt.Sprintf("a description is at most %d characters (AWS's %d, less the %q keyless adds)", max, maxSetDescription, " "+ic.Marker), "")
		}
		if len(ps.RelayState) > maxRelayState {
			at(ps.Pos, ps.Path+".relay_state", fmt.Sprintf("a relay state is at most %d characters", maxRelayState), "")
		}
		if n := len(ps.ManagedPolicies) + len(ps.CustomerManaged); n > maxPolicies {
			at(ps.Pos, ps.Path+".managed_policies", fmt.Sprintf("%d policies: AWS allows %d AWS-managed and customer-managed policies per permission set", n, maxPolicies), "combine policies, or split the permission set")
		}
		checkTags(e, c, ps)
	}

	for i := range c.Assignments {
		a := &c.Assignments[i]
		switch {
		case a.PermissionSet.Value == "":
			at(a.Pos, a.Path+".permission_set", "an assignment needs a permission_set", "")
		case !sets[a.PermissionSet.Value]:
			hint := "define it under permission_sets"
			if s := didYouMeanExact(a.PermissionSet.Value, setNames(c)); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			at(a.PermissionSet.Pos, a.PermissionSet.Path, fmt.Sprintf("permission set %q is not defined in this file", a.PermissionSet.Value), hint)
		}
		if len(a.Groups)+len(a.Users) == 0 {
			at(a.Pos, a.Path, "an assignment needs groups or users", "")
		}
		if len(a.Accounts)+len(a.OUs)+len(a.AccountTags) == 0 && !a.AllAccounts && !a.CurrentAccount {
			at(a.Pos, a.Path, "an assignment needs a target: accounts, ous, account_tags, all_accounts or current_account", "")
		}
		for _, g := range a.Groups {
			if !groups[strings.ToLower(g.Value)] {
				at(g.Pos, g.Path, fmt.Sprintf("group %q is not defined in this file", g.Value), "define it under groups (keyless assigns only groups it manages)")
			}
		}
		checkMembers(e, a.Users)
		for _, acct := range a.Accounts {
			if acct.Value == "" {
				at(acct.Pos, acct.Path, "empty account", "")
			} else if isDigits(acct.Value) && !accountIDPattern.MatchString(acct.Value) {
				at(acct.Pos, acct.Path, fmt.Sprintf("account id %s is not 12 digits", acct.Value), "quote ids in YAML (\"012345678901\") so leading zeros stay")
			}
		}
		for _, ou := range a.OUs {
			if !strings.HasPrefix(ou.Value, "/") && !ouIDPattern.MatchString(ou.Value) {
				at(ou.Pos, ou.Path, fmt.Sprintf("%q is neither an OU id (ou-xxxx-xxxxxxxx, or r-xxxx for the root) nor a path from the root (/Workloads/Prod)", ou.Value), "")
			}
		}
	}
}

func checkMembers(e *Errors, refs []Ref) {
	seen := map[string]bool{}
	for _, r := range refs {
		switch {
		case r.Value == "":
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: "empty user"})
		case strings.Contains(r.Value, "@") && !validEmail(r.Value):
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("%q is not a valid email address", r.Value)})
		case seen[strings.ToLower(r.Value)]:
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("%s is listed twice", r.Value)})
		}
		seen[strings.ToLower(r.Value)] = true
	}
}

func checkTags(e *Errors, c *Config, ps *PermissionSet) {
	at := func(msg string) {
		p := c.at(ps.Path + ".tags")
		e.add(Problem{Line: p.Line, Col: p.Col, Path: ps.Path + ".tags", Message: msg})
	}
	if len(ps.Tags) > maxTags-1 {
		at(fmt.Sprintf("%d tags: AWS allows %d, and keyless uses one (%s)", len(ps.Tags), maxTags, ic.OwnerTagKey))
	}
	for _, k := range sortedKeys(ps.Tags) {
		v := ps.Tags[k]
		switch {
		case k == "" || len(k) > 128:
			at(fmt.Sprintf("tag key %q must be 1 to 128 characters", k))
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			at(fmt.Sprintf("tag key %q: the aws: prefix is reserved by AWS", k))
		case k == ic.OwnerTagKey:
			at(fmt.Sprintf("tag key %q is keyless's ownership tag", k))
		case len(v) > 256:
			at(fmt.Sprintf("tag %s: a value is at most 256 characters", k))
		}
	}
}

// checkDuration checks an ISO 8601 session duration against AWS's range.
func checkDuration(s string) string {
	d, ok := parseDuration(s)
	if !ok {
		return fmt.Sprintf("%q is not an ISO 8601 duration", s)
	}
	if d < time.Hour || d > 12*time.Hour {
		return fmt.Sprintf("%s is outside AWS's range of 1 to 12 hours (PT1H to PT12H)", s)
	}
	return ""
}

func parseDuration(s string) (time.Duration, bool) {
	m := durationPattern.FindStringSubmatch(s)
	if m == nil || s == "PT" {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil {
				return 0, false
			}
			d += time.Duration(n) * unit
		}
	}
	return d, true
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndex(s, "@")
	return at > 0 && strings.Contains(s[at+1:], ".")
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func setNames(c *Config) []string {
	var out []string
	for _, b := range builtins {
		if len(b.list(c)) > 0 {
			out = append(out, b.set)
		}
	}
	for _, ps := range c.Sets {
		out = append(out, ps.Name)
	}
	return out
}

// didYouMeanExact is didYouMean for names compared with case.
func didYouMeanExact(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}
