package cleanup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/usage"
)

const (
	ciKey, ciSecret = "AKIACIBOTCIBOTCIBOT2", "cibotsecretcibotsecretcibotsecretcibot00"
	runnerUA        = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22 prompt/off command/ecs.update-service"
	cronUA          = "legacy-cron/1.0 aws-sdk-go-v2/1.30.0"
)

// machineWorld is a sandbox whose ci-bot has 90 days of pipeline calls in
// CloudTrail, a workload role meant to replace it, and the real
// LookupEvents limit (2 a second).
type machineWorld struct {
	*world
	srv  *sandbox.Server
	role string
}

func newMachineWorld(t *testing.T) *machineWorld {
	t.Helper()
	w := &machineWorld{world: &world{clock: &clock{t: t0}, home: t.TempDir()}}
	seed := &sandbox.Seed{ManagementAccount: "111111111111", Accounts: []sandbox.SeedAccount{{ID: "111111111111", Name: "management",
		IAMUsers: []sandbox.SeedIAMUser{
			{Name: "admin", Created: daysAgo(400), Policies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, AccessKeys: []sandbox.SeedAccessKey{{ID: adminKey, Secret: adminSecret, Created: daysAgo(300)}}},
			{Name: "ci-bot", Created: daysAgo(400), AccessKeys: []sandbox.SeedAccessKey{{ID: ciKey, Secret: ciSecret, Created: daysAgo(300)}}},
		}}},
		CloudTrail: []sandbox.SeedEvents{{User: "ci-bot", EventSource: "ecs.amazonaws.com", EventName: "UpdateService",
			SourceIPs: []string{"198.51.100.17", "198.51.100.42"}, UserAgent: runnerUA, From: "-90d", To: "-2h", Every: "24h"}},
	}
	w.srv, w.url = sandboxtest.Start(t, sandbox.Options{Seed: seed, Now: w.clock.Now})
	w.cfg = sdkConfig(t, w.url, adminKey, adminSecret)
	w.iam = iam.NewFromConfig(w.cfg)
	// The workload role GitHub's tokens assume; the test stands in for the
	// pipeline with AssumeRole, which its trust allows too.
	ctx := context.Background()
	_, err := w.iam.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.githubusercontent.com"),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("a", 40)}})
	must(t, err)
	trust := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity",
		 "Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/deploy:ref:refs/heads/main"}}},
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	r, err := w.iam.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("keyless-deploy"), AssumeRolePolicyDocument: aws.String(trust)})
	must(t, err)
	w.role = aws.ToString(r.Role.Arn)
	return w
}

// pipeline is a run of the pipeline on its workload role, at the clock's time.
func (w *machineWorld) pipeline(t *testing.T) {
	t.Helper()
	_, err := sts.NewFromConfig(w.cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(w.role), RoleSessionName: aws.String("pipeline")})
	must(t, err)
}

// call signs a request with ci-bot's key, as a forgotten cron job would.
func (w *machineWorld) call(t *testing.T) error {
	t.Helper()
	cfg := sdkConfig(t, w.url, ciKey, ciSecret)
	cfg.AppID = "legacy-cron"
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	return err
}

// machinePlan collects the account and every key's CloudTrail at the
// clock's time (through the sandbox's LookupEvents at its real limit), and
// plans with the workload that replaces ci-bot.
func (w *machineWorld) machinePlan(t *testing.T) (*Plan, *audit.AccountState, *usage.Report) {
	t.Helper()
	ctx := context.Background()
	st, err := audit.Collect(ctx, audit.NewClients(w.cfg), audit.CollectOptions{Now: w.clock.Now, ReportPoll: time.Millisecond})
	must(t, err)
	clients := func(context.Context, string, string) (usage.LookupAPI, error) {
		return cloudtrail.NewFromConfig(w.cfg), nil
	}
	rep, err := usage.Collect(ctx, clients, audit.UsageKeys(st, []string{"us-east-1"}), usage.Options{Now: w.clock.Now})
	must(t, err)
	in := Input{State: st, Tags: map[string]map[string]string{}, CallerKeyID: adminKey, Now: w.clock.Now(), DeleteAfter: DefaultDeleteAfter,
		Workloads: map[string]Workload{"ci-bot": {Name: "deploy", Role: "keyless-deploy"}},
		Usage:     map[string]*usage.KeyUsage{}, UsageFrom: rep.From, Classes: map[string]usage.Classification{}}
	for _, u := range st.Users {
		in.Tags[u.Name] = u.Tags
	}
	for _, k := range rep.Keys {
		in.Usage[k.AccessKeyID] = k
	}
	for id, c := range audit.Classify([]*audit.AccountState{st}, rep) {
		in.Classes[strings.TrimPrefix(id, st.AccountID+"/")] = c
	}
	return Build(in), st, rep
}

func actionOf(t *testing.T, p *Plan, kind Kind, user string) Action {
	t.Helper()
	for _, a := range p.Actions {
		if a.Kind == kind && a.User == user {
			return a
		}
	}
	t.Fatalf("no %s of %s in %v", kind, user, rows(p))
	return Action{}
}

func outcomeOf(res []Result, kind Kind, user string) string {
	for _, r := range res {
		if r.Action.Kind == kind && r.Action.User == user {
			return r.Outcome + ": " + r.Detail
		}
	}
	return ""
}

// TestRetireMachineUser walks a CI user from its key to its deletion:
// refused while its workload role is unused, a key used after the plan is
// left alone, a deactivation undone by --reactivate, a key used after
// deactivation reported with where the call came from, and the user
// deleted after the grace period, backed up and logged; LookupEvents is
// never throttled.
func TestRetireMachineUser(t *testing.T) {
	ctx := context.Background()
	w := newMachineWorld(t)
	at := func(d time.Duration) { w.clock.Set(t0.Add(d)) }
	// deactivated moves the clock to d, runs the pipeline on its role,
	// then the plan, which must deactivate ci-bot's key.
	deactivated := func(d time.Duration, step string) {
		t.Helper()
		at(d)
		w.pipeline(t)
		p, _, _ := w.machinePlan(t)
		res, err := w.executor().Run(ctx, p)
		must(t, err)
		if got := outcomeOf(res, DeactivateKey, "ci-bot"); got != "done: " {
			t.Fatalf("%s: %s", step, got)
		}
	}

	// The role exists, unused: the pipeline still runs on the key.
	p, _, _ := w.machinePlan(t)
	del := actionOf(t, p, DeleteUser, "ci-bot")
	if del.State != Refused || !strings.Contains(del.Why, "has not been used yet") || del.Class == nil || del.Class.Class != usage.CIPipeline {
		t.Fatalf("delete-user ci-bot before the role is used: %+v", del)
	}
	deact := actionOf(t, p, DeactivateKey, "ci-bot")
	if deact.State != Refused || !strings.Contains(deact.Why, "it is in use (90 calls") {
		t.Errorf("the old key, in use, is deactivated anyway: %+v", deact)
	}
	if got := strings.Join(deact.Breaks, "\n"); !strings.Contains(got, "ecs:UpdateService (90)") || !strings.Contains(got, "198.51.100.17 (45)") || !strings.Contains(got, runnerUA) {
		t.Errorf("who will break:\n%s", got)
	}

	// The pipeline runs on its role; the plan deactivates the key, and a
	// call with it after the plan leaves it alone.
	at(time.Minute)
	w.pipeline(t)
	p, _, _ = w.machinePlan(t)
	deact = actionOf(t, p, DeactivateKey, "ci-bot")
	if deact.State != Ready || !strings.Contains(deact.Reason, "replaced by workload deploy") {
		t.Fatalf("deactivate-key ci-bot after the role's use: %+v", deact)
	}
	if d := actionOf(t, p, DeleteUser, "ci-bot"); d.State != Waiting || d.Workload != "deploy" {
		t.Errorf("delete-user ci-bot waits for its key: %+v", d)
	}
	at(2 * time.Minute)
	must(t, w.call(t))
	res, err := w.executor().Run(ctx, p)
	must(t, err)
	if got := outcomeOf(res, DeactivateKey, "ci-bot"); !strings.HasPrefix(got, "skipped: ") || !strings.Contains(got, "after the plan was made") {
		t.Fatalf("a key used after the plan: %s", got)
	}
	// And the next plan refuses: the key was used after the role.
	p, _, _ = w.machinePlan(t)
	if d := actionOf(t, p, DeleteUser, "ci-bot"); d.State != Refused || !strings.Contains(d.Why, "sts:GetCallerIdentity") || !strings.Contains(d.Why, "app/legacy-cron") {
		t.Errorf("delete-user ci-bot after its key was used past the role: %+v", d)
	}

	// The cron job moves too; the pipeline runs; the key is deactivated.
	deactivated(3*time.Minute, "deactivate")

	// --reactivate undoes it: the key works again and keyless's tag goes.
	at(4 * time.Minute)
	_, st, _ := w.machinePlan(t)
	r, err := w.executor().Reactivate(ctx, st, ciKey)
	must(t, err)
	if r.Outcome != "done" || !strings.Contains(r.Detail, "keyless deactivated it on") {
		t.Fatalf("reactivate: %+v", r)
	}
	must(t, w.call(t))
	tags, err := w.iam.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("ci-bot")})
	must(t, err)
	if len(tags.Tags) != 0 {
		t.Errorf("tags after reactivate: %v", tags.Tags)
	}

	// Deactivated again; someone turns it back on by hand and calls with
	// it: the next plan and the audit say so, with the call's source.
	deactivated(5*time.Minute, "deactivate again")
	at(6 * time.Minute)
	_, err = w.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci-bot"), AccessKeyId: aws.String(ciKey), Status: iamtypes.StatusTypeActive})
	must(t, err)
	must(t, w.call(t))
	_, st, rep := w.machinePlan(t)
	ar := &audit.Report{}
	audit.AttachUsage(ar, []*audit.AccountState{st}, rep)
	if len(ar.Findings) != 1 || ar.Findings[0].ID != audit.UsedAfterDeactivationID ||
		!strings.Contains(ar.Findings[0].Evidence, "sts:GetCallerIdentity at "+t0.Add(6*time.Minute).Format(time.RFC3339)+" from 127.0.0.1 (") ||
		!strings.Contains(ar.Findings[0].Evidence, "app/legacy-cron") {
		t.Fatalf("used after deactivation: %+v", ar.Findings)
	}

	// Back to the role; deactivated; a week later the user goes.
	deactivated(7*time.Minute, "deactivate once more")
	p, _, _ = w.machinePlan(t)
	if d := actionOf(t, p, DeleteUser, "ci-bot"); d.State != Waiting || !strings.Contains(d.Why, "deletable from") {
		t.Fatalf("delete-user within the grace period: %+v", d)
	}
	at(7*time.Minute + DefaultDeleteAfter + time.Hour)
	p, _, _ = w.machinePlan(t)
	res, err = w.executor().Run(ctx, p)
	must(t, err)
	if got := outcomeOf(res, DeleteUser, "ci-bot"); got != "done: " {
		t.Fatalf("delete-user after the grace period: %s", got)
	}
	if _, err := w.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ci-bot")}); err == nil {
		t.Error("ci-bot is still there")
	}
	backups, _ := filepath.Glob(filepath.Join(w.home, "backups", "111111111111", "ci-bot-*.json"))
	log, _ := os.ReadFile(filepath.Join(w.home, "audit.log"))
	if len(backups) != 1 || strings.Count(string(log), `"action":"deactivate-key"`) < 3 || !strings.Contains(string(log), `"action":"reactivate-key"`) ||
		!strings.Contains(string(log), `"action":"delete-user","target":"ci-bot","result":"done"`) {
		t.Errorf("backups %v, log:\n%s", backups, log)
	}
	for k, n := range w.srv.Calls() {
		if strings.HasPrefix(k, "throttled:") && n > 0 {
			t.Errorf("%s: %d: keyless went over LookupEvents' limit", k, n)
		}
	}
}
