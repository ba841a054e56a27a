// Package lazyre owns regular expressions compiled on first use. Every
// package linked into the keyless binary is initialised at every start,
// credential-process included, whether the command uses it or not: a
// package-level regexp.MustCompile costs each start its compilation, and
// the Unicode classes of some of keyless's patterns cost more than the
// rest of the command. A package-level lazyre.New costs nothing until the
// pattern is first matched; a bad pattern still panics, on that first use,
// which every pattern's tests reach.
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled on first use; its methods are
// regexp.Regexp's. Declare it at package level with New.
type Regexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

// New returns src, to be compiled (with regexp.MustCompile) when first used.
func New(src string) *Regexp { return &Regexp{src: src} }

// Regexp returns the compiled expression.
func (l *Regexp) Regexp() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re
}

func (l *Regexp) String() string                       { return l.src }
func (l *Regexp) MatchString(s string) bool            { return l.Regexp().MatchString(s) }
func (l *Regexp) Match(b []byte) bool                  { return l.Regexp().Match(b) }
func (l *Regexp) FindString(s string) string           { return l.Regexp().FindString(s) }
func (l *Regexp) FindIndex(b []byte) []int             { return l.Regexp().FindIndex(b) }
func (l *Regexp) FindStringIndex(s string) []int       { return l.Regexp().FindStringIndex(s) }
func (l *Regexp) FindStringSubmatch(s string) []string { return l.Regexp().FindStringSubmatch(s) }
func (l *Regexp) FindStringSubmatchIndex(s string) []int {
	return l.Regexp().FindStringSubmatchIndex(s)
}
func (l *Regexp) FindAllString(s string, n int) []string {
	return l.Regexp().FindAllString(s, n)
}
func (l *Regexp) FindAllStringIndex(s string, n int) [][]int {
	return l.Regexp().FindAllStringIndex(s, n)
}
func (l *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.Regexp().FindAllStringSubmatch(s, n)
}
func (l *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return l.Regexp().FindAllStringSubmatchIndex(s, n)
}
func (l *Regexp) ReplaceAllString(src, repl string) string {
	return l.Regexp().ReplaceAllString(src, repl)
}
func (l *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return l.Regexp().ReplaceAllStringFunc(src, repl)
}
func (l *Regexp) SubexpIndex(name string) int { return l.Regexp().SubexpIndex(name) }
