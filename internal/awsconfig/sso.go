package awsconfig

import (
	"errors"
	"fmt"
	"strings"
)

// Errors callers can tell apart with errors.Is.
var (
	ErrNoProfile = errors.New("no such profile")
	ErrNotSSO    = errors.New("not an SSO profile")
	ErrNoSession = errors.New("no such sso-session")
)

const (
	hintSync  = "run `keyless profiles sync` to write SSO profiles"
	hintLogin = "run `keyless login --start-url URL --region REGION` to set up an sso-session"
)

// hinted is an error with a separate line that says what to do; the CLI
// prints it as "hint: ...".
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }
func (h *hinted) Hint() string  { return h.hint }

func withHint(hint, format string, a ...any) error {
	return &hinted{err: fmt.Errorf(format, a...), hint: hint}
}

// SSOProfile is what keyless needs to sign in for a profile and fetch its
// role credentials. Session is "" for legacy profiles that carry
// sso_start_url and sso_region themselves. AccountID and RoleName are both
// set or both empty (a profile used only to sign in).
type SSOProfile struct {
	Profile, Session, StartURL, SSORegion string
	Scopes                                []string
	AccountID, RoleName, Region           string
	// TokenStorage is where keyless keeps the session's refresh token:
	// "" (the token cache file, as the AWS CLI does) or "keychain".
	TokenStorage string
}

// SSOSession is one [sso-session NAME] section.
type SSOSession struct {
	Name, StartURL, Region string
	Scopes                 []string
	TokenStorage           string // see SSOProfile.TokenStorage
}

// SSO resolves profile as botocore's SSO provider does: through its
// sso_session, or from the legacy keys, refusing a profile whose start URL
// or region disagrees with its session.
func (f *File) SSO(profile string) (SSOProfile, error) {
	p, ok := f.Profile(profile)
	if !ok {
		return SSOProfile{}, withHint(hintSync, "%s: profile %q: %w", f.name, profile, ErrNoProfile)
	}
	if err := inlineComments(f.name, p, fmt.Sprintf("profile %q", profile)); err != nil {
		return SSOProfile{}, err
	}
	out := SSOProfile{Profile: profile}
	out.Region, _ = p.Get("region")
	out.AccountID, _ = p.Get("sso_account_id")
	out.RoleName, _ = p.Get("sso_role_name")
	startURL, hasURL := p.Get("sso_start_url")
	region, hasRegion := p.Get("sso_region")

	if session, ok := p.Get("sso_session"); ok {
		s, ok := f.SSOSession(session)
		if !ok {
			return SSOProfile{}, withHint(hintLogin, "%s:%d: profile %q: sso_session = %s but there is no [sso-session %s]: %w",
				f.name, p.KeyLine("sso_session"), profile, session, session, ErrNoSession)
		}
		sess, err := f.session(s)
		if err != nil {
			return SSOProfile{}, err
		}
		if hasURL && startURL != sess.StartURL {
			return SSOProfile{}, fmt.Errorf("%s:%d: profile %q: sso_start_url differs from [sso-session %s] at line %d; remove it from the profile",
				f.name, p.KeyLine("sso_start_url"), profile, session, s.KeyLine("sso_start_url"))
		}
		if hasRegion && region != sess.Region {
			return SSOProfile{}, fmt.Errorf("%s:%d: profile %q: sso_region differs from [sso-session %s] at line %d; remove it from the profile",
				f.name, p.KeyLine("sso_region"), profile, session, s.KeyLine("sso_region"))
		}
		out.Session, out.StartURL, out.SSORegion, out.Scopes, out.TokenStorage = sess.Name, sess.StartURL, sess.Region, sess.Scopes, sess.TokenStorage
	} else {
		if !hasURL && !hasRegion {
			return SSOProfile{}, withHint(hintSync, "%s:%d: profile %q has neither sso_session nor sso_start_url: %w",
				f.name, p.Line, profile, ErrNotSSO)
		}
		if err := requireKeys(f.name, p, fmt.Sprintf("profile %q", profile), "sso_start_url", "sso_region"); err != nil {
			return SSOProfile{}, err
		}
		out.StartURL, out.SSORegion = startURL, region
		ts, err := tokenStorage(f.name, p, fmt.Sprintf("profile %q", profile))
		if err != nil {
			return SSOProfile{}, err
		}
		out.TokenStorage = ts
	}
	if (out.AccountID == "") != (out.RoleName == "") {
		missing := "sso_account_id"
		if out.RoleName == "" {
			missing = "sso_role_name"
		}
		return SSOProfile{}, fmt.Errorf("%s:%d: profile %q has no %s; set it or %s", f.name, p.Line, profile, missing, hintSync)
	}
	return out, nil
}

// ssoKeys are the keys SSO reads whose values never hold white space.
var ssoKeys = [...]string{"sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name"}

// inlineComments refuses an SSO key whose value ends in "  # ..." or
// "  ; ...": botocore's configparser has no inline comments, so the AWS
// CLI and keyless read the comment as part of the value, and the error
// that follows (no such sso-session, a role not assigned) would not say why.
func inlineComments(file string, s *Section, what string) error {
	for _, k := range ssoKeys {
		v, ok := s.Get(k)
		if !ok {
			continue
		}
		if i := strings.IndexAny(v, "#;"); i > 0 && strings.ContainsAny(v[i-1:i], " \t") {
			return fmt.Errorf("%s:%d: %s: %s = %q ends in what looks like a comment, which the AWS CLI reads as part of the value; move the comment to a line of its own",
				file, s.KeyLine(k), what, k, v)
		}
	}
	return nil
}

func requireKeys(file string, s *Section, what string, keys ...string) error {
	for _, k := range keys {
		if v, ok := s.Get(k); !ok || v == "" {
			return fmt.Errorf("%s:%d: %s has no %s; add it or %s", file, s.Line, what, k, hintLogin)
		}
	}
	return nil
}

// Session returns [sso-session name] with its start URL and region, which
// must be set.
func (f *File) Session(name string) (SSOSession, error) {
	s, ok := f.SSOSession(name)
	if !ok {
		return SSOSession{}, withHint(hintLogin, "%s: sso-session %q: %w", f.name, name, ErrNoSession)
	}
	return f.session(s)
}

func (f *File) session(s *Section) (SSOSession, error) {
	if err := inlineComments(f.name, s, "[sso-session "+s.Name+"]"); err != nil {
		return SSOSession{}, err
	}
	if err := requireKeys(f.name, s, "[sso-session "+s.Name+"]", "sso_start_url", "sso_region"); err != nil {
		return SSOSession{}, err
	}
	out := sessionOf(s)
	ts, err := tokenStorage(f.name, s, "[sso-session "+s.Name+"]")
	if err != nil {
		return SSOSession{}, err
	}
	out.TokenStorage = ts
	return out, nil
}

// TokenStorageKey is the key of an sso-session (or legacy SSO profile) that
// says where keyless keeps its refresh token and client secret: "file" (the
// default, the AWS CLI's token cache) or "keychain" (the OS keychain). The
// AWS CLI and SDKs ignore keys they do not know; the keyless_ prefix keeps
// it from ever meaning something to them.
const TokenStorageKey = "keyless_token_storage"

// Token storage values.
const (
	TokenStorageFile     = "file"
	TokenStorageKeychain = "keychain"
)

// tokenStorage reads keyless_token_storage: "" for file (the default),
// "keychain", or an error naming the file, line and key.
func tokenStorage(file string, s *Section, what string) (string, error) {
	v, ok := s.Get(TokenStorageKey)
	if bare, set := s.Get("token_storage"); set && !ok {
		// The key without keyless's prefix is read by nobody: the
		// refresh token would stay in the file while the person believes
		// it moved.
		return "", fmt.Errorf("%s:%d: %s: token_storage is read by neither keyless nor the AWS CLI; rename it to %s = %s",
			file, s.KeyLine("token_storage"), what, TokenStorageKey, strings.TrimSpace(bare))
	}
	switch v = strings.ToLower(strings.TrimSpace(v)); {
	case !ok || v == TokenStorageFile:
		return "", nil
	case v == TokenStorageKeychain:
		return v, nil
	}
	return "", fmt.Errorf("%s:%d: %s: %s = %q: use %s or %s (or remove the line for the default, file)",
		file, s.KeyLine(TokenStorageKey), what, TokenStorageKey, v, TokenStorageKeychain, TokenStorageFile)
}

func sessionOf(s *Section) SSOSession {
	out := SSOSession{Name: s.Name}
	out.StartURL, _ = s.Get("sso_start_url")
	out.Region, _ = s.Get("sso_region")
	scopes, _ := s.Get("sso_registration_scopes")
	for sc := range strings.SplitSeq(scopes, ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			out.Scopes = append(out.Scopes, sc)
		}
	}
	return out
}

// Sessions are all sso-session sections in file order, with whatever they
// set (a field may be empty).
func (f *File) Sessions() []SSOSession {
	var out []SSOSession
	for _, s := range f.ofKind("sso-session") {
		out = append(out, sessionOf(s))
	}
	return out
}
