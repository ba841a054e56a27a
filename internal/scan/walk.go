package scan

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// DefaultMaxFileSize is the size above which files are skipped unless told otherwise.
const DefaultMaxFileSize = 5 << 20

// Options say what to scan and what to skip.
type Options struct {
	// MaxFileSize skips larger files and blobs; 0 means DefaultMaxFileSize,
	// a negative value no limit.
	MaxFileSize int64
	// IncludeVendored scans vendor/, node_modules/ and third_party/ trees.
	IncludeVendored bool
	// IncludeGenerated scans files marked generated ("Code generated ...
	// DO NOT EDIT", "@generated") and minified JavaScript and CSS.
	IncludeGenerated bool
	// IncludeBinary scans files with a NUL byte in their first 8000 bytes.
	IncludeBinary bool
	// Workers scan files in parallel; 0 means GOMAXPROCS.
	Workers int
	// IgnoreFile replaces ROOT/.keylessignore for every root.
	IgnoreFile string
	// Progress, when set, is called by Git after each blob is read, with
	// how many of the total are done, from one goroutine.
	Progress func(done, total int)
}

func (o Options) maxSize() int64 {
	switch {
	case o.MaxFileSize == 0:
		return DefaultMaxFileSize
	case o.MaxFileSize < 0:
		return 1<<63 - 1
	}
	return o.MaxFileSize
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Result is what a scan found.
type Result struct {
	Findings []Finding
	// Files counts the files (or blobs) scanned and Bytes their size.
	Files int
	Bytes int64
	// Skipped counts files and trees left out by the skip rules, by reason
	// (vendored, generated, minified, binary, too large, ignored path).
	Skipped map[string]int
	// Ignored counts findings suppressed by .keylessignore or keyless:ignore.
	Ignored int
	// Problems are files that could not be read; they do not stop the scan.
	Problems []error
}

// vendoredDirs are skipped unless IncludeVendored; .git always is (--git
// reads history through git itself).
var vendoredDirs = map[string]bool{"vendor": true, "node_modules": true, "third_party": true}

// collector gathers results from workers.
type collector struct {
	mu    sync.Mutex
	res   Result
	files atomic.Int64
	bytes atomic.Int64
	opts  Options
}

func newCollector(o Options) *collector {
	return &collector{opts: o, res: Result{Skipped: map[string]int{}}}
}

func (c *collector) skip(reason string) {
	c.mu.Lock()
	c.res.Skipped[reason]++
	c.mu.Unlock()
}

func (c *collector) problem(err error) {
	c.mu.Lock()
	c.res.Problems = append(c.res.Problems, err)
	c.mu.Unlock()
}

// scan applies the content skip rules to one file or blob and records its findings.
func (c *collector) scan(src source, data []byte, ig *Ignore) {
	if reason := contentSkip(src.path, data, c.opts); reason != "" {
		c.skip(reason)
		return
	}
	c.files.Add(1)
	c.bytes.Add(int64(len(data)))
	found, marked := findingsIn(data, src)
	if len(found) == 0 && marked == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Ignored += marked
	for _, f := range found {
		if ig.Finding(f) {
			c.res.Ignored++
			continue
		}
		c.res.Findings = append(c.res.Findings, f)
	}
}

func (c *collector) result() *Result {
	c.res.Files = int(c.files.Load())
	c.res.Bytes = c.bytes.Load()
	slices.SortFunc(c.res.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &c.res
}

var (
	generatedMarks = [][]byte{[]byte("@generated"), []byte("DO NOT EDIT")}
	codeGenerated  = []byte("Code generated")
)

// contentSkip returns why data is not scanned, or "".
func contentSkip(p string, data []byte, o Options) string {
	head := data[:min(len(data), 8000)]
	if !o.IncludeBinary && bytes.IndexByte(head, 0) >= 0 {
		return "binary"
	}
	if o.IncludeGenerated {
		return ""
	}
	if bytes.Contains(head, generatedMarks[0]) || bytes.Contains(head, generatedMarks[1]) && bytes.Contains(head, codeGenerated) {
		return "generated"
	}
	if minified(p, head) {
		return "minified"
	}
	return ""
}

// minified recognises minified JavaScript and CSS: by name, or by lines
// averaging over 500 characters.
func minified(p string, head []byte) bool {
	ext := filepathExt(p)
	if ext != ".js" && ext != ".mjs" && ext != ".cjs" && ext != ".css" {
		return false
	}
	if strings.HasSuffix(strings.TrimSuffix(p, ext), ".min") {
		return true
	}
	return len(head) > 1000 && len(head)/(bytes.Count(head, []byte("\n"))+1) > 500
}

func filepathExt(p string) string {
	i := strings.LastIndexByte(p, '.')
	if i < 0 || strings.LastIndexByte(p, '/') > i {
		return ""
	}
	return p[i:]
}

// Files scans files and directory trees. Each root's .keylessignore (or
// Options.IgnoreFile) applies to the paths under it.
func Files(ctx context.Context, roots []string, o Options) (*Result, error) {
	c := newCollector(o)
	type job struct {
		src source
		ig  *Ignore
	}
	jobs := make(chan job, 256)
	g, ctx := errgroup.WithContext(ctx)
	for range o.workers() {
		g.Go(func() error {
			var buf []byte
			for j := range jobs {
				var err error
				buf, err = readFile(j.src.display, buf, o.maxSize())
				switch {
				case err == errTooLarge:
					c.skip("too large")
				case err != nil:
					c.problem(err)
				default:
					c.scan(j.src, buf, j.ig)
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(jobs)
		for _, root := range roots {
			if err := walkRoot(ctx, c, root, o, func(src source, ig *Ignore) error {
				select {
				case jobs <- job{src, ig}:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return c.result(), nil
}

// walkRoot sends the files under root that pass the path skip rules.
func walkRoot(ctx context.Context, c *collector, root string, o Options, send func(source, *Ignore) error) error {
	info, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("scan %s: %w", root, err)
	}
	base := root
	if !info.IsDir() {
		base = filepath.Dir(root)
	}
	igName := o.IgnoreFile
	if igName == "" {
		igName = filepath.Join(base, IgnoreFileName)
	}
	ig, err := LoadIgnore(igName)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return send(source{display: root, path: filepath.Base(root)}, ig)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			c.problem(err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p == root {
				return nil
			}
			switch {
			case d.Name() == ".git":
				return fs.SkipDir
			case !o.IncludeVendored && vendoredDirs[d.Name()]:
				c.skip("vendored")
				return fs.SkipDir
			case ig.Path(rel):
				c.skip("ignored path")
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || d.Name() == IgnoreFileName {
			return nil // the ignore file names accepted keys by design
		}
		if ig.Path(rel) {
			c.skip("ignored path")
			return nil
		}
		return send(source{display: p, path: rel}, ig)
	})
}

var errTooLarge = fmt.Errorf("file too large")

// readFile reads name into buf, reusing its storage.
func readFile(name string, buf []byte, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return buf, err
	}
	if info.Size() > limit {
		return buf, errTooLarge
	}
	n := int(info.Size())
	if cap(buf) < n+1 {
		buf = make([]byte, 0, n+512)
	}
	buf = buf[:cap(buf)]
	total := 0
	for {
		m, err := f.Read(buf[total:])
		total += m
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf[:0], fmt.Errorf("read %s: %w", name, err)
		}
		if total == len(buf) {
			if int64(total) > limit {
				return buf[:0], errTooLarge
			}
			buf = append(buf, 0)[:total]
			buf = buf[:cap(buf)]
		}
	}
	return buf[:total], nil
}
