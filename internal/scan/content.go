package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	// defaultChunk is how much of a file is scanned at once: files are
	// read in chunks, so a file of any size takes bounded memory.
	defaultChunk = 4 << 20
	// overlap is what consecutive chunks share, so that a key across a
	// chunk boundary is found whole: more than a pair reaches either side
	// of its id (idWindow + secretLen) and than a keyword reaches forward.
	overlap = 1024
	// maxDepth bounds archives inside archives.
	maxDepth = 4
	// asBytes is the depth given to what only looked like an archive: it
	// is scanned as bytes, with no warning.
	asBytes = maxDepth + 1
	// defaultExpandLimit bounds what one file may decompress to, against
	// archive bombs; maxInMemory bounds an archive member that must be
	// read whole to be opened (a zip inside an archive).
	defaultExpandLimit = 4 << 30
	maxInMemory        = 256 << 20
)

// errExpanded stops a file that decompresses to more than the limit.
type errExpanded struct{ limit int64 }

func (e errExpanded) Error() string {
	return fmt.Sprintf("decompresses to more than %d MiB; the rest is skipped", e.limit>>20)
}

// worker scans one file or blob at a time, with its own buffer.
type worker struct {
	ctx   context.Context
	c     *collector
	ig    *Ignore
	buf   []byte
	chunk int
	// expanded counts the bytes decompressed from the current file.
	expanded, expandLimit int64
}

func newWorker(ctx context.Context, c *collector) *worker {
	chunk := c.opts.chunk
	if chunk == 0 {
		chunk = defaultChunk
	}
	chunk = max(chunk, 4*overlap)
	return &worker{ctx: ctx, c: c, chunk: chunk, expandLimit: cmp.Or(c.opts.expandLimit, defaultExpandLimit)}
}

// file scans a file found by the walk or named on the command line. Only
// regular files are opened: a named pipe would block the scan forever.
func (w *worker) file(src source) error {
	// Non-blocking, in case the file became a named pipe since the walk.
	f, err := os.OpenFile(src.display, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		w.c.problem(err)
		return nil
	}
	defer f.Close()
	info, err := f.Stat()
	switch {
	case err != nil:
		w.c.problem(err)
		return nil
	case !info.Mode().IsRegular():
		w.c.skip("not a regular file")
		return nil
	case info.Size() > w.c.opts.maxSize():
		w.c.skip("too large")
		return nil
	}
	return w.top(src, f, f, info.Size())
}

// top scans one file or blob: r reads it, ra (when not nil) reads it at
// offsets, which a zip archive needs.
func (w *worker) top(src source, r io.Reader, ra io.ReaderAt, size int64) error {
	w.expanded = 0
	err := w.content(src, r, ra, size, 0)
	if err != nil && w.ctx.Err() == nil {
		w.c.problem(fmt.Errorf("%s: %w", src.display, err))
		return nil
	}
	return w.ctx.Err()
}

// content scans what r reads: archives member by member, UTF-16 text
// decoded, anything else as bytes.
func (w *worker) content(src source, r io.Reader, ra io.ReaderAt, size int64, depth int) error {
	n, eof, err := w.head(r, size)
	if err != nil {
		return err
	}
	head := w.buf[:n]
	kind := sniff(head)
	if kind == plain || depth >= maxDepth && kind != utf16LE && kind != utf16BE {
		if kind != plain && depth == maxDepth {
			w.c.problem(fmt.Errorf("%s: an archive inside %d others: not opened (its bytes are scanned as they are); extract it and scan what it holds", src.display, maxDepth))
		}
		w.c.files.Add(1)
		return w.text(src, r, n, eof)
	}
	// The head is in the buffer the members are scanned with: copy it.
	head = bytes.Clone(head)
	rest := io.Reader(bytes.NewReader(head))
	if !eof {
		rest = io.MultiReader(rest, r)
	}
	switch kind {
	case gzipped:
		gz, err := gzip.NewReader(rest)
		if err == nil {
			gz.Multistream(true)
			err = w.content(src, w.limit(gz), nil, -1, depth+1)
		}
		if err != nil && eof && w.ctx.Err() == nil && !errors.As(err, new(errExpanded)) {
			// Not gzip after all: scan its bytes.
			return w.content(src, bytes.NewReader(head), nil, int64(len(head)), asBytes)
		}
		return err
	case tarball:
		return w.tar(src, tar.NewReader(rest), depth)
	case zipped:
		if eof || ra == nil {
			data, err := io.ReadAll(io.LimitReader(rest, maxInMemory+1))
			if err != nil {
				return err
			}
			if len(data) > maxInMemory {
				return fmt.Errorf("zip archive over %d MiB inside another archive; skipped", maxInMemory>>20)
			}
			ra, size = bytes.NewReader(data), int64(len(data))
		}
		zr, err := zip.NewReader(ra, size)
		if err != nil { // not a zip after all: scan its bytes
			return w.content(src, io.NewSectionReader(ra, 0, size), nil, size, asBytes)
		}
		return w.zip(src, zr, depth)
	default: // UTF-16, as PowerShell writes text
		w.c.files.Add(1)
		u := &utf16Reader{r: rest, bigEndian: kind == utf16BE}
		n, eof, err := w.head(u, max(size, 0)/2*3) // UTF-8 takes at most 3 bytes for 2
		if err != nil {
			return err
		}
		return w.text(src, u, n, eof)
	}
}

func (w *worker) zip(src source, zr *zip.Reader, depth int) error {
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if err := w.ctx.Err(); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			w.c.problem(fmt.Errorf("%s!%s: %w", src.display, f.Name, err))
			continue
		}
		err = w.content(src.member(f.Name), w.limit(rc), nil, int64(f.UncompressedSize64), depth+1)
		rc.Close()
		if err != nil {
			if errors.As(err, new(errExpanded)) || w.ctx.Err() != nil {
				return err
			}
			w.c.problem(fmt.Errorf("%s!%s: %w", src.display, f.Name, err))
		}
	}
	return nil
}

func (w *worker) tar(src source, tr *tar.Reader, depth int) error {
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if err := w.content(src.member(h.Name), tr, nil, h.Size, depth+1); err != nil {
			return err
		}
	}
}

// limit counts what r decompresses against the file's budget.
func (w *worker) limit(r io.Reader) io.Reader {
	return &budgetReader{r: r, n: &w.expanded, limit: w.expandLimit}
}

type budgetReader struct {
	r     io.Reader
	n     *int64
	limit int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.n >= b.limit {
		return 0, errExpanded{b.limit}
	}
	n, err := b.r.Read(p)
	*b.n += int64(n)
	return n, err
}

// text scans a stream of bytes in chunks: the first n bytes are in
// w.buf, and eof says whether that is all. Consecutive chunks overlap;
// each reports the keys that start in its own part.
func (w *worker) text(src source, r io.Reader, n int, eof bool) error {
	buf := w.buf
	at := textPos{line: 1, col: 1}
	lo := 0
	for {
		hi := n
		if !eof {
			hi = n - overlap
		}
		w.c.record(src, buf[:n], at, lo, hi, w.ig)
		if eof {
			return nil
		}
		if err := w.ctx.Err(); err != nil {
			return err
		}
		keep := hi - overlap
		at = at.after(buf[:keep])
		m := copy(buf, buf[keep:n])
		k, end, err := readFull(r, buf[m:w.chunk])
		if err != nil {
			return err
		}
		n, eof, lo = m+k, end, overlap
	}
}

// head reads the first chunk of r into w.buf. A file's size (-1 when not
// known) keeps the buffer as small as the file; a file that turns out
// larger is read on as a large one.
func (w *worker) head(r io.Reader, size int64) (n int, eof bool, err error) {
	want := w.chunk
	if size >= 0 && size < int64(want) {
		want = int(size) + 1 // one more byte than the file: its end is seen
	}
	w.grow(want)
	n, eof, err = readFull(r, w.buf[:want])
	if err != nil || eof || want == w.chunk {
		return n, eof, err
	}
	w.grow(w.chunk)
	m, eof, err := readFull(r, w.buf[n:w.chunk])
	return n + m, eof, err
}

// grow makes w.buf at least n bytes long, keeping what it holds.
func (w *worker) grow(n int) {
	if len(w.buf) < n {
		b := make([]byte, min(max(n, 2*len(w.buf)), w.chunk))
		copy(b, w.buf)
		w.buf = b
	}
}

// readFull fills buf unless r ends first, which eof reports.
func readFull(r io.Reader, buf []byte) (n int, eof bool, err error) {
	n, err = io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return n, true, nil
	}
	return n, false, err
}

// textPos is a position in a file: 1-based line and character column.
type textPos struct{ line, col int }

// after returns the position just past b, which starts at p.
func (p textPos) after(b []byte) textPos {
	if nl := bytes.Count(b, []byte{'\n'}); nl > 0 {
		return textPos{line: p.line + nl, col: utf8.RuneCount(b[bytes.LastIndexByte(b, '\n')+1:]) + 1}
	}
	return textPos{line: p.line, col: p.col + utf8.RuneCount(b)}
}

// member is the source of a file inside an archive: archive.zip!inner/file.
func (s source) member(name string) source {
	s.display += "!" + name
	s.path += "!" + name
	return s
}

type contentKind int

const (
	plain contentKind = iota
	gzipped
	zipped
	tarball
	utf16LE
	utf16BE
)

// sniff tells archives and UTF-16 text from their first bytes.
func sniff(head []byte) contentKind {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b, 8}):
		return gzipped
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return zipped
	case len(head) >= 263 && string(head[257:262]) == "ustar":
		return tarball
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return utf16LE
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return utf16BE
	}
	return utf16ByNULs(head)
}

// utf16ByNULs recognises UTF-16 without a byte-order mark by its pattern
// of NULs: mostly ASCII text has a NUL in every other byte.
func utf16ByNULs(head []byte) contentKind {
	head = head[:min(len(head), 4096)&^1]
	pairs := len(head) / 2
	if pairs < 4 || bytes.IndexByte(head, 0) < 0 {
		return plain
	}
	var even, odd int
	for i := 0; i < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	switch {
	case odd*10 >= pairs*7 && even*20 < pairs:
		return utf16LE
	case even*10 >= pairs*7 && odd*20 < pairs:
		return utf16BE
	}
	return plain
}

// utf16Reader decodes UTF-16 to UTF-8, dropping a byte-order mark.
type utf16Reader struct {
	r         io.Reader
	bigEndian bool
	raw       []byte // undecoded: an odd byte or a high surrogate at most
	units     []uint16
	dec       []byte // storage for out
	out       []byte // decoded, not yet read
	started   bool
	err       error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func (u *utf16Reader) fill() {
	if cap(u.raw) < 32<<10 {
		u.raw = append(make([]byte, 0, 32<<10), u.raw...)
	}
	n, err := u.r.Read(u.raw[len(u.raw):cap(u.raw)])
	u.raw = u.raw[:len(u.raw)+n]
	k := len(u.raw) / 2 // whole units; an odd byte waits for its pair
	u.units = u.units[:0]
	for i := range k {
		b0, b1 := u.raw[2*i], u.raw[2*i+1]
		if u.bigEndian {
			b0, b1 = b1, b0
		}
		u.units = append(u.units, uint16(b1)<<8|uint16(b0))
	}
	if err == nil && k > 0 && u.units[k-1] >= 0xd800 && u.units[k-1] < 0xdc00 {
		k-- // a high surrogate waits for its pair
	}
	units := u.units[:k]
	if !u.started && k > 0 {
		u.started = true
		if units[0] == 0xfeff {
			units = units[1:]
		}
	}
	u.out = u.dec[:0]
	for _, r := range utf16.Decode(units) {
		u.out = utf8.AppendRune(u.out, r)
	}
	u.dec = u.out
	u.raw = u.raw[:copy(u.raw, u.raw[2*k:])]
	u.err = err // at the end, an odd last byte is dropped
}
