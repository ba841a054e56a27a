// Package plan compares what keyless.yaml asks for (identitycenter.Desired)
// with what AWS holds (identitycenter.State) and decides the changes: what
// to create, update in place and delete, in the order they must happen,
// refusing plans that would lock the owner out.
//
// It owns the ownership rules (what keyless may touch) and the lock-out
// guards. It makes no AWS calls and knows nothing of YAML.
package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/elevation"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/workloads"
)

// Plan is the changes that make AWS match the file.
type Plan struct {
	// Changes in the order they are applied: creates and updates by kind
	// (users, groups, memberships, permission sets, assignments), then
	// deletes in reverse.
	Changes []ic.Change
	// Withheld are deletions of owned objects that left the file, not
	// planned because prune is off.
	Withheld []ic.Change
	// OutOfReach are changes AWS refuses the caller, the delegated
	// administrator (reach.go): shown, never applied.
	OutOfReach []ic.Change
	// Warnings are things keyless leaves alone and the person should know.
	Warnings []string
	// Drift is access keyless.yaml does not give and keyless leaves alone:
	// assignments of keyless's permission sets that the file does not
	// make, and permission sets keyless does not manage that carry
	// AdministratorAccess.
	Drift []Drift
	// PortalURL is where people sign in.
	PortalURL string
	// Workloads are the IAM changes for workloads: (OIDC providers and
	// roles in the target accounts), applied after Changes.
	Workloads []workloads.Change
	// Elevation are the home account's resources for elevation: (table,
	// roles, state machines, schedules, catalog), applied last.
	Elevation []elevation.Change
}

// Drift is one object a reviewer should know of that the plan leaves alone.
type Drift struct {
	Kind ic.Kind `json:"kind"`
	Name string  `json:"name"`
	// Reason says what is wrong with it.
	Reason string `json:"reason"`
}

// Provisions returns how many permission sets the plan provisions again
// without changing them.
func (p *Plan) Provisions() int {
	n := 0
	for _, c := range p.Changes {
		if c.Op == ic.Provision {
			n++
		}
	}
	return n
}

// Counts returns how many objects the plan creates, updates and deletes.
func (p *Plan) Counts() (create, update, del int) {
	for _, c := range p.Changes {
		switch c.Op {
		case ic.Create:
			create++
		case ic.Update:
			update++
		case ic.Delete:
			del++
		}
	}
	for _, c := range p.Elevation {
		if c.Op == "create" {
			create++
		} else {
			update++
		}
	}
	for _, c := range p.Workloads {
		switch c.Op {
		case "create":
			create++
		case "delete":
			del++
		default:
			update++
		}
	}
	return
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool {
	return len(p.Changes) == 0 && len(p.Workloads) == 0 && len(p.Elevation) == 0
}

// ConflictError is a declared object that exists in AWS without keyless's
// marker: keyless never changes what it does not own.
type ConflictError struct {
	Kind ic.Kind
	Name string
	// External is set for a group an identity provider made (SCIM).
	External bool
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %q exists in Identity Center but keyless does not manage it", strings.ReplaceAll(string(e.Kind), "_", " "), e.Name)
}

// Hint says how to resolve the conflict.
func (e *ConflictError) Hint() string {
	if e.External {
		return "it comes from your identity provider (SCIM): write identity_source: external in keyless.yaml and name the group under groups: without members (docs/keyless-yaml.md)"
	}
	return "adopt it with 'keyless import', or give it another name in keyless.yaml"
}

// PortalURL is the access portal of a state, unless the file overrides it.
func PortalURL(d *ic.Desired, st *ic.State) string {
	if d != nil && d.PortalURL != "" {
		return d.PortalURL
	}
	return "https://" + st.IdentityStoreID + ".awsapps.com/start"
}

// Compute decides the changes from st to d.
func Compute(d *ic.Desired, st *ic.State) (*Plan, error) {
	if st.AccountInstance && (len(d.PermissionSets) > 0 || len(d.Assignments) > 0) {
		return nil, &AccountInstanceError{InstanceARN: st.InstanceARN, Owner: st.InstanceOwner}
	}
	p := &Plan{PortalURL: PortalURL(d, st)}
	var conflicts []error
	add := func(c ic.Change) {
		if c.Op == ic.Delete && !d.Prune && (d.PruneAlso == nil || !d.PruneAlso(c)) {
			p.Withheld = append(p.Withheld, c)
			return
		}
		p.Changes = append(p.Changes, c)
	}

	users := userIndex(st)
	groups := groupIndex(st)
	sets := setIndex(st)
	d, skipped := withoutMissing(d, users, groups)

	// Users: create, update owned ones; existing users keyless does not own
	// are referenced as they are.
	wantUsers := map[string]bool{}
	for i := range d.Users {
		want := &d.Users[i]
		wantUsers[key(want.UserName)] = true
		have := users[key(want.UserName)]
		switch {
		case have == nil:
			add(ic.Change{Op: ic.Create, Kind: ic.KindUser, Name: want.UserName, WantUser: want, Fields: userFields(&ic.User{}, want)})
		case have.Owned():
			if f := userFields(have, want); len(f) > 0 {
				add(ic.Change{Op: ic.Update, Kind: ic.KindUser, Name: want.UserName, Fields: f, WantUser: want, HaveUser: have})
			}
		default:
			if f := userFields(have, want); len(f) > 0 {
				p.Warnings = append(p.Warnings, fmt.Sprintf("user %s exists and is not managed by keyless; left as it is, though keyless.yaml differs in: %s", want.UserName, fieldNames(f)))
			}
		}
	}

	// Groups.
	wantGroups := map[string]*ic.DesiredGroup{}
	for i := range d.Groups {
		want := &d.Groups[i]
		wantGroups[key(want.Name)] = want
		have := groups[key(want.Name)]
		switch {
		case have == nil:
			add(ic.Change{Op: ic.Create, Kind: ic.KindGroup, Name: want.Name, WantGroup: want, Fields: groupCreateFields(want)})
		case !have.Owned():
			conflicts = append(conflicts, &ConflictError{Kind: ic.KindGroup, Name: want.Name, External: have.External})
		default:
			if old := ic.UnmarkDescription(have.Description); old != want.Description {
				add(ic.Change{Op: ic.Update, Kind: ic.KindGroup, Name: want.Name, WantGroup: want, HaveGroup: have,
					Fields: []ic.FieldChange{{Field: "description", Old: old, New: want.Description}}})
			}
		}
	}

	// Memberships of the groups keyless manages.
	for _, want := range d.Groups {
		have := groups[key(want.Name)]
		current := map[string]string{} // user name -> membership id
		if have != nil && have.Owned() {
			for uid, mid := range have.Members {
				if u := userByID(st, uid); u != nil {
					current[key(u.UserName)] = mid
				}
			}
		}
		wantMembers := map[string]bool{}
		for _, m := range want.Members {
			wantMembers[key(m)] = true
			if _, ok := current[key(m)]; !ok {
				ref := &ic.MembershipRef{Group: want.Name, User: m}
				if have != nil {
					ref.GroupID = have.ID
				}
				if u := users[key(m)]; u != nil {
					ref.UserID = u.ID
				}
				add(ic.Change{Op: ic.Create, Kind: ic.KindMembership, Name: want.Name + "/" + m, Membership: ref})
			}
		}
		for _, name := range slices.Sorted(maps.Keys(current)) {
			if !wantMembers[name] {
				u := users[name]
				add(ic.Change{Op: ic.Delete, Kind: ic.KindMembership, Name: want.Name + "/" + u.UserName,
					Membership: &ic.MembershipRef{Group: want.Name, User: u.UserName, GroupID: have.ID, UserID: u.ID, MembershipID: current[name]}})
			}
		}
	}

	// Permission sets: update in place, never replace.
	wantSets := map[string]bool{}
	for i := range d.PermissionSets {
		want := &d.PermissionSets[i]
		wantSets[want.Name] = true
		have := sets[want.Name]
		switch {
		case have == nil:
			f := append(setFields(&ic.PermissionSet{}, want), setAssignmentsField(st, d, want.Name)...)
			add(ic.Change{Op: ic.Create, Kind: ic.KindPermissionSet, Name: want.Name, WantPermissionSet: want, Fields: f})
		case !have.Owned():
			conflicts = append(conflicts, &ConflictError{Kind: ic.KindPermissionSet, Name: want.Name})
		default:
			if inline := ic.KeepCuts(want.InlinePolicy, have.InlinePolicy, st.ReadAt); inline != want.InlinePolicy {
				// Session cuts still in force stay (sessioncut.go): the
				// file never names them, and they are not a difference.
				w := *want
				w.InlinePolicy = inline
				want = &w
			}
			c := ic.Change{Op: ic.Update, Kind: ic.KindPermissionSet, Name: want.Name, Fields: setFields(have, want), WantPermissionSet: want, HavePermissionSet: have}
			if len(have.Outdated) > 0 {
				// Its roles are older than it: an apply stopped between the
				// update and the provisioning, or an edit in the console.
				c.Outdated, c.Reason = have.Outdated, outdatedReason(st, have.Outdated)
				if len(c.Fields) == 0 {
					c.Op, c.WantPermissionSet = ic.Provision, nil
				}
			}
			if len(c.Fields) > 0 || c.Op == ic.Provision {
				add(c)
			}
		}
	}
	if len(conflicts) > 0 {
		return nil, joinConflicts(conflicts)
	}

	// Assignments, by names.
	haveAssign := map[assignKey]ic.Assignment{}
	ownedAssign := map[assignKey]bool{}
	wantAssign := map[assignKey]bool{}
	for _, a := range st.Assignments {
		k, owned, ok := nameAssignment(st, a, d.External)
		if ok && slices.Contains(d.ElevationSets, k.set) {
			wantAssign[k] = true // a grant: the elevation machines end it
			continue
		}
		if ok {
			haveAssign[k] = a
			if owned {
				ownedAssign[k] = true
			}
		}
	}
	for i := range d.Assignments {
		a := &d.Assignments[i]
		k := assignKey{a.PermissionSet, a.PrincipalType, key(a.Principal), a.AccountID}
		if wantAssign[k] {
			continue
		}
		wantAssign[k] = true
		if _, ok := haveAssign[k]; !ok {
			add(ic.Change{Op: ic.Create, Kind: ic.KindAssignment, Name: assignmentName(st, a), Assignment: a})
		}
	}
	for _, k := range sortedAssignKeys(haveAssign) {
		if !wantAssign[k] && ownedAssign[k] {
			a := haveAssign[k]
			da := &ic.DesiredAssignment{PermissionSet: k.set, PrincipalType: k.ptype, Principal: principalName(st, a), AccountID: k.account}
			add(ic.Change{Op: ic.Delete, Kind: ic.KindAssignment, Name: assignmentName(st, da), Assignment: da, HaveAssignment: &a})
		}
	}

	// Deletions of owned objects that left the file.
	for i := range st.PermissionSets {
		ps := &st.PermissionSets[i]
		if ps.Owned() && !wantSets[ps.Name] {
			add(ic.Change{Op: ic.Delete, Kind: ic.KindPermissionSet, Name: ps.Name, HavePermissionSet: ps})
		}
	}
	for i := range st.Groups {
		g := &st.Groups[i]
		if g.Owned() && wantGroups[key(g.Name)] == nil && !d.External {
			add(ic.Change{Op: ic.Delete, Kind: ic.KindGroup, Name: g.Name, HaveGroup: g})
		}
	}
	for i := range st.Users {
		u := &st.Users[i]
		if u.Owned() && !wantUsers[key(u.UserName)] && !d.External {
			add(ic.Change{Op: ic.Delete, Kind: ic.KindUser, Name: u.UserName, HaveUser: u})
		}
	}

	p.Drift = drift(st, wantAssign, d.External)
	p.Warnings = append(p.Warnings, skippedWarnings(st, skipped)...)
	p.Warnings = append(p.Warnings, sourceWarnings(d, st)...)

	order(p.Changes)
	order(p.Withheld)
	reach(st, p)
	if err := guard(st, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Adopt returns the changes that mark existing objects as keyless's own,
// so that a file written by 'keyless import' plans as a no-op: the ownership
// marker on groups and permission sets (and the owner tag), UserType on
// users. Nothing else about them changes. An identity provider's users and
// groups (SCIM) are never adopted: the provider owns them.
func Adopt(st *ic.State) []ic.Change {
	var out []ic.Change
	mark := []ic.FieldChange{{Field: "managed_by", New: "keyless"}}
	for i := range st.Users {
		u := &st.Users[i]
		if !u.Owned() && !u.External {
			want := *u
			want.UserType = ic.UserType
			out = append(out, ic.Change{Op: ic.Update, Kind: ic.KindUser, Name: u.UserName, Fields: mark, WantUser: &want, HaveUser: u})
		}
	}
	for i := range st.Groups {
		g := &st.Groups[i]
		if !g.Owned() && !g.External {
			out = append(out, ic.Change{Op: ic.Update, Kind: ic.KindGroup, Name: g.Name, Fields: mark, HaveGroup: g,
				WantGroup: &ic.DesiredGroup{Name: g.Name, Description: ic.UnmarkDescription(g.Description)}})
		}
	}
	for i := range st.PermissionSets {
		ps := &st.PermissionSets[i]
		if !ps.Owned() {
			want := *ps
			want.Description = ic.UnmarkDescription(ps.Description)
			if !ps.TagsUnknown {
				want.Tags = maps.Clone(ps.Tags)
				if want.Tags == nil {
					want.Tags = map[string]string{}
				}
				want.Tags[ic.OwnerTagKey] = ic.OwnerTagValue
			}
			out = append(out, ic.Change{Op: ic.Update, Kind: ic.KindPermissionSet, Name: ps.Name, Fields: mark, WantPermissionSet: &want, HavePermissionSet: ps})
		}
	}
	order(out)
	return out
}
