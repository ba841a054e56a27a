package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// BreakGlass is an entry of break_glass:: the one emergency way into its
// accounts when Identity Center cannot be used. keyless cleanup never
// touches it and audit checks it.
type BreakGlass struct {
	// Root: the root user, with a hardware MFA device.
	Root bool
	// IAMUser: one IAM user with a console password, hardware MFA and no
	// access keys.
	IAMUser Ref
	// Accounts are where the entry applies; none: every account.
	Accounts []Ref
	Pos      Pos
	Path     string
}

// KeyException is an entry of key_exceptions:: an IAM user, or one access
// key, allowed to keep a long-lived key until Expires, with Owner
// answering for it.
type KeyException struct {
	IAMUser, AccessKey Ref
	// Accounts are where the entry applies; none: every account.
	Accounts []Ref
	Owner    string
	// Expires is the last day the exception holds (UTC); from the next
	// day the key is a finding again.
	Expires time.Time
	Reason  string
	Pos     Pos
	Path    string
}

// Where is the entry's place in the file, for evidence (keyless.yaml:12).
func (c *Config) Where(pos Pos) string { return fmt.Sprintf("%s:%d", c.File, pos.Line) }

var (
	breakGlassFields   = []string{"root", "iam_user", "accounts"}
	keyExceptionFields = []string{"iam_user", "access_key", "accounts", "owner", "expires", "reason"}

	// IAM's user name: 1 to 64 of [\w+=,.@-]; a long-lived key's id.
	iamUserPattern   = lazyre.New(`^[\w+=,.@-]{1,64}$`)
	accessKeyPattern = lazyre.New(`^AKIA[A-Z0-9]{16}$`)
)

func (r *reader) breakGlass(n ast.Node, path string) BreakGlass {
	b := BreakGlass{Pos: posOf(n), Path: path}
	for key, v := range r.fields(n, path, breakGlassFields) {
		p := path + "." + key
		switch key {
		case "root":
			b.Root = r.boolean(v, p)
			if !b.Root {
				r.problem(v, p, "root: false names no way in", "write root: true, or name an IAM user with iam_user:")
			}
		case "iam_user":
			b.IAMUser = r.ref(v, p)
		case "accounts":
			b.Accounts = r.refs(v, p)
		}
	}
	return b
}

func (r *reader) keyException(n ast.Node, path string) KeyException {
	x := KeyException{Pos: posOf(n), Path: path}
	for key, v := range r.fields(n, path, keyExceptionFields) {
		p := path + "." + key
		switch key {
		case "iam_user":
			x.IAMUser = r.ref(v, p)
		case "access_key":
			x.AccessKey = r.ref(v, p)
		case "accounts":
			x.Accounts = r.refs(v, p)
		case "owner":
			x.Owner = r.str(v, p)
		case "reason":
			x.Reason = r.str(v, p)
		case "expires":
			s := r.str(v, p)
			t, err := time.Parse(time.DateOnly, s)
			switch {
			case s == "":
				r.problem(v, p, "the exception has no expiry date", expiresHint)
			case err != nil:
				r.problem(v, p, fmt.Sprintf("%q is not a date", s), "write the last day the exception holds as YYYY-MM-DD, e.g. 2027-03-31")
			default:
				x.Expires = t
			}
		}
	}
	return x
}

const expiresHint = "give the last day it holds, e.g. expires: 2027-03-31; audit reports the key again from the day after"

// given reports whether the file has the field at path.
func (c *Config) given(path string) bool {
	_, ok := c.pos[path]
	return ok
}

// checkBreakGlass checks break_glass: each entry names one way in, and no
// account has two.
func (c *Config) checkBreakGlass(at func(Pos, string, string, string)) {
	seen := map[string]string{} // account ("" for every account) -> the entry's path
	for _, b := range c.BreakGlass {
		switch {
		case b.Root && b.IAMUser.Value != "":
			at(b.Pos, b.Path+".iam_user", "an entry names one way in: give root: true or iam_user:, not both", "write two entries with their accounts if accounts differ")
		case !b.Root && b.IAMUser.Value == "" && !c.given(b.Path+".root"):
			at(b.Pos, b.Path, "the entry names no way in", "give root: true (the root user with a hardware MFA device) or iam_user: NAME (an IAM user with a console password and hardware MFA)")
		case b.IAMUser.Value != "" && !iamUserPattern.MatchString(b.IAMUser.Value):
			at(b.Pos, b.IAMUser.Path, fmt.Sprintf("%q is not an IAM user name", b.IAMUser.Value), "1 to 64 letters, digits and +=,.@_-")
		}
		checkTargetRefs(at, Assignment{Accounts: b.Accounts})
		accounts := []string{""}
		if len(b.Accounts) > 0 {
			accounts = nil
			for _, a := range b.Accounts {
				accounts = append(accounts, a.Value)
			}
		}
		for _, a := range accounts {
			if first, dup := seen[a]; dup {
				which := "account " + a
				if a == "" {
					which = "every account"
				}
				at(b.Pos, b.Path, fmt.Sprintf("%s already has its break-glass way in (%s, line %d)", which, first, c.at(first).Line),
					"keep one emergency way in per account; give entries accounts: to split them")
				continue
			}
			seen[a] = b.Path
		}
	}
}

// checkKeyExceptions checks key_exceptions: each names what it excepts,
// who answers for it and until when.
func (c *Config) checkKeyExceptions(at func(Pos, string, string, string)) {
	for _, x := range c.KeyExceptions {
		switch {
		case x.IAMUser.Value == "" && x.AccessKey.Value == "":
			at(x.Pos, x.Path, "the exception names no IAM user or access key", "give iam_user: NAME (all its keys) or access_key: AKIA... (one key)")
		case x.IAMUser.Value != "" && x.AccessKey.Value != "":
			at(x.Pos, x.AccessKey.Path, "give iam_user: or access_key:, not both", "an access key id names its user already")
		case x.IAMUser.Value != "" && !iamUserPattern.MatchString(x.IAMUser.Value):
			at(x.Pos, x.IAMUser.Path, fmt.Sprintf("%q is not an IAM user name", x.IAMUser.Value), "1 to 64 letters, digits and +=,.@_-")
		case x.AccessKey.Value != "" && !accessKeyPattern.MatchString(x.AccessKey.Value):
			at(x.Pos, x.AccessKey.Path, fmt.Sprintf("%q is not a long-lived access key id", x.AccessKey.Value), "AKIA and 16 capital letters or digits, as aws iam list-access-keys shows it")
		}
		switch {
		case x.Owner == "":
			at(x.Pos, x.Path+".owner", "the exception has no owner", "give the email of the person who answers for the key, e.g. owner: ops@example.com")
		case !validEmail(x.Owner):
			at(x.Pos, x.Path+".owner", fmt.Sprintf("%q is not an email address", x.Owner), "give the email of the person who answers for the key")
		}
		if !c.given(x.Path + ".expires") {
			at(x.Pos, x.Path+".expires", "the exception has no expiry date", expiresHint)
		}
		checkTargetRefs(at, Assignment{Accounts: x.Accounts})
	}
}

// BreakGlassFor is the break-glass entry of account: the one naming it,
// else the one naming no account; nil when none applies.
func (c *Config) BreakGlassFor(account string) *BreakGlass {
	var every *BreakGlass
	for i := range c.BreakGlass {
		b := &c.BreakGlass[i]
		if len(b.Accounts) == 0 {
			every = b
		} else if slices.ContainsFunc(b.Accounts, func(r Ref) bool { return r.Value == account }) {
			return b
		}
	}
	return every
}

// KeyExceptionsFor are the key exceptions that apply in account.
func (c *Config) KeyExceptionsFor(account string) []KeyException {
	var out []KeyException
	for _, x := range c.KeyExceptions {
		if len(x.Accounts) == 0 || slices.ContainsFunc(x.Accounts, func(r Ref) bool { return r.Value == account }) {
			out = append(out, x)
		}
	}
	return out
}
