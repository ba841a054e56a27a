package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestChunksFindWhatAWholeReadFinds: read in small chunks, a file with
// keys everywhere, across every chunk boundary, on long and short lines,
// gives the findings of reading it whole, at the same lines and columns.
func TestChunksFindWhatAWholeReadFinds(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	for i := 0; b.Len() < 200_000; i++ {
		id, secret := fakeKey(fmt.Sprint("chunk", i))
		switch rng.IntN(4) {
		case 0:
			b.WriteString(ini(id, secret))
		case 1:
			b.WriteString("k='" + id + "' é ")
		case 2:
			b.WriteString("aws_secret_access_key: " + secret + "\n")
		default:
			b.WriteString(strings.Repeat("lorem ipsum ", rng.IntN(300)))
			if rng.IntN(3) == 0 {
				b.WriteString("\n")
			}
		}
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"big.txt": b.String()})

	whole, err := Files(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Bytes != int64(b.Len()) || len(whole.Findings) < 100 {
		t.Fatalf("whole read: %d bytes, %d findings; want %d bytes and many findings", whole.Bytes, len(whole.Findings), b.Len())
	}
	// A file larger than its size said (it grew since) is read whole too.
	c := newCollector(Options{chunk: 4096})
	data := []byte(b.String())
	if err := newWorker(context.Background(), c).top(source{display: filepath.Join(dir, "big.txt"), path: "big.txt"}, bytes.NewReader(data), nil, 100); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(whole.Findings, c.result().Findings, cmp.AllowUnexported(Finding{})); diff != "" {
		t.Errorf("a file that grew (-whole +read):\n%s", diff)
	}
	for _, chunk := range []int{4096, 5000, 65536} {
		chunked, err := Files(context.Background(), []string{dir}, Options{chunk: chunk})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole, chunked, cmp.AllowUnexported(Finding{})); diff != "" {
			t.Errorf("chunks of %d (-whole +chunked):\n%s", chunk, diff)
		}
	}
}

// TestLargeFileTakesBoundedMemory: a 256 MiB file is read in chunks, not
// whole, and a key across the boundary of the first chunk is found.
func TestLargeFileTakesBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 256 MiB")
	}
	id, secret := fakeKey("large file")
	p := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	const size = 256 << 20
	if err := f.Truncate(size); err != nil { // sparse: zeros that take no disk
		t.Fatal(err)
	}
	key := []byte("\n" + ini(id, secret))
	if _, err := f.WriteAt(key, defaultChunk-overlap-30); err != nil {
		t.Fatal(err)
	}
	tailID, _ := fakeKey("large file tail")
	if _, err := f.WriteAt([]byte(tailID), size-20); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Files(context.Background(), []string{p}, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 32<<20 {
		t.Errorf("scanning a %d MiB file allocated %d MiB; want it read in chunks", size>>20, got>>20)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s:%d", f.Rule, f.KeyID, f.Line))
	}
	if want := []string{"pair " + id + ":3", "access-key-id " + tailID + ":5"}; !cmp.Equal(want, got) {
		t.Errorf("findings %v, want %v", got, want)
	}
}

// TestArchiveLimits: nested archives are opened to a depth, and what one
// file decompresses to is bounded, against archive bombs.
func TestArchiveLimits(t *testing.T) {
	id, secret := fakeKey("nested")
	inner := []byte(ini(id, secret))
	// A zip in a tar.gz in a zip.
	zipOf := func(name string, body []byte) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create(name)
		w.Write(body)
		zw.Close()
		return b.Bytes()
	}
	nested := zipOf("deep/creds.ini", inner)
	nested = gzipOf(tarOf(t, "pkg/inner.zip", nested))
	nested = zipOf("release.tar.gz", nested)

	// Five zips, one in another: the innermost is past the depth, which
	// is said rather than passed over in silence.
	onion := zipOf("creds.ini", inner)
	for i := range 4 {
		onion = zipOf(fmt.Sprintf("l%d.zip", i), onion)
	}

	// A gzip bomb, against a limit of 8 MiB: 16 MiB of zeros then a key.
	bomb := gzipOf(append(make([]byte, 16<<20), id...))

	dir := t.TempDir()
	// Files that start like archives but are not are scanned as they are.
	writeTree(t, dir, map[string]string{"dist.zip": string(nested), "bomb.gz": string(bomb), "onion.zip": string(onion),
		"fake.zip": "PK\x03\x04 not a zip\n" + ini(id, secret), "fake.gz": "\x1f\x8b\x08 not gzip\n" + ini(id, secret)})
	res, err := Files(context.Background(), []string{dir}, Options{expandLimit: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s:%d", f.Path, f.Line))
	}
	if want := []string{"dist.zip!release.tar.gz!pkg/inner.zip!deep/creds.ini:2", "fake.gz:3", "fake.zip:3"}; !cmp.Equal(want, got) {
		t.Errorf("findings %v, want %v", got, want)
	}
	var problems []string
	for _, p := range res.Problems {
		problems = append(problems, p.Error())
	}
	slices.Sort(problems)
	if len(problems) != 2 || !strings.Contains(problems[0], "bomb.gz: decompresses to more than 8 MiB") ||
		!strings.Contains(problems[1], "onion.zip!l3.zip!l2.zip!l1.zip!l0.zip: an archive inside 4 others") {
		t.Errorf("problems %q, want bomb.gz stopped at the limit and onion.zip's innermost zip named", problems)
	}
}

func gzipOf(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func tarOf(t testing.TB, name string, body []byte) []byte {
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Close()
	return out.Bytes()
}

// TestEscapedKeys: ids and secrets written with JSON and JavaScript
// escapes are found once, at the escaped text, with what it stands for.
func TestEscapedKeys(t *testing.T) {
	escID := `\u0041` + id1[1:] // \u0041KIA…
	allID := id1
	for i := range 4 {
		allID = strings.Replace(allID, string(id1[i]), fmt.Sprintf(`\u%04x`, id1[i]), 1)
	}
	escSecret := strings.ReplaceAll(secret1, "/", `\/`)
	type got struct {
		Rule           Rule
		KeyID, Secret  string
		Col, EndColumn int
	}
	for _, c := range []struct {
		name, text string
		want       []got
	}{
		{"escaped id", `{"id": "` + escID + `"}`, []got{{RuleAccessKeyID, id1, "", 9, 34}}},
		{"escaped prefix", `{"id": "` + allID + `"}`, []got{{RuleAccessKeyID, id1, "", 9, 49}}},
		{"escaped slash in the secret", `{"id": "` + id1 + `", "secret": "` + escSecret + `"}`, []got{{RulePair, id1, Redact([]byte(secret1)), 9, 29}}},
		{"both", `{"id": "` + escID + `", "secret": "` + escSecret + `"}`, []got{{RulePair, id1, Redact([]byte(secret1)), 9, 34}}},
		{"plain beside escapes", `{"name": "caf\u00e9 \/", "id": "` + id1 + `"}`, []got{{RuleAccessKeyID, id1, "", 33, 53}}},
		{"a lone backslash", `\` + id1 + `\u00`, []got{{RuleAccessKeyID, id1, "", 2, 22}}},
		{"an escaped id that is not one", `"\u0041KIAIOSFODNN7EXAMPLE", "\u0041KIA` + id1[4:] + `X"`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			found, _ := findingsIn([]byte(c.text), source{path: "f"})
			var gs []got
			for _, f := range found {
				gs = append(gs, got{f.Rule, f.KeyID, f.Secret, f.Column, f.EndColumn})
			}
			if diff := cmp.Diff(c.want, gs); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.text, diff)
			}
		})
	}
}

// TestUTF16 decodes both byte orders, with and without a byte-order
// mark, across reads of any size, surrogate pairs included.
func TestUTF16(t *testing.T) {
	text := "# 🔑 clé\r\n$env:AWS_ACCESS_KEY_ID = '" + id1 + "'\r\n"
	for _, c := range []struct {
		name string
		data []byte
		kind contentKind
	}{
		{"little endian, bom", encodeUTF16LE("\ufeff" + text), utf16LE},
		{"little endian", encodeUTF16LE(text), utf16LE},
		{"big endian, bom", encodeUTF16BE("\ufeff" + text), utf16BE},
		{"big endian", encodeUTF16BE(text), utf16BE},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sniff(c.data); got != c.kind {
				t.Fatalf("sniff = %v, want %v", got, c.kind)
			}
			for _, step := range []int{1, 3, 4096} {
				var out bytes.Buffer
				u := &utf16Reader{r: &stepReader{c.data, step}, bigEndian: c.kind == utf16BE}
				if _, err := out.ReadFrom(u); err != nil {
					t.Fatal(err)
				}
				if out.String() != text {
					t.Errorf("reads of %d: %q, want %q", step, out.String(), text)
				}
			}
		})
	}
	for _, plainText := range []string{"plain text " + id1, "\x00\x01\x02\x03binary\x00\x00\x00\x00\xff\xfe\x00", "ab"} {
		if got := sniff([]byte(plainText)); got != plain {
			t.Errorf("sniff(%q) = %v, want plain", plainText, got)
		}
	}
}

func encodeUTF16BE(s string) []byte {
	b := encodeUTF16LE(s)
	for i := 0; i+1 < len(b); i += 2 {
		b[i], b[i+1] = b[i+1], b[i]
	}
	return b
}

// stepReader reads at most step bytes at a time.
type stepReader struct {
	b    []byte
	step int
}

func (r *stepReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.step)], r.b)
	r.b = r.b[n:]
	return n, nil
}
