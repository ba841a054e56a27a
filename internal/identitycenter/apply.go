package identitycenter

// Apply and the engine that runs a plan's changes: delete phases, the
// forward pass ordered by readiness, bounded parallelism, per-change
// dispatch, and names resolved to ids.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"golang.org/x/sync/errgroup"
)

// AWS's limits on asynchronous sso-admin work.
const (
	// maxOutstandingAssignments is how many account assignment operations
	// may be in progress for an instance.
	maxOutstandingAssignments = 15
	// maxConcurrentProvisioning is how many ProvisionPermissionSet calls
	// may run at once.
	maxConcurrentProvisioning = 3
	// phaseParallel bounds the synchronous calls a phase has in flight; the
	// rate limiters decide the pace.
	phaseParallel = 8
	// defaultSessionDuration is sent when the configuration names none:
	// moto stores an integer when it is left out, which the SDK then cannot
	// decode.
	defaultSessionDuration = "PT1H"
)

// Applier makes Identity Center match a plan's changes.
type Applier struct {
	C *Clients
	// Progress, when set, is called after each change finishes, with how
	// many of total have finished.
	Progress func(done, total int, step string)
	// PollInterval is how often asynchronous operations are polled (1s when
	// zero).
	PollInterval time.Duration
	// Log receives debug notes; nil discards.
	Log *slog.Logger
	// Now judges which session cuts are still in force; nil means
	// time.Now.
	Now func() time.Time
}

// Result is what an Apply did.
type Result struct {
	Created, Updated, Deleted int
	// Failed changes returned an error; Skipped ones were not tried because
	// a phase they depend on failed.
	Failed, Skipped int
	// Provisioned counts permission sets re-provisioned after an update.
	Provisioned int
	Elapsed     time.Duration
}

// Apply executes changes against st, the State they were planned from.
//
// Creations and updates run as a pipeline, each change as soon as what it
// links exists: a membership once its user and group do, an assignment once
// its permission set and principal do. So 1,000 new users and their
// memberships proceed side by side, and assignments to groups do not wait
// for users. Deletions run only once every creation and update succeeded
// (a half-applied plan never takes access away), in reverse order:
// assignments, permission sets (after their assignments), memberships,
// groups, users.
//
// It keeps going past errors where nothing depends on what failed, and
// returns every error joined. Each change is idempotent where AWS allows,
// so running a fresh plan after a crash converges.
func (a *Applier) Apply(ctx context.Context, st *State, changes []Change) (Result, error) {
	start := time.Now()
	r := newRun(a, st, len(changes))
	if err := sameNamesInCase(changes); err != nil {
		// Linked by folded names, the two would be one object half way
		// through: refuse the batch before changing anything.
		r.skip(len(changes))
		r.res.Elapsed = time.Since(start)
		return r.res, err
	}

	var forward []Change
	var deletes [numDeletePhases][]Change
	for _, ch := range changes {
		switch {
		case ch.Op == Provision && ch.Kind == KindPermissionSet:
			forward = append(forward, ch)
		case ch.Op == Create || ch.Op == Update:
			if !slices.Contains([]Kind{KindUser, KindGroup, KindMembership, KindPermissionSet, KindAssignment}, ch.Kind) {
				r.fail(ch, fmt.Errorf("unknown change %s %s: this is a bug in keyless", ch.Op, ch.Kind))
				continue
			}
			forward = append(forward, ch)
		case ch.Op == Delete:
			p, ok := deletePhaseOf(ch.Kind)
			if !ok {
				r.fail(ch, fmt.Errorf("unknown change %s %s: this is a bug in keyless", ch.Op, ch.Kind))
				continue
			}
			deletes[p] = append(deletes[p], ch)
		default:
			r.fail(ch, fmt.Errorf("unknown change %s %s: this is a bug in keyless", ch.Op, ch.Kind))
		}
	}

	r.runForward(ctx, forward)

	var skipped []string
	if r.failures() > 0 {
		for p, chs := range deletes {
			if len(chs) > 0 {
				r.skip(len(chs))
				skipped = append(skipped, fmt.Sprintf("%d %s", len(chs), deletePhase(p)))
			}
		}
	} else {
		for p, chs := range deletes {
			if len(chs) == 0 {
				continue
			}
			if p > 0 && r.failures() > 0 {
				r.skip(len(chs))
				skipped = append(skipped, fmt.Sprintf("%d %s", len(chs), deletePhase(p)))
				continue
			}
			if deletePhase(p) == delAssignments {
				r.runAssignments(ctx, chs)
			} else {
				r.runParallel(ctx, chs, phaseParallel)
			}
		}
	}

	r.res.Elapsed = time.Since(start)
	errs := r.errs
	if len(skipped) > 0 {
		errs = append(errs, fmt.Errorf("not started: %s, because changes above failed; fix them and run apply again (the plan is recomputed from AWS)", strings.Join(skipped, ", ")))
	}
	return r.res, errors.Join(errs...)
}

// Deletions run in these phases, in order.
type deletePhase int

const (
	delAssignments deletePhase = iota
	delPermissionSets
	delMemberships
	delGroups
	delUsers
	numDeletePhases
)

func (p deletePhase) String() string {
	return [...]string{"account assignment deletions", "permission set deletions", "membership removals", "group deletions", "user deletions"}[p]
}

func deletePhaseOf(k Kind) (deletePhase, bool) {
	switch k {
	case KindAssignment:
		return delAssignments, true
	case KindPermissionSet:
		return delPermissionSets, true
	case KindMembership:
		return delMemberships, true
	case KindGroup:
		return delGroups, true
	case KindUser:
		return delUsers, true
	}
	return 0, false
}

// sameNamesInCase reports users, groups or permission sets that the
// changes create or update under names differing only in case. Identity
// Center takes such names for one (keyless.yaml's validator refuses them;
// this keeps the engine safe from any caller).
func sameNamesInCase(changes []Change) error {
	seen := map[string]string{}
	var errs []error
	for _, ch := range changes {
		if ch.Op == Delete || !slices.Contains([]Kind{KindUser, KindGroup, KindPermissionSet}, ch.Kind) {
			continue
		}
		k := readyKey(string(ch.Kind), ch.Name)
		first, dup := seen[k]
		if !dup {
			seen[k] = ch.Name
			continue
		}
		plural := map[Kind]string{KindUser: "users", KindGroup: "groups", KindPermissionSet: "permission sets"}[ch.Kind]
		errs = append(errs, fmt.Errorf("%s %q and %q differ only in case, and Identity Center takes them for one name; rename or remove one in keyless.yaml (nothing was changed)", plural, first, ch.Name))
	}
	return errors.Join(errs...)
}

// runForward runs creations and updates, each as soon as its links exist.
func (r *run) runForward(ctx context.Context, chs []Change) {
	rd := &ready{m: map[string]*future{}}
	var objects, members, assigns []Change
	for _, ch := range chs {
		switch ch.Kind {
		case KindUser:
			rd.expect(readyKey("user", ch.Name))
			objects = append(objects, ch)
		case KindGroup:
			rd.expect(readyKey("group", ch.Name))
			objects = append(objects, ch)
		case KindPermissionSet:
			rd.expect(readyKey("permission set", ch.Name))
			objects = append(objects, ch)
		case KindMembership:
			members = append(members, ch)
		case KindAssignment:
			assigns = append(assigns, ch)
		}
	}
	key := func(ch Change) string {
		switch ch.Kind {
		case KindUser:
			return readyKey("user", ch.Name)
		case KindGroup:
			return readyKey("group", ch.Name)
		}
		return readyKey("permission set", ch.Name)
	}

	var wg sync.WaitGroup
	// Users, groups and permission sets: independent of each other, each
	// kind in its own pool, so a thousand users do not hold up the groups
	// and permission sets that memberships and assignments wait for.
	byKind := map[Kind][]Change{}
	for _, ch := range objects {
		byKind[ch.Kind] = append(byKind[ch.Kind], ch)
	}
	for _, chs := range byKind {
		wg.Go(func() {
			var g errgroup.Group
			g.SetLimit(phaseParallel)
			for _, ch := range chs {
				g.Go(func() error {
					err := r.apply(ctx, ch)
					rd.settle(key(ch), err == nil)
					r.finish(ch, err)
					return nil
				})
			}
			_ = g.Wait()
		})
	}
	// Memberships, each as soon as its user and group exist, whatever the
	// order of the changes: each waits on its own, so one for the last
	// user created never holds up those whose users exist already.
	slots := make(chan struct{}, phaseParallel)
	for _, ch := range members {
		wg.Go(func() {
			m := ch.Membership
			if m == nil {
				r.finish(ch, missing(ch))
				return
			}
			if err := errors.Join(rd.wait(ctx, readyKey("user", m.User)), rd.wait(ctx, readyKey("group", m.Group))); err != nil {
				r.skipChange(ch, err)
				return
			}
			r.applyInSlot(ctx, slots, ch)
		})
	}
	// Assignments, each once its permission set and principal exist.
	wg.Go(func() {
		r.runAssignmentsWhen(ctx, assigns, func(ch Change) error {
			a := ch.Assignment
			if a == nil {
				return missing(ch)
			}
			return errors.Join(rd.wait(ctx, readyKey("permission set", a.PermissionSet)),
				rd.wait(ctx, readyKey(strings.ToLower(a.PrincipalType), a.Principal)))
		})
	})
	wg.Wait()
}

// run is one Apply's working state.
type run struct {
	a     *Applier
	st    *State
	inst  *string
	store *string
	log   *slog.Logger
	poll  time.Duration
	total int

	provisioning chan struct{} // slots for ProvisionPermissionSet

	mu     sync.Mutex
	opTime time.Duration // how long assignment operations have been taking
	done   int
	res    Result
	errs   []error
	users  map[string]string // user name to id
	groups map[string]string // group name to id
	sets   map[string]string // permission set name to ARN

	// admins is who had AdministratorAccess in the management account
	// when the plan was made; adminMu lets one change at a time take it
	// away (lockout.go).
	admins  []adminPath
	adminMu sync.Mutex
}

func newRun(a *Applier, st *State, total int) *run {
	r := &run{a: a, st: st, inst: aws.String(st.InstanceARN), store: aws.String(st.IdentityStoreID), log: a.Log,
		poll: a.PollInterval, total: total, provisioning: make(chan struct{}, maxConcurrentProvisioning),
		users: map[string]string{}, groups: map[string]string{}, sets: map[string]string{}, admins: adminPathsOf(st)}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.poll <= 0 {
		r.poll = time.Second
	}
	for _, u := range st.Users {
		r.users[u.UserName] = u.ID
	}
	for _, g := range st.Groups {
		r.groups[g.Name] = g.ID
	}
	for _, p := range st.PermissionSets {
		r.sets[p.Name] = p.ARN
	}
	return r
}

func (r *run) failures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.res.Failed
}

// skip counts changes not tried because something they need failed.
func (r *run) skip(n int) {
	r.mu.Lock()
	r.res.Skipped += n
	r.done += n
	r.mu.Unlock()
}

// skipChange records one change not tried, and why.
func (r *run) skipChange(ch Change, why error) {
	r.mu.Lock()
	r.res.Skipped++
	r.errs = append(r.errs, fmt.Errorf("%s: %w", step(ch), why))
	r.done++
	done := r.done
	r.mu.Unlock()
	if r.a.Progress != nil {
		r.a.Progress(done, r.total, step(ch))
	}
}

func step(ch Change) string {
	return fmt.Sprintf("%s %s %s", ch.Op, strings.ReplaceAll(string(ch.Kind), "_", " "), ch.Name)
}

func (r *run) fail(ch Change, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Failed++
	r.errs = append(r.errs, fmt.Errorf("%s: %w", step(ch), err))
}

// finish records a change's outcome and reports progress.
func (r *run) finish(ch Change, err error) {
	if err != nil {
		r.fail(ch, err)
	} else {
		r.mu.Lock()
		switch ch.Op {
		case Create:
			r.res.Created++
		case Update:
			r.res.Updated++
		case Delete:
			r.res.Deleted++
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.done++
	done := r.done
	r.mu.Unlock()
	if r.a.Progress != nil {
		r.a.Progress(done, r.total, step(ch))
	}
}

// runParallel runs independent changes, at most limit at a time. A failure
// does not stop the others: in-flight and queued work in the phase finishes.
func (r *run) runParallel(ctx context.Context, chs []Change, limit int) {
	var g errgroup.Group
	g.SetLimit(limit)
	for _, ch := range chs {
		g.Go(func() error {
			r.finish(ch, r.apply(ctx, ch))
			return nil
		})
	}
	_ = g.Wait()
}

// runAssignments runs assignment creations or deletions with at most 15
// outstanding in all and one at a time per account (AWS updates one role
// per account at a time, and refuses more than 15 in progress).
func (r *run) runAssignments(ctx context.Context, chs []Change) {
	r.runAssignmentsWhen(ctx, chs, nil)
}

// runAssignmentsWhen is runAssignments where each change first waits for
// what it links to (when wait is set); when that fails, the change is
// skipped.
func (r *run) runAssignmentsWhen(ctx context.Context, chs []Change, wait func(Change) error) {
	byAccount := map[string][]Change{}
	for _, ch := range chs {
		acct := ""
		switch {
		case ch.Assignment != nil:
			acct = ch.Assignment.AccountID
		case ch.HaveAssignment != nil:
			acct = ch.HaveAssignment.AccountID
		}
		byAccount[acct] = append(byAccount[acct], ch)
	}
	slots := make(chan struct{}, maxOutstandingAssignments)
	var wg sync.WaitGroup
	for _, acct := range slices.Sorted(maps.Keys(byAccount)) {
		chs := byAccount[acct]
		// The account's changes in the order what they link to comes to
		// exist, not in the order given: one waiting for a user created
		// last does not hold up the account.
		next := make(chan Change, len(chs))
		for _, ch := range chs {
			if wait == nil {
				next <- ch
				continue
			}
			wg.Go(func() {
				if err := wait(ch); err != nil {
					r.skipChange(ch, err)
					next <- Change{}
					return
				}
				next <- ch
			})
		}
		wg.Go(func() {
			for range chs {
				ch := <-next
				if ch.Kind == "" { // skipped
					continue
				}
				r.applyInSlot(ctx, slots, ch)
			}
		})
	}
	wg.Wait()
}

// applyInSlot applies a change once one of slots is free, and records the
// outcome.
func (r *run) applyInSlot(ctx context.Context, slots chan struct{}, ch Change) {
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		r.finish(ch, ctx.Err())
		return
	}
	err := r.apply(ctx, ch)
	<-slots
	r.finish(ch, err)
}

// apply makes one change; one that takes administrator access away from
// the management account is checked against AWS around the call.
func (r *run) apply(ctx context.Context, ch Change) error {
	if r.takesAwayAdmin(ch) {
		return r.applyGuarded(ctx, ch)
	}
	return r.applyChange(ctx, ch)
}

func (r *run) applyChange(ctx context.Context, ch Change) error {
	switch ch.Kind {
	case KindUser:
		switch ch.Op {
		case Create:
			return r.createUser(ctx, ch)
		case Update:
			return r.updateUser(ctx, ch)
		default:
			return r.deleteUser(ctx, ch)
		}
	case KindGroup:
		switch ch.Op {
		case Create:
			return r.createGroup(ctx, ch)
		case Update:
			return r.updateGroup(ctx, ch)
		default:
			return r.deleteGroup(ctx, ch)
		}
	case KindMembership:
		if ch.Op == Delete {
			return r.removeMember(ctx, ch)
		}
		return r.addMember(ctx, ch)
	case KindPermissionSet:
		switch ch.Op {
		case Create:
			return r.createPermissionSet(ctx, ch)
		case Update:
			return r.updatePermissionSet(ctx, ch)
		case Provision:
			return r.provisionPermissionSet(ctx, ch)
		default:
			return r.deletePermissionSet(ctx, ch)
		}
	case KindAssignment:
		if ch.Op == Delete {
			return r.deleteAssignment(ctx, ch)
		}
		return r.createAssignment(ctx, ch)
	}
	return fmt.Errorf("unknown change kind %q: this is a bug in keyless", ch.Kind)
}

func missing(ch Change) error {
	return fmt.Errorf("the change carries no %s: this is a bug in keyless", ch.Kind)
}

// Names to ids, including what this apply created.

func (r *run) lookup(m map[string]string, name string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := m[name]
	return id, ok
}

func (r *run) remember(m map[string]string, name, id string) {
	r.mu.Lock()
	m[name] = id
	r.mu.Unlock()
}

func (r *run) userID(name string) (string, error) {
	if id, ok := r.lookup(r.users, name); ok {
		return id, nil
	}
	return "", fmt.Errorf("user %s does not exist in identity store %s", name, r.st.IdentityStoreID)
}

func (r *run) groupID(name string) (string, error) {
	if id, ok := r.lookup(r.groups, name); ok {
		return id, nil
	}
	return "", fmt.Errorf("group %s does not exist in identity store %s", name, r.st.IdentityStoreID)
}

func (r *run) principalID(typ, name string) (string, error) {
	if typ == "GROUP" {
		return r.groupID(name)
	}
	return r.userID(name)
}

func (r *run) permissionSetARN(name string) (string, error) {
	if arn, ok := r.lookup(r.sets, name); ok {
		return arn, nil
	}
	return "", fmt.Errorf("permission set %s does not exist in %s", name, r.st.InstanceARN)
}

func (r *run) now() time.Time {
	if r.a.Now != nil {
		return r.a.Now()
	}
	return time.Now()
}

// sleepFor waits d, or until ctx ends.
func sleepFor(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isNotFound reports a ResourceNotFoundException: for a delete, the object
// is already gone.
func isNotFound(err error) bool {
	var s *ssotypes.ResourceNotFoundException
	var i *istypes.ResourceNotFoundException
	return errors.As(err, &s) || errors.As(err, &i)
}
