package awsconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
	"github.com/rogpeppe/go-internal/diff"
)

// lockWait bounds how long Update waits for another keyless editing the file.
const lockWait = 30 * time.Second

// Update edits the config at path safely: it locks path+".lock", re-reads
// the file, applies fn, and when the bytes changed saves the old ones to
// path+".keyless-backup" and writes the new ones atomically, keeping the
// file's mode (0600 for a new file, in a 0700 directory). A symlinked config
// (dotfile managers) is written through to its target. old and new are the
// bytes before and after; equal means no change.
func Update(path string, fn func(*File) error) (old, new []byte, err error) {
	if path == "" {
		return nil, nil, errors.New("no AWS config path: set HOME or AWS_CONFIG_FILE")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("create the AWS config directory: %w", err)
	}
	lock := flock.New(path + ".lock")
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	if ok, err := lock.TryLockContext(ctx, 20*time.Millisecond); !ok {
		return nil, nil, fmt.Errorf("lock %s.lock (another keyless may be editing the AWS config; try again): %w", path, errors.Join(err, ctx.Err()))
	}
	defer lock.Unlock()

	target := path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t
	}
	mode := fs.FileMode(0o600)
	existed := true
	old, err = os.ReadFile(target)
	if errors.Is(err, fs.ErrNotExist) {
		existed, err = false, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read AWS config: %w", err)
	}
	if existed {
		if fi, err := os.Stat(target); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	f, err := Parse(path, old)
	if err != nil {
		return nil, nil, err
	}
	if err := fn(f); err != nil {
		return nil, nil, err
	}
	new = f.Bytes()
	if bytes.Equal(old, new) {
		return old, new, nil
	}
	if existed {
		if err := writeAtomic(path+".keyless-backup", old, 0o600); err != nil {
			return nil, nil, fmt.Errorf("back up AWS config: %w", err)
		}
	}
	if err := writeAtomic(target, new, mode); err != nil {
		return nil, nil, fmt.Errorf("write AWS config: %w", err)
	}
	return old, new, nil
}

// writeAtomic replaces path with data through a temp file and a rename, so
// readers see the old file or the new one, never a part.
func writeAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Diff is a unified diff of the config before and after an Update, "" when
// nothing changed.
func Diff(path string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	return string(diff.Diff(path+" (before)", old, path+" (after)", new))
}
