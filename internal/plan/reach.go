package plan

import (
	"fmt"
	"slices"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// Changes out of the caller's reach. From IAM Identity Center's delegated
// administrator account AWS refuses (AccessDeniedException) to change a
// permission set provisioned to the management account (update, delete,
// provision, or assign it in any account) and to create or delete an
// assignment in the management account: only the management account may
// (the IAM Identity Center user guide, "Delegated administration"). The
// plan sets such changes apart, saying why, and apply does not attempt them.

// reach moves the changes AWS would refuse the caller from p.Changes to
// p.OutOfReach, each with its reason.
func reach(st *ic.State, p *Plan) {
	if !st.Delegated() {
		return
	}
	mgmt := st.ManagementAccountID
	inMgmt := map[string]bool{} // permission sets provisioned to the management account, by name
	for _, ps := range st.PermissionSets {
		if slices.Contains(ps.ProvisionedTo, mgmt) {
			inMgmt[ps.Name] = true
		}
	}
	why := func(c ic.Change) string {
		provisioned := func(set string) string {
			return fmt.Sprintf("permission set %s is provisioned to the management account %s; only the management account may change it or assign it", set, mgmt)
		}
		switch c.Kind {
		case ic.KindPermissionSet:
			if c.Op != ic.Create && inMgmt[c.Name] {
				return provisioned(c.Name)
			}
		case ic.KindAssignment:
			switch a := c.Assignment; {
			case a.AccountID == mgmt:
				return fmt.Sprintf("an assignment in the management account %s; only the management account may make or remove it", mgmt)
			case inMgmt[a.PermissionSet]:
				return provisioned(a.PermissionSet)
			}
		}
		return ""
	}
	kept := p.Changes[:0]
	for _, c := range p.Changes {
		if r := why(c); r != "" {
			c.OutOfReach = r
			p.OutOfReach = append(p.OutOfReach, c)
			continue
		}
		kept = append(kept, c)
	}
	p.Changes = kept
}

// AccountInstanceError refuses permission sets and assignments for an
// account instance, which cannot hold them.
type AccountInstanceError = ic.AccountInstanceError

// WithinReach splits changes into those the caller may make and those AWS
// would refuse it from the delegated administrator account, each of the
// latter with its reason (Change.OutOfReach), as a plan sets them apart.
func WithinReach(st *ic.State, changes []ic.Change) (within, outOfReach []ic.Change) {
	p := &Plan{Changes: slices.Clone(changes)}
	reach(st, p)
	return p.Changes, p.OutOfReach
}
