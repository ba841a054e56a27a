package shell

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/safefile"
)

// maxRecent is how many profile names Recent keeps.
const maxRecent = 100

// Recent is the list of profiles picked most recently, one name a line,
// newest first, in the file at Path.
type Recent struct{ Path string }

// Touch moves profile to the front of the list. The file is rewritten
// atomically (mode 0600) under a lock in locks/ beside it
// (~/.aws/keyless/locks/recent-profiles.lock), so concurrent shells do not
// lose each other's entries.
func (r Recent) Touch(profile string) error {
	if profile == "" || strings.ContainsAny(profile, "\r\n") {
		return fmt.Errorf("recent profiles: profile name %q cannot be recorded: it is empty or holds a line break", profile)
	}
	dir := filepath.Dir(r.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("recent profiles: %w", err)
	}
	unlock, _, err := safefile.LockIn(context.Background(), filepath.Join(dir, "locks"), r.Path)
	if err != nil {
		return fmt.Errorf("recent profiles: %w", err)
	}
	defer unlock()

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
	if err := safefile.Write(r.Path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("recent profiles: %w", err)
	}
	return nil
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
