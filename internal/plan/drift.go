package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// drift finds access the plan leaves alone that a reviewer must see:
// assignments of keyless's permission sets that keyless.yaml does not make
// (to principals keyless does not manage, so they are never pruned), and
// permission sets keyless does not manage that carry AdministratorAccess.
func drift(st *ic.State, want map[assignKey]bool, external bool) []Drift {
	var sets, assigns []Drift
	for _, a := range st.Assignments {
		ps := setByARN(st, a.PermissionSetARN)
		if ps == nil || !ps.Owned() {
			continue
		}
		k, owned, ok := nameAssignment(st, a, external)
		if ok && (want[k] || owned) {
			// In the file, or keyless's own and planned for deletion.
			continue
		}
		ptype := strings.ToLower(a.PrincipalType)
		da := &ic.DesiredAssignment{PermissionSet: ps.Name, PrincipalType: a.PrincipalType, Principal: principalName(st, a), AccountID: a.AccountID}
		reason := fmt.Sprintf("keyless.yaml does not give %s to this %s; keyless leaves it, as it does not manage the %s", ps.Name, ptype, ptype)
		if !ok {
			reason = fmt.Sprintf("assigned to %s id %s, which is not in identity store %s; keyless leaves it", ptype, a.PrincipalID, st.IdentityStoreID)
		}
		assigns = append(assigns, Drift{Kind: ic.KindAssignment, Name: assignmentName(st, da), Reason: reason})
	}
	for i := range st.PermissionSets {
		ps := &st.PermissionSets[i]
		if ps.Owned() || !slices.Contains(ps.ManagedPolicies, AdministratorAccess) {
			continue
		}
		var where []string
		for _, a := range st.Assignments {
			if a.PermissionSetARN == ps.ARN {
				where = append(where, fmt.Sprintf("%s %s @ %s", strings.ToLower(a.PrincipalType), principalName(st, a), accountLabel(st, a.AccountID)))
			}
		}
		slices.Sort(where)
		reason := "not managed by keyless and carries AdministratorAccess; "
		if len(where) == 0 {
			reason += "assigned to no one"
		} else {
			reason += "assigned to " + strings.Join(where, ", ")
		}
		sets = append(sets, Drift{Kind: ic.KindPermissionSet, Name: ps.Name, Reason: reason})
	}
	byName := func(a, b Drift) int { return cmp.Compare(a.Name, b.Name) }
	slices.SortFunc(sets, byName)
	slices.SortFunc(assigns, byName)
	return append(sets, assigns...)
}
