package shell

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRecentOrder(t *testing.T) {
	r := Recent{Path: filepath.Join(t.TempDir(), "keyless", "recent-profiles")}
	profiles := []string{"prod", "dev", "audit", "sandbox", "dev"}
	// The lock an earlier version left beside the list goes away.
	if err := os.MkdirAll(filepath.Dir(r.Path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.Path+".lock", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"audit", "dev", "prod", "sandbox"}, r.Order(profiles)); d != "" {
		t.Errorf("order without a file (-want +got):\n%s", d)
	}
	for _, p := range []string{"prod", "gone", "sandbox", "prod"} {
		if err := r.Touch(p); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "prod\nsandbox\ngone\n"; string(b) != want {
		t.Errorf("file = %q, want %q", b, want)
	}
	fi, err := os.Stat(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	// "gone" is no longer a profile: it is not offered.
	if d := cmp.Diff([]string{"prod", "sandbox", "audit", "dev"}, r.Order(profiles)); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	// Leftover temporary files would pile up in ~/.aws/keyless, and its
	// lock lives in locks/ with keyless's others.
	ls := func(dir string) []string {
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	if d := cmp.Diff([]string{"locks", "recent-profiles"}, ls(filepath.Dir(r.Path))); d != "" {
		t.Errorf("directory (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"recent-profiles.lock"}, ls(filepath.Join(filepath.Dir(r.Path), "locks"))); d != "" {
		t.Errorf("locks (-want +got):\n%s", d)
	}
}

func TestRecentKeepsAtMost100(t *testing.T) {
	r := Recent{Path: filepath.Join(t.TempDir(), "recent")}
	for i := range 105 {
		if err := r.Touch(fmt.Sprintf("p%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(r.Path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 100 || lines[0] != "p104" || lines[99] != "p005" {
		t.Errorf("kept %d names, first %q last %q; want 100 from p104 to p005", len(lines), lines[0], lines[len(lines)-1])
	}
}

// Concurrent shells touching the list lose no entry: the lock serializes
// read-modify-write.
func TestRecentConcurrentTouch(t *testing.T) {
	r := Recent{Path: filepath.Join(t.TempDir(), "recent")}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := r.Touch(fmt.Sprintf("p%02d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("p%02d", i))
	}
	got := r.Order(want)
	b, _ := os.ReadFile(r.Path)
	if n := strings.Count(string(b), "\n"); n != 20 {
		t.Errorf("file has %d names after 20 concurrent touches, want 20:\n%s", n, b)
	}
	if len(got) != 20 {
		t.Errorf("order = %v", got)
	}
}

func TestRecentTouchRefuses(t *testing.T) {
	r := Recent{Path: filepath.Join(t.TempDir(), "recent")}
	for _, p := range []string{"", "a\nb"} {
		if err := r.Touch(p); err == nil {
			t.Errorf("Touch(%q) succeeded", p)
		}
	}
	// A directory where the file should be: the error names the problem.
	if err := os.Mkdir(r.Path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := r.Touch("dev"); err == nil || !strings.Contains(err.Error(), "recent profiles") {
		t.Errorf("Touch over a directory: %v", err)
	}
}
