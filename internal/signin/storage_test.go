package signin

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/keychain"
	"github.com/keyless-dev/keyless/internal/sandbox"
)

// memKeychain is a keychain in memory that can be made to refuse, for the
// timing and failure paths; internal/cli's TestKeychainStorage runs the real
// Secret Service.
type memKeychain struct {
	mu      sync.Mutex
	items   map[string]string
	refuse  error
	garbled bool // Set stores something else than it was given
}

func (k *memKeychain) Get(_ context.Context, a string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.refuse != nil {
		return "", k.refuse
	}
	v, ok := k.items[a]
	if !ok {
		return "", keychain.ErrNotFound
	}
	return v, nil
}

func (k *memKeychain) Set(_ context.Context, a, v string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.refuse != nil {
		return k.refuse
	}
	if k.garbled {
		v = v[:len(v)/2]
	}
	k.items[a] = v
	return nil
}

func (k *memKeychain) Delete(_ context.Context, a string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.items, a)
	return k.refuse
}

func TestKeychainRefreshWindows(t *testing.T) {
	e := newEnv(t, sandbox.Options{AccessTokenTTL: time.Hour})
	kc := &memKeychain{items: map[string]string{}}
	e.m.Keychain = kc
	var out strings.Builder
	e.m.Out = &out
	e.sess.TokenStorage = StorageKeychain
	ctx := context.Background()
	if _, err := e.m.Login(ctx, e.sess, LoginOptions{DeviceCode: true}); err != nil {
		t.Fatal(err)
	}
	path := e.m.TokenFile(e.sess)
	first := kc.items["sso/corp/refreshToken"]
	if b, _ := os.ReadFile(path); first == "" || bytes.Contains(b, []byte(first)) || bytes.Contains(b, []byte("clientSecret")) {
		t.Fatal("the refresh token is not (only) in the keychain")
	}

	// Advisory window, keychain refusing: the token is used, with a
	// warning, and nothing changes.
	kc.refuse = &keychain.UnavailableError{Op: "read", Err: errors.New("locked")}
	e.clock.Add(47 * time.Minute)
	before, _ := os.ReadFile(path)
	tok, err := e.m.Token(ctx, e.sess)
	if err != nil || !tok.Valid(e.clock.Now(), 0) {
		t.Fatalf("advisory window with a refusing keychain: %v", err)
	}
	if !strings.Contains(out.String(), "locked; the SSO token is used while it lasts") {
		t.Fatalf("no warning: %q", out.String())
	}
	// Mandatory window: an error that carries the keychain's hint.
	e.clock.Add(6 * time.Minute)
	_, err = e.m.Token(ctx, e.sess)
	var ue *keychain.UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("mandatory window with a refusing keychain: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the cache file changed")
	}

	// A keychain that does not give back what it was given: the file keeps
	// what it had (the refresh itself worked, and its token is used now).
	kc.refuse, kc.garbled = nil, true
	if _, err := e.m.Token(ctx, e.sess); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) || !strings.Contains(out.String(), "gave back something else") {
		t.Fatalf("a keychain that garbles: file changed or no warning: %q", out.String())
	}

	// The rotated refresh token is lost with it (the old one is spent):
	// the next refresh asks for a sign-in.
	kc.garbled = false
	e.clock.Add(time.Minute)
	var lr *LoginRequiredError
	if _, err := e.m.Token(ctx, e.sess); !errors.As(err, &lr) {
		t.Fatalf("after a lost rotated token: %v, want a sign-in", err)
	}

	// Working again: signed in, refreshed, rotated token written back.
	if _, err := e.m.Login(ctx, e.sess, LoginOptions{DeviceCode: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	first = kc.items["sso/corp/refreshToken"]
	e.clock.Add(50 * time.Minute)
	calls := e.calls(t, "sso-oidc:CreateToken")
	if _, err := e.m.Token(ctx, e.sess); err != nil {
		t.Fatal(err)
	}
	if e.calls(t, "sso-oidc:CreateToken") != calls+1 {
		t.Fatal("no refresh")
	}
	if kc.items["sso/corp/refreshToken"] == first {
		t.Fatal("the rotated refresh token was not written back")
	}
	cached, err := e.m.CachedToken(e.sess)
	if err != nil {
		t.Fatal(err)
	}
	if at := e.m.RefreshTokenAt(e.sess, cached); at.Kind != RefreshKeychain || at.Item != "sso/corp/refreshToken" || at.Path != path {
		t.Fatalf("RefreshTokenAt = %+v", at)
	}
}

// A keychain that cannot be read (an SSH session without a bus, a locked
// keyring) must not trap the session there: moving back to the file is
// what its error hints at, and it needs nothing from the keychain when it
// signs in again.
func TestLeaveUnreadableKeychain(t *testing.T) {
	e := newEnv(t, sandbox.Options{AccessTokenTTL: time.Hour})
	kc := &memKeychain{items: map[string]string{}}
	e.m.Keychain = kc
	var out strings.Builder
	e.m.Out = &out
	e.sess.TokenStorage = StorageKeychain
	ctx := context.Background()
	if _, err := e.m.Login(ctx, e.sess, LoginOptions{DeviceCode: true}); err != nil {
		t.Fatal(err)
	}
	path := e.m.TokenFile(e.sess)
	kc.refuse = &keychain.UnavailableError{Op: "read", Err: errors.New("no bus")}

	for _, tc := range []struct {
		name  string
		after time.Duration
	}{
		{"valid access token", time.Minute},
		{"expired access token", 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Back in the keychain, as a sign-in with it working left it.
			kc.refuse = nil
			e.sess.TokenStorage = StorageKeychain
			if _, err := e.m.Login(ctx, e.sess, LoginOptions{DeviceCode: true, Force: true}); err != nil {
				t.Fatal(err)
			}
			kc.refuse = &keychain.UnavailableError{Op: "read", Err: errors.New("no bus")}
			e.clock.Add(tc.after)
			out.Reset()
			res, err := e.m.Login(ctx, e.sess, LoginOptions{DeviceCode: true, TokenStorage: StorageFile})
			if err != nil {
				t.Fatalf("login --token-storage file with the keychain unreadable: %v", err)
			}
			if res.How != "device code" {
				t.Errorf("How = %q, want a new sign-in (the old refresh token cannot be read)", res.How)
			}
			tok, err := readToken(path)
			if err != nil || tok.RefreshToken == "" || tok.ClientSecret == "" {
				t.Fatalf("the cache file has no refresh token of its own: %+v, %v", tok, err)
			}
			if _, err := os.Stat(e.m.recordPath(path)); !os.IsNotExist(err) {
				t.Errorf("keyless's keychain note is left: %v", err)
			}
			if !strings.Contains(out.String(), "no bus") || !strings.Contains(out.String(), "remove it by hand") {
				t.Errorf("no word of the keychain, or of the items left in it: %q", out.String())
			}
			e.sess.TokenStorage = StorageFile
			if _, err := e.m.Token(ctx, e.sess); err != nil {
				t.Fatalf("the session in the file does not work: %v", err)
			}
		})
	}
}
