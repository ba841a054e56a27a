package awsconfig

import "strings"

// Section finds a section by the text between its brackets: "default",
// "profile work", or a credentials file's "work".
func (f *File) Section(header string) (*Section, bool) {
	for _, s := range f.sections {
		if s.Header == header {
			return s, true
		}
	}
	return nil, false
}

// Sections are every section of the file, in order.
func (f *File) Sections() []*Section { return f.sections }

// RemoveSection deletes a section: its header and its keys (and a blank
// line that would double another). Comments stay, the ones above the header
// and among its keys alike: they are the person's notes, not the section.
// false when the file has no such section.
func (f *File) RemoveSection(header string) (bool, error) {
	i := -1
	for j, s := range f.sections {
		if s.Header == header {
			i = j
		}
	}
	if i < 0 {
		return false, nil
	}
	start, end := f.sections[i].index, len(f.lines)
	if i+1 < len(f.sections) {
		end = f.sections[i+1].index
	}
	lines := append([]line{}, f.lines[:start]...)
	for _, l := range f.lines[start:end] {
		blank := strings.TrimSpace(l.text) == ""
		if isComment(l.text) || blank && len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1].text) != "" {
			lines = append(lines, l)
		}
	}
	return true, f.reparse(append(lines, f.lines[end:]...))
}

func isComment(s string) bool {
	v := strings.TrimSpace(s)
	return strings.HasPrefix(v, "#") || strings.HasPrefix(v, ";")
}
