package audit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Severity orders findings; higher is worse.
type Severity int

const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) && s >= 0 {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads a severity name (info, low, medium, high, critical).
func ParseSeverity(s string) (Severity, error) {
	i := slices.Index(severityNames, strings.ToLower(strings.TrimSpace(s)))
	if i < 0 {
		return 0, fmt.Errorf("unknown severity %q: use one of %s", s, strings.Join(severityNames, ", "))
	}
	return Severity(i), nil
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Status says whether a finding is a failed check or a check that could not
// run. A check that passes produces no finding.
type Status string

const (
	Fail         Status = "fail"
	NotEvaluated Status = "not_evaluated"
	// Excepted is a failure keyless.yaml declares allowed, until its
	// exception expires (key_exceptions): shown, never counted by --fail-on.
	Excepted Status = "excepted"
)

// Finding is one problem found, or one check that could not be evaluated.
type Finding struct {
	// ID is the check's stable id, e.g. root-access-keys.
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	// Account is the 12-digit account id; "local" for this machine.
	Account string `json:"account"`
	// Resource is an ARN, or a file path (with :line) for local findings.
	Resource string `json:"resource"`
	Title    string `json:"title"`
	Evidence string `json:"evidence"`
	// Controls are CIS AWS Foundations and Security Hub control ids.
	Controls []string `json:"controls,omitempty"`
	// Remediation is the keyless command, or the console page and steps.
	Remediation string `json:"remediation"`
	// Permission is the IAM action a not-evaluated check needs.
	Permission string `json:"permission,omitempty"`
	// Fingerprint is stable across runs: a hash of ID, account and resource.
	Fingerprint string `json:"fingerprint"`
	// Exception is the declaration that excepts an Excepted finding, or
	// that expired on a failed one.
	Exception *Exception `json:"exception,omitempty"`
	// Usage is what CloudTrail shows of the access key the finding is
	// about, when the audit looked (AttachUsage).
	Usage *Usage `json:"usage,omitempty"`
}

// fingerprint fills f.Fingerprint.
func (f *Finding) fingerprint() {
	sum := sha256.Sum256([]byte(f.ID + "\x00" + f.Account + "\x00" + f.Resource))
	f.Fingerprint = hex.EncodeToString(sum[:12])
}

// CheckCount is how a check fared in one account or over a report.
type CheckCount struct {
	Pass         int `json:"pass"`
	Fail         int `json:"fail"`
	NotEvaluated int `json:"not_evaluated"`
	// Excepted counts the accounts where the check passed only thanks to
	// exceptions.
	Excepted int `json:"excepted,omitempty"`
}

// Report is the result of an audit: every finding, and per check how many
// accounts passed, failed or could not be evaluated.
type Report struct {
	Accounts []string              `json:"accounts"`
	Findings []Finding             `json:"findings"`
	Checks   map[string]CheckCount `json:"checks"`
	// Matrix is who has which permission set in which account, from
	// Identity Center; nil when Identity Center was not read.
	Matrix *Matrix `json:"access_matrix,omitempty"`
}

// Add merges another report's findings and counts into r.
func (r *Report) Add(o *Report) {
	if r.Checks == nil {
		r.Checks = map[string]CheckCount{}
	}
	r.Accounts = append(r.Accounts, o.Accounts...)
	r.Findings = append(r.Findings, o.Findings...)
	for id, c := range o.Checks {
		t := r.Checks[id]
		t.Pass += c.Pass
		t.Fail += c.Fail
		t.NotEvaluated += c.NotEvaluated
		t.Excepted += c.Excepted
		r.Checks[id] = t
	}
	if r.Matrix == nil {
		r.Matrix = o.Matrix
	}
	r.Sort()
}

// Sort orders findings by account, then severity (worst first), then id
// and resource, so output is stable.
func (r *Report) Sort() {
	slices.Sort(r.Accounts)
	r.Accounts = slices.Compact(r.Accounts)
	slices.SortFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Status, b.Status), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Resource, b.Resource))
	})
}

// AtOrAbove counts failed findings of severity s or worse.
func (r *Report) AtOrAbove(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Status == Fail && f.Severity >= s {
			n++
		}
	}
	return n
}

// NotCoveredID is the check id of an account the audit could not reach.
const NotCoveredID = "account-not-covered"

// NotCovered reports an account the audit could not reach, and how to
// cover it.
func NotCovered(account, why, how string) *Report {
	f := Finding{ID: NotCoveredID, Severity: High, Status: NotEvaluated, Account: account,
		Resource: "arn:aws:iam::" + account + ":root", Title: "Account not audited", Evidence: why, Remediation: how}
	f.fingerprint()
	return &Report{Accounts: []string{account}, Findings: []Finding{f}, Checks: map[string]CheckCount{NotCoveredID: {NotEvaluated: 1}}}
}
