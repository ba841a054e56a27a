package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/safefile"
	"github.com/keyless-dev/keyless/internal/workloads"
)

// importTarget is the --out file: its text and what it says when it
// exists.
type importTarget struct {
	path   string // "-" for stdout
	src    []byte
	exists bool
	perm   os.FileMode
	cfg    *config.Config
	body   ast.Node
}

func readImportTarget(path string) (*importTarget, error) {
	t := &importTarget{path: path, perm: 0o644, cfg: &config.Config{}}
	if path == "-" {
		return t, nil
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	if t.src, err = os.ReadFile(path); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	t.exists, t.perm = true, fi.Mode().Perm()
	if t.body, t.cfg, err = config.ReadForEdit(path, t.src); err != nil {
		return nil, withHint(err, "fix the file, or write the entries to a new one (--out keyless.workloads.yaml) and copy them in by hand")
	}
	return t, nil
}

// names are the workload names the file has.
func (t *importTarget) names() []string {
	var out []string
	for _, w := range t.cfg.Workloads {
		out = append(out, w.Name)
	}
	return out
}

// workloadFor is the file's workload whose role is role.
func (t *importTarget) workloadFor(role string) (string, bool) {
	for _, w := range t.cfg.Workloads {
		if w.RoleNameOf() == role {
			return w.Name, true
		}
	}
	return "", false
}

func (t *importTarget) planPath() string {
	if t.path == "-" {
		return "keyless.yaml"
	}
	return t.path
}

// write adds the imports to the file (or prints them), checking that the
// result reads as the file's workloads followed by the new ones.
func (t *importTarget) write(g *globalOptions, imports []workloads.Import) error {
	items := make([]config.ListItem, len(imports))
	var text strings.Builder
	text.WriteString("workloads:\n")
	for i := range imports {
		items[i] = &imports[i]
		text.WriteString(imports[i].Block(2, 1, false))
	}
	if t.path == "-" {
		_, err := fmt.Fprint(g.streams.Out, text.String())
		return err
	}
	out := []byte(text.String())
	if t.exists {
		var err error
		if out, err = config.AddToLists(t.path, t.src, t.body, []string{"workloads"}, map[string][]config.ListItem{"workloads": items}); err != nil {
			return withHint(err, "write the entries to a new file (--out keyless.workloads.yaml) and copy them in by hand")
		}
	}
	c, err := config.Parse(t.path, out)
	if err == nil {
		want := append(t.names(), importNames(imports)...)
		var got []string
		for _, w := range c.Workloads {
			got = append(got, w.Name)
		}
		if !slices.Equal(got, want) {
			err = fmt.Errorf("workloads read as %v, want %v", got, want)
		}
	}
	if err != nil {
		return fmt.Errorf("adding to %s went wrong (a keyless bug; please report it), so nothing was written: %w", t.path, err)
	}
	if t.exists {
		if err := safefile.Write(t.path+".bak", t.src, t.perm); err != nil {
			return fmt.Errorf("keep %s.bak: %w", t.path, err)
		}
	}
	if err := safefile.Write(t.path, out, t.perm); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	kept := ""
	if t.exists {
		kept = fmt.Sprintf(" (the file before is %s.bak)", t.path)
	}
	fmt.Fprintf(g.streams.Err, "Added %s to %s%s.\n", plural.Count(len(imports), "workload", "workloads"), t.path, kept)
	return nil
}

func importNames(imports []workloads.Import) []string {
	var out []string
	for _, im := range imports {
		out = append(out, im.Name)
	}
	return out
}
