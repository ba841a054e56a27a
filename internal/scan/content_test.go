package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
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

	// A gzip bomb, against a limit of 8 MiB: 16 MiB of zeros then a key.
	bomb := gzipOf(append(make([]byte, 16<<20), id...))

	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"dist.zip": string(nested), "bomb.gz": string(bomb)})
	res, err := Files(context.Background(), []string{dir}, Options{expandLimit: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Path != "dist.zip!release.tar.gz!pkg/inner.zip!deep/creds.ini" || res.Findings[0].Line != 2 {
		t.Errorf("findings %+v, want the key in dist.zip!release.tar.gz!pkg/inner.zip!deep/creds.ini:2", res.Findings)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Error(), "bomb.gz: decompresses to more than 8 MiB") {
		t.Errorf("problems %v, want bomb.gz stopped at the limit", res.Problems)
	}
}

func gzipOf(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func tarOf(t *testing.T, name string, body []byte) []byte {
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Close()
	return out.Bytes()
}
