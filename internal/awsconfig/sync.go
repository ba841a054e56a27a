package awsconfig

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"text/template"
)

// DefaultNameTemplate names profiles as `aws configure sso` does.
const DefaultNameTemplate = "{{.RoleName}}-{{.AccountID}}"

// Access is one role in one account the person can use.
type Access struct{ AccountID, AccountName, AccountEmail, RoleName string }

// SyncInput is what `keyless profiles sync` writes. See Sync.
type SyncInput struct {
	Session           string   // sso-session the profiles use
	Access            []Access // everything the person can use now
	NameTemplate      string   // text/template over .AccountID .AccountName .AccountEmail .RoleName .Session
	Region            string   // region = ..., when set
	Default           string   // "ROLE@ACCOUNT" (account id or name): also write [default]
	Prune             bool     // drop block profiles no longer in Access
	CredentialProcess string   // keyless executable: add credential_process to each profile
}

// SyncResult lists profile names by what happened to them. Renamed are the
// profiles written under another name (also listed in Added, Changed or
// Unchanged by that name).
type SyncResult struct {
	Added, Changed, Unchanged, Removed, Kept, Skipped []string
	Renamed                                           []Rename
}

// Rename is a profile keyless wrote as To because a section of the person's
// own, for another role, already has the name From.
type Rename struct{ From, To string }

// renameSuffix is added to a profile name that a person's own section
// already uses.
const renameSuffix = "-keyless"

// SyncBlockID is the block that holds the profiles of sso-session session.
func SyncBlockID(session string) string { return "profiles " + session }

// Sync writes one profile per access into the session's block, sorted by
// profile name so that a re-sync with the same access changes nothing.
// Profiles the block had that are no longer in Access are kept, in place,
// unless Prune. A profile that already exists outside the block is the
// person's and is never touched: when it is an SSO profile of the same
// role, keyless writes nothing for the role (Skipped); otherwise (a
// hand-written credential_process, keys, another role) keyless writes its
// profile as NAME-keyless (Renamed), so the role still gets one; that name
// depends only on the person's own sections, not on the other accesses.
// Two accesses that the template gives the same name are an error (not a
// suffix): a suffix would depend on which other accesses exist and could
// rename a profile between syncs.
func Sync(f *File, in SyncInput) (SyncResult, error) {
	var res SyncResult
	if in.Session == "" {
		return res, errors.New("no sso-session to sync profiles for")
	}
	tmpl := cmp.Or(in.NameTemplate, DefaultNameTemplate)
	access := slices.Clone(in.Access)
	slices.SortStableFunc(access, func(a, b Access) int {
		return cmp.Or(cmp.Compare(a.AccountName, b.AccountName), cmp.Compare(a.RoleName, b.RoleName), cmp.Compare(a.AccountID, b.AccountID))
	})
	id := SyncBlockID(in.Session)
	outside := f.profilesOutside(id)
	var secs []NewSection
	names := map[string]Access{}
	for _, a := range access {
		name, err := ProfileName(tmpl, a, in.Session)
		if err != nil {
			return res, err
		}
		if sec, taken := outside[name]; taken && !sameRole(sec, a) {
			if _, alsoTaken := outside[name+renameSuffix]; !alsoTaken {
				if !slices.Contains(res.Renamed, Rename{name, name + renameSuffix}) {
					res.Renamed = append(res.Renamed, Rename{name, name + renameSuffix})
				}
				name += renameSuffix
			}
		}
		if prev, dup := names[name]; dup {
			if prev == a {
				continue
			}
			return res, fmt.Errorf("--name-template %q gives profile %q to both %s@%s and %s@%s; use a template with {{.RoleName}} and {{.AccountID}}",
				tmpl, name, prev.RoleName, prev.AccountID, a.RoleName, a.AccountID)
		}
		names[name] = a
		secs = append(secs, profileSection("profile "+name, name, a, in))
	}
	if in.Default != "" {
		a, err := findDefault(in.Default, access)
		if err != nil {
			return res, err
		}
		secs = append([]NewSection{profileSection("default", "default", a, in)}, secs...)
	}

	before := map[string][]KV{}
	var oldOrder []*Section
	for _, s := range f.Block(id) {
		if s.Kind == "profile" {
			before[s.Name] = s.Keys()
			oldOrder = append(oldOrder, s)
		}
	}
	wanted := map[string]bool{}
	for _, s := range secs {
		wanted[profileOf(s.Header)] = true
	}
	for _, s := range oldOrder {
		if wanted[s.Name] {
			continue
		}
		if in.Prune {
			res.Removed = append(res.Removed, s.Name)
			continue
		}
		secs = append(secs, NewSection{Header: s.Header, Keys: s.Keys()})
	}
	// Profiles in name order, [default] first: kept profiles stay where they
	// were, so losing access to a role changes nothing but that role.
	slices.SortStableFunc(secs, func(a, b NewSection) int {
		rank := func(s NewSection) string {
			if s.Header == "default" {
				return ""
			}
			return "profile " + profileOf(s.Header)
		}
		return cmp.Compare(rank(a), rank(b))
	})
	skipped, err := f.SetBlock(id, secs)
	if err != nil {
		return res, err
	}
	isSkipped := map[string]bool{}
	for _, h := range skipped {
		isSkipped[h] = true
		res.Skipped = append(res.Skipped, profileOf(h))
	}
	for _, s := range secs {
		name := profileOf(s.Header)
		old, had := before[name]
		switch {
		case isSkipped[s.Header]:
			if had { // it was ours, but now a section outside the block has the name
				res.Removed = append(res.Removed, name)
			}
		case !wanted[name]:
			res.Kept = append(res.Kept, name)
		case !had:
			res.Added = append(res.Added, name)
		case slices.Equal(old, s.Keys):
			res.Unchanged = append(res.Unchanged, name)
		default:
			res.Changed = append(res.Changed, name)
		}
	}
	return res, nil
}

// profilesOutside are the profile sections outside block id, by name.
func (f *File) profilesOutside(id string) map[string]*Section {
	b, exists := f.blocks[id]
	out := map[string]*Section{}
	for _, s := range f.sections {
		if s.Kind == "profile" && (!exists || s.index < b.begin || s.index > b.end) {
			out[s.Name] = s
		}
	}
	return out
}

// sameRole reports whether a section is an SSO profile of a's role.
func sameRole(s *Section, a Access) bool {
	acct, _ := s.Get("sso_account_id")
	role, _ := s.Get("sso_role_name")
	return acct == a.AccountID && role == a.RoleName
}

func profileOf(header string) string {
	if _, name := classify(header); name != "" {
		return name
	}
	return header
}

func profileSection(header, name string, a Access, in SyncInput) NewSection {
	keys := []KV{
		{"sso_session", in.Session},
		{"sso_account_id", a.AccountID},
		{"sso_role_name", a.RoleName},
	}
	if in.Region != "" {
		keys = append(keys, KV{"region", in.Region})
	}
	if in.CredentialProcess != "" {
		keys = append(keys, KV{"credential_process", quoteExe(in.CredentialProcess, runtime.GOOS) + " credential-process --profile " + name})
	}
	return NewSection{Header: header, Keys: keys}
}

// findDefault matches "ROLE@ACCOUNT"; role and account names may hold '@',
// so every split is tried.
func findDefault(spec string, access []Access) (Access, error) {
	var found []Access
	for i := range len(spec) {
		if spec[i] != '@' {
			continue
		}
		role, account := spec[:i], spec[i+1:]
		for _, a := range access {
			if a.RoleName == role && (a.AccountID == account || a.AccountName == account) && !slices.Contains(found, a) {
				found = append(found, a)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		var can []string
		for _, a := range access {
			can = append(can, a.RoleName+"@"+a.AccountID)
		}
		return Access{}, fmt.Errorf("--default %q matches no role you can use; use ROLE@ACCOUNT with one of: %s", spec, strings.Join(can, ", "))
	default:
		return Access{}, fmt.Errorf("--default %q matches %d roles (accounts share a name); use the account id, e.g. %s@%s", spec, len(found), found[0].RoleName, found[0].AccountID)
	}
}

// ProfileName runs tmpl over a and keeps only characters that are safe in a
// section header, a shell word and a file name: [A-Za-z0-9._@+=/-]; any
// other run of characters becomes one '-', and '-' at either end is dropped.
func ProfileName(tmpl string, a Access, session string) (string, error) {
	t, err := template.New("name").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("--name-template %q: %w", tmpl, err)
	}
	var b strings.Builder
	data := struct{ AccountID, AccountName, AccountEmail, RoleName, Session string }{
		a.AccountID, a.AccountName, a.AccountEmail, a.RoleName, session,
	}
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("--name-template %q: %w; fields are .AccountID .AccountName .AccountEmail .RoleName .Session", tmpl, err)
	}
	var out []byte
	for _, r := range b.String() {
		if !safeNameRune(r) {
			r = '-'
		}
		if r == '-' && len(out) > 0 && out[len(out)-1] == '-' {
			continue
		}
		out = append(out, byte(r))
	}
	name := strings.Trim(string(out), "-")
	if name == "" {
		return "", fmt.Errorf("--name-template %q gives an empty profile name for %s@%s", tmpl, a.RoleName, a.AccountID)
	}
	return name, nil
}

func safeNameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("._@+=/-", r)
}

// quoteExe makes exe one word for credential_process, which botocore splits
// like a shell (Windows: its own rules) and the Go SDK runs through sh -c or
// cmd.exe /C.
func quoteExe(exe, goos string) string {
	if goos == "windows" {
		if strings.ContainsAny(exe, " \t&()^%!") {
			return `"` + exe + `"`
		}
		return exe
	}
	safe := exe != ""
	for _, r := range exe {
		if !(safeNameRune(r) || r == ':' || r == ',') {
			safe = false
		}
	}
	if safe {
		return exe
	}
	return "'" + strings.ReplaceAll(exe, "'", `'\''`) + "'"
}
