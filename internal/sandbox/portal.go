package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The SSO portal (restJson1, unsigned, x-amz-sso_bearer_token header).
//
// What a user may reach is computed from the SUCCEEDED account assignments
// in World.Assignments, to the user directly and through the user's groups;
// each reachable permission set is a role of the same name.

func portalRoutes() []restRoute {
	return []restRoute{
		{method: "GET", path: "/federation/credentials", service: "sso", op: "GetRoleCredentials", h: portalGetRoleCredentials},
		{method: "GET", path: "/assignment/accounts", service: "sso", op: "ListAccounts", h: portalListAccounts},
		{method: "GET", path: "/assignment/roles", service: "sso", op: "ListAccountRoles", h: portalListAccountRoles},
		{method: "POST", path: "/logout", service: "sso", op: "Logout", h: portalLogout},
	}
}

const (
	portalDefaultPage = 20
	portalMaxPage     = 100
	// portalDefaultSession is a permission set's session length when it has none.
	portalDefaultSession = time.Hour
)

func portalUnauthorized() *apiError {
	return newError(401, "UnauthorizedException", "Session token not found or invalid")
}

func portalInvalidRequest(format string, a ...any) *apiError {
	return newError(400, "InvalidRequestException", format, a...)
}

// errTooManyRequests is the portal's throttling error.
func errTooManyRequests() *apiError {
	return newError(429, "TooManyRequestsException", "Too many requests")
}

// portalUser returns the live token of the request and its user.
func (c *call) portalUser() (*Token, *User, error) {
	c.w.OIDC.init()
	bearer := c.r.Header.Get("x-amz-sso_bearer_token")
	t := c.w.OIDC.Tokens[bearer]
	if bearer == "" || t == nil || t.Revoked || !c.now.Before(t.ExpiresAt) {
		return nil, nil, portalUnauthorized()
	}
	u := c.w.user(t.UserID)
	if u == nil {
		return nil, nil, portalUnauthorized()
	}
	// Tokens for other applications (scoped without sso:account:access)
	// do not open the portal; unscoped legacy tokens do.
	if len(t.Scopes) > 0 && !slices.Contains(t.Scopes, oidcScopeAccount) {
		return nil, nil, newError(403, "ForbiddenException", "No access: the token lacks the %s scope", oidcScopeAccount)
	}
	return t, u, nil
}

// portalAccess returns, by account id, the permission sets a user reaches
// directly or through groups, sorted by name.
func (w *World) portalAccess(u *User) map[string][]*PermissionSet {
	groups := map[string]bool{}
	for _, m := range w.Memberships {
		if m.UserID == u.ID {
			groups[m.GroupID] = true
		}
	}
	out := map[string][]*PermissionSet{}
	for _, a := range w.Assignments {
		switch {
		case a.PrincipalType == "USER" && a.PrincipalID == u.ID:
		case a.PrincipalType == "GROUP" && groups[a.PrincipalID]:
		default:
			continue
		}
		acct := w.account(a.AccountID)
		if acct == nil || acct.Status != "ACTIVE" {
			continue
		}
		ps := w.portalPermissionSet(a.PermissionSetARN)
		if ps == nil || slices.Contains(out[a.AccountID], ps) {
			continue
		}
		out[a.AccountID] = append(out[a.AccountID], ps)
	}
	for _, sets := range out {
		slices.SortFunc(sets, func(a, b *PermissionSet) int { return strings.Compare(a.Name, b.Name) })
	}
	return out
}

func (w *World) portalPermissionSet(arn string) *PermissionSet {
	for _, ps := range w.PermissionSets {
		if ps.ARN == arn {
			return ps
		}
	}
	return nil
}

// portalPage reads max_result and next_token and returns one page of items.
func portalPage[T any](c *call, items []T, kind string) ([]T, *string, error) {
	q := c.r.URL.Query()
	n := int32(portalDefaultPage)
	if s := q.Get("max_result"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > portalMaxPage {
			return nil, nil, portalInvalidRequest("1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d and greater than or equal to 1", truncate(s, 32), portalMaxPage)
		}
		n = int32(v)
	}
	tok := q.Get("next_token")
	out, next, err := page(items, kind, &n, &tok, portalDefaultPage, portalMaxPage)
	if err != nil {
		return nil, nil, portalInvalidRequest("%s", asAPIError(err).Message)
	}
	return out, next, nil
}

type portalAccountOut struct {
	AccountID    string `json:"accountId"`
	AccountName  string `json:"accountName"`
	EmailAddress string `json:"emailAddress"`
}

func portalListAccounts(c *call, _ []byte) (int, any, error) {
	_, u, err := c.portalUser()
	if err != nil {
		return 0, nil, err
	}
	access := c.w.portalAccess(u)
	ids := make([]string, 0, len(access))
	for id := range access {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	list := make([]portalAccountOut, 0, len(ids))
	for _, id := range ids {
		a := c.w.account(id)
		list = append(list, portalAccountOut{AccountID: a.ID, AccountName: a.Name, EmailAddress: a.Email})
	}
	pg, next, err := portalPage(c, list, "sso-accounts")
	if err != nil {
		return 0, nil, err
	}
	return 200, map[string]any{"accountList": pg, "nextToken": next}, nil
}

type portalRoleOut struct {
	RoleName  string `json:"roleName"`
	AccountID string `json:"accountId"`
}

func portalListAccountRoles(c *call, _ []byte) (int, any, error) {
	_, u, err := c.portalUser()
	if err != nil {
		return 0, nil, err
	}
	acct := c.r.URL.Query().Get("account_id")
	if acct == "" {
		return 0, nil, portalInvalidRequest("1 validation error detected: Value null at 'accountId' failed to satisfy constraint: Member must not be null")
	}
	sets := c.w.portalAccess(u)[acct]
	list := make([]portalRoleOut, 0, len(sets))
	for _, ps := range sets {
		list = append(list, portalRoleOut{RoleName: ps.Name, AccountID: acct})
	}
	// The token kind names the account, so a token from one account's list
	// is refused for another's.
	pg, next, err := portalPage(c, list, "sso-roles-"+acct)
	if err != nil {
		return 0, nil, err
	}
	return 200, map[string]any{"roleList": pg, "nextToken": next}, nil
}

func portalGetRoleCredentials(c *call, _ []byte) (int, any, error) {
	_, u, err := c.portalUser()
	if err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	acct, roleName := q.Get("account_id"), q.Get("role_name")
	switch {
	case acct == "":
		return 0, nil, portalInvalidRequest("1 validation error detected: Value null at 'accountId' failed to satisfy constraint: Member must not be null")
	case roleName == "":
		return 0, nil, portalInvalidRequest("1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null")
	}
	var ps *PermissionSet
	for _, p := range c.w.portalAccess(u)[acct] {
		if p.Name == roleName {
			ps = p
		}
	}
	if ps == nil {
		return 0, nil, newError(403, "ForbiddenException", "No access")
	}
	length, err := portalSessionLength(ps.SessionDuration)
	if err != nil {
		c.s.opts.Log.Warn("permission set has a bad SessionDuration; using 1h", "permission_set", ps.Name, "err", err)
		length = portalDefaultSession
	}
	if ttl := c.s.opts.RoleCredentialsTTL; ttl > 0 {
		length = ttl
	}
	role := fmt.Sprintf("AWSReservedSSO_%s_%s", ps.Name, ps.RoleSuffix)
	roleID := c.w.sessionRoleID(acct, role)
	sess := c.issueSession(acct, role, u.UserName, roleID, c.now.Add(length), "portal")
	sess.IdentityStoreUserID = u.ID
	c.w.roleUsed(acct, role, c.region, c.now)
	return 200, map[string]any{"roleCredentials": map[string]any{
		"accessKeyId":     sess.AccessKeyID,
		"secretAccessKey": sess.SecretAccessKey,
		"sessionToken":    sess.SessionToken,
		"expiration":      sess.Expiration.UnixMilli(),
	}}, nil
}

func portalLogout(c *call, _ []byte) (int, any, error) {
	t, _, err := c.portalUser()
	if err != nil {
		return 0, nil, err
	}
	t.Revoked = true
	return 200, nil, nil
}

// sessionRoleID is the AROA id of a role: the IAM role's when it exists, else a
// stable id derived from its name.
func (w *World) sessionRoleID(account, role string) string {
	if ia := w.IAM[account]; ia != nil {
		for _, r := range ia.Roles {
			if r.Name == role && r.ID != "" {
				return r.ID
			}
		}
	}
	return "AROA" + stableID(account+"/"+role, 17)
}

// issueSession issues temporary credentials for a role session and records
// them, so that requests signed with them act as the session.
func (c *call) issueSession(account, role, sessionName, roleID string, exp time.Time, source string) *Session {
	if c.w.Sessions == nil {
		c.w.Sessions = map[string]*Session{}
	}
	akid := "ASIA" + c.rand(16, upperBase32)
	for c.w.Sessions[akid] != nil {
		akid = "ASIA" + c.rand(16, upperBase32)
	}
	s := &Session{
		AccessKeyID:     akid,
		SecretAccessKey: secretKey(),
		SessionToken:    "IQoJb3JpZ2luX2Vj" + secret(180),
		AccountID:       account,
		ARN:             fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", c.partition(), account, role, sessionName),
		UserID:          roleID + ":" + sessionName,
		Expiration:      exp.UTC().Truncate(time.Second),
		Source:          source,
		Issued:          c.now.UTC(),
	}
	c.w.Sessions[akid] = s
	return s
}

var portalDurationPattern = lazyRegexp(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// portalSessionLength parses a permission set's ISO 8601 SessionDuration
// (PT1H, PT12H, PT1H30M).
func portalSessionLength(s string) (time.Duration, error) {
	if s == "" {
		return portalDefaultSession, nil
	}
	m := portalDurationPattern.FindStringSubmatch(s)
	if m == nil || s == "PT" {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as PT1H", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 1000000 {
			return 0, fmt.Errorf("%q is out of range", s)
		}
		d += time.Duration(n) * unit
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return d, nil
}
