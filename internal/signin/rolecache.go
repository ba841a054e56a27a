package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/keyless-dev/keyless/internal/safefile"
)

// Role names one role of one account reached through an SSO session.
type Role struct {
	Session   Session
	AccountID string
	RoleName  string
}

// Credentials are temporary role credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

func (c Credentials) String() string {
	return fmt.Sprintf("credentials %s (expires %s)", c.AccessKeyID, c.Expiration.Format(time.RFC3339))
}

// cacheKey is botocore's SSOCredentialFetcher key: sha1 of the compact,
// key-sorted JSON of accountId, roleName and sessionName (or startUrl for
// legacy profiles).
func (r Role) cacheKey() string {
	var b []byte
	if r.Session.Name != "" {
		b, _ = json.Marshal(struct {
			AccountID   string `json:"accountId"`
			RoleName    string `json:"roleName"`
			SessionName string `json:"sessionName"`
		}{r.AccountID, r.RoleName, r.Session.Name})
	} else {
		b, _ = json.Marshal(struct {
			AccountID string `json:"accountId"`
			RoleName  string `json:"roleName"`
			StartURL  string `json:"startUrl"`
		}{r.AccountID, r.RoleName, r.Session.StartURL})
	}
	return sha1Hex(string(b))
}

// RolePath is the AWS CLI's cache file for a role's credentials.
func RolePath(home string, r Role) string {
	return filepath.Join(home, ".aws", "cli", "cache", r.cacheKey()+".json")
}

type roleCacheFile struct {
	ProviderType string `json:"ProviderType"`
	Credentials  struct {
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string `json:"SecretAccessKey"`
		SessionToken    string `json:"SessionToken"`
		Expiration      string `json:"Expiration"`
	} `json:"Credentials"`
}

func readRole(path string) (Credentials, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		// Missing or unreadable (a directory, no permission): a cache miss,
		// like a damaged entry; the credentials are fetched again.
		return Credentials{}, false
	}
	var f roleCacheFile
	if err := json.Unmarshal(b, &f); err != nil {
		// A damaged entry is only a cache miss: it is rewritten.
		return Credentials{}, false
	}
	exp, err := parseTime(f.Credentials.Expiration)
	if err != nil || f.Credentials.AccessKeyID == "" || f.Credentials.SecretAccessKey == "" {
		return Credentials{}, false
	}
	return Credentials{
		AccessKeyID:     f.Credentials.AccessKeyID,
		SecretAccessKey: f.Credentials.SecretAccessKey,
		SessionToken:    f.Credentials.SessionToken,
		Expiration:      exp,
	}, true
}

func writeRole(path string, c Credentials) error {
	var f roleCacheFile
	f.ProviderType = "sso"
	f.Credentials.AccessKeyID = c.AccessKeyID
	f.Credentials.SecretAccessKey = c.SecretAccessKey
	f.Credentials.SessionToken = c.SessionToken
	f.Credentials.Expiration = c.Expiration.UTC().Format(timeLayout)
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return safefile.Write(path, b, 0o600)
}

// CachedCredentials returns the role credentials cached for r, as they are
// (expired or not), without any network call.
func (m *Manager) CachedCredentials(r Role) (Credentials, bool) {
	return readRole(RolePath(m.Home, r))
}

// ForgetCredentials removes the role credentials cached for r that were
// written before `before` (the file's modification time; zero: whatever
// their age), under the lock the cache's writers take, so a fetch running
// at the same time either finishes first or writes after. It reports
// whether it removed them. A missing entry is not an error.
//
// Elevation needs it: credentials issued before a revoke stay refused by
// its session cut, and the cache would hand them out again under a later
// grant of the same role.
func (m *Manager) ForgetCredentials(ctx context.Context, r Role, before time.Time) (bool, error) {
	path := RolePath(m.Home, r)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil // nothing cached: no lock to take
	}
	unlock, _, err := m.lock(ctx, path)
	if err != nil {
		return false, err
	}
	defer unlock()
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !before.IsZero() && !fi.ModTime().Before(before) {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return true, nil
}
