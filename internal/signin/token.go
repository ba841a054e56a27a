package signin

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/keyless-dev/keyless/internal/safefile"
)

// timeLayout is how the AWS CLI writes times in its caches.
const timeLayout = "2006-01-02T15:04:05Z"

// Token is one entry of the SSO token cache. Fields keyless does not know
// are kept as they were when the file is rewritten.
type Token struct {
	StartURL              string
	Region                string
	AccessToken           string
	ExpiresAt             time.Time
	ClientID              string
	ClientSecret          string
	RegistrationExpiresAt time.Time
	RefreshToken          string

	extra map[string]json.RawMessage
}

var tokenFields = []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"}

// String keeps secrets out of any accidental %v.
func (t *Token) String() string {
	return fmt.Sprintf("sso token for %s (expires %s)", t.StartURL, t.ExpiresAt.Format(time.RFC3339))
}

// Valid reports whether the access token has more than d left at now.
func (t *Token) Valid(now time.Time, d time.Duration) bool {
	return t != nil && t.AccessToken != "" && t.ExpiresAt.Sub(now) > d
}

// CanRefresh reports whether the token carries what a refresh needs.
func (t *Token) CanRefresh(now time.Time) bool {
	return t != nil && t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" &&
		(t.RegistrationExpiresAt.IsZero() || t.RegistrationExpiresAt.After(now))
}

// registered reports whether the cached client registration can be reused
// for a new sign-in: it must outlive the sign-in by a margin.
func (t *Token) registered(now time.Time) bool {
	return t != nil && t.ClientID != "" && t.ClientSecret != "" && t.RegistrationExpiresAt.After(now.Add(time.Hour))
}

func (t *Token) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(t.extra)+len(tokenFields))
	for k, v := range t.extra {
		m[k] = v
	}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		} else {
			delete(m, k)
		}
	}
	setTime := func(k string, v time.Time) {
		if !v.IsZero() {
			m[k] = v.UTC().Format(timeLayout)
		} else {
			delete(m, k)
		}
	}
	set("startUrl", t.StartURL)
	set("region", t.Region)
	set("accessToken", t.AccessToken)
	setTime("expiresAt", t.ExpiresAt)
	set("clientId", t.ClientID)
	set("clientSecret", t.ClientSecret)
	setTime("registrationExpiresAt", t.RegistrationExpiresAt)
	set("refreshToken", t.RefreshToken)
	return json.Marshal(m)
}

func (t *Token) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var err error
	str := func(k string) string {
		var s string
		if raw, ok := m[k]; ok && err == nil {
			if e := json.Unmarshal(raw, &s); e != nil {
				err = fmt.Errorf("field %s: %w", k, e)
			}
		}
		return s
	}
	tm := func(k string) time.Time {
		s := str(k)
		if s == "" || err != nil {
			return time.Time{}
		}
		v, e := parseTime(s)
		if e != nil {
			err = fmt.Errorf("field %s: %w", k, e)
		}
		return v
	}
	*t = Token{
		StartURL:              str("startUrl"),
		Region:                str("region"),
		AccessToken:           str("accessToken"),
		ExpiresAt:             tm("expiresAt"),
		ClientID:              str("clientId"),
		ClientSecret:          str("clientSecret"),
		RegistrationExpiresAt: tm("registrationExpiresAt"),
		RefreshToken:          str("refreshToken"),
	}
	for _, k := range tokenFields {
		delete(m, k)
	}
	t.extra = m
	return err
}

// parseTime reads the time formats found in caches written by the AWS CLI
// v1/v2 and the SDKs.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time like 2026-11-24T08:39:09Z", s)
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TokenPath is the cache file of an sso-session (or, for legacy profiles
// without one, of a start URL).
func TokenPath(home, key string) string {
	return filepath.Join(home, ".aws", "sso", "cache", sha1Hex(key)+".json")
}

// readToken reads a cache file. A missing file is (nil, nil); a file that
// is not valid JSON is an error naming the file, since it may hold a
// refresh token someone needs.
func readToken(path string) (*Token, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t := new(Token)
	if err := json.Unmarshal(b, t); err != nil {
		return nil, &CacheError{Path: path, Err: err}
	}
	return t, nil
}

func writeToken(path string, t *Token) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return safefile.Write(path, b, 0o600)
}

// CacheError is a cache file keyless cannot read.
type CacheError struct {
	Path string
	Err  error
}

func (e *CacheError) Error() string {
	return fmt.Sprintf("read %s: %v", e.Path, e.Err)
}

func (e *CacheError) Unwrap() error { return e.Err }

// Where a refresh token can be kept (RefreshStore.Kind).
const (
	// RefreshNone: the session has no refresh token (never signed in, or
	// signed in without the sso:account:access scope).
	RefreshNone = "none"
	// RefreshFile: in the AWS CLI's token cache, a plain file readable by
	// every process of the user.
	RefreshFile = "file"
	// RefreshKeychain: in the OS keychain (token_storage = keychain); the
	// cache file keeps the access token only.
	RefreshKeychain = "keychain"
)

// RefreshStore says where a session's refresh token (and the client
// secret that goes with it) is kept.
type RefreshStore struct {
	Kind string // RefreshNone, RefreshFile or RefreshKeychain
	Path string // the token cache file
	Item string // the keychain item, for RefreshKeychain
}

// RefreshTokenAt says where the refresh token of session s lives, given its
// cached token t (nil when there is none). keyless status and audit ask
// here rather than look at the token themselves, so that a new storage (the
// OS keychain) changes this one function.
// It never opens the keychain.
func (m *Manager) RefreshTokenAt(s Session, t *Token) RefreshStore {
	path := TokenPath(m.Home, s.cacheKey())
	switch {
	case t == nil:
		return RefreshStore{Kind: RefreshNone}
	case t.RefreshToken != "":
		return RefreshStore{Kind: RefreshFile, Path: path}
	}
	if r := m.inKeychain(path, t); r != nil {
		return RefreshStore{Kind: RefreshKeychain, Path: path, Item: r.RefreshToken}
	}
	return RefreshStore{Kind: RefreshNone}
}
