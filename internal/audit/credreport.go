package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The IAM credential report: a CSV of 22 columns, one row per IAM user and
// one for the root user (<root_account>). Values absent for a row are N/A,
// no_information (a password never used, or used before October 2014) or
// not_supported (the root password columns in older reports).

// RootUser is the user column of the root user's row.
const RootUser = "<root_account>"

var reportColumns = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

// ReportRow is one user's row. Times are nil where the report has no date.
type ReportRow struct {
	User    string
	ARN     string
	Created *time.Time
	// PasswordEnabled is nil when the report says not_supported (root).
	PasswordEnabled      *bool
	PasswordLastUsed     *time.Time
	PasswordLastChanged  *time.Time
	PasswordNextRotation *time.Time
	MFAActive            bool
	Keys                 [2]ReportKey
	Certs                [2]ReportCert
}

type ReportKey struct {
	Active          bool
	LastRotated     *time.Time
	LastUsed        *time.Time
	LastUsedRegion  string
	LastUsedService string
}

type ReportCert struct {
	Active      bool
	LastRotated *time.Time
}

// ParseCredentialReport reads a credential report. Columns are found by
// name, so added columns are ignored; a missing column, a bad value or a
// short row is an error naming the row and column.
func ParseCredentialReport(data []byte) ([]ReportRow, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("credential report: read header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, c := range reportColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("credential report: no %s column in the header", c)
		}
	}
	var rows []ReportRow
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("credential report: %w", err)
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("credential report: row %d has %d fields, the header %d", line, len(rec), len(header))
		}
		p := rowParser{rec: rec, col: col, line: line}
		row := ReportRow{
			User: p.str("user"), ARN: p.str("arn"), Created: p.time("user_creation_time"),
			PasswordEnabled: p.optBool("password_enabled"), PasswordLastUsed: p.time("password_last_used"),
			PasswordLastChanged: p.time("password_last_changed"), PasswordNextRotation: p.time("password_next_rotation"),
			MFAActive: p.bool("mfa_active"),
		}
		for i := range 2 {
			k := fmt.Sprintf("access_key_%d_", i+1)
			row.Keys[i] = ReportKey{Active: p.bool(k + "active"), LastRotated: p.time(k + "last_rotated"), LastUsed: p.time(k + "last_used_date"),
				LastUsedRegion: p.text(k + "last_used_region"), LastUsedService: p.text(k + "last_used_service")}
			c := fmt.Sprintf("cert_%d_", i+1)
			row.Certs[i] = ReportCert{Active: p.bool(c + "active"), LastRotated: p.time(c + "last_rotated")}
		}
		if p.err != nil {
			return nil, p.err
		}
		rows = append(rows, row)
	}
}

type rowParser struct {
	rec  []string
	col  map[string]int
	line int
	err  error
}

func (p *rowParser) fail(name, format string, a ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("credential report: row %d, %s: %s", p.line, name, fmt.Sprintf(format, a...))
	}
}

func (p *rowParser) str(name string) string { return p.rec[p.col[name]] }

// absent reports the report's words for "no value".
func absent(v string) bool {
	return v == "N/A" || v == "no_information" || v == "not_supported" || v == ""
}

func (p *rowParser) text(name string) string {
	if v := p.str(name); !absent(v) {
		return v
	}
	return ""
}

func (p *rowParser) time(name string) *time.Time {
	v := p.str(name)
	if absent(v) {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		p.fail(name, "%q is not a time (want ISO 8601, e.g. 2025-01-02T15:04:05+00:00)", truncate(v, 40))
		return nil
	}
	// Reports have whole seconds; dropping fractions keeps parse and write inverse.
	t = t.UTC().Truncate(time.Second)
	return &t
}

func (p *rowParser) optBool(name string) *bool {
	v := p.str(name)
	if absent(v) {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil || (v != "true" && v != "false") {
		p.fail(name, "%q is not true or false", truncate(v, 40))
		return nil
	}
	return &b
}

func (p *rowParser) bool(name string) bool {
	b := p.optBool(name)
	return b != nil && *b
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// WriteCredentialReport writes rows in the report's format, for tests and
// fixtures.
func WriteCredentialReport(w io.Writer, rows []ReportRow) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(reportColumns)
	tm := func(t *time.Time) string {
		if t == nil {
			return "N/A"
		}
		return t.UTC().Format("2006-01-02T15:04:05+00:00")
	}
	txt := func(s string) string {
		if s == "" {
			return "N/A"
		}
		return s
	}
	for _, r := range rows {
		pw := "not_supported"
		if r.PasswordEnabled != nil {
			pw = strconv.FormatBool(*r.PasswordEnabled)
		}
		rec := []string{r.User, r.ARN, tm(r.Created), pw, tm(r.PasswordLastUsed), tm(r.PasswordLastChanged), tm(r.PasswordNextRotation), strconv.FormatBool(r.MFAActive)}
		for _, k := range r.Keys {
			rec = append(rec, strconv.FormatBool(k.Active), tm(k.LastRotated), tm(k.LastUsed), txt(k.LastUsedRegion), txt(k.LastUsedService))
		}
		for _, c := range r.Certs {
			rec = append(rec, strconv.FormatBool(c.Active), tm(c.LastRotated))
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}
