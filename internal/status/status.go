// Package status reports the state of this machine's sign-ins, for
// `keyless status`: each SSO session's token, refresh and client
// registration, the role credentials cached for its profiles, the profiles
// whose account or role the portal no longer offers, the files of ~/.aws
// that others can read, and which installed tools read SSO profiles
// themselves.
//
// It reads and never writes: it does not refresh a token, sign in, or fetch
// role credentials. The only network calls are the portal's ListAccounts
// and ListAccountRoles, made with an access token that is still valid.
// Tokens and credentials never appear in a report.
package status

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/portal"
	"github.com/keyless-dev/keyless/internal/signin"
)

// Session states.
const (
	SignedIn   = "signed_in"  // the access token is valid
	Expired    = "expired"    // it expired; Refresh says whether that is silent
	SignedOut  = "signed_out" // no token cached
	Unreadable = "unreadable" // the cache file is not valid JSON
)

// Portal check results.
const (
	PortalChecked   = "checked"
	PortalSignedOut = "not_checked_signed_out"
	// PortalExpired: the access token expired. Status does not refresh
	// it (it writes nothing), so the portal is not asked.
	PortalExpired    = "not_checked_expired"
	PortalFailed     = "failed"
	PortalNoProfiles = "not_checked_no_profiles"
)

// Profile access.
const (
	AccessOK          = "ok"
	AccessAccountGone = "account_gone" // the portal lists no such account for you
	AccessRoleGone    = "role_gone"    // the account is there, the role is not
	AccessNotChecked  = "not_checked"
)

// Report is what keyless status prints. Its JSON form is stable
// (docs/status.md): fields are added, never renamed or removed.
type Report struct {
	Sessions []Session `json:"sessions"`
	// Invalid are SSO profiles that do not resolve (a missing sso-session,
	// a half-set legacy profile), with the config's own error.
	Invalid []InvalidProfile `json:"invalid_profiles"`
	Files   []File           `json:"exposed_files"`
	Tools   []Tool           `json:"tools"`
	// ToolsChecked is false when the tools were not looked for
	// (--no-tools): an empty Tools then says nothing about the machine.
	ToolsChecked bool `json:"tools_checked"`
	// Attention counts what needs the person: a session that needs a
	// sign-in, a profile whose access is gone, a file others can read, a
	// tool that cannot read SSO profiles.
	Attention int `json:"attention"`
}

// Session is one sso-session, or the start URL of legacy SSO profiles.
type Session struct {
	Name     string `json:"name,omitempty"` // empty for legacy profiles
	StartURL string `json:"start_url"`
	Region   string `json:"region"`
	Legacy   bool   `json:"legacy"`
	State    string `json:"state"`
	// TokenFile is the token cache file of the session (it may not exist).
	TokenFile            string     `json:"token_file"`
	AccessTokenExpiresAt *time.Time `json:"access_token_expires_at,omitempty"`
	Refresh              Refresh    `json:"refresh"`
	// RegistrationExpiresAt is when keyless's (or the AWS CLI's) OIDC
	// client registration ends: no refresh and no reuse after it.
	RegistrationExpiresAt *time.Time `json:"registration_expires_at,omitempty"`
	Portal                string     `json:"portal"`
	PortalError           string     `json:"portal_error,omitempty"`
	Profiles              []Profile  `json:"profiles"`
	// Login is the command that signs the session in.
	Login string `json:"login_command"`
}

// Refresh says whether the access token can be renewed without a sign-in.
type Refresh struct {
	Possible bool `json:"possible"`
	// Until is the last moment a refresh can work as far as this machine
	// knows: the client registration's expiry. The Identity Center session
	// (the refresh token's own life) may end earlier; only the OIDC
	// service knows.
	Until *time.Time `json:"until,omitempty"`
	// Token is where the refresh token is kept: "none" or "file".
	Token     string `json:"token"`
	TokenFile string `json:"token_file,omitempty"`
}

// Profile is one SSO profile of a session.
type Profile struct {
	Name        string       `json:"name"`
	AccountID   string       `json:"account_id,omitempty"`
	RoleName    string       `json:"role_name,omitempty"`
	Access      string       `json:"access"`
	Credentials *Credentials `json:"credentials,omitempty"`
}

// Credentials are the role credentials cached for a profile, in the cache
// keyless shares with the AWS CLI and botocore.
type Credentials struct {
	File      string    `json:"file"`
	ExpiresAt time.Time `json:"expires_at"`
	Valid     bool      `json:"valid"`
}

// InvalidProfile is an SSO profile keyless cannot resolve.
type InvalidProfile struct {
	Name  string `json:"name"`
	Error string `json:"error"`
}

// Options say where to look and how.
type Options struct {
	// Config is the parsed ~/.aws/config.
	Config *awsconfig.File
	// Manager reads the caches (its Home) and reaches the portal (its
	// Config). Nothing is refreshed or written.
	Manager *signin.Manager
	Now     func() time.Time
	// Concurrency bounds the portal calls of one session (default 4).
	Concurrency int
}

// Sessions reports every session of the config and its profiles, checking
// the profiles against the portal where the session is signed in.
func Sessions(ctx context.Context, o Options) ([]Session, []InvalidProfile) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	type key struct{ name, url string }
	var order []key
	byKey := map[key]*Session{}
	get := func(s signin.Session) *Session {
		k := key{s.Name, s.StartURL}
		if k.name != "" {
			k.url = ""
		}
		if st := byKey[k]; st != nil {
			return st
		}
		st := &Session{Name: s.Name, StartURL: s.StartURL, Region: s.Region, Legacy: s.Name == "", Login: s.LoginCommand(), Profiles: []Profile{}}
		byKey[k] = st
		order = append(order, k)
		return st
	}
	sessions := map[key]signin.Session{}
	var invalid []InvalidProfile
	for _, s := range o.Config.Sessions() {
		if _, err := o.Config.Session(s.Name); err != nil {
			// No start URL or region: nothing can sign in to it.
			invalid = append(invalid, InvalidProfile{Name: "sso-session " + s.Name, Error: err.Error()})
			continue
		}
		ss := signin.Session{Name: s.Name, StartURL: s.StartURL, Region: s.Region, Scopes: s.Scopes}
		get(ss)
		sessions[key{name: s.Name}] = ss
	}
	for _, sec := range o.Config.Profiles() {
		if !isSSO(sec) {
			continue
		}
		p, err := o.Config.SSO(sec.Name)
		if err != nil {
			invalid = append(invalid, InvalidProfile{Name: sec.Name, Error: err.Error()})
			continue
		}
		ss := signin.Session{Name: p.Session, StartURL: p.StartURL, Region: p.SSORegion, Scopes: p.Scopes}
		if p.Session == "" {
			ss.Profile = p.Profile
		}
		st := get(ss)
		if p.Session == "" {
			sessions[key{url: p.StartURL}] = ss
		}
		pr := Profile{Name: p.Profile, AccountID: p.AccountID, RoleName: p.RoleName, Access: AccessNotChecked}
		if p.AccountID != "" {
			r := signin.Role{Session: ss, AccountID: p.AccountID, RoleName: p.RoleName}
			if c, ok := o.Manager.CachedCredentials(r); ok {
				pr.Credentials = &Credentials{File: signin.RolePath(o.Manager.Home, r), ExpiresAt: c.Expiration, Valid: c.Expiration.After(now())}
			}
		}
		st.Profiles = append(st.Profiles, pr)
	}

	out := make([]Session, 0, len(order))
	for _, k := range order {
		st := byKey[k]
		ss := sessions[k]
		if ss.StartURL == "" {
			ss = signin.Session{Name: st.Name, StartURL: st.StartURL, Region: st.Region}
		}
		tok := tokenState(st, o.Manager, ss, now())
		checkPortal(ctx, st, o, ss, tok, now())
		out = append(out, *st)
	}
	return out, invalid
}

// isSSO reports whether a profile is meant to use SSO: it names a session
// or a start URL. Others (keys, roles, credential_process) are not status's.
func isSSO(sec *awsconfig.Section) bool {
	for _, k := range []string{"sso_session", "sso_start_url", "sso_account_id", "sso_role_name"} {
		if _, ok := sec.Get(k); ok {
			return true
		}
	}
	return false
}

// tokenState fills the token fields of st from the cache and returns the
// token, or nil.
func tokenState(st *Session, m *signin.Manager, s signin.Session, now time.Time) *signin.Token {
	st.TokenFile = m.TokenFile(s)
	t, err := m.CachedToken(s)
	var ce *signin.CacheError
	switch {
	case errors.As(err, &ce):
		st.State = Unreadable
		st.Refresh.Token = signin.RefreshNone
		return nil
	case err != nil || t == nil || t.AccessToken == "":
		st.State = SignedOut
	case t.Valid(now, 0):
		st.State = SignedIn
	default:
		st.State = Expired
	}
	if t != nil && t.AccessToken != "" {
		st.AccessTokenExpiresAt = timePtr(t.ExpiresAt)
	}
	if t != nil && !t.RegistrationExpiresAt.IsZero() {
		st.RegistrationExpiresAt = timePtr(t.RegistrationExpiresAt)
	}
	rs := m.RefreshTokenAt(s, t)
	st.Refresh.Token, st.Refresh.TokenFile = rs.Kind, rs.Path
	// A keychain's refresh token is not read here (status never opens the
	// keychain): the registration says whether it can still be used.
	if rs.Kind == signin.RefreshKeychain && (t.RegistrationExpiresAt.IsZero() || t.RegistrationExpiresAt.After(now)) ||
		rs.Kind == signin.RefreshFile && t.CanRefresh(now) {
		st.Refresh.Possible = true
		if !t.RegistrationExpiresAt.IsZero() {
			st.Refresh.Until = timePtr(t.RegistrationExpiresAt)
		}
	}
	return t
}

func timePtr(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}

// checkPortal asks the portal which accounts and roles the session's
// token reaches and marks each profile. Only a valid token is used: a
// signed-out session is never signed in or refreshed for this.
func checkPortal(ctx context.Context, st *Session, o Options, s signin.Session, t *signin.Token, now time.Time) {
	switch {
	case len(st.Profiles) == 0:
		st.Portal = PortalNoProfiles
		return
	case st.State == Expired:
		st.Portal = PortalExpired
		return
	case st.State != SignedIn:
		st.Portal = PortalSignedOut
		return
	}
	client, err := o.Manager.Portal(ctx, s)
	if err != nil {
		st.Portal, st.PortalError = PortalFailed, err.Error()
		return
	}
	access, err := portal.List(ctx, client, t.AccessToken, portal.Options{Concurrency: cmp.Or(o.Concurrency, 4)})
	if err != nil {
		st.Portal, st.PortalError = PortalFailed, err.Error()
		if errors.Is(err, portal.ErrTokenExpired) {
			st.State, st.Portal, st.PortalError = Expired, PortalExpired, ""
		}
		return
	}
	st.Portal = PortalChecked
	accounts := map[string]bool{}
	roles := map[[2]string]bool{}
	for _, a := range access {
		accounts[a.AccountID] = true
		roles[[2]string{a.AccountID, a.RoleName}] = true
	}
	for i := range st.Profiles {
		p := &st.Profiles[i]
		switch {
		case p.AccountID == "":
			// A profile that only signs in has no account to check.
		case !accounts[p.AccountID]:
			p.Access = AccessAccountGone
		case !roles[[2]string{p.AccountID, p.RoleName}]:
			p.Access = AccessRoleGone
		default:
			p.Access = AccessOK
		}
	}
}

// NeedsLogin reports whether a session cannot give credentials without a
// sign-in.
func (s Session) NeedsLogin() bool {
	switch s.State {
	case SignedIn:
		return false
	case Expired:
		return !s.Refresh.Possible
	}
	return true
}

// Count fills r.Attention.
func (r *Report) Count() {
	n := len(r.Invalid) + len(r.Files)
	for _, s := range r.Sessions {
		if s.NeedsLogin() {
			n++
		}
		for _, p := range s.Profiles {
			if p.Access == AccessAccountGone || p.Access == AccessRoleGone {
				n++
			}
		}
	}
	for _, t := range r.Tools {
		if t.SSO == ToolNeedsProcess {
			n++
		}
	}
	r.Attention = n
}
