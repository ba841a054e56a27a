package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// AdministratorAccess is the AWS-managed policy that makes a permission set
// SuperAdmin-equivalent.
const AdministratorAccess = ic.AdministratorAccess

// LockoutError is a plan refused because it would take away the last
// administrator access to the management account, or the caller's own.
// apply refuses a change with it too, when AWS changed since the plan.
type LockoutError = ic.LockoutError

// access is Identity Center at the level the guards reason about: names.
type access struct {
	users   map[string]bool            // folded user names
	members map[string]map[string]bool // folded group name -> folded user names
	sets    map[string]bool            // permission set names
	admin   map[string]bool            // permission sets with AdministratorAccess
	assigns map[assignKey]bool
}

func accessOf(st *ic.State) *access {
	a := &access{users: map[string]bool{}, members: map[string]map[string]bool{}, sets: map[string]bool{}, admin: map[string]bool{}, assigns: map[assignKey]bool{}}
	for _, u := range st.Users {
		a.users[key(u.UserName)] = true
	}
	for _, g := range st.Groups {
		m := map[string]bool{}
		for uid := range g.Members {
			if u := userByID(st, uid); u != nil {
				m[key(u.UserName)] = true
			}
		}
		a.members[key(g.Name)] = m
	}
	for _, ps := range st.PermissionSets {
		a.sets[ps.Name] = true
		a.admin[ps.Name] = slices.Contains(ps.ManagedPolicies, AdministratorAccess)
	}
	for _, as := range st.Assignments {
		if k, _, ok := nameAssignment(st, as, false); ok {
			a.assigns[k] = true
		}
	}
	return a
}

// after is the access once the plan's changes are applied.
func (a *access) after(p *Plan) *access {
	b := &access{users: maps.Clone(a.users), members: map[string]map[string]bool{}, sets: maps.Clone(a.sets), admin: maps.Clone(a.admin), assigns: maps.Clone(a.assigns)}
	for g, m := range a.members {
		b.members[g] = maps.Clone(m)
	}
	for _, c := range p.Changes {
		switch c.Kind {
		case ic.KindUser:
			name := key(c.Name)
			b.users[name] = c.Op != ic.Delete
		case ic.KindGroup:
			if c.Op == ic.Delete {
				delete(b.members, key(c.Name))
			} else if b.members[key(c.Name)] == nil {
				b.members[key(c.Name)] = map[string]bool{}
			}
		case ic.KindMembership:
			m := b.members[key(c.Membership.Group)]
			if m == nil {
				m = map[string]bool{}
				b.members[key(c.Membership.Group)] = m
			}
			m[key(c.Membership.User)] = c.Op != ic.Delete
		case ic.KindPermissionSet:
			if c.Op == ic.Provision {
				continue // changes nothing the guards look at
			}
			b.sets[c.Name] = c.Op != ic.Delete
			b.admin[c.Name] = c.Op != ic.Delete && slices.Contains(c.WantPermissionSet.ManagedPolicies, AdministratorAccess)
		case ic.KindAssignment:
			a := c.Assignment
			b.assigns[assignKey{a.PermissionSet, a.PrincipalType, key(a.Principal), a.AccountID}] = c.Op != ic.Delete
		}
	}
	return b
}

// reaches reports whether the assignment reaches a person who exists: the
// user, or a member of the group.
func (a *access) reaches(k assignKey, who string) bool {
	if !a.assigns[k] || !a.sets[k.set] {
		return false
	}
	if k.ptype == "USER" {
		return a.users[k.principal] && (who == "" || who == k.principal)
	}
	for u, in := range a.members[k.principal] {
		if in && a.users[u] && (who == "" || who == u) {
			return true
		}
	}
	return false
}

// adminReach reports whether someone has SuperAdmin-equivalent access to account.
func (a *access) adminReach(account string) bool {
	for k, ok := range a.assigns {
		if ok && k.account == account && a.admin[k.set] && a.reaches(k, "") {
			return true
		}
	}
	return false
}

// callerReach reports whether the caller's Identity Center user still has
// the permission set they are signed in with.
func (a *access) callerReach(c ic.Caller) bool {
	for k, ok := range a.assigns {
		if ok && k.account == c.AccountID && k.set == c.SSOPermissionSet && a.reaches(k, key(c.SSOUserName)) {
			return true
		}
	}
	return false
}

// guard refuses plans that take away the last SuperAdmin-equivalent access
// to the management account, or the caller's own access. It weighs the
// changes that will run: from the delegated administrator, those AWS
// refuses it (the management account's assignments among them) are out of
// p.Changes (reach.go), so the question stays who administers the
// management account afterwards, not what the file says of it.
func guard(st *ic.State, p *Plan) error {
	before := accessOf(st)
	after := before.after(p)
	var removals []string
	for _, c := range p.Changes {
		if c.Op == ic.Delete {
			removals = append(removals, fmt.Sprintf("- %s %s", strings.ReplaceAll(string(c.Kind), "_", " "), c.Name))
		} else if c.Kind == ic.KindPermissionSet && c.Op == ic.Update && before.admin[c.Name] && !after.admin[c.Name] {
			removals = append(removals, fmt.Sprintf("~ permission set %s loses AdministratorAccess", c.Name))
		}
	}
	if mgmt := st.ManagementAccountID; mgmt != "" && before.adminReach(mgmt) && !after.adminReach(mgmt) {
		return &LockoutError{Reason: fmt.Sprintf("would leave no one with AdministratorAccess in the management account %s", mgmt), Changes: removals}
	}
	if c := st.Caller; c.SSOUserName != "" && before.callerReach(c) && !after.callerReach(c) {
		return &LockoutError{Reason: fmt.Sprintf("would remove your own access (%s as %s in %s)", c.SSOUserName, c.SSOPermissionSet, c.AccountID), Changes: removals}
	}
	return nil
}
