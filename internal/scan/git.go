package scan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// ErrNoGit is returned by Git when there is no git command to run.
var ErrNoGit = errors.New("git is needed to read history, and no git command is on PATH")

// blob is a file version first seen in a commit.
type blob struct {
	id  string
	src source
}

// Git scans every blob reachable from any ref of the repository at dir,
// each once however many commits hold it, and reports each finding once
// per key and path, at the first commit (parents before children) whose
// change brought it. It reads history through the git command:
// `git log --all --raw` lists blobs, `git cat-file --batch` reads them.
// Commit messages (as COMMIT_MSG) and annotated tags' messages (as
// refs/tags/NAME) are scanned too. The working tree's .keylessignore (or
// Options.IgnoreFile) applies.
func Git(ctx context.Context, dir string, o Options) (*Result, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("scan --git: %w", ErrNoGit)
	}
	top, err := gitOutput(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("scan --git %s: not a git repository (%w); hint: pass the repository's directory", dir, err)
	}
	igName := o.IgnoreFile
	if igName == "" {
		igName = filepath.Join(strings.TrimSpace(top), IgnoreFileName)
	}
	ig, err := LoadIgnore(igName)
	if err != nil {
		return nil, err
	}
	c := newCollector(o)
	blobs, err := listBlobs(ctx, dir, c, ig)
	if err != nil {
		return nil, err
	}
	// Ignore-file entries apply after the history is folded, so that a
	// fingerprint names the one finding the user saw.
	if err := catBlobs(ctx, dir, blobs, c, o); err != nil {
		return nil, err
	}
	if err := tagMessages(ctx, dir, c, len(blobs)+1); err != nil {
		return nil, err
	}
	res := c.result()
	res.Findings = firstSeen(res.Findings)
	kept := res.Findings[:0]
	for _, f := range res.Findings {
		if ig.Finding(f) {
			res.Ignored++
			continue
		}
		kept = append(kept, f)
	}
	res.Findings = kept
	return res, nil
}

// firstSeen keeps, for each key and path, the finding of the earliest blob.
func firstSeen(fs []Finding) []Finding {
	type key struct{ ident, path string }
	first := map[key]int{}
	var out []Finding
	for _, f := range fs {
		k := key{f.Ident(), f.Path}
		if i, ok := first[k]; ok {
			if f.order < out[i].order {
				out[i] = f
			}
			continue
		}
		first[k] = len(out)
		out = append(out, f)
	}
	return out
}

// listBlobs runs git log over all refs and returns each added or modified
// blob once, in history order, after the path skip rules.
func listBlobs(ctx context.Context, dir string, c *collector, ig *Ignore) ([]blob, error) {
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "log", "--all", "--reverse", "--topo-order", "-m",
		"--raw", "--no-abbrev", "--no-renames", "-z", "--format=%x00commit %H %at%x00%B")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run git: %w; hint: install git or scan without --git", err)
	}
	seen := map[string]bool{}
	var blobs []blob
	var commit string
	var author time.Time
	w := newWorker(ctx, c)
	r := bufio.NewReaderSize(out, 1<<16)
	var meta string  // the ":mode mode sha sha status" before a path
	message := false // the token after "commit SHA TIME" is its message
	for {
		tok, err := r.ReadString(0)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read git log: %w", err)
		}
		if message {
			message = false
			if !seen[commit] { // a merge is listed once per parent
				seen[commit] = true
				msg := []byte(tok[:len(tok)-1])
				w.top(source{display: "COMMIT_MSG", path: "COMMIT_MSG", commit: commit, author: author, order: len(blobs) + 1},
					bytes.NewReader(msg), bytes.NewReader(msg), int64(len(msg)))
			}
			continue
		}
		tok = strings.TrimLeft(tok[:len(tok)-1], "\n")
		switch {
		case meta != "":
			if b, ok := rawBlob(meta); ok && !seen[b] && filepathBase(tok) != IgnoreFileName {
				seen[b] = true
				if reason := pathSkip(tok, ig); reason != "" {
					c.skip(reason)
				} else {
					blobs = append(blobs, blob{id: b, src: source{display: tok, path: tok, commit: commit, author: author, order: len(blobs) + 1}})
				}
			}
			meta = ""
		case strings.HasPrefix(tok, ":"):
			meta = tok
		case strings.HasPrefix(tok, "commit "):
			f := strings.Fields(tok)
			if len(f) == 3 {
				commit = f[1]
				sec, _ := strconv.ParseInt(f[2], 10, 64)
				author = time.Unix(sec, 0).UTC()
				message = true
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("git log: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return blobs, nil
}

// rawBlob returns the new blob of a raw diff line, if it is a regular
// file that was added or changed.
func rawBlob(meta string) (string, bool) {
	f := strings.Fields(meta) // :old-mode new-mode old-sha new-sha status
	if len(f) != 5 || !strings.HasPrefix(f[1], "100") || f[4] == "D" || strings.Trim(f[3], "0") == "" {
		return "", false
	}
	return f[3], true
}

// pathSkip applies the ignore globs to a repository path.
func pathSkip(p string, ig *Ignore) string {
	if ig.Path(p) {
		return "ignored path"
	}
	return ""
}

// catBlobs reads the blobs through one git cat-file --batch and scans them
// on Options.Workers goroutines.
func catBlobs(ctx context.Context, dir string, blobs []blob, c *collector, o Options) error {
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "cat-file", "--batch")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run git: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer in.Close()
		w := bufio.NewWriter(in)
		for _, b := range blobs {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			w.WriteString(b.id)
			w.WriteByte('\n')
		}
		return w.Flush()
	})
	type job struct {
		src  source
		data []byte
	}
	jobs := make(chan job, 64)
	for range o.workers() {
		g.Go(func() error {
			w := newWorker(gctx, c)
			for j := range jobs {
				if err := w.top(j.src, bytes.NewReader(j.data), bytes.NewReader(j.data), int64(len(j.data))); err != nil {
					return err
				}
			}
			return nil
		})
	}
	big := newWorker(gctx, c) // streams blobs too large to hold
	g.Go(func() error {
		defer close(jobs)
		r := bufio.NewReaderSize(out, 1<<20)
		for i, b := range blobs {
			if o.Progress != nil {
				o.Progress(i, len(blobs))
			}
			header, err := r.ReadString('\n')
			if err != nil {
				return fmt.Errorf("read git cat-file: %w", err)
			}
			f := strings.Fields(header) // sha type size
			if len(f) != 3 || f[1] != "blob" {
				return fmt.Errorf("git cat-file: unexpected %q for blob %s", strings.TrimSpace(header), b.id)
			}
			size, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return fmt.Errorf("git cat-file: bad size in %q", strings.TrimSpace(header))
			}
			if size > o.maxSize() {
				c.skip("too large")
				if _, err := r.Discard(int(size) + 1); err != nil {
					return fmt.Errorf("read git cat-file: %w", err)
				}
				continue
			}
			if size > int64(big.chunk) {
				blob := io.LimitReader(r, size)
				if err := big.top(b.src, blob, nil, size); err != nil {
					return err
				}
				if _, err := io.Copy(io.Discard, blob); err != nil {
					return fmt.Errorf("read git cat-file: %w", err)
				}
				if _, err := r.Discard(1); err != nil {
					return fmt.Errorf("read git cat-file: %w", err)
				}
				continue
			}
			data := make([]byte, size+1)
			if _, err := io.ReadFull(r, data); err != nil {
				return fmt.Errorf("read git cat-file: %w", err)
			}
			select {
			case jobs <- job{b.src, data[:size]}:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		if o.Progress != nil {
			o.Progress(len(blobs), len(blobs))
		}
		return nil
	})
	err = g.Wait()
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("git cat-file: %w: %s", werr, strings.TrimSpace(stderr.String()))
	}
	return err
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && stderr.Len() > 0 {
			return "", errors.New(strings.TrimSpace(stderr.String()))
		}
		return "", err
	}
	return string(out), nil
}

func filepathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// tagMessages scans the messages of annotated tags, each reported at the
// tag's name, the commit it points to and the time it was tagged.
func tagMessages(ctx context.Context, dir string, c *collector, order int) error {
	out, err := gitOutput(ctx, dir, "for-each-ref", "refs/tags", "--format=%(objecttype) %(refname) %(*objectname) %(creatordate:unix)%00%(contents)%00")
	if err != nil {
		return fmt.Errorf("git for-each-ref: %w", err)
	}
	w := newWorker(ctx, c)
	for rec := range strings.SplitSeq(out, "\x00\n") {
		head, msg, ok := strings.Cut(rec, "\x00")
		f := strings.Fields(head) // type ref target time
		if !ok || len(f) != 4 || f[0] != "tag" {
			continue
		}
		sec, _ := strconv.ParseInt(f[3], 10, 64)
		if err := w.top(source{display: f[1], path: f[1], commit: f[2], author: time.Unix(sec, 0).UTC(), order: order}, strings.NewReader(msg), strings.NewReader(msg), int64(len(msg))); err != nil {
			return err
		}
	}
	return nil
}
