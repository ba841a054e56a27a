package config

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/lazyre"
)

// ImportOptions tune Import.
type ImportOptions struct {
	// Region is written as region: (the console home of relay states).
	Region string
}

// Imported is a file written from Identity Center, and the part of the
// State it describes (what adopting it marks as keyless's).
type Imported struct {
	YAML  []byte
	State *ic.State
	// External is set when the identity store's users and groups come from
	// an identity provider (SCIM): the file names them and State holds the
	// groups it names, which adopting leaves as they are.
	External bool
	// Skipped lists users the file cannot describe (no valid email, no given
	// or family name, or a character keyless refuses in a name): they stay
	// as they are, referenced by name.
	Skipped []string
	// SkippedGroups lists groups whose name or description holds a
	// character keyless refuses: they stay as they are, with their
	// assignments, and are not adopted.
	SkippedGroups []string
}

// Import writes a keyless.yaml that describes st: users, groups and
// members, permission sets and their policies, and assignments, so that
// Desired on the result equals what st holds.
func Import(st *ic.State, opts ImportOptions) (*Imported, error) {
	out := &Imported{State: &ic.State{InstanceARN: st.InstanceARN, IdentityStoreID: st.IdentityStoreID,
		PermissionSets: st.PermissionSets, Assignments: st.Assignments}}
	for _, g := range st.Groups {
		if msg, _ := textProblem(ic.UnmarkDescription(g.Description), true); msg != "" || !describable(g.Name) {
			out.SkippedGroups = append(out.SkippedGroups, g.Name)
			continue
		}
		out.State.Groups = append(out.State.Groups, g)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# keyless.yaml, written by 'keyless import' from Identity Center %s.\n", st.IdentityStoreID)
	b.WriteString("# docs/keyless-yaml.md describes the fields; 'keyless plan' compares this file with AWS.\n")
	if opts.Region != "" {
		fmt.Fprintf(&b, "region: %s\n", scalarYAML(opts.Region))
	}
	// An identity provider's users and groups (SCIM) are written as
	// references: the provider keeps them, and adopting them would change
	// what keyless must never change.
	external := slices.ContainsFunc(st.Users, func(u ic.User) bool { return u.External }) ||
		slices.ContainsFunc(st.Groups, func(g ic.Group) bool { return g.External })
	out.External = external
	if external {
		b.WriteString("# Users and groups come from your identity provider (SCIM): keyless names them, and never changes them.\n")
		b.WriteString("identity_source: external\n")
	}

	userName := map[string]string{}
	for _, u := range st.Users {
		userName[u.ID] = u.UserName
	}
	var users []ic.User
	for _, u := range st.Users {
		if external {
			break
		}
		email := cmp.Or(u.Email, u.UserName)
		if !validEmail(email) || u.GivenName == "" || u.FamilyName == "" || !describable(u.Email, u.UserName, u.GivenName, u.FamilyName, u.DisplayName) {
			out.Skipped = append(out.Skipped, u.UserName)
			continue
		}
		users = append(users, u)
	}
	out.State.Users = users
	if len(users) > 0 {
		b.WriteString("\nusers:\n")
		for _, u := range users {
			email := cmp.Or(u.Email, u.UserName)
			fmt.Fprintf(&b, "  - email: %s\n", scalarYAML(email))
			if u.UserName != email {
				fmt.Fprintf(&b, "    user_name: %s\n", scalarYAML(u.UserName))
			}
			fmt.Fprintf(&b, "    given_name: %s\n    family_name: %s\n", scalarYAML(u.GivenName), scalarYAML(u.FamilyName))
			if u.DisplayName != strings.TrimSpace(u.GivenName+" "+u.FamilyName) {
				fmt.Fprintf(&b, "    display_name: %s\n", scalarYAML(u.DisplayName))
			}
		}
	}

	// The built-in sets as the Terraform module (or keyless) made them are
	// written in the module's shape: the lists, not a group, a permission
	// set and an assignment each.
	shape := builtinsIn(st, opts.Region, userName, external)
	if len(shape.lists)+len(shape.groupRefs) > 0 {
		b.WriteString("\n")
		if shape.duration != "PT1H" {
			fmt.Fprintf(&b, "session_duration: %s\n", scalarYAML(shape.duration))
		}
		for _, bi := range builtins {
			if members, ok := shape.lists[bi.field]; ok {
				fmt.Fprintf(&b, "%s: %s\n", bi.field, flowList(members))
			}
			if group, ok := shape.groupRefs[bi.field]; ok {
				fmt.Fprintf(&b, "%s_group: %s\n", bi.field, scalarYAML(group))
			}
		}
	}

	groupName := map[string]string{}
	for _, g := range out.State.Groups {
		groupName[g.ID] = g.Name
	}
	if external {
		// The provider's groups the file names: those with access.
		out.State.Groups = slices.DeleteFunc(slices.Clone(out.State.Groups), func(g ic.Group) bool { return !assigned(st, g.ID, nil) })
	}
	if groups := slices.DeleteFunc(slices.Clone(out.State.Groups), func(g ic.Group) bool { return shape.groups[g.ID] || external && !assigned(st, g.ID, shape.sets) }); len(groups) > 0 {
		b.WriteString("\ngroups:\n")
		for _, g := range groups {
			fmt.Fprintf(&b, "  - name: %s\n", scalarYAML(g.Name))
			if external {
				continue
			}
			if desc := ic.UnmarkDescription(g.Description); desc != "" {
				fmt.Fprintf(&b, "    description: %s\n", scalarYAML(desc))
			}
			members, _ := memberNames(g, userName)
			fmt.Fprintf(&b, "    members: %s\n", flowList(members))
		}
	}

	setName := map[string]string{}
	for _, ps := range st.PermissionSets {
		setName[ps.ARN] = ps.Name
	}
	if sets := slices.DeleteFunc(slices.Clone(st.PermissionSets), func(ps ic.PermissionSet) bool { return shape.sets[ps.ARN] }); len(sets) > 0 {
		b.WriteString("\npermission_sets:\n")
		for _, ps := range sets {
			writeSet(&b, ps)
		}
	}

	type key struct{ set, ptype, principal string }
	targets := map[key][]string{}
	for _, a := range st.Assignments {
		if shape.sets[a.PermissionSetARN] {
			continue
		}
		k := key{setName[a.PermissionSetARN], a.PrincipalType, ""}
		if a.PrincipalType == "GROUP" {
			k.principal = groupName[a.PrincipalID]
		} else {
			k.principal = userName[a.PrincipalID]
		}
		if k.set == "" || k.principal == "" {
			continue
		}
		targets[k] = append(targets[k], a.AccountID)
	}
	if len(targets) > 0 {
		accountName := map[string]string{}
		for _, acct := range st.Accounts {
			accountName[acct.ID] = acct.Name
		}
		b.WriteString("\nassignments:\n")
		keys := slices.SortedFunc(maps.Keys(targets), func(a, b key) int {
			return cmp.Or(cmp.Compare(a.set, b.set), cmp.Compare(a.ptype, b.ptype), cmp.Compare(a.principal, b.principal))
		})
		for _, k := range keys {
			fmt.Fprintf(&b, "  - permission_set: %s\n", scalarYAML(k.set))
			field := "groups"
			if k.ptype == "USER" {
				field = "users"
			}
			fmt.Fprintf(&b, "    %s: [%s]\n", field, scalarYAML(k.principal))
			b.WriteString("    accounts:\n")
			ids := slices.Compact(slices.Sorted(slices.Values(targets[k])))
			for _, id := range ids {
				fmt.Fprintf(&b, "      - %q", id)
				if n := accountName[id]; n != "" {
					fmt.Fprintf(&b, "  # %s", n)
				}
				b.WriteString("\n")
			}
		}
	}
	out.YAML = b.Bytes()
	return out, nil
}

// assigned reports whether a group has an assignment of a permission set
// other than those of except (by ARN).
func assigned(st *ic.State, groupID string, except map[string]bool) bool {
	return slices.ContainsFunc(st.Assignments, func(a ic.Assignment) bool {
		return a.PrincipalType == "GROUP" && a.PrincipalID == groupID && !except[a.PermissionSetARN]
	})
}

// moduleShape is what of a State the module's shape describes.
type moduleShape struct {
	lists map[string][]string // super_admins etc.: member user names
	// groupRefs are super_admins_group etc.: the identity provider's
	// group, with an external identity provider.
	groupRefs map[string]string
	duration  string          // of the built-in sets
	groups    map[string]bool // by id
	sets      map[string]bool // by ARN
}

// builtinsIn finds the built-in permission sets of the module's shape in
// st: a set of a built-in's name with exactly its policy, the description,
// relay state and no tags that Desired gives it (keyless's or the Terraform
// module's), assigned only to its group (keyless's name or the module's
// <set>@<account>, with members) only in the caller's account, the group
// assigned nothing else. Anything else about them, or built-ins of
// different session durations, and they are written as they are instead.
//
// With an external identity provider (external), a built-in set is instead
// one assigned only to one of the provider's groups in the caller's
// account, written as <field>_group.
func builtinsIn(st *ic.State, region string, userName map[string]string, external bool) moduleShape {
	c := &Config{Region: region}
	found := moduleShape{lists: map[string][]string{}, groupRefs: map[string]string{}, groups: map[string]bool{}, sets: map[string]bool{}}
	groupByName := func(name string) *ic.Group {
		for i := range st.Groups {
			if strings.EqualFold(st.Groups[i].Name, name) {
				return &st.Groups[i]
			}
		}
		return nil
	}
	for _, b := range builtins {
		ps := builtinSet(st, c, b)
		if ps == nil {
			continue
		}
		g := groupByName(b.group)
		if g == nil {
			g = groupByName(b.set + "@" + st.Caller.AccountID)
		}
		if external {
			// The identity provider's group that alone has the set (the
			// check below makes sure it is alone, in the caller's account).
			g = nil
			if i := slices.IndexFunc(st.Assignments, func(a ic.Assignment) bool { return a.PermissionSetARN == ps.ARN }); i >= 0 && st.Assignments[i].PrincipalType == "GROUP" {
				if j := slices.IndexFunc(st.Groups, func(x ic.Group) bool { return x.ID == st.Assignments[i].PrincipalID }); j >= 0 {
					g = &st.Groups[j]
				}
			}
			if g == nil || !g.External {
				continue
			}
		} else if g == nil || len(g.Members) == 0 || !slices.Contains([]string{b.set, b.describe}, ic.UnmarkDescription(g.Description)) {
			continue
		}
		only := ic.Assignment{AccountID: st.Caller.AccountID, PermissionSetARN: ps.ARN, PrincipalType: "GROUP", PrincipalID: g.ID}
		alone := true
		for _, a := range st.Assignments {
			// A provider's group may have other sets; a group of keyless's may not.
			if (a.PermissionSetARN == ps.ARN || a.PrincipalID == g.ID && !external) && (a.AccountID != only.AccountID || a.PermissionSetARN != only.PermissionSetARN ||
				a.PrincipalType != only.PrincipalType || a.PrincipalID != only.PrincipalID) {
				alone = false
			}
		}
		if !alone || !slices.ContainsFunc(st.Assignments, func(a ic.Assignment) bool {
			return a.AccountID == only.AccountID && a.PermissionSetARN == only.PermissionSetARN && a.PrincipalID == only.PrincipalID
		}) {
			continue
		}
		members, all := memberNames(*g, userName)
		if !all && !external {
			continue
		}
		duration := cmp.Or(ps.SessionDuration, "PT1H")
		if found.duration == "" {
			found.duration = duration
		} else if seconds(found.duration) != seconds(duration) {
			return moduleShape{} // one session_duration for the three
		}
		if external {
			found.groupRefs[b.field] = g.Name
		} else {
			found.lists[b.field] = members
			found.groups[g.ID] = true
		}
		found.sets[ps.ARN] = true
	}
	return found
}

// builtinSet is b's permission set in st when it has exactly what Desired
// gives it: its policy, the description and relay state (keyless's or the
// Terraform module's), nothing else.
func builtinSet(st *ic.State, c *Config, b builtin) *ic.PermissionSet {
	policy := strings.TrimPrefix(b.policy, "arn:aws:iam::aws:policy/")
	var ps *ic.PermissionSet
	for i := range st.PermissionSets {
		if st.PermissionSets[i].Name == b.set {
			ps = &st.PermissionSets[i]
		}
	}
	if ps == nil || !slices.Equal(ps.ManagedPolicies, []string{b.policy}) || ps.InlinePolicy != "" || len(ps.CustomerManaged) > 0 ||
		ps.Boundary != nil || len(withoutOwner(ps.Tags)) > 0 ||
		!slices.Contains([]string{policy, b.describe}, ic.UnmarkDescription(ps.Description)) ||
		!slices.Contains([]string{c.moduleRelayState(), c.relayState()}, ps.RelayState) {
		return nil
	}
	return ps
}

// memberNames are a group's members by user name, sorted, and whether
// every member is a known user.
func memberNames(g ic.Group, userName map[string]string) ([]string, bool) {
	var out []string
	for uid := range g.Members {
		if n, ok := userName[uid]; ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, len(out) == len(g.Members)
}

// seconds is a valid duration's length, to compare PT90M with PT1H30M.
func seconds(s string) time.Duration {
	d, _ := parseDuration(s)
	return d
}

func withoutOwner(tags map[string]string) map[string]string {
	out := maps.Clone(tags)
	delete(out, ic.OwnerTagKey)
	return out
}

// describable reports whether keyless.yaml can hold the names: AWS takes
// tabs, new lines and no-break spaces in them, which keyless refuses.
func describable(names ...string) bool {
	for _, s := range names {
		if msg, _ := textProblem(s, false); msg != "" {
			return false
		}
	}
	return true
}

func writeSet(b *bytes.Buffer, ps ic.PermissionSet) {
	fmt.Fprintf(b, "  - name: %s\n", scalarYAML(ps.Name))
	if desc := ic.UnmarkDescription(ps.Description); desc != "" {
		fmt.Fprintf(b, "    description: %s\n", scalarYAML(desc))
	}
	fmt.Fprintf(b, "    session_duration: %s\n", scalarYAML(cmp.Or(ps.SessionDuration, "PT1H")))
	if ps.RelayState != "" {
		fmt.Fprintf(b, "    relay_state: %s\n", scalarYAML(ps.RelayState))
	}
	if len(ps.ManagedPolicies) > 0 {
		fmt.Fprintf(b, "    managed_policies: %s\n", flowList(slices.Sorted(slices.Values(ps.ManagedPolicies))))
	}
	if ps.InlinePolicy != "" {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, []byte(ps.InlinePolicy), "      ", "  "); err == nil {
			fmt.Fprintf(b, "    inline_policy: |\n      %s\n", pretty.String())
		} else {
			fmt.Fprintf(b, "    inline_policy: %s\n", scalarYAML(ps.InlinePolicy))
		}
	}
	if len(ps.CustomerManaged) > 0 {
		b.WriteString("    customer_managed_policies:\n")
		for _, r := range ps.CustomerManaged {
			fmt.Fprintf(b, "      - {name: %s, path: %s}\n", scalarYAML(r.Name), scalarYAML(cmp.Or(r.Path, "/")))
		}
	}
	if bd := ps.Boundary; bd != nil {
		if bd.CustomerManaged != nil {
			fmt.Fprintf(b, "    permissions_boundary: {customer_managed: {name: %s, path: %s}}\n", scalarYAML(bd.CustomerManaged.Name), scalarYAML(cmp.Or(bd.CustomerManaged.Path, "/")))
		} else {
			fmt.Fprintf(b, "    permissions_boundary: {managed_policy: %s}\n", scalarYAML(bd.ManagedPolicyARN))
		}
	}
	tags := maps.Clone(ps.Tags)
	delete(tags, ic.OwnerTagKey)
	if len(tags) > 0 && !ps.TagsUnknown {
		b.WriteString("    tags:\n")
		for _, k := range sortedKeys(tags) {
			fmt.Fprintf(b, "      %s: %s\n", scalarYAML(k), scalarYAML(tags[k]))
		}
	}
}

var plainYAML = lazyre.New(`^[A-Za-z][A-Za-z0-9@._/+=-]*$`)

// scalarYAML writes s plainly when YAML reads it back as the same text,
// else as a double-quoted (JSON) string.
func scalarYAML(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
		return fmt.Sprintf("%q", s)
	}
	if plainYAML.MatchString(s) && !strings.Contains(s, ": ") {
		return s
	}
	q, _ := json.Marshal(s)
	return string(q)
}

func flowList(xs []string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = scalarYAML(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
