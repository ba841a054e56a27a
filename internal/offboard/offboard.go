// Package offboard owns taking one person's AWS access away (keyless
// offboard): who the person is, the refusals that keep the owner from
// locking themselves out, the change to keyless.yaml, the permission sets
// whose live sessions must be cut, and the IAM users still tied to them.
//
// It decides and describes; the command runs the steps through the
// packages that own them (config's text editing, plan and identitycenter's
// apply and session cuts, elevation's grant ending). It never deletes IAM
// users or keys: keyless cleanup does, with its own dry run and backups.
package offboard

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/config"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// Person is the one being offboarded.
type Person struct {
	// UserID is the identity store user id; empty when keyless.yaml names
	// the person but Identity Center has no such user yet.
	UserID      string
	UserName    string
	Email       string
	DisplayName string
	// Owned says keyless manages the Identity Center user (it deletes it);
	// otherwise someone else made it (an identity provider, the console).
	Owned    bool
	External bool
	// InFile says keyless.yaml has a users: entry for them.
	InFile bool
}

// Names are the names keyless.yaml may call the person by.
func (p Person) Names() []string {
	var out []string
	for _, n := range []string{p.UserName, p.Email} {
		if n != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, n) }) {
			out = append(out, n)
		}
	}
	return out
}

// UnknownError is an email that names no one.
type UnknownError struct{ Who string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("%s is neither a user in keyless.yaml nor an Identity Center user; nothing was changed", e.Who)
}

func (e *UnknownError) Hint() string {
	return "check the spelling; keyless offboard takes a user name or an email ('aws identitystore list-users' lists them)"
}

// Find identifies the person by user name or email (without case): in
// keyless.yaml's users:, then among Identity Center's users.
func Find(cfg *config.Config, st *ic.State, who string) (Person, error) {
	eq := strings.EqualFold
	var p Person
	for _, u := range cfg.Users {
		if eq(u.UserName, who) || eq(u.Email, who) {
			p = Person{UserName: u.UserName, Email: u.Email, DisplayName: u.DisplayName, InFile: true}
			break
		}
	}
	for _, u := range st.Users {
		if p.InFile && eq(u.UserName, p.UserName) || !p.InFile && (eq(u.UserName, who) || eq(u.Email, who)) {
			p.UserID, p.UserName, p.Email, p.DisplayName = u.ID, u.UserName, u.Email, u.DisplayName
			p.Owned, p.External = u.Owned(), u.External
			break
		}
	}
	if p.UserName == "" {
		return Person{}, &UnknownError{Who: who}
	}
	return p, nil
}

// RefusedError is an offboarding keyless will not do.
type RefusedError struct{ Reason, Advice string }

func (e *RefusedError) Error() string {
	return "refusing to offboard: " + e.Reason + "; nothing was changed"
}
func (e *RefusedError) Hint() string { return e.Advice }

// Refuse returns a *RefusedError when offboarding p would lock the owner
// out: p is the caller, or the last one with AdministratorAccess in the
// management account (directly or through a group).
func Refuse(st *ic.State, p Person) error {
	if c := st.Caller; c.SSOUserName != "" && strings.EqualFold(c.SSOUserName, p.UserName) {
		return &RefusedError{Reason: fmt.Sprintf("%s is you (signed in as %s in %s)", p.UserName, c.SSOPermissionSet, c.AccountID),
			Advice: "ask another administrator to run it: offboarding yourself would cut the session you run with half way through"}
	}
	if p.UserID == "" || st.ManagementAccountID == "" {
		return nil
	}
	admins := Admins(st, st.ManagementAccountID)
	if len(admins) == 1 && admins[0] == p.UserID {
		return &RefusedError{Reason: fmt.Sprintf("%s is the last one with AdministratorAccess in the management account %s", p.UserName, st.ManagementAccountID),
			Advice: "give AdministratorAccess to someone else first (super_admins: in keyless.yaml, keyless apply), then offboard"}
	}
	return nil
}

// Admins are the ids of the users who hold a permission set with
// AdministratorAccess in account, directly or through a group, sorted.
func Admins(st *ic.State, account string) []string {
	admin := map[string]bool{}
	for _, ps := range st.PermissionSets {
		admin[ps.ARN] = slices.Contains(ps.ManagedPolicies, ic.AdministratorAccess)
	}
	users := map[string]bool{}
	for _, u := range st.Users {
		users[u.ID] = true
	}
	out := map[string]bool{}
	for _, a := range st.Assignments {
		if a.AccountID != account || !admin[a.PermissionSetARN] {
			continue
		}
		for _, id := range reach(st, a) {
			if users[id] {
				out[id] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(out))
}

// reach is who an assignment reaches: its user, or its group's members.
func reach(st *ic.State, a ic.Assignment) []string {
	if a.PrincipalType == "USER" {
		return []string{a.PrincipalID}
	}
	for _, g := range st.Groups {
		if g.ID == a.PrincipalID {
			return slices.Collect(maps.Keys(g.Members))
		}
	}
	return nil
}

// Held is a permission set the person holds, and where.
type Held struct {
	Name, ARN string
	Accounts  []string
	// Via says how: "direct", or the groups.
	Via []string
	// Owned says keyless manages the set: only those are cut.
	Owned bool
}

// HeldSets are the permission sets userID holds in st, directly or through
// groups, by name.
func HeldSets(st *ic.State, userID string) []Held {
	byARN := map[string]*Held{}
	for _, a := range st.Assignments {
		via := ""
		switch {
		case a.PrincipalType == "USER" && a.PrincipalID == userID:
			via = "direct"
		case a.PrincipalType == "GROUP":
			for _, g := range st.Groups {
				if _, in := g.Members[userID]; in && g.ID == a.PrincipalID {
					via = "group " + g.Name
				}
			}
		}
		if via == "" {
			continue
		}
		h := byARN[a.PermissionSetARN]
		if h == nil {
			h = &Held{ARN: a.PermissionSetARN, Name: a.PermissionSetARN}
			for _, ps := range st.PermissionSets {
				if ps.ARN == a.PermissionSetARN {
					h.Name, h.Owned = ps.Name, ps.Owned()
				}
			}
			byARN[a.PermissionSetARN] = h
		}
		if !slices.Contains(h.Accounts, a.AccountID) {
			h.Accounts = append(h.Accounts, a.AccountID)
		}
		if !slices.Contains(h.Via, via) {
			h.Via = append(h.Via, via)
		}
	}
	var out []Held
	for _, h := range byARN {
		slices.Sort(h.Accounts)
		slices.Sort(h.Via)
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b Held) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Concerns reports whether a planned deletion is about the person: their
// user, a membership of theirs, an assignment to them. Offboarding allows
// these even when prune is off.
func (p Person) Concerns(c ic.Change) bool {
	if c.Op != ic.Delete || p.UserID == "" {
		return false
	}
	switch c.Kind {
	case ic.KindUser:
		return c.HaveUser != nil && c.HaveUser.ID == p.UserID
	case ic.KindMembership:
		return c.Membership != nil && c.Membership.UserID == p.UserID
	case ic.KindAssignment:
		return c.HaveAssignment != nil && c.HaveAssignment.PrincipalType == "USER" && c.HaveAssignment.PrincipalID == p.UserID
	}
	return false
}

// Edit is the change to keyless.yaml.
type Edit struct {
	Removals []config.Removal
	Before   []byte
	After    []byte
	// Config is After, parsed.
	Config *config.Config
}

// EditFile takes the person out of keyless.yaml's text (src, read from
// path) and checks the result: it must validate and name them nowhere.
func EditFile(path string, src []byte, p Person) (*Edit, error) {
	body, _, err := config.ReadForEdit(path, src)
	if err != nil {
		return nil, err
	}
	out, removals, err := config.RemovePerson(path, src, body, p.Names())
	if err != nil {
		return nil, err
	}
	c, err := config.Parse(path, out)
	if err != nil {
		// An elevation rule left with no one eligible or no approver is the
		// likely cause: a decision for a person, not for keyless.
		return nil, withHint(fmt.Errorf("%s would not validate without %s, so nothing was written: %w", path, p.UserName, err),
			"edit the places named above by hand (give the rule another eligible user or approver, or remove it), then run keyless offboard again")
	}
	if where := c.Mentions(p.Names()); len(where) > 0 {
		return nil, fmt.Errorf("taking %s out of %s left them at %s (a keyless bug; please report it), so nothing was written", p.UserName, path, strings.Join(where, ", "))
	}
	return &Edit{Removals: removals, Before: src, After: out, Config: c}, nil
}

type hinted struct {
	error
	hint string
}

func (h hinted) Unwrap() error { return h.error }
func (h hinted) Hint() string  { return h.hint }

func withHint(err error, hint string) error { return hinted{err, hint} }

// TiedUser is an IAM user still tied to the person, with its keys.
type TiedUser struct {
	audit.IAMUser
	// By says how it is tied: "email tag", "tag owner", "user name", "email", "email name".
	By string
}

// TiedUsers are the IAM users of st tied to the person: audit's matching
// rule (an email tag, the user name, the email or its part before @) names
// them, or any tag's value is their email.
func TiedUsers(st *audit.AccountState, users []ic.User, p Person) []TiedUser {
	var out []TiedUser
	for _, u := range st.Users {
		by := ""
		if c := audit.MatchUser(users, u.Name, u.Tags, ""); c.User != nil && strings.EqualFold(c.User.UserName, p.UserName) {
			by = c.By
		}
		for _, k := range slices.Sorted(maps.Keys(u.Tags)) {
			if by == "" && p.Email != "" && strings.EqualFold(strings.TrimSpace(u.Tags[k]), p.Email) {
				by = "tag " + k
			}
		}
		if by == "" && p.UserID == "" {
			// Not in Identity Center: match their names directly.
			if c := audit.MatchUser([]ic.User{{UserName: p.UserName, Email: p.Email}}, u.Name, u.Tags, ""); c.User != nil {
				by = c.By
			}
		}
		if by != "" {
			out = append(out, TiedUser{IAMUser: u, By: by})
		}
	}
	return out
}
