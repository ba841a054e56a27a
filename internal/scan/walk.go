package scan

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Options say what to scan and what to skip. Everything is scanned by
// default, as a leaked key is leaked wherever it lies; .keylessignore
// excludes paths.
type Options struct {
	// MaxFileSize skips larger files and blobs; 0 or a negative value means
	// no limit. Large files are read in chunks, so memory stays bounded.
	MaxFileSize int64
	// Workers scan files in parallel; 0 means GOMAXPROCS.
	Workers int
	// IgnoreFile replaces ROOT/.keylessignore for every root.
	IgnoreFile string
	// Progress, when set, is called by Git after each blob is read, with
	// how many of the total are done, from one goroutine.
	Progress func(done, total int)

	// chunk and expandLimit replace defaultChunk and defaultExpandLimit in tests.
	chunk       int
	expandLimit int64
}

func (o Options) maxSize() int64 {
	if o.MaxFileSize <= 0 {
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
	// Files counts the files, blobs, archive members and commit messages
	// scanned, and Bytes their size.
	Files int
	Bytes int64
	// Skipped counts what was left out, by reason (too large, ignored
	// path, symlink, not a regular file).
	Skipped map[string]int
	// Ignored counts findings suppressed by .keylessignore or keyless:ignore.
	Ignored int
	// Problems are files that could not be read, and files given on the
	// command line that were skipped; they do not stop the scan.
	Problems []error
}

// collector gathers results from workers.
type collector struct {
	mu    sync.Mutex
	res   Result
	files atomic.Int64
	bytes atomic.Int64
	opts  Options
	// origins names the repository CI findings suggest a workload for.
	origins originRepos
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

// record keeps the findings in data that start in [lo, hi); data starts
// at position at of its file. ig (nil for git history, which applies it
// after folding) drops accepted findings.
func (c *collector) record(src source, data []byte, at textPos, lo, hi int, ig *Ignore) {
	c.bytes.Add(int64(hi - lo))
	found, marked := findingsAt(data, src, at, lo, hi)
	if lo == 0 && at.line == 1 {
		// CI files are small: the first chunk holds them whole.
		found = append(found, c.ciFindings(src, data)...)
	}
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

// Files scans files and directory trees. Each root's .keylessignore (or
// Options.IgnoreFile) applies to the paths under it. A root that is a
// symlink is followed; symlinks met in a tree are not (as gitleaks), so a
// link cannot lead the scan out of the tree or round in a loop.
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
			w := newWorker(ctx, c)
			for j := range jobs {
				w.ig = j.ig
				if err := w.file(j.src); err != nil {
					return err
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
	info, err := os.Stat(root) // follows a symlink given on the command line
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
		if !info.Mode().IsRegular() {
			c.problem(fmt.Errorf("%s: skipped: %s, not a regular file", root, fileKind(info.Mode())))
			return nil
		}
		return send(source{display: root, path: filepath.Base(root)}, ig)
	}
	walk := root
	if l, err := os.Lstat(root); err == nil && l.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a root that is a link; a trailing
		// separator makes the system resolve it, as "link/" does in a shell.
		walk = root + string(filepath.Separator)
	}
	return filepath.WalkDir(walk, func(p string, d fs.DirEntry, err error) error {
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
			if p == walk {
				return nil
			}
			switch {
			case d.Name() == ".git":
				return fs.SkipDir // --git reads history through git itself
			case ig.Path(rel):
				c.skip("ignored path")
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.Name() == IgnoreFileName:
			return nil // the ignore file names accepted keys by design
		case d.Type()&fs.ModeSymlink != 0:
			c.skip("symlink")
			return nil
		case !d.Type().IsRegular():
			c.skip("not a regular file")
			return nil
		case ig.Path(rel):
			c.skip("ignored path")
			return nil
		}
		return send(source{display: p, path: rel}, ig)
	})
}

// fileKind names a file that is not a regular file or a directory.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
