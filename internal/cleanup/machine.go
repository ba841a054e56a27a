package cleanup

import (
	"fmt"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/usage"
)

// Workload is the replacement keyless.yaml declares for a machine user: a
// workloads: entry with like_user, and the role it makes.
type Workload struct {
	// Name is the workloads: entry's name; Role the role's name.
	Name, Role string
}

// replacementUsed is when the workload role was last used: its
// RoleLastUsed, or its last AssumeRoleWithWebIdentity in CloudTrail
// (Input.RoleAssumed), whichever is later; nil when never.
func (b *builder) replacementUsed(role string) (*time.Time, string) {
	var last *time.Time
	var arn string
	for _, r := range b.st.Roles {
		if strings.EqualFold(r.Name, role) {
			last, arn = r.LastUsed, r.ARN
		}
	}
	if t, ok := b.in.RoleAssumed[arn]; ok && (last == nil || t.After(*last)) {
		last = &t
	}
	return last, arn
}

// keyLastUsed is a key's last use by IAM (GetAccessKeyLastUsed) or by
// CloudTrail, whichever is later, with the call when CloudTrail saw it.
func (b *builder) keyLastUsed(k audit.AccessKey) (*time.Time, *usage.Call) {
	last := k.LastUsed
	ku := b.in.Usage[k.ID]
	if ku == nil || len(ku.Recent) == 0 {
		return last, nil
	}
	c := ku.Recent[0]
	if last == nil || c.Time.After(*last) {
		t := c.Time
		last = &t
	}
	return last, &c
}

// machine decides whether an IAM user with no person in Identity Center is
// a machine user whose replacement is in use: declared by a workloads:
// entry with like_user (or classified a CI pipeline, which then needs
// one), its role used, and none of its keys used since. It returns the
// reason to retire it, or "" and why not.
func (b *builder) machine(u audit.IAMUser) (string, string) {
	class, classified := b.in.Classes[u.Name]
	w, declared := b.in.Workloads[strings.ToLower(u.Name)]
	if !declared {
		switch {
		case !classified || class.Class == usage.Person || class.Class == usage.Unknown:
			// A person moves to Identity Center; an unknown is named
			// (its class is shown): the match's reason says what to do.
			return "", ""
		case class.Class == usage.CIPipeline:
			return "", "a CI pipeline (" + strings.Join(class.Reasons, "; ") + "): declare its replacement, a workloads: entry with like_user: " +
				u.Name + " (keyless import iam-users writes it), keyless apply, and run the pipeline on its role"
		default:
			return "", fmt.Sprintf("classified %s (%s): replace it with %s, then delete it by hand", class.Class, strings.Join(class.Reasons, "; "), class.Replacement)
		}
	}
	used, arn := b.replacementUsed(w.Role)
	if arn == "" {
		return "", "its replacement, workload " + w.Name + ", has no role " + w.Role + " in " + b.st.AccountID + " yet: keyless apply"
	}
	if used == nil {
		return "", "its replacement role " + arn + " (workload " + w.Name + ") has not been used yet: run the pipeline on it first"
	}
	for _, k := range u.AccessKeys {
		last, call := b.keyLastUsed(k)
		if last == nil || last.Before(*used) {
			continue
		}
		why := fmt.Sprintf("its key %s was used on %s, after its replacement role %s was last used (%s): something still uses the key",
			k.ID, last.UTC().Format(time.RFC3339), arn, used.UTC().Format(time.RFC3339))
		if call != nil {
			why += ": " + call.String()
		}
		return "", why
	}
	return fmt.Sprintf("IAM user %s is replaced by workload %s: role %s, used %s, after the user's keys' last use",
		u.Name, w.Name, arn, used.UTC().Format(time.RFC3339)), ""
}

// whoBreaks is what called with a key in the last 90 days, for the dry run.
func whoBreaks(ku *usage.KeyUsage, from time.Time) []string {
	if ku == nil {
		return nil
	}
	var out []string
	switch {
	case ku.Events == 0:
		out = append(out, "no call with it seen in CloudTrail ("+ku.Status()+")")
	default:
		out = append(out, fmt.Sprintf("%s, last %s: %s", plural.Count(ku.Events, "call", "calls"), ku.Last.UTC().Format(time.RFC3339), top(ku.Actions, 5)),
			"from "+top(ku.SourceIPs, 5), "agents "+top(ku.UserAgents, 3))
	}
	return append(out, ku.Limits(from)...)
}

func top(m map[string]int, n int) string {
	var s []string
	for _, c := range usage.Top(m, n) {
		s = append(s, fmt.Sprintf("%s (%d)", c.Value, c.N))
	}
	if len(m) > n {
		s = append(s, fmt.Sprintf("and %d more", len(m)-n))
	}
	return strings.Join(s, ", ")
}

// inUse says why an active key must not be deactivated yet: CloudTrail saw
// calls with it within audit.MaxUnused (the caller decides whether a
// replacement is proven used). "" when the evidence shows no recent call
// (or was not read). moving says the user's person has an Identity Center
// user: that is no proof, since keyless cannot see her use it, and it
// replaces only what she does herself, not a service calling with her key.
func (b *builder) inUse(u audit.IAMUser, k audit.AccessKey, moving bool) string {
	ku := b.in.Usage[k.ID]
	if ku == nil || ku.Events == 0 || b.in.Now.Sub(ku.Last) >= audit.MaxUnused {
		return ""
	}
	why := fmt.Sprintf("it is in use (%s, the last %s: see who will break)", plural.Count(ku.Events, "call", "calls"), ku.Last.UTC().Format(time.RFC3339))
	c, classified := b.in.Classes[u.Name]
	if !moving {
		if classified {
			why += "; replace it first with " + c.Replacement
		}
		return why
	}
	why += "; its person has an Identity Center user, but nothing shows the key's calls moved there (keyless cannot see a person's Identity Center sign-ins)"
	switch {
	case classified && c.Class == usage.Person:
		why += fmt.Sprintf(": the calls come from a person's tools (%s); once they go through SSO profiles (keyless login) and the key has no call for %d days, cleanup deactivates it", strings.Join(c.Reasons, "; "), days(audit.MaxUnused))
	case classified:
		why += fmt.Sprintf(": it is used as %s (%s), which a person's sign-in does not replace; replace it first with %s", c.Class, strings.Join(c.Reasons, "; "), c.Replacement)
	default:
		why += fmt.Sprintf(": find what calls with it and move that first; once the key has no call for %d days, cleanup deactivates it", days(audit.MaxUnused))
	}
	return why
}
