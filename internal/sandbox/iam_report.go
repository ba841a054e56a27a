package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"net/url"
	"strconv"
	"time"
)

// The IAM credential report.
//
// Generation is instantaneous: GenerateCredentialReport builds the report
// and answers STARTED, as AWS's first call does; a later call within four
// hours answers COMPLETE and keeps that report (AWS regenerates at most every
// four hours); after that the next call builds a new one and answers STARTED
// again. GetCredentialReport works as soon as a report exists, answers
// ReportNotPresent before the first generation and ReportExpired once the
// report is older than four hours.

const reportTTL = 4 * time.Hour

var credentialReportColumns = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

func iamGenerateCredentialReport(ic *iamCall, _ url.Values) (any, error) {
	state := "COMPLETE"
	if r := ic.ia.Report; r == nil || ic.now.Sub(r.Generated) >= reportTTL {
		ic.ia.Report = &CredentialReport{Generated: ic.now.UTC().Truncate(time.Second), Content: ic.credentialReport()}
		state = "STARTED"
	}
	return struct {
		State       string `xml:"State"`
		Description string `xml:"Description"`
	}{state, map[string]string{"STARTED": "No report exists. Starting a new report generation task", "COMPLETE": "Report generated"}[state]}, nil
}

func iamGetCredentialReport(ic *iamCall, _ url.Values) (any, error) {
	r := ic.ia.Report
	if r == nil {
		return nil, newError(410, "ReportNotPresent", "Credential report not present; call GenerateCredentialReport first.")
	}
	if ic.now.Sub(r.Generated) >= reportTTL {
		return nil, newError(410, "ReportExpired", "The credential report is older than 4 hours; call GenerateCredentialReport for a new one.")
	}
	return struct {
		Content       string  `xml:"Content"`
		ReportFormat  string  `xml:"ReportFormat"`
		GeneratedTime isoTime `xml:"GeneratedTime"`
	}{base64.StdEncoding.EncodeToString([]byte(r.Content)), "text/csv", isoTime(r.Generated)}, nil
}

// reportTime is the report's time format: ISO 8601 with an explicit offset.
func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

func reportTimeOr(t *time.Time, none string) string {
	if t == nil || t.IsZero() {
		return none
	}
	return reportTime(*t)
}

// credentialReport renders the account's report as CSV.
func (ic *iamCall) credentialReport() string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(credentialReportColumns)

	root := ic.ia.Root
	rootKey := []string{strconv.FormatBool(root.AccessKeysPresent), "N/A", reportTimeOr(root.KeyLastUsed, "N/A"), "N/A", "N/A"}
	if root.AccessKeysPresent {
		rootKey[1] = reportTime(root.Created)
		if root.KeyLastUsed != nil {
			rootKey[3], rootKey[4] = "us-east-1", "iam"
		}
	}
	row := []string{"<root_account>", ic.iamARN("root"), reportTime(root.Created),
		"not_supported", reportTimeOr(root.PasswordLastUsed, "no_information"), "not_supported", "not_supported",
		strconv.FormatBool(root.MFAEnabled)}
	row = append(row, rootKey...)
	row = append(row, "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A")
	_ = w.Write(row)

	for _, u := range ic.ia.Users {
		row := []string{u.Name, iamUserARN(ic.partition(), ic.acct, u), reportTime(u.Created)}
		if lp := u.LoginProfile; lp != nil {
			next := "N/A"
			if p := ic.ia.PasswordPolicy; p != nil && p.MaxPasswordAge > 0 {
				next = reportTime(lp.PasswordChanged.AddDate(0, 0, p.MaxPasswordAge))
			}
			row = append(row, "true", reportTimeOr(u.PasswordLastUsed, "no_information"), reportTime(lp.PasswordChanged), next)
		} else {
			row = append(row, "false", reportTimeOr(u.PasswordLastUsed, "N/A"), "N/A", "N/A")
		}
		row = append(row, strconv.FormatBool(len(u.MFASerials) > 0))
		for i := range 2 {
			if i >= len(u.AccessKeys) {
				row = append(row, "false", "N/A", "N/A", "N/A", "N/A")
				continue
			}
			k := u.AccessKeys[i]
			row = append(row, strconv.FormatBool(k.Status == "Active"), reportTime(k.Created), reportTimeOr(k.LastUsed, "N/A"))
			if k.LastUsed != nil {
				row = append(row, orNA(k.LastUsedRegion), orNA(k.LastUsedService))
			} else {
				row = append(row, "N/A", "N/A")
			}
		}
		for i := range 2 {
			if i >= len(u.SigningCerts) {
				row = append(row, "false", "N/A")
				continue
			}
			c := u.SigningCerts[i]
			row = append(row, strconv.FormatBool(c.Status == "Active"), reportTime(c.Created))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.String()
}
