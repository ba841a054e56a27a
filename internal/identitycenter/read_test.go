package identitycenter

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/keyless-dev/keyless/internal/sandbox"
)

// sandboxClients serves a sandbox and returns clients for it, with every
// request recorded.
func sandboxClients(t *testing.T, opts sandbox.Options, l Limits) (*Clients, *recorder, string) {
	t.Helper()
	if opts.AssignmentDelay == 0 {
		opts.AssignmentDelay = 20 * time.Millisecond
	}
	_, url := startSandbox(t, opts)
	rec := newRecorder()
	return NewClients(sdkConfig(t, url, rec, true), l), rec, url
}

// byName rewrites a State's generated ids as names, so tests can say what
// they expect without knowing ids: members become user names, parents OU
// names ("root" for the root), assignments name their permission set and
// principal.
func byName(st *State) *State {
	out := *st
	ous := map[string]string{st.RootID: "root"}
	for _, ou := range st.OUs {
		ous[ou.ID] = ou.Name
	}
	users, groups, sets := map[string]string{}, map[string]string{}, map[string]string{}
	for _, u := range st.Users {
		users[u.ID] = u.UserName
	}
	for _, g := range st.Groups {
		groups[g.ID] = g.Name
	}
	for _, p := range st.PermissionSets {
		sets[p.ARN] = p.Name
	}
	out.InstanceARN, out.IdentityStoreID, out.RootID = "", "", ""
	out.ReadAt = time.Time{}
	out.Accounts = slices.Clone(st.Accounts)
	for i := range out.Accounts {
		out.Accounts[i].ParentID = ous[out.Accounts[i].ParentID]
	}
	out.OUs = nil
	for _, ou := range st.OUs {
		out.OUs = append(out.OUs, OU{Name: ou.Name, ParentID: ous[ou.ParentID]})
	}
	slices.SortFunc(out.OUs, func(a, b OU) int { return strings.Compare(a.ParentID+"/"+a.Name, b.ParentID+"/"+b.Name) })
	out.Users = nil
	for _, u := range st.Users {
		u.ID = ""
		out.Users = append(out.Users, u)
	}
	out.Groups = nil
	for _, g := range st.Groups {
		m := map[string]string{}
		for id := range g.Members {
			m[users[id]] = ""
		}
		g.ID, g.Members = "", m
		out.Groups = append(out.Groups, g)
	}
	out.PermissionSets = nil
	for _, p := range st.PermissionSets {
		p.ARN = ""
		out.PermissionSets = append(out.PermissionSets, p)
	}
	out.Assignments = nil
	for _, a := range st.Assignments {
		a.PermissionSetARN = sets[a.PermissionSetARN]
		if a.PrincipalType == "GROUP" {
			a.PrincipalID = groups[a.PrincipalID]
		} else {
			a.PrincipalID = users[a.PrincipalID]
		}
		out.Assignments = append(out.Assignments, a)
	}
	slices.SortFunc(out.Assignments, compareAssignment)
	return &out
}

func seededWorld() *sandbox.Seed {
	return &sandbox.Seed{
		ManagementAccount: "111111111111",
		Accounts: []sandbox.SeedAccount{
			{ID: "111111111111", Name: "management", Email: "management@example.com"},
			{ID: "222222222222", Name: "dev", Email: "dev@example.com", OU: "Workloads/Dev", Tags: map[string]string{"env": "dev"}},
			{ID: "333333333333", Name: "prod", Email: "prod@example.com", OU: "Workloads/Prod", Tags: map[string]string{"env": "prod", "team": "core"}},
			{ID: "444444444444", Name: "sandbox", Email: "sandbox@example.com", OU: "Sandbox"},
		},
		Users: []sandbox.SeedUser{
			{UserName: "alice@example.com", GivenName: "Alice", FamilyName: "Doe", DisplayName: "Alice Doe", Email: "alice@example.com"},
			{UserName: "bob@example.com", GivenName: "Bob", FamilyName: "Roe", DisplayName: "Bob Roe", Email: "bob@example.com"},
		},
		Groups: []sandbox.SeedGroup{
			{Name: "Admins", Description: "Break-glass administrators", Members: []string{"alice@example.com"}},
			{Name: "Developers", Description: "Everyone who ships [keyless]", Members: []string{"alice@example.com", "bob@example.com"}},
		},
	}
}

func TestReadSeededWorld(t *testing.T) {
	c, _, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	ctx := context.Background()
	st, err := Read(ctx, c, ReadOptions{AccountTags: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.InstanceARN != "arn:aws:sso:::instance/ssoins-1111111111111111" || st.IdentityStoreID != "d-1111111111" || !strings.HasPrefix(st.RootID, "r-") {
		t.Errorf("instance %s, store %s, root %s", st.InstanceARN, st.IdentityStoreID, st.RootID)
	}
	want := &State{
		Region:              "us-east-1",
		InstanceOwner:       "111111111111",
		Caller:              Caller{AccountID: "111111111111", ARN: st.Caller.ARN},
		ManagementAccountID: "111111111111",
		Accounts: []Account{
			{ID: "111111111111", Name: "management", Email: "management@example.com", Status: "ACTIVE", ParentID: "root", Tags: map[string]string{}},
			{ID: "222222222222", Name: "dev", Email: "dev@example.com", Status: "ACTIVE", ParentID: "Dev", Tags: map[string]string{"env": "dev"}},
			{ID: "333333333333", Name: "prod", Email: "prod@example.com", Status: "ACTIVE", ParentID: "Prod", Tags: map[string]string{"env": "prod", "team": "core"}},
			{ID: "444444444444", Name: "sandbox", Email: "sandbox@example.com", Status: "ACTIVE", ParentID: "Sandbox", Tags: map[string]string{}},
		},
		OUs: []OU{{Name: "Dev", ParentID: "Workloads"}, {Name: "Prod", ParentID: "Workloads"}, {Name: "Sandbox", ParentID: "root"}, {Name: "Workloads", ParentID: "root"}},
		Users: []User{
			{UserName: "alice@example.com", DisplayName: "Alice Doe", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"},
			{UserName: "bob@example.com", DisplayName: "Bob Roe", GivenName: "Bob", FamilyName: "Roe", Email: "bob@example.com"},
		},
		Groups: []Group{
			{Name: "Admins", Description: "Break-glass administrators", Members: map[string]string{"alice@example.com": ""}},
			{Name: "Developers", Description: "Everyone who ships [keyless]", Members: map[string]string{"alice@example.com": "", "bob@example.com": ""}},
		},
	}
	if diff := cmp.Diff(want, byName(st)); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
	if !st.Groups[1].Owned() || st.Groups[0].Owned() {
		t.Errorf("ownership of groups: Admins %v, Developers %v", st.Groups[0].Owned(), st.Groups[1].Owned())
	}
	for _, g := range st.Groups {
		for uid, mid := range g.Members {
			if uid == "" || mid == "" {
				t.Errorf("group %s: member %q with membership id %q", g.Name, uid, mid)
			}
		}
	}

	// Without AccountTags no tag is read: one call fewer per account.
	st, err = Read(ctx, c, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range st.Accounts {
		if a.Tags != nil {
			t.Errorf("account %s: tags %v read without AccountTags", a.ID, a.Tags)
		}
	}

	if _, err := Read(ctx, c, ReadOptions{InstanceARN: "arn:aws:sso:::instance/ssoins-9999999999999999"}); !errors.As(err, new(*InstanceError)) || !strings.Contains(err.(*InstanceError).Hint(), "instance_arn") {
		t.Errorf("Read with an unknown instance: %v", err)
	}
}

func TestReadWithoutOrganization(t *testing.T) {
	no := false
	seed := seededWorld()
	seed.Organization = &no
	c, _, _ := sandboxClients(t, sandbox.Options{Seed: seed}, fastLimits())
	st, err := Read(context.Background(), c, ReadOptions{AccountTags: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Account{{ID: st.Caller.AccountID, Status: "ACTIVE"}}
	if diff := cmp.Diff(want, st.Accounts); diff != "" || st.ManagementAccountID != st.Caller.AccountID || st.Caller.AccountID == "" {
		t.Errorf("management %q, caller %q, accounts (-want +got):\n%s", st.ManagementAccountID, st.Caller.AccountID, diff)
	}
}

// TestReadRateLimited reads a world with several permission sets against a
// sandbox enforcing AWS's quotas (one sso-admin bucket, one identitystore
// bucket per operation): keyless's own limiter must keep every request
// under them, so the sandbox throttles none.
func TestReadRateLimited(t *testing.T) {
	ctx := context.Background()
	// Build the world quickly, outside the quota.
	_, url := startSandbox(t, sandbox.Options{Seed: seededWorld(), AssignmentDelay: -1, TPS: 50})
	fast := NewClients(sdkConfig(t, url, newRecorder(), true), fastLimits())
	st, err := Read(ctx, fast, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var chs []Change
	for _, n := range []string{"One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight"} {
		chs = append(chs, Change{Op: Create, Kind: KindPermissionSet, Name: n, WantPermissionSet: &PermissionSet{Name: n, ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}})
		chs = append(chs, Change{Op: Create, Kind: KindAssignment, Name: n, Assignment: &DesiredAssignment{PermissionSet: n, PrincipalType: "GROUP", Principal: "Admins", AccountID: "222222222222"}})
	}
	// Throttles while building are retried.
	if _, err := (&Applier{C: fast, PollInterval: 5 * time.Millisecond}).Apply(ctx, st, chs); err != nil {
		t.Fatal(err)
	}

	// The control: without keyless's limits the same read is throttled, so
	// the read below would notice a limiter that does not limit.
	time.Sleep(time.Second) // the sandbox's buckets refill
	unlimitedRec := newRecorder()
	unlimited := fastLimits()
	unlimited.BaseBackoff, unlimited.MaxBackoff = 20*time.Millisecond, 300*time.Millisecond // outlast the throttling
	if _, err := Read(ctx, NewClients(sdkConfig(t, url, unlimitedRec, true), unlimited), ReadOptions{AccountTags: true}); err != nil {
		t.Fatal(err)
	}
	if unlimitedRec.errorCount(":ThrottlingException") == 0 {
		t.Fatalf("the control read was not throttled: the test's workload is too small to show anything")
	}
	time.Sleep(time.Second)

	rec := newRecorder()
	limited := NewClients(sdkConfig(t, url, rec, true), Limits{SSOAdmin: 50, IdentityStore: 50, Organizations: 50, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	start := time.Now()
	st, err = Read(ctx, limited, ReadOptions{AccountTags: true})
	if err != nil {
		t.Fatal(err)
	}
	calls, errs := rec.snapshot()
	if len(st.PermissionSets) != 8 || len(st.Assignments) != 8 {
		t.Fatalf("read %d permission sets, %d assignments; want 8 and 8", len(st.PermissionSets), len(st.Assignments))
	}
	if n := rec.errorCount(":ThrottlingException"); n > 0 {
		t.Errorf("%d requests throttled under a 50 TPS quota with a 50 TPS limit: %v", n, errs)
	}
	sso := rec.callCount("SWBExternalService.")
	t.Logf("%d sso-admin calls in %v", sso, time.Since(start))
	// The sso-admin calls share one bucket: they cannot finish faster than
	// the rate allows.
	if min := time.Duration(float64(sso-1) / 50 * float64(time.Second)); time.Since(start) < min*9/10 {
		t.Errorf("%d sso-admin calls took %v, faster than 50 TPS allows (%v): %v", sso, time.Since(start), min, calls)
	}
}

func TestReadLogsWhatTheEndpointLacksOnce(t *testing.T) {
	// The sandbox implements everything: nothing is unknown and nothing logged.
	c, _, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := Read(context.Background(), c, ReadOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range st.PermissionSets {
		if p.TagsUnknown {
			t.Errorf("permission set %s: tags unknown against the sandbox", p.Name)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("logged against the sandbox:\n%s", logs.String())
	}
}
