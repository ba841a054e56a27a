package config

import (
	"fmt"
	"strings"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// The identity provider's groups that get the built-in permission sets in
// identity_source: external, by builtin.field.
func (c *Config) builtinGroupRef(field string) Ref {
	switch field {
	case "super_admins":
		return c.SuperAdminsGroup
	case "power_users":
		return c.PowerUsersGroup
	default:
		return c.ReadonlyUsersGroup
	}
}

// checkSource checks what identity_source allows. With an external
// identity provider, the provider makes users and groups and decides who is
// in which group (SCIM), so keyless refuses what would make or change them:
// users:, member lists, a group's description. The file names the
// provider's groups (groups: by name, and super_admins_group and its kin
// for the built-in permission sets) and uses them in assignments.
// It records the built-in sets and the named groups in sets and groups.
func (c *Config) checkSource(at func(Pos, string, string, string), text func(string, string, bool) bool, sets map[string]bool, setsFolded, groups map[string]named) {
	for _, b := range builtins {
		ref := c.builtinGroupRef(b.field)
		switch {
		case ref.Path == "":
		case !c.External:
			at(ref.Pos, ref.Path, "names an identity provider's group, which needs identity_source: external",
				fmt.Sprintf("add identity_source: external if Okta, Entra ID or Google Workspace makes your groups, or list people under %s", b.field))
		case ref.Value == "":
			at(ref.Pos, ref.Path, "empty group name", fmt.Sprintf("name the identity provider's group that gets %s", b.set))
		case text(ref.Path, ref.Value, false):
			sets[b.set] = true
			setsFolded[strings.ToLower(b.set)] = named{b.set, fmt.Sprintf("the built-in set %q (from %s)", b.set, ref.Path)}
			if _, listed := groups[strings.ToLower(ref.Value)]; !listed {
				groups[strings.ToLower(ref.Value)] = named{ref.Value, ref.Path}
			}
		}
	}
	if !c.External {
		return
	}
	const src = "with identity_source: external, "
	if len(c.Users) > 0 {
		at(Pos{}, "users", src+"your identity provider makes the users, not keyless",
			"remove users:; assignments name people by user name")
	}
	for _, b := range builtins {
		if len(b.list(c)) > 0 {
			at(Pos{}, b.field, src+"your identity provider decides who is in a group, so keyless takes no member lists",
				fmt.Sprintf("name the provider's group that gets %s instead: %s_group: \"AWS Admins\"", b.set, b.field))
		}
	}
	for _, g := range c.Groups {
		if len(g.Members) > 0 {
			at(g.Pos, g.Path+".members", src+"your identity provider decides who is in a group",
				"add people to it in your identity provider, and keep only the group's name here")
		}
		if g.Description != "" {
			at(g.Pos, g.Path+".description", src+"keyless does not change your identity provider's groups",
				"remove description, and keep only the group's name, as your identity provider spells it")
		}
	}
}

// externalGroupName is an identity provider's group as Identity Center
// spells it (names compare without case), or as the file does when the
// provider has not pushed it yet.
func externalGroupName(st *ic.State, name string) string {
	for _, g := range st.Groups {
		if strings.EqualFold(g.Name, name) {
			return g.Name
		}
	}
	return name
}
