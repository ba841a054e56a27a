package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/usage"
)

// Usage is what CloudTrail shows of an access key, on the findings about
// it: the key's evidence, its status ("used", "unused in the last 90
// days", "not evaluated"), its user's classification and what the evidence
// cannot show.
type Usage struct {
	*usage.KeyUsage
	Status         string                `json:"status"`
	Classification *usage.Classification `json:"classification,omitempty"`
	Limits         []string              `json:"limits,omitempty"`
}

// Summary is the evidence in a few words, for the text report.
func (u *Usage) Summary() string {
	var s []string
	if c := u.Classification; c != nil {
		s = append(s, "class "+string(c.Class))
	}
	s = append(s, u.Status)
	if u.Events > 0 {
		s = append(s, plural.Count(u.Events, "call", "calls")+", last "+u.Last.UTC().Format(time.RFC3339))
		s = append(s, "services "+counts(u.Services, 3), "from "+counts(u.SourceIPs, 3), "agents "+counts(u.UserAgents, 2))
	}
	return strings.Join(s, "; ")
}

// counts lists the most frequent values of a count.
func counts(m map[string]int, n int) string {
	var s []string
	for _, c := range usage.Top(m, n) {
		v := c.Value
		if len(v) > 60 {
			v = v[:60] + "..."
		}
		s = append(s, fmt.Sprintf("%s (%d)", v, c.N))
	}
	if len(m) > n {
		s = append(s, fmt.Sprintf("%d more", len(m)-n))
	}
	return strings.Join(s, ", ")
}

// DeactivatedTag is the IAM user tag keyless's cleanup sets when it
// deactivates one of the user's keys: its value is when (RFC 3339).
func DeactivatedTag(keyID string) string { return "keyless:deactivated:" + keyID }

// Deactivated is when keyless deactivated a key, per its user's tags.
func Deactivated(u IAMUser, keyID string) (time.Time, bool) {
	v, ok := u.Tags[DeactivatedTag(keyID)]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

// UsageKeys are the access keys of an account's IAM users to look up, in
// regions, and the region each was last used in.
func UsageKeys(st *AccountState, regions []string) []usage.Key {
	var out []usage.Key
	for _, u := range st.Users {
		for _, k := range u.AccessKeys {
			rs := append([]string{}, regions...)
			if r := k.LastUsedRegion; r != "" && r != "N/A" && !slices.Contains(rs, r) {
				rs = append(rs, r)
			}
			out = append(out, usage.Key{AccessKeyID: k.ID, Account: st.AccountID, User: u.Name, Created: k.Created, Regions: rs})
		}
	}
	return out
}

// UsageHints are what is known of a user besides its calls.
func UsageHints(u IAMUser) usage.Hints {
	return usage.Hints{ConsolePassword: u.LoginProfile != nil && u.PasswordLastUsed != nil}
}

// Classify classifies every IAM user of the states from the evidence, by
// account/user.
func Classify(states []*AccountState, rep *usage.Report) map[string]usage.Classification {
	users := map[string]IAMUser{}
	for _, st := range states {
		for _, u := range st.Users {
			users[st.AccountID+"/"+u.Name] = u
		}
	}
	out := map[string]usage.Classification{}
	for _, u := range rep.Users() {
		out[u.Account+"/"+u.User] = u.Classify(UsageHints(users[u.Account+"/"+u.User]))
	}
	return out
}

// UsedAfterDeactivationID is the check of keys used after keyless
// deactivated them.
const UsedAfterDeactivationID = "iam-user-key-used-after-deactivation"

// AttachUsage puts each key's evidence on the findings about it (those
// whose resource is the key), and reports every key used after keyless
// deactivated it, with where the calls came from.
func AttachUsage(r *Report, states []*AccountState, rep *usage.Report) {
	if r.Checks == nil {
		r.Checks = map[string]CheckCount{}
	}
	classes := Classify(states, rep)
	byKey := map[string]*Usage{}
	for _, k := range rep.Keys {
		u := &Usage{KeyUsage: k, Status: k.Status(), Limits: k.Limits(rep.From)}
		if c, ok := classes[k.Account+"/"+k.User]; ok {
			u.Classification = &c
		}
		byKey[k.Account+"/"+k.AccessKeyID] = u
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if _, id, ok := strings.Cut(f.Resource, "/access-key/"); ok {
			f.Usage = byKey[f.Account+"/"+id]
		}
	}
	for _, st := range states {
		cnt := r.Checks[UsedAfterDeactivationID]
		failed := false
		for _, u := range st.Users {
			for _, k := range u.AccessKeys {
				since, ok := Deactivated(u, k.ID)
				ku := byKey[st.AccountID+"/"+k.ID]
				if !ok || ku == nil {
					continue
				}
				var calls []string
				for _, c := range ku.After(since) {
					calls = append(calls, c.String())
				}
				if len(calls) == 0 && k.LastUsed != nil && k.LastUsed.After(since) {
					// CloudTrail did not show it (not evaluated, or not yet
					// delivered), IAM's last use did: where from is unknown.
					calls = append(calls, fmt.Sprintf("IAM's last use %s (%s in %s); CloudTrail shows no call, so not from where (%s)",
						k.LastUsed.UTC().Format(time.RFC3339), k.LastUsedService, k.LastUsedRegion, ku.Status))
				}
				if len(calls) == 0 {
					continue
				}
				failed = true
				f := Finding{ID: UsedAfterDeactivationID, Severity: High, Status: Fail, Account: st.AccountID,
					Resource: u.ARN + "/access-key/" + k.ID, Title: "Access key used after keyless deactivated it",
					Evidence:    fmt.Sprintf("deactivated %s; %s now, used since: %s", since.UTC().Format(time.RFC3339), strings.ToLower(k.Status), strings.Join(calls, "; ")),
					Remediation: "find who calls from there and move them to the replacement; if it must work now: keyless cleanup --reactivate " + k.ID,
					Usage:       ku}
				f.fingerprint()
				r.Findings = append(r.Findings, f)
			}
		}
		if failed {
			cnt.Fail++
		} else {
			cnt.Pass++
		}
		r.Checks[UsedAfterDeactivationID] = cnt
	}
	r.Sort()
}
