package sandbox

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The sandbox accepts any credentials, so what stands between it and a web
// page the user happens to open is that browsers cannot pass for the AWS
// CLI and SDKs: they send their own Host name, mark their requests with
// Origin and Sec-Fetch-Site, and without a CORS preflight (which the
// sandbox never grants) can only send GETs and form-shaped POSTs with no
// SigV4 signature. The sandbox's own pages (/start, /authorize, /device,
// /federation) are for browsers and check their form posts themselves.

// checkHost refuses a request for any name but a loopback one: a page
// whose name an attacker re-points at 127.0.0.1 (DNS rebinding) sends that
// name as Host. IP literals cannot be re-pointed, so any is accepted, which
// keeps --allow-remote usable by address.
func checkHost(r *http.Request) *apiError {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil {
		return nil
	}
	return newError(http.StatusMisdirectedRequest, "MisdirectedRequest",
		"the sandbox answers requests for 127.0.0.1, localhost or [::1] only, not Host %q: a web page whose name resolves to this machine must not reach it; use http://127.0.0.1:PORT",
		truncate(r.Host, 100))
}

// crossOrigin reports whether a browser sent r from a page of another
// origin: Origin is not the sandbox's own ("null" included), or
// Sec-Fetch-Site says cross-site or same-site (another port or subdomain).
// Programs send neither header.
func crossOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "http" || u.Host != r.Host {
			return true
		}
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	return false
}

// refuseBrowser refuses an API or admin request a web page could have sent:
// one from another origin, or an unsigned one with a body type an HTML form
// can send (the query protocol instead refuses every unsigned call that
// acts as someone, see serveQuery).
func refuseBrowser(r *http.Request, code string) *apiError {
	if err := refuseCrossOrigin(r, code); err != nil {
		return err
	}
	if akid, _, _ := sigv4(r); akid == "" && formContentType(r) {
		return newError(http.StatusForbidden, code,
			"refused an unsigned %s body, which any web page can send: send JSON (Content-Type: application/json) or sign the request",
			truncate(r.Header.Get("Content-Type"), 60))
	}
	return nil
}

// refuseCrossOrigin refuses a request a browser sent from another origin.
func refuseCrossOrigin(r *http.Request, code string) *apiError {
	if !crossOrigin(r) {
		return nil
	}
	return newError(http.StatusForbidden, code,
		"refused a request a web browser sent from another site (Origin %q, Sec-Fetch-Site %q): the sandbox's API and admin endpoints are for programs such as the AWS CLI and SDKs; open its pages (/start) in the browser instead",
		truncate(r.Header.Get("Origin"), 100), truncate(r.Header.Get("Sec-Fetch-Site"), 20))
}

// formContentType reports a body type a browser sends without a preflight.
func formContentType(r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return r.Header.Get("Content-Type") != "" // unparsable: browsers send text/plain-like values
	}
	switch mt {
	case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return true
	}
	return false
}
