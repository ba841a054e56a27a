// Command scanbench measures keyless scan: throughput (MB/s) and recall on a
// generated corpus of source files with planted keys, and on a generated git
// history with keys added then removed; and, when gitleaks is on PATH (or
// given with -gitleaks), gitleaks on the same data.
//
//	go run ./.ci/scanbench -dir /tmp/scanbench -mb 200 -commits 5000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/scan"
)

func main() {
	dir := flag.String("dir", filepath.Join(os.TempDir(), "scanbench"), "work `DIR` (corpus/ and repo/ are made here)")
	mb := flag.Int("mb", 200, "corpus size in MB")
	planted := flag.Int("keys", 1000, "keys planted in the corpus")
	commits := flag.Int("commits", 5000, "commits in the generated history")
	gitleaks := flag.String("gitleaks", "gitleaks", "gitleaks binary (skipped when not found)")
	flag.Parse()
	if err := run(*dir, *mb, *planted, *commits, *gitleaks); err != nil {
		fmt.Fprintln(os.Stderr, "scanbench:", err)
		os.Exit(1)
	}
}

func run(dir string, mb, planted, commits int, gitleaks string) error {
	rng := rand.New(rand.NewPCG(1, 2)) // the same corpus every run
	corpus := filepath.Join(dir, "corpus")
	os.RemoveAll(corpus)
	t := time.Now()
	keys, files, size, err := writeCorpus(rng, corpus, mb<<20, planted)
	if err != nil {
		return err
	}
	fmt.Printf("corpus: %d files, %.0f MB, %d planted keys (generated in %.1fs)\n", files, float64(size)/1e6, len(keys), time.Since(t).Seconds())
	t = time.Now()
	res, err := scan.Files(context.Background(), []string{corpus}, scan.Options{})
	if err != nil {
		return err
	}
	report("keyless scan", time.Since(t), res.Bytes, keys, findingIDs(res.Findings))

	repo := filepath.Join(dir, "repo")
	os.RemoveAll(repo)
	t = time.Now()
	hkeys, err := writeHistory(rng, repo, commits)
	if err != nil {
		return err
	}
	fmt.Printf("history: %d commits, %d keys added then removed (generated in %.1fs)\n", commits, len(hkeys), time.Since(t).Seconds())
	t = time.Now()
	hres, err := scan.Git(context.Background(), repo, scan.Options{})
	if err != nil {
		return err
	}
	report("keyless scan --git", time.Since(t), hres.Bytes, hkeys, findingIDs(hres.Findings))

	bin, err := exec.LookPath(gitleaks)
	if err != nil {
		fmt.Printf("gitleaks: not found (%v); skipped\n", err)
		return nil
	}
	out, _ := exec.Command(bin, "version").Output()
	fmt.Printf("gitleaks %s", out)
	for _, c := range []struct {
		name string
		args []string
		keys map[string]bool
		size int64
	}{
		{"gitleaks dir", []string{"dir", corpus}, keys, size},
		{"gitleaks git", []string{"git", repo}, hkeys, hres.Bytes},
	} {
		rep := filepath.Join(dir, "gitleaks.json")
		t = time.Now()
		cmd := exec.Command(bin, append(c.args, "--no-banner", "--log-level", "error", "--report-format", "json", "--report-path", rep, "--exit-code", "0")...)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		took := time.Since(t)
		found, other, err := gitleaksIDs(rep)
		if err != nil {
			return err
		}
		report(c.name, took, c.size, c.keys, found)
		fmt.Printf("  (%d findings of other gitleaks rules)\n", other)
	}
	return nil
}

// report prints throughput, recall on planted ids and findings that were not planted.
func report(name string, took time.Duration, bytes int64, planted, found map[string]bool) {
	hit, fp := 0, 0
	for id := range found {
		if planted[id] {
			hit++
		} else {
			fp++
		}
	}
	fmt.Printf("%-20s %6.2fs %8.1f MB/s  recall %d/%d (%.1f%%)  unplanted findings %d\n", name, took.Seconds(),
		float64(bytes)/1e6/took.Seconds(), hit, len(planted), 100*float64(hit)/float64(len(planted)), fp)
}

func findingIDs(fs []scan.Finding) map[string]bool {
	out := map[string]bool{}
	for _, f := range fs {
		if f.KeyID != "" {
			out[f.KeyID] = true
		} else {
			out[f.Fingerprint] = true // a lone secret: never planted, so counted as unplanted
		}
	}
	return out
}

func gitleaksIDs(path string) (map[string]bool, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	var rs []struct{ RuleID, Secret string }
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, 0, fmt.Errorf("gitleaks report: %w", err)
	}
	out, other := map[string]bool{}, 0
	for _, r := range rs {
		if r.RuleID == "aws-access-token" {
			out[r.Secret] = true
		} else {
			other++
		}
	}
	return out, other, nil
}

const (
	base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b64    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
	hexd   = "0123456789abcdef"
	lower  = "abcdefghijklmnopqrstuvwxyz"
)

func randStr(rng *rand.Rand, alpha string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alpha[rng.IntN(len(alpha))]
	}
	return string(b)
}

func keyID(rng *rand.Rand) string {
	return []string{"AKIA", "ASIA"}[rng.IntN(2)] + randStr(rng, base32, 16)
}

func secret(rng *rand.Rand) string {
	for {
		s := randStr(rng, b64, 40)
		if strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(s, lower) {
			return s
		}
	}
}

// plant is a key in one of the syntaxes keys leak in.
func plant(rng *rand.Rand, id, sec string) string {
	switch rng.IntN(7) {
	case 0:
		return "[default]\naws_access_key_id = " + id + "\naws_secret_access_key = " + sec + "\n"
	case 1:
		return "export AWS_ACCESS_KEY_ID=" + id + "\nexport AWS_SECRET_ACCESS_KEY=" + sec + "\n"
	case 2:
		return `{"AccessKeyId": "` + id + `", "SecretAccessKey": "` + sec + `"}` + "\n"
	case 3:
		return "aws:\n  access_key_id: " + id + "\n  secret_access_key: " + sec + "\n"
	case 4:
		return "\tcreds := credentials.NewStaticCredentialsProvider(\"" + id + "\", \"" + sec + "\", \"\")\n"
	case 5:
		return "client = boto3.client('s3', aws_access_key_id='" + id + "', aws_secret_access_key='" + sec + "')\n"
	default:
		return "Access key ID,Secret access key\n" + id + "," + sec + "\n"
	}
}

// line is a line of ordinary source, with the false-positive bait real
// code has: hashes, UUIDs, base64, AWS resource ids.
func line(rng *rand.Rand, ext string) string {
	w := func() string { return randStr(rng, lower, 3+rng.IntN(8)) }
	switch rng.IntN(12) {
	case 0:
		return "// " + w() + " " + w() + " " + w() + " " + w() + " " + w() + " the secret of " + w() + "\n"
	case 1:
		return "\tcommit := \"" + randStr(rng, hexd, 40) + "\"\n"
	case 2:
		return "\tid := \"" + randStr(rng, hexd, 8) + "-" + randStr(rng, hexd, 4) + "-4" + randStr(rng, hexd, 3) + "-a" + randStr(rng, hexd, 3) + "-" + randStr(rng, hexd, 12) + "\"\n"
	case 3:
		return "\tblob = \"" + randStr(rng, b64, 76) + "\"\n"
	case 4:
		return "\trole := \"AROA" + randStr(rng, base32, 16) + "\" // AIDA" + randStr(rng, base32, 16) + "\n"
	case 5:
		switch ext {
		case ".py":
			return "def " + w() + "(" + w() + ", " + w() + "):\n"
		case ".yaml":
			return w() + ":\n  " + w() + ": " + w() + "\n"
		case ".js":
			return "const " + w() + " = require('" + w() + "');\n"
		}
		return "func " + w() + "(" + w() + " int) error {\n"
	default:
		return "\t" + w() + " := " + w() + "." + w() + "(" + w() + ", " + w() + ")\n"
	}
}

var exts = []string{".go", ".py", ".js", ".yaml"}

func file(rng *rand.Rand, ext string, size int) string {
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(line(rng, ext))
	}
	return b.String()
}

func writeCorpus(rng *rand.Rand, dir string, size, planted int) (map[string]bool, int, int64, error) {
	const fileSize = 20 << 10
	n := size / fileSize
	plantAt := map[int]bool{}
	for len(plantAt) < min(planted, n) {
		plantAt[rng.IntN(n)] = true
	}
	keys := map[string]bool{}
	var total int64
	for i := range n {
		ext := exts[i%len(exts)]
		sub := filepath.Join(dir, fmt.Sprintf("pkg%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return nil, 0, 0, err
			}
		}
		body := file(rng, ext, fileSize)
		if plantAt[i] {
			id := keyID(rng)
			keys[id] = true
			cut := strings.IndexByte(body[len(body)/2:], '\n') + len(body)/2 + 1
			body = body[:cut] + plant(rng, id, secret(rng)) + body[cut:]
		}
		total += int64(len(body))
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%05d%s", i, ext)), []byte(body), 0o644); err != nil {
			return nil, 0, 0, err
		}
	}
	return keys, n, total, nil
}

// writeHistory makes a repository through git fast-import: commits each
// rewrite one to three of 500 files; every 100th commit plants a key that
// the next commit removes.
func writeHistory(rng *rand.Rand, dir string, commits int) (map[string]bool, error) {
	if out, err := exec.Command("git", "init", "-q", "-b", "main", dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("git init: %v: %s", err, out)
	}
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(in, 1<<20)
	keys := map[string]bool{}
	files := make([]string, 500)
	for i := range files {
		files[i] = file(rng, exts[i%len(exts)], 4<<10)
	}
	var planted = -1
	for c := range commits {
		fmt.Fprintf(w, "commit refs/heads/main\ncommitter t <t@example.com> %d +0000\ndata 2\nc\n", 1700000000+c*60)
		if c == 0 {
			for i, body := range files {
				fmt.Fprintf(w, "M 100644 inline src/f%03d%s\ndata %d\n%s\n", i, exts[i%len(exts)], len(body), body)
			}
			continue
		}
		touched := map[int]bool{}
		if planted >= 0 {
			touched[planted] = true // the key goes
			planted = -1
		}
		for range 1 + rng.IntN(3) {
			touched[rng.IntN(len(files))] = true
		}
		for i := range touched {
			lines := strings.SplitAfter(files[i], "\n")
			lines[rng.IntN(len(lines)-1)] = line(rng, exts[i%len(exts)])
			files[i] = strings.Join(lines, "")
			body := files[i]
			if c%100 == 50 && planted < 0 {
				id := keyID(rng)
				keys[id] = true
				body = plant(rng, id, secret(rng)) + body
				planted = i
			}
			fmt.Fprintf(w, "M 100644 inline src/f%03d%s\ndata %d\n%s\n", i, exts[i%len(exts)], len(body), body)
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("git fast-import: %w", err)
	}
	return keys, nil
}
