// Package redact keeps secrets (access tokens, refresh tokens, client secrets,
// secret access keys, session tokens) out of logs and error messages.
//
// It owns the list of attribute names and value shapes that count as secret.
// It must not depend on anything else in keyless, so every package can use it.
package redact

import (
	"context"
	"log/slog"
	"strings"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// Mask replaces a redacted value.
const Mask = "[REDACTED]"

var secretKeys = []string{
	"accesstoken", "refreshtoken", "clientsecret", "secretaccesskey", "sessiontoken",
	"devicecode", "code", "codeverifier", "signintoken", "password", "authorization",
	"x-amz-sso_bearer_token", "x-amz-security-token", "token", "secret",
}

// IsSecretKey reports whether an attribute or field name names a secret.
func IsSecretKey(name string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "", ".", "").Replace(name))
	for _, k := range secretKeys {
		if n == strings.NewReplacer("_", "", "-", "").Replace(k) {
			return true
		}
	}
	return strings.HasSuffix(n, "token") || strings.HasSuffix(n, "secret") || strings.HasSuffix(n, "secretkey")
}

// Patterns of secret values that may appear inside free text.
var secretValues = []*lazyre.Regexp{
	// "accessToken":"...", "SecretAccessKey": "...", and similar JSON fields.
	lazyre.New(`(?i)("(?:accessToken|refreshToken|clientSecret|secretAccessKey|sessionToken|deviceCode|codeVerifier|SigninToken)"\s*:\s*")[^"]*(")`),
	// key=value pairs in query strings, forms and log lines.
	lazyre.New(`(?i)((?:access_?token|refresh_?token|client_?secret|secret_?access_?key|session_?token|device_?code|code_?verifier|SigninToken|X-Amz-Security-Token|x-amz-sso_bearer_token)[=:]\s*)[^&\s",]+()`),
}

// secretKeyShape finds 40-character runs that may be secret access keys.
var secretKeyShape = lazyre.New(`(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])`)

// String removes secret values from free text.
func String(s string) string {
	for _, re := range secretValues {
		s = re.ReplaceAllString(s, "${1}"+Mask+"${2}")
	}
	// A secret access key has upper and lower case letters; a SHA-1 in hex
	// (cache file names, commit ids) has not, and stays readable.
	for {
		m := secretKeyShape.FindStringSubmatchIndex(s)
		found := false
		for m != nil {
			cand := s[m[2]:m[3]]
			if strings.ContainsAny(cand, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(cand, "abcdefghijklmnopqrstuvwxyz") &&
				!quotedName(s, m[2], m[3]) && !inARN(s, m[2]) {
				s = s[:m[2]] + Mask + s[m[3]:]
				found = true
				break
			}
			next := secretKeyShape.FindStringSubmatchIndex(s[m[3]:])
			if next == nil {
				break
			}
			for i := range next {
				if next[i] >= 0 {
					next[i] += m[3]
				}
			}
			m = next
		}
		if !found {
			return s
		}
	}
}

// inARN reports whether s[i:] continues an ARN (arn:aws:sts::...:assumed-role/
// OrganizationAccountAccessRole/name has 40-character runs of names): the
// word s[i] stands in starts with "arn:". No secret key is part of an ARN.
func inARN(s string, i int) bool {
	start := strings.LastIndexAny(s[:i], " \t\n\"'`=(,[{") + 1
	return strings.HasPrefix(s[start:i], "arn:")
}

// problemLine is the start of a line of a keyless.yaml problem up to a
// quoted value: file:line:col: field: ... "
var problemLine = lazyre.New(`^\S+:\d+:\d+: [\w.\[\]]+: .*"$`)

// wordRun is a run of lower-case letters as words have.
var wordRun = lazyre.New(`[a-z]{3,}`)

// quotedName reports whether s[i:j], 40 characters shaped like a secret
// access key, is rather a name quoted in a keyless.yaml problem
// (groups[0].name: "PlatformEngineering...ForProd", 40 characters): quoted
// there, without the / and + of base64, and mostly words (at least 20 of
// its letters in lower-case runs of three or more, which about 1 random
// key in 1,300 reaches).
func quotedName(s string, i, j int) bool {
	if i == 0 || j >= len(s) || s[i-1] != '"' || s[j] != '"' || strings.ContainsAny(s[i:j], "/+") {
		return false
	}
	words := 0
	for _, w := range wordRun.FindAllString(s[i:j], -1) {
		words += len(w)
	}
	return words >= 20 && problemLine.MatchString(s[strings.LastIndexByte(s[:i], '\n')+1:i])
}

// Handler wraps a slog.Handler so that attributes named like secrets are
// masked and string values have secret-shaped substrings removed.
type Handler struct{ next slog.Handler }

// NewHandler returns a redacting handler in front of next.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(Attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = Attr(a)
	}
	return &Handler{next: h.next.WithAttrs(clean)}
}

func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

// Attr returns a with secret values masked.
func Attr(a slog.Attr) slog.Attr {
	if IsSecretKey(a.Key) {
		return slog.String(a.Key, Mask)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = Attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, String(err.Error()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
