package audit

import (
	"fmt"
	"strings"
	"time"
)

// Declared is what keyless.yaml declares for one account.
type Declared struct {
	// File is the keyless.yaml, for evidence and remediation.
	File string
	// BreakGlass is the account's emergency way in; nil when the file
	// declares none for it.
	BreakGlass *BreakGlass
	// Management is the organization's management account's way in, for a
	// member account: from there sts:AssumeRoot can restore the member's
	// root password. nil for the management account or a standalone one.
	Management *BreakGlass
	// KeyExceptions are the IAM users and keys allowed to keep a key.
	KeyExceptions []KeyException
}

// KeyException allows an IAM user's keys (User), or one key (KeyID), to
// stay until the end of the day Expires (UTC).
type KeyException struct {
	User, KeyID string
	Owner       string
	Expires     time.Time
	Reason      string
	// Where is the entry's place, e.g. keyless.yaml:12.
	Where string
}

// Exception is the declaration a finding is excepted by, as reports show it.
type Exception struct {
	Owner   string `json:"owner"`
	Expires string `json:"expires"`
	Reason  string `json:"reason,omitempty"`
	Where   string `json:"declared_at"`
	Expired bool   `json:"expired,omitempty"`
}

func (e *Exception) String() string {
	s := "owner " + e.Owner + ", expires " + e.Expires
	if e.Expired {
		s = "owner " + e.Owner + ", expired " + e.Expires
	}
	if e.Reason != "" {
		s += ", " + e.Reason
	}
	return s + " (" + e.Where + ")"
}

// expired reports whether the exception no longer holds at now: from the
// day after Expires.
func (x KeyException) expired(now time.Time) bool {
	return !now.Before(x.Expires.AddDate(0, 0, 1))
}

// exceptionFor is the declaration covering key k of user u: one naming the
// key before one naming the user.
func (d *Declared) exceptionFor(u IAMUser, k AccessKey) *KeyException {
	if d == nil {
		return nil
	}
	var byUser *KeyException
	for i, x := range d.KeyExceptions {
		switch {
		case x.KeyID != "" && x.KeyID == k.ID:
			return &d.KeyExceptions[i]
		case x.User != "" && strings.EqualFold(x.User, u.Name) && byUser == nil:
			byUser = &d.KeyExceptions[i]
		}
	}
	return byUser
}

// Excepts is the unexpired exception that allows key k of user u to stay
// at now, nil when none does.
func (d *Declared) Excepts(u IAMUser, k AccessKey, now time.Time) *KeyException {
	if x := d.exceptionFor(u, k); x != nil && !x.expired(now) {
		return x
	}
	return nil
}

// activeKeyCheck fails on every active key of an IAM user that keyless.yaml
// does not declare as an unexpired exception: the end state is no IAM user
// holding a key, and audit --fail-on high in CI holds it there.
var activeKeyCheck = check{
	id: "iam-user-active-key", title: "IAM user with a long-lived access key not declared as an exception", severity: High,
	needs: []string{"iam:ListUsers", "iam:ListAccessKeys"},
	run: eachKey(func(st *AccountState, u IAMUser, k AccessKey, now time.Time) *Finding {
		f := &Finding{Evidence: fmt.Sprintf("access key %s active since %s", k.ID, date(k.Created))}
		x := st.Declared.exceptionFor(u, k)
		if x == nil {
			if st.Declared != nil {
				f.Evidence += ", not in key_exceptions of " + st.Declared.File
			}
			return f
		}
		f.Exception = &Exception{Owner: x.Owner, Expires: date(x.Expires), Reason: x.Reason, Where: x.Where, Expired: x.expired(now)}
		if f.Exception.Expired {
			f.Evidence += "; its exception expired: " + f.Exception.String()
			f.Remediation = cleanupUser(st, u) + "; or, if the key must stay, " + x.Owner + " renews the exception at " + x.Where
			return f
		}
		f.Status, f.Title = Excepted, "IAM user with a long-lived access key, declared as an exception"
		f.Remediation = "replace the key before " + date(x.Expires) + " (" + cleanupUser(st, u) + "), then remove the exception at " + x.Where
		return f
	}),
}
