package cleanup

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/usage"
)

// Kind is what an action does.
type Kind string

const (
	DeactivateKey Kind = "deactivate-key"
	DeleteKey     Kind = "delete-key"
	DeleteUser    Kind = "delete-user"
	// DeleteRootCredentials removes a member account's root keys, signing
	// certificates and password, and deactivates its MFA, through
	// sts:AssumeRoot.
	DeleteRootCredentials Kind = "delete-root-credentials"
	// RootConsoleSteps is for the person: no IAM principal can do it.
	RootConsoleSteps Kind = "root-console-steps"
	MoveLocalKeys    Kind = "move-local-keys"
)

// State says whether an action runs.
type State string

const (
	Ready   State = "ready"   // runs with --yes
	Waiting State = "waiting" // not yet (grace period, a step before it)
	Refused State = "refused" // a guard refuses it
	Manual  State = "manual"  // steps for the person to follow
)

// Scope limits a plan to one part (--only).
type Scope string

const (
	All   Scope = ""
	Keys  Scope = "keys"
	Users Scope = "users"
	Root  Scope = "root"
	Local Scope = "local"
)

// ParseScope reads --only.
func ParseScope(s string) (Scope, error) {
	switch sc := Scope(s); sc {
	case All, Keys, Users, Root, Local:
		return sc, nil
	}
	return "", fmt.Errorf("--only %q: use keys, users, root or local", s)
}

// Action is one change, or one change refused, with why.
type Action struct {
	Kind    Kind   `json:"kind"`
	Account string `json:"account"`
	// Target is what changes: user, user/key, root, or a local profile.
	Target string `json:"target"`
	User   string `json:"user,omitempty"`
	KeyID  string `json:"key_id,omitempty"`
	// Profile is the ~/.aws/credentials section, for MoveLocalKeys.
	Profile string `json:"profile,omitempty"`
	// Reason is the finding the action fixes.
	Reason string `json:"reason"`
	State  State  `json:"state"`
	// Why is why the action waits or is refused.
	Why string `json:"why,omitempty"`
	// Match is the Identity Center user a deleted IAM user became.
	Match string `json:"identity_center_user,omitempty"`
	// Steps are the console steps of a Manual action, or what an
	// AssumeRoot action does.
	Steps []string `json:"steps,omitempty"`
	// KeyLastUsed is the key's last use when the plan was made; the
	// executor skips the key if AWS says it was used after that.
	KeyLastUsed *time.Time `json:"key_last_used,omitempty"`
	// KeysLastUsed are the same for every key of a deleted user.
	KeysLastUsed map[string]*time.Time `json:"keys_last_used,omitempty"`
	// Breaks is who will break: what called with the key (or the user's
	// keys) in the last 90 days, from where, when last (CloudTrail).
	Breaks []string `json:"who_breaks,omitempty"`
	// Class is the user's classification from its keys' use.
	Class *usage.Classification `json:"classification,omitempty"`
	// Workload is the workloads: entry that replaces a machine user.
	Workload string `json:"workload,omitempty"`
}

// Plan is every action for one account (and this machine).
type Plan struct {
	Account   string    `json:"account"`
	CallerARN string    `json:"caller"`
	Made      time.Time `json:"made"`
	Actions   []Action  `json:"actions"`
}

// Ready counts the actions --yes would run.
func (p *Plan) Ready() int {
	n := 0
	for _, a := range p.Actions {
		if a.State == Ready {
			n++
		}
	}
	return n
}

// Input is what a plan is made from.
type Input struct {
	State *audit.AccountState
	// Tags are each IAM user's tags by user name (ReadTags).
	Tags map[string]map[string]string
	// CallerKeyID is the access key id the caller signs with.
	CallerKeyID string
	// ChainKeys are the long-lived keys the caller's credentials stand on
	// (a role_arn profile's source_profile keys), with why (ResolveChain).
	ChainKeys map[string]string
	Now       time.Time
	// DeleteAfter is the grace period between deactivating and deleting
	// a key: zero deletes at the next run (DefaultDeleteAfter is AWS's
	// deactivate, wait, delete).
	DeleteAfter time.Duration
	// Map names the Identity Center user (user name or email) of IAM
	// users, overriding the match by email tag or name.
	Map  map[string]string
	Only Scope
	// User limits the plan to one IAM user ("" for all).
	User string
	// RootSession reports that the executor can open sts:AssumeRoot
	// sessions (it has the management account's credentials).
	RootSession bool
	// RootCredentials are the member account's root credentials as a root
	// session read them (AuditRoot); nil when not read.
	RootCredentials *audit.RootCredentials
	// Local are the long-lived keys of this machine's credentials file.
	Local []LocalProfile
	// Usage is each key's CloudTrail evidence by key id; nil when not
	// read (--no-usage): then no machine user is retired.
	Usage map[string]*usage.KeyUsage
	// UsageFrom is where the evidence's window starts.
	UsageFrom time.Time
	// Classes are the IAM users' classifications by user name.
	Classes map[string]usage.Classification
	// Workloads are the replacements keyless.yaml declares, by the
	// lower-case name of the IAM user they are like (like_user).
	Workloads map[string]Workload
	// RoleAssumed is each role's last AssumeRoleWithWebIdentity in
	// CloudTrail, by role ARN.
	RoleAssumed map[string]time.Time
}

// DefaultDeleteAfter is the grace period between deactivating and deleting.
const DefaultDeleteAfter = 7 * 24 * time.Hour

// DeactivatedTag is the IAM user tag recording when keyless deactivated
// one of the user's keys.
func DeactivatedTag(keyID string) string { return audit.DeactivatedTag(keyID) }

// Build makes the plan. It is pure: everything it judges is in in.
func Build(in Input) *Plan {
	st := in.State
	p := &Plan{Account: st.AccountID, CallerARN: st.CallerARN, Made: in.Now.UTC()}
	b := &builder{in: in, st: st, p: p, caller: callerUser(st.CallerARN)}
	if in.Only == All || in.Only == Root {
		b.root()
	}
	if in.Only == All || in.Only == Keys || in.Only == Users {
		for _, u := range st.Users {
			if in.User != "" && !strings.EqualFold(u.Name, in.User) {
				continue
			}
			b.user(u)
		}
	}
	if (in.Only == All || in.Only == Local) && in.User == "" {
		b.local()
	}
	return p
}

type builder struct {
	in     Input
	st     *audit.AccountState
	p      *Plan
	caller string // the caller's IAM user name, "" when not an IAM user
}

func (b *builder) add(a Action) {
	if a.Account == "" {
		a.Account = b.st.AccountID
	}
	if a.KeyID != "" && a.Account != "local" {
		a.Breaks = whoBreaks(b.in.Usage[a.KeyID], b.in.UsageFrom)
	}
	b.p.Actions = append(b.p.Actions, a)
}

// callerUser is the IAM user name in arn:aws:iam::ACCOUNT:user/path/name.
func callerUser(arn string) string {
	_, rest, ok := strings.Cut(arn, ":user/")
	if !ok {
		return ""
	}
	return rest[strings.LastIndex(rest, "/")+1:]
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func days(d time.Duration) int { return int(d.Hours() / 24) }

// user plans one IAM user: its keys, and its deletion when its person has
// moved to Identity Center.
func (b *builder) user(u audit.IAMUser) {
	if why := b.breakGlassUser(u); why != "" {
		b.keepBreakGlassUser(u, why)
		return
	}
	tags := b.in.Tags[u.Name]
	match, matchWhy := b.match(u, tags)
	var replaced, machineWhy string
	if match == "" {
		replaced, machineWhy = b.machine(u)
	}
	own := b.ownUser(u)
	// The caller's own user is never deleted, so its keys follow the key
	// rules alone. A machine user's replacement is proven used (its role
	// was used after the keys); a person's Identity Center user is not:
	// keyless cannot see it used, so her keys in use stay (inUse).
	var moving string
	proven := false
	switch {
	case own != "":
	case match != "":
		moving = "IAM user " + u.Name + " is moving to Identity Center"
	case replaced != "":
		moving, proven = replaced, true
	}
	keysDone := true // every key inactive past the grace period
	var keyWait []string
	if b.in.Only != Users {
		for _, k := range u.AccessKeys {
			if done, wait := b.key(u, k, tags, moving, proven); !done {
				keysDone = false
				if wait != "" {
					keyWait = append(keyWait, wait)
				}
			}
		}
	} else {
		for _, k := range u.AccessKeys {
			if done, wait := b.keyDone(k, tags); !done {
				keysDone = false
				keyWait = append(keyWait, wait)
			}
		}
	}
	if b.in.Only == Keys {
		return
	}
	a := Action{Kind: DeleteUser, Target: u.Name, User: u.Name, Match: match, State: Ready}
	a.Reason = "IAM user " + u.Name + " has an Identity Center user instead: " + match
	if c, ok := b.in.Classes[u.Name]; ok {
		a.Class = &c
	}
	for _, k := range u.AccessKeys {
		// The key's own action shows the rest.
		if l := whoBreaks(b.in.Usage[k.ID], b.in.UsageFrom); len(l) > 0 {
			a.Breaks = append(a.Breaks, k.ID+": "+l[0])
		}
	}
	switch {
	case own != "":
		a.State, a.Why = Refused, own
	case match == "" && replaced != "":
		a.Reason, a.Workload = replaced, b.in.Workloads[strings.ToLower(u.Name)].Name
		if !keysDone {
			a.State, a.Why = Waiting, "its access keys first: "+strings.Join(keyWait, "; ")
		}
	case match == "" && machineWhy != "":
		a.Reason = "IAM user " + u.Name + " is a long-lived identity"
		a.State, a.Why = Refused, machineWhy
	case match == "":
		// Only users whose person has moved are candidates; say why once,
		// so the person knows how to make it one.
		a.Reason = "IAM user " + u.Name + " is a long-lived identity"
		a.State, a.Why = Refused, matchWhy
	case !keysDone:
		a.State, a.Why = Waiting, "its access keys first: "+strings.Join(keyWait, "; ")
	}
	if a.State == Ready {
		a.KeysLastUsed = map[string]*time.Time{}
		for _, k := range u.AccessKeys {
			a.KeysLastUsed[k.ID] = k.LastUsed
		}
	}
	b.add(a)
}

// ownKey is why the caller's own credentials depend on a key, "" when
// they do not.
func (b *builder) ownKey(id string) string {
	if b.in.CallerKeyID != "" && id == b.in.CallerKeyID {
		return "it is the access key these credentials use: deactivating it would lock you out"
	}
	return b.in.ChainKeys[id]
}

// ownUser is why deleting an IAM user would lock the caller out, "" when
// it would not: the caller is that user, or signs with one of its keys.
func (b *builder) ownUser(u audit.IAMUser) string {
	if b.caller != "" && strings.EqualFold(b.caller, u.Name) {
		return "it is the IAM user these credentials belong to: deleting it would lock you out"
	}
	for _, k := range u.AccessKeys {
		if why := b.ownKey(k.ID); why != "" {
			return "your credentials use its access key " + k.ID + ": deleting it would lock you out"
		}
	}
	return ""
}

// idle is how long a key has not been used, counting a never-used key from
// its creation.
func idle(k audit.AccessKey, now time.Time) (time.Duration, string) {
	if k.LastUsed == nil {
		return now.Sub(k.Created), "never used, created " + day(k.Created)
	}
	return now.Sub(*k.LastUsed), "last used " + day(*k.LastUsed)
}

// flagged says why an active key should go, "" when it may stay.
func (b *builder) flagged(u audit.IAMUser, k audit.AccessKey, migrating string) string {
	now := b.in.Now
	var why []string
	if migrating != "" {
		why = append(why, migrating)
	}
	if d, what := idle(k, now); d >= audit.MaxUnused {
		why = append(why, fmt.Sprintf("unused for %d days (%s)", days(d), what))
	}
	if age := now.Sub(k.Created); age > audit.MaxKeyAge {
		why = append(why, fmt.Sprintf("older than %d days (created %s)", days(audit.MaxKeyAge), day(k.Created)))
	}
	if second := secondKey(u); second == k.ID {
		why = append(why, "second active key of "+u.Name)
	}
	return strings.Join(why, ", ")
}

// secondKey is the active key to drop when a user has two: the one used
// least recently (a never-used key counts from its creation).
func secondKey(u audit.IAMUser) string {
	var active []audit.AccessKey
	for _, k := range u.AccessKeys {
		if k.Active() {
			active = append(active, k)
		}
	}
	if len(active) < 2 {
		return ""
	}
	last := func(k audit.AccessKey) time.Time {
		if k.LastUsed != nil {
			return *k.LastUsed
		}
		return k.Created
	}
	slices.SortStableFunc(active, func(a, c audit.AccessKey) int { return cmp.Or(last(a).Compare(last(c)), a.Created.Compare(c.Created)) })
	return active[0].ID
}

// deactivated is when keyless deactivated the key, per its user's tag.
func deactivated(tags map[string]string, keyID string) (time.Time, bool) {
	v, ok := tags[DeactivatedTag(keyID)]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

// keyDone says whether an inactive key has waited out the grace period,
// and if not, what it waits for. Without keyless's tag, the key's last use
// (or creation) stands for when it was deactivated.
func (b *builder) keyDone(k audit.AccessKey, tags map[string]string) (bool, string) {
	if k.Active() {
		return false, "deactivate " + k.ID
	}
	since, ok := deactivated(tags, k.ID)
	if !ok {
		since = k.Created
		if k.LastUsed != nil {
			since = *k.LastUsed
		}
	}
	last, call := k.LastUsed, (*usage.Call)(nil)
	if ok {
		// CloudTrail's calls count only against keyless's own record:
		// without it, since is IAM's last use itself.
		last, call = b.keyLastUsed(k)
	}
	if last != nil && last.After(since) {
		why := fmt.Sprintf("%s was used on %s, after it was deactivated", k.ID, day(*last))
		if call != nil && call.Time.After(since) {
			why += ": " + call.String()
		}
		return false, why + ": find who uses it (keyless cleanup --reactivate " + k.ID + " if it must work now)"
	}
	if until := since.Add(b.in.DeleteAfter); b.in.Now.Before(until) {
		return false, fmt.Sprintf("%s inactive since %s, deletable from %s", k.ID, day(since), until.UTC().Format(time.RFC3339))
	}
	return true, ""
}

// key plans one access key. because is why its user goes, proven that
// what replaces the user is shown in use. done reports the key is inactive
// past the grace period; wait says otherwise what it waits for.
func (b *builder) key(u audit.IAMUser, k audit.AccessKey, tags map[string]string, because string, proven bool) (done bool, wait string) {
	target := u.Name + "/" + k.ID
	migrating := because != ""
	if own := b.ownKey(k.ID); own != "" {
		// Listed even when nothing flags it, so the person sees which key
		// keyless leaves alone and why.
		a := Action{Kind: DeactivateKey, Target: target, User: u.Name, KeyID: k.ID, State: Refused, Why: own, KeyLastUsed: k.LastUsed,
			Reason: cmp.Or(b.flagged(u, k, because), "a long-lived access key of IAM user "+u.Name)}
		if !k.Active() {
			a.Kind, a.Reason = DeleteKey, "an inactive access key of IAM user "+u.Name
		}
		b.add(a)
		return false, "keep " + k.ID + " (your own credentials use it)"
	}
	if k.Active() {
		why := b.flagged(u, k, because)
		if why == "" {
			return false, "keep " + k.ID + " (in use) or delete the user by hand"
		}
		if x := b.st.Declared.Excepts(u, k, b.in.Now); x != nil {
			b.add(Action{Kind: DeactivateKey, Target: target, User: u.Name, KeyID: k.ID, Reason: why, State: Refused, KeyLastUsed: k.LastUsed,
				Why: fmt.Sprintf("key_exceptions at %s lets it stay until %s (owner %s): replace it, then remove the exception", x.Where, day(x.Expires), x.Owner)})
			return false, "keep " + k.ID + " (a declared exception until " + day(x.Expires) + ")"
		}
		a := Action{Kind: DeactivateKey, Target: target, User: u.Name, KeyID: k.ID, Reason: why, State: Ready, KeyLastUsed: k.LastUsed}
		if inUse := b.inUse(u, k, migrating); inUse != "" && !proven {
			// Called with lately, and nothing shows its replacement used.
			a.State, a.Why = Refused, inUse
			b.add(a)
			return false, "replace " + k.ID + " first"
		}
		b.add(a)
		return false, "deactivate " + k.ID + " and wait " + fmt.Sprint(days(b.in.DeleteAfter)) + " days"
	}
	since, tagged := deactivated(tags, k.ID)
	if !tagged {
		// Not deactivated by keyless: deleting it belongs to the user's
		// deletion, if any.
		return b.keyDone(k, tags)
	}
	a := Action{Kind: DeleteKey, Target: target, User: u.Name, KeyID: k.ID, State: Ready, KeyLastUsed: k.LastUsed,
		Reason: fmt.Sprintf("keyless deactivated it on %s", day(since))}
	ok, why := b.keyDone(k, tags)
	if !ok {
		a.State, a.Why = Waiting, why
	}
	if migrating && a.State == Ready {
		// The user's deletion removes it, after a backup.
		return true, ""
	}
	b.add(a)
	return a.State == Ready, why
}

// root plans the root user's findings: through sts:AssumeRoot for a member
// account whose organization has centralized root access, else console
// steps for the person.
func (b *builder) root() {
	st := b.st
	if st.Summary == nil {
		return
	}
	keys, noMFA := st.Summary["AccountAccessKeysPresent"] > 0, st.Summary["AccountMFAEnabled"] == 0
	virtual := !noMFA && st.RootVirtualMFA != ""
	if !keys && !noMFA && !virtual {
		return
	}
	var reasons []string
	if keys {
		reasons = append(reasons, "the root user has access keys")
	}
	if noMFA {
		reasons = append(reasons, "the root user has no MFA")
	}
	reason := strings.Join(reasons, "; ")
	org := st.Organization
	central := org != nil && org.ManagementAccountID != st.AccountID &&
		slices.Contains(org.RootFeatures, "RootCredentialsManagement") && slices.Contains(org.RootFeatures, "RootSessions")
	if central && b.in.RootCredentials != nil && b.in.RootCredentials.None() {
		// No password, keys or certificates: MFA has nothing to guard.
		return
	}
	if central && (keys || noMFA) {
		a := Action{Kind: DeleteRootCredentials, Target: "root", Reason: reason, State: Ready,
			Steps: []string{
				"sts:AssumeRoot into " + st.AccountID + " from the management account " + org.ManagementAccountID + " with the task policy " + RootTaskPolicy + " (900 s)",
				"delete the root user's access keys and signing certificates",
				"delete the root user's console password and deactivate its MFA devices: the account then has no root credentials (recover them from the management account when needed)",
			}}
		if why := b.rootGuard(); why != "" {
			a.State, a.Why = Refused, why
		} else if !b.in.RootSession {
			a.State, a.Why = Refused, "sts:AssumeRoot needs the management account's credentials: pass --management-profile"
		}
		b.add(a)
		return
	}
	var steps []string
	steps = append(steps, "sign in to https://console.aws.amazon.com/ as the root user (the account's email address) of "+st.AccountID)
	steps = append(steps, "open "+rootCredentialsURL)
	if keys {
		steps = append(steps, "under Access keys, for each key: Actions > Deactivate, then Actions > Delete")
	}
	if noMFA {
		steps = append(steps, "under Multi-factor authentication (MFA), choose Assign MFA device and register a hardware key or passkey")
	}
	if virtual {
		reason = "the root user's MFA is a virtual device"
		steps = append(steps, "under Multi-factor authentication (MFA), assign a hardware key or passkey, then remove the virtual device "+st.RootVirtualMFA)
	}
	if org != nil && org.ManagementAccountID != st.AccountID {
		steps = append(steps, "or, once: enable centralized root access in the management account (aws iam enable-organizations-root-credentials-management and enable-organizations-root-sessions), then keyless cleanup --only root --management-profile P deletes them")
	}
	b.add(Action{Kind: RootConsoleSteps, Target: "root", Reason: reason, State: Manual,
		Why: "root keys and root MFA cannot be changed by an IAM principal", Steps: steps})
}

const rootCredentialsURL = "https://console.aws.amazon.com/iam/home#/security_credentials"

// RootTaskPolicy is the AWS-managed task policy AssumeRoot sessions use.
const RootTaskPolicy = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
