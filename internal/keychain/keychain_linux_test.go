package keychain_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/keychain"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// keyring starts a real Secret Service for the test; missing tools fail
// in CI and skip elsewhere.
func keyring(t *testing.T, unlock bool) *testtool.Keyring {
	t.Helper()
	testtool.RequireTool(t, "gnome-keyring-daemon")
	testtool.RequireTool(t, "dbus-run-session")
	dir := t.TempDir()
	if !unlock {
		// A login keyring that exists and is locked: create it, then
		// start again without the password.
		k, err := testtool.StartKeyring(dir, true)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", k.Bus)
		if err := (keychain.Store{Service: "keyless-test"}).Set(context.Background(), "seed", "x"); err != nil {
			t.Fatal(err)
		}
		k.Stop()
	}
	k, err := testtool.StartKeyring(dir, unlock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Stop)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", k.Bus)
	return k
}

func TestSecretService(t *testing.T) {
	k := keyring(t, true)
	ctx := context.Background()
	s := keychain.Store{Service: "keyless-test"}
	if _, err := s.Get(ctx, "nothing"); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("Get of a missing item: %v, want ErrNotFound", err)
	}
	if err := s.Set(ctx, "sso/a/refreshToken", "first"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "sso/a/refreshToken", "second"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, "sso/a/refreshToken"); err != nil || v != "second" {
		t.Fatalf("Get = %q, %v; want the replaced secret", v, err)
	}
	// secret-tool, libsecret's own client, sees one item with the value.
	testtool.RequireTool(t, "secret-tool")
	c := exec.Command("secret-tool", "lookup", "service", "keyless-test", "username", "sso/a/refreshToken")
	c.Env = append(c.Environ(), "DBUS_SESSION_BUS_ADDRESS="+k.Bus)
	if out, err := c.Output(); err != nil || string(out) != "second" {
		t.Fatalf("secret-tool lookup: %q, %v", out, err)
	}
	if err := s.Delete(ctx, "sso/a/refreshToken"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "sso/a/refreshToken"); err != nil {
		t.Fatalf("deleting a missing item: %v", err)
	}
	if _, err := s.Get(ctx, "sso/a/refreshToken"); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

func TestSecretServiceUnavailable(t *testing.T) {
	ctx := context.Background()
	s := keychain.Store{Service: "keyless-test", Timeout: 10 * time.Second}
	check := func(t *testing.T, err error, want string) {
		t.Helper()
		var ue *keychain.UnavailableError
		if !errors.As(err, &ue) {
			t.Fatalf("err = %v, want an UnavailableError", err)
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(ue.Hint(), "--token-storage file") {
			t.Fatalf("err = %v (hint %q), want %q and a hint", err, ue.Hint(), want)
		}
	}
	t.Run("no bus", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
		start := time.Now()
		err := s.Set(ctx, "a", "b")
		check(t, err, "no D-Bus session bus")
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %s: it must refuse without trying to start a bus", d)
		}
	})
	t.Run("locked", func(t *testing.T) {
		keyring(t, false)
		_, err := s.Get(ctx, "seed")
		check(t, err, "unlock")
		check(t, s.Set(ctx, "a", "b"), "unlock")
	})
}
