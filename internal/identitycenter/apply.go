package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
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

// ready tells when an object a change links to exists. Objects that are not
// created or updated in this apply are ready from the start.
type ready struct {
	mu sync.Mutex
	m  map[string]*future
}

// future is one object (by folded name) that changes of this apply make:
// done once every change expected for it settled, ok when all succeeded.
type future struct {
	done    chan struct{}
	pending int
	ok      bool
}

func readyKey(kind, name string) string { return kind + "/" + strings.ToLower(name) }

// expect registers a change that creates or updates the object. Two
// changes under one folded name make one future that waits for both.
func (rd *ready) expect(key string) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	f := rd.m[key]
	if f == nil {
		f = &future{done: make(chan struct{}), ok: true}
		rd.m[key] = f
	}
	f.pending++
}

// settle records that one expected change finished, or failed.
func (rd *ready) settle(key string, ok bool) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	f := rd.m[key]
	if f == nil || f.pending == 0 {
		return
	}
	f.ok = f.ok && ok
	if f.pending--; f.pending == 0 {
		close(f.done)
	}
}

// wait blocks until the object is ready and reports whether it is usable.
func (rd *ready) wait(ctx context.Context, key string) error {
	rd.mu.Lock()
	f := rd.m[key]
	rd.mu.Unlock()
	if f == nil {
		return nil
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	rd.mu.Lock()
	ok := f.ok
	rd.mu.Unlock()
	if !ok {
		return fmt.Errorf("not started: %s failed", strings.Replace(key, "/", " ", 1))
	}
	return nil
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

// Users.

func (r *run) createUser(ctx context.Context, ch Change) error {
	u := ch.WantUser
	if u == nil {
		return missing(ch)
	}
	in := &identitystore.CreateUserInput{IdentityStoreId: r.store, UserName: aws.String(u.UserName),
		DisplayName: aws.String(u.DisplayName), UserType: aws.String(UserType),
		Name: &istypes.Name{GivenName: aws.String(u.GivenName), FamilyName: aws.String(u.FamilyName)}}
	if u.Email != "" {
		in.Emails = []istypes.Email{{Value: aws.String(u.Email), Type: aws.String("work"), Primary: true}}
	}
	out, err := r.a.C.IdentityStore.CreateUser(ctx, in)
	if isAlreadyConflict(err) {
		// Created by an earlier, interrupted apply, or by someone else meanwhile.
		have, ferr := r.findUser(ctx, u.UserName)
		if ferr != nil {
			return fmt.Errorf("create user: %w; then: %w", err, ferr)
		}
		if !have.Owned() {
			return fmt.Errorf("user %s already exists and keyless does not own it: adopt it with keyless import, or leave it out of keyless.yaml", u.UserName)
		}
		r.remember(r.users, u.UserName, have.ID)
		return r.updateUserFields(ctx, have, u)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	r.remember(r.users, u.UserName, aws.ToString(out.UserId))
	return nil
}

func (r *run) findUser(ctx context.Context, name string) (*User, error) {
	id, err := r.a.C.IdentityStore.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: r.store,
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
			AttributePath: aws.String("userName"), AttributeValue: document.NewLazyDocument(name)}}})
	if err != nil {
		return nil, fmt.Errorf("look up user %s: %w", name, err)
	}
	d, err := r.a.C.IdentityStore.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: r.store, UserId: id.UserId})
	if err != nil {
		return nil, fmt.Errorf("describe user %s: %w", name, err)
	}
	u := userOf(istypes.User{UserId: d.UserId, UserName: d.UserName, DisplayName: d.DisplayName, Name: d.Name, Emails: d.Emails, UserType: d.UserType})
	return &u, nil
}

func (r *run) updateUser(ctx context.Context, ch Change) error {
	if ch.WantUser == nil || ch.HaveUser == nil {
		return missing(ch)
	}
	return r.updateUserFields(ctx, ch.HaveUser, ch.WantUser)
}

// updateUserFields changes the attributes keyless manages that differ. It
// also sets the owner's user type, which is how import adopts a user.
func (r *run) updateUserFields(ctx context.Context, have, want *User) error {
	var ops []istypes.AttributeOperation
	set := func(path string, v any) {
		ops = append(ops, istypes.AttributeOperation{AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(v)})
	}
	if want.DisplayName != have.DisplayName {
		set("displayName", want.DisplayName)
	}
	if want.GivenName != have.GivenName {
		set("name.givenName", want.GivenName)
	}
	if want.FamilyName != have.FamilyName {
		set("name.familyName", want.FamilyName)
	}
	if want.Email != have.Email {
		if want.Email == "" {
			set("emails", nil)
		} else {
			set("emails", []map[string]any{{"Value": want.Email, "Type": "work", "Primary": true}})
		}
	}
	if have.UserType != UserType {
		set("userType", UserType)
	}
	if len(ops) == 0 {
		return nil
	}
	id := have.ID
	if id == "" {
		var err error
		if id, err = r.userID(have.UserName); err != nil {
			return err
		}
	}
	if _, err := r.a.C.IdentityStore.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: r.store, UserId: aws.String(id), Operations: ops}); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return nil
}

func (r *run) deleteUser(ctx context.Context, ch Change) error {
	if ch.HaveUser == nil {
		return missing(ch)
	}
	_, err := r.a.C.IdentityStore.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: r.store, UserId: aws.String(ch.HaveUser.ID)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete user: %w", err)
	}
	return nil
}

// Groups and memberships.

func (r *run) createGroup(ctx context.Context, ch Change) error {
	g := ch.WantGroup
	if g == nil {
		return missing(ch)
	}
	out, err := r.a.C.IdentityStore.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: r.store,
		DisplayName: aws.String(g.Name), Description: aws.String(MarkDescription(g.Description))})
	if isAlreadyConflict(err) {
		have, ferr := r.findGroup(ctx, g.Name)
		if ferr != nil {
			return fmt.Errorf("create group: %w; then: %w", err, ferr)
		}
		if !have.Owned() {
			return fmt.Errorf("group %s already exists and keyless does not own it: adopt it with keyless import, or leave it out of keyless.yaml", g.Name)
		}
		r.remember(r.groups, g.Name, have.ID)
		return r.updateGroupFields(ctx, have, g)
	}
	if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	r.remember(r.groups, g.Name, aws.ToString(out.GroupId))
	return nil
}

func (r *run) findGroup(ctx context.Context, name string) (*Group, error) {
	id, err := r.a.C.IdentityStore.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: r.store,
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
			AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument(name)}}})
	if err != nil {
		return nil, fmt.Errorf("look up group %s: %w", name, err)
	}
	d, err := r.a.C.IdentityStore.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: r.store, GroupId: id.GroupId})
	if err != nil {
		return nil, fmt.Errorf("describe group %s: %w", name, err)
	}
	return &Group{ID: aws.ToString(d.GroupId), Name: aws.ToString(d.DisplayName), Description: aws.ToString(d.Description)}, nil
}

func (r *run) updateGroup(ctx context.Context, ch Change) error {
	if ch.WantGroup == nil || ch.HaveGroup == nil {
		return missing(ch)
	}
	return r.updateGroupFields(ctx, ch.HaveGroup, ch.WantGroup)
}

func (r *run) updateGroupFields(ctx context.Context, have *Group, want *DesiredGroup) error {
	desc := MarkDescription(want.Description)
	if desc == have.Description {
		return nil
	}
	_, err := r.a.C.IdentityStore.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: r.store, GroupId: aws.String(have.ID),
		Operations: []istypes.AttributeOperation{{AttributePath: aws.String("description"), AttributeValue: document.NewLazyDocument(desc)}}})
	if err != nil {
		return fmt.Errorf("update group: %w", err)
	}
	return nil
}

func (r *run) deleteGroup(ctx context.Context, ch Change) error {
	if ch.HaveGroup == nil {
		return missing(ch)
	}
	_, err := r.a.C.IdentityStore.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: r.store, GroupId: aws.String(ch.HaveGroup.ID)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete group: %w", err)
	}
	return nil
}

func (r *run) membershipIDs(m *MembershipRef) (group, user string, err error) {
	group, user = m.GroupID, m.UserID
	if group == "" {
		if group, err = r.groupID(m.Group); err != nil {
			return "", "", err
		}
	}
	if user == "" {
		if user, err = r.userID(m.User); err != nil {
			return "", "", err
		}
	}
	return group, user, nil
}

func (r *run) addMember(ctx context.Context, ch Change) error {
	if ch.Membership == nil {
		return missing(ch)
	}
	group, user, err := r.membershipIDs(ch.Membership)
	if err != nil {
		return err
	}
	_, err = r.a.C.IdentityStore.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: r.store,
		GroupId: aws.String(group), MemberId: &istypes.MemberIdMemberUserId{Value: user}})
	if err != nil && !isAlreadyConflict(err) { // already a member: done
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

func (r *run) removeMember(ctx context.Context, ch Change) error {
	m := ch.Membership
	if m == nil {
		return missing(ch)
	}
	id := m.MembershipID
	if id == "" {
		group, user, err := r.membershipIDs(m)
		if err != nil {
			return err
		}
		out, err := r.a.C.IdentityStore.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: r.store,
			GroupId: aws.String(group), MemberId: &istypes.MemberIdMemberUserId{Value: user}})
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("look up membership: %w", err)
		}
		id = aws.ToString(out.MembershipId)
	}
	_, err := r.a.C.IdentityStore.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: r.store, MembershipId: aws.String(id)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("remove member: %w", err)
	}
	return nil
}

// Permission sets.

func ownerTags(tags map[string]string) map[string]string {
	out := maps.Clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	out[OwnerTagKey] = OwnerTagValue
	return out
}

func ssoTags(m map[string]string) []ssotypes.Tag {
	var out []ssotypes.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, ssotypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func sessionOf(p *PermissionSet) string {
	if p.SessionDuration == "" {
		return defaultSessionDuration
	}
	return p.SessionDuration
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func (r *run) createPermissionSet(ctx context.Context, ch Change) error {
	w := ch.WantPermissionSet
	if w == nil {
		return missing(ch)
	}
	tags := ownerTags(w.Tags)
	desc := MarkDescription(UnmarkDescription(w.Description))
	out, err := r.a.C.SSOAdmin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: r.inst, Name: aws.String(w.Name),
		Description: aws.String(desc), SessionDuration: aws.String(sessionOf(w)), RelayState: optional(w.RelayState), Tags: ssoTags(tags)})
	if isAlreadyConflict(err) {
		// Created by an earlier, interrupted apply, or by someone else meanwhile.
		have, ferr := r.findPermissionSet(ctx, w.Name)
		if ferr != nil {
			return fmt.Errorf("create permission set: %w; then: %w", err, ferr)
		}
		if !have.Owned() {
			return fmt.Errorf("permission set %s already exists and keyless does not own it: adopt it with keyless import, or leave it out of keyless.yaml", w.Name)
		}
		r.remember(r.sets, w.Name, have.ARN)
		reprovision, err := r.syncPermissionSet(ctx, have, w)
		if err != nil {
			return err
		}
		if reprovision && len(have.ProvisionedTo) > 0 {
			return r.provision(ctx, have)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("create permission set: %w", err)
	}
	arn := aws.ToString(out.PermissionSet.PermissionSetArn)
	r.remember(r.sets, w.Name, arn)
	// A new set is provisioned to accounts by its assignments: nothing to
	// provision yet.
	have := &PermissionSet{ARN: arn, Name: w.Name, Description: desc, SessionDuration: sessionOf(w), RelayState: w.RelayState, Tags: tags}
	_, err = r.syncPermissionSet(ctx, have, w)
	return err
}

// findPermissionSet reads the permission set of that name, listing them all
// (sso-admin cannot look one up by name).
func (r *run) findPermissionSet(ctx context.Context, name string) (*PermissionSet, error) {
	rd := &reader{c: r.a.C, st: r.st, log: r.log}
	p := ssoadmin.NewListPermissionSetsPaginator(r.a.C.SSOAdmin, &ssoadmin.ListPermissionSetsInput{InstanceArn: r.inst})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list permission sets: %w", err)
		}
		for _, arn := range out.PermissionSets {
			d, err := r.a.C.SSOAdmin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: r.inst, PermissionSetArn: aws.String(arn)})
			if err != nil {
				return nil, fmt.Errorf("describe permission set %s: %w", arn, err)
			}
			if aws.ToString(d.PermissionSet.Name) == name {
				return rd.permissionSet(ctx, arn)
			}
		}
	}
	return nil, fmt.Errorf("permission set %s was reported to exist but is not listed; run apply again", name)
}

func (r *run) updatePermissionSet(ctx context.Context, ch Change) error {
	have, want := ch.HavePermissionSet, ch.WantPermissionSet
	if have == nil || want == nil {
		return missing(ch)
	}
	reprovision, err := r.syncPermissionSet(ctx, have, want)
	if err != nil {
		return err
	}
	if (reprovision || len(ch.Outdated) > 0) && len(have.ProvisionedTo) > 0 {
		return r.provision(ctx, have)
	}
	return nil
}

// provisionPermissionSet provisions an unchanged permission set whose roles
// are older than it.
func (r *run) provisionPermissionSet(ctx context.Context, ch Change) error {
	if ch.HavePermissionSet == nil {
		return missing(ch)
	}
	return r.provision(ctx, ch.HavePermissionSet)
}

// syncPermissionSet makes the permission set have what want asks, in place
// (its ARN, and so its roles, stay). It reports whether anything that
// reaches the accounts' roles changed, which then needs provisioning.
func (r *run) syncPermissionSet(ctx context.Context, have, want *PermissionSet) (reprovision bool, err error) {
	c := r.a.C.SSOAdmin
	arn := aws.String(have.ARN)

	desc, session := MarkDescription(UnmarkDescription(want.Description)), sessionOf(want)
	if desc != have.Description || session != have.SessionDuration || want.RelayState != have.RelayState {
		// All three are sent: moto nulls what is left out. AWS keeps an
		// omitted relay state, and refuses an empty one, so it cannot be
		// cleared here.
		if _, err := c.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn,
			Description: aws.String(desc), SessionDuration: aws.String(session), RelayState: optional(want.RelayState)}); err != nil {
			return false, fmt.Errorf("update permission set: %w", err)
		}
		// Any update, a description's too, leaves the permission set
		// outdated in every account until it is provisioned again.
		reprovision = true
	}

	attach, detach := diff(want.ManagedPolicies, have.ManagedPolicies)
	for _, p := range attach {
		_, err := c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(p)})
		if err != nil && !isAlreadyConflict(err) {
			return reprovision, fmt.Errorf("attach managed policy %s: %w", p, err)
		}
		reprovision = true
	}
	for _, p := range detach {
		_, err := c.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(p)})
		if err != nil && !isNotFound(err) {
			return reprovision, fmt.Errorf("detach managed policy %s: %w", p, err)
		}
		reprovision = true
	}

	inline, err := CompactPolicy(want.InlinePolicy)
	if err != nil {
		return reprovision, fmt.Errorf("inline policy: %w; fix it in keyless.yaml", err)
	}
	if inline != have.InlinePolicy {
		if inline == "" {
			_, err = c.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn})
			if isNotFound(err) {
				err = nil
			}
		} else {
			_, err = c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn, InlinePolicy: aws.String(inline)})
		}
		if err != nil {
			return reprovision, fmt.Errorf("set the inline policy: %w", err)
		}
		reprovision = true
	}

	addRefs, dropRefs := diffRefs(want.CustomerManaged, have.CustomerManaged)
	for _, p := range addRefs {
		_, err := c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
			InstanceArn: r.inst, PermissionSetArn: arn, CustomerManagedPolicyReference: ssoRef(p)})
		if err != nil && !isAlreadyConflict(err) {
			return reprovision, fmt.Errorf("attach customer managed policy %s%s: %w", p.Path, p.Name, err)
		}
		reprovision = true
	}
	for _, p := range dropRefs {
		_, err := c.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{
			InstanceArn: r.inst, PermissionSetArn: arn, CustomerManagedPolicyReference: ssoRef(p)})
		if err != nil && !isNotFound(err) {
			return reprovision, fmt.Errorf("detach customer managed policy %s%s: %w", p.Path, p.Name, err)
		}
		reprovision = true
	}

	if !boundaryEqual(want.Boundary, have.Boundary) {
		if want.Boundary == nil {
			_, err = c.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn})
			if isNotFound(err) {
				err = nil
			}
		} else {
			b := &ssotypes.PermissionsBoundary{ManagedPolicyArn: optional(want.Boundary.ManagedPolicyARN)}
			if want.Boundary.CustomerManaged != nil {
				b.CustomerManagedPolicyReference = ssoRef(*want.Boundary.CustomerManaged)
			}
			_, err = c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn, PermissionsBoundary: b})
		}
		if err != nil {
			return reprovision, fmt.Errorf("set the permissions boundary: %w", err)
		}
		reprovision = true
	}

	// Tags live on the permission set, not on the roles: no provisioning.
	// When they could not be read (moto has no sso-admin tag calls) they are
	// left alone.
	if !have.TagsUnknown {
		wantTags := ownerTags(want.Tags)
		add := map[string]string{}
		for k, v := range wantTags {
			if hv, ok := have.Tags[k]; !ok || hv != v {
				add[k] = v
			}
		}
		var drop []string
		for k := range have.Tags {
			if _, ok := wantTags[k]; !ok {
				drop = append(drop, k)
			}
		}
		sort.Strings(drop)
		if len(add) > 0 {
			if _, err := c.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: r.inst, ResourceArn: arn, Tags: ssoTags(add)}); err != nil {
				return reprovision, fmt.Errorf("tag permission set: %w", err)
			}
		}
		if len(drop) > 0 {
			if _, err := c.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: r.inst, ResourceArn: arn, TagKeys: drop}); err != nil {
				return reprovision, fmt.Errorf("untag permission set: %w", err)
			}
		}
	}
	return reprovision, nil
}

// provision pushes an updated permission set to every account it is
// provisioned to, once, and waits for the outcome.
func (r *run) provision(ctx context.Context, ps *PermissionSet) error {
	select {
	case r.provisioning <- struct{}{}:
		defer func() { <-r.provisioning }()
	case <-ctx.Done():
		return ctx.Err()
	}
	out, err := r.a.C.SSOAdmin.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: r.inst,
		PermissionSetArn: aws.String(ps.ARN), TargetType: ssotypes.ProvisionTargetTypeAllProvisionedAccounts})
	if err != nil {
		return fmt.Errorf("provision to its %d accounts: %w", len(ps.ProvisionedTo), err)
	}
	st := out.PermissionSetProvisioningStatus
	if st == nil {
		return nil
	}
	status, reason, id := st.Status, aws.ToString(st.FailureReason), st.RequestId
	for status == ssotypes.StatusValuesInProgress {
		if err := r.sleep(ctx); err != nil {
			return err
		}
		d, err := r.a.C.SSOAdmin.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: r.inst, ProvisionPermissionSetRequestId: id})
		if notImplemented(err) {
			// moto differs from AWS: provisioning finishes at once there and
			// the status call is not implemented (HTTP 500).
			r.log.Debug("provisioning status cannot be read here; taking provisioning as done", "permission_set", ps.Name, "err", err)
			break
		}
		if err != nil {
			return fmt.Errorf("poll provisioning: %w", err)
		}
		status, reason = d.PermissionSetProvisioningStatus.Status, aws.ToString(d.PermissionSetProvisioningStatus.FailureReason)
	}
	if status == ssotypes.StatusValuesFailed {
		return fmt.Errorf("provisioning to its accounts failed: %s", reason)
	}
	r.mu.Lock()
	r.res.Provisioned++
	r.mu.Unlock()
	return nil
}

func (r *run) deletePermissionSet(ctx context.Context, ch Change) error {
	if ch.HavePermissionSet == nil {
		return missing(ch)
	}
	_, err := r.a.C.SSOAdmin.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: r.inst, PermissionSetArn: aws.String(ch.HavePermissionSet.ARN)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete permission set: %w", err)
	}
	return nil
}

// Account assignments.

func (r *run) createAssignment(ctx context.Context, ch Change) error {
	a := ch.Assignment
	if a == nil {
		return missing(ch)
	}
	arn, err := r.permissionSetARN(a.PermissionSet)
	if err != nil {
		return err
	}
	principal, err := r.principalID(a.PrincipalType, a.Principal)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("assign permission set %s to %s %s in account %s", a.PermissionSet, strings.ToLower(a.PrincipalType), a.Principal, a.AccountID)
	return r.assign(ctx, what, Assignment{AccountID: a.AccountID, PermissionSetARN: arn, PrincipalType: a.PrincipalType, PrincipalID: principal})
}

// assign creates an assignment, by ids, and waits for it.
func (r *run) assign(ctx context.Context, what string, a Assignment) error {
	out, err := r.a.C.SSOAdmin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: r.inst,
		PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalType: ssotypes.PrincipalType(a.PrincipalType), PrincipalId: aws.String(a.PrincipalID),
		TargetId: aws.String(a.AccountID), TargetType: ssotypes.TargetTypeAwsAccount})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return r.waitAssignment(ctx, what, out.AccountAssignmentCreationStatus, func(id *string) (*ssotypes.AccountAssignmentOperationStatus, error) {
		d, err := r.a.C.SSOAdmin.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{InstanceArn: r.inst, AccountAssignmentCreationRequestId: id})
		if err != nil {
			return nil, err
		}
		return d.AccountAssignmentCreationStatus, nil
	})
}

func (r *run) deleteAssignment(ctx context.Context, ch Change) error {
	a := ch.HaveAssignment
	if a == nil {
		return missing(ch)
	}
	what := fmt.Sprintf("remove permission set %s from %s %s in account %s", a.PermissionSetARN, strings.ToLower(a.PrincipalType), a.PrincipalID, a.AccountID)
	out, err := r.a.C.SSOAdmin.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: r.inst,
		PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalType: ssotypes.PrincipalType(a.PrincipalType), PrincipalId: aws.String(a.PrincipalID),
		TargetId: aws.String(a.AccountID), TargetType: ssotypes.TargetTypeAwsAccount})
	if isNotFound(err) {
		return nil // already gone
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return r.waitAssignment(ctx, what, out.AccountAssignmentDeletionStatus, func(id *string) (*ssotypes.AccountAssignmentOperationStatus, error) {
		d, err := r.a.C.SSOAdmin.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{InstanceArn: r.inst, AccountAssignmentDeletionRequestId: id})
		if err != nil {
			return nil, err
		}
		return d.AccountAssignmentDeletionStatus, nil
	})
}

// waitAssignment polls an assignment operation until it succeeds or fails.
func (r *run) waitAssignment(ctx context.Context, what string, st *ssotypes.AccountAssignmentOperationStatus, describe func(*string) (*ssotypes.AccountAssignmentOperationStatus, error)) error {
	if st == nil {
		return fmt.Errorf("%s: AWS returned no operation status", what)
	}
	id := st.RequestId
	began := time.Now()
	polls := 0
	var stillRunning time.Duration // when it was last seen in progress
	for ; st.Status == ssotypes.StatusValuesInProgress; polls++ {
		if polls > 0 {
			stillRunning = time.Since(began)
		}
		wait := r.nextPoll()
		if polls == 0 {
			wait = r.firstPoll()
		}
		if err := r.sleepFor(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		next, err := describe(id)
		if err != nil {
			return fmt.Errorf("%s: poll request %s: %w", what, aws.ToString(id), err)
		}
		if next == nil {
			return fmt.Errorf("%s: AWS returned no operation status", what)
		}
		st = next
	}
	r.observe(time.Since(began), stillRunning, polls)
	if st.Status == ssotypes.StatusValuesFailed {
		return fmt.Errorf("%s failed: %s", what, aws.ToString(st.FailureReason))
	}
	return nil
}

// firstPoll is how long to wait before the first status check of an
// assignment operation: how long they have been taking, so most are
// checked once (each check spends sso-admin's shared quota), else the
// poll interval.
func (r *run) firstPoll() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opTime == 0 {
		return r.poll
	}
	return r.opTime + r.opTime/32
}

// observe adjusts the first-poll estimate from one operation: done at the
// first check, it may have been done earlier, so the next first check comes
// slightly sooner (adapting to faster operations over a few hundred); seen
// in progress at a check, it took at least that long, so the estimate
// rises to it. The estimate settles just above the real
// duration, which no single check can measure, and most operations are
// checked once.
func (r *run) observe(took, stillRunning time.Duration, polls int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case polls == 0:
		// Done when created: nothing learnt.
	case polls == 1:
		r.opTime = min(r.opTime, took)
		r.opTime -= r.opTime / 200
	default:
		r.opTime = max(r.opTime, stillRunning)
	}
	r.log.Debug("assignment operation done", "took", took.Round(time.Millisecond), "polls", polls, "next_first_poll", r.opTime.Round(time.Millisecond))
}

// nextPoll is how long to wait between later checks: an eighth of the
// estimate (an operation seen in progress is usually about to finish, and
// every moment it holds one of the 15 slots), within 100ms and the poll
// interval.
func (r *run) nextPoll() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opTime == 0 {
		return r.poll
	}
	return min(r.poll, max(r.opTime/8, 100*time.Millisecond))
}

func (r *run) sleep(ctx context.Context) error { return r.sleepFor(ctx, r.poll) }

func (r *run) sleepFor(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Differences.

// diff returns what is in want and not in have, and the reverse, sorted.
func diff(want, have []string) (add, drop []string) {
	for _, w := range want {
		if !slices.Contains(have, w) && !slices.Contains(add, w) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) && !slices.Contains(drop, h) {
			drop = append(drop, h)
		}
	}
	slices.Sort(add)
	slices.Sort(drop)
	return add, drop
}

func normRef(p PolicyRef) PolicyRef {
	if p.Path == "" {
		p.Path = "/"
	}
	return p
}

func diffRefs(want, have []PolicyRef) (add, drop []PolicyRef) {
	norm := func(in []PolicyRef) []PolicyRef {
		out := make([]PolicyRef, len(in))
		for i, p := range in {
			out[i] = normRef(p)
		}
		return out
	}
	w, h := norm(want), norm(have)
	for _, p := range w {
		if !slices.Contains(h, p) && !slices.Contains(add, p) {
			add = append(add, p)
		}
	}
	for _, p := range h {
		if !slices.Contains(w, p) && !slices.Contains(drop, p) {
			drop = append(drop, p)
		}
	}
	slices.SortFunc(add, comparePolicyRef)
	slices.SortFunc(drop, comparePolicyRef)
	return add, drop
}

func ssoRef(p PolicyRef) *ssotypes.CustomerManagedPolicyReference {
	p = normRef(p)
	return &ssotypes.CustomerManagedPolicyReference{Name: aws.String(p.Name), Path: aws.String(p.Path)}
}

func boundaryEqual(a, b *Boundary) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.ManagedPolicyARN != b.ManagedPolicyARN {
		return false
	}
	if a.CustomerManaged == nil || b.CustomerManaged == nil {
		return a.CustomerManaged == b.CustomerManaged
	}
	return normRef(*a.CustomerManaged) == normRef(*b.CustomerManaged)
}

// isNotFound reports a ResourceNotFoundException: for a delete, the object
// is already gone.
func isNotFound(err error) bool {
	var s *ssotypes.ResourceNotFoundException
	var i *istypes.ResourceNotFoundException
	return errors.As(err, &s) || errors.As(err, &i)
}
