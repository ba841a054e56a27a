package awsconfig

import (
	"fmt"
	"strings"
)

// A block is the run of lines keyless owns, between
//
//	# BEGIN keyless ID (managed by keyless; changes here are overwritten)
//	# END keyless ID
//
// Appending one adds a newline to a last line that lacks one and a blank
// line before the BEGIN marker; removing it takes both away again, so the
// file comes back byte for byte.
const (
	beginPrefix = "# BEGIN keyless "
	endPrefix   = "# END keyless "
	beginSuffix = " (managed by keyless; changes here are overwritten)"
)

type block struct {
	begin, end int    // line indexes of the markers; end < 0 when END is missing
	err        string // why keyless cannot edit the block
}

// NewSection is a section keyless writes: Header as between the brackets
// ("profile dev", "sso-session corp", "default").
type NewSection struct {
	Header string
	Keys   []KV
}

// KV is one key = value line.
type KV struct{ Key, Value string }

func findBlocks(lines []line) map[string]block {
	blocks := map[string]block{}
	open := ""
	for i, l := range lines {
		t := strings.TrimSpace(l.text)
		switch {
		case strings.HasPrefix(t, beginPrefix):
			id := strings.TrimSuffix(strings.TrimPrefix(t, beginPrefix), beginSuffix)
			if b, dup := blocks[id]; dup {
				if b.err == "" {
					b.err = fmt.Sprintf("line %d starts keyless block %q a second time", i+1, id)
				}
				blocks[id] = b
				continue
			}
			if open != "" {
				b := blocks[open]
				b.err = fmt.Sprintf("keyless block %q starting at line %d has no END line before line %d", open, b.begin+1, i+1)
				blocks[open] = b
			}
			blocks[id] = block{begin: i, end: -1}
			open = id
		case strings.HasPrefix(t, endPrefix):
			id := strings.TrimPrefix(t, endPrefix)
			b, ok := blocks[id]
			if ok && id == open {
				b.end = i
				blocks[id] = b
				open = ""
			} else if ok && b.err == "" {
				b.err = fmt.Sprintf("line %d ends keyless block %q that is not open", i+1, id)
				blocks[id] = b
			}
		}
	}
	if open != "" {
		b := blocks[open]
		if b.err == "" {
			b.err = fmt.Sprintf("keyless block %q starting at line %d has no END line", open, b.begin+1)
		}
		blocks[open] = b
	}
	return blocks
}

// Block returns the sections inside block id, nil if there is no such block.
func (f *File) Block(id string) []*Section {
	b, ok := f.blocks[id]
	if !ok || b.err != "" {
		return nil
	}
	var out []*Section
	for _, s := range f.sections {
		if s.index > b.begin && s.index < b.end {
			out = append(out, s)
		}
	}
	return out
}

func (f *File) usableBlock(id string) (block, bool, error) {
	if id == "" || strings.ContainsAny(id, "\r\n") || strings.Contains(id, beginSuffix) {
		return block{}, false, fmt.Errorf("keyless block id %q must be one non-empty line", id)
	}
	b, ok := f.blocks[id]
	if ok && b.err != "" {
		return b, ok, fmt.Errorf("%s: %s; keyless cannot tell which lines it owns: restore the marker lines or delete the whole block", f.name, b.err)
	}
	return b, ok, nil
}

// identity is what botocore keys a section by: two headers with one
// identity would make configparser fail or one profile hide the other.
func identity(header string) string {
	kind, name := classify(strings.TrimSpace(header))
	return kind + "\x00" + name
}

// SetBlock replaces block id with secs, in place, or appends it at the end
// of the file. A section whose profile (or session) exists outside the block
// is not written, since botocore refuses duplicate sections, and its header
// is returned in skipped; so is a repeated header within secs. With nothing
// left to write the block is removed.
func (f *File) SetBlock(id string, secs []NewSection) (skipped []string, err error) {
	b, exists, err := f.usableBlock(id)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, s := range f.sections {
		if !exists || s.index < b.begin || s.index > b.end {
			taken[identity(s.Header)] = true
		}
	}
	var body []line
	for _, s := range secs {
		if err := checkSection(s); err != nil {
			return nil, err
		}
		if id := identity(s.Header); taken[id] {
			skipped = append(skipped, s.Header)
			continue
		} else {
			taken[id] = true
		}
		if len(body) > 0 {
			body = append(body, line{eol: f.eol})
		}
		body = append(body, line{text: "[" + s.Header + "]", eol: f.eol})
		for _, kv := range s.Keys {
			body = append(body, line{text: kv.Key + " = " + kv.Value, eol: f.eol})
		}
	}
	if len(body) == 0 {
		_, err := f.RemoveBlock(id)
		return skipped, err
	}
	lines := make([]line, 0, len(f.lines)+len(body)+3)
	endEOL := f.eol
	if exists {
		lines = append(lines, f.lines[:b.begin]...)
		endEOL = f.lines[b.end].eol
	} else {
		lines = append(lines, f.lines...)
		if n := len(lines); n > 0 {
			if lines[n-1].eol == "" {
				lines[n-1].eol, endEOL = f.eol, ""
			}
			lines = append(lines, line{eol: f.eol})
		}
	}
	lines = append(lines, line{text: beginPrefix + id + beginSuffix, eol: f.eol})
	lines = append(lines, body...)
	lines = append(lines, line{text: endPrefix + id, eol: endEOL})
	if exists {
		lines = append(lines, f.lines[b.end+1:]...)
	}
	return skipped, f.reparse(lines)
}

func checkSection(s NewSection) error {
	h := strings.TrimSpace(s.Header)
	if h == "" || h != s.Header || strings.ContainsAny(h, "\r\n") || h == "DEFAULT" {
		return fmt.Errorf("keyless cannot write section header %q", s.Header)
	}
	for _, kv := range s.Keys {
		k := strings.TrimSpace(kv.Key)
		if k == "" || k != kv.Key || strings.ContainsAny(k, "=:[\r\n") || strings.HasPrefix(k, "#") || strings.HasPrefix(k, ";") {
			return fmt.Errorf("keyless cannot write key %q in [%s]", kv.Key, s.Header)
		}
		if strings.ContainsAny(kv.Value, "\r\n") {
			return fmt.Errorf("keyless cannot write a value with a line break for %s in [%s]", kv.Key, s.Header)
		}
	}
	return nil
}

// RemoveBlock deletes block id with the blank line before it; false when the
// file has no such block.
func (f *File) RemoveBlock(id string) (bool, error) {
	b, exists, err := f.usableBlock(id)
	if err != nil || !exists {
		return false, err
	}
	start := b.begin
	if start > 0 && f.lines[start-1].text == "" {
		start--
	}
	lines := append(append([]line{}, f.lines[:start]...), f.lines[b.end+1:]...)
	if f.lines[b.end].eol == "" && start > 0 && b.end+1 == len(f.lines) {
		lines[len(lines)-1].eol = ""
	}
	return true, f.reparse(lines)
}

// reparse rebuilds the File from edited lines, which also proves that the
// edit left a file botocore reads.
func (f *File) reparse(lines []line) error {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteString(l.eol)
	}
	nf, err := Parse(f.name, []byte(b.String()))
	if err != nil {
		return fmt.Errorf("keyless's edit would break the file: %w", err)
	}
	*f = *nf
	return nil
}
