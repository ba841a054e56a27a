package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/keyless-dev/keyless/internal/keychain"
	"github.com/keyless-dev/keyless/internal/safefile"
)

// Where a session's refresh token and client secret are kept (the
// sso-session's keyless_token_storage, or login --token-storage).
const (
	// StorageFile is the AWS CLI's token cache file, as the AWS CLI keeps
	// them: the default.
	StorageFile = "file"
	// StorageKeychain is the OS keychain: the cache file keeps the access
	// token (which the AWS CLI and SDKs use while it lasts) and no refresh
	// token or client secret; keyless refreshes from the keychain.
	StorageKeychain = "keychain"
)

func normStorage(s string) string {
	if s == StorageKeychain {
		return s
	}
	return StorageFile
}

// SecretStore is the OS keychain as signin uses it (keychain.Store).
type SecretStore interface {
	Get(ctx context.Context, account string) (string, error)
	Set(ctx context.Context, account, secret string) error
	Delete(ctx context.Context, account string) error
}

func (m *Manager) secrets() SecretStore {
	if m.Keychain != nil {
		return m.Keychain
	}
	return keychain.Store{}
}

// The keychain items of a session (service "keyless"): one per secret, since
// Windows' Credential Manager holds at most 2,560 bytes an item.
func refreshItem(key string) string { return "sso/" + key + "/refreshToken" }
func secretItem(key string) string  { return "sso/" + key + "/clientSecret" }

// keychainRecord is keyless's note that a session's refresh token and
// client secret are in the keychain, so nothing opens the keychain to find
// out: ~/.aws/keyless/sso/<cache file name>.keychain. It holds no secret.
// ClientID ties it to the registration in the cache file: a cache the AWS
// CLI rewrote after its own sign-in (with its own registration and refresh
// token) makes the record stale, and the file's refresh token wins.
type keychainRecord struct {
	ClientID     string    `json:"clientId"`
	RefreshToken string    `json:"refreshToken"` // the keychain item, not the token
	ClientSecret string    `json:"clientSecret"` // likewise
	Stored       time.Time `json:"stored"`
}

func (m *Manager) recordPath(path string) string {
	return filepath.Join(m.Home, ".aws", "keyless", "sso", filepath.Base(path)+".keychain")
}

func readRecord(path string) (*keychainRecord, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := new(keychainRecord)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return r, nil
}

// inKeychain reports whether t's secrets are in the keychain: t carries no
// refresh token of its own and the record matches its registration.
func (m *Manager) inKeychain(path string, t *Token) *keychainRecord {
	if t == nil || t.RefreshToken != "" {
		return nil
	}
	r, err := readRecord(m.recordPath(path))
	if err != nil || r == nil || r.ClientID != t.ClientID {
		if err != nil {
			m.log().Debug("keychain record unreadable; ignored", "err", err)
		}
		return nil
	}
	return r
}

// withSecrets returns t with its refresh token and client secret from the
// keychain when that is where they are (else t as it is). Only refreshes
// and storage changes call it: a valid access token never opens the
// keychain.
func (m *Manager) withSecrets(ctx context.Context, path string, t *Token) (*Token, error) {
	r := m.inKeychain(path, t)
	if r == nil {
		return t, nil
	}
	refresh, err := m.secrets().Get(ctx, r.RefreshToken)
	if err != nil {
		if errors.Is(err, keychain.ErrNotFound) {
			m.log().Debug("refresh token missing from the keychain", "item", r.RefreshToken)
			return t, nil // removed by hand: nothing to refresh with
		}
		return nil, err
	}
	secret, err := m.secrets().Get(ctx, r.ClientSecret)
	if err != nil && !errors.Is(err, keychain.ErrNotFound) {
		return nil, err
	}
	nt := *t
	nt.RefreshToken, nt.ClientSecret = refresh, secret
	return &nt, nil
}

// saveToken writes t (with its secrets) where storage says, under the
// cache file's lock, which the caller holds:
//
//   - keychain: the secrets go to the keychain and are read back, then the
//     record is written, then the cache file without them (atomically). A
//     keychain that fails leaves the file as it was.
//   - file: the cache file with the secrets (atomically); then the record
//     and the keychain items go.
func (m *Manager) saveToken(ctx context.Context, s Session, path string, t *Token, storage string) error {
	key := s.cacheKey()
	rp := m.recordPath(path)
	if storage != StorageKeychain || t.RefreshToken == "" {
		if err := writeToken(path, t); err != nil {
			return err
		}
		if r, _ := readRecord(rp); r != nil {
			m.forgetKeychain(ctx, rp, r)
		}
		return nil
	}
	ks := m.secrets()
	items := [][2]string{{refreshItem(key), t.RefreshToken}, {secretItem(key), t.ClientSecret}}
	for _, it := range items {
		if err := ks.Set(ctx, it[0], it[1]); err != nil {
			return fmt.Errorf("keep the refresh token of %s in the OS keychain: %w", s.label(), err)
		}
		// Scrub the file only once the keychain gives the secret back.
		if got, err := ks.Get(ctx, it[0]); err != nil || got != it[1] {
			if err == nil {
				err = errors.New("it gave back something else")
			}
			return fmt.Errorf("check the refresh token of %s in the OS keychain: %w", s.label(), err)
		}
	}
	b, err := json.Marshal(keychainRecord{ClientID: t.ClientID, RefreshToken: items[0][0], ClientSecret: items[1][0], Stored: m.now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := safefile.Write(rp, b, 0o600); err != nil {
		return fmt.Errorf("record that the refresh token is in the keychain: %w", err)
	}
	scrubbed := *t
	scrubbed.RefreshToken, scrubbed.ClientSecret = "", ""
	return writeToken(path, &scrubbed)
}

// forgetKeychain removes a session's keychain items and record, once the
// secrets are safe elsewhere (or gone: logout). A keychain that cannot
// delete leaves the items behind, with a warning.
func (m *Manager) forgetKeychain(ctx context.Context, rp string, r *keychainRecord) {
	if err := os.Remove(rp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.warn("remove %s: %v", rp, err)
	}
	for _, item := range []string{r.RefreshToken, r.ClientSecret} {
		if err := m.secrets().Delete(ctx, item); err != nil {
			m.warn("remove %s (service %s) from the OS keychain: %v; remove it by hand", item, keychain.Service, err)
		}
	}
}
