package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keyless-dev/keyless/internal/testtool"
)

// readmeBlocks returns the ```sh blocks of the README, joined lines and all.
func readmeBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(b), "```sh\n")[1:] {
		body, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, strings.ReplaceAll(body, "\\\n", " "))
	}
	return blocks
}

// TestReadmeCommandsParse: every keyless command line in the README names
// a real command with flags it accepts.
func TestReadmeCommandsParse(t *testing.T) {
	n := 0
	for _, block := range readmeBlocks(t) {
		for _, line := range strings.Split(block, "\n") {
			line, _, _ = strings.Cut(line, " #")
			line = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), "&"))
			var rest string
			switch {
			case strings.HasPrefix(line, "go run ./cmd/keyless "):
				rest = strings.TrimPrefix(line, "go run ./cmd/keyless ")
			case strings.HasPrefix(line, "keyless "):
				rest = strings.TrimPrefix(line, "keyless ")
			default:
				continue
			}
			if i := strings.Index(rest, " -- "); i >= 0 {
				rest = rest[:i+4] + "cmd" // exec's command is not keyless's
			}
			args := strings.Fields(rest) // the README quotes nothing in keyless's own arguments
			n++
			g := &globalOptions{streams: Streams{In: strings.NewReader(""), Out: new(strings.Builder), Err: new(strings.Builder)}}
			root := newRootCommand(g)
			cmd, flags, err := root.Find(args)
			if err != nil || cmd == root {
				t.Errorf("README: %q: no such command (%v)", line, err)
				continue
			}
			if err := cmd.ParseFlags(flags); err != nil {
				t.Errorf("README: %q: %v", line, err)
				continue
			}
			if cmd.Args != nil {
				if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
					t.Errorf("README: %q: %v", line, err)
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("found only %d keyless commands in the README; is the parser broken?", n)
	}
}

// TestReadmeSandboxBlocks runs the README's "try it against the sandbox"
// blocks as written, with the built binary for `go run ./cmd/keyless` and a
// free port for 4599.
func TestReadmeSandboxBlocks(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	testtool.RequireTool(t, "aws")
	testtool.RequireTool(t, "curl")
	bin := buildKeyless(t)
	var ran int
	for _, block := range readmeBlocks(t) {
		if !strings.Contains(block, "go run ./cmd/keyless sandbox") || !strings.Contains(block, "AWS_ENDPOINT_URL=http://127.0.0.1:4599") {
			continue
		}
		ran++
		t.Run(fmt.Sprint(ran), func(t *testing.T) {
			port, err := testtool.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			script := strings.ReplaceAll(block, "go run ./cmd/keyless", bin)
			script = strings.ReplaceAll(script, "4599", fmt.Sprint(port))
			script = regexp.MustCompile(`(?m)^(.* sandbox\b.*)&$`).ReplaceAllString(script, "$1 --addr 127.0.0.1:"+fmt.Sprint(port)+" & trap 'kill $!' EXIT\nfor i in $(seq 100); do curl -sf http://127.0.0.1:"+fmt.Sprint(port)+"/_sandbox/health >/dev/null && break; sleep 0.05; done")
			cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
			cmd.Dir = "../.."
			cmd.Env = append(withoutAWS(os.Environ()), "HOME="+dir, "AWS_CONFIG_FILE="+filepath.Join(dir, ".aws", "config"), "BROWSER=none")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("README block failed: %v\n%s\n--- script:\n%s", err, out, script)
			}
			if strings.Contains(block, "keyless exec") && !strings.Contains(string(out), "assumed-role/AWSReservedSSO_SuperAdmin_") {
				t.Errorf("no assumed-role ARN in:\n%s", out)
			}
		})
	}
	if ran < 2 {
		t.Fatalf("ran %d sandbox blocks from the README, want at least 2", ran)
	}
}
