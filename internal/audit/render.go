package audit

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/usage"
)

// Summary counts a report's findings.
type Summary struct {
	Fail         map[Severity]int
	NotEvaluated int
	Excepted     int // failures keyless.yaml declares allowed
	Passed       int // checks that passed, over all accounts
}

func (r *Report) Summary() Summary {
	s := Summary{Fail: map[Severity]int{}}
	for _, f := range r.Findings {
		switch f.Status {
		case Fail:
			s.Fail[f.Severity]++
		case Excepted:
			s.Excepted++
		default:
			s.NotEvaluated++
		}
	}
	for _, c := range r.Checks {
		s.Passed += c.Pass
	}
	return s
}

func (s Summary) String() string {
	total := 0
	var parts []string
	for sev := Critical; sev >= Info; sev-- {
		if n := s.Fail[sev]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	out := plural.Count(total, "finding", "findings")
	if len(parts) > 0 {
		out += " (" + strings.Join(parts, ", ") + ")"
	}
	if s.Excepted > 0 {
		out += fmt.Sprintf(", %d excepted", s.Excepted)
	}
	return out + fmt.Sprintf(", %d not evaluated, %s passed", s.NotEvaluated, plural.Count(s.Passed, "check", "checks"))
}

var sevColor = map[Severity]string{Critical: "\x1b[1;31m", High: "\x1b[31m", Medium: "\x1b[33m", Low: "\x1b[36m", Info: "\x1b[2m"}

// WriteText writes the report for a person: grouped by account, worst
// first, then a summary line. color adds ANSI colours.
func (r *Report) WriteText(w io.Writer, color bool) error {
	paint := func(sev Severity, s string) string {
		if !color {
			return s
		}
		return sevColor[sev] + s + "\x1b[0m"
	}
	acct := ""
	for _, f := range r.Findings {
		if f.Account != acct {
			if acct != "" {
				fmt.Fprintln(w)
			}
			acct = f.Account
			if acct == LocalAccount {
				fmt.Fprintln(w, "This machine")
			} else {
				fmt.Fprintln(w, "Account "+acct)
			}
		}
		label := strings.ToUpper(f.Severity.String())
		switch f.Status {
		case NotEvaluated:
			label = "NOT EVALUATED"
		case Excepted:
			label = "EXCEPTED"
		}
		fmt.Fprintf(w, "  %-13s %s  %s\n", paint(f.Severity, label), f.ID, f.Resource)
		fmt.Fprintf(w, "      %s\n      evidence: %s\n", f.Title, f.Evidence)
		if f.Permission != "" {
			fmt.Fprintf(w, "      needs: %s\n", f.Permission)
		}
		if f.Exception != nil {
			fmt.Fprintf(w, "      exception: %s\n", f.Exception)
		}
		if len(f.Controls) > 0 {
			fmt.Fprintf(w, "      controls: %s\n", strings.Join(f.Controls, ", "))
		}
		if u := f.Usage; u != nil {
			fmt.Fprintf(w, "      usage: %s\n", u.Summary())
			for _, l := range u.Limits {
				fmt.Fprintf(w, "      limit: %s\n", l)
			}
		}
		fmt.Fprintf(w, "      fix: %s\n", f.Remediation)
	}
	if acct != "" {
		fmt.Fprintln(w)
	}
	n := len(slices.DeleteFunc(slices.Clone(r.Accounts), func(a string) bool { return a == LocalAccount }))
	_, err := fmt.Fprintf(w, "%s audited: %s\n", plural.Count(n, "account", "accounts"), r.Summary())
	return err
}

// WriteJSON writes the report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		*Report
		Summary map[string]int `json:"summary"`
	}{Report: r, Summary: map[string]int{}}
	s := r.Summary()
	for sev, n := range s.Fail {
		out.Summary[sev.String()] = n
	}
	out.Summary["not_evaluated"], out.Summary["passed"], out.Summary["excepted"] = s.NotEvaluated, s.Passed, s.Excepted
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteSARIF writes the report as SARIF 2.1.0, for code-scanning tools.
func (r *Report) WriteSARIF(w io.Writer, version string) error {
	type msg struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID               string         `json:"id"`
		ShortDescription msg            `json:"shortDescription"`
		Help             msg            `json:"help"`
		Properties       map[string]any `json:"properties,omitempty"`
	}
	type logical struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
	type location struct {
		LogicalLocations []logical `json:"logicalLocations"`
	}
	// suppression is SARIF's record of a result declared acceptable.
	type suppression struct {
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		Justification string `json:"justification"`
	}
	type result struct {
		RuleID              string            `json:"ruleId"`
		Kind                string            `json:"kind"`
		Level               string            `json:"level"`
		Message             msg               `json:"message"`
		Locations           []location        `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]any    `json:"properties"`
		Suppressions        []suppression     `json:"suppressions,omitempty"`
	}
	var rules []rule
	var results []result
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if !seen[f.ID] {
			seen[f.ID] = true
			title := strings.TrimSuffix(f.Title, " (not evaluated)")
			props := map[string]any{"security-severity": securityScore[f.Severity]}
			if len(f.Controls) > 0 {
				// A property bag's tags are an array: SARIF has no null.
				props["tags"] = f.Controls
			}
			rules = append(rules, rule{ID: f.ID, ShortDescription: msg{title}, Help: msg{f.Remediation}, Properties: props})
		}
		res := result{RuleID: f.ID, Kind: "fail", Level: sarifLevel[f.Severity],
			Message:             msg{fmt.Sprintf("%s: %s. Fix: %s", f.Title, f.Evidence, f.Remediation)},
			Locations:           []location{{LogicalLocations: []logical{{FullyQualifiedName: f.Resource, Kind: "resource"}}}},
			PartialFingerprints: map[string]string{"keylessFingerprint/v1": f.Fingerprint},
			Properties:          map[string]any{"account": f.Account, "severity": f.Severity.String()},
		}
		if f.Exception != nil {
			res.Properties["exception"] = f.Exception
		}
		if f.Status == Excepted {
			res.Suppressions = []suppression{{Kind: "external", Status: "accepted", Justification: f.Exception.String()}}
		}
		if f.Usage != nil {
			res.Properties["usage"] = f.Usage
		}
		if f.Status == NotEvaluated {
			res.Kind, res.Level = "review", "none"
			if f.Permission != "" {
				res.Properties["permission"] = f.Permission
			}
		}
		results = append(results, res)
	}
	if results == nil {
		results, rules = []result{}, []rule{}
	}
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "keyless", "version": version, "informationUri": "https://github.com/keyless-dev/keyless", "rules": rules,
			}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

var sarifLevel = map[Severity]string{Critical: "error", High: "error", Medium: "warning", Low: "note", Info: "note"}

// securityScore is GitHub code scanning's severity scale (0-10).
var securityScore = map[Severity]string{Critical: "9.5", High: "8.0", Medium: "5.5", Low: "3.0", Info: "0.0"}

// WriteHTML writes one self-contained page (inline CSS, no scripts, no
// external URLs): summary, findings, and the access matrix.
func (r *Report) WriteHTML(w io.Writer, generated string) error {
	type cell struct{ Items []string }
	type row struct {
		Kind, Name string
		Cells      []cell
	}
	var rows []row
	if r.Matrix != nil {
		for _, mr := range r.Matrix.Rows {
			x := row{Kind: mr.Kind, Name: mr.Name}
			for _, a := range r.Matrix.Accounts {
				x.Cells = append(x.Cells, cell{mr.Cells[a.ID]})
			}
			rows = append(rows, x)
		}
	}
	s := r.Summary()
	var counts []struct {
		Sev string
		N   int
	}
	for sev := Critical; sev >= Info; sev-- {
		counts = append(counts, struct {
			Sev string
			N   int
		}{sev.String(), s.Fail[sev]})
	}
	return htmlPage().Execute(w, map[string]any{
		"Report": r, "Summary": s.String(), "Counts": counts, "NotEvaluated": s.NotEvaluated, "Excepted": s.Excepted, "Passed": s.Passed,
		"Rows": rows, "Generated": generated,
	})
}

// htmlPage is parsed on first use: parsing it at start-up cost every
// keyless command, credential-process included.
var htmlPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("audit").Funcs(template.FuncMap{
		"join": strings.Join,
		"day":  func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
		"top":  func(m map[string]int) []usage.Count { return usage.Top(m, 10) },
		// usages are the keys the findings carry evidence of, once each.
		"usages": func(fs []Finding) []*Usage {
			var out []*Usage
			seen := map[*Usage]bool{}
			for _, f := range fs {
				if f.Usage != nil && !seen[f.Usage] {
					seen[f.Usage] = true
					out = append(out, f.Usage)
				}
			}
			return out
		},
		"label": func(f Finding) string {
			switch f.Status {
			case NotEvaluated:
				return "not evaluated"
			case Excepted:
				return "excepted"
			}
			return f.Severity.String()
		},
		"class": func(f Finding) string {
			switch f.Status {
			case NotEvaluated:
				return "ne"
			case Excepted:
				return "exc"
			}
			return f.Severity.String()
		},
	}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>keyless audit</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#1d232a;background:#fff}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .5em}
.meta{color:#5b6470}
.cards{display:flex;gap:.8em;flex-wrap:wrap;margin:1em 0}
.card{border:1px solid #d7dce1;border-radius:6px;padding:.6em 1em;min-width:6em}
.card b{display:block;font-size:1.6em}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d7dce1;padding:.35em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f5f7}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}
.sev{font-weight:600;white-space:nowrap;border-radius:4px;padding:.1em .4em}
.critical{background:#7a0010;color:#fff}.high{background:#c4182b;color:#fff}.medium{background:#f0b400}
.low{background:#cde4f7}.info{background:#eceff2}.ne{background:#e6e0f5}.exc{background:#dcefdc}
.acct,code.id{white-space:nowrap;overflow-wrap:normal;word-break:normal}
.matrix td{font-size:.92em}.matrix td span,.usage td span{display:block}h3{font-size:1em;margin:1.2em 0 .3em}
</style></head><body>
<h1>keyless audit</h1>
<p class="meta">Generated {{.Generated}} &middot; accounts: {{join .Report.Accounts ", "}}</p>
<h2 id="summary">Summary</h2>
<p>{{.Summary}}</p>
<div class="cards">{{range .Counts}}<div class="card"><b>{{.N}}</b>{{.Sev}}</div>{{end}}<div class="card"><b>{{.Excepted}}</b>excepted</div><div class="card"><b>{{.NotEvaluated}}</b>not evaluated</div><div class="card"><b>{{.Passed}}</b>checks passed</div></div>
<h2 id="findings">Findings</h2>
{{if .Report.Findings}}<table class="findings"><thead><tr><th>Severity</th><th>Account</th><th>Check</th><th>Resource</th><th>Evidence</th><th>Controls</th><th>Remediation</th></tr></thead><tbody>
{{range .Report.Findings}}<tr><td><span class="sev {{class .}}">{{label .}}</span></td><td class="acct">{{.Account}}</td><td><code>{{.ID}}</code><br>{{.Title}}</td><td><code>{{.Resource}}</code></td><td>{{.Evidence}}{{if .Permission}}<br>needs <code>{{.Permission}}</code>{{end}}{{if .Exception}}<br>exception: {{.Exception}}{{end}}</td><td>{{join .Controls ", "}}</td><td>{{.Remediation}}</td></tr>
{{end}}</tbody></table>{{else}}<p>No findings.</p>{{end}}
{{with usages .Report.Findings}}<h2 id="usage">Key usage (CloudTrail, 90 days)</h2>
{{range .}}<h3><code>{{.AccessKeyID}}</code> of {{.User}} ({{.Account}}): {{.Status}}{{with .Classification}}, {{.Class}}{{end}}</h3>
{{with .Classification}}<p>{{join .Reasons "; "}}. Replacement: {{.Replacement}}.</p>{{end}}
{{range .Limits}}<p class="meta">{{.}}</p>{{end}}
{{if .Events}}<table class="usage"><thead><tr><th>Calls</th><th>First</th><th>Last</th><th>Actions</th><th>Source addresses</th><th>User agents</th><th>Regions</th></tr></thead><tbody>
<tr><td>{{.Events}}</td><td>{{day .First}}</td><td>{{day .Last}}</td><td>{{range top .Actions}}<span>{{.Value}} ({{.N}})</span>{{end}}</td><td>{{range top .SourceIPs}}<span>{{.Value}} ({{.N}})</span>{{end}}</td><td>{{range top .UserAgents}}<span>{{.Value}} ({{.N}})</span>{{end}}</td><td>{{range top .Regions}}<span>{{.Value}} ({{.N}})</span>{{end}}</td></tr>
</tbody></table>{{end}}
{{end}}{{end}}
<h2 id="access">Access matrix</h2>
{{if .Report.Matrix}}<table class="matrix"><thead><tr><th>Who</th>{{range .Report.Matrix.Accounts}}<th>{{.Name}}<br><code>{{.ID}}</code></th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr><td>{{.Kind}} <b>{{.Name}}</b></td>{{range .Cells}}<td>{{range .Items}}<span>{{.}}</span>{{end}}</td>{{end}}</tr>
{{end}}</tbody></table>{{else}}<p>Identity Center was not read (audit the management account to see who has access where).</p>{{end}}
</body></html>
`))
})
