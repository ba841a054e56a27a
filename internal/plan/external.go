package plan

import (
	"fmt"
	"slices"
	"strings"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/plural"
)

// missing reports an assignment whose group or user is neither in
// Identity Center nor made by this plan. That happens with an external
// identity provider that has not pushed it yet (SCIM syncs on its own
// schedule), and is not a failure: the plan leaves the assignment out and
// the next plan after the sync makes it.
func missing(d *ic.Desired, users map[string]*ic.User, groups map[string]*ic.Group, a *ic.DesiredAssignment) bool {
	if a.PrincipalType == "GROUP" {
		return groups[key(a.Principal)] == nil && !slices.ContainsFunc(d.Groups, func(g ic.DesiredGroup) bool { return key(g.Name) == key(a.Principal) })
	}
	return users[key(a.Principal)] == nil && !slices.ContainsFunc(d.Users, func(u ic.User) bool { return key(u.UserName) == key(a.Principal) })
}

// withoutMissing is d without the assignments whose principal is missing,
// and those assignments.
func withoutMissing(d *ic.Desired, users map[string]*ic.User, groups map[string]*ic.Group) (*ic.Desired, []ic.DesiredAssignment) {
	var kept, skipped []ic.DesiredAssignment
	for _, a := range d.Assignments {
		if missing(d, users, groups, &a) {
			skipped = append(skipped, a)
		} else {
			kept = append(kept, a)
		}
	}
	if len(skipped) == 0 {
		return d, nil
	}
	out := *d
	out.Assignments = kept
	return &out, skipped
}

// skippedWarnings says which assignments are left out, by principal.
func skippedWarnings(st *ic.State, skipped []ic.DesiredAssignment) []string {
	var out []string
	byPrincipal := map[string][]string{}
	var order []string
	for _, a := range skipped {
		who := strings.ToLower(a.PrincipalType) + " " + a.Principal
		if byPrincipal[who] == nil {
			order = append(order, who)
		}
		byPrincipal[who] = append(byPrincipal[who], fmt.Sprintf("%s @ %s", a.PermissionSet, accountLabel(st, a.AccountID)))
	}
	for _, who := range order {
		what := byPrincipal[who]
		noun := "its assignment (%s) is"
		if len(what) > 1 {
			noun = fmt.Sprintf("its %d assignments (%%s) are", len(what))
		}
		out = append(out, fmt.Sprintf("%s does not exist in Identity Center yet (has your identity provider synced it?): "+noun+" skipped until it does",
			who, strings.Join(what, ", ")))
	}
	return out
}

// sourceWarnings says what the plan notices about the identity source: an
// identity provider's users and groups in a file that does not say
// identity_source: external, or users and groups keyless made that it
// leaves alone once the file does.
func sourceWarnings(d *ic.Desired, st *ic.State) []string {
	var users, groups int
	for _, u := range st.Users {
		if d.External && u.Owned() || !d.External && u.External {
			users++
		}
	}
	for _, g := range st.Groups {
		if d.External && g.Owned() || !d.External && g.External {
			groups++
		}
	}
	if users+groups == 0 {
		return nil
	}
	if d.External {
		return []string{fmt.Sprintf("keyless made %s before identity_source: external; it no longer changes or deletes them (remove them in the console once your identity provider has taken over)",
			count(users, groups))}
	}
	return []string{fmt.Sprintf("identity store %s holds %s made by an identity provider (SCIM): if it is your identity source, write identity_source: external in keyless.yaml and name its groups under groups: (keyless then assigns them and never changes them)",
		st.IdentityStoreID, count(users, groups))}
}

// count shows "2 users and 1 group".
func count(users, groups int) string {
	u, g := plural.Count(users, "user", "users"), plural.Count(groups, "group", "groups")
	switch {
	case groups == 0:
		return u
	case users == 0:
		return g
	}
	return u + " and " + g
}
