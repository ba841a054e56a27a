package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/elevation"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// ElevationHome resolves elevation.home_account: the account named or
// given by id; by default Identity Center's delegated administrator
// (delegatedAdmin, "" when there is none), else the management account.
func (c *Config) ElevationHome(st *ic.State, delegatedAdmin string) (string, error) {
	e := c.Elevation
	if e == nil {
		return "", nil
	}
	if e.HomeAccount.Value == "" {
		if delegatedAdmin != "" {
			return delegatedAdmin, nil
		}
		return st.ManagementAccountID, nil
	}
	errs := &Errors{File: c.File}
	ids := c.targets(errs, st, Assignment{Accounts: []Ref{e.HomeAccount}})
	if err := errs.err(); err != nil {
		return "", err
	}
	return ids[0], nil
}

// ElevationDesired adds to d what the elevation section asks of Identity
// Center: the KeylessElevation permission set (its inline policy naming
// home's table and machines), assigned in home to every eligible, approver
// and revoker user and group; and the rules' sets, whose assignments the
// machines make and end, so plan leaves them alone. Names AWS does not
// know are left out here and reported by ElevationCatalog.
func (c *Config) ElevationDesired(d *ic.Desired, st *ic.State, home string) error {
	e := c.Elevation
	if e == nil {
		return nil
	}
	policy, err := elevation.RequesterPolicy(st.Region, home)
	if err != nil {
		return err
	}
	d.PermissionSets = append(d.PermissionSets, ic.PermissionSet{Name: elevation.PermissionSetName,
		Description: "Ask for, approve and revoke elevations (keyless elevation:)", SessionDuration: "PT1H",
		InlinePolicy: policy, Tags: map[string]string{ic.OwnerTagKey: ic.OwnerTagValue}})
	users := c.userNames(st)
	seen := map[ic.DesiredAssignment]bool{}
	add := func(p Principals) {
		for _, g := range p.Groups {
			name := groupName(c, nil, g.Value)
			if c.External {
				name = externalGroupName(st, g.Value)
			}
			seen[ic.DesiredAssignment{PermissionSet: elevation.PermissionSetName, PrincipalType: "GROUP", Principal: name, AccountID: home}] = true
		}
		for _, u := range p.Users {
			name, ok := users[strings.ToLower(u.Value)]
			switch {
			case ok:
			case c.External:
				name = u.Value
			default:
				continue // ElevationCatalog reports it, with the rest
			}
			seen[ic.DesiredAssignment{PermissionSet: elevation.PermissionSetName, PrincipalType: "USER", Principal: name, AccountID: home}] = true
		}
	}
	add(e.Revokers)
	for _, r := range e.Rules {
		add(r.Eligible)
		add(r.Approvers)
		add(r.SelfApproval)
		if !slices.Contains(d.ElevationSets, r.PermissionSet.Value) {
			d.ElevationSets = append(d.ElevationSets, r.PermissionSet.Value)
		}
	}
	d.Assignments = append(d.Assignments, sortedAssignments(seen)...)
	return nil
}

func sortedAssignments(m map[ic.DesiredAssignment]bool) []ic.DesiredAssignment {
	out := make([]ic.DesiredAssignment, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b ic.DesiredAssignment) int {
		return strings.Compare(a.PrincipalType+"\x00"+a.Principal, b.PrincipalType+"\x00"+b.Principal)
	})
	return out
}

// ElevationCatalog resolves the section against what AWS holds: rule
// targets to account ids (as assignments resolve them, at every plan),
// users and groups to identity store ids, sets to ARNs. What apply has
// not created yet (a new set, user or group) has no id: the catalog is
// compiled again after Identity Center's changes are made. The role id of
// KeylessElevation is the caller's to fill (elevation.ReadRoleID).
func (c *Config) ElevationCatalog(st *ic.State, home string) (*elevation.Catalog, error) {
	e := c.Elevation
	if e == nil {
		return nil, nil
	}
	errs := &Errors{File: c.File}
	cat := &elevation.Catalog{Version: 1, Region: st.Region, HomeAccount: home, InstanceARN: st.InstanceARN,
		IdentityStoreID: st.IdentityStoreID, MaxSeconds: int(e.Ceiling().Seconds()),
		RequestExpiry: int(e.Expiry().Seconds()), Webhook: e.Webhook}
	users := c.userNames(st)
	userID := map[string]string{}
	for _, u := range st.Users {
		userID[strings.ToLower(u.UserName)] = u.ID
	}
	groupID := map[string]string{}
	for _, g := range st.Groups {
		groupID[strings.ToLower(g.Name)] = g.ID
	}
	// The groups' members, for clients to refuse a request decide would
	// refuse before writing it: the file's for its groups, else the
	// identity store's. A group in neither leaves them unknown.
	cat.GroupMembers = true
	userName := map[string]string{}
	for _, u := range st.Users {
		userName[u.ID] = u.UserName
	}
	members := func(group string) []string {
		var out []string
		for _, g := range c.Groups {
			if strings.EqualFold(g.Name, group) {
				for _, m := range g.Members {
					out = append(out, cmp.Or(users[strings.ToLower(m.Value)], m.Value))
				}
				return out
			}
		}
		for _, g := range st.Groups {
			if strings.EqualFold(g.Name, group) {
				for id := range g.Members {
					out = append(out, userName[id])
				}
				slices.Sort(out)
				return out
			}
		}
		cat.GroupMembers = false
		return nil
	}
	principals := func(p Principals) elevation.Principals {
		var out elevation.Principals
		for _, u := range p.Users {
			name, ok := users[strings.ToLower(u.Value)]
			if !ok {
				if !c.External {
					errs.add(Problem{Line: u.Pos.Line, Col: u.Pos.Col, Path: u.Path, Message: fmt.Sprintf("%s is not a user", u.Value),
						Hint: "add it under users:, or create it in Identity Center"})
					continue
				}
				name = u.Value
			}
			if !slices.ContainsFunc(out.Users, func(x elevation.Principal) bool { return strings.EqualFold(x.Name, name) }) {
				out.Users = append(out.Users, elevation.Principal{Name: name, ID: userID[strings.ToLower(name)]})
			}
		}
		for _, g := range p.Groups {
			name := groupName(c, nil, g.Value)
			if c.External {
				name = externalGroupName(st, g.Value)
			}
			if !slices.ContainsFunc(out.Groups, func(x elevation.Principal) bool { return strings.EqualFold(x.Name, name) }) {
				out.Groups = append(out.Groups, elevation.Principal{Name: name, ID: groupID[strings.ToLower(name)], Members: members(name)})
			}
		}
		return out
	}
	setARN := map[string]string{}
	for _, ps := range st.PermissionSets {
		setARN[ps.Name] = ps.ARN
	}
	names := map[string]string{}
	for _, a := range st.Accounts {
		names[a.ID] = a.Name
	}
	cat.Revokers = principals(e.Revokers)
	for i := range e.Rules {
		r := &e.Rules[i]
		t := e.Rules[i].TicketOf(e)
		rule := elevation.Rule{Name: r.Name, PermissionSet: r.PermissionSet.Value, PermissionSetARN: setARN[r.PermissionSet.Value],
			Accounts: c.targets(errs, st, r.Target), AccountNames: map[string]string{}, MaxSeconds: int(r.Max(e).Seconds()),
			ReasonRequired: e.ReasonRequired, TicketRequired: t.Required, TicketPattern: t.Pattern,
			Eligible: principals(r.Eligible), Approvers: principals(r.Approvers), SelfApproval: principals(r.SelfApproval).Users}
		for _, id := range rule.Accounts {
			rule.AccountNames[id] = names[id]
		}
		if len(rule.Accounts) == 0 && errs.err() == nil {
			errs.add(Problem{Line: r.Pos.Line, Col: r.Pos.Col, Path: r.Path, Message: fmt.Sprintf("rule %s targets no active account", r.Name),
				Hint: "check its accounts, ous and account_tags"})
		}
		cat.Rules = append(cat.Rules, rule)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return cat, nil
}
