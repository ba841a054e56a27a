package sandbox

// IAM users, their login profiles, and groups.

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Users.

type iamUserOut struct {
	Path             string   `xml:"Path"`
	UserName         string   `xml:"UserName"`
	UserId           string   `xml:"UserId"`
	Arn              string   `xml:"Arn"`
	CreateDate       isoTime  `xml:"CreateDate"`
	PasswordLastUsed *isoTime `xml:"PasswordLastUsed,omitempty"`
	// PermissionsBoundary and Tags are in GetUser and CreateUser's replies,
	// not in listings.
	PermissionsBoundary *iamBoundaryOut `xml:"PermissionsBoundary,omitempty"`
	Tags                xmlList[Tag]    `xml:"Tags,omitempty"`
}

func (ic *iamCall) userOut(u *IAMUser, full bool) iamUserOut {
	out := iamUserOut{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: iamUserARN(ic.partition(), ic.acct, u),
		CreateDate: isoTime(u.Created), PasswordLastUsed: isoPtr(u.PasswordLastUsed)}
	if full {
		out.Tags, out.PermissionsBoundary = u.Tags, boundaryOut(u.PermissionsBoundary)
	}
	return out
}

func (ic *iamCall) findUser(name string) *IAMUser {
	for _, u := range ic.ia.Users {
		if strings.EqualFold(u.Name, name) {
			return u
		}
	}
	return nil
}

func (ic *iamCall) user(form url.Values) (*IAMUser, error) {
	name, err := iamName(form, "UserName", "userName", 64)
	if err != nil {
		return nil, err
	}
	u := ic.findUser(name)
	if u == nil {
		return nil, iamNoSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

// userOrSelf is the user an operation with an optional UserName acts on:
// the named one, else the IAM user who signed the request.
func (ic *iamCall) userOrSelf(form url.Values) (*IAMUser, error) {
	if form.Get("UserName") != "" {
		return ic.user(form)
	}
	if ic.who.IAMUser != nil {
		return ic.who.IAMUser, nil
	}
	return nil, iamValidation("Must specify userName when calling with non-User credentials")
}

func (ic *iamCall) newID(prefix string, n int) string { return prefix + ic.rand(n, upperBase32) }

func iamCreateUser(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "UserName", "userName", 64)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	var boundary string
	if _, ok := form["PermissionsBoundary"]; ok {
		if boundary, err = ic.boundaryARN(form); err != nil {
			return nil, err
		}
	}
	if ic.findUser(name) != nil {
		return nil, iamExists("User with name %s already exists.", name)
	}
	if len(ic.ia.Users) >= 5000 {
		return nil, iamLimit("Cannot exceed quota for UsersPerAccount: 5000")
	}
	u := &IAMUser{Name: name, Path: path, ID: ic.newID("AIDA", 17), Created: ic.now.UTC().Truncate(time.Second), Tags: tags, PermissionsBoundary: boundary}
	ic.ia.Users = append(ic.ia.Users, u)
	return struct {
		User iamUserOut `xml:"User"`
	}{ic.userOut(u, true)}, nil
}

func iamGetUser(ic *iamCall, form url.Values) (any, error) {
	var out iamUserOut
	switch {
	case form.Get("UserName") != "":
		u, err := ic.user(form)
		if err != nil {
			return nil, err
		}
		out = ic.userOut(u, true)
	case ic.who.IAMUser != nil:
		out = ic.userOut(ic.who.IAMUser, true)
	case ic.who.Session == nil:
		// The keys the sandbox accepts from anyone act as sandbox-admin.
		out = iamUserOut{Path: "/", UserName: adminUserName, UserId: ic.who.UserID, Arn: ic.who.ARN, CreateDate: isoTime(ic.ia.Root.Created)}
	default:
		return nil, iamValidation("Must specify userName when calling with non-User credentials")
	}
	return struct {
		User iamUserOut `xml:"User"`
	}{out}, nil
}

func iamListUsers(ic *iamCall, form url.Values) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	var match []*IAMUser
	for _, u := range ic.ia.Users {
		if strings.HasPrefix(u.Path, prefix) {
			match = append(match, u)
		}
	}
	pg, p, err := iamPage(form, match, "users"+prefix)
	if err != nil {
		return nil, err
	}
	out := struct {
		Users []iamUserOut `xml:"Users>member"`
		iamPaging
	}{iamPaging: p}
	for _, u := range pg {
		out.Users = append(out.Users, ic.userOut(u, false))
	}
	return out, nil
}

func iamUpdateUser(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	newName := u.Name
	if _, ok := form["NewUserName"]; ok {
		if newName, err = iamName(form, "NewUserName", "newUserName", 64); err != nil {
			return nil, err
		}
		if o := ic.findUser(newName); o != nil && o != u {
			return nil, iamExists("User with name %s already exists.", newName)
		}
	}
	newPath := u.Path
	if _, ok := form["NewPath"]; ok {
		if newPath, err = iamPath(form, "NewPath", "newPath"); err != nil {
			return nil, err
		}
	}
	for _, d := range ic.ia.VirtualMFADevices {
		if d.UserName == u.Name {
			d.UserName = newName
		}
	}
	u.Name, u.Path = newName, newPath
	return nil, nil
}

// deleteUserBlockers are what DeleteUser requires gone first, in the order
// it reports them.
var deleteUserBlockers = []struct {
	what string
	has  func(*IAMUser) bool
}{
	{"delete access keys", func(u *IAMUser) bool { return len(u.AccessKeys) > 0 }},
	{"delete signing certificates", func(u *IAMUser) bool { return len(u.SigningCerts) > 0 }},
	{"delete SSH public keys", func(u *IAMUser) bool { return len(u.SSHKeys) > 0 }},
	{"delete service specific credentials", func(u *IAMUser) bool { return len(u.ServiceCreds) > 0 }},
	{"delete login profile", func(u *IAMUser) bool { return u.LoginProfile != nil }},
	{"delete MFA device", func(u *IAMUser) bool { return len(u.MFASerials) > 0 }},
	{"remove user from all groups", func(u *IAMUser) bool { return len(u.Groups) > 0 }},
	{"delete policies", func(u *IAMUser) bool { return len(u.InlinePolicies) > 0 }},
	{"detach all policies", func(u *IAMUser) bool { return len(u.AttachedPolicies) > 0 }},
}

func iamDeleteUser(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	for _, b := range deleteUserBlockers {
		if b.has(u) {
			return nil, iamDeleteConflict("Cannot delete entity, must %s first.", b.what)
		}
	}
	ic.ia.Users = slices.DeleteFunc(ic.ia.Users, func(o *IAMUser) bool { return o == u })
	return nil, nil
}

var iamTagUser, iamUntagUser, iamListUserTags = iamTagOps(func(ic *iamCall, form url.Values) (*[]Tag, string, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, "", err
	}
	return &u.Tags, "tags/" + u.ID, nil
})

// Login profiles.

type iamLoginProfileOut struct {
	UserName              string  `xml:"UserName"`
	CreateDate            isoTime `xml:"CreateDate"`
	PasswordResetRequired bool    `xml:"PasswordResetRequired"`
}

// checkPassword applies the account's password policy.
func (ic *iamCall) checkPassword(pw string) error {
	if len(pw) < 1 || len(pw) > 128 {
		return iamConstraint("password", "*****", "Member must have length less than or equal to 128 and greater than or equal to 1")
	}
	p := ic.ia.PasswordPolicy
	if p == nil {
		return nil
	}
	var problems []string
	if len(pw) < p.MinimumPasswordLength {
		problems = append(problems, fmt.Sprintf("Password should have at least %d characters", p.MinimumPasswordLength))
	}
	has := func(f func(rune) bool) bool { return strings.IndexFunc(pw, f) >= 0 }
	if p.RequireUppercaseCharacters && !has(func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
		problems = append(problems, "Password should have at least one uppercase letter")
	}
	if p.RequireLowercaseCharacters && !has(func(r rune) bool { return r >= 'a' && r <= 'z' }) {
		problems = append(problems, "Password should have at least one lowercase letter")
	}
	if p.RequireNumbers && !has(func(r rune) bool { return r >= '0' && r <= '9' }) {
		problems = append(problems, "Password should have at least one number")
	}
	if p.RequireSymbols && !has(func(r rune) bool { return strings.ContainsRune("!@#$%^&*()_+-=[]{}|'", r) }) {
		problems = append(problems, "Password should have at least one symbol")
	}
	if len(problems) > 0 {
		return newError(400, "PasswordPolicyViolation", "%s", strings.Join(problems, "\n"))
	}
	return nil
}

func iamCreateLoginProfile(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	pw, err := iamRequired(form, "Password", "password")
	if err != nil {
		return nil, err
	}
	reset, err := iamBool(form, "PasswordResetRequired")
	if err != nil {
		return nil, err
	}
	if u.LoginProfile != nil {
		return nil, iamExists("Login Profile for user %s already exists.", u.Name)
	}
	if err := ic.checkPassword(pw); err != nil {
		return nil, err
	}
	now := ic.now.UTC().Truncate(time.Second)
	u.LoginProfile = &LoginProfile{Created: now, PasswordChanged: now, PasswordResetRequired: reset}
	return struct {
		LoginProfile iamLoginProfileOut `xml:"LoginProfile"`
	}{iamLoginProfileOut{u.Name, isoTime(now), reset}}, nil
}

func (ic *iamCall) loginProfile(form url.Values) (*IAMUser, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	if u.LoginProfile == nil {
		return nil, iamNoSuchEntity("Login Profile for User %s cannot be found.", u.Name)
	}
	return u, nil
}

func iamGetLoginProfile(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.loginProfile(form)
	if err != nil {
		return nil, err
	}
	return struct {
		LoginProfile iamLoginProfileOut `xml:"LoginProfile"`
	}{iamLoginProfileOut{u.Name, isoTime(u.LoginProfile.Created), u.LoginProfile.PasswordResetRequired}}, nil
}

func iamUpdateLoginProfile(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.loginProfile(form)
	if err != nil {
		return nil, err
	}
	if _, ok := form["Password"]; ok {
		if err := ic.checkPassword(form.Get("Password")); err != nil {
			return nil, err
		}
		u.LoginProfile.PasswordChanged = ic.now.UTC().Truncate(time.Second)
	}
	if _, ok := form["PasswordResetRequired"]; ok {
		reset, err := iamBool(form, "PasswordResetRequired")
		if err != nil {
			return nil, err
		}
		u.LoginProfile.PasswordResetRequired = reset
	}
	return nil, nil
}

func iamDeleteLoginProfile(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.loginProfile(form)
	if err != nil {
		return nil, err
	}
	u.LoginProfile = nil
	return nil, nil
}

// Groups.

type iamGroupOut struct {
	Path       string  `xml:"Path"`
	GroupName  string  `xml:"GroupName"`
	GroupId    string  `xml:"GroupId"`
	Arn        string  `xml:"Arn"`
	CreateDate isoTime `xml:"CreateDate"`
}

func (ic *iamCall) groupOut(g *IAMGroup) iamGroupOut {
	return iamGroupOut{Path: g.Path, GroupName: g.Name, GroupId: g.ID, CreateDate: isoTime(g.Created),
		Arn: ic.iamARN("group", g.Path, g.Name)}
}

func (ic *iamCall) group(form url.Values) (*IAMGroup, error) {
	name, err := iamName(form, "GroupName", "groupName", 128)
	if err != nil {
		return nil, err
	}
	for _, g := range ic.ia.Groups {
		if strings.EqualFold(g.Name, name) {
			return g, nil
		}
	}
	return nil, iamNoSuchEntity("The group with name %s cannot be found.", name)
}

func (ic *iamCall) groupMembers(g *IAMGroup) []*IAMUser {
	var out []*IAMUser
	for _, u := range ic.ia.Users {
		if slices.ContainsFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) }) {
			out = append(out, u)
		}
	}
	return out
}

func iamCreateGroup(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "GroupName", "groupName", 128)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	if _, err := ic.group(form); err == nil {
		return nil, iamExists("Group with name %s already exists.", name)
	}
	if len(ic.ia.Groups) >= 300 {
		return nil, iamLimit("Cannot exceed quota for GroupsPerAccount: 300")
	}
	g := &IAMGroup{Name: name, Path: path, ID: ic.newID("AGPA", 17), Created: ic.now.UTC().Truncate(time.Second)}
	ic.ia.Groups = append(ic.ia.Groups, g)
	return struct {
		Group iamGroupOut `xml:"Group"`
	}{ic.groupOut(g)}, nil
}

func iamGetGroup(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, ic.groupMembers(g), "group/"+g.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		Group iamGroupOut  `xml:"Group"`
		Users []iamUserOut `xml:"Users>member"`
		iamPaging
	}{Group: ic.groupOut(g), iamPaging: p}
	for _, u := range pg {
		out.Users = append(out.Users, ic.userOut(u, false))
	}
	return out, nil
}

func (ic *iamCall) groupsOut(form url.Values, groups []*IAMGroup, kind string) (any, error) {
	pg, p, err := iamPage(form, groups, kind)
	if err != nil {
		return nil, err
	}
	out := struct {
		Groups []iamGroupOut `xml:"Groups>member"`
		iamPaging
	}{iamPaging: p}
	for _, g := range pg {
		out.Groups = append(out.Groups, ic.groupOut(g))
	}
	return out, nil
}

func iamListGroups(ic *iamCall, form url.Values) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	var match []*IAMGroup
	for _, g := range ic.ia.Groups {
		if strings.HasPrefix(g.Path, prefix) {
			match = append(match, g)
		}
	}
	return ic.groupsOut(form, match, "groups"+prefix)
}

func iamListGroupsForUser(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	var match []*IAMGroup
	for _, g := range ic.ia.Groups {
		if slices.ContainsFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) }) {
			match = append(match, g)
		}
	}
	return ic.groupsOut(form, match, "user-groups/"+u.ID)
}

func iamDeleteGroup(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	switch {
	case len(ic.groupMembers(g)) > 0:
		return nil, iamDeleteConflict("Cannot delete entity, must remove users from group first.")
	case len(g.InlinePolicies) > 0:
		return nil, iamDeleteConflict("Cannot delete entity, must delete policies first.")
	case len(g.AttachedPolicies) > 0:
		return nil, iamDeleteConflict("Cannot delete entity, must detach all policies first.")
	}
	ic.ia.Groups = slices.DeleteFunc(ic.ia.Groups, func(o *IAMGroup) bool { return o == g })
	return nil, nil
}

func iamAddUserToGroup(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) }) {
		return nil, nil // AWS accepts a repeated add.
	}
	if len(u.Groups) >= 10 {
		return nil, iamLimit("Cannot exceed quota for GroupsPerUser: 10")
	}
	u.Groups = append(u.Groups, g.Name)
	return nil, nil
}

func iamRemoveUserFromGroup(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	in := func(n string) bool { return strings.EqualFold(n, g.Name) }
	if !slices.ContainsFunc(u.Groups, in) {
		return nil, iamNoSuchEntity("User %s is not in group %s.", u.Name, g.Name)
	}
	u.Groups = slices.DeleteFunc(u.Groups, in)
	return nil, nil
}
