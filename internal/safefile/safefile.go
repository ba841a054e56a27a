// Package safefile writes files that other programs read at any moment
// (~/.aws/config, the SSO token cache, the role-credential cache): through a
// temporary file and a rename, so a reader sees the old bytes or the new ones
// and never half a file, and under a cross-process lock on a separate .lock
// file, so concurrent writers do not lose each other's updates.
//
// The locks of files in ~/.aws live in ~/.aws/keyless/locks (LockDir), not
// beside the files: the AWS CLI leaves no lock files in ~/.aws and a person
// should not find keyless's there either.
//
// It must not decide what goes into a file; callers do that under Lock.
package safefile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Write replaces path with data through a temporary file in the same
// directory and a rename. The directory is created (0700) if missing.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LockDir is the directory of the lock files of the files in awsDir
// (~/.aws): awsDir/keyless/locks.
func LockDir(awsDir string) string {
	return filepath.Join(awsDir, "keyless", "locks")
}

// LockIn takes an exclusive lock for path on dir/<base name of path>.lock,
// waiting until it is free or ctx is done. Every process that writes path
// must pass the same dir. The lock file stays behind (removing it would race
// with the next locker); it holds no data. path need not exist: a lock of
// no file (apply's) names the file it would be.
//
// waited reports whether another process held the lock when LockIn was
// called: callers use it to re-read what that process may have written.
//
// Earlier keyless versions locked path+".lock" beside the file. When that
// file is there (empty), LockIn also waits for it, so a command of an
// earlier version that holds it finishes first, then removes it while
// holding it: ~/.aws ends up clean without anyone deleting a lock file by
// hand. (An earlier version started after that takes a lock of its own
// again; the next LockIn waits for it.)
func LockIn(ctx context.Context, dir, path string) (unlock func(), waited bool, err error) {
	return LockInWaiting(ctx, dir, path, nil)
}

// LockInWaiting is LockIn that calls waiting, when not nil, with the lock
// file's path before it waits for another process.
func LockInWaiting(ctx context.Context, dir, path string, waiting func(lock string)) (func(), bool, error) {
	unlockNew, waited, err := lockFile(ctx, filepath.Join(dir, filepath.Base(path)+".lock"), waiting)
	if err != nil {
		return nil, waited, err
	}
	legacy := path + ".lock"
	if fi, err := os.Lstat(legacy); err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		return unlockNew, waited, nil
	}
	unlockLegacy, waitedLegacy, err := lockFile(ctx, legacy, waiting)
	if err != nil {
		if ctx.Err() != nil {
			unlockNew()
			return nil, waited, err
		}
		return unlockNew, waited, nil // not ours to take (read-only, another owner): the new lock stands
	}
	removed := os.Remove(legacy) == nil // fails on Windows while open
	return func() {
		unlockLegacy()
		if !removed {
			// Windows removes a file no one has open, and refuses one an
			// earlier version holds: safe either way.
			_ = os.Remove(legacy)
		}
		unlockNew()
	}, waited || waitedLegacy, nil
}

func lockFile(ctx context.Context, name string, waiting func(lock string)) (unlock func(), waited bool, err error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	fl := flock.New(name, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !ok {
		waited = true
		if waiting != nil {
			waiting(name)
		}
		ok, err = fl.TryLockContext(ctx, 10*time.Millisecond)
		if err != nil || !ok {
			if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, true, fmt.Errorf("wait for lock %s: %w", name, context.Cause(ctx))
			}
			return nil, true, fmt.Errorf("lock %s: %w", name, err)
		}
	}
	return func() { _ = fl.Unlock() }, waited, nil
}
