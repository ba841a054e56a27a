package cli

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	kconfig "github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/elevation"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/plan"
)

// adminAsk is alice's usual request: AdministratorAccess in prod.
func adminAsk(d time.Duration) elevation.Ask {
	return elevation.Ask{PermissionSet: "AdministratorAccess", Account: prodAccount, Duration: d, Reason: "incident 4711"}
}

// canWrite reports whether a session may make an IAM user: ReadOnlyAccess
// may not, AdministratorAccess may.
func canWrite(t *testing.T, cfg aws.Config, name string) error {
	t.Helper()
	_, err := iam.NewFromConfig(cfg).CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)})
	return err
}

// aroundAfter reports whether got is at want, or a few seconds later: the
// machine's clock moves on while the test's keyless waits for it.
func aroundAfter(got, want time.Time) bool {
	want = want.Truncate(time.Second)
	return !got.Before(want) && got.Sub(want) <= 10*time.Second
}

// TestElevation runs the flows and docs/elevation.md's threat
// table against one sandbox, in order (each subtest uses its own
// requests; the clock only moves forward).
func TestElevation(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	w := newElevWorld(t)
	ctx := context.Background()
	alice, bob, carol, erin := w.client("alice"), w.client("bob"), w.client("carol"), w.client("erin")

	t.Run("request_approve_use_expire", func(t *testing.T) {
		ro, err := w.session("alice", prodAccount, "ReadOnlyAccess")
		if err != nil {
			t.Fatal(err)
		}
		wantAccessDenied(t, "ReadOnlyAccess CreateUser", canWrite(t, ro, "before"))
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("alice holds AdministratorAccess before asking")
		}
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		got, err := bob.Find(ctx, r.ID()[:12])
		if err != nil || got != r {
			t.Fatalf("bob finds %+v, %v", got, err)
		}
		approvedAt := w.clock.Now()
		if _, err := bob.Decide(ctx, got, elevation.Approve, "go"); err != nil {
			t.Fatal(err)
		}
		grant, err := bob.GrantOf(ctx, r)
		if err != nil || grant == nil || !aroundAfter(grant.Until, approvedAt.Add(time.Hour)) {
			t.Fatalf("grant = %+v, %v; want until %s (AWS's time of the decision + 1h)", grant, err, approvedAt.Add(time.Hour))
		}
		if !w.assigned("alice", prodAccount, "AdministratorAccess") || w.assignments(prodAccount, "AdministratorAccess") != 1 {
			t.Fatal("after approval the portal does not list AdministratorAccess for alice, or sso-admin has not one assignment")
		}
		admin, err := w.session("alice", prodAccount, "AdministratorAccess")
		if err != nil {
			t.Fatal(err)
		}
		if err := canWrite(t, admin, "during"); err != nil {
			t.Fatalf("the elevated session cannot write: %v", err)
		}
		list, err := alice.List(ctx, false)
		if err != nil || len(list) != 1 || list[0].Status != elevation.Active || list[0].DecidedBy != "bob@example.com" {
			t.Fatalf("alice's list = %+v, %v", list, err)
		}

		// No keyless runs from here: the sandbox's scheduler ends it.
		w.clock.Add(grant.Until.Add(-time.Minute).Sub(w.clock.Now()))
		w.runSchedules()
		if !w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("the grant ended a minute early")
		}
		w.clock.Add(time.Minute + time.Second)
		w.runSchedules()
		if w.assigned("alice", prodAccount, "AdministratorAccess") || w.assignments(prodAccount, "AdministratorAccess") != 0 {
			t.Fatal("the grant outlived its end")
		}
		if _, err := w.session("alice", prodAccount, "AdministratorAccess"); err == nil {
			t.Fatal("the portal still hands out the ended grant's credentials")
		}
		list, err = alice.List(ctx, false)
		if err != nil || len(list) != 1 || list[0].Status != elevation.Ended {
			t.Fatalf("alice's list after the end = %+v, %v", list, err)
		}
		if hooks := w.webhook.all(); !strings.Contains(hooks, "alice@example.com requests AdministratorAccess@") || !strings.Contains(hooks, "bob@example.com approved") {
			t.Errorf("webhook posts = %s", hooks)
		}
	})

	t.Run("bad_input", func(t *testing.T) {
		before := w.items()
		for _, bad := range []elevation.Ask{
			{PermissionSet: "PowerUser", Account: prodAccount, Duration: time.Hour, Reason: "x"},
			{PermissionSet: "AdministratorAccess", Account: "444444444444", Duration: time.Hour, Reason: "x"},
			{PermissionSet: "AdministratorAccess", Account: devAccount, Duration: time.Hour, Reason: "x"},
			{PermissionSet: "AdministratorAccess", Account: prodAccount, Duration: 3 * time.Hour, Reason: "x"},
			{PermissionSet: "AdministratorAccess", Account: prodAccount, Duration: time.Hour},
		} {
			var ie *elevation.InputError
			if _, err := alice.Request(ctx, bad); !errors.As(err, &ie) {
				t.Errorf("Request(%+v) = %v, want a clear refusal", bad, err)
			}
		}
		// bob is not eligible: an approver, not a developer.
		var ie *elevation.InputError
		if _, err := bob.Request(ctx, adminAsk(time.Hour)); !errors.As(err, &ie) || !strings.Contains(ie.Msg, "not eligible") {
			t.Errorf("bob's request = %v, want not eligible", err)
		}
		if d := cmp.Diff(before, w.items()); d != "" {
			t.Fatalf("refused requests changed the table:\n%s", d)
		}
	})

	t.Run("denied", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Decide(ctx, r, elevation.Deny, "not now"); err != nil {
			t.Fatal(err)
		}
		_, err = erin.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "AlreadyDecided")
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("a denied request was granted")
		}
		list, _ := alice.List(ctx, false)
		if e := list[len(list)-1]; e.ID != r.ID() || e.Status != elevation.Denied || e.Comment != "not now" || e.DecidedBy != "bob@example.com" {
			t.Fatalf("denied entry = %+v", e)
		}
	})

	t.Run("requester_without_approval_rights", func(t *testing.T) {
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// carol is a developer, not an approver; her client would refuse,
		// so she writes the decision as a modified keyless would.
		_, err = carol.Decide(ctx, r, elevation.Approve, "")
		wantRefused(t, err, "NotAnApprover")
		if w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("carol's approval granted")
		}
		// Her refused decision blocks nobody.
		if _, err := bob.Decide(ctx, r, elevation.Approve, ""); err != nil {
			t.Fatalf("bob after carol: %v", err)
		}
		if _, err := alice.Revoke(ctx, r, "done"); err != nil {
			t.Fatal(err)
		}
	})

	// plan after apply stays a no-op while a grant is active and after
	// its revoke wrote a session cut: apply must neither remove a grant
	// the machines will end nor drop a cut that still refuses sessions.
	t.Run("plan_noop_with_grant_and_cut", func(t *testing.T) {
		// Cuts live for the set's session duration from the revoke, judged
		// by the clock of the read: the sandbox's, injected here.
		file := filepath.Join(w.dir, "keyless.yaml")
		planAt := func(at time.Time) *plan.Plan {
			t.Helper()
			cfg, err := kconfig.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			st, err := ic.Read(ctx, ic.NewClients(w.admin, ic.Limits{}), ic.ReadOptions{PermissionSets: true, Now: func() time.Time { return at }})
			if err != nil {
				t.Fatal(err)
			}
			d, err := cfg.Desired(st)
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.Compute(d, st)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		r, err := alice.Request(ctx, adminAsk(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Decide(ctx, r, elevation.Approve, ""); err != nil {
			t.Fatal(err)
		}
		if !w.assigned("alice", prodAccount, "AdministratorAccess") {
			t.Fatal("not granted")
		}
		if p := planAt(w.clock.Now()); !p.Empty() {
			t.Fatalf("plan with an active grant changes %+v, want nothing (the machines end it)", p.Changes)
		}
		if _, err := alice.Revoke(ctx, r, "done"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(w.inlinePolicy("AdministratorAccess"), "KeylessCut") {
			t.Fatal("the revoke wrote no session cut")
		}
		if p := planAt(w.clock.Now()); !p.Empty() {
			t.Fatalf("plan after a revoke's session cut changes %+v, want nothing (the cut still refuses sessions)", p.Changes)
		}
		// After the set's session duration the cut is inert: apply may drop it.
		if p := planAt(w.clock.Now().Add(13 * time.Hour)); p.Empty() {
			t.Fatal("plan keeps an inert cut forever")
		}
	})
}
