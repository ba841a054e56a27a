package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Console federation (https://signin.aws.amazon.com/federation): trade
// temporary credentials for a sign-in token, then trade the token for a
// console session. The sandbox has no console, so login ends on a page that
// shows the account, role and destination instead of redirecting off the
// machine.

const signinTokenLifetime = 15 * time.Minute

// fedSession is the Session parameter of getSigninToken.
type fedSession struct {
	SessionID    string `json:"sessionId"`
	SessionKey   string `json:"sessionKey"`
	SessionToken string `json:"sessionToken"`
}

func fedError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

func (p *signinPages) federation(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		fedError(w, http.StatusMethodNotAllowed, "use GET")
		return
	}
	q := r.URL.Query()
	switch q.Get("Action") {
	case "getSigninToken":
		p.getSigninToken(w, q)
	case "login":
		p.login(w, r, q)
	default:
		fedError(w, http.StatusBadRequest, "Action must be getSigninToken or login")
	}
}

func (p *signinPages) getSigninToken(w http.ResponseWriter, q url.Values) {
	raw := q.Get("Session")
	if raw == "" {
		fedError(w, http.StatusBadRequest, "the Session parameter is required: URL-encoded JSON {\"sessionId\",\"sessionKey\",\"sessionToken\"}")
		return
	}
	var in fedSession
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		fedError(w, http.StatusBadRequest, "the Session parameter is not JSON {\"sessionId\",\"sessionKey\",\"sessionToken\"}")
		return
	}
	if in.SessionID == "" || in.SessionKey == "" || in.SessionToken == "" {
		fedError(w, http.StatusBadRequest, "the Session parameter needs sessionId, sessionKey and sessionToken (temporary credentials; long-term keys cannot sign in)")
		return
	}
	if d := q.Get("SessionDuration"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			fedError(w, http.StatusBadRequest, "SessionDuration must be a number of seconds from 900 to 43200")
			return
		}
	}
	var tok string
	p.s.withWorld(func(wd *World, now time.Time) {
		s := wd.Sessions[in.SessionID]
		if s == nil || !now.Before(s.Expiration) ||
			subtle.ConstantTimeCompare([]byte(s.SecretAccessKey), []byte(in.SessionKey)) != 1 ||
			subtle.ConstantTimeCompare([]byte(s.SessionToken), []byte(in.SessionToken)) != 1 {
			return
		}
		if wd.SigninTokens == nil {
			wd.SigninTokens = map[string]*SigninToken{}
		}
		for k, t := range wd.SigninTokens {
			if !now.Before(t.ExpiresAt) {
				delete(wd.SigninTokens, k)
			}
		}
		tok = secret(192)
		wd.SigninTokens[tok] = &SigninToken{Token: tok, SessionKey: s.AccessKeyID, ExpiresAt: now.Add(signinTokenLifetime)}
	})
	if tok == "" {
		fedError(w, http.StatusBadRequest, "the credentials in Session are not valid temporary credentials (unknown, expired, or wrong key or token)")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"SigninToken": tok})
}

// consoleDestination tells whether a login Destination is the console (any
// region's) or a path on it.
func consoleDestination(dest string) bool {
	u, err := url.Parse(dest)
	if err != nil || dest == "" {
		return false
	}
	if u.Scheme == "" && u.Host == "" {
		return strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(dest, "//") && !strings.HasPrefix(dest, "/\\")
	}
	h := u.Hostname()
	return u.Scheme == "https" && u.User == nil && u.Port() == "" &&
		(h == "console.aws.amazon.com" || strings.HasSuffix(h, ".console.aws.amazon.com"))
}

func (p *signinPages) login(w http.ResponseWriter, r *http.Request, q url.Values) {
	dest, tok := q.Get("Destination"), q.Get("SigninToken")
	switch {
	case tok == "":
		fedError(w, http.StatusBadRequest, "the SigninToken parameter is required")
		return
	case !consoleDestination(dest):
		fedError(w, http.StatusBadRequest, "Destination must be an https://console.aws.amazon.com/ (or https://<region>.console.aws.amazon.com/) URL or a path")
		return
	}
	var (
		sess *Session
		msg  string
	)
	p.s.withWorld(func(wd *World, now time.Time) {
		st := wd.SigninTokens[tok]
		if st == nil || !now.Before(st.ExpiresAt) {
			msg = "the sign-in token is invalid, expired (they last 15 minutes) or already used"
			return
		}
		delete(wd.SigninTokens, tok) // one use
		s := wd.Sessions[st.SessionKey]
		if s == nil || !now.Before(s.Expiration) {
			msg = "the credentials behind the sign-in token expired"
			return
		}
		copied := *s
		sess = &copied
	})
	if sess == nil {
		fedError(w, http.StatusBadRequest, msg)
		return
	}
	d := pageData{Title: "Console sign-in", Account: sess.AccountID, Destination: dest, Issuer: q.Get("Issuer")}
	// arn:aws:sts::<account>:assumed-role/<role>/<session>
	if _, res, ok := strings.Cut(sess.ARN, ":assumed-role/"); ok {
		d.Role, d.Session, _ = strings.Cut(res, "/")
	}
	p.render(w, http.StatusOK, "console", d)
}
