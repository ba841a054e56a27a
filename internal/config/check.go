package config

import (
	"cmp"
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/suggest"
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
	setNamePattern   = lazyre.New(`^[\w+=,.@-]{1,32}$`)
	accountIDPattern = lazyre.New(`^\d{12}$`)
	ouIDPattern      = lazyre.New(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$|^r-[0-9a-z]{4,32}$`)
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
	moreWarnings := 0
	warn := func(path, msg, hint string) {
		if len(c.Warnings) == maxProblems {
			moreWarnings++
			return
		}
		p := c.at(path)
		c.Warnings = append(c.Warnings, Problem{File: e.File, Line: p.Line, Col: p.Col, Path: path, Message: msg, Hint: hint})
	}
	defer func() {
		if moreWarnings > 0 {
			c.Warnings = append(c.Warnings, Problem{File: e.File, Line: c.Warnings[len(c.Warnings)-1].Line, Col: 1,
				Message: "... and " + plural.Count(moreWarnings, "more warning", "more warnings")})
		}
	}()
	// text checks a name or free text for hidden characters, AWS's length,
	// and warns on mixed scripts.
	text := func(path, value string, freeText bool) bool {
		if msg, hint := textProblem(value, freeText); msg != "" {
			at(Pos{}, path, msg, hint)
			return false
		}
		if !freeText {
			if msg := mixedScripts(value); msg != "" {
				warn(path, msg, "retype it if every letter should be of one alphabet")
			}
		}
		return true
	}
	if c.SessionDuration != "" {
		if msg := checkDuration(c.SessionDuration); msg != "" {
			at(Pos{}, "session_duration", msg, "use ISO 8601, e.g. PT1H or PT8H")
		}
	}
	if c.Region != "" && !regionPattern.MatchString(c.Region) {
		at(Pos{}, "region", fmt.Sprintf("%q is not an AWS region", c.Region), "e.g. us-east-1 or eu-west-1")
	}
	if c.InstanceARN != "" && !instanceARNPattern.MatchString(c.InstanceARN) {
		at(Pos{}, "instance_arn", fmt.Sprintf("%q is not an Identity Center instance ARN", c.InstanceARN),
			"e.g. arn:aws:sso:::instance/ssoins-1234567890abcdef; 'aws sso-admin list-instances' shows it, or leave it out")
	}

	users := map[string]Pos{}
	emails := map[string]Pos{}
	// lookAlike warns when a name looks like an earlier one of its kind
	// without being it (a Cyrillic "о" for a Latin one).
	seen := map[string]named{}
	lookAlike := func(path, value string) {
		if value == "" {
			return
		}
		first, ok := seen[skeleton(value)]
		switch {
		case !ok:
			seen[skeleton(value)] = named{value, fmt.Sprintf("%s, line %d", path, c.at(path).Line)}
		case !strings.EqualFold(first.name, value):
			warn(path, fmt.Sprintf("%q looks like %q (%s) but is another name", value, first.name, first.where),
				"if they are one person or group, write the name the same way both times")
		}
	}
	for i := range c.Users {
		u := &c.Users[i]
		emailOK := u.Email == "" || text(u.Path+".email", u.Email, false)
		if emailOK {
			lookAlike(u.Path+".email", u.Email)
		}
		if u.Email == "" && u.UserName == "" {
			at(u.Pos, u.Path+".email", "every user needs an email (or a user_name)", "")
		} else if emailOK && u.Email != "" && !validEmail(u.Email) {
			at(u.Pos, u.Path+".email", fmt.Sprintf("%q is not a valid email address", u.Email), "")
			emailOK = false
		}
		// The user name is the email unless given; check it where it is written.
		namePath := u.Path + ".user_name"
		if u.UserName == "" {
			u.UserName, namePath = u.Email, u.Path+".email"
		}
		switch {
		case u.UserName == "":
		case namePath != u.Path+".email":
			checkUserName(at, namePath, u.UserName, text)
		case emailOK: // a valid email, its text checked already
			checkUserName(at, namePath, u.UserName, func(string, string, bool) bool { return true })
		}
		for _, f := range []struct{ field, value, missing string }{
			{"given_name", u.GivenName, "Identity Center requires a given name"},
			{"family_name", u.FamilyName, "Identity Center requires a family name"},
			{"display_name", u.DisplayName, ""},
		} {
			switch {
			case f.value != "":
				text(u.Path+"."+f.field, f.value, false)
			case f.missing != "":
				at(u.Pos, u.Path+"."+f.field, f.missing, "")
			}
		}
		if u.DisplayName == "" {
			u.DisplayName = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
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

	// Names as the file spells them (assignments refer to them exactly), and
	// folded, with where they stand: AWS compares permission set names
	// without case, and keyless.yaml compares group names without case.
	sets := map[string]bool{}
	setsFolded := map[string]named{}
	groups := map[string]named{}
	for _, b := range builtins {
		list := b.list(c)
		if len(list) > 0 {
			sets[b.set] = true
			setsFolded[strings.ToLower(b.set)] = named{b.set, fmt.Sprintf("the built-in set %q (from %s)", b.set, b.field)}
			groups[strings.ToLower(b.group)] = named{b.group, fmt.Sprintf("the built-in group %q (from %s)", b.group, b.field)}
			seen[skeleton(b.group)] = named{b.group, "the built-in group, from " + b.field}
		}
		checkMembers(e, list, warn)
	}

	for i := range c.Groups {
		g := &c.Groups[i]
		path := g.Path + ".name"
		switch {
		case g.Name == "":
			at(g.Pos, path, "every group needs a name", "")
		case !text(path, g.Name, false):
			// Refused, but defined: an assignment naming it is not a second problem.
			unique(groups, "group", g.Name, c.at(path).Line, "")
		case isReserved(g.Name):
			at(g.Pos, path, fmt.Sprintf("%q is reserved by Identity Center", g.Name), "choose another name")
		default:
			if msg := unique(groups, "group", g.Name, c.at(path).Line, "group names are compared without case"); msg != "" {
				at(g.Pos, path, msg, "rename one of them")
			}
			lookAlike(path, g.Name)
		}
		if g.Description != "" && text(g.Path+".description", g.Description, true) &&
			awsLen(g.Description)+len(ic.Marker)+1 > identityStoreMaxText {
			at(g.Pos, g.Path+".description", fmt.Sprintf("a description is at most %d characters (keyless adds %q)", identityStoreMaxText-len(ic.Marker)-1, " "+ic.Marker), "")
		}
		checkMembers(e, g.Members, warn)
	}
	c.checkSource(at, text, sets, setsFolded, groups)

	for i := range c.Sets {
		ps := &c.Sets[i]
		path := ps.Path + ".name"
		switch {
		case ps.Name == "":
			at(ps.Pos, path, "every permission set needs a name", "")
		case !setNamePattern.MatchString(ps.Name):
			at(ps.Pos, path, fmt.Sprintf("%q is not a valid permission set name", ps.Name), "1 to 32 letters, digits and +=,.@_-")
		case strings.EqualFold(ps.Name, elevationSetName):
			at(ps.Pos, path, fmt.Sprintf("%s is the permission set keyless makes for elevation:", elevationSetName), "choose another name")
		default:
			if msg := unique(setsFolded, "permission set", ps.Name, c.at(path).Line, "AWS compares permission set names without case"); msg != "" {
				at(ps.Pos, path, msg, "rename one of them")
			}
		}
		sets[ps.Name] = true
		if ps.SessionDuration != "" {
			if msg := checkDuration(ps.SessionDuration); msg != "" {
				at(ps.Pos, ps.Path+".session_duration", msg, "use ISO 8601, e.g. PT1H or PT8H")
			}
		}
		checkSetText(at, ps)
		if n := len(ps.ManagedPolicies) + len(ps.CustomerManaged); n > maxPolicies {
			at(ps.Pos, ps.Path+".managed_policies", fmt.Sprintf("%d policies: AWS allows %d AWS-managed and customer-managed policies per permission set", n, maxPolicies), "combine policies, or split the permission set")
		}
		checkTags(e, c, ps)
	}

	defer slices.SortStableFunc(c.Warnings, func(a, b Problem) int { return cmp.Or(a.Line-b.Line, a.Col-b.Col) })

	for i := range c.Assignments {
		a := &c.Assignments[i]
		switch {
		case a.PermissionSet.Value == "":
			at(a.Pos, a.Path+".permission_set", "an assignment needs a permission_set", "")
		case !sets[a.PermissionSet.Value]:
			hint := "define it under permission_sets"
			if s := suggest.Closest(a.PermissionSet.Value, setNames(c)); s != "" {
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
			if _, ok := groups[strings.ToLower(g.Value)]; !ok {
				hint := "define it under groups (keyless assigns only groups it manages)"
				if c.External {
					hint = "name it under groups, as your identity provider spells it"
				}
				at(g.Pos, g.Path, fmt.Sprintf("group %q is not defined in this file", g.Value), hint)
			}
		}
		checkMembers(e, a.Users, warn)
		checkTargetRefs(at, *a)
	}
	c.checkWorkloads(at)
	c.checkElevation(at, sets, groups)
	c.checkBreakGlass(at)
	c.checkKeyExceptions(at)
}

// checkTargetRefs checks the form of a target's account ids and OUs.
func checkTargetRefs(at func(Pos, string, string, string), a Assignment) {
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

// named is a name as first written, and where.
type named struct{ name, where string }

// unique records a name in seen (by its folded form), or says which name
// it repeats, exactly or but for case.
func unique(seen map[string]named, kind, name string, line int, why string) string {
	first, dup := seen[strings.ToLower(name)]
	switch {
	case !dup:
		seen[strings.ToLower(name)] = named{name, fmt.Sprintf("%s %q at line %d", kind, name, line)}
		return ""
	case first.name == name:
		return fmt.Sprintf("%s %q is defined twice (it is %s)", kind, name, first.where)
	}
	return fmt.Sprintf("%s %q differs only in case from %s: %s", kind, name, first.where, why)
}

func isReserved(name string) bool {
	k := strings.ToLower(name)
	return k == "administrator" || k == "awsadministrators"
}

// checkUserName checks a user name (or the email that stands for it)
// against the identity store's UserName: 1 to 128 letters, marks, numbers,
// punctuation and symbols, no spaces.
func checkUserName(at func(Pos, string, string, string), path, name string, text func(string, string, bool) bool) {
	switch {
	case !text(path, name, false):
	case strings.Contains(name, " "):
		at(Pos{}, path, fmt.Sprintf("%q: a user name cannot contain spaces", name), "Identity Center refuses them; e.g. "+strings.ReplaceAll(name, " ", "."))
	case awsLen(name) > 128:
		at(Pos{}, path, "a user name is at most 128 characters", "give a shorter user_name")
	case isReserved(name):
		at(Pos{}, path, fmt.Sprintf("%q is reserved by Identity Center", name), "choose another user name")
	}
}

// checkSetText checks a permission set's texts against what sso-admin takes.
func checkSetText(at func(Pos, string, string, string), ps *PermissionSet) {
	if max := maxSetDescription - len(ic.Marker) - 1; len(ps.Description) > max {
		at(ps.Pos, ps.Path+".description", fmt.Sprintf("a description is at most %d characters (AWS's %d, less the %q keyless adds)", max, maxSetDescription, " "+ic.Marker), "")
	} else if i := strings.IndexFunc(ps.Description, func(r rune) bool {
		return !setDescPattern.MatchString(string(r)) || hidden(r) && r != '\n' && r != '\t'
	}); i >= 0 {
		r := []rune(ps.Description[i:])[0]
		at(ps.Pos, ps.Path+".description", fmt.Sprintf("%q contains %q (U+%04X), which AWS does not take in a permission set description", ps.Description, string(r), r),
			"use letters, digits, punctuation and spaces of Latin-1 (ASCII and accented letters)")
	}
	switch {
	case len(ps.RelayState) > maxRelayState:
		at(ps.Pos, ps.Path+".relay_state", fmt.Sprintf("a relay state is at most %d characters", maxRelayState), "")
	case ps.RelayState != "" && !relayStatePattern.MatchString(ps.RelayState):
		at(ps.Pos, ps.Path+".relay_state", fmt.Sprintf("%q has characters AWS does not take in a relay state", ps.RelayState),
			"use a console URL; percent-encode anything but letters, digits and &$@#\\/%?=~-_'\"|!:,.;*+[]() {}")
	}
	if i := strings.IndexFunc(ps.InlinePolicy, func(r rune) bool { return !inInlinePolicy(r) }); i >= 0 {
		r := []rune(ps.InlinePolicy[i:])[0]
		at(ps.Pos, ps.Path+".inline_policy", fmt.Sprintf("the inline policy contains %q (U+%04X): AWS takes only Latin-1 characters there", string(r), r),
			fmt.Sprintf("write it as \\u%04x inside a JSON string, or remove it", r))
	}
	if ic.HasCutSid(ps.InlinePolicy) {
		at(ps.Pos, ps.Path+".inline_policy", fmt.Sprintf("a statement's Sid starts with %s, which keyless keeps for its session cuts (docs/offboarding.md)", ic.CutSidPrefix),
			"give the statement another Sid")
	}
	for i, arn := range ps.ManagedPolicies {
		if !managedARNPattern.MatchString(arn) || len(arn) > 2048 {
			at(ps.Pos, fmt.Sprintf("%s.managed_policies[%d]", ps.Path, i), fmt.Sprintf("%q is not an AWS-managed policy ARN", arn), "e.g. ReadOnlyAccess or arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
		}
	}
	refs := map[string]PolicyRef{}
	for i, ref := range ps.CustomerManaged {
		refs[fmt.Sprintf("%s.customer_managed_policies[%d]", ps.Path, i)] = ref
	}
	if b := ps.Boundary; b != nil {
		if b.CustomerManaged != nil {
			refs[ps.Path+".permissions_boundary.customer_managed"] = *b.CustomerManaged
		}
		if b.ManagedPolicy != "" && !managedARNPattern.MatchString(b.ManagedPolicy) {
			at(ps.Pos, ps.Path+".permissions_boundary.managed_policy", fmt.Sprintf("%q is not an AWS-managed policy ARN", b.ManagedPolicy), "e.g. PowerUserAccess")
		}
	}
	for _, path := range slices.Sorted(maps.Keys(refs)) {
		ref := refs[path]
		if ref.Name != "" && !policyNamePattern.MatchString(ref.Name) {
			at(ps.Pos, path+".name", fmt.Sprintf("%q is not a valid IAM policy name", ref.Name), "1 to 128 letters, digits and +=,.@_-")
		}
		if p := cmp.Or(ref.Path, "/"); !policyPathPattern.MatchString(p) || len(p) > 512 {
			at(ps.Pos, path+".path", fmt.Sprintf("%q is not a valid IAM path", p), "a path starts and ends with /, e.g. /team/; letters, digits and ,.+@=_- between")
		}
	}
}

func checkMembers(e *Errors, refs []Ref, warn func(path, msg, hint string)) {
	seen := map[string]bool{}
	for _, r := range refs {
		msg, hint := textProblem(r.Value, false)
		switch {
		case r.Value == "":
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: "empty user"})
		case msg != "":
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: msg, Hint: hint})
		case strings.Contains(r.Value, "@") && !validEmail(r.Value):
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("%q is not a valid email address", r.Value)})
		case seen[strings.ToLower(r.Value)]:
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("%s is listed twice", r.Value)})
		}
		seen[strings.ToLower(r.Value)] = true
		if m := mixedScripts(r.Value); m != "" && msg == "" {
			warn(r.Path, m, "retype it if every letter should be of one alphabet")
		}
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
		case !tagPattern.MatchString(k):
			at(fmt.Sprintf("tag key %q has characters AWS does not take in tags (letters, digits, spaces and _.:/=+-@)", k))
		case len(v) > 256:
			at(fmt.Sprintf("tag %s: a value is at most 256 characters", k))
		case !tagPattern.MatchString(v):
			at(fmt.Sprintf("tag %s: the value %q has characters AWS does not take in tags (letters, digits, spaces and _.:/=+-@)", k, v))
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

func parseDuration(s string) (time.Duration, bool) { return ic.ParseSessionDuration(s) }

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
