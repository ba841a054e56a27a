package scan

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScan: Find never panics, and every match's offsets point at text of
// the shape its rule names; findingsIn locates each on a real line.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"", ini(id1, secret1), "Access key ID,Secret access key\n" + id1 + "," + secret1,
		"SecretAccessKey: " + secret2, id2, "secret" + secret1 + "=", "AKIA", "ASIA" + strings.Repeat("A", 16),
		secret1 + "\n" + id1, "\xff\xfe" + id1 + "\x00é" + secret1, "keyless:ignore " + id1,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ms := Find(data)
		for _, m := range ms {
			if m.IDStart >= 0 {
				if m.IDStart > len(data) || m.IDEnd > len(data) || m.IDEnd-m.IDStart != idLen || !validID(data, m.IDStart) {
					t.Fatalf("match %+v: id range is not a key id in %q", m, data)
				}
			} else if m.Rule != RuleSecretAccessKey {
				t.Fatalf("match %+v has no id", m)
			}
			if m.SecretStart >= 0 {
				if m.SecretEnd > len(data) || m.SecretEnd-m.SecretStart != secretLen {
					t.Fatalf("match %+v: secret range out of %d bytes", m, len(data))
				}
				s := data[m.SecretStart:m.SecretEnd]
				for _, c := range s {
					if !isSecretChar(c) {
						t.Fatalf("match %+v: secret %q has %q", m, s, c)
					}
				}
				if Entropy(s) != m.Entropy || m.Entropy < MinSecretEntropy {
					t.Fatalf("match %+v: entropy of %q is %v", m, s, Entropy(s))
				}
			} else if m.Rule != RuleAccessKeyID {
				t.Fatalf("match %+v has no secret", m)
			}
		}
		found, marked := findingsIn(data, source{path: "f"})
		if len(found)+marked != len(ms) {
			t.Fatalf("%d findings + %d marked, want %d matches", len(found), marked, len(ms))
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, fd := range found {
			if fd.Line < 1 || fd.Line > lines || fd.Column < 1 || fd.EndColumn <= fd.Column {
				t.Fatalf("finding %+v outside %d lines", fd, lines)
			}
			if utf8.RuneCountInString(fd.Secret) > len("abcd…")-2 {
				t.Fatalf("finding shows more than 4 characters of its secret: %q", fd.Secret)
			}
		}
	})
}
