package cleanup

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyless-dev/keyless/internal/audit"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/usage"
)

// A person with an Identity Center user is "moving to Identity Center",
// but her Identity Center user is no proof that what calls with her key
// has moved: keyless cannot see her sign-ins, and a server calling with
// her key is not replaced by them at all. So a key CloudTrail shows in use
// stays, whatever calls with it, with why; an unused one goes as before.
func TestPersonKeyInUseIsNotDeactivated(t *testing.T) {
	const (
		serverKey = "AKIAMARIAMARIAMARIA2"
		cliKey    = "AKIAPAULPAULPAULPAUL"
		laptopUA  = "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off command/s3.ls"
	)
	w := &world{clock: &clock{t: t0}, home: t.TempDir()}
	seed := &sandbox.Seed{ManagementAccount: "111111111111", Accounts: []sandbox.SeedAccount{{ID: "111111111111", Name: "management",
		IAMUsers: []sandbox.SeedIAMUser{
			{Name: "admin", Created: daysAgo(400), Policies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, AccessKeys: []sandbox.SeedAccessKey{{ID: adminKey, Secret: adminSecret, Created: daysAgo(300)}}},
			// maria's old key is what a server of hers calls with.
			{Name: "maria", Created: daysAgo(400), AccessKeys: []sandbox.SeedAccessKey{{ID: serverKey, Created: daysAgo(300)}}},
			// paul still uses his at his terminal.
			{Name: "paul", Created: daysAgo(400), AccessKeys: []sandbox.SeedAccessKey{{ID: cliKey, Created: daysAgo(300)}}},
			// quinn's key has no call in CloudTrail's 90 days.
			{Name: "quinn", Created: daysAgo(400), AccessKeys: []sandbox.SeedAccessKey{{Created: daysAgo(300)}}},
		}}},
		Users: []sandbox.SeedUser{
			{UserName: "maria", GivenName: "Maria", FamilyName: "Roe", Email: "maria@example.com"},
			{UserName: "paul", GivenName: "Paul", FamilyName: "Poe", Email: "paul@example.com"},
			{UserName: "quinn", GivenName: "Quinn", FamilyName: "Doe", Email: "quinn@example.com"},
		},
		PermissionSets: []sandbox.SeedPermissionSet{{Name: "ReadOnly"}},
		Assignments: []sandbox.SeedAssignment{
			{PermissionSet: "ReadOnly", User: "maria", Accounts: []string{"111111111111"}},
			{PermissionSet: "ReadOnly", User: "paul", Accounts: []string{"111111111111"}},
			{PermissionSet: "ReadOnly", User: "quinn", Accounts: []string{"111111111111"}},
		},
		CloudTrail: []sandbox.SeedEvents{
			{User: "maria", EventSource: "s3.amazonaws.com", EventName: "PutObject", SourceIPs: []string{"203.0.113.5"}, UserAgent: cronUA, From: "-90d", To: "-1h", Every: "6h"},
			{User: "paul", EventSource: "s3.amazonaws.com", EventName: "ListBuckets", SourceIPs: []string{"192.0.2.10"}, UserAgent: laptopUA, From: "-30d", To: "-1h", Every: "24h"},
		},
	}
	_, w.url = sandboxtest.Start(t, sandbox.Options{Seed: seed, Now: w.clock.Now})
	w.cfg = sdkConfig(t, w.url, adminKey, adminSecret)
	w.iam = iam.NewFromConfig(w.cfg)

	ctx := context.Background()
	c := audit.NewClients(w.cfg)
	c.IdentityCenter = ic.NewClients(w.cfg, ic.Limits{SSOAdmin: 1000, IdentityStore: 1000, Organizations: 1000, MaxAttempts: 1, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	st, err := audit.Collect(ctx, c, audit.CollectOptions{Now: w.clock.Now, ReportPoll: time.Millisecond})
	must(t, err)
	clients := func(context.Context, string, string) (usage.LookupAPI, error) {
		return cloudtrail.NewFromConfig(w.cfg), nil
	}
	rep, err := usage.Collect(ctx, clients, audit.UsageKeys(st, []string{"us-east-1"}), usage.Options{Now: w.clock.Now})
	must(t, err)
	in := Input{State: st, Tags: map[string]map[string]string{}, CallerKeyID: adminKey, Now: w.clock.Now(), DeleteAfter: DefaultDeleteAfter,
		Usage: map[string]*usage.KeyUsage{}, UsageFrom: rep.From, Classes: map[string]usage.Classification{}}
	for _, k := range rep.Keys {
		in.Usage[k.AccessKeyID] = k
	}
	for id, cl := range audit.Classify([]*audit.AccountState{st}, rep) {
		in.Classes[strings.TrimPrefix(id, st.AccountID+"/")] = cl
	}
	p := Build(in)

	maria := actionOf(t, p, DeactivateKey, "maria")
	if maria.State != Refused || !strings.Contains(maria.Reason, "moving to Identity Center") ||
		!strings.Contains(maria.Why, "it is in use (") ||
		!strings.Contains(maria.Why, "nothing shows the key's calls moved there") ||
		!strings.Contains(maria.Why, "it is used as outside-service") ||
		!strings.Contains(maria.Why, "which a person's sign-in does not replace; replace it first with IAM Roles Anywhere") {
		t.Errorf("maria's key, called by a server, is not kept with why: %+v", maria)
	}
	paul := actionOf(t, p, DeactivateKey, "paul")
	if paul.State != Refused || !strings.Contains(paul.Why, "the calls come from a person's tools") ||
		!strings.Contains(paul.Why, "once they go through SSO profiles (keyless login) and the key has no call for 45 days, cleanup deactivates it") {
		t.Errorf("paul's key, in use at his terminal, is not kept with why: %+v", paul)
	}
	for _, who := range []string{"maria", "paul"} {
		if d := actionOf(t, p, DeleteUser, who); d.State != Waiting || !strings.Contains(d.Why, "its access keys first: replace") {
			t.Errorf("delete-user %s does not wait for its key: %+v", who, d)
		}
	}
	if q := actionOf(t, p, DeactivateKey, "quinn"); q.State != Ready {
		t.Errorf("quinn's unused key is not deactivated: %+v", q)
	}
}
