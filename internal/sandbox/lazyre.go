package sandbox

import (
	"regexp"
	"sync"
)

// lazyRE is a regular expression compiled on first use. The sandbox is
// linked into the keyless binary, and compiling its patterns at start-up
// cost every keyless command about 2 ms, credential-process included.
type lazyRE struct {
	once sync.Once
	src  string
	re   *regexp.Regexp
}

func lazyRegexp(src string) *lazyRE { return &lazyRE{src: src} }

func (l *lazyRE) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re
}

func (l *lazyRE) MatchString(s string) bool            { return l.get().MatchString(s) }
func (l *lazyRE) FindStringSubmatch(s string) []string { return l.get().FindStringSubmatch(s) }
