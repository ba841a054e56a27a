package scan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Finding is one key found in a file or in a commit.
type Finding struct {
	Rule Rule `json:"rule"`
	// File is the path as shown: under the scanned root for files, the
	// repository path for git history.
	File string `json:"file"`
	// Path is the slash-separated path relative to the root or repository,
	// which fingerprints and ignore globs use.
	Path string `json:"path"`
	// Line and Column (1-based, in characters) locate the key id, or the
	// secret when there is no id; EndColumn is one past its last character.
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndColumn int    `json:"end_column"`
	KeyID     string `json:"key_id,omitempty"`
	// Secret is the secret redacted to its first four characters and "…".
	Secret string `json:"secret,omitempty"`
	// SecretLine is the line of the secret of a pair.
	SecretLine int     `json:"secret_line,omitempty"`
	Entropy    float64 `json:"entropy,omitempty"`
	// Commit and AuthorTime are the first commit, in history order, whose
	// tree has the finding (git history only).
	Commit     string    `json:"commit,omitempty"`
	AuthorTime time.Time `json:"author_time,omitzero"`
	// Fingerprint is stable across runs and between file and history scans:
	// IDENT:PATH:LINE, where IDENT is the key id, or for a lone secret
	// "sha256-" and 16 hex digits of its SHA-256. .keylessignore takes it.
	Fingerprint string `json:"fingerprint"`
	// Uses and Workload are set for RuleCIKeys: the variable or input
	// that carries the key, and the keyless.yaml workloads: entry that
	// would replace it.
	Uses     string `json:"uses,omitempty"`
	Workload string `json:"workload,omitempty"`
	// Verification is what --verify learned, nil without it.
	Verification *Verification `json:"verification,omitempty"`

	order int // history order of the blob, for folding history
}

// Ident is what the fingerprint names the key by.
func (f Finding) Ident() string {
	ident, _, _ := strings.Cut(f.Fingerprint, ":")
	return ident
}

// Redact shows the first four characters of a secret.
func Redact(secret []byte) string {
	return string(secret[:min(4, len(secret))]) + "…"
}

// secretIdent names a secret without revealing it: a 40-character random
// secret cannot be recovered from 64 bits of its hash.
func secretIdent(secret []byte) string {
	sum := sha256.Sum256(secret)
	return "sha256-" + hex.EncodeToString(sum[:8])
}

// marker on a line suppresses the findings on it.
var marker = []byte("keyless:ignore")

// source is one file or blob.
type source struct {
	display, path string
	commit        string
	author        time.Time
	order         int // history order of the blob; 0 for files
}

// findingsIn turns the matches in data into findings, dropping those on a
// line with an inline marker; marked counts them.
func findingsIn(data []byte, src source) (found []Finding, marked int) {
	return findingsAt(data, src, textPos{line: 1, col: 1}, 0, len(data))
}

// findingsAt is findingsIn for the matches that start in [lo, hi) of data,
// a part of a file that starts at position at.
func findingsAt(data []byte, src source, at textPos, lo, hi int) (found []Finding, marked int) {
	ms := findKeys(data)
	if len(ms) == 0 {
		return nil, 0
	}
	lines := newLineIndex(data)
	locate := func(off int) (line, col, ls, le int) {
		line, col, ls, le = lines.locate(off)
		if line == 1 {
			col += at.col - 1
		}
		return line + at.line - 1, col, ls, le
	}
	for _, m := range ms {
		start, end := m.Pos()
		if start < lo || start >= hi {
			continue
		}
		line, col, ls, le := locate(start)
		if bytes.Contains(data[ls:le], marker) {
			marked++
			continue
		}
		f := Finding{Rule: m.Rule, File: src.display, Path: src.path, Line: line, Column: col,
			EndColumn: col + utf8.RuneCount(data[start:end]), Entropy: m.Entropy,
			Commit: src.commit, AuthorTime: src.author, order: src.order}
		var ident string
		if m.IDStart >= 0 {
			f.KeyID = string(m.id)
			ident = f.KeyID
		}
		if m.SecretStart >= 0 {
			f.Secret = Redact(m.secret)
			if ident == "" {
				ident = secretIdent(m.secret)
			}
			if m.IDStart >= 0 {
				sl, _, sls, sle := locate(m.SecretStart)
				if bytes.Contains(data[sls:sle], marker) {
					marked++
					continue
				}
				if sl != line {
					f.SecretLine = sl
				}
			}
		}
		f.Fingerprint = fmt.Sprintf("%s:%s:%d", ident, src.path, line)
		found = append(found, f)
	}
	return found, marked
}

// lineIndex maps offsets to lines; built only for data with matches.
type lineIndex struct {
	data []byte
	nl   []int // offsets of '\n'
}

func newLineIndex(data []byte) lineIndex {
	var nl []int
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		nl = append(nl, i+j)
		i += j + 1
	}
	return lineIndex{data: data, nl: nl}
}

// locate returns the 1-based line and character column of off, and the
// bounds of its line.
func (x lineIndex) locate(off int) (line, col, lineStart, lineEnd int) {
	i, _ := slices.BinarySearch(x.nl, off) // newlines before off
	if i > 0 {
		lineStart = x.nl[i-1] + 1
	}
	lineEnd = len(x.data)
	if i < len(x.nl) {
		lineEnd = x.nl[i]
	}
	return i + 1, utf8.RuneCount(x.data[lineStart:off]) + 1, lineStart, lineEnd
}
