package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go"
)

// schedulerTrust lets EventBridge Scheduler assume a role for schedules of
// the management account.
const schedulerTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},` +
	`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"` + defaultManagementAccount + `"}}}]}`

type schedFixture struct {
	srv   *Server
	url   string
	sso   ssoFixture
	sc    *scheduler.Client
	iam   *iam.Client
	clock *fakeClock
	user  string
	role  string // the execution role's ARN
	log   *lockedBuffer
}

// lockedBuffer is the sandbox's log, written from its handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newSchedFixture starts a sandbox on a fake clock without the ticker:
// tests run due schedules by hand.
func newSchedFixture(t *testing.T) schedFixture {
	t.Helper()
	return newSchedFixtureTick(t, -1)
}

func newSchedFixtureTick(t *testing.T, tick time.Duration) schedFixture {
	t.Helper()
	clock := newFakeClock()
	seed := DefaultSeed()
	seed.Users = append(seed.Users, SeedUser{UserName: "alice", GivenName: "alice", FamilyName: "Test"})
	log := &lockedBuffer{}
	srv, url := startSandbox(t, Options{Seed: seed, Now: clock.Now, AssignmentDelay: time.Minute, ScheduleTick: tick,
		Log: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	cfg := sdkConfig(t, url)
	f := schedFixture{srv: srv, url: url, sso: newSSOFixture(t, cfg), sc: scheduler.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), clock: clock, log: log}
	srv.withWorld(func(w *World, _ time.Time) { f.user = w.userByName("alice").ID })
	role := must(f.iam.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("keyless-expiry"),
		AssumeRolePolicyDocument: aws.String(schedulerTrust)}))(t)
	f.role = aws.ToString(role.Role.Arn)
	// What the role may do: once the sandbox evaluates role sessions'
	// policies, the invocations need exactly this.
	must(f.iam.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("keyless-expiry"), PolicyName: aws.String("assignments"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sso:CreateAccountAssignment","sso:DeleteAccountAssignment",` +
			`"identitystore:CreateGroup"],"Resource":"*"}]}`)}))(t)
	return f
}

// deleteAssignmentInput is a universal target's Input: the API's own
// request, with its parameter names.
func (f schedFixture) deleteAssignmentInput(ps *string, account string) string {
	b, _ := json.Marshal(map[string]string{"InstanceArn": aws.ToString(f.sso.inst), "PermissionSetArn": aws.ToString(ps),
		"TargetId": account, "TargetType": "AWS_ACCOUNT", "PrincipalType": "USER", "PrincipalId": f.user})
	return string(b)
}

func (f schedFixture) assignments(t *testing.T, ps *string, account string) int {
	t.Helper()
	out := must(f.sso.c.ListAccountAssignments(context.Background(), &ssoadmin.ListAccountAssignmentsInput{InstanceArn: f.sso.inst,
		AccountId: aws.String(account), PermissionSetArn: ps}))(t)
	return len(out.AccountAssignments)
}

// runDue asks the sandbox to run what is due, as a test or a user would.
func (f schedFixture) runDue(t *testing.T) []ScheduleInvocation {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.url+"/_sandbox/scheduler/run", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Invocations []ScheduleInvocation }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("run: %d %v", resp.StatusCode, err)
	}
	return out.Invocations
}

// invocations reads the invocations from the state dump.
func (f schedFixture) invocations() []ScheduleInvocation {
	resp, err := http.Get(f.url + "/_sandbox/state")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var state struct {
		Scheduler struct{ Invocations []ScheduleInvocation } `json:"scheduler"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		panic(err)
	}
	return state.Scheduler.Invocations
}

func TestSchedulerAtScheduleDeletesAnAssignment(t *testing.T) {
	ctx := context.Background()
	f := newSchedFixture(t)
	ps := f.sso.createPS(t, "SuperAdmin")
	f.sso.assign(t, ps, "222222222222", f.user)
	f.clock.Add(time.Minute)
	if n := f.assignments(t, ps, "222222222222"); n != 1 {
		t.Fatalf("assignments before = %d", n)
	}

	group := must(f.sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("keyless-elevation"),
		Tags: []schedtypes.Tag{{Key: aws.String("owner"), Value: aws.String("keyless")}}}))(t)
	if want := "arn:aws:scheduler:us-east-1:" + defaultManagementAccount + ":schedule-group/keyless-elevation"; aws.ToString(group.ScheduleGroupArn) != want {
		t.Fatalf("group ARN = %s, want %s", aws.ToString(group.ScheduleGroupArn), want)
	}
	// The grant ends at 10:30 in Paris (09:30 UTC), 90 minutes on.
	in := &scheduler.CreateScheduleInput{
		Name: aws.String("expire-alice"), GroupName: aws.String("keyless-elevation"),
		ScheduleExpression: aws.String("at(2026-11-24T10:30:00)"), ScheduleExpressionTimezone: aws.String("Europe/Paris"),
		FlexibleTimeWindow:    &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		ActionAfterCompletion: schedtypes.ActionAfterCompletionDelete,
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role),
			Input: aws.String(f.deleteAssignmentInput(ps, "222222222222"))},
		ClientToken: aws.String("grant-1"),
	}
	created := must(f.sc.CreateSchedule(ctx, in))(t)
	// The same request again (a retry) answers the same schedule.
	again := must(f.sc.CreateSchedule(ctx, in))(t)
	if aws.ToString(again.ScheduleArn) != aws.ToString(created.ScheduleArn) {
		t.Fatalf("retried CreateSchedule = %s, want %s", aws.ToString(again.ScheduleArn), aws.ToString(created.ScheduleArn))
	}
	got := must(f.sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("expire-alice"), GroupName: aws.String("keyless-elevation")}))(t)
	if got.State != schedtypes.ScheduleStateEnabled || got.Target.RetryPolicy == nil || aws.ToInt32(got.Target.RetryPolicy.MaximumRetryAttempts) != 185 ||
		aws.ToString(got.ScheduleExpressionTimezone) != "Europe/Paris" || got.CreationDate == nil || !got.CreationDate.Equal(f.clock.Now()) {
		t.Fatalf("GetSchedule = %+v", got)
	}

	// Not due yet (it is 08:01 UTC).
	f.clock.Add(88 * time.Minute)
	if ran := f.runDue(t); len(ran) != 0 {
		t.Fatalf("ran before due: %+v", ran)
	}
	f.clock.Add(time.Minute)
	ran := f.runDue(t)
	if len(ran) != 1 || ran[0].Status != "SUCCEEDED" || ran[0].Attempts != 1 ||
		!strings.HasPrefix(ran[0].Caller, "arn:aws:sts::"+defaultManagementAccount+":assumed-role/keyless-expiry/") {
		t.Fatalf("ran = %+v", ran)
	}
	f.clock.Add(time.Minute) // the deletion's own delay
	if n := f.assignments(t, ps, "222222222222"); n != 0 {
		t.Fatalf("assignments after the schedule ran = %d", n)
	}
	_, err := f.sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("expire-alice"), GroupName: aws.String("keyless-elevation")})
	wantCode(t, err, "ResourceNotFoundException")
	if calls := f.srv.Calls(); calls["sso-admin:DeleteAccountAssignment"] != 1 {
		t.Fatalf("calls = %v", calls)
	}
	if got := f.invocations(); len(got) != 1 || got[0].Status != "SUCCEEDED" || got[0].ScheduleARN != aws.ToString(created.ScheduleArn) {
		t.Fatalf("invocations in the state = %+v", got)
	}
	if log := f.log.String(); !strings.Contains(log, `msg="schedule invoked" schedule=`+aws.ToString(created.ScheduleArn)) || !strings.Contains(log, "status=SUCCEEDED") {
		t.Fatalf("no log line for the invocation:\n%s", log)
	}
	if ran := f.runDue(t); len(ran) != 0 {
		t.Fatalf("ran twice: %+v", ran)
	}
}

func TestSchedulerCreateAssignmentAndNone(t *testing.T) {
	ctx := context.Background()
	f := newSchedFixture(t)
	ps := f.sso.createPS(t, "ReadOnly")
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name: aws.String("grant"), ScheduleExpression: aws.String("at(2026-11-24T08:05:00)"),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:createAccountAssignment"), RoleArn: aws.String(f.role),
			Input: aws.String(f.deleteAssignmentInput(ps, "333333333333"))},
	}))(t)
	f.clock.Add(5 * time.Minute)
	if ran := f.runDue(t); len(ran) != 1 || ran[0].Status != "SUCCEEDED" {
		t.Fatalf("ran = %+v", ran)
	}
	f.clock.Add(time.Minute)
	if n := f.assignments(t, ps, "333333333333"); n != 1 {
		t.Fatalf("assignments after the schedule ran = %d", n)
	}
	// ActionAfterCompletion NONE keeps the schedule.
	must(f.sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("grant")}))(t)

	// Any awsJson operation of the sandbox's services: identitystore here.
	storeID := f.srv.IdentityStoreID()
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name: aws.String("group"), ScheduleExpression: aws.String("at(2026-11-24T08:10:00)"),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:identitystore:createGroup"), RoleArn: aws.String(f.role),
			Input: aws.String(`{"IdentityStoreId":"` + storeID + `","DisplayName":"jit-approvers"}`)},
	}))(t)
	f.clock.Add(5 * time.Minute)
	if ran := f.runDue(t); len(ran) != 1 || ran[0].Status != "SUCCEEDED" {
		t.Fatalf("ran = %+v", ran)
	}
	found := false
	f.srv.withWorld(func(w *World, _ time.Time) {
		for _, g := range w.Groups {
			found = found || g.DisplayName == "jit-approvers"
		}
	})
	if !found {
		t.Fatal("the schedule did not create the group")
	}
}

func TestSchedulerFailuresAreRecorded(t *testing.T) {
	ctx := context.Background()
	f := newSchedFixture(t)
	ps := f.sso.createPS(t, "Gone")
	window := &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff}
	// A client error is not retried: FAILED after one attempt, and the
	// one-time schedule is done (DELETE removes it).
	bad := strings.Replace(f.deleteAssignmentInput(ps, "222222222222"), `"TargetId":"222222222222"`, `"TargetId":"999999999999"`, 1)
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("bad"), ScheduleExpression: aws.String("at(2026-11-24T08:00:00)"),
		FlexibleTimeWindow: window, ActionAfterCompletion: schedtypes.ActionAfterCompletionDelete,
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role), Input: aws.String(bad)}}))(t)
	// A target the sandbox cannot reach.
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("queue"), ScheduleExpression: aws.String("at(2026-11-24T08:00:00)"),
		FlexibleTimeWindow: window,
		Target:             &schedtypes.Target{Arn: aws.String("arn:aws:sqs:us-east-1:" + defaultManagementAccount + ":q"), RoleArn: aws.String(f.role), Input: aws.String("hi")}}))(t)
	// A disabled schedule does not run.
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("off"), ScheduleExpression: aws.String("at(2026-11-24T08:00:00)"),
		FlexibleTimeWindow: window, State: schedtypes.ScheduleStateDisabled,
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role), Input: aws.String(bad)}}))(t)
	ran := f.runDue(t)
	if len(ran) != 2 || ran[0].Status != "FAILED" || ran[0].Attempts != 1 || ran[0].HTTPStatus != 404 || ran[0].ErrorCode != "ResourceNotFoundException" ||
		ran[1].Status != "FAILED" || ran[1].ErrorCode != "UnsupportedTarget" {
		t.Fatalf("ran = %+v", ran)
	}
	_, err := f.sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("bad")})
	wantCode(t, err, "ResourceNotFoundException")
	if got := f.invocations(); len(got) != 2 {
		t.Fatalf("invocations in the state = %+v", got)
	}

	// A role that no longer trusts the scheduler: the invocation fails.
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("untrusted"), ScheduleExpression: aws.String("at(2026-11-24T08:00:00)"),
		FlexibleTimeWindow: window,
		Target:             &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role), Input: aws.String(bad)}}))(t)
	must(f.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("keyless-expiry"),
		PolicyDocument: aws.String(strings.Replace(schedulerTrust, "scheduler.amazonaws.com", "lambda.amazonaws.com", 1))}))(t)
	if ran := f.runDue(t); len(ran) != 1 || ran[0].Status != "FAILED" || ran[0].ErrorCode != "AccessDenied" || ran[0].Caller != "" {
		t.Fatalf("ran = %+v", ran)
	}
}

func TestSchedulerRetryPolicy(t *testing.T) {
	due := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                string
		retries, maxAge     int32
		status              int
		code                string
		retryable           bool
		wantStatus          string
		wantNext            time.Duration // after now; 0 for none
		attemptsBefore, _at int
	}{
		{name: "throttled, retried", retries: 185, maxAge: 86400, status: 400, code: "ThrottlingException", retryable: true, wantStatus: "RETRYING", wantNext: time.Second},
		{name: "server error, retried with backoff", retries: 185, maxAge: 86400, status: 500, code: "InternalServerException", retryable: true, attemptsBefore: 3, wantStatus: "RETRYING", wantNext: 8 * time.Second},
		{name: "no retries", retries: 0, maxAge: 86400, status: 500, code: "InternalServerException", retryable: true, wantStatus: "FAILED"},
		{name: "retries spent", retries: 2, maxAge: 86400, status: 500, code: "InternalServerException", retryable: true, attemptsBefore: 2, wantStatus: "FAILED"},
		{name: "too old", retries: 185, maxAge: 60, status: 500, code: "InternalServerException", retryable: true, attemptsBefore: 6, wantStatus: "FAILED"},
		{name: "client error", retries: 185, maxAge: 86400, status: 403, code: "AccessDeniedException", wantStatus: "FAILED"},
		{name: "success", retries: 185, maxAge: 86400, status: 200, wantStatus: "SUCCEEDED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &World{}
			inv := &ScheduleInvocation{Due: due, Attempts: tc.attemptsBefore, maxRetries: tc.retries, maxAge: tc.maxAge}
			now := due.Add(30 * time.Second)
			w.finishAttempt(inv, now, tc.status, tc.code, "", tc.retryable)
			if inv.Status != tc.wantStatus || inv.Attempts != tc.attemptsBefore+1 {
				t.Fatalf("status %s after %d attempts, want %s", inv.Status, inv.Attempts, tc.wantStatus)
			}
			if (tc.wantNext == 0) != inv.NextAttempt.IsZero() || tc.wantNext != 0 && inv.NextAttempt.Sub(now) != tc.wantNext {
				t.Fatalf("next attempt %v after now, want %v", inv.NextAttempt.Sub(now), tc.wantNext)
			}
		})
	}
}

func TestSchedulerRateScheduleRunsAgain(t *testing.T) {
	ctx := context.Background()
	f := newSchedFixture(t)
	ps := f.sso.createPS(t, "Ops")
	start := f.clock.Now().Add(10 * time.Minute)
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("hourly"), ScheduleExpression: aws.String("rate(1 hour)"),
		StartDate: aws.Time(start), EndDate: aws.Time(start.Add(150 * time.Minute)), ActionAfterCompletion: schedtypes.ActionAfterCompletionDelete,
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:createAccountAssignment"), RoleArn: aws.String(f.role),
			Input: aws.String(f.deleteAssignmentInput(ps, "222222222222"))}}))(t)
	var runs int
	for range 4 {
		f.clock.Add(time.Hour)
		runs += len(f.runDue(t))
	}
	// Due at start, start+1h and start+2h; then past its EndDate, deleted.
	if runs != 3 {
		t.Fatalf("runs = %d, want 3", runs)
	}
	_, err := f.sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("hourly")})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestSchedulerValidation(t *testing.T) {
	ctx := context.Background()
	f := newSchedFixture(t)
	window := &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff}
	target := func() *schedtypes.Target {
		return &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role), Input: aws.String("{}")}
	}
	create := func(mod func(*scheduler.CreateScheduleInput)) error {
		in := &scheduler.CreateScheduleInput{Name: aws.String("s"), ScheduleExpression: aws.String("at(2026-12-01T00:00:00)"), FlexibleTimeWindow: window, Target: target()}
		mod(in)
		_, err := f.sc.CreateSchedule(ctx, in)
		return err
	}
	for _, tc := range []struct {
		name, want string
		mod        func(*scheduler.CreateScheduleInput)
	}{
		{"bad name", "^[0-9a-zA-Z-_.]+$", func(in *scheduler.CreateScheduleInput) { in.Name = aws.String("no spaces") }},
		{"long name", "length less than or equal to 64", func(in *scheduler.CreateScheduleInput) { in.Name = aws.String(strings.Repeat("n", 65)) }},
		{"at without seconds", "Invalid Schedule Expression at(2026-12-01T00:00).", func(in *scheduler.CreateScheduleInput) {
			in.ScheduleExpression = aws.String("at(2026-12-01T00:00)")
		}},
		{"at on a day that is not", "Invalid Schedule Expression", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpression = aws.String("at(2026-02-30T00:00:00)") }},
		{"rate zero", "Invalid Schedule Expression rate(0 minutes).", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpression = aws.String("rate(0 minutes)") }},
		{"rate unit", "Invalid Schedule Expression", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpression = aws.String("rate(5 seconds)") }},
		{"cron both days", "Invalid Schedule Expression", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpression = aws.String("cron(0 12 * * MON *)") }},
		{"cron five fields", "Invalid Schedule Expression", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpression = aws.String("cron(0 12 * * ?)") }},
		{"cron minute", "Invalid Schedule Expression", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpression = aws.String("cron(60 12 * * ? *)") }},
		{"time zone", "Invalid Schedule Expression Timezone Mars/Olympus.", func(in *scheduler.CreateScheduleInput) {
			in.ScheduleExpressionTimezone = aws.String("Mars/Olympus")
		}},
		{"mode", "flexibleTimeWindow.mode", func(in *scheduler.CreateScheduleInput) {
			in.FlexibleTimeWindow = &schedtypes.FlexibleTimeWindow{Mode: "SOMETIMES"}
		}},
		{"flexible without window", "MaximumWindowInMinutes", func(in *scheduler.CreateScheduleInput) {
			in.FlexibleTimeWindow = &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeFlexible}
		}},
		{"state", "Member must satisfy enum value set: [ENABLED, DISABLED]", func(in *scheduler.CreateScheduleInput) { in.State = "PAUSED" }},
		{"after completion", "[NONE, DELETE]", func(in *scheduler.CreateScheduleInput) { in.ActionAfterCompletion = "ARCHIVE" }},
		{"role pattern", "target.roleArn", func(in *scheduler.CreateScheduleInput) { in.Target.RoleArn = aws.String("keyless-expiry") }},
		{"role that does not exist", "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.", func(in *scheduler.CreateScheduleInput) {
			in.Target.RoleArn = aws.String("arn:aws:iam::" + defaultManagementAccount + ":role/nobody")
		}},
		{"retries", "maximumRetryAttempts", func(in *scheduler.CreateScheduleInput) {
			in.Target.RetryPolicy = &schedtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(186)}
		}},
		{"event age", "maximumEventAgeInSeconds", func(in *scheduler.CreateScheduleInput) {
			in.Target.RetryPolicy = &schedtypes.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(59)}
		}},
		{"read-only universal target", "read-only", func(in *scheduler.CreateScheduleInput) {
			in.Target.Arn = aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:listAccountAssignments")
		}},
		{"input not JSON", "well-formed JSON", func(in *scheduler.CreateScheduleInput) { in.Target.Input = aws.String("{") }},
		{"dead-letter queue", "target.deadLetterConfig.arn", func(in *scheduler.CreateScheduleInput) {
			in.Target.DeadLetterConfig = &schedtypes.DeadLetterConfig{Arn: aws.String("arn:aws:sns:us-east-1:111111111111:t")}
		}},
		{"end before start", "EndDate", func(in *scheduler.CreateScheduleInput) {
			in.StartDate, in.EndDate = aws.Time(f.clock.Now().Add(2*time.Hour)), aws.Time(f.clock.Now().Add(time.Hour))
		}},
		{"recurring start long past", "StartDate", func(in *scheduler.CreateScheduleInput) {
			in.ScheduleExpression, in.StartDate = aws.String("rate(5 minutes)"), aws.Time(f.clock.Now().Add(-time.Hour))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := create(tc.mod)
			wantValidation(t, err, tc.want)
		})
	}

	// Accepted expressions.
	for i, expr := range []string{"rate(1 minute)", "rate(5 minutes)", "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 12 L * ? 2026-2030)", "cron(0 9 ? * 6#3 *)", "cron(30 2 15W * ? *)"} {
		if err := create(func(in *scheduler.CreateScheduleInput) {
			in.Name, in.ScheduleExpression = aws.String(fmt.Sprint("ok", i)), aws.String(expr)
		}); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}

	// Names, conflicts and what does not exist.
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("dup"), ScheduleExpression: aws.String("at(2026-12-01T00:00:00)"), FlexibleTimeWindow: window, Target: target()}))(t)
	_, err := f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("dup"), ScheduleExpression: aws.String("at(2026-12-01T00:00:00)"), FlexibleTimeWindow: window, Target: target()})
	wantMessage(t, err, "ConflictException", "Schedule dup already exists.")
	_, err = f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("x"), GroupName: aws.String("nope"), ScheduleExpression: aws.String("at(2026-12-01T00:00:00)"), FlexibleTimeWindow: window, Target: target()})
	wantMessage(t, err, "ResourceNotFoundException", "Schedule group nope does not exist.")
	_, err = f.sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("missing")})
	wantMessage(t, err, "ResourceNotFoundException", "Schedule missing does not exist.")
	_, err = f.sc.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("missing")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = f.sc.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{Name: aws.String("missing"), ScheduleExpression: aws.String("at(2026-12-01T00:00:00)"), FlexibleTimeWindow: window, Target: target()})
	wantCode(t, err, "ResourceNotFoundException")
	must(f.sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("g")}))(t)
	_, err = f.sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("g")})
	wantMessage(t, err, "ConflictException", "Schedule group g already exists.")
	_, err = f.sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("default")})
	wantCode(t, err, "ConflictException")
	_, err = f.sc.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: aws.String("default")})
	wantCode(t, err, "ValidationException")
	_, err = f.sc.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: aws.String("nope")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = f.sc.ListSchedules(ctx, &scheduler.ListSchedulesInput{GroupName: aws.String("nope")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = f.sc.ListSchedules(ctx, &scheduler.ListSchedulesInput{MaxResults: aws.Int32(101)})
	wantValidation(t, err, "maxResults")
	_, err = f.sc.TagResource(ctx, &scheduler.TagResourceInput{ResourceArn: aws.String("arn:aws:scheduler:us-east-1:" + defaultManagementAccount + ":schedule/default/dup"),
		Tags: []schedtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantValidation(t, err, "resourceArn")
	var state struct {
		Scheduler struct{ Schedules []json.RawMessage }
	}
	f.srv.withWorld(func(w *World, _ time.Time) {
		b, _ := json.Marshal(w)
		_ = json.Unmarshal(b, &state)
	})
	if len(state.Scheduler.Schedules) != 7 { // ok0..ok5 and dup: nothing else was made
		t.Fatalf("schedules in the state = %d", len(state.Scheduler.Schedules))
	}
}

func wantMessage(t *testing.T, err error, code, msg string) {
	t.Helper()
	wantCode(t, err, code)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorMessage() != msg {
		t.Fatalf("message = %v, want %q", err, msg)
	}
}

func TestSchedulerListsUpdatesAndTags(t *testing.T) {
	ctx := context.Background()
	f := newSchedFixture(t)
	window := &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff}
	must(f.sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("elevation")}))(t)
	for i := range 5 {
		state, group := schedtypes.ScheduleStateEnabled, aws.String("elevation")
		if i%2 == 1 {
			state, group = schedtypes.ScheduleStateDisabled, nil
		}
		must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String(fmt.Sprintf("expire-%d", i)), GroupName: group, State: state,
			ScheduleExpression: aws.String("at(2026-12-01T00:00:00)"), FlexibleTimeWindow: window,
			Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role), Input: aws.String("{}")}}))(t)
	}
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("other"), ScheduleExpression: aws.String("rate(1 day)"), FlexibleTimeWindow: window,
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role), Input: aws.String("{}")}}))(t)

	list := func(in *scheduler.ListSchedulesInput) []string {
		var names []string
		p := scheduler.NewListSchedulesPaginator(f.sc, in)
		for p.HasMorePages() {
			out := must(p.NextPage(ctx))(t)
			if in.MaxResults != nil && len(out.Schedules) > int(*in.MaxResults) {
				t.Fatalf("page of %d", len(out.Schedules))
			}
			for _, s := range out.Schedules {
				names = append(names, aws.ToString(s.Name)+"@"+aws.ToString(s.GroupName))
			}
		}
		return names
	}
	for _, tc := range []struct {
		in   scheduler.ListSchedulesInput
		want string
	}{
		{scheduler.ListSchedulesInput{}, "expire-0@elevation expire-1@default expire-2@elevation expire-3@default expire-4@elevation other@default"},
		{scheduler.ListSchedulesInput{NamePrefix: aws.String("expire-")}, "expire-0@elevation expire-1@default expire-2@elevation expire-3@default expire-4@elevation"},
		{scheduler.ListSchedulesInput{GroupName: aws.String("elevation")}, "expire-0@elevation expire-2@elevation expire-4@elevation"},
		{scheduler.ListSchedulesInput{State: schedtypes.ScheduleStateDisabled}, "expire-1@default expire-3@default"},
	} {
		in := tc.in
		in.MaxResults = aws.Int32(2)
		if got := strings.Join(list(&in), " "); got != tc.want {
			t.Errorf("ListSchedules %+v = %s, want %s", tc.in, got, tc.want)
		}
	}

	// UpdateSchedule replaces the schedule: what it leaves out goes back
	// to its default.
	must(f.sc.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{Name: aws.String("expire-1"), ScheduleExpression: aws.String("at(2026-12-02T00:00:00)"),
		FlexibleTimeWindow: window, Description: aws.String("moved"),
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: aws.String(f.role), Input: aws.String("{}")}}))(t)
	got := must(f.sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("expire-1")}))(t)
	if got.State != schedtypes.ScheduleStateEnabled || aws.ToString(got.Description) != "moved" || aws.ToString(got.ScheduleExpression) != "at(2026-12-02T00:00:00)" {
		t.Fatalf("after update = %+v", got)
	}

	groups := must(f.sc.ListScheduleGroups(ctx, &scheduler.ListScheduleGroupsInput{}))(t)
	if len(groups.ScheduleGroups) != 2 || aws.ToString(groups.ScheduleGroups[0].Name) != "default" || aws.ToString(groups.ScheduleGroups[1].Name) != "elevation" {
		t.Fatalf("groups = %+v", groups.ScheduleGroups)
	}
	arn := groups.ScheduleGroups[1].Arn
	must(f.sc.TagResource(ctx, &scheduler.TagResourceInput{ResourceArn: arn, Tags: []schedtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}))(t)
	must(f.sc.UntagResource(ctx, &scheduler.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"a"}}))(t)
	tags := must(f.sc.ListTagsForResource(ctx, &scheduler.ListTagsForResourceInput{ResourceArn: arn}))(t)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "b" {
		t.Fatalf("tags = %+v", tags.Tags)
	}

	// Deleting a group deletes its schedules; a reset forgets the rest.
	must(f.sc.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: aws.String("elevation")}))(t)
	if got := strings.Join(list(&scheduler.ListSchedulesInput{}), " "); got != "expire-1@default expire-3@default other@default" {
		t.Fatalf("after deleting the group: %s", got)
	}
	if err := f.srv.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := list(&scheduler.ListSchedulesInput{}); len(got) != 0 {
		t.Fatalf("after reset: %v", got)
	}
}

func TestCronNext(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	from := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC) // a Tuesday
	for _, tc := range []struct {
		expr string
		loc  *time.Location
		want time.Time
	}{
		{"0/15 8-17 ? * MON-FRI *", time.UTC, from},
		{"10 8 * * ? *", time.UTC, time.Date(2026, 11, 24, 8, 10, 0, 0, time.UTC)},
		{"0 9 ? * 6#3 *", time.UTC, time.Date(2026, 12, 18, 9, 0, 0, 0, time.UTC)},
		{"0 12 L * ? *", time.UTC, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)},
		{"0 0 LW * ? *", time.UTC, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
		{"0 0 1W * ? *", time.UTC, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"0 0 ? * 6L *", time.UTC, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"0 9 * * ? *", paris, from},
		{"0 9 * * ? *", time.UTC, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
		{"0 8 * * ? *", paris, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)},
		{"0 0 1 JAN ? 2027", time.UTC, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		c, ok := parseCron(tc.expr)
		if !ok {
			t.Fatalf("%s does not parse", tc.expr)
		}
		if got := c.next(from.In(tc.loc)); !got.Equal(tc.want) {
			t.Errorf("%s next = %v, want %v", tc.expr, got.UTC(), tc.want)
		}
	}
}

func TestSchedulerFromAWSCLI(t *testing.T) {
	awsCLI := requireTool(t, "aws")
	f := newSchedFixture(t)
	ps := f.sso.createPS(t, "CLI")
	out := runAWSCLI(t, awsCLI, f.url, "scheduler", "create-schedule", "--name", "from-cli",
		"--schedule-expression", "at(2026-11-24T08:30:00)", "--flexible-time-window", "Mode=OFF", "--action-after-completion", "DELETE",
		"--target", fmt.Sprintf(`{"Arn":"arn:aws:scheduler:::aws-sdk:ssoadmin:createAccountAssignment","RoleArn":%q,"Input":%q}`, f.role, f.deleteAssignmentInput(ps, "222222222222")))
	var created struct{ ScheduleArn string }
	if err := json.Unmarshal(out, &created); err != nil || created.ScheduleArn != "arn:aws:scheduler:us-east-1:"+defaultManagementAccount+":schedule/default/from-cli" {
		t.Fatalf("create-schedule = %s, %v", out, err)
	}
	f.clock.Add(30 * time.Minute)
	if ran := f.runDue(t); len(ran) != 1 || ran[0].Status != "SUCCEEDED" {
		t.Fatalf("ran = %+v", ran)
	}
}

// runAWSCLI runs the AWS CLI against the sandbox and returns its stdout.
func runAWSCLI(t *testing.T, bin, url string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--output", "json")...)
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID=sandbox", "AWS_SECRET_ACCESS_KEY=sandbox",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// TestSchedulerConformance runs the API's common path against the sandbox
// and moto, which models schedules (without running them).
func TestSchedulerConformance(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		sc, ic := scheduler.NewFromConfig(tg.cfg), iam.NewFromConfig(tg.cfg)
		role := must(ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("scheduler-exec"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))(t)
		group := must(sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("elevation"),
			Tags: []schedtypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}}))(t)
		if !strings.HasSuffix(aws.ToString(group.ScheduleGroupArn), ":schedule-group/elevation") {
			t.Fatalf("group ARN = %s", aws.ToString(group.ScheduleGroupArn))
		}
		in := &scheduler.CreateScheduleInput{Name: aws.String("expire"), GroupName: aws.String("elevation"),
			ScheduleExpression: aws.String("at(2030-01-01T00:00:00)"), FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
			Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"), RoleArn: role.Role.Arn, Input: aws.String(`{"InstanceArn":"x"}`)}}
		created := must(sc.CreateSchedule(ctx, in))(t)
		if !strings.HasSuffix(aws.ToString(created.ScheduleArn), ":schedule/elevation/expire") {
			t.Fatalf("schedule ARN = %s", aws.ToString(created.ScheduleArn))
		}
		in.ClientToken = aws.String("another-request")
		_, err := sc.CreateSchedule(ctx, in)
		wantMessage(t, err, "ConflictException", "Schedule expire already exists.")
		got := must(sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("expire"), GroupName: aws.String("elevation")}))(t)
		if aws.ToString(got.Arn) != aws.ToString(created.ScheduleArn) || aws.ToString(got.GroupName) != "elevation" || got.State != schedtypes.ScheduleStateEnabled ||
			aws.ToString(got.Target.Input) != `{"InstanceArn":"x"}` || aws.ToInt32(got.Target.RetryPolicy.MaximumRetryAttempts) != 185 ||
			aws.ToInt32(got.Target.RetryPolicy.MaximumEventAgeInSeconds) != 86400 || got.FlexibleTimeWindow.Mode != schedtypes.FlexibleTimeWindowModeOff {
			t.Fatalf("GetSchedule = %+v", got)
		}
		_, err = sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("missing"), GroupName: aws.String("elevation")})
		wantMessage(t, err, "ResourceNotFoundException", "Schedule missing does not exist.")
		_, err = sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("expire"), GroupName: aws.String("nope")})
		wantMessage(t, err, "ResourceNotFoundException", "Schedule group nope does not exist.")
		list := must(sc.ListSchedules(ctx, &scheduler.ListSchedulesInput{GroupName: aws.String("elevation")}))(t)
		if len(list.Schedules) != 1 || aws.ToString(list.Schedules[0].Target.Arn) != aws.ToString(in.Target.Arn) {
			t.Fatalf("ListSchedules = %+v", list.Schedules)
		}
		groups := must(sc.ListScheduleGroups(ctx, &scheduler.ListScheduleGroupsInput{}))(t)
		var names []string
		for _, g := range groups.ScheduleGroups {
			names = append(names, aws.ToString(g.Name)+":"+string(g.State))
		}
		if strings.Join(names, " ") != "default:ACTIVE elevation:ACTIVE" {
			t.Fatalf("groups = %v", names)
		}
		tags := must(sc.ListTagsForResource(ctx, &scheduler.ListTagsForResourceInput{ResourceArn: group.ScheduleGroupArn}))(t)
		if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "platform" {
			t.Fatalf("tags = %+v", tags.Tags)
		}
		must(sc.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("expire"), GroupName: aws.String("elevation")}))(t)
		_, err = sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("expire"), GroupName: aws.String("elevation")})
		wantCode(t, err, "ResourceNotFoundException")
	})
}

// TestSchedulerTicker: a serving sandbox runs due schedules by itself,
// with nobody asking.
func TestSchedulerTicker(t *testing.T) {
	ctx := context.Background()
	f := newSchedFixtureTick(t, 10*time.Millisecond)
	ps := f.sso.createPS(t, "Ticked")
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("now"), ScheduleExpression: aws.String("at(2026-11-24T08:01:00)"),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		Target: &schedtypes.Target{Arn: aws.String("arn:aws:scheduler:::aws-sdk:ssoadmin:createAccountAssignment"), RoleArn: aws.String(f.role),
			Input: aws.String(f.deleteAssignmentInput(ps, "222222222222"))}}))(t)
	time.Sleep(50 * time.Millisecond)
	if got := f.invocations(); len(got) != 0 {
		t.Fatalf("ran before due: %+v", got)
	}
	f.clock.Add(time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for len(f.invocations()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := f.invocations(); len(got) != 1 || got[0].Status != "SUCCEEDED" {
		t.Fatalf("invocations = %+v", got)
	}
}

func TestSchedulerRefusesUnsignedCalls(t *testing.T) {
	f := newSchedFixture(t)
	resp, err := http.Post(f.url+"/schedule-groups/g", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned CreateScheduleGroup: %d %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
	_, err = f.sc.GetScheduleGroup(context.Background(), &scheduler.GetScheduleGroupInput{Name: aws.String("g")})
	wantCode(t, err, "ResourceNotFoundException")
}
