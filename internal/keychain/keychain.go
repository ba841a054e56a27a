// Package keychain keeps secrets in the operating system's keychain: the
// macOS Keychain, the Windows Credential Manager, the Secret Service (GNOME
// Keyring, KWallet) on Linux, through github.com/zalando/go-keyring, which
// needs no cgo.
//
// It owns the talking to the keychain and nothing else: what is stored and
// when is the caller's (signin keeps a session's refresh token and client
// secret here when token_storage is keychain). Nothing is opened at start-up
// and the package has no init work of its own: the keychain is reached only
// when a secret is read or written, so commands that never need one (the
// credential-process hot path with a cached token) never touch D-Bus.
//
// Secret values never reach errors or logs.
package keychain

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the service name keyless's items carry (the Secret Service
// attribute "service", the macOS item's service, the Windows target prefix).
const Service = "keyless"

// DefaultTimeout bounds one keychain operation: a Secret Service that shows
// an unlock prompt nobody can answer (no display) would otherwise wait
// forever.
const DefaultTimeout = 30 * time.Second

// ErrNotFound is an item the keychain does not hold.
var ErrNotFound = errors.New("not in the keychain")

// Store reads and writes items of one service. The zero value uses Service
// and DefaultTimeout.
type Store struct {
	Service string
	Timeout time.Duration
}

// UnavailableError is a keychain that cannot be used: none is running (no
// Secret Service on the D-Bus session bus), it is locked and the unlock was
// refused or not answered, or it refused the operation.
type UnavailableError struct {
	Op  string // "read", "write", "delete"
	Err error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("the OS keychain cannot %s keyless's secrets: %v", e.Op, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Hint says what to do, for the platform keyless runs on.
func (e *UnavailableError) Hint() string {
	switch runtime.GOOS {
	case "darwin":
		return "unlock the login keychain (Keychain Access) and allow keyless when asked, or keep the token in the file: keyless login --token-storage file"
	case "windows":
		return "check that the Credential Manager is available to your user, or keep the token in the file: keyless login --token-storage file"
	}
	return "start and unlock a Secret Service in this session (GNOME Keyring: gnome-keyring-daemon --unlock; KWallet), " +
		"with DBUS_SESSION_BUS_ADDRESS set (SSH and containers usually have none), or keep the token in the file: keyless login --token-storage file"
}

func (s Store) service() string {
	if s.Service != "" {
		return s.Service
	}
	return Service
}

// Get returns the secret stored for account, or ErrNotFound.
func (s Store) Get(ctx context.Context, account string) (string, error) {
	var v string
	err := s.do(ctx, "read", func() error {
		var err error
		v, err = keyring.Get(s.service(), account)
		return err
	})
	return v, err
}

// Set stores secret for account, replacing what was there.
func (s Store) Set(ctx context.Context, account, secret string) error {
	return s.do(ctx, "write", func() error { return keyring.Set(s.service(), account, secret) })
}

// Delete removes account's item; a missing item is not an error.
func (s Store) Delete(ctx context.Context, account string) error {
	err := s.do(ctx, "delete", func() error { return keyring.Delete(s.service(), account) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// do runs one keychain operation with the timeout. The library takes no
// context: an operation that does not end (an unlock prompt nobody
// answers) is left behind in its goroutine, and the process moves on.
func (s Store) do(ctx context.Context, op string, fn func() error) error {
	d := s.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	if err := checkBus(); err != nil {
		return &UnavailableError{Op: op, Err: err}
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(d)
	defer t.Stop()
	var err error
	select {
	case err = <-done:
	case <-t.C:
		err = fmt.Errorf("no answer within %s (a locked keychain waiting for an unlock prompt nobody can see?)", d)
	case <-ctx.Done():
		err = context.Cause(ctx)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return &UnavailableError{Op: op, Err: errors.New("the secret is larger than this keychain accepts")}
	}
	return &UnavailableError{Op: op, Err: err}
}
