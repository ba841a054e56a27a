package scan

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkFiles scans a tree of 32 MB of files, a few with keys, as
// 'keyless scan' does: source code, and JSON with an escape on every
// fourth line (before/after figures: docs/benchmarks.md).
func BenchmarkFiles(b *testing.B) {
	source := []string{
		"\tresult, err := client.DoSomething(ctx, &Input{Name: aws.String(name), Index: i}) // AROAQ3EGYOJ2BMYTCHM4\n",
		"\tsecret := os.Getenv(\"APP_SECRET\") // commit 0f7bc766052a5a0ee28a393d51d2370f96d8ceb8\n",
		"def handler(event, context):\n    return {\"statusCode\": 200, \"body\": json.dumps(event)}\n",
	}
	b.Run("source", func(b *testing.B) { benchmarkFiles(b, source) })
	b.Run("escaped-json", func(b *testing.B) {
		benchmarkFiles(b, append(source, "  \"description\": \"caf\\u00e9 \\/ path\", \"count\": 12,\n"))
	})
}

func benchmarkFiles(b *testing.B, lines []string) {
	dir := b.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	var total int64
	for i := 0; total < 32<<20; i++ {
		var sb strings.Builder
		for sb.Len() < 4<<10+rng.IntN(24<<10) {
			sb.WriteString(lines[rng.IntN(len(lines))])
		}
		if i%50 == 0 {
			sb.WriteString(ini(id1, secret1))
		}
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%64), fmt.Sprintf("f%05d.txt", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		total += int64(sb.Len())
	}
	b.SetBytes(total)
	for b.Loop() {
		if _, err := Files(context.Background(), []string{dir}, Options{Workers: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
