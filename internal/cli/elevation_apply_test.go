package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/keyless-dev/keyless/internal/elevation"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
)

// elevationWorld is an organization with a production account and the
// people of the elevation file.
const elevationWorld = `
accounts:
  - {id: "111111111111", name: management}
  - {id: "333333333333", name: elevProd, ou: Workloads/Prod}
  - {id: "444444444444", name: elevStaging, ou: Workloads/Staging}
`

const elevationFile = `region: us-east-1
users:
  - {email: alice@example.com, given_name: Alice, family_name: A}
  - {email: carol@example.com, given_name: Carol, family_name: C}
  - {email: dave@example.com, given_name: Dave, family_name: D}
super_admins: [dave@example.com]
groups:
  - {name: Developers, members: [carol@example.com]}
  - {name: Platform, members: [dave@example.com]}
permission_sets:
  - {name: ProdAdmin, session_duration: PT2H, managed_policies: [AdministratorAccess]}
elevation:
  rules:
    - name: prod-admin
      permission_set: ProdAdmin
      ous: [/Workloads/Prod]
      eligible: {groups: [Developers]}
      approvers: {groups: [Platform]}
      max_duration: 2h
    - name: break-glass
      permission_set: ProdAdmin
      all_accounts: true
      eligible: {users: [alice@example.com]}
      approvers: {groups: [Platform]}
      self_approval: {users: [alice@example.com]}
      max_duration: 1h
`

// elevationEnv is a sandbox, keyless.yaml in a directory, and the
// administrator's clients of the home account (the management account).
type elevationEnv struct {
	t     *testing.T
	srv   *sandbox.Server
	url   string
	dir   string
	clock *testClock
	admin aws.Config
}

func newElevationEnv(t *testing.T, file string) *elevationEnv {
	seedFile := filepath.Join(t.TempDir(), "world.yaml")
	if err := os.WriteFile(seedFile, []byte(elevationWorld), 0o644); err != nil {
		t.Fatal(err)
	}
	seed, err := sandbox.LoadSeed(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	c := &testClock{now: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	srv, url := sandboxtest.Start(t, sandbox.Options{Seed: seed, Now: c.Now, ScheduleTick: -1, AssignmentDelay: -1})
	dir := t.TempDir()
	e := &elevationEnv{t: t, srv: srv, url: url, dir: dir, clock: c}
	e.write(file)
	e.admin = sandboxHome(t, dir, url)
	return e
}

func (e *elevationEnv) write(file string) {
	if err := os.WriteFile(filepath.Join(e.dir, "keyless.yaml"), []byte(file), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// keyless runs the command in-process in the env's directory.
func (e *elevationEnv) keyless(args ...string) (int, string, string) {
	e.t.Helper()
	var out, errOut bytes.Buffer
	wd, _ := os.Getwd()
	if err := os.Chdir(e.dir); err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = os.Chdir(wd) }()
	code := Main(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func (e *elevationEnv) mustApply() string {
	e.t.Helper()
	code, out, errOut := e.keyless("apply", "--yes")
	e.t.Log(errOut)
	if code != 0 {
		e.t.Fatalf("apply = %d\n%s\n%s", code, out, errOut)
	}
	return out
}

// noOp checks that plan has nothing to do.
func (e *elevationEnv) noOp() {
	e.t.Helper()
	code, out, errOut := e.keyless("plan", "--detailed-exitcode")
	if code != 0 {
		e.t.Fatalf("plan after apply = %d, want 0 (no changes):\n%s\n%s", code, out, errOut)
	}
}

// TestElevationApply: apply makes exactly what docs/elevation.md lists in
// the home account, a second plan is a no-op, and a rule change converges.
func TestElevationApply(t *testing.T) {
	e := newElevationEnv(t, elevationFile)
	ctx := context.Background()
	code, out, errOut := e.keyless("plan")
	if code != 0 {
		t.Fatalf("plan = %d\n%s\n%s", code, out, errOut)
	}
	t.Log(out)
	for _, want := range []string{"KeylessElevation", "+ role keyless-elevation-referee in 111111111111", "+ table keyless-elevation",
		"+ state machine keyless-elevation-decide", "+ schedule group keyless-elevation-sweep", "+ schedule keyless-elevation-sweep/sweep"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan does not show %q:\n%s", want, out)
		}
	}
	before := e.srv.Calls()
	start := time.Now()
	out = e.mustApply()
	t.Logf("apply took %s", time.Since(start))
	if !strings.Contains(out, "Apply complete") {
		t.Errorf("apply:\n%s", out)
	}
	e.noOp()

	// What exists: the table with its settings, the roles, the machines,
	// the groups, the sweep, the catalog.
	db := dynamodb.NewFromConfig(e.admin)
	table, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(elevation.TableName)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(table.Table.DeletionProtectionEnabled) || table.Table.BillingModeSummary == nil ||
		table.Table.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest {
		t.Errorf("table: %+v", table.Table)
	}
	backups, err := db.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(elevation.TableName)})
	if err != nil || backups.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddbtypes.PointInTimeRecoveryStatusEnabled {
		t.Errorf("point-in-time recovery: %+v %v", backups, err)
	}
	ia := iam.NewFromConfig(e.admin)
	for _, r := range []string{elevation.RefereeRole, elevation.EnderRole, elevation.ExpireRole, elevation.InvokeRole} {
		if _, err := ia.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(r), PolicyName: aws.String(elevation.RolePolicyName)}); err != nil {
			t.Errorf("role %s: %v", r, err)
		}
	}
	sf := sfn.NewFromConfig(e.admin)
	machines, err := sf.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range machines.StateMachines {
		names = append(names, aws.ToString(m.Name))
	}
	if !slices.Equal(names, []string{elevation.DecideMachine, elevation.EndMachine}) && !slices.Equal(names, []string{elevation.EndMachine, elevation.DecideMachine}) {
		t.Errorf("state machines: %v", names)
	}
	sch := scheduler.NewFromConfig(e.admin)
	sweep, err := sch.GetSchedule(ctx, &scheduler.GetScheduleInput{GroupName: aws.String(elevation.SweepGroup), Name: aws.String(elevation.SweepSchedule)})
	if err != nil || aws.ToString(sweep.ScheduleExpression) != "rate(15 minutes)" {
		t.Errorf("sweep: %+v %v", sweep, err)
	}
	item, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(elevation.TableName), Key: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: elevation.CatalogPK}, "sk": &ddbtypes.AttributeValueMemberS{Value: elevation.CatalogSK}}})
	if err != nil || item.Item["catalog"] == nil {
		t.Fatalf("catalog item: %v %v", item, err)
	}
	cat := item.Item["catalog"].(*ddbtypes.AttributeValueMemberS).Value
	for _, want := range []string{`"elevation_role_id":"AROA`, `"accounts":["333333333333"]`, `"accounts":["111111111111","333333333333","444444444444"]`} {
		if !strings.Contains(cat, want) {
			t.Errorf("catalog lacks %s:\n%s", want, cat)
		}
	}

	// Identity Center: KeylessElevation in the home account for the three
	// people, through their groups and alice.
	sso := ssoadmin.NewFromConfig(e.admin)
	_ = sso
	if code, out, _ := e.keyless("plan", "--json"); code != 0 || strings.Contains(out, `"op": "create"`) {
		t.Errorf("plan --json after apply = %d:\n%s", code, out)
	}
	after := e.srv.Calls()
	t.Logf("apply: %d calls", elevCalls(after)-elevCalls(before))

	// A change of the rules: prod-admin also in elevStaging, and longer.
	e.write(strings.Replace(strings.Replace(elevationFile, "ous: [/Workloads/Prod]", "ous: [/Workloads]", 1), "max_duration: 2h", "max_duration: 3h", 1))
	code, out, _ = e.keyless("plan")
	if code != 0 || !strings.Contains(out, "~ state machine keyless-elevation-decide") || !strings.Contains(out, "~ catalog") {
		t.Errorf("plan of a rule change = %d:\n%s", code, out)
	}
	e.mustApply()
	e.noOp()
}

func elevCalls(calls map[string]int64) int64 {
	var n int64
	for _, c := range calls {
		n += c
	}
	return n
}
