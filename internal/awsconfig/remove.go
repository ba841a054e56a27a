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

// RemoveSection deletes a section: the comments right above its header,
// the header, its keys and the lines up to the next section, except the
// comments right above that next header, which belong to it. false when
// the file has no such section.
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
	for start > 0 && isComment(f.lines[start-1].text) {
		start--
	}
	if i+1 < len(f.sections) {
		end = f.sections[i+1].index
		for end > f.sections[i].index+1 && isComment(f.lines[end-1].text) {
			end--
		}
	}
	lines := append(append([]line{}, f.lines[:start]...), f.lines[end:]...)
	if len(lines) > 0 && end == len(f.lines) && start > 0 {
		lines[len(lines)-1].eol = f.lines[len(f.lines)-1].eol
	}
	return true, f.reparse(lines)
}

func isComment(s string) bool {
	v := strings.TrimSpace(s)
	return strings.HasPrefix(v, "#") || strings.HasPrefix(v, ";")
}
