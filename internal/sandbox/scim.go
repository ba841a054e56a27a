package sandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// SCIMPush is the body of POST /_sandbox/scim: users and groups an
// identity provider (Okta, Entra ID, Google Workspace) pushes through SCIM.
// The identity store API cannot make them: CreateUser and CreateGroup take
// no ExternalIds, and SCIM-made objects carry them.
type SCIMPush struct {
	Users []struct {
		UserName    string           `json:"user_name"`
		GivenName   string           `json:"given_name"`
		FamilyName  string           `json:"family_name"`
		DisplayName string           `json:"display_name"`
		Email       string           `json:"email"`
		ExternalIDs []SeedExternalID `json:"external_ids"`
	} `json:"users"`
	Groups []struct {
		Name        string           `json:"name"`
		Description string           `json:"description"`
		Members     []string         `json:"members"` // user names
		ExternalIDs []SeedExternalID `json:"external_ids"`
	} `json:"groups"`
}

// serveAdminSCIM adds what an identity provider pushes, as SCIM does:
// every object gets its external ids (an issuer of "scim" and its name when
// none are given), and a name already taken is refused as a whole.
func (s *Server) serveAdminSCIM(w http.ResponseWriter, r *http.Request) {
	const ct = "application/json"
	var in SCIMPush
	if !readAdminPost(w, r, &in) {
		return
	}
	var aerr *apiError
	out := map[string]int{}
	s.withWorld(func(wd *World, now time.Time) {
		var problems []string
		add := func(path, format string, a ...any) { problems = append(problems, path+": "+fmt.Sprintf(format, a...)) }
		ids := func(given []SeedExternalID, name string) []ExternalID {
			if len(given) == 0 {
				return []ExternalID{{Issuer: "scim", ID: name}}
			}
			return externalIDs(given)
		}
		pushed := map[string]bool{}
		for i, u := range in.Users {
			checkSeedExternalIDs(add, fmt.Sprintf("users[%d]", i), u.ExternalIDs)
			if err := userNameRule.check("user_name", &u.UserName); err != nil || wd.userByName(u.UserName) != nil || pushed[u.UserName] {
				add(fmt.Sprintf("users[%d].user_name", i), "%q is not a user name, or is taken", u.UserName)
			}
			pushed[u.UserName] = true
		}
		for i, g := range in.Groups {
			checkSeedExternalIDs(add, fmt.Sprintf("groups[%d]", i), g.ExternalIDs)
			if err := groupNameRule.check("name", &g.Name); err != nil || slices.ContainsFunc(wd.Groups, func(x *Group) bool { return strings.EqualFold(x.DisplayName, g.Name) }) {
				add(fmt.Sprintf("groups[%d].name", i), "%q is not a group name, or is taken", g.Name)
			}
			for j, m := range g.Members {
				if !pushed[m] && wd.userByName(m) == nil {
					add(fmt.Sprintf("groups[%d].members[%d]", i, j), "%q is not a user", m)
				}
			}
		}
		if len(problems) > 0 {
			aerr = newError(400, "ValidationException", "%s", strings.Join(problems, "; "))
			return
		}
		store := wd.Instance.IdentityStoreID
		for _, su := range in.Users {
			u := &User{ID: storeUUID(store, "scim/user/"+su.UserName), UserName: su.UserName, DisplayName: su.DisplayName,
				Name: Name{GivenName: su.GivenName, FamilyName: su.FamilyName}, ExternalIDs: ids(su.ExternalIDs, su.UserName),
				Created: now, Updated: now, CreatedBy: "SCIM", UpdatedBy: "SCIM", Revision: 1}
			if u.DisplayName == "" {
				u.DisplayName = cmp.Or(strings.TrimSpace(su.GivenName+" "+su.FamilyName), su.UserName)
			}
			if su.Email != "" {
				u.Emails = []Email{{Value: su.Email, Type: "work", Primary: true}}
			}
			wd.Users = append(wd.Users, u)
			out["users"]++
		}
		for _, sg := range in.Groups {
			g := &Group{ID: storeUUID(store, "scim/group/"+sg.Name), DisplayName: sg.Name, Description: sg.Description,
				ExternalIDs: ids(sg.ExternalIDs, sg.Name), Created: now, Updated: now, CreatedBy: "SCIM", UpdatedBy: "SCIM", Revision: 1}
			wd.Groups = append(wd.Groups, g)
			for _, m := range sg.Members {
				u := wd.userByName(m)
				wd.Memberships = append(wd.Memberships, &Membership{ID: storeUUID(store, "membership/"+g.ID+"/"+u.ID), GroupID: g.ID, UserID: u.ID})
			}
			out["groups"]++
		}
	})
	if aerr != nil {
		writeJSONError(w, ct, aerr)
		return
	}
	writeJSON(w, 200, ct, out)
}
