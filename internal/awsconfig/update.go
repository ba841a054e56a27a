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

	"github.com/rogpeppe/go-internal/diff"

	"github.com/keyless-dev/keyless/internal/safefile"
)

// lockWait bounds how long Update waits for another keyless editing the file.
const lockWait = 30 * time.Second

// BackupPath is where Update keeps the file as it was before keyless
// first changed it.
func BackupPath(path string) string { return path + ".keyless-backup" }

// ReadOnlyError is a file Update would change but that has no write
// permission for its owner: a person made it read-only, and keyless leaves
// it as it is.
type ReadOnlyError struct {
	Path string
	Mode fs.FileMode
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("%s is read-only (mode %#o): keyless does not change a file you made read-only", e.Path, e.Mode.Perm())
}

// Hint says how to let keyless write it.
func (e *ReadOnlyError) Hint() string {
	return "to let keyless write it: chmod u+w " + e.Path + ", and run the command again"
}

// Update edits the config at path safely: it takes the file's lock (in
// keyless/locks beside it, see safefile.LockDir), re-reads the file, applies
// fn, and when the bytes changed writes the new ones atomically, keeping the
// file's mode (0600 for a new file, in a 0700 directory). A symlinked config
// (dotfile managers) is written through to its target. old and new are the
// bytes before and after; equal means no change.
//
// A file without the owner's write permission is not changed: Update
// returns a *ReadOnlyError instead.
//
// The backup (BackupPath) is the person's own file, never a state keyless
// made: it is written when keyless changes a file that holds no keyless
// block yet, and left alone while the file holds one. So it is the file as
// it was before keyless first changed it (or, after every keyless block was
// removed, before keyless changed it again).
func Update(path string, fn func(*File) error) (old, new []byte, err error) {
	if path == "" {
		return nil, nil, errors.New("no AWS config path: set HOME or AWS_CONFIG_FILE")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("create the AWS config directory: %w", err)
	}
	ctx, cancel := context.WithTimeoutCause(context.Background(), lockWait,
		fmt.Errorf("another keyless kept %s locked for %s; try again", path, lockWait))
	defer cancel()
	unlock, _, err := safefile.LockIn(ctx, safefile.LockDir(filepath.Dir(path)), path)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()

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
	pristine := len(f.blocks) == 0 // no keyless block: every byte is the person's
	if err := fn(f); err != nil {
		return nil, nil, err
	}
	new = f.Bytes()
	if bytes.Equal(old, new) {
		return old, new, nil
	}
	if existed && mode&0o200 == 0 {
		return nil, nil, &ReadOnlyError{Path: path, Mode: mode}
	}
	if existed && pristine {
		if err := safefile.Write(BackupPath(path), old, 0o600); err != nil {
			return nil, nil, fmt.Errorf("back up AWS config: %w", err)
		}
	} else if existed {
		repairBackup(BackupPath(path))
	}
	if err := safefile.Write(target, new, mode); err != nil {
		return nil, nil, fmt.Errorf("write AWS config: %w", err)
	}
	return old, new, nil
}

// repairBackup turns a backup that earlier keyless versions overwrote with
// a state of keyless's own (one holding keyless blocks) back into the
// person's file: keyless's blocks come out byte for byte, so removing them
// gives the file as it was before keyless wrote them. A backup keyless
// cannot read or repair is left as it is.
func repairBackup(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	f, err := Parse(path, b)
	if err != nil || len(f.blocks) == 0 {
		return
	}
	var ids []string
	for id := range f.blocks {
		ids = append(ids, id)
	}
	for _, id := range ids {
		if _, err := f.RemoveBlock(id); err != nil {
			return
		}
	}
	_ = safefile.Write(path, f.Bytes(), 0o600)
}

// Diff is a unified diff of the config before and after an Update, "" when
// nothing changed.
func Diff(path string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	return string(diff.Diff(path+" (before)", old, path+" (after)", new))
}
