package scan

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzScan: Find never panics, and every match's offsets point at text of
// the shape its rule names; escaped matches carry a key of that shape;
// findingsIn locates each on a real line.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"", ini(id1, secret1), "Access key ID,Secret access key\n" + id1 + "," + secret1,
		"SecretAccessKey: " + secret2, id2, "secret" + secret1 + "=", "AKIA", "ASIA" + strings.Repeat("A", 16),
		secret1 + "\n" + id1, "\xff\xfe" + id1 + "\x00é" + secret1, "keyless:ignore " + id1,
		`"\u0041` + id1[1:] + `", "secret": "` + strings.ReplaceAll(secret1, "/", `\/`) + `"`, `\u0041\u004b\u0049\u0041` + id1[4:],
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
		kms := findKeys(data)
		for _, m := range kms {
			if m.IDStart >= 0 && (m.IDStart > m.IDEnd || m.IDEnd > len(data) || len(m.id) != idLen || !validID(m.id, 0)) {
				t.Fatalf("match %+v: id %q at %d:%d is not a key id in %q", m.Match, m.id, m.IDStart, m.IDEnd, data)
			}
			if m.SecretStart >= 0 && (m.SecretStart > m.SecretEnd || m.SecretEnd > len(data) || len(m.secret) != secretLen) {
				t.Fatalf("match %+v: secret %q at %d:%d in %d bytes", m.Match, m.secret, m.SecretStart, m.SecretEnd, len(data))
			}
		}
		found, marked := findingsIn(data, source{path: "f"})
		if len(found)+marked != len(kms) {
			t.Fatalf("%d findings + %d marked, want %d matches", len(found), marked, len(kms))
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

// FuzzContent: any bytes, read as a file or blob (archives, UTF-16 and
// all), never panic, and what is found is found in chunks as whole.
func FuzzContent(f *testing.F) {
	for _, s := range [][]byte{
		[]byte(ini(id1, secret1)), encodeUTF16LE("\ufeff" + ini(id1, secret1)), gzipOf([]byte(ini(id1, secret1))),
		tarOf(f, "a/b.ini", []byte(ini(id1, secret1))), []byte("PK\x03\x04garbage"), {0x1f, 0x8b, 8, 0, 0},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scan := func(chunk int) *Result {
			c := newCollector(Options{chunk: chunk})
			w := newWorker(context.Background(), c)
			if err := w.top(source{display: "f", path: "f"}, bytes.NewReader(data), bytes.NewReader(data), int64(len(data))); err != nil {
				t.Fatal(err)
			}
			return c.result()
		}
		var whole, chunked *Result
		done := make(chan bool)
		go func() { whole, chunked = scan(1<<20), scan(4096); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("still scanning %q after 5s", data)
		}
		if len(whole.Findings) != len(chunked.Findings) {
			t.Fatalf("%d findings whole, %d in chunks", len(whole.Findings), len(chunked.Findings))
		}
	})
}
