package scan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// WriteText prints one finding a line:
//
//	FILE:LINE:COLUMN: RULE [KEY-ID] [secret REDACTED [line N]] [uses VARIABLE] [commit SHA DATE] fingerprint FP [; verification]
//
// A ci-long-lived-keys finding is followed by indented lines with the
// workloads: entry that would replace the key.
func WriteText(w io.Writer, fs []Finding) error {
	bw := bufio.NewWriter(w)
	for _, f := range fs {
		fmt.Fprintf(bw, "%s:%d:%d: %s", f.File, f.Line, f.Column, f.Rule)
		if f.KeyID != "" {
			fmt.Fprintf(bw, " %s", f.KeyID)
		}
		if f.Secret != "" {
			fmt.Fprintf(bw, " secret %s", f.Secret)
			if f.SecretLine != 0 {
				fmt.Fprintf(bw, " (line %d)", f.SecretLine)
			}
		}
		if f.Uses != "" {
			fmt.Fprintf(bw, " uses %s", f.Uses)
		}
		if f.Commit != "" {
			fmt.Fprintf(bw, " commit %s %s", f.Commit[:min(12, len(f.Commit))], f.AuthorTime.Format(time.DateOnly))
		}
		fmt.Fprintf(bw, " fingerprint %s", f.Fingerprint)
		if v := f.Verification; v != nil {
			fmt.Fprintf(bw, "; %s", v)
		}
		bw.WriteByte('\n')
		if f.Workload != "" {
			fmt.Fprintf(bw, "    replace with this entry under workloads: in keyless.yaml (then keyless apply):\n%s\n", indent(f.Workload, "      "))
		}
	}
	return bw.Flush()
}

// String is the verification as text output shows it.
func (v *Verification) String() string {
	var b strings.Builder
	if v.Account != "" {
		fmt.Fprintf(&b, "account %s", v.Account)
		if !v.Yours {
			b.WriteString(" (not yours: not looked up in IAM)")
		}
	}
	if v.Found {
		fmt.Fprintf(&b, ": user %s, %s, created %s, last used ", v.User, v.Status, v.Created.Format(time.DateOnly))
		if v.LastUsed.IsZero() {
			b.WriteString("never")
		} else {
			fmt.Fprintf(&b, "%s (%s, %s)", v.LastUsed.Format(time.DateOnly), v.LastUsedService, v.LastUsedRegion)
		}
	}
	if v.Error != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("not verified: " + v.Error)
	}
	return b.String()
}

// jsonReport is the --json output.
type jsonReport struct {
	Findings []Finding      `json:"findings"`
	Files    int            `json:"files"`
	Bytes    int64          `json:"bytes"`
	Skipped  map[string]int `json:"skipped"`
	Ignored  int            `json:"ignored"`
}

// WriteJSON prints the result as one JSON object.
func WriteJSON(w io.Writer, r *Result) error {
	fs := r.Findings
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Findings: fs, Files: r.Files, Bytes: r.Bytes, Skipped: r.Skipped, Ignored: r.Ignored})
}

// Rules describes each rule for SARIF and help.
var Rules = []struct {
	ID   Rule
	Name string
	Text string
	// Help is how to fix it, helpText when empty; Level is the SARIF
	// level, error when empty.
	Help, Level string
}{
	{RulePair, "AwsAccessKeyPair", "An AWS access key id with its secret access key: a usable long-lived credential.", "", ""},
	{RuleAccessKeyID, "AwsAccessKeyId", "An AWS access key id (AKIA/ASIA/ABIA/ACCA). Alone it is not a credential, but it names one.", "", ""},
	{RuleSecretAccessKey, "AwsSecretAccessKey", "A 40-character value next to a secret keyword, random enough to be an AWS secret access key.", "", ""},
	{RuleCIKeys, "CiLongLivedAwsKeys", "CI configuration that hands a long-lived AWS access key to its jobs (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, aws-access-key-id:).",
		"Give the pipeline a role it assumes with its own OIDC token instead: add the workloads: entry the finding shows to keyless.yaml, " +
			"run keyless apply, paste the snippet it prints into the pipeline, then delete the key (keyless cleanup).", "warning"},
}

const helpText = "Deactivate the key in IAM (reversible), watch GetAccessKeyLastUsed, then delete it; " +
	"move the workload to IAM Identity Center or a role. Remove the key from the file and from history. " +
	"To accept a finding, add its fingerprint to .keylessignore or put keyless:ignore on its line."

// SARIF 2.1.0, the parts keyless writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool     `json:"tool"`
		ColumnKind string        `json:"columnKind"`
		Results    []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string       `json:"id"`
		Name                 string       `json:"name"`
		ShortDescription     sarifMessage `json:"shortDescription"`
		FullDescription      sarifMessage `json:"fullDescription"`
		Help                 sarifMessage `json:"help"`
		DefaultConfiguration struct {
			Level string `json:"level"`
		} `json:"defaultConfiguration"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifMessage      `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine   int `json:"startLine"`
				StartColumn int `json:"startColumn"`
				EndColumn   int `json:"endColumn"`
			} `json:"region"`
		} `json:"physicalLocation"`
	}
)

// WriteSARIF prints the findings as a SARIF 2.1.0 log for code scanning.
// Paths are relative to the scanned root (the repository for --git).
func WriteSARIF(w io.Writer, fs []Finding, toolVersion string) error {
	run := sarifRun{ColumnKind: "unicodeCodePoints", Results: []sarifResult{}}
	run.Tool.Driver = sarifDriver{Name: "keyless", Version: toolVersion, InformationURI: "https://github.com/keyless-dev/keyless"}
	index := map[Rule]int{}
	for i, r := range Rules {
		index[r.ID] = i
		sr := sarifRule{ID: string(r.ID), Name: r.Name, ShortDescription: sarifMessage{r.Text}, FullDescription: sarifMessage{r.Text},
			Help: sarifMessage{or(r.Help, helpText)}}
		sr.DefaultConfiguration.Level = or(r.Level, "error")
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sr)
	}
	for _, f := range fs {
		res := sarifResult{RuleID: string(f.Rule), RuleIndex: index[f.Rule], Level: run.Tool.Driver.Rules[index[f.Rule]].DefaultConfiguration.Level,
			Message:             sarifMessage{message(f)},
			PartialFingerprints: map[string]string{"keyless/v1": f.Fingerprint}}
		var loc sarifLocation
		loc.PhysicalLocation.ArtifactLocation.URI = (&url.URL{Path: f.Path}).String()
		loc.PhysicalLocation.Region.StartLine = f.Line
		loc.PhysicalLocation.Region.StartColumn = f.Column
		loc.PhysicalLocation.Region.EndColumn = f.EndColumn
		res.Locations = []sarifLocation{loc}
		if f.Commit != "" {
			res.Properties = map[string]any{"commit": f.Commit, "authorTime": f.AuthorTime.Format(time.RFC3339)}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

func message(f Finding) string {
	var m string
	switch f.Rule {
	case RulePair:
		m = fmt.Sprintf("AWS access key %s with its secret (%s)", f.KeyID, f.Secret)
	case RuleAccessKeyID:
		m = fmt.Sprintf("AWS access key id %s", f.KeyID)
	case RuleCIKeys:
		m = fmt.Sprintf("CI configuration hands a long-lived AWS key to jobs (%s); replace it with this workloads: entry in keyless.yaml:\n%s", f.Uses, f.Workload)
	default:
		m = fmt.Sprintf("AWS secret access key (%s)", f.Secret)
	}
	if f.Commit != "" {
		m += fmt.Sprintf(" in commit %s", f.Commit[:min(12, len(f.Commit))])
	}
	if f.Verification != nil {
		m += "; " + f.Verification.String()
	}
	return m
}

func indent(s, by string) string { return by + strings.ReplaceAll(s, "\n", "\n"+by) }
