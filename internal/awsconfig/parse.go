package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/redact"
)

// ConfigPath is where the AWS CLI and SDKs read the shared config:
// $AWS_CONFIG_FILE (a leading ~ expanded), else ~/.aws/config. It returns ""
// when neither is known (no home directory), which Load reports.
func ConfigPath() string {
	home, _ := os.UserHomeDir()
	if p := os.Getenv("AWS_CONFIG_FILE"); p != "" {
		if home != "" && (p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`)) {
			return filepath.Join(home, p[1:])
		}
		return p
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".aws", "config")
}

// File is a parsed config file. Its lines are kept verbatim so Bytes gives
// back exactly what was parsed, plus keyless's own edits.
type File struct {
	name     string
	lines    []line
	eol      string // the file's line ending, used for lines keyless adds
	sections []*Section
	blocks   map[string]block
}

type line struct {
	text string // without the line ending
	eol  string // "\n", "\r\n", or "" for a last line without one
}

// Section is one [header] of the file with the keys under it.
type Section struct {
	Kind   string // "profile", "sso-session", "services" or "other", as botocore groups them
	Name   string // profile, session or services name; the raw header for "other"
	Header string // the text between the brackets
	Line   int    // 1-based line of the header

	keys     []key
	index    int      // line index of the header
	defaults *Section // [DEFAULT], whose keys configparser gives every section
}

type key struct {
	name  string // lower-cased, as configparser stores it
	value string
	line  int
}

// Get returns a top-level key's value. Keys are matched lower-cased, as
// botocore's configparser does; a nested block (s3 =) comes back as its
// raw indented text.
func (s *Section) Get(name string) (string, bool) {
	k, ok := s.key(name)
	return k.value, ok
}

// KeyLine is the 1-based line of a key, or the header's line when the key is
// missing, so errors can point at the right place.
func (s *Section) KeyLine(name string) int {
	if k, ok := s.key(name); ok && k.line > 0 {
		return k.line
	}
	return s.Line
}

func (s *Section) key(name string) (key, bool) {
	name = strings.ToLower(name)
	for _, k := range s.keys {
		if k.name == name {
			return k, true
		}
	}
	if s.defaults != nil && s.defaults != s {
		return s.defaults.key(name)
	}
	return key{}, false
}

// Keys are the section's own keys in file order.
func (s *Section) Keys() []KV {
	kvs := make([]KV, len(s.keys))
	for i, k := range s.keys {
		kvs[i] = KV{Key: k.name, Value: k.value}
	}
	return kvs
}

// Load reads and parses path; a missing file is an empty File.
func Load(path string) (*File, error) {
	if path == "" {
		return nil, errors.New("no AWS config path: set HOME or AWS_CONFIG_FILE")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read AWS config: %w", err)
	}
	return Parse(path, data)
}

// Bytes is the file's content: the parsed bytes, changed only by keyless's
// block edits.
func (f *File) Bytes() []byte {
	var b strings.Builder
	for _, l := range f.lines {
		b.WriteString(l.text)
		b.WriteString(l.eol)
	}
	return []byte(b.String())
}

// Parse reads data the way botocore does (Python configparser with its
// defaults) and refuses what botocore refuses, naming name:line.
func Parse(name string, data []byte) (*File, error) {
	if bytes.HasPrefix(data, utf8BOM) {
		return nil, withHint(`remove the BOM with: sed -i '1s/^\xEF\xBB\xBF//' `+quoteExe(name, "linux")+
			` (GNU sed), or save the file as "UTF-8" rather than "UTF-8 with BOM" in your editor`,
			"%s:1: the file starts with a UTF-8 byte-order mark (BOM, the bytes EF BB BF), which the AWS CLI v1 and v2 cannot read either; keyless changed nothing", name)
	}
	f := &File{name: name, lines: splitLines(string(data)), eol: "\n"}
	for _, l := range f.lines {
		if l.eol != "" {
			f.eol = l.eol
			break
		}
	}
	var (
		cur      *Section
		defaults *Section
		opt      *key
		cont     []string // continuation lines of opt
		indent   int
		seen     = map[string]int{} // header -> line
	)
	finish := func() {
		if opt != nil && len(cont) > 0 {
			opt.value = strings.TrimRightFunc(opt.value+"\n"+strings.Join(cont, "\n"), unicode.IsSpace)
		}
		opt, cont = nil, nil
	}
	for i, l := range f.lines {
		n := i + 1
		if !utf8.ValidString(l.text) {
			return nil, fmt.Errorf("%s:%d: not valid UTF-8 text (botocore cannot read it either); fix or remove the line", name, n)
		}
		value := strings.TrimSpace(l.text)
		comment := strings.HasPrefix(value, "#") || strings.HasPrefix(value, ";")
		if value == "" || comment {
			if !comment && opt != nil {
				cont = append(cont, "")
			}
			continue
		}
		ind := indentOf(l.text)
		if opt != nil && ind > indent {
			cont = append(cont, value)
			continue
		}
		indent = ind
		if header, ok := sectionHeader(value); ok {
			finish()
			if header == "DEFAULT" && defaults != nil {
				cur = defaults
				continue
			}
			if first, dup := seen[header]; dup {
				return nil, fmt.Errorf("%s:%d: section [%s] appears again (first at line %d); botocore refuses duplicate sections: merge or remove one", name, n, header, first)
			}
			seen[header] = n
			cur = &Section{Header: header, Line: n, index: i}
			cur.Kind, cur.Name = classify(header)
			if header == "DEFAULT" {
				defaults = cur
			}
			f.sections = append(f.sections, cur)
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: %s comes before any [section]; put it under a [profile NAME] or [default] header", name, n, quoteLine(value))
		}
		d := strings.IndexAny(value, "=:")
		if d < 0 {
			return nil, fmt.Errorf("%s:%d: %s is neither a [section] nor a key = value line; fix or comment it out with #", name, n, quoteLine(value))
		}
		k := strings.ToLower(strings.TrimRightFunc(value[:d], unicode.IsSpace))
		if k == "" {
			return nil, fmt.Errorf("%s:%d: a value without a key; fix or comment it out with #", name, n)
		}
		finish()
		for _, prev := range cur.keys {
			if prev.name == k {
				return nil, fmt.Errorf("%s:%d: key %s appears again in [%s] (first at line %d); botocore refuses duplicate keys: remove one", name, n, k, cur.Header, prev.line)
			}
		}
		cur.keys = append(cur.keys, key{name: k, value: strings.TrimSpace(value[d+1:]), line: n})
		opt = &cur.keys[len(cur.keys)-1]
	}
	finish()
	for _, s := range f.sections {
		s.defaults = defaults
	}
	f.blocks = findBlocks(f.lines)
	return f, nil
}

// utf8BOM is the byte-order mark some Windows editors put at the start of
// a UTF-8 file. configparser keeps it as part of the first line, so botocore
// (AWS CLI v1 and v2) refuses the file; keyless says so plainly.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// quoteLine quotes a line of the file for an error message, keeping secrets
// out: the value of a secret key (aws_session_token, aws_secret_access_key,
// any *token*, *secret* or *password* key) in every form configparser or a
// person might write it (k=v, k = v, k: v, k v), and any long token-shaped
// word, such as a token pasted on a line of its own.
func quoteLine(v string) string {
	if i := strings.IndexAny(v, "=: \t"); i > 0 && secretKey(v[:i]) {
		k := v[:i]
		rest := v[len(k):]
		sep := rest[:len(rest)-len(strings.TrimLeft(rest, "=: \t"))]
		if len(sep) == len(rest) {
			return strconv.Quote(k + sep)
		}
		return strconv.Quote(k + sep + redact.Mask)
	}
	v = tokenShaped.ReplaceAllStringFunc(v, func(w string) string {
		if strings.ContainsAny(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(w, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(w, "0123456789") {
			return redact.Mask
		}
		return w
	})
	return strconv.Quote(redact.String(v))
}

// tokenShaped matches words as long as access tokens, session tokens and
// secret keys are at least.
var tokenShaped = lazyre.New(`[A-Za-z0-9+/=_.~-]{32,}`)

func secretKey(k string) bool {
	k = strings.ToLower(k)
	return redact.IsSecretKey(k) || strings.Contains(k, "secret") || strings.Contains(k, "token") || strings.Contains(k, "password")
}

// splitLines splits after each "\n"; a last line without one keeps eol "".
func splitLines(s string) []line {
	var lines []line
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, line{text: s})
			break
		}
		l := line{text: s[:i], eol: "\n"}
		if strings.HasSuffix(l.text, "\r") {
			l.text, l.eol = l.text[:len(l.text)-1], "\r\n"
		}
		lines = append(lines, l)
		s = s[i+1:]
	}
	return lines
}

// indentOf counts the characters before the first non-space one, as
// configparser does to tell continuation lines apart.
func indentOf(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			break
		}
		n++
	}
	return n
}

// sectionHeader matches configparser's \[(?P<header>.+)\] at the start of the
// stripped line: everything up to the last ']'.
func sectionHeader(value string) (string, bool) {
	if !strings.HasPrefix(value, "[") {
		return "", false
	}
	j := strings.LastIndexByte(value, ']')
	if j < 2 {
		return "", false
	}
	return value[1:j], true
}

// classify groups a header as botocore's build_profile_map does: a prefix
// match, then a shell split into exactly two words.
func classify(header string) (kind, name string) {
	for _, k := range []string{"profile", "sso-session", "services"} {
		if !strings.HasPrefix(header, k) {
			continue
		}
		parts, err := shellSplit(header)
		if err != nil || len(parts) != 2 {
			return "other", header // botocore ignores the section
		}
		return k, parts[1]
	}
	if header == "default" {
		return "profile", "default"
	}
	return "other", header
}

// shellSplit is Python's shlex.split (POSIX mode, no comments).
func shellSplit(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case r == '\\':
			in = true
			if i+1 >= len(rs) {
				return nil, errors.New("no escaped character")
			}
			i++
			cur.WriteRune(rs[i])
		case r == '\'':
			in = true
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j >= len(rs) {
				return nil, errors.New("no closing quotation")
			}
			cur.WriteString(string(rs[i+1 : j]))
			i = j
		case r == '"':
			in = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) && (rs[j+1] == '"' || rs[j+1] == '\\') {
					j++
				}
				cur.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, errors.New("no closing quotation")
			}
			i = j
		default:
			in = true
			cur.WriteRune(r)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// Profile finds a profile the way botocore does: "default" is [default] or
// [profile default], and of two sections naming one profile the later wins.
func (f *File) Profile(name string) (*Section, bool) {
	return f.find("profile", name)
}

// SSOSession finds [sso-session NAME].
func (f *File) SSOSession(name string) (*Section, bool) {
	return f.find("sso-session", name)
}

func (f *File) find(kind, name string) (*Section, bool) {
	var found *Section
	for _, s := range f.sections {
		if s.Kind == kind && s.Name == name {
			found = s
		}
	}
	return found, found != nil
}

// Profiles are the profiles botocore sees, in file order, one per name.
func (f *File) Profiles() []*Section {
	return f.ofKind("profile")
}

func (f *File) ofKind(kind string) []*Section {
	var out []*Section
	for _, s := range f.sections {
		if s.Kind != kind {
			continue
		}
		if last, _ := f.find(kind, s.Name); last == s {
			out = append(out, s)
		}
	}
	return out
}
