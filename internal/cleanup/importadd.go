package cleanup

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/config"
)

// AddedUsers is an existing keyless.yaml with imported users added.
type AddedUsers struct {
	YAML []byte
	// Added are the emails added, Present those the file already had.
	Added, Present []string
	// AddedWorkloads and PresentWorkloads are the workloads' names.
	AddedWorkloads, PresentWorkloads []string
}

// ErrCannotEdit is returned when keyless.yaml has a shape AddIAMUsers does
// not edit safely; the caller suggests writing a new file instead.
var ErrCannotEdit = config.ErrCannotEdit

// ErrExternalSource is returned for a keyless.yaml with identity_source:
// external, which takes no users: the identity provider makes them.
var ErrExternalSource = fmt.Errorf("your identity provider makes the users, so keyless does not add IAM users to it")

// AddIAMUsers adds users to the keyless.yaml text src (read from path):
// each user whose email the file lacks goes to the end of users: and its
// email to the end of its built-in set, a key created at the end of the
// file when missing. Every other byte stays: the text is edited at the
// places the YAML tree points to, never re-rendered. Block lists get items
// in the style of their first item, flow lists ([a, b]) get theirs inside
// the brackets. The result must parse and hold the file's users and sets
// followed by the added ones, or nothing is returned.
func AddIAMUsers(path string, src []byte, users []ImportedUser) (*AddedUsers, error) {
	return AddIAMImport(path, src, users, nil)
}

// AddIAMImport is AddIAMUsers that also adds workloads: each workload
// whose name, or whose like_user, the file lacks goes to the end of
// workloads:, created at the end of the file when missing.
func AddIAMImport(path string, src []byte, users []ImportedUser, wls []ImportedWorkload) (*AddedUsers, error) {
	body, old, err := config.ReadForEdit(path, src)
	if err != nil {
		return nil, err
	}
	if old.External {
		return nil, fmt.Errorf("%s has identity_source: external: %w", path, ErrExternalSource)
	}
	out := &AddedUsers{YAML: src}
	var add []ImportedUser
	for _, u := range users {
		if slices.ContainsFunc(old.Users, func(o config.User) bool { return strings.EqualFold(o.Email, u.Email) }) {
			out.Present = append(out.Present, u.Email)
			continue
		}
		add = append(add, u)
		out.Added = append(out.Added, u.Email)
	}
	var addW []ImportedWorkload
	for _, w := range wls {
		if slices.ContainsFunc(old.Workloads, func(o config.Workload) bool {
			return o.Name == w.Name || strings.EqualFold(o.LikeUser.Value, w.LikeUser)
		}) {
			out.PresentWorkloads = append(out.PresentWorkloads, w.Name)
			continue
		}
		addW = append(addW, w)
		out.AddedWorkloads = append(out.AddedWorkloads, w.Name)
	}
	if len(add)+len(addW) == 0 {
		return out, nil
	}
	// The sections in the order a missing one is appended.
	keys := []string{"users", "super_admins", "power_users", "readonly_users", "workloads"}
	sections := map[string][]config.ListItem{}
	for _, u := range add {
		sections["users"] = append(sections["users"], listItem{user: &u})
		sections[u.List] = append(sections[u.List], listItem{email: u.Email, comment: u.Review})
	}
	for _, w := range addW {
		sections["workloads"] = append(sections["workloads"], listItem{workload: &w})
	}
	if out.YAML, err = config.AddToLists(path, src, body, keys, sections); err != nil {
		return nil, err
	}
	if err := sameAndAdded(path, old, out.YAML, add, addW); err != nil {
		return nil, fmt.Errorf("adding to %s went wrong (a keyless bug; please report it), so nothing was written: %w", path, err)
	}
	return out, nil
}

// sameAndAdded checks that the edited text reads as the old file's users
// and sets followed by the added ones.
func sameAndAdded(path string, old *config.Config, text []byte, add []ImportedUser, addW []ImportedWorkload) error {
	c, err := config.Parse(path, text)
	if err != nil {
		return err
	}
	emails := func(us []config.User) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.Email)
		}
		return out
	}
	refs := func(rs []config.Ref) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Value)
		}
		return out
	}
	want := map[string][]string{"users": emails(old.Users), "super_admins": refs(old.SuperAdmins), "power_users": refs(old.PowerUsers), "readonly_users": refs(old.ReadonlyUsers)}
	for _, u := range add {
		want["users"] = append(want["users"], u.Email)
		want[u.List] = append(want[u.List], u.Email)
	}
	got := map[string][]string{"users": emails(c.Users), "super_admins": refs(c.SuperAdmins), "power_users": refs(c.PowerUsers), "readonly_users": refs(c.ReadonlyUsers)}
	for _, k := range []string{"users", "super_admins", "power_users", "readonly_users"} {
		if !slices.Equal(want[k], got[k]) {
			return fmt.Errorf("%s reads as %v, want %v", k, got[k], want[k])
		}
	}
	names := func(ws []config.Workload) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Name+" like "+w.LikeUser.Value)
		}
		return out
	}
	wantW := names(old.Workloads)
	for _, w := range addW {
		wantW = append(wantW, w.Name+" like "+w.LikeUser)
	}
	if got := names(c.Workloads); !slices.Equal(wantW, got) {
		return fmt.Errorf("workloads read as %v, want %v", got, wantW)
	}
	for i, u := range add {
		if n := c.Users[len(old.Users)+i]; n.UserName != u.IAMUser || n.GivenName != u.GivenName || n.FamilyName != u.FamilyName {
			return fmt.Errorf("user %s reads as %+v", u.Email, n)
		}
	}
	return nil
}

// listItem is a user (user set), a workload, or an email with an
// optional comment.
type listItem struct {
	user           *ImportedUser
	workload       *ImportedWorkload
	email, comment string
}

// Flow renders the item inside a flow list.
func (it listItem) Flow() string {
	if w := it.workload; w != nil {
		return "{" + strings.Join(w.fields(), ", ") + "}"
	}
	if u := it.user; u != nil {
		return fmt.Sprintf("{email: %s, user_name: %s, given_name: %s, family_name: %s}", scalar(u.Email), scalar(u.IAMUser), scalar(u.GivenName), scalar(u.FamilyName))
	}
	return scalar(it.email)
}

// Block renders the item as a block list item: the dash indented by
// indent, its content gap spaces after it; flowMaps writes users as
// {email: ...} on one line.
func (it listItem) Block(indent, gap int, flowMaps bool) string {
	pad, cont := strings.Repeat(" ", indent), strings.Repeat(" ", indent+1+gap)
	dash := pad + "-" + strings.Repeat(" ", gap)
	u := it.user
	switch {
	case it.workload != nil && flowMaps:
		return dash + it.Flow() + "\n"
	case it.workload != nil:
		return dash + strings.Join(it.workload.fields(), "\n"+cont) + "\n"
	case u == nil && it.comment != "":
		return dash + scalar(it.email) + " # review: " + it.comment + "\n"
	case u == nil:
		return dash + scalar(it.email) + "\n"
	case flowMaps:
		return dash + it.Flow() + "\n"
	}
	return fmt.Sprintf("%semail: %s\n%suser_name: %s\n%sgiven_name: %s\n%sfamily_name: %s\n",
		dash, scalar(u.Email), cont, scalar(u.IAMUser), cont, scalar(u.GivenName), cont, scalar(u.FamilyName))
}
