// Package sandboxtest starts a sandbox for other packages' tests.
package sandboxtest

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// Start serves a fresh sandbox on a loopback port until the test ends.
func Start(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	srv, url, _ := StartStoppable(t, opts)
	return srv, url
}

// StartStoppable is Start with a stop function, for a test that must prove
// what follows makes no network call. Stopping twice is harmless; the test's
// end stops it anyway.
func StartStoppable(t testing.TB, opts sandbox.Options) (*sandbox.Server, string, func()) {
	t.Helper()
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := sandbox.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("sandbox shutdown: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return srv, "http://" + l.Addr().String(), stop
}
