package signin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/safefile"
)

// ForgetCredentials removes a cached role's credentials older than its
// bound, under the cache's lock, and leaves newer ones and other roles.
func TestForgetCredentials(t *testing.T) {
	ctx := context.Background()
	m := &Manager{Home: t.TempDir()}
	r := Role{Session: Session{Name: "corp"}, AccountID: "333333333333", RoleName: "AdministratorAccess"}
	other := Role{Session: r.Session, AccountID: r.AccountID, RoleName: "ReadOnlyAccess"}
	path := RolePath(m.Home, r)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	c := Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "t", Expiration: time.Now().Add(time.Hour)}
	for _, p := range []string{path, RolePath(m.Home, other)} {
		if err := writeRole(p, c); err != nil {
			t.Fatal(err)
		}
	}
	written := time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, written, written); err != nil {
		t.Fatal(err)
	}

	// Written at the bound, not before it: kept.
	if gone, err := m.ForgetCredentials(ctx, r, written); err != nil || gone {
		t.Fatalf("bound = write time: removed %v, %v", gone, err)
	}
	if _, ok := m.CachedCredentials(r); !ok {
		t.Fatal("credentials written at the bound were removed")
	}

	// While another process holds the cache file's lock, nothing is removed.
	unlock, _, err := safefile.LockIn(ctx, safefile.LockDir(filepath.Join(m.Home, ".aws")), path)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = m.ForgetCredentials(short, r, time.Time{})
	cancel()
	if err == nil {
		t.Error("removed the credentials while another process held the lock")
	}
	if _, ok := m.CachedCredentials(r); !ok {
		t.Fatal("credentials removed under another process's lock")
	}
	unlock()

	if gone, err := m.ForgetCredentials(ctx, r, written.Add(time.Second)); err != nil || !gone {
		t.Fatalf("written before the bound: removed %v, %v", gone, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists: %v", path, err)
	}
	if _, ok := m.CachedCredentials(other); !ok {
		t.Error("another role's credentials were removed")
	}
	// Nothing cached: nothing to do, no error.
	if gone, err := m.ForgetCredentials(ctx, r, time.Time{}); err != nil || gone {
		t.Errorf("nothing cached: removed %v, %v", gone, err)
	}
}
