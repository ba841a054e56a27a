package sandbox

import (
	"bytes"
	"embed"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Browser pages: /authorize (PKCE sign-in), the device verification page,
// /start (the access portal) and /federation (console sign-in).
//
// The pages list the identity-store users and let whoever holds the browser
// sign in as any of them: there are no passwords in the sandbox. Forms carry
// a one-time nonce and cross-origin posts are refused, so another web page
// cannot approve a sign-in behind the user's back.

//go:embed web/*.html
var pageTemplates embed.FS

const (
	pageNonceLifetime = 15 * time.Minute
	maxFormBody       = 64 << 10
)

type signinPages struct {
	s    *Server
	tmpl *template.Template
}

func (s *Server) pages() map[string]http.HandlerFunc {
	p := &signinPages{s: s, tmpl: template.Must(template.ParseFS(pageTemplates, "web/*.html"))}
	return map[string]http.HandlerFunc{
		"/authorize":  p.authorize,
		"/device":     p.device,
		"/start":      p.start,
		"/federation": p.federation,
	}
}

// pageData is what every page template reads; each page fills its part.
type pageData struct {
	Title, Message, Hint string
	Error                bool

	Client      string
	Scopes      []string
	Users       []pageUser
	Nonce       string
	Hidden      []hiddenField
	UserCode    string
	StartURL    string
	BaseURL     string
	Account     string
	Role        string
	Session     string
	Destination string
	Issuer      string
}

type pageUser struct{ ID, UserName, DisplayName, Email string }

type hiddenField struct{ Name, Value string }

func (p *signinPages) render(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		p.s.opts.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (p *signinPages) fail(w http.ResponseWriter, status int, title, msg string) {
	p.render(w, status, "message", pageData{Title: title, Message: msg, Error: true})
}

// postForm parses a page's form post, refusing cross-origin posts.
func postForm(r *http.Request, w http.ResponseWriter) (url.Values, bool) {
	if crossOrigin(r) {
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	return r.PostForm, true
}

// newNonce records a one-time form nonce; the world must be locked.
func (w *World) newNonce(now time.Time) string {
	w.OIDC.init()
	for n, exp := range w.OIDC.FormNonces {
		if !now.Before(exp) {
			delete(w.OIDC.FormNonces, n)
		}
	}
	n := secret(24)
	w.OIDC.FormNonces[n] = now.Add(pageNonceLifetime)
	return n
}

// takeNonce consumes a form nonce and tells whether it was live.
func (w *World) takeNonce(n string, now time.Time) bool {
	w.OIDC.init()
	exp, ok := w.OIDC.FormNonces[n]
	delete(w.OIDC.FormNonces, n)
	return ok && n != "" && now.Before(exp)
}

func (w *World) pageUsers() []pageUser {
	out := make([]pageUser, 0, len(w.Users))
	for _, u := range w.Users {
		pu := pageUser{ID: u.ID, UserName: u.UserName, DisplayName: u.DisplayName}
		if len(u.Emails) > 0 {
			pu.Email = u.Emails[0].Value
		}
		out = append(out, pu)
	}
	return out
}

// authRequest is a validated /authorize request.
type authRequest struct {
	client      *OIDCClient
	redirectURI string
	state       string
	challenge   string
	scopes      []string
}

// authError is a problem with an /authorize request. With redirect set it
// goes back to the client as ?error=; otherwise the redirect URI itself is
// not trusted and the browser gets an error page.
type authError struct {
	redirect bool
	code     string
	msg      string
}

// parseAuthorize validates an authorization request, from the query of GET
// /authorize or the form of POST /authorize.
func (w *World) parseAuthorize(q url.Values, now time.Time) (*authRequest, *authError) {
	w.OIDC.init()
	cl := w.OIDC.Clients[q.Get("client_id")]
	if cl == nil || !now.Before(cl.ExpiresAt) {
		return nil, &authError{code: "invalid_client", msg: "The client_id is unknown or its registration expired. Register the client again."}
	}
	ru := q.Get("redirect_uri")
	if !redirectAllowed(cl, ru) {
		return nil, &authError{code: "invalid_request", msg: "The redirect_uri must be a loopback http://127.0.0.1:<port>/... URI matching one the client registered."}
	}
	req := &authRequest{client: cl, redirectURI: ru, state: q.Get("state"), challenge: q.Get("code_challenge")}
	for _, v := range append(q["scopes"], q["scope"]...) {
		for _, sc := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
			if !slices.Contains(req.scopes, sc) {
				req.scopes = append(req.scopes, sc)
			}
		}
	}
	switch {
	case q.Get("response_type") != "code":
		return req, &authError{redirect: true, code: "unsupported_response_type", msg: "response_type must be code"}
	case !cl.allows(oidcGrantCode):
		return req, &authError{redirect: true, code: "unauthorized_client", msg: "the client is not registered for the authorization_code grant"}
	case q.Get("code_challenge_method") != "S256":
		return req, &authError{redirect: true, code: "invalid_request", msg: "code_challenge_method must be S256"}
	case len(req.challenge) != 43 || strings.Trim(req.challenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "":
		return req, &authError{redirect: true, code: "invalid_request", msg: "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)"}
	case len(req.state) > 2048:
		return req, &authError{redirect: true, code: "invalid_request", msg: "state is longer than 2048 characters"}
	}
	if len(req.scopes) == 0 {
		req.scopes = cl.Scopes
	}
	for _, sc := range req.scopes {
		if len(cl.Scopes) > 0 && !slices.Contains(cl.Scopes, sc) {
			return req, &authError{redirect: true, code: "invalid_scope", msg: "scope " + sc + " was not registered for the client"}
		}
	}
	return req, nil
}

// redirectAllowed tells whether a redirect URI is a loopback http URI that
// matches one of the client's, ignoring the port as AWS does (the CLI picks
// a free port for each sign-in).
func redirectAllowed(cl *OIDCClient, ru string) bool {
	u, err := url.Parse(ru)
	if err != nil || u.Scheme != "http" || u.Fragment != "" || u.User != nil {
		return false
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return false
	}
	for _, reg := range cl.RedirectURIs {
		r, err := url.Parse(reg)
		if err != nil {
			continue
		}
		if r.Scheme == u.Scheme && r.Hostname() == u.Hostname() && r.EscapedPath() == u.EscapedPath() && r.RawQuery == u.RawQuery {
			return true
		}
	}
	return false
}

// withParams returns uri with query parameters added.
func withParams(uri string, params url.Values) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (req *authRequest) errorRedirect(e *authError) string {
	return withParams(req.redirectURI, url.Values{"error": {e.code}, "error_description": {e.msg}, "state": {req.state}})
}

// approve issues an authorization code for a user and returns where to send the browser.
func (w *World) approveAuth(req *authRequest, userID string, now time.Time) string {
	ac := &AuthCode{Code: secret(32), ClientID: req.client.ID, RedirectURI: req.redirectURI, Challenge: req.challenge,
		Scopes: req.scopes, UserID: userID, ExpiresAt: now.Add(oidcCodeLifetime)}
	w.OIDC.AuthCodes[ac.Code] = ac
	return withParams(req.redirectURI, url.Values{"code": {ac.Code}, "state": {req.state}})
}

// params reads a page's parameters: the query of a GET, the form of a
// same-site POST. Otherwise it answers the browser and reports false.
func (p *signinPages) params(w http.ResponseWriter, r *http.Request, title string) (url.Values, bool) {
	switch r.Method {
	case http.MethodGet:
		return r.URL.Query(), true
	case http.MethodPost:
		form, ok := postForm(r, w)
		if !ok {
			p.fail(w, http.StatusForbidden, title+" refused", "The form was posted from another site or could not be read.")
		}
		return form, ok
	default:
		w.Header().Set("Allow", "GET, POST")
		p.fail(w, http.StatusMethodNotAllowed, title, "Use GET or POST.")
		return nil, false
	}
}

func (p *signinPages) authorize(w http.ResponseWriter, r *http.Request) {
	params, ok := p.params(w, r, "Sign-in")
	if !ok {
		return
	}
	var (
		redirect string
		status   int
		msg      string
		d        pageData
	)
	p.s.withWorld(func(wd *World, now time.Time) {
		req, aerr := wd.parseAuthorize(params, now)
		if aerr != nil {
			if aerr.redirect {
				redirect = req.errorRedirect(aerr)
				return
			}
			status, msg = http.StatusBadRequest, aerr.msg
			return
		}
		if r.Method == http.MethodPost {
			if !wd.takeNonce(params.Get("nonce"), now) {
				status, msg = http.StatusForbidden, "This sign-in form expired or was already used. Start the sign-in again from your terminal."
				return
			}
			if params.Get("deny") != "" {
				redirect = req.errorRedirect(&authError{code: "access_denied", msg: "the user denied the request"})
				return
			}
			u := wd.user(params.Get("user_id"))
			if u == nil {
				status, msg = http.StatusBadRequest, "Choose a user from the list."
				return
			}
			redirect = wd.approveAuth(req, u.ID, now)
			return
		}
		if name := p.s.opts.ApproveAs; name != "" {
			u := wd.userByName(name)
			if u == nil {
				status, msg = http.StatusBadRequest, "The sandbox approves sign-ins as "+name+", but the identity store has no user of that name."
				return
			}
			redirect = wd.approveAuth(req, u.ID, now)
			return
		}
		d = pageData{Title: "Sign in", Client: req.client.Name, Scopes: req.scopes, Users: wd.pageUsers(),
			Nonce: wd.newNonce(now), Destination: req.redirectURI}
		for _, k := range []string{"response_type", "client_id", "redirect_uri", "state", "code_challenge_method", "code_challenge"} {
			d.Hidden = append(d.Hidden, hiddenField{k, params.Get(k)})
		}
		d.Hidden = append(d.Hidden, hiddenField{"scopes", strings.Join(req.scopes, " ")})
	})
	switch {
	case redirect != "":
		http.Redirect(w, r, redirect, http.StatusFound)
	case msg != "":
		p.fail(w, status, "Sign-in failed", msg)
	default:
		p.render(w, http.StatusOK, "authorize", d)
	}
}

func (p *signinPages) device(w http.ResponseWriter, r *http.Request) {
	params, ok := p.params(w, r, "Device sign-in")
	if !ok {
		return
	}
	code := strings.TrimSpace(params.Get("user_code"))
	var (
		name   string
		status = http.StatusOK
		d      pageData
	)
	p.s.withWorld(func(wd *World, now time.Time) {
		d = pageData{Title: "Device sign-in", UserCode: code}
		if code == "" && r.Method == http.MethodGet {
			name = "device-enter"
			return
		}
		da := wd.deviceAuthByUserCode(code, now)
		if da == nil {
			name, status = "device-enter", http.StatusNotFound
			d.Message = "No sign-in is waiting for this code, or it expired. Check the code, or start the sign-in again."
			return
		}
		d.UserCode = da.UserCode
		name = "message"
		switch {
		case da.Used:
			d.Message = "This code was already used to sign in."
			return
		case da.Denied:
			d.Message, d.Error = "This sign-in was denied.", true
			return
		case da.UserID != "":
			d.Message = "This sign-in is approved. Return to your terminal."
			return
		}
		if r.Method == http.MethodPost {
			if !wd.takeNonce(params.Get("nonce"), now) {
				status, d.Error = http.StatusForbidden, true
				d.Message = "This form expired or was already used. Open the verification link again."
				return
			}
			if params.Get("deny") != "" {
				da.Denied = true
				d.Message, d.Error = "Sign-in denied. The terminal will report that access was denied.", true
				return
			}
			u := wd.user(params.Get("user_id"))
			if u == nil {
				status, d.Error, d.Message = http.StatusBadRequest, true, "Choose a user from the list."
				return
			}
			da.UserID = u.ID
			d.Message = "Approved: signed in as " + u.UserName + ". Return to your terminal."
			return
		}
		name = "device-confirm"
		d.Client = da.ClientID
		if cl := wd.OIDC.Clients[da.ClientID]; cl != nil {
			d.Client = cl.Name
		}
		d.StartURL = da.StartURL
		d.Users = wd.pageUsers()
		d.Nonce = wd.newNonce(now)
	})
	p.render(w, status, name, d)
}

func (p *signinPages) start(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		p.fail(w, http.StatusMethodNotAllowed, "AWS access portal", "Use GET.")
		return
	}
	base := p.s.BaseURL()
	d := pageData{Title: "AWS access portal", StartURL: base + "/start", BaseURL: base}
	p.s.withWorld(func(wd *World, _ time.Time) { d.Users = wd.pageUsers() })
	p.render(w, http.StatusOK, "start", d)
}
