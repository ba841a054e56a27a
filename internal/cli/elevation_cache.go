package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/keyless-dev/keyless/internal/elevation"
	"github.com/keyless-dev/keyless/internal/signin"
)

// cacheSkew is how far the local clock may run ahead of AWS's when
// judging, by the cache file's time, whether credentials were issued before
// a grant began: the same allowance the session cuts get.
const cacheSkew = 5 * time.Minute

// cachedRole is a permission set in an account whose cached credentials
// written before `before` (zero: whatever their age) are to be dropped.
type cachedRole struct {
	account, set string
	before       time.Time
}

// forgetElevatedCredentials drops the cached credentials (~/.aws/cli/cache,
// shared with the AWS CLI) of each role, under every SSO session of
// ~/.aws/config (read once). A revoke or an expiry cuts the sessions issued
// before it, and the cache would hand those credentials out again under
// the next grant of the same set in the same account. Failing to drop them
// only warns: the request or revoke stands.
func forgetElevatedCredentials(ctx context.Context, g *globalOptions, roles ...cachedRole) {
	if len(roles) == 0 {
		return
	}
	e, err := newSigninEnv(g)
	if err != nil {
		return
	}
	f, err := e.loadConfig()
	if err != nil {
		return
	}
	seen := map[string]bool{}
	var sessions []signin.Session
	add := func(s signin.Session) {
		key := "session " + s.Name
		if s.Name == "" {
			key = "start URL " + s.StartURL
		}
		if !seen[key] {
			seen[key] = true
			sessions = append(sessions, s)
		}
	}
	for _, s := range f.Sessions() {
		add(toSession(s))
	}
	for _, p := range ssoProfiles(f) {
		add(profileSession(p))
	}
	for _, cr := range roles {
		for _, s := range sessions {
			r := signin.Role{Session: s, AccountID: cr.account, RoleName: cr.set}
			if _, err := e.m.ForgetCredentials(ctx, r, cr.before); err != nil {
				fmt.Fprintf(g.streams.Err, "keyless: warning: remove the cached credentials of %s in %s: %v\nhint: if they are refused, remove %s\n", cr.set, cr.account, err, signin.RolePath(e.m.Home, r))
			}
		}
	}
}

// forgetCutCredentials drops, for each of the caller's active grants, the
// cached credentials of its role written before the grant began (its end
// less its length, by AWS's clock; cacheSkew for the local one): they may
// have been issued under an earlier grant and refused since its end.
func forgetCutCredentials(ctx context.Context, g *globalOptions, c *elevation.Client, entries []elevation.Entry) {
	var roles []cachedRole
	for _, e := range entries {
		if !c.Mine(e) || e.Status != elevation.Active || e.Until == nil {
			continue
		}
		began := e.Until.Add(-time.Duration(e.Seconds) * time.Second)
		roles = append(roles, cachedRole{e.Account, e.Set, began.Add(cacheSkew)})
	}
	forgetElevatedCredentials(ctx, g, roles...)
}
