package identitycenter

// Readiness: when an object a change links to exists, so that changes
// depending on it can start.

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// ready tells when an object a change links to exists. Objects that are not
// created or updated in this apply are ready from the start.
type ready struct {
	mu sync.Mutex
	m  map[string]*future
}

// future is one object (by folded name) that changes of this apply make:
// done once every change expected for it settled, ok when all succeeded.
type future struct {
	done    chan struct{}
	pending int
	ok      bool
}

func readyKey(kind, name string) string { return kind + "/" + strings.ToLower(name) }

// expect registers a change that creates or updates the object. Two
// changes under one folded name make one future that waits for both.
func (rd *ready) expect(key string) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	f := rd.m[key]
	if f == nil {
		f = &future{done: make(chan struct{}), ok: true}
		rd.m[key] = f
	}
	f.pending++
}

// settle records that one expected change finished, or failed.
func (rd *ready) settle(key string, ok bool) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	f := rd.m[key]
	if f == nil || f.pending == 0 {
		return
	}
	f.ok = f.ok && ok
	if f.pending--; f.pending == 0 {
		close(f.done)
	}
}

// wait blocks until the object is ready and reports whether it is usable.
func (rd *ready) wait(ctx context.Context, key string) error {
	rd.mu.Lock()
	f := rd.m[key]
	rd.mu.Unlock()
	if f == nil {
		return nil
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	rd.mu.Lock()
	ok := f.ok
	rd.mu.Unlock()
	if !ok {
		return fmt.Errorf("not started: %s failed", strings.Replace(key, "/", " ", 1))
	}
	return nil
}
