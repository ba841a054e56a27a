package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go"

	"github.com/keyless-dev/keyless/internal/elevation"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
)

// The elevation end-to-end tests: one sandbox whose clock the test moves,
// `keyless apply` of elevationYAML, and people signed in through the
// sandbox's sign-in page with their own KeylessElevation sessions. Nothing
// of keyless runs between a test's steps: grants end by the sandbox's
// scheduler and state machines alone.

const (
	mgmtAccount = "111111111111"
	devAccount  = "222222222222"
	prodAccount = "333333333333"
)

// elevationYAML: alice and carol are developers (ReadOnlyAccess
// everywhere, AdministratorAccess in prod on approval); bob and erin
// approve; dave has break-glass with self-approval; frank revokes.
const elevationYAML = `region: us-east-1
users:
  - {email: alice@example.com, given_name: Alice, family_name: A}
  - {email: bob@example.com, given_name: Bob, family_name: B}
  - {email: carol@example.com, given_name: Carol, family_name: C}
  - {email: dave@example.com, given_name: Dave, family_name: D}
  - {email: erin@example.com, given_name: Erin, family_name: E}
  - {email: frank@example.com, given_name: Frank, family_name: F}
groups:
  - {name: Developers, members: [alice@example.com, carol@example.com]}
  - {name: Platform, members: [bob@example.com, erin@example.com]}
  - {name: SecOps, members: [frank@example.com]}
permission_sets:
  - {name: AdministratorAccess, managed_policies: [AdministratorAccess]}
  - {name: ReadOnlyAccess, managed_policies: [ReadOnlyAccess]}
assignments:
  - {permission_set: ReadOnlyAccess, groups: [Developers], all_accounts: true}
elevation:
  home_account: "111111111111"
  max_duration: 8h
  reason: required
  webhook: WEBHOOK
  revokers: {groups: [SecOps]}
  rules:
    - name: prod-admin
      permission_set: AdministratorAccess
      accounts: ["333333333333"]
      eligible: {groups: [Developers]}
      approvers: {groups: [Platform]}
      max_duration: 2h
    - name: break-glass
      permission_set: AdministratorAccess
      all_accounts: true
      eligible: {users: [dave@example.com]}
      approvers: {groups: [Platform]}
      self_approval: {users: [dave@example.com]}
      max_duration: 1h
      ticket: {required: true, pattern: '^INC-[0-9]+$'}
`

type elevWorld struct {
	t       *testing.T
	clock   *testClock
	url     string
	admin   aws.Config
	dir     string
	mu      sync.Mutex
	tokens  map[string]string
	webhook *webhookLog
	// hookClient trusts the webhook's test certificate.
	hookClient *http.Client
	// faults fail the machines' AWS calls the test names.
	faults *taskFaults
}

// taskFaults fails the next n AWS SDK tasks of a service's action, in any
// machine, with a code (the sandbox's Options.TaskFault).
type taskFaults struct {
	mu   sync.Mutex
	left map[string]int
	code map[string]string
	// before runs once, before the next call of service:action, in the
	// machine's own run: what happens meanwhile elsewhere.
	before map[string]func()
}

// meanwhile runs fn once, before the next call of service:action, while
// the machine making it waits.
func (f *taskFaults) meanwhile(service, action string, fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.before == nil {
		f.before = map[string]func(){}
	}
	f.before[service+":"+action] = fn
}

// pending is how many of service:action's failures are still to come.
func (f *taskFaults) pending(service, action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.left[service+":"+action]
}

// fail makes the next n calls of service:action fail with code.
func (f *taskFaults) fail(service, action, code string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.code == nil {
		f.code = map[string]string{}
	}
	f.left[service+":"+action], f.code[service+":"+action] = n, code
}

func (f *taskFaults) next(service, action string) string {
	k := service + ":" + action
	f.mu.Lock()
	fn := f.before[k]
	delete(f.before, k)
	f.mu.Unlock()
	if fn != nil {
		fn()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.left[k] <= 0 {
		return ""
	}
	f.left[k]--
	return f.code[k]
}

// webhookLog records the webhook's posts.
type webhookLog struct {
	mu    sync.Mutex
	texts []string
}

func (l *webhookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	_, _ = b.ReadFrom(r.Body)
	l.mu.Lock()
	l.texts = append(l.texts, b.String())
	l.mu.Unlock()
}

func (l *webhookLog) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.texts, "\n")
}

// newElevWorld starts the sandbox and applies elevationYAML.
func newElevWorld(t *testing.T) *elevWorld {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	faults := &taskFaults{left: map[string]int{}}
	_, url := sandboxtest.Start(t, sandbox.Options{Now: clock.Now, AssignmentDelay: -1, ScheduleTick: -1,
		// The tests move the clock by hours; the portal token outlives them.
		AccessTokenTTL: 7 * 24 * time.Hour, TaskFault: faults.next})
	hook := &webhookLog{}
	hs := httptest.NewTLSServer(hook)
	t.Cleanup(hs.Close)
	w := &elevWorld{t: t, clock: clock, url: url, dir: t.TempDir(), tokens: map[string]string{}, webhook: hook, hookClient: hs.Client(), faults: faults}
	w.admin = sandboxHome(t, w.dir, url)
	file := filepath.Join(w.dir, "keyless.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(elevationYAML, "WEBHOOK", hs.URL+"/hook", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"apply", "-f", file, "--yes"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("keyless apply: exit %d\n%s%s", code, out.String(), errb.String())
	}
	return w
}

// token signs user in (once) and returns their portal token.
func (w *elevWorld) token(user string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if tok, ok := w.tokens[user]; ok {
		return tok
	}
	tok := sandboxtest.SignIn(w.t, w.admin, user+"@example.com")
	w.tokens[user] = tok
	return tok
}

// session is user's role session of set in account.
func (w *elevWorld) session(user, account, set string) (aws.Config, error) {
	return sandboxtest.RoleSession(w.t, w.admin, w.token(user), account, set)
}

// client is user's elevation client, with their KeylessElevation session
// got again from the portal for every call, as keyless's cache would once
// the session is old: the tests move the clock by hours.
func (w *elevWorld) client(user string) *elevation.Client {
	w.t.Helper()
	if _, err := w.session(user, mgmtAccount, elevation.PermissionSetName); err != nil {
		w.t.Fatalf("%s's %s session: %v", user, elevation.PermissionSetName, err)
	}
	cfg := w.admin.Copy()
	cfg.Credentials = aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		out, err := sso.NewFromConfig(w.admin).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: aws.String(w.token(user)),
			AccountId: aws.String(mgmtAccount), RoleName: aws.String(elevation.PermissionSetName)})
		if err != nil {
			return aws.Credentials{}, err
		}
		rc := out.RoleCredentials
		// Expired by the real clock at once: the SDK's cache asks again.
		return aws.Credentials{AccessKeyID: aws.ToString(rc.AccessKeyId), SecretAccessKey: aws.ToString(rc.SecretAccessKey),
			SessionToken: aws.ToString(rc.SessionToken), CanExpire: true, Expires: time.Now()}, nil
	})
	c, err := elevation.Open(context.Background(), cfg)
	if err != nil {
		w.t.Fatalf("%s's elevation client: %v", user, err)
	}
	c.Now, c.Poll = w.clock.Now, time.Millisecond
	c.States = flowingStates{c.States, w}
	hook := &elevation.Webhook{URL: c.Catalog.Webhook, HTTP: w.hookClient}
	c.Notify = hook.Post
	return c
}

// flowingStates lets AWS's time pass while a person's keyless waits for
// a machine: a machine's Wait state (decide polls the assignment every 2s)
// ends by the sandbox's clock, which only the test moves.
type flowingStates struct {
	elevation.StepFunctions
	w *elevWorld
}

func (f flowingStates) DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, optFns ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	out, err := f.StepFunctions.DescribeExecution(ctx, in, optFns...)
	if err == nil && out.Status == sfntypes.ExecutionStatusRunning {
		f.w.pass(time.Second)
	}
	return out, err
}

// pass moves the clock and runs what became due.
func (w *elevWorld) pass(d time.Duration) {
	w.clock.Add(d)
	w.runSchedules()
}

// runSchedules runs what is due at the sandbox's time: schedules and
// machines' Wait states.
func (w *elevWorld) runSchedules() {
	w.t.Helper()
	resp, err := http.Post(w.url+"/_sandbox/scheduler/run", "application/json", strings.NewReader("{}"))
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		w.t.Fatalf("POST /_sandbox/scheduler/run: %s", resp.Status)
	}
}

// assigned reports whether user holds set in account, as the portal
// (keyless login, profiles sync) sees it.
func (w *elevWorld) assigned(user, account, set string) bool {
	for _, r := range sandboxtest.Roles(w.t, w.admin, w.token(user), account) {
		if r == set {
			return true
		}
	}
	return false
}

// items is the elevation table's every item, for "nothing was written".
func (w *elevWorld) items() []map[string]string {
	w.t.Helper()
	var out []map[string]string
	p := dynamodb.NewScanPaginator(dynamodb.NewFromConfig(w.admin), &dynamodb.ScanInput{TableName: aws.String(elevation.TableName)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		for _, it := range page.Items {
			m := map[string]string{}
			for k, v := range it {
				switch v := v.(type) {
				case *ddbtypes.AttributeValueMemberS:
					m[k] = v.Value
				case *ddbtypes.AttributeValueMemberN:
					m[k] = v.Value
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// assignments counts the account assignments of set in account, as the
// administrator sees them.
func (w *elevWorld) assignments(account, set string) int {
	w.t.Helper()
	ctx := context.Background()
	admin := ssoadmin.NewFromConfig(w.admin)
	inst, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	arn := aws.ToString(inst.Instances[0].InstanceArn)
	sets, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(arn)})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, ps := range sets.PermissionSets {
		d, err := admin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(arn), PermissionSetArn: aws.String(ps)})
		if err != nil {
			w.t.Fatal(err)
		}
		if aws.ToString(d.PermissionSet.Name) != set {
			continue
		}
		out, err := admin.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(arn), PermissionSetArn: aws.String(ps), AccountId: aws.String(account)})
		if err != nil {
			w.t.Fatal(err)
		}
		return len(out.AccountAssignments)
	}
	w.t.Fatalf("no permission set %s", set)
	return 0
}

// noExecution checks that no execution has arn.
func (w *elevWorld) noExecution(t *testing.T, arn string) {
	t.Helper()
	_, err := sfn.NewFromConfig(w.admin).DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	var missing *sfntypes.ExecutionDoesNotExist
	if !errors.As(err, &missing) {
		t.Fatalf("describe %s = %v, want ExecutionDoesNotExist: it ran again", arn, err)
	}
}

// wantRefused checks that err is the machine's refusal code.
func wantRefused(t *testing.T, err error, code string) {
	t.Helper()
	var re *elevation.RefusedError
	if !errors.As(err, &re) || re.Code != code {
		t.Fatalf("error = %v, want the referee's %s", err, code)
	}
}

// wantAccessDenied checks that AWS refused a call for access.
func wantAccessDenied(t *testing.T, what string, err error) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || (ae.ErrorCode() != "AccessDeniedException" && ae.ErrorCode() != "AccessDenied") {
		t.Errorf("%s: error = %v, want AccessDenied", what, err)
	}
}

// inlinePolicy is the named permission set's inline policy.
func (w *elevWorld) inlinePolicy(set string) string {
	w.t.Helper()
	ctx := context.Background()
	admin := ssoadmin.NewFromConfig(w.admin)
	inst, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	arn := inst.Instances[0].InstanceArn
	sets, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: arn})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, ps := range sets.PermissionSets {
		d, err := admin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: arn, PermissionSetArn: aws.String(ps)})
		if err != nil {
			w.t.Fatal(err)
		}
		if aws.ToString(d.PermissionSet.Name) == set {
			out, err := admin.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: arn, PermissionSetArn: aws.String(ps)})
			if err != nil {
				w.t.Fatal(err)
			}
			return aws.ToString(out.InlinePolicy)
		}
	}
	w.t.Fatalf("no permission set %s", set)
	return ""
}
