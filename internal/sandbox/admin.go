package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// serveAdmin answers the sandbox's own endpoints under /_sandbox/.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	const ct = "application/json"
	if strings.HasPrefix(r.URL.Path, "/_sandbox/oidc/") {
		s.serveCIIssuer(w, r)
		return
	}
	switch r.URL.Path {
	case "/_sandbox/health":
		writeJSON(w, 200, ct, map[string]string{"status": "ok"})
	case "/_sandbox/calls":
		writeJSON(w, 200, ct, s.Calls())
	case "/_sandbox/reset":
		if r.Method != http.MethodPost {
			writeJSONError(w, ct, newError(405, "MethodNotAllowed", "use POST /_sandbox/reset"))
			return
		}
		if err := s.Reset(); err != nil {
			writeJSONError(w, ct, errInternal("reset: %v", err))
			return
		}
		writeJSON(w, 200, ct, map[string]string{"status": "reset"})
	case "/_sandbox/state":
		var b []byte
		var err error
		s.withWorld(func(wd *World, _ time.Time) { b, err = json.Marshal(wd) })
		if err != nil {
			writeJSONError(w, ct, errInternal("encode state: %v", err))
			return
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(b)
	case "/_sandbox/root":
		s.serveAdminRoot(w, r)
	case "/_sandbox/identity-center":
		s.serveAdminIdentityCenter(w, r)
	case "/_sandbox/revoke-refresh-tokens":
		s.serveAdminRevokeRefreshTokens(w, r)
	case "/_sandbox/scim":
		s.serveAdminSCIM(w, r)
	case "/_sandbox/scheduler/run":
		s.serveAdminScheduler(w, r)
	default:
		writeJSONError(w, ct, newError(404, "NotFound", "no sandbox endpoint %s; try /_sandbox/health, calls, reset, state, root, identity-center, revoke-refresh-tokens, scim, scheduler/run or oidc/PROVIDER/token", truncate(r.URL.Path, 100)))
	}
}

// readAdminPost decodes the JSON body of a POST to an admin endpoint into
// v. On any other method or a bad body it writes the error and returns false.
func readAdminPost(w http.ResponseWriter, r *http.Request, v any) bool {
	const ct = "application/json"
	if r.Method != http.MethodPost {
		writeJSONError(w, ct, newError(405, "MethodNotAllowed", "use POST %s", r.URL.Path))
		return false
	}
	body, err := readBody(r)
	if err == nil {
		err = decodeJSON(body, v)
	}
	if err != nil {
		writeJSONError(w, ct, asAPIError(err))
		return false
	}
	return true
}

// RootUpdate is the body of POST /_sandbox/root.
type RootUpdate struct {
	AccountID         string `json:"account_id"`
	AccessKeysPresent *bool  `json:"access_keys_present"`
	MFAEnabled        *bool  `json:"mfa_enabled"`
	HardwareMFA       *bool  `json:"hardware_mfa"`
}

func (s *Server) serveAdminRoot(w http.ResponseWriter, r *http.Request) {
	const ct = "application/json"
	var in RootUpdate
	if !readAdminPost(w, r, &in) {
		return
	}
	var aerr *apiError
	var out RootState
	s.withWorld(func(wd *World, _ time.Time) {
		if in.AccountID == "" {
			in.AccountID = wd.managementAccountID()
		}
		if wd.account(in.AccountID) == nil {
			aerr = errNotFound("no account %q in the sandbox", in.AccountID)
			return
		}
		root := &wd.iamAccount(in.AccountID).Root
		if in.AccessKeysPresent != nil {
			root.AccessKeysPresent = *in.AccessKeysPresent
		}
		if in.MFAEnabled != nil {
			root.MFAEnabled = *in.MFAEnabled
		}
		if in.HardwareMFA != nil {
			root.HardwareMFA = *in.HardwareMFA
		}
		out = *root
	})
	if aerr != nil {
		writeJSONError(w, ct, aerr)
		return
	}
	writeJSON(w, 200, ct, out)
}

// RefreshRevocation is the body of POST /_sandbox/revoke-refresh-tokens:
// the identity-store user name whose refresh tokens to revoke, or all.
type RefreshRevocation struct {
	UserName string `json:"user_name"`
	All      bool   `json:"all"`
}

// serveAdminRevokeRefreshTokens revokes refresh tokens the way an
// administrator ending a user's sessions does: CreateToken with those
// refresh tokens answers InvalidGrantException (invalid_grant), while the
// access tokens already issued keep working until they expire. A new
// sign-in gets a working refresh token again.
func (s *Server) serveAdminRevokeRefreshTokens(w http.ResponseWriter, r *http.Request) {
	const ct = "application/json"
	var in RefreshRevocation
	if !readAdminPost(w, r, &in) {
		return
	}
	if (in.UserName == "") == !in.All {
		writeJSONError(w, ct, newError(400, "ValidationException", `give {"user_name": "NAME"} or {"all": true}`))
		return
	}
	var aerr *apiError
	var n int
	s.withWorld(func(wd *World, _ time.Time) {
		wd.OIDC.init()
		userID := ""
		if !in.All {
			u := wd.userByName(in.UserName)
			if u == nil {
				aerr = errNotFound("no identity-store user %q in the sandbox", truncate(in.UserName, 100))
				return
			}
			userID = u.ID
		}
		n = wd.OIDC.revokeRefreshTokens(userID)
	})
	if aerr != nil {
		writeJSONError(w, ct, aerr)
		return
	}
	writeJSON(w, 200, ct, map[string]int{"revoked": n})
}
