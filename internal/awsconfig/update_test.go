package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestMain lets the concurrency test run this binary as other processes
// that update the same file.
func TestMain(m *testing.M) {
	if path := os.Getenv("AWSCONFIG_TEST_INCREMENT"); path != "" {
		n, _ := strconv.Atoi(os.Getenv("AWSCONFIG_TEST_TIMES"))
		for range n {
			if err := increment(path); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// increment adds one to a counter kept in its own keyless block: a lost
// update shows as a smaller final count.
func increment(path string) error {
	_, _, err := Update(path, func(f *File) error {
		n := 0
		if secs := f.Block("counter"); len(secs) == 1 {
			v, _ := secs[0].Get("n")
			n, _ = strconv.Atoi(v)
		}
		_, err := f.SetBlock("counter", []NewSection{{Header: "counter", Keys: []KV{{"n", strconv.Itoa(n + 1)}}}})
		return err
	})
	return err
}

func TestUpdateConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".aws", "config")
	start := string(corpus(t)["02-comments-and-spacing.ini"])
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(start), 0o644); err != nil {
		t.Fatal(err)
	}
	const goroutines, procs, times = 20, 3, 5
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	readErrs := make(chan error, 1)
	go func() { // readers without the lock must always see a whole file
		defer close(readErrs)
		for {
			select {
			case <-done:
				return
			default:
			}
			data, err := os.ReadFile(path)
			if err == nil {
				_, err = Parse(path, data)
			}
			if err == nil && !strings.HasPrefix(string(data), start) {
				err = fmt.Errorf("the user's part changed:\n%s", data)
			}
			if err != nil {
				readErrs <- err
				return
			}
		}
	}()
	for range procs {
		wg.Go(func() {
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), "AWSCONFIG_TEST_INCREMENT="+path, "AWSCONFIG_TEST_TIMES="+strconv.Itoa(times))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("subprocess: %v\n%s", err, out)
			}
		})
	}
	for range goroutines {
		wg.Go(func() {
			for range times {
				if err := increment(path); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	if err := <-readErrs; err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.Block("counter")[0].Get("n")
	if want := strconv.Itoa((goroutines + procs) * times); got != want {
		t.Errorf("counter = %s, want %s (lost updates)", got, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode after updates = %v, %v; want the original 0644", fi.Mode(), err)
	}
}

func TestUpdateNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", ".aws", "config")
	old, new, err := Update(path, func(f *File) error {
		_, err := Sync(f, syncInput())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 0 || !bytes.Contains(new, []byte("[profile Admin-111111111111]")) {
		t.Fatalf("old %q new %q", old, new)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s mode = %v, %v; want %v", p, fi.Mode(), err, want)
		}
	}
	if _, err := os.Stat(path + ".keyless-backup"); !os.IsNotExist(err) {
		t.Errorf("backup of a file that did not exist: %v", err)
	}
	onDisk, _ := os.ReadFile(path)
	if !bytes.Equal(onDisk, new) {
		t.Errorf("file %q, Update returned %q", onDisk, new)
	}
}

func TestUpdateBackupAndNoChange(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "aws-config")
	path := filepath.Join(dir, "config")
	orig := corpus(t)["04-crlf.ini"]
	os.MkdirAll(filepath.Dir(real), 0o700)
	if err := os.WriteFile(real, orig, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, path); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	old, new, err := Update(path, func(f *File) error { _, err := Sync(f, syncInput()); return err })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, orig) || bytes.Equal(old, new) {
		t.Fatalf("old/new wrong: %q / %q", old, new)
	}
	if target, err := os.Readlink(path); err != nil || target != real {
		t.Errorf("symlink replaced: %q, %v", target, err)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640 kept", fi.Mode())
	}
	backup, err := os.ReadFile(path + ".keyless-backup")
	if err != nil || !bytes.Equal(backup, orig) {
		t.Errorf("backup = %q, %v", backup, err)
	}
	if fi, _ := os.Stat(path + ".keyless-backup"); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v, want 0600", fi.Mode())
	}
	d := Diff(path, old, new)
	if !strings.Contains(d, "+[profile Admin-111111111111]\r") || strings.Contains(d, "-[default]") {
		t.Errorf("diff:\n%s", d)
	}

	os.Remove(path + ".keyless-backup")
	old, new, err = Update(path, func(f *File) error { _, err := Sync(f, syncInput()); return err })
	if err != nil || !bytes.Equal(old, new) || Diff(path, old, new) != "" {
		t.Errorf("second update changed something: %v\n%s", err, Diff(path, old, new))
	}
	if _, err := os.Stat(path + ".keyless-backup"); !os.IsNotExist(err) {
		t.Errorf("backup written without a change: %v", err)
	}
}

func TestUpdateRefusesUnreadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	bad := []byte("[default]\n[default]\n")
	os.WriteFile(path, bad, 0o600)
	called := false
	_, _, err := Update(path, func(*File) error { called = true; return nil })
	if err == nil || called || !strings.Contains(err.Error(), path+":2:") {
		t.Errorf("Update on a broken file: err %v, fn called %v", err, called)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, bad) {
		t.Errorf("broken file rewritten: %q", got)
	}
}

// The backup is the person's file as it was before keyless first changed
// it: the second edit of a first login (profiles after the sso-session)
// must not replace it with keyless's half-written state.
func TestUpdateBackupIsTheOriginal(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".aws", "config")
	orig := corpus(t)["02-comments-and-spacing.ini"]
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	session := func(f *File) error {
		_, err := f.SetBlock("sso-session corp", []NewSection{{Header: "sso-session corp", Keys: []KV{{"sso_start_url", "https://x.awsapps.com/start"}, {"sso_region", "eu-west-1"}}}})
		return err
	}
	profiles := func(f *File) error { _, err := Sync(f, syncInput()); return err }
	for _, fn := range []func(*File) error{session, profiles} {
		if _, _, err := Update(path, fn); err != nil {
			t.Fatal(err)
		}
	}
	if backup, err := os.ReadFile(BackupPath(path)); err != nil || !bytes.Equal(backup, orig) {
		t.Errorf("backup after a first login:\n%s\nwant the original:\n%s", backup, orig)
	}
	// Once every keyless block is gone the file is all the person's
	// again, and the next change backs that up.
	edited := append(bytes.Clone(orig), "\n[profile mine]\nregion = us-west-2\n"...)
	os.WriteFile(path, edited, 0o600)
	if _, _, err := Update(path, session); err != nil {
		t.Fatal(err)
	}
	if backup, _ := os.ReadFile(BackupPath(path)); !bytes.Equal(backup, edited) {
		t.Errorf("backup of a file without keyless blocks = %q, want %q", backup, edited)
	}
}

// Earlier versions left keyless's own half-written config as the backup
// (the original plus the sso-session block). The next change repairs it:
// without keyless's blocks it is the original again, byte for byte.
func TestUpdateRepairsABackupOfKeylesssState(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".aws", "config")
	orig := corpus(t)["05-no-trailing-newline.ini"]
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, orig, 0o600)
	session := func(f *File) error {
		_, err := f.SetBlock("sso-session corp", []NewSection{{Header: "sso-session corp", Keys: []KV{{"sso_start_url", "https://x.awsapps.com/start"}, {"sso_region", "eu-west-1"}}}})
		return err
	}
	_, half, err := Update(path, session)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(BackupPath(path), half, 0o600) // what the old Update left
	if _, _, err := Update(path, func(f *File) error { _, err := Sync(f, syncInput()); return err }); err != nil {
		t.Fatal(err)
	}
	if backup, _ := os.ReadFile(BackupPath(path)); !bytes.Equal(backup, orig) {
		t.Errorf("backup = %q, want the original %q", backup, orig)
	}
}

// A file its owner cannot write (chmod a-w) means "do not touch": Update
// refuses to change it, says so with a hint, and leaves file and mode.
func TestUpdateRefusesReadOnlyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	orig := []byte("[default]\nregion = eu-west-1\n")
	os.WriteFile(path, orig, 0o444)
	os.Chmod(path, 0o444)
	_, _, err := Update(path, func(f *File) error { _, err := Sync(f, syncInput()); return err })
	var ro *ReadOnlyError
	if !errors.As(err, &ro) || !strings.Contains(err.Error(), path+" is read-only (mode 0444)") || !strings.Contains(ro.Hint(), "chmod u+w "+path) {
		t.Fatalf("Update of a 0444 file: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, orig) {
		t.Errorf("read-only file rewritten: %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o444 {
		t.Errorf("mode = %v, want 0444 kept", fi.Mode())
	}
	// An edit that changes nothing is not a write: no error.
	if _, _, err := Update(path, func(*File) error { return nil }); err != nil {
		t.Errorf("no-op update of a read-only file: %v", err)
	}
}

// No lock file is left beside the config (the AWS CLI leaves none): the
// lock lives in keyless's own directory.
func TestUpdateLeavesNoLockBesideTheFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".aws")
	path := filepath.Join(dir, "config")
	if _, _, err := Update(path, func(f *File) error { _, err := Sync(f, syncInput()); return err }); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"config", "keyless"}) {
		t.Errorf("%s holds %v, want only config and keyless/", dir, names)
	}
	if _, err := os.Stat(filepath.Join(dir, "keyless", "locks", "config.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}
