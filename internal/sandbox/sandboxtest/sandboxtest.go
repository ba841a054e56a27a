// Package sandboxtest starts a sandbox for other packages' tests.
package sandboxtest

import (
	"context"
	"testing"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// Start serves a fresh sandbox on a loopback port until the test ends.
func Start(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
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
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sandbox shutdown: %v", err)
		}
	})
	return srv, "http://" + l.Addr().String()
}
