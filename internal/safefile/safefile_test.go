package safefile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// LockIn keeps the lock file out of the locked file's directory and
// removes the empty lock file earlier versions left beside it; a second
// locker waits.
func TestLockInKeepsLocksOutOfTheDirectory(t *testing.T) {
	aws := filepath.Join(t.TempDir(), ".aws")
	path := filepath.Join(aws, "sso", "cache", "abc.json")
	os.MkdirAll(filepath.Dir(path), 0o700)
	legacy := path + ".lock"
	os.WriteFile(legacy, nil, 0o600)
	notALock := filepath.Join(aws, "config.lock")
	os.WriteFile(notALock, []byte("someone's data"), 0o600)

	unlock, waited, err := LockIn(context.Background(), LockDir(aws), path)
	if err != nil || waited {
		t.Fatalf("LockIn = %v, waited %v", err, waited)
	}
	if _, err := os.Stat(filepath.Join(aws, "keyless", "locks", "abc.json.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Errorf("the empty legacy lock beside the file is still there: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, waited, err := LockIn(ctx, LockDir(aws), path); err == nil || !waited {
		t.Errorf("second LockIn while held: %v, waited %v; want a timeout after waiting", err, waited)
	}
	unlock()
	unlock2, _, err := LockIn(context.Background(), LockDir(aws), filepath.Join(aws, "config"))
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
	if b, _ := os.ReadFile(notALock); string(b) != "someone's data" {
		t.Error("a non-empty config.lock was removed")
	}
}

// An earlier version holding its lock beside the file keeps LockIn waiting:
// the two never write at once, and the old lock file is gone afterwards.
// LockInWaiting says which lock it waits for.
func TestLockInWaitsForAnEarlierVersionsLock(t *testing.T) {
	aws := filepath.Join(t.TempDir(), ".aws")
	path := filepath.Join(aws, "keyless", "apply")
	legacy := path + ".lock"
	os.MkdirAll(filepath.Dir(path), 0o700)
	old := flock.New(legacy) // what an earlier keyless took
	if err := old.Lock(); err != nil {
		t.Fatal(err)
	}
	var said string
	got := make(chan error, 1)
	go func() {
		unlock, waited, err := LockInWaiting(context.Background(), LockDir(aws), path, func(lock string) { said = lock })
		if err == nil {
			if !waited {
				err = errors.New("not reported as waited")
			}
			unlock()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("LockIn returned while an earlier version held %s: %v", legacy, err)
	case <-time.After(100 * time.Millisecond):
	}
	old.Unlock()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if said != legacy {
		t.Errorf("waiting named %q, want %q", said, legacy)
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Errorf("the earlier version's lock is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(aws, "keyless", "locks", "apply.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}
