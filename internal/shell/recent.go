package shell

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gofrs/flock"
)

// maxRecent is how many profile names Recent keeps.
const maxRecent = 100

// Recent is the list of profiles picked most recently, one name a line,
// newest first, in the file at Path.
type Recent struct{ Path string }

// Touch moves profile to the front of the list. The file is rewritten
// atomically (mode 0600) under a lock on Path + ".lock", so concurrent
// shells do not lose each other's entries.
func (r Recent) Touch(profile string) error {
	if profile == "" || strings.ContainsAny(profile, "\r\n") {
		return fmt.Errorf("recent profiles: profile name %q cannot be recorded: it is empty or holds a line break", profile)
	}
	dir := filepath.Dir(r.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("recent profiles: %w", err)
	}
	lock := flock.New(r.Path + ".lock")
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("recent profiles: lock %s: %w", lock.Path(), err)
	}
	defer lock.Unlock()

	names, err := r.read()
	if err != nil {
		return err
	}
	names = slices.DeleteFunc(names, func(n string) bool { return n == profile })
	names = append([]string{profile}, names...)
	if len(names) > maxRecent {
		names = names[:maxRecent]
	}
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString(n + "\n")
	}
	return writeAtomic(r.Path, b.Bytes())
}

// Order returns profiles with the recently used ones first, newest first,
// then the rest in alphabetical order. An unreadable or missing list only
// loses the recent order.
func (r Recent) Order(profiles []string) []string {
	recent, _ := r.read()
	rank := map[string]int{}
	for i, n := range recent {
		if _, ok := rank[n]; !ok {
			rank[n] = i
		}
	}
	out := slices.Clone(profiles)
	slices.Sort(out)
	out = slices.Compact(out)
	slices.SortStableFunc(out, func(a, b string) int {
		ra, oka := rank[a]
		rb, okb := rank[b]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	return out
}

func (r Recent) read() ([]string, error) {
	b, err := os.ReadFile(r.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("recent profiles: %w", err)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if n := strings.TrimSpace(sc.Text()); n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}

// writeAtomic replaces path with data through a temporary file in the same
// directory, so readers see the old or the new content, never a part.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("recent profiles: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("recent profiles: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("recent profiles: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("recent profiles: write %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("recent profiles: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("recent profiles: %w", err)
	}
	return nil
}
