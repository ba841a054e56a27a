package sandbox

import (
	"net/http"
	"time"
)

// IdentityCenterUpdate is the body of POST /_sandbox/identity-center.
type IdentityCenterUpdate struct {
	Enabled *bool `json:"enabled"`
}

// IdentityCenterState is the answer of /_sandbox/identity-center.
type IdentityCenterState struct {
	Enabled         bool   `json:"enabled"`
	InstanceARN     string `json:"instance_arn"`
	IdentityStoreID string `json:"identity_store_id"`
}

// serveAdminIdentityCenter shows (GET) or changes (POST {"enabled": true})
// whether Identity Center is enabled. AWS enables an organization instance
// only in the console; this endpoint plays the person clicking "Enable", so
// that a program waiting for the instance can be tested.
func (s *Server) serveAdminIdentityCenter(w http.ResponseWriter, r *http.Request) {
	const ct = "application/json"
	var in IdentityCenterUpdate
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		body, err := readBody(r)
		if err != nil {
			writeJSONError(w, ct, asAPIError(err))
			return
		}
		if err := decodeJSON(body, &in); err != nil {
			writeJSONError(w, ct, asAPIError(err))
			return
		}
		if in.Enabled == nil {
			writeJSONError(w, ct, newError(400, "ValidationException", `give {"enabled": true} or {"enabled": false}`))
			return
		}
	default:
		writeJSONError(w, ct, newError(405, "MethodNotAllowed", "use GET or POST /_sandbox/identity-center"))
		return
	}
	var out IdentityCenterState
	s.withWorld(func(wd *World, now time.Time) {
		if in.Enabled != nil {
			if wd.Instance.Disabled && *in.Enabled {
				wd.Instance.Created = now.UTC().Truncate(time.Second)
				wd.trustService("sso.amazonaws.com", now)
			}
			wd.Instance.Disabled = !*in.Enabled
		}
		out = IdentityCenterState{Enabled: !wd.Instance.Disabled, InstanceARN: wd.Instance.ARN, IdentityStoreID: wd.Instance.IdentityStoreID}
	})
	writeJSON(w, 200, ct, out)
}
