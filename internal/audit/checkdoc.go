package audit

import (
	"fmt"
	"io"
	"strings"
)

// WriteCheckTable writes the checks as the Markdown table docs/audit.md
// holds, so the documentation is generated from the rules themselves.
func WriteCheckTable(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "| id | severity | what fails | controls | needs |\n|---|---|---|---|---|"); err != nil {
		return err
	}
	for _, c := range checks() {
		needs := strings.Join(c.needs, ", ")
		if c.cannot != "" {
			needs = "(no API: always not evaluated)"
		}
		if _, err := fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", c.id, c.severity, c.title, strings.Join(c.controls, ", "), needs); err != nil {
			return err
		}
	}
	return nil
}
