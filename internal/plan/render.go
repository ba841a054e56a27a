package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/keyless-dev/keyless/internal/elevation"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/workloads"
)

var kindTitles = []struct {
	kind  ic.Kind
	title string
}{
	{ic.KindUser, "Users"},
	{ic.KindGroup, "Groups"},
	{ic.KindMembership, "Group memberships"},
	{ic.KindPermissionSet, "Permission sets"},
	{ic.KindAssignment, "Account assignments"},
}

var symbols = map[ic.Op]string{ic.Create: "+", ic.Update: "~", ic.Delete: "-", ic.Provision: "↻"}

// colors for a terminal, by op.
var colors = map[ic.Op]string{ic.Create: "\x1b[32m", ic.Update: "\x1b[33m", ic.Delete: "\x1b[31m", ic.Provision: "\x1b[36m"}

// driftSymbol marks what the plan leaves alone but a reviewer must see.
const driftSymbol = "!"

// reachSymbol marks a change AWS refuses the caller, which apply leaves.
const reachSymbol = "✗"

// width is where plan lines wrap.
const width = 100

const reset = "\x1b[0m"

// Summary is the plan's one-line summary.
func (p *Plan) Summary() string {
	out := ""
	if n := len(p.OutOfReach); n > 0 {
		out = fmt.Sprintf(" %d out of reach (only the management account may make them).", n)
	}
	if p.Empty() {
		if out != "" {
			return "No changes within reach:" + out
		}
		return "No changes: Identity Center matches keyless.yaml."
	}
	c, u, d := p.Counts()
	if n := p.Provisions(); n > 0 {
		return fmt.Sprintf("Plan: %d to create, %d to update in place, %d to delete, %d to provision again.%s", c, u, d, n, out)
	}
	return fmt.Sprintf("Plan: %d to create, %d to update in place, %d to delete.%s", c, u, d, out)
}

// Render writes the plan for a person: changes grouped by kind, withheld
// deletions, warnings, and the summary line.
func (p *Plan) Render(w io.Writer, color bool) {
	paint := func(op ic.Op, s string) string {
		if !color {
			return s
		}
		return colors[op] + s + reset
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "warning: %s\n", shown(warn))
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintln(w)
	}
	if p.Empty() && len(p.Withheld) == 0 && len(p.Drift) == 0 && len(p.OutOfReach) == 0 {
		fmt.Fprintln(w, p.Summary())
		return
	}
	for _, kt := range kindTitles {
		var lines []string
		for _, c := range p.Changes {
			if c.Kind != kt.kind {
				continue
			}
			lines = append(lines, paint(c.Op, "  "+symbols[c.Op]+" "+shown(c.Name)))
			for _, f := range c.Fields {
				lines = append(lines, fieldLines(c.Op, f)...)
			}
			if c.Reason != "" {
				lines = append(lines, wrap("      provision: ", c.Reason, "          ")...)
			}
		}
		if len(lines) > 0 {
			fmt.Fprintln(w, kt.title)
			fmt.Fprintln(w, strings.Join(lines, "\n"))
			fmt.Fprintln(w)
		}
	}
	if len(p.Workloads) > 0 {
		fmt.Fprintln(w, "Workload identity (IAM)")
		for _, c := range p.Workloads {
			op := map[string]ic.Op{"create": ic.Create, "update": ic.Update, "delete": ic.Delete}[c.Op]
			fmt.Fprintln(w, paint(op, fmt.Sprintf("  %s %s %s in %s", symbols[op], strings.ReplaceAll(c.Kind, "_", " "), shown(c.Name), c.Account)))
			// Details are JSON lines (control characters escaped) and ARNs.
			for _, d := range c.Details {
				fmt.Fprintln(w, "      "+d)
			}
		}
		fmt.Fprintln(w)
	}
	if len(p.Elevation) > 0 {
		fmt.Fprintln(w, "Elevation (home account)")
		for _, c := range p.Elevation {
			op := map[string]ic.Op{"create": ic.Create, "update": ic.Update}[c.Op]
			fmt.Fprintln(w, paint(op, fmt.Sprintf("  %s %s %s in %s", symbols[op], strings.ReplaceAll(c.Kind, "_", " "), shown(c.Name), c.Account)))
			for _, d := range c.Details {
				fmt.Fprintln(w, strings.Join(wrap("      ", shown(d), "        "), "\n"))
			}
		}
		fmt.Fprintln(w)
	}
	if len(p.OutOfReach) > 0 {
		fmt.Fprintf(w, "Out of reach from Identity Center's delegated administrator (apply leaves them):\n")
		for _, c := range p.OutOfReach {
			fmt.Fprintf(w, "  %s %s %s %s\n", reachSymbol, symbols[c.Op], strings.ReplaceAll(string(c.Kind), "_", " "), shown(c.Name))
			fmt.Fprintln(w, strings.Join(wrap("      ", c.OutOfReach, "      "), "\n"))
		}
		fmt.Fprintln(w)
	}
	if len(p.Withheld) > 0 {
		fmt.Fprintf(w, "Not in keyless.yaml any more, kept until you apply with --prune (or prune: true):\n")
		for _, c := range p.Withheld {
			fmt.Fprintf(w, "  %s %s %s\n", symbols[c.Op], strings.ReplaceAll(string(c.Kind), "_", " "), shown(c.Name))
		}
		fmt.Fprintln(w)
	}
	if len(p.Drift) > 0 {
		fmt.Fprintf(w, "Not given by keyless.yaml, left as it is:\n")
		for _, d := range p.Drift {
			fmt.Fprintf(w, "  %s %s %s\n", driftSymbol, strings.ReplaceAll(string(d.Kind), "_", " "), shown(d.Name))
			fmt.Fprintln(w, strings.Join(wrap("      ", d.Reason, "      "), "\n"))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, p.Summary())
}

// fieldLines shows one field: "name: new" for a creation, "name: old → new"
// for an update, over several lines when it is long. Values are wrapped,
// never cut: a reviewer must be able to read all of them.
func fieldLines(op ic.Op, f ic.FieldChange) []string {
	head := "      " + shown(f.Field) + ": "
	if op == ic.Create {
		return wrap(head, quote(f.New), "          ")
	}
	if line := head + quote(f.Old) + " → " + quote(f.New); utf8.RuneCountInString(line) <= width {
		return []string{line}
	}
	lines := []string{strings.TrimRight(head, " ")}
	lines = append(lines, wrap("          ", quote(f.Old), "            ")...)
	return append(lines, wrap("        → ", quote(f.New), "            ")...)
}

// shown is s as a terminal should print it: quoted, with escapes, when it
// holds anything that would not show as itself (a carriage return, a
// zero-width or bidi character, a space at either end), so that no name,
// from keyless.yaml or from AWS, can rewrite or hide a line of the plan.
func shown(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) < 0 &&
		strings.TrimSpace(s) == s {
		return s
	}
	return strconv.Quote(s)
}

func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}

// wrap breaks text into lines of at most width runes, the first starting
// with head and the others with indent. It breaks after a space or a comma
// only: a run with neither (a URL) that is longer than the room left stays
// whole on its line, so it can still be copied.
func wrap(head, text, indent string) []string {
	var lines []string
	prefix := head
	for {
		room := max(width-utf8.RuneCountInString(prefix), 20)
		r := []rune(text)
		if len(r) <= room {
			return append(lines, prefix+text)
		}
		cut := -1
		for i := room; i >= 0 && cut < 0; i-- {
			// A space at the edge is trimmed; a comma stays on the line.
			if r[i] == ' ' || r[i] == ',' && i < room {
				cut = i + 1
			}
		}
		for i := room; i < len(r) && cut < 0; i++ {
			if r[i] == ' ' || r[i] == ',' {
				cut = i + 1
			}
		}
		if cut < 0 || cut >= len(r) {
			return append(lines, prefix+text)
		}
		lines = append(lines, strings.TrimRight(prefix+string(r[:cut]), " "))
		text = strings.TrimLeft(string(r[cut:]), " ")
		if text == "" {
			return lines
		}
		prefix = indent
	}
}

// jsonPlan is the --json shape; documented in docs/cli.
type jsonPlan struct {
	Changes  []ic.Change `json:"changes"`
	Withheld []ic.Change `json:"withheld_deletions"`
	// OutOfReach are changes AWS refuses the caller; apply leaves them.
	OutOfReach []ic.Change `json:"out_of_reach"`
	Warnings   []string    `json:"warnings"`
	Drift      []Drift     `json:"drift"`
	Summary    struct {
		Create     int `json:"create"`
		Update     int `json:"update"`
		Delete     int `json:"delete"`
		Provision  int `json:"provision"`
		OutOfReach int `json:"out_of_reach"`
	} `json:"summary"`
	PortalURL string `json:"portal_url"`
	// Workloads are the IAM changes for workloads:.
	Workloads []workloads.Change `json:"workloads,omitempty"`
	// Elevation are the home account's resources for elevation:.
	Elevation []elevation.Change `json:"elevation,omitempty"`
}

// WriteJSON writes the plan as JSON.
func (p *Plan) WriteJSON(w io.Writer) error {
	out := jsonPlan{Changes: p.Changes, Withheld: p.Withheld, Warnings: p.Warnings, Drift: p.Drift, PortalURL: p.PortalURL, Workloads: p.Workloads, Elevation: p.Elevation}
	if out.Changes == nil {
		out.Changes = []ic.Change{}
	}
	if out.Withheld == nil {
		out.Withheld = []ic.Change{}
	}
	out.OutOfReach = p.OutOfReach
	if out.OutOfReach == nil {
		out.OutOfReach = []ic.Change{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if out.Drift == nil {
		out.Drift = []Drift{}
	}
	out.Summary.Create, out.Summary.Update, out.Summary.Delete = p.Counts()
	out.Summary.Provision = p.Provisions()
	out.Summary.OutOfReach = len(p.OutOfReach)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
