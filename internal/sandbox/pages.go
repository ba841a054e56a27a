package sandbox

import "net/http"

// Browser pages: /authorize (PKCE sign-in), the device verification page,
// /start (the access portal) and /federation (console sign-in).

func (s *Server) pages() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{}
}
