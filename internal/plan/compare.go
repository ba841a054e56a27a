package plan

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// key folds names that Identity Center compares without case (user names,
// group names).
func key(name string) string { return strings.ToLower(name) }

func userIndex(st *ic.State) map[string]*ic.User {
	m := make(map[string]*ic.User, len(st.Users))
	for i := range st.Users {
		m[key(st.Users[i].UserName)] = &st.Users[i]
	}
	return m
}

func groupIndex(st *ic.State) map[string]*ic.Group {
	m := make(map[string]*ic.Group, len(st.Groups))
	for i := range st.Groups {
		m[key(st.Groups[i].Name)] = &st.Groups[i]
	}
	return m
}

func setIndex(st *ic.State) map[string]*ic.PermissionSet {
	m := make(map[string]*ic.PermissionSet, len(st.PermissionSets))
	for i := range st.PermissionSets {
		m[st.PermissionSets[i].Name] = &st.PermissionSets[i]
	}
	return m
}

func userByID(st *ic.State, id string) *ic.User {
	for i := range st.Users {
		if st.Users[i].ID == id {
			return &st.Users[i]
		}
	}
	return nil
}

func groupByID(st *ic.State, id string) *ic.Group {
	for i := range st.Groups {
		if st.Groups[i].ID == id {
			return &st.Groups[i]
		}
	}
	return nil
}

func setByARN(st *ic.State, arn string) *ic.PermissionSet {
	for i := range st.PermissionSets {
		if st.PermissionSets[i].ARN == arn {
			return &st.PermissionSets[i]
		}
	}
	return nil
}

func userFields(have, want *ic.User) []ic.FieldChange {
	var f []ic.FieldChange
	diff := func(field, old, new string) {
		if old != new {
			f = append(f, ic.FieldChange{Field: field, Old: old, New: new})
		}
	}
	diff("display_name", have.DisplayName, want.DisplayName)
	diff("given_name", have.GivenName, want.GivenName)
	diff("family_name", have.FamilyName, want.FamilyName)
	diff("email", have.Email, want.Email)
	return f
}

func fieldNames(f []ic.FieldChange) string {
	names := make([]string, len(f))
	for i, c := range f {
		names[i] = c.Field
	}
	return strings.Join(names, ", ")
}

func setFields(have, want *ic.PermissionSet) []ic.FieldChange {
	var f []ic.FieldChange
	diff := func(field, old, new string) {
		if old != new {
			f = append(f, ic.FieldChange{Field: field, Old: old, New: new})
		}
	}
	diff("description", ic.UnmarkDescription(have.Description), want.Description)
	if !sameDuration(have.SessionDuration, want.SessionDuration) {
		diff("session_duration", have.SessionDuration, want.SessionDuration)
	}
	diff("relay_state", have.RelayState, want.RelayState)
	diff("managed_policies", strings.Join(sorted(have.ManagedPolicies), ", "), strings.Join(sorted(want.ManagedPolicies), ", "))
	if !samePolicy(have.InlinePolicy, want.InlinePolicy) {
		diff("inline_policy", have.InlinePolicy, want.InlinePolicy)
	}
	diff("customer_managed_policies", refsString(have.CustomerManaged), refsString(want.CustomerManaged))
	diff("permissions_boundary", boundaryString(have.Boundary), boundaryString(want.Boundary))
	if !have.TagsUnknown {
		diff("tags", tagsString(withoutOwnerTag(have.Tags)), tagsString(withoutOwnerTag(want.Tags)))
	}
	return f
}

func sorted(xs []string) []string { return slices.Sorted(slices.Values(xs)) }

func refsString(refs []ic.PolicyRef) string {
	out := make([]string, len(refs))
	for i, r := range refs {
		path := r.Path
		if path == "" {
			path = "/"
		}
		out[i] = path + r.Name
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

func boundaryString(b *ic.Boundary) string {
	switch {
	case b == nil:
		return ""
	case b.CustomerManaged != nil:
		return refsString([]ic.PolicyRef{*b.CustomerManaged})
	default:
		return b.ManagedPolicyARN
	}
}

func withoutOwnerTag(tags map[string]string) map[string]string {
	out := maps.Clone(tags)
	delete(out, ic.OwnerTagKey)
	return out
}

func tagsString(tags map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}

// assignKey names an assignment: permission set name, principal type,
// folded principal name, account.
type assignKey struct {
	set, ptype, principal, account string
}

// nameAssignment names a current assignment and tells whether keyless owns
// it: both its permission set and its principal carry keyless's marker.
// With an external identity provider (external), keyless owns the
// assignments of its permission sets to the provider's principals too: it
// made them, as the provider's principals are never keyless's.
func nameAssignment(st *ic.State, a ic.Assignment, external bool) (k assignKey, owned, ok bool) {
	ps := setByARN(st, a.PermissionSetARN)
	if ps == nil {
		return k, false, false
	}
	var name string
	switch a.PrincipalType {
	case "GROUP":
		g := groupByID(st, a.PrincipalID)
		if g == nil {
			return k, false, false
		}
		name, owned = g.Name, g.Owned() || external && g.External
	case "USER":
		u := userByID(st, a.PrincipalID)
		if u == nil {
			return k, false, false
		}
		name, owned = u.UserName, u.Owned() || external && u.External
	default:
		return k, false, false
	}
	return assignKey{ps.Name, a.PrincipalType, key(name), a.AccountID}, owned && ps.Owned(), true
}

func principalName(st *ic.State, a ic.Assignment) string {
	if a.PrincipalType == "GROUP" {
		if g := groupByID(st, a.PrincipalID); g != nil {
			return g.Name
		}
	} else if u := userByID(st, a.PrincipalID); u != nil {
		return u.UserName
	}
	return a.PrincipalID
}

// assignmentName shows an assignment: "SuperAdmin → group SuperAdmins @ 111111111111 (management)".
func assignmentName(st *ic.State, a *ic.DesiredAssignment) string {
	return fmt.Sprintf("%s → %s %s @ %s", a.PermissionSet, strings.ToLower(a.PrincipalType), a.Principal, accountLabel(st, a.AccountID))
}

// accountLabel shows an account: "111111111111 (management)".
func accountLabel(st *ic.State, id string) string {
	for _, x := range st.Accounts {
		if x.ID == id && x.Name != "" {
			return id + " (" + x.Name + ")"
		}
	}
	return id
}

// groupCreateFields shows a group to create: its description and members.
func groupCreateFields(want *ic.DesiredGroup) []ic.FieldChange {
	var f []ic.FieldChange
	if want.Description != "" {
		f = append(f, ic.FieldChange{Field: "description", New: want.Description})
	}
	if len(want.Members) > 0 {
		f = append(f, ic.FieldChange{Field: "members", New: strings.Join(want.Members, ", ")})
	}
	return f
}

// setAssignmentsField shows where a permission set to create is assigned.
func setAssignmentsField(st *ic.State, d *ic.Desired, set string) []ic.FieldChange {
	var where []string
	for _, a := range d.Assignments {
		if a.PermissionSet == set {
			where = append(where, fmt.Sprintf("%s %s @ %s", strings.ToLower(a.PrincipalType), a.Principal, accountLabel(st, a.AccountID)))
		}
	}
	if len(where) == 0 {
		return nil
	}
	return []ic.FieldChange{{Field: "assignments", New: strings.Join(where, ", ")}}
}

// outdatedReason says why a permission set is provisioned again.
func outdatedReason(st *ic.State, accounts []string) string {
	labels := make([]string, len(accounts))
	for i, a := range accounts {
		labels[i] = accountLabel(st, a)
	}
	if len(accounts) == 1 {
		return "changed since it was last provisioned: its role in " + labels[0] + " still has the old settings"
	}
	return fmt.Sprintf("changed since it was last provisioned: its roles in %d accounts (%s) still have the old settings", len(accounts), strings.Join(labels, ", "))
}

func sortedAssignKeys(m map[assignKey]ic.Assignment) []assignKey {
	return slices.SortedFunc(maps.Keys(m), func(a, b assignKey) int {
		return cmp.Or(cmp.Compare(a.set, b.set), cmp.Compare(a.ptype, b.ptype), cmp.Compare(a.principal, b.principal), cmp.Compare(a.account, b.account))
	})
}

// kindOrder is the order of creation; deletions run in reverse.
var kindOrder = map[ic.Kind]int{ic.KindUser: 0, ic.KindGroup: 1, ic.KindMembership: 2, ic.KindPermissionSet: 3, ic.KindAssignment: 4}

// order sorts changes as they are applied: creates and updates by kind,
// then deletes in reverse kind order; by name within a kind.
func order(cs []ic.Change) {
	rank := func(c ic.Change) int {
		if c.Op == ic.Delete {
			return 10 + (4 - kindOrder[c.Kind])
		}
		return kindOrder[c.Kind]
	}
	slices.SortStableFunc(cs, func(a, b ic.Change) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Name, b.Name))
	})
}

func joinConflicts(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return &conflictsError{errors.Join(errs...)}
}

// conflictsError is several ConflictErrors with one hint.
type conflictsError struct{ err error }

func (e *conflictsError) Error() string { return e.err.Error() }
func (e *conflictsError) Unwrap() error { return e.err }
func (e *conflictsError) Hint() string {
	return "adopt them with 'keyless import', or give them other names in keyless.yaml"
}

// sameDuration compares ISO 8601 durations by value: PT90M is PT1H30M.
func sameDuration(a, b string) bool {
	if a == b {
		return true
	}
	x, okA := ic.ParseSessionDuration(a)
	y, okB := ic.ParseSessionDuration(b)
	return okA && okB && x == y
}

// samePolicy reports whether two policy documents say the same: equal as
// JSON, whatever the key order or spacing. The elevation machines write
// the set's inline policy (a session cut) with their own key order; that
// is not a difference to apply.
func samePolicy(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
