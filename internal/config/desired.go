package config

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/suggest"
)

// UsesAccountTags reports whether resolving the file needs account tags.
func (c *Config) UsesAccountTags() bool {
	for _, a := range c.Assignments {
		if len(a.AccountTags) > 0 {
			return true
		}
	}
	for _, w := range c.Workloads {
		if len(w.Target.AccountTags) > 0 {
			return true
		}
	}
	return false
}

// relayState is the console home in the file's region.
func (c *Config) relayState() string {
	if c.Region == "" {
		return "https://console.aws.amazon.com/console/home"
	}
	return fmt.Sprintf("https://%s.console.aws.amazon.com/console/home?region=%s", c.Region, c.Region)
}

// userNames maps folded user names and emails, of the file and of the
// identity store, to user names: the file's entries win, and in the
// store a user name wins over another user's email. Desired and
// ElevationCatalog resolve members by it.
func (c *Config) userNames(st *ic.State) map[string]string {
	byName := map[string]string{}
	for _, u := range st.Users {
		byName[strings.ToLower(u.UserName)] = u.UserName
		if u.Email != "" {
			if _, taken := byName[strings.ToLower(u.Email)]; !taken {
				byName[strings.ToLower(u.Email)] = u.UserName
			}
		}
	}
	for _, u := range c.Users {
		byName[strings.ToLower(u.UserName)] = u.UserName
		if u.Email != "" {
			byName[strings.ToLower(u.Email)] = u.UserName
		}
	}
	return byName
}

// Desired resolves the file against Identity Center: members to user
// names, assignment targets (names, OUs, tags, all accounts, the caller's
// account) to account ids. Problems are reported with their positions.
func (c *Config) Desired(st *ic.State) (*ic.Desired, error) {
	e := &Errors{File: c.File}
	d := &ic.Desired{Prune: c.Prune, PortalURL: c.PortalURL, External: c.External}

	byName := c.userNames(st)
	for _, u := range c.Users {
		d.Users = append(d.Users, ic.User{UserName: u.UserName, DisplayName: u.DisplayName, GivenName: u.GivenName,
			FamilyName: u.FamilyName, Email: u.Email, UserType: ic.UserType})
	}
	member := func(r Ref) (string, bool) {
		name, ok := byName[strings.ToLower(r.Value)]
		if !ok && c.External {
			// Not pushed by the identity provider yet: plan warns and
			// leaves its assignments out.
			return r.Value, true
		}
		if !ok {
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("%s is not a user", r.Value),
				Hint: "add it under users:, or create it in Identity Center"})
		}
		return name, ok
	}
	members := func(refs []Ref) []string {
		var out []string
		for _, r := range refs {
			if name, ok := member(r); ok && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}

	duration := cmp.Or(c.SessionDuration, "PT1H")
	builtinGroups := map[string]string{} // keyless's name -> the group's name in Identity Center
	for _, b := range builtins {
		list := b.list(c)
		ref := c.builtinGroupRef(b.field)
		if len(list) == 0 && (!c.External || ref.Value == "") {
			continue
		}
		set := ic.PermissionSet{Name: b.set, Description: b.describe, SessionDuration: duration,
			RelayState: c.relayState(), ManagedPolicies: []string{b.policy}, Tags: map[string]string{ic.OwnerTagKey: ic.OwnerTagValue}}
		group := ic.DesiredGroup{Name: b.group, Description: b.describe, Members: members(list)}
		c.asModuleMadeThem(st, b, &set, &group)
		if c.External {
			group.Name = externalGroupName(st, ref.Value)
		} else {
			d.Groups = append(d.Groups, group)
		}
		builtinGroups[b.group] = group.Name
		d.PermissionSets = append(d.PermissionSets, set)
		d.Assignments = append(d.Assignments, ic.DesiredAssignment{PermissionSet: b.set, PrincipalType: "GROUP", Principal: group.Name, AccountID: st.Caller.AccountID})
	}
	for _, g := range c.Groups {
		if !c.External {
			d.Groups = append(d.Groups, ic.DesiredGroup{Name: g.Name, Description: g.Description, Members: members(g.Members)})
		}
	}
	for _, ps := range c.Sets {
		tags := maps.Clone(ps.Tags)
		if tags == nil {
			tags = map[string]string{}
		}
		tags[ic.OwnerTagKey] = ic.OwnerTagValue
		set := ic.PermissionSet{Name: ps.Name, Description: ps.Description, SessionDuration: cmp.Or(ps.SessionDuration, "PT1H"),
			RelayState: ps.RelayState, ManagedPolicies: slices.Sorted(slices.Values(ps.ManagedPolicies)), InlinePolicy: ps.InlinePolicy, Tags: tags}
		for _, ref := range ps.CustomerManaged {
			set.CustomerManaged = append(set.CustomerManaged, ic.PolicyRef{Name: ref.Name, Path: cmp.Or(ref.Path, "/")})
		}
		slices.SortFunc(set.CustomerManaged, func(a, b ic.PolicyRef) int { return cmp.Compare(a.Path+a.Name, b.Path+b.Name) })
		if b := ps.Boundary; b != nil {
			set.Boundary = &ic.Boundary{ManagedPolicyARN: b.ManagedPolicy}
			if b.CustomerManaged != nil {
				set.Boundary.CustomerManaged = &ic.PolicyRef{Name: b.CustomerManaged.Name, Path: cmp.Or(b.CustomerManaged.Path, "/")}
			}
		}
		d.PermissionSets = append(d.PermissionSets, set)
	}

	seen := map[ic.DesiredAssignment]bool{}
	for _, a := range c.Assignments {
		accounts := c.targets(e, st, a)
		var principals []ic.DesiredAssignment
		for _, g := range a.Groups {
			name := groupName(c, builtinGroups, g.Value)
			if c.External {
				name = externalGroupName(st, g.Value)
			}
			principals = append(principals, ic.DesiredAssignment{PrincipalType: "GROUP", Principal: name})
		}
		for _, u := range a.Users {
			if name, ok := member(u); ok {
				principals = append(principals, ic.DesiredAssignment{PrincipalType: "USER", Principal: name})
			}
		}
		for _, p := range principals {
			for _, acct := range accounts {
				da := ic.DesiredAssignment{PermissionSet: a.PermissionSet.Value, PrincipalType: p.PrincipalType, Principal: p.Principal, AccountID: acct}
				if !seen[da] {
					seen[da] = true
					d.Assignments = append(d.Assignments, da)
				}
			}
		}
	}
	slices.SortFunc(d.Assignments, func(a, b ic.DesiredAssignment) int {
		return cmp.Or(cmp.Compare(a.PermissionSet, b.PermissionSet), cmp.Compare(a.PrincipalType, b.PrincipalType),
			cmp.Compare(a.Principal, b.Principal), cmp.Compare(a.AccountID, b.AccountID))
	})
	if err := e.err(); err != nil {
		return nil, err
	}
	return d, nil
}

// groupName is the group's name as the file spells it, or for a built-in
// group, as Identity Center has it.
func groupName(c *Config, builtinGroups map[string]string, name string) string {
	for _, b := range builtins {
		if strings.EqualFold(b.group, name) {
			return cmp.Or(builtinGroups[b.group], b.group)
		}
	}
	for _, g := range c.Groups {
		if strings.EqualFold(g.Name, name) {
			return g.Name
		}
	}
	return name
}

// asModuleMadeThem takes a built-in permission set and group as the
// Terraform module made them, so that moving from the module adopts what it
// applied instead of adding a second group with the same access beside it.
// The module names the group <set>@<account> (SuperAdmin@111111111111) and
// describes it by the set's name; it describes the set by its policy's name
// (AdministratorAccess) and opens the console on its global host
// (https://console.aws.amazon.com/console/home?region=<region>). Each is
// taken only where Identity Center holds the module's value, and the group
// only when there is no group of keyless's name and the file does not
// define one of the module's name itself.
func (c *Config) asModuleMadeThem(st *ic.State, b builtin, set *ic.PermissionSet, group *ic.DesiredGroup) {
	moduleGroup := b.set + "@" + st.Caller.AccountID
	hasGroup := func(name string) *ic.Group {
		for i := range st.Groups {
			if strings.EqualFold(st.Groups[i].Name, name) {
				return &st.Groups[i]
			}
		}
		return nil
	}
	defined := slices.ContainsFunc(c.Groups, func(g Group) bool { return strings.EqualFold(g.Name, moduleGroup) })
	if g := hasGroup(moduleGroup); g != nil && hasGroup(b.group) == nil && !defined {
		group.Name = g.Name
		if ic.UnmarkDescription(g.Description) == b.set {
			group.Description = b.set
		}
	}
	for _, ps := range st.PermissionSets {
		if ps.Name != b.set {
			continue
		}
		if policy := strings.TrimPrefix(b.policy, "arn:aws:iam::aws:policy/"); ic.UnmarkDescription(ps.Description) == policy {
			set.Description = policy
		}
		if ps.RelayState == c.moduleRelayState() {
			set.RelayState = ps.RelayState
		}
	}
}

// moduleRelayState is the relay state the Terraform module gives its
// permission sets: the console home on the global host.
func (c *Config) moduleRelayState() string {
	if c.Region == "" {
		return "https://console.aws.amazon.com/console/home"
	}
	return "https://console.aws.amazon.com/console/home?region=" + c.Region
}

// targets resolves an assignment's targets to account ids.
func (c *Config) targets(e *Errors, st *ic.State, a Assignment) []string {
	var out []string
	addAcct := func(id string) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	known := map[string]bool{}
	for _, acct := range st.Accounts {
		known[acct.ID] = true
	}
	for _, r := range a.Accounts {
		switch {
		case accountIDPattern.MatchString(r.Value):
			if !known[r.Value] {
				e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("account %s is not in the organization", r.Value),
					Hint: "check the id with 'aws organizations list-accounts'"})
				continue
			}
			addAcct(r.Value)
		default:
			var ids []string
			for _, acct := range st.Accounts {
				if acct.Name == r.Value {
					ids = append(ids, acct.ID)
				}
			}
			switch len(ids) {
			case 0:
				hint := "use the account's name as Organizations shows it, or its 12-digit id"
				var names []string
				for _, acct := range st.Accounts {
					names = append(names, acct.Name)
				}
				if s := suggest.Closest(r.Value, names); s != "" {
					hint = fmt.Sprintf("did you mean %q?", s)
				}
				e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("no account is named %q", r.Value), Hint: hint})
			case 1:
				addAcct(ids[0])
			default:
				e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("%d accounts are named %q (%s)", len(ids), r.Value, strings.Join(ids, ", ")), Hint: "use the account id"})
			}
		}
	}
	for _, r := range a.OUs {
		ou, ok := resolveOU(st, r.Value)
		if !ok {
			e.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("no organizational unit %s", r.Value),
				Hint: "give an OU id (ou-...) or a path of OU names from the root, e.g. /Workloads/Prod"})
			continue
		}
		for _, id := range accountsBelow(st, ou) {
			if active(st, id) {
				addAcct(id)
			}
		}
	}
	if len(a.AccountTags) > 0 {
		for _, acct := range st.Accounts {
			match := acct.Status == "" || acct.Status == "ACTIVE"
			for k, v := range a.AccountTags {
				if acct.Tags[k] != v {
					match = false
				}
			}
			if match {
				addAcct(acct.ID)
			}
		}
	}
	if a.AllAccounts {
		for _, acct := range st.Accounts {
			if acct.Status == "" || acct.Status == "ACTIVE" {
				addAcct(acct.ID)
			}
		}
	}
	if a.CurrentAccount {
		addAcct(st.Caller.AccountID)
	}
	slices.Sort(out)
	return out
}

// resolveOU finds an OU by id or by path of names from the root ("/" is the root).
func resolveOU(st *ic.State, ref string) (string, bool) {
	if ref == st.RootID && ref != "" {
		return ref, true
	}
	if !strings.HasPrefix(ref, "/") {
		for _, ou := range st.OUs {
			if ou.ID == ref {
				return ou.ID, true
			}
		}
		return "", false
	}
	parent := st.RootID
	for _, name := range strings.Split(strings.Trim(ref, "/"), "/") {
		if name == "" {
			continue
		}
		found := ""
		for _, ou := range st.OUs {
			if ou.ParentID == parent && ou.Name == name {
				found = ou.ID
			}
		}
		if found == "" {
			return "", false
		}
		parent = found
	}
	return parent, parent != ""
}

// accountsBelow lists the accounts in an OU and every OU below it.
func accountsBelow(st *ic.State, ou string) []string {
	var out []string
	for _, acct := range st.Accounts {
		for p := acct.ParentID; p != ""; p = parentOf(st, p) {
			if p == ou {
				out = append(out, acct.ID)
				break
			}
		}
	}
	return out
}

func parentOf(st *ic.State, ou string) string {
	for _, o := range st.OUs {
		if o.ID == ou {
			return o.ParentID
		}
	}
	return ""
}

// active reports whether an account is active (not suspended or closing):
// OUs, tags and all_accounts take active accounts only.
func active(st *ic.State, id string) bool {
	for _, a := range st.Accounts {
		if a.ID == id {
			return a.Status == "" || a.Status == "ACTIVE"
		}
	}
	return false
}
