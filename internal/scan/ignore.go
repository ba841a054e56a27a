package scan

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// IgnoreFileName is the ignore file keyless reads at the root of what it scans.
const IgnoreFileName = ".keylessignore"

// Ignore is a parsed .keylessignore. The format, one entry a line:
//
//	# a comment; blank lines are skipped
//	AKIAQ3EGYOJ2BMYTCHM4:config/dev.ini:3   one finding: the fingerprint keyless printed
//	AKIAQ3EGYOJ2BMYTCHM4                    that key id wherever it appears
//	sha256-0123456789abcdef:app.py:7        a lone secret's finding, by fingerprint
//	testdata/**                             a path glob: skip matching files and trees
//	*.pem
//
// Globs use path.Match syntax on slash-separated paths relative to the root
// (the repository for --git), plus "**" for any number of directories. A
// glob without a slash matches a name at any depth (like .gitignore); a
// trailing slash is allowed; a glob matching a directory skips all below it.
type Ignore struct {
	fingerprints map[string]bool
	idents       map[string]bool
	globs        []glob
}

type glob struct {
	pattern string
	// anchored globs (with a slash) match from the root; others match a
	// name at any depth.
	anchored bool
}

var fingerprintLine = lazyre.New(`^(A[A-Z0-9]{19}|sha256-[0-9a-f]{16})(:.+:[0-9]+)?$`)

// ParseIgnore reads an ignore file; name is used in errors.
func ParseIgnore(r io.Reader, name string) (*Ignore, error) {
	ig := &Ignore{fingerprints: map[string]bool{}, idents: map[string]bool{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case fingerprintLine.MatchString(line):
			if strings.Contains(line, ":") {
				ig.fingerprints[line] = true
			} else {
				ig.idents[line] = true
			}
		default:
			trimmed := strings.TrimSuffix(line, "/")
			g := glob{pattern: strings.TrimPrefix(trimmed, "/"), anchored: strings.Contains(trimmed, "/")}
			if _, err := path.Match(strings.ReplaceAll(g.pattern, "**", "*"), ""); err != nil {
				return nil, fmt.Errorf("%s:%d: bad glob %q: %w; hint: see 'keyless scan --help' for the format", name, n, line, err)
			}
			ig.globs = append(ig.globs, g)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return ig, nil
}

// LoadIgnore reads an ignore file; a missing file is an empty one.
func LoadIgnore(name string) (*Ignore, error) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return &Ignore{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ignore file: %w", err)
	}
	defer f.Close()
	return ParseIgnore(f, name)
}

// Finding reports whether f is ignored by fingerprint, key id or path.
func (ig *Ignore) Finding(f Finding) bool {
	if ig == nil {
		return false
	}
	return ig.fingerprints[f.Fingerprint] || ig.idents[f.Ident()] || ig.Path(f.Path)
}

// Path reports whether the slash-separated relative path p (a file or a
// directory) matches a glob.
func (ig *Ignore) Path(p string) bool {
	if ig == nil || len(ig.globs) == 0 {
		return false
	}
	segs := strings.Split(p, "/")
	for _, g := range ig.globs {
		if !g.anchored {
			for _, s := range segs {
				if ok, _ := path.Match(g.pattern, s); ok {
					return true
				}
			}
			continue
		}
		if matchSegments(strings.Split(g.pattern, "/"), segs) {
			return true
		}
	}
	return false
}

// matchSegments matches glob segments against a path's, "**" standing for
// any number of them. A glob that matches a leading part of the path (a
// directory) matches the path.
func matchSegments(glob, segs []string) bool {
	if len(glob) == 0 {
		return true
	}
	if glob[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegments(glob[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, _ := path.Match(glob[0], segs[0])
	return ok && matchSegments(glob[1:], segs[1:])
}
