package cleanup

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/keyless-dev/keyless/internal/audit"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// LoadMap reads a mapping file: YAML lines `iam-user: ic-user-name-or-email`.
func LoadMap(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--map: %w", err)
	}
	m := map[string]string{}
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&m); err != nil && len(bytes.TrimSpace(b)) > 0 {
		return nil, fmt.Errorf("--map %s: %s\nhint: write one line per IAM user: iam-user-name: identity-center-user-name-or-email", path, yaml.FormatError(err, false, true))
	}
	for k, v := range m {
		if strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("--map %s: %q: both the IAM user and the Identity Center user must be named", path, k+": "+v)
		}
	}
	return m, nil
}

// mapped is the mapping's entry for an IAM user (names are case-insensitive in IAM).
func mapped(m map[string]string, user string) string {
	for k, v := range m {
		if strings.EqualFold(k, user) {
			return v
		}
	}
	return ""
}

// match finds the Identity Center user with access that an IAM user's
// person has, by audit.MatchUser (the rule audit reports by too). It
// returns the Identity Center user name, or "" and why none.
func (b *builder) match(u audit.IAMUser, tags map[string]string) (string, string) {
	icst := b.st.IdentityCenter
	if icst == nil || !icst.Enabled || icst.State == nil {
		return "", "Identity Center was not read, so no one is known to have moved: run cleanup with the management account's credentials (where Identity Center lives)"
	}
	s := icst.State
	want := mapped(b.in.Map, u.Name)
	c := audit.MatchUser(s.Users, u.Name, tags, want)
	switch {
	case c.User == nil && want != "":
		return "", "the mapping names " + want + ", and Identity Center has no such user: fix --map or add the user to keyless.yaml and run keyless apply"
	case len(c.Ambiguous) > 0:
		return "", "Identity Center users " + strings.Join(c.Ambiguous, ", ") + " all match it by email name: say which with --map"
	case c.User == nil:
		return "", "no Identity Center user matches it (by the mapping, an email tag, the user name, the email or its name before @): add the person to keyless.yaml (keyless import iam-users), keyless apply, or map it with --map"
	case !hasAccess(s, c.User.ID):
		return "", "Identity Center user " + c.User.UserName + " (matched by " + c.By + ") has no account assignment yet: give it access (keyless.yaml, keyless apply) so the person is not locked out"
	}
	return c.User.UserName, ""
}

// hasAccess reports that a user has at least one account assignment,
// directly or through a group.
func hasAccess(s *ic.State, userID string) bool {
	groups := map[string]bool{}
	for _, g := range s.Groups {
		if _, ok := g.Members[userID]; ok {
			groups[g.ID] = true
		}
	}
	return slices.ContainsFunc(s.Assignments, func(a ic.Assignment) bool {
		return a.PrincipalType == "USER" && a.PrincipalID == userID || a.PrincipalType == "GROUP" && groups[a.PrincipalID]
	})
}
