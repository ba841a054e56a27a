package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
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

var symbols = map[ic.Op]string{ic.Create: "+", ic.Update: "~", ic.Delete: "-"}

// colors for a terminal, by op.
var colors = map[ic.Op]string{ic.Create: "\x1b[32m", ic.Update: "\x1b[33m", ic.Delete: "\x1b[31m"}

const reset = "\x1b[0m"

// Summary is the plan's one-line summary.
func (p *Plan) Summary() string {
	if p.Empty() {
		return "No changes: Identity Center matches keyless.yaml."
	}
	c, u, d := p.Counts()
	return fmt.Sprintf("Plan: %d to create, %d to update in place, %d to delete.", c, u, d)
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
	if p.Empty() && len(p.Withheld) == 0 {
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
				lines = append(lines, fmt.Sprintf("      %s: %s → %s", shown(f.Field), quote(f.Old), quote(f.New)))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintln(w, kt.title)
			fmt.Fprintln(w, strings.Join(lines, "\n"))
			fmt.Fprintln(w)
		}
	}
	if len(p.Withheld) > 0 {
		fmt.Fprintf(w, "Not in keyless.yaml any more, kept until you apply with --prune (or prune: true):\n")
		for _, c := range p.Withheld {
			fmt.Fprintf(w, "  %s %s %s\n", symbols[c.Op], strings.ReplaceAll(string(c.Kind), "_", " "), shown(c.Name))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, p.Summary())
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
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// jsonPlan is the --json shape; documented in docs/cli.
type jsonPlan struct {
	Changes  []ic.Change `json:"changes"`
	Withheld []ic.Change `json:"withheld_deletions"`
	Warnings []string    `json:"warnings"`
	Summary  struct {
		Create int `json:"create"`
		Update int `json:"update"`
		Delete int `json:"delete"`
	} `json:"summary"`
	PortalURL string `json:"portal_url"`
}

// WriteJSON writes the plan as JSON.
func (p *Plan) WriteJSON(w io.Writer) error {
	out := jsonPlan{Changes: p.Changes, Withheld: p.Withheld, Warnings: p.Warnings, PortalURL: p.PortalURL}
	if out.Changes == nil {
		out.Changes = []ic.Change{}
	}
	if out.Withheld == nil {
		out.Withheld = []ic.Change{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	out.Summary.Create, out.Summary.Update, out.Summary.Delete = p.Counts()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
