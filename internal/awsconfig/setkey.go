package awsconfig

import (
	"fmt"
	"slices"
	"strings"
)

// SetKey sets one key keyless owns (keyless_*) in the section with header
// (the text between the brackets), in place: it replaces the key's line,
// or adds one after the section's last key. An empty value removes the
// key. Every other byte of the file stays as it was.
func (f *File) SetKey(header, key, value string) error {
	if !strings.HasPrefix(key, "keyless_") {
		return fmt.Errorf("keyless sets only its own keyless_* keys, not %s", key)
	}
	if err := checkSection(NewSection{Header: header, Keys: []KV{{Key: key, Value: value}}}); err != nil {
		return err
	}
	s, ok := f.Section(header)
	if !ok {
		return fmt.Errorf("%s: no [%s] section", f.name, header)
	}
	lines := slices.Clone(f.lines)
	text := key + " = " + value
	if k, ok := s.ownKey(key); ok {
		if value == "" {
			lines = slices.Delete(lines, k.line-1, k.line)
		} else {
			lines[k.line-1].text = text
		}
		return f.reparse(lines)
	}
	if value == "" {
		return nil
	}
	at := s.index // after the header, or the last key
	for _, k := range s.keys {
		at = max(at, k.line-1)
	}
	eol := f.eol
	if lines[at].eol == "" {
		lines[at].eol = f.eol
		eol = ""
	}
	return f.reparse(slices.Insert(lines, at+1, line{text: text, eol: eol}))
}

// ownKey is a key of the section itself, not of [DEFAULT].
func (s *Section) ownKey(name string) (key, bool) {
	for _, k := range s.keys {
		if k.name == strings.ToLower(name) {
			return k, true
		}
	}
	return key{}, false
}
