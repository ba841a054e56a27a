package audit

import (
	"cmp"
	"slices"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// Matrix is who has which permission set in which account, from Identity
// Center's assignments: a row per group and per user.
type Matrix struct {
	Accounts []MatrixAccount `json:"accounts"`
	Rows     []MatrixRow     `json:"rows"`
}

type MatrixAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MatrixRow is one principal. Cells maps an account id to what the
// principal holds there: permission set names, "Name (via Group)" for a
// user's access through a group.
type MatrixRow struct {
	Kind  string              `json:"kind"` // group or user
	Name  string              `json:"name"`
	Cells map[string][]string `json:"cells"`
}

// AccessMatrix builds the matrix from an Identity Center state.
func AccessMatrix(s *ic.State) *Matrix {
	m := &Matrix{}
	for _, a := range s.Accounts {
		m.Accounts = append(m.Accounts, MatrixAccount{ID: a.ID, Name: a.Name})
	}
	setName := map[string]string{}
	for _, p := range s.PermissionSets {
		setName[p.ARN] = p.Name
	}
	groups := map[string]*MatrixRow{}
	users := map[string]*MatrixRow{}
	for _, g := range s.Groups {
		groups[g.ID] = &MatrixRow{Kind: "group", Name: g.Name, Cells: map[string][]string{}}
	}
	for _, u := range s.Users {
		users[u.ID] = &MatrixRow{Kind: "user", Name: u.UserName, Cells: map[string][]string{}}
	}
	add := func(r *MatrixRow, acct, v string) {
		if !slices.Contains(r.Cells[acct], v) {
			r.Cells[acct] = append(r.Cells[acct], v)
			slices.Sort(r.Cells[acct])
		}
	}
	for _, a := range s.Assignments {
		name := setName[a.PermissionSetARN]
		if name == "" {
			name = a.PermissionSetARN
		}
		switch a.PrincipalType {
		case "USER":
			if r := users[a.PrincipalID]; r != nil {
				add(r, a.AccountID, name)
			}
		case "GROUP":
			g := groups[a.PrincipalID]
			if g == nil {
				continue
			}
			add(g, a.AccountID, name)
			for _, grp := range s.Groups {
				if grp.ID != a.PrincipalID {
					continue
				}
				for uid := range grp.Members {
					if r := users[uid]; r != nil {
						add(r, a.AccountID, name+" (via "+grp.Name+")")
					}
				}
			}
		}
	}
	for _, r := range groups {
		m.Rows = append(m.Rows, *r)
	}
	for _, r := range users {
		m.Rows = append(m.Rows, *r)
	}
	slices.SortFunc(m.Rows, func(a, b MatrixRow) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name)) })
	return m
}
