package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/time/rate"
)

// Resource ids come from the server's seeded generator (Server.mu held), so a
// fresh sandbox hands out the same ids for the same requests. Secrets
// (tokens, secret keys) come from crypto/rand.

const (
	lowerHex    = "0123456789abcdef"
	digits      = "0123456789"
	lowerAlnum  = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	userCodeSet = "BCDFGHJKLMNPQRSTVWXZ"
)

// randString returns n characters of alphabet; s.mu must be held.
func (s *Server) randString(n int, alphabet string) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alphabet[s.rng.IntN(len(alphabet))])
	}
	return b.String()
}

// uuid returns a version-4-shaped UUID; s.mu must be held.
func (s *Server) uuid() string {
	h := s.randString(32, lowerHex)
	return fmt.Sprintf("%s-%s-4%s-a%s-%s", h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])
}

func (c *call) rand(n int, alphabet string) string { return c.s.randString(n, alphabet) }
func (c *call) uuid() string                       { return c.s.uuid() }

// secret returns an unguessable token of n random bytes, base64url.
func secret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	s := []byte(base64.RawURLEncoding.EncodeToString(b))
	// A leading '-' reads as an option to command-line tools (the AWS CLI
	// refuses "--device-code -abc"); AWS's own tokens start with a letter.
	for s[0] == '-' || s[0] == '_' {
		s[0] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[int(b[0])%26]
	}
	return string(s)
}

// secretKey returns a 40-character secret access key.
func secretKey() string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
	b := make([]byte, 40)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b)
}

// limiter returns the token bucket for a TPS scope, filling at tps a second
// and holding a second's worth.
func (s *Server) limiter(bucket string, tps float64) *rate.Limiter {
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	l := s.limiters[bucket]
	if l == nil {
		l = newLimiter(tps)
		s.limiters[bucket] = l
	}
	return l
}

// newLimiter is a token bucket of tps requests a second holding a second's
// worth (at least one).
func newLimiter(tps float64) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(tps), max(1, int(tps)))
}
