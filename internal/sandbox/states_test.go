package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// statesTrust lets Step Functions assume a role for the state machines
// named keyless-* of the management account, as elevation's roles do.
const statesTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},` +
	`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"` + defaultManagementAccount + `"},` +
	`"ArnLike":{"aws:SourceArn":"arn:aws:states:us-east-1:` + defaultManagementAccount + `:stateMachine:keyless-*"}}}]}`

type sfnFixture struct {
	schedFixture
	sfn *sfn.Client
}

func newSFNFixture(t *testing.T) sfnFixture {
	t.Helper()
	f := sfnFixture{schedFixture: newSchedFixture(t)}
	f.sfn = sfn.NewFromConfig(sdkConfig(t, f.url))
	return f
}

// role makes a role Step Functions may assume, with policy as its inline
// policy.
func (f sfnFixture) role(t *testing.T, name, policy string) string {
	t.Helper()
	ctx := context.Background()
	r := must(f.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(statesTrust)}))(t)
	must(f.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}))(t)
	return aws.ToString(r.Role.Arn)
}

func (f sfnFixture) machine(t *testing.T, name, role, def string) string {
	t.Helper()
	out := must(f.sfn.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(name), RoleArn: aws.String(role),
		Definition: aws.String(def)}))(t)
	return aws.ToString(out.StateMachineArn)
}

// settle waits for an execution to stop running or to wait (the
// sandbox's clock does not move by itself in these tests), and describes
// it.
func (f sfnFixture) settle(t *testing.T, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// Whether a driver is at work first, then the description: the
		// other order could describe RUNNING, then see the run finished.
		busy := false
		f.srv.withWorld(func(w *World, now time.Time) {
			e := w.StepFunctions.execution(arn)
			busy = e != nil && (e.busy || e.Run.Due(now))
		})
		out := must(f.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}))(t)
		if out.Status != sfntypes.ExecutionStatusRunning || !busy {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running", arn)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// elevationLike is a machine doing what elevation's decide does, in
// small: look the user up, check, wait, assign, with Retry, Catch,
// Choice, Assign and Fail.
const elevationLike = `{
  "Comment": "grant a permission set to a user after a pause",
  "QueryLanguage": "JSONata",
  "StartAt": "FindUser",
  "States": {
    "FindUser": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:identitystore:getUserId",
      "Arguments": {"IdentityStoreId": "{% $states.input.store %}",
        "AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "{% $states.input.user %}"}}},
      "Retry": [{"ErrorEquals": ["Identitystore.ResourceNotFoundException"], "IntervalSeconds": 5, "MaxAttempts": 1}],
      "Catch": [{"ErrorEquals": ["Identitystore.ResourceNotFoundException"], "Next": "UnknownUser",
        "Assign": {"why": "{% $states.errorOutput.Error %}"}}],
      "Assign": {"userId": "{% $states.result.UserId %}", "entered": "{% $states.context.State.EnteredTime %}"},
      "Output": "{% $states.input %}",
      "Next": "Check"},
    "Check": {"Type": "Choice",
      "Choices": [{"Condition": "{% $count($split($userId, '-')) >= 5 and $states.input.seconds <= 7200 %}", "Next": "Pause"}],
      "Default": "TooLong"},
    "Pause": {"Type": "Wait", "Seconds": "{% $states.input.wait %}", "Next": "Assign"},
    "Assign": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssoadmin:createAccountAssignment",
      "Arguments": {"InstanceArn": "{% $states.input.instance %}", "PermissionSetArn": "{% $states.input.ps %}",
        "TargetId": "{% $states.input.account %}", "TargetType": "AWS_ACCOUNT", "PrincipalType": "USER", "PrincipalId": "{% $userId %}"},
      "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Refused", "Output": "{% $states.errorOutput %}"}],
      "Output": {"status": "{% $states.result.AccountAssignmentCreationStatus.Status %}", "user": "{% $userId %}",
        "digest": "{% $hash($states.input.user & '|' & $states.input.account, 'SHA-256') %}", "entered": "{% $entered %}",
        "until": "{% $fromMillis($toMillis($entered) + $states.input.seconds * 1000) %}"},
      "Next": "Done"},
    "Done": {"Type": "Succeed"},
    "UnknownUser": {"Type": "Fail", "Error": "UnknownUser", "Cause": "{% 'no such user: ' & $why %}"},
    "TooLong": {"Type": "Fail", "Error": "TooLong"},
    "Refused": {"Type": "Fail", "Error": "{% $states.input.Error %}", "Cause": "{% $states.input.Cause %}"}
  }
}`

const refereePolicy = `{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["identitystore:GetUserId","sso:CreateAccountAssignment"],"Resource":"*"}]}`

func (f sfnFixture) elevationInput(t *testing.T, ps *string, user string, seconds, wait int) string {
	b, _ := json.Marshal(map[string]any{"store": f.srv.IdentityStoreID(), "user": user, "instance": aws.ToString(f.sso.inst),
		"ps": aws.ToString(ps), "account": "222222222222", "seconds": seconds, "wait": wait})
	return string(b)
}

func TestStepFunctionsRunsAMachineAsItsRole(t *testing.T) {
	ctx := context.Background()
	f := newSFNFixture(t)
	ps := f.sso.createPS(t, "Admin")
	role := f.role(t, "keyless-referee", refereePolicy)
	sm := f.machine(t, "keyless-decide", role, elevationLike)
	if sm != "arn:aws:states:us-east-1:"+defaultManagementAccount+":stateMachine:keyless-decide" {
		t.Fatalf("ARN %s", sm)
	}
	started := f.clock.Now()
	in := f.elevationInput(t, ps, "alice", 3600, 60)
	ex := must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("grant-1"), Input: aws.String(in)}))(t)

	// It waits in Pause, by the sandbox's clock.
	if d := f.settle(t, aws.ToString(ex.ExecutionArn)); d.Status != sfntypes.ExecutionStatusRunning {
		t.Fatalf("before the wait is over: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	// The same request while it runs is the same execution; another
	// input under the name is refused.
	again := must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("grant-1"), Input: aws.String(in)}))(t)
	if aws.ToString(again.ExecutionArn) != aws.ToString(ex.ExecutionArn) || !again.StartDate.Equal(*ex.StartDate) {
		t.Fatalf("again = %+v", again)
	}
	_, err := f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("grant-1"), Input: aws.String(`{}`)})
	wantCode(t, err, "ExecutionAlreadyExists")

	f.clock.Add(59 * time.Second)
	f.runDue(t)
	if d := f.settle(t, aws.ToString(ex.ExecutionArn)); d.Status != sfntypes.ExecutionStatusRunning {
		t.Fatalf("the wait ended early: %s", d.Status)
	}
	f.clock.Add(time.Second)
	f.runDue(t)
	d := f.settle(t, aws.ToString(ex.ExecutionArn))
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"status": "IN_PROGRESS", "user": f.user, "entered": started.Format("2006-01-02T15:04:05.000Z"),
		"until": started.Add(time.Hour).Format("2006-01-02T15:04:05.000Z"), "digest": sha256Hex("alice|222222222222")}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Fatalf("output %v, want %v", out, want)
	}
	if !d.StartDate.Equal(started) || !d.StopDate.Equal(started.Add(time.Minute)) || aws.ToString(d.Input) != in {
		t.Fatalf("describe = %+v", d)
	}
	f.clock.Add(time.Minute)
	if n := f.assignments(t, ps, "222222222222"); n != 1 {
		t.Fatalf("assignments = %d", n)
	}
	// The calls were the role's session's.
	var callers []string
	f.srv.withWorld(func(w *World, _ time.Time) {
		for _, s := range w.Sessions {
			if s.Source == "states" {
				callers = append(callers, s.ARN)
			}
		}
	})
	if len(callers) == 0 || !strings.HasPrefix(callers[0], "arn:aws:sts::"+defaultManagementAccount+":assumed-role/keyless-referee/") {
		t.Fatalf("sessions %v", callers)
	}
	// The name stays taken after the end.
	_, err = f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("grant-1"), Input: aws.String(in)})
	wantCode(t, err, "ExecutionAlreadyExists")

	hist := must(f.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn}))(t)
	var types []string
	for _, e := range hist.Events {
		types = append(types, string(e.Type))
	}
	if got := strings.Join(types, " "); got != "ExecutionStarted TaskStateEntered TaskScheduled TaskSucceeded TaskStateExited ChoiceStateEntered ChoiceStateExited "+
		"WaitStateEntered WaitStateExited TaskStateEntered TaskScheduled TaskSucceeded TaskStateExited SucceedStateEntered SucceedStateExited ExecutionSucceeded" {
		t.Fatalf("history %s", got)
	}
	list := must(f.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)}))(t)
	if len(list.Executions) != 1 || list.Executions[0].Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("list %+v", list.Executions)
	}
}

func TestStepFunctionsRetryCatchAndAccessDenied(t *testing.T) {
	ctx := context.Background()
	f := newSFNFixture(t)
	ps := f.sso.createPS(t, "Admin")
	role := f.role(t, "keyless-referee", refereePolicy)
	sm := f.machine(t, "keyless-decide", role, elevationLike)

	// An unknown user: retried once after 5s, then caught.
	ex := must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(f.elevationInput(t, ps, "nobody", 60, 0))}))(t)
	if d := f.settle(t, aws.ToString(ex.ExecutionArn)); d.Status != sfntypes.ExecutionStatusRunning {
		t.Fatalf("not retrying: %s %s", d.Status, aws.ToString(d.Error))
	}
	f.clock.Add(5 * time.Second)
	f.runDue(t)
	d := f.settle(t, aws.ToString(ex.ExecutionArn))
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "UnknownUser" ||
		aws.ToString(d.Cause) != "no such user: Identitystore.ResourceNotFoundException" {
		t.Fatalf("got %s %s %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	hist := must(f.sfn.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn}))(t)
	failed := 0
	for _, e := range hist.Events {
		if e.Type == sfntypes.HistoryEventTypeTaskFailed {
			failed++
			if e.TaskFailedEventDetails == nil || aws.ToString(e.TaskFailedEventDetails.Error) != "Identitystore.ResourceNotFoundException" {
				t.Fatalf("task failed %+v", e.TaskFailedEventDetails)
			}
		}
	}
	if failed != 2 {
		t.Fatalf("%d failed attempts, want 2", failed)
	}

	// Too long: the Choice's default.
	ex = must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(f.elevationInput(t, ps, "alice", 7201, 0))}))(t)
	if d := f.settle(t, aws.ToString(ex.ExecutionArn)); aws.ToString(d.Error) != "TooLong" {
		t.Fatalf("got %s %s", d.Status, aws.ToString(d.Error))
	}

	// A role that may not assign: IAM refuses the task, Catch passes the
	// error on.
	weak := f.role(t, "keyless-weak", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"identitystore:GetUserId","Resource":"*"}]}`)
	sm2 := f.machine(t, "keyless-weak", weak, elevationLike)
	ex = must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm2), Input: aws.String(f.elevationInput(t, ps, "alice", 60, 0))}))(t)
	d = f.settle(t, aws.ToString(ex.ExecutionArn))
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "SsoAdmin.AccessDeniedException" ||
		!strings.Contains(aws.ToString(d.Cause), "assumed-role/keyless-weak/") ||
		!strings.Contains(aws.ToString(d.Cause), "is not authorized to perform: sso:CreateAccountAssignment on resource: "+aws.ToString(ps)) ||
		!strings.Contains(aws.ToString(d.Cause), "(Service: SsoAdmin, Status Code: 400, Request ID: ") {
		t.Fatalf("got %s %s %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	f.clock.Add(time.Minute)
	if n := f.assignments(t, ps, "222222222222"); n != 0 {
		t.Fatalf("assignments = %d", n)
	}

	// A role that does not trust states.amazonaws.com for this machine
	// (aws:SourceArn keyless-*) is refused at creation; one whose trust
	// changed afterwards fails the tasks.
	other := f.role(t, "other-role", refereePolicy)
	_, err := f.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("not-keyless"), RoleArn: aws.String(other), Definition: aws.String(elevationLike)})
	wantDenied(t, err, "AccessDeniedException", "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role.")
	must(f.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("keyless-referee"),
		PolicyDocument: aws.String(strings.Replace(statesTrust, "states.amazonaws.com", "lambda.amazonaws.com", 1))}))(t)
	ex = must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(f.elevationInput(t, ps, "alice", 60, 0))}))(t)
	d = f.settle(t, aws.ToString(ex.ExecutionArn))
	if aws.ToString(d.Error) != "States.TaskFailed" || !strings.Contains(aws.ToString(d.Cause), "is authorized to assume the provided role") {
		t.Fatalf("got %s %s %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

func TestStepFunctionsRefusesDefinitions(t *testing.T) {
	ctx := context.Background()
	f := newSFNFixture(t)
	role := f.role(t, "keyless-referee", refereePolicy)
	for _, tc := range []struct{ def, want string }{
		{`{"QueryLanguage":"JSONata","States":{"A":{"Type":"Succeed"}}}`,
			"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /'"},
		{`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`,
			"Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next'"},
		{`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`,
			`Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B'`},
		{`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ec2:describeInstances","End":true}}}`,
			"SCHEMA_VALIDATION_FAILED: The resource provided arn:aws:states:::aws-sdk:ec2:describeInstances is not recognized"},
		{`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, "runs JSONata states only"},
	} {
		_, err := f.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("keyless-x"), RoleArn: aws.String(role), Definition: aws.String(tc.def)})
		wantCode(t, err, "InvalidDefinition")
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	_, err := f.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("has space"), RoleArn: aws.String(role), Definition: aws.String(elevationLike)})
	wantCode(t, err, "InvalidName")
	sm := f.machine(t, "keyless-decide", role, elevationLike)
	// The same request again answers the same machine; another definition
	// under the name is refused.
	if again := f.machine(t, "keyless-decide", role, elevationLike); again != sm {
		t.Fatalf("again %s", again)
	}
	_, err = f.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("keyless-decide"), RoleArn: aws.String(role),
		Definition: aws.String(strings.Replace(elevationLike, "after a pause", "later", 1))})
	wantCode(t, err, "StateMachineAlreadyExists")
	_, err = f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"a":`)})
	wantCode(t, err, "InvalidExecutionInput")
	_, err = f.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(sm, "stateMachine", "execution", 1) + ":nope")})
	wantCode(t, err, "ExecutionDoesNotExist")
}

func TestSchedulerStartsAnExecution(t *testing.T) {
	ctx := context.Background()
	f := newSFNFixture(t)
	ps := f.sso.createPS(t, "Admin")
	sm := f.machine(t, "keyless-decide", f.role(t, "keyless-referee", refereePolicy), elevationLike)
	invoke := must(f.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("keyless-invoke"), AssumeRolePolicyDocument: aws.String(schedulerTrust)}))(t)
	must(f.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("keyless-invoke"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:StartExecution","Resource":"` + sm + `"}]}`)}))(t)
	must(f.sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("sweep"), ScheduleExpression: aws.String("at(2026-11-24T08:05:00)"),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		Target:             &schedtypes.Target{Arn: aws.String(sm), RoleArn: invoke.Role.Arn, Input: aws.String(f.elevationInput(t, ps, "alice", 60, 0))}}))(t)
	f.clock.Add(5 * time.Minute)
	if ran := f.runDue(t); len(ran) != 1 || ran[0].Status != "SUCCEEDED" {
		t.Fatalf("ran %+v", ran)
	}
	list := must(f.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)}))(t)
	if len(list.Executions) != 1 {
		t.Fatalf("executions %+v", list.Executions)
	}
	if d := f.settle(t, aws.ToString(list.Executions[0].ExecutionArn)); d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("got %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

func TestStepFunctionsFromAWSCLI(t *testing.T) {
	awsCLI := requireTool(t, "aws")
	f := newSFNFixture(t)
	role := f.role(t, "keyless-referee", refereePolicy)
	out := runAWSCLI(t, awsCLI, f.url, "stepfunctions", "create-state-machine", "--name", "keyless-cli", "--role-arn", role,
		"--definition", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"n":"{% $states.input.n + 1 %}"},"End":true}}}`)
	var created struct{ StateMachineArn string }
	if err := json.Unmarshal(out, &created); err != nil || created.StateMachineArn == "" {
		t.Fatalf("create-state-machine: %s %v", out, err)
	}
	out = runAWSCLI(t, awsCLI, f.url, "stepfunctions", "start-execution", "--state-machine-arn", created.StateMachineArn, "--name", "one", "--input", `{"n":41}`)
	var started struct{ ExecutionArn string }
	if err := json.Unmarshal(out, &started); err != nil {
		t.Fatalf("start-execution: %s %v", out, err)
	}
	f.settle(t, started.ExecutionArn)
	out = runAWSCLI(t, awsCLI, f.url, "stepfunctions", "describe-execution", "--execution-arn", started.ExecutionArn)
	var d struct {
		Status, Output, Name string
		StartDate, StopDate  float64
	}
	if err := json.Unmarshal(out, &d); err != nil || d.Status != "SUCCEEDED" || d.Output != `{"n":42}` || d.Name != "one" ||
		d.StartDate != float64(f.clock.Now().Unix()) {
		t.Fatalf("describe-execution: %s %v", out, err)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestStepFunctionsCallersNeedPassRoleAndTheirPolicies(t *testing.T) {
	ctx := context.Background()
	f := newSFNFixture(t)
	referee := f.role(t, "keyless-referee", refereePolicy)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + defaultManagementAccount + `:root"},"Action":"sts:AssumeRole"}]}`
	must(f.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"), AssumeRolePolicyDocument: aws.String(trust)}))(t)
	policy := func(service string) {
		must(f.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("p"), PolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["states:CreateStateMachine","states:StartExecution"],"Resource":"arn:aws:states:us-east-1:` + defaultManagementAccount + `:stateMachine:keyless-*"},
			{"Effect":"Allow","Action":"states:DescribeExecution","Resource":"arn:aws:states:us-east-1:` + defaultManagementAccount + `:execution:keyless-decide:*"},
			{"Effect":"Allow","Action":"iam:PassRole","Resource":"` + referee + `","Condition":{"StringEquals":{"iam:PassedToService":"` + service + `"}}}]}`)}))(t)
	}
	policy("scheduler.amazonaws.com")
	out := must(sts.NewFromConfig(sdkConfig(t, f.url)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + defaultManagementAccount + ":role/deployer"), RoleSessionName: aws.String("ci")}))(t)
	c := out.Credentials
	dep := sfn.NewFromConfig(as(sdkConfig(t, f.url), aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	who := "User: arn:aws:sts::" + defaultManagementAccount + ":assumed-role/deployer/ci is not authorized to perform: "

	in := &sfn.CreateStateMachineInput{Name: aws.String("keyless-decide"), RoleArn: aws.String(referee), Definition: aws.String(elevationLike)}
	_, err := dep.CreateStateMachine(ctx, in)
	wantDenied(t, err, "AccessDeniedException", who+"iam:PassRole on resource: "+referee+" because no identity-based policy allows the iam:PassRole action")
	policy("states.amazonaws.com")
	sm := must(dep.CreateStateMachine(ctx, in))(t)
	_, err = dep.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("other"), RoleArn: aws.String(referee), Definition: aws.String(elevationLike)})
	wantDenied(t, err, "AccessDeniedException", who+"states:CreateStateMachine on resource: arn:aws:states:us-east-1:"+defaultManagementAccount+
		":stateMachine:other because no identity-based policy allows the states:CreateStateMachine action")
	ex := must(dep.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)}))(t)
	must(dep.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn}))(t)
	_, err = dep.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: ex.ExecutionArn})
	wantDenied(t, err, "AccessDeniedException", who+"states:StopExecution on resource: "+aws.ToString(ex.ExecutionArn)+
		" because no identity-based policy allows the states:StopExecution action")
}

// schedulerMachine does what elevation's step 7 does: get the schedule,
// create it when missing, else update it; then delete it.
const schedulerMachine = `{
  "QueryLanguage": "JSONata",
  "StartAt": "Get",
  "States": {
    "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:scheduler:getSchedule",
      "Arguments": {"Name": "{% $states.input.name %}", "GroupName": "default"},
      "Catch": [{"ErrorEquals": ["Scheduler.ResourceNotFoundException"], "Next": "Create", "Output": "{% $states.input %}"}],
      "Output": "{% $states.input %}", "Next": "Update"},
    "Create": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:scheduler:createSchedule",
      "Arguments": {"Name": "{% $states.input.name %}", "ScheduleExpression": "{% 'at(' & $states.input.at & ')' %}",
        "FlexibleTimeWindow": {"Mode": "OFF"}, "ActionAfterCompletion": "DELETE",
        "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment", "RoleArn": "{% $states.input.role %}", "Input": "{}"}},
      "Assign": {"created": "{% $states.result.ScheduleArn %}"}, "Output": "{% $states.input %}", "Next": "Get"},
    "Update": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:scheduler:updateSchedule",
      "Arguments": {"Name": "{% $states.input.name %}", "ScheduleExpression": "at(2026-11-25T08:00:00)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment", "RoleArn": "{% $states.input.role %}", "Input": "{}"}},
      "Output": "{% $states.input %}", "Next": "Delete"},
    "Delete": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:scheduler:deleteSchedule",
      "Arguments": {"Name": "{% $states.input.name %}"}, "Output": {"created": "{% $created %}"}, "End": true}
  }
}`

func TestStepFunctionsCallsTheScheduler(t *testing.T) {
	ctx := context.Background()
	f := newSFNFixture(t)
	role := f.role(t, "keyless-referee", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["scheduler:GetSchedule","scheduler:CreateSchedule","scheduler:UpdateSchedule","scheduler:DeleteSchedule"],"Resource":"*"},
		{"Effect":"Allow","Action":"iam:PassRole","Resource":"`+f.schedFixture.role+`"}]}`)
	sm := f.machine(t, "keyless-decide", role, schedulerMachine)
	ex := must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm),
		Input: aws.String(`{"name":"grant-1","at":"2026-11-24T09:00:00","role":"` + f.schedFixture.role + `"}`)}))(t)
	d := f.settle(t, aws.ToString(ex.ExecutionArn))
	if d.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"created":"arn:aws:scheduler:us-east-1:`+defaultManagementAccount+`:schedule/default/grant-1"}` {
		t.Fatalf("got %s %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), aws.ToString(d.Output))
	}
	calls := f.srv.Calls()
	for _, op := range []string{"GetSchedule", "CreateSchedule", "UpdateSchedule", "DeleteSchedule"} {
		if want := map[string]int64{"GetSchedule": 2}[op]; calls["scheduler:"+op] != max(want, 1) {
			t.Errorf("scheduler:%s called %d times", op, calls["scheduler:"+op])
		}
	}
	_, err := f.sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("grant-1")})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestStepFunctionsStopExecution(t *testing.T) {
	ctx := context.Background()
	f := newSFNFixture(t)
	ps := f.sso.createPS(t, "Admin")
	sm := f.machine(t, "keyless-decide", f.role(t, "keyless-referee", refereePolicy), elevationLike)
	ex := must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(f.elevationInput(t, ps, "alice", 60, 600))}))(t)
	f.settle(t, aws.ToString(ex.ExecutionArn))
	f.clock.Add(time.Second)
	stop := must(f.sfn.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: ex.ExecutionArn, Error: aws.String("Revoked"), Cause: aws.String("by hand")}))(t)
	if !stop.StopDate.Equal(f.clock.Now()) {
		t.Fatalf("stop date %v", stop.StopDate)
	}
	f.clock.Add(time.Hour)
	f.runDue(t)
	d := f.settle(t, aws.ToString(ex.ExecutionArn))
	if d.Status != sfntypes.ExecutionStatusAborted || aws.ToString(d.Error) != "Revoked" || aws.ToString(d.Cause) != "by hand" {
		t.Fatalf("got %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	f.clock.Add(time.Minute)
	if n := f.assignments(t, ps, "222222222222"); n != 0 {
		t.Fatalf("the stopped execution assigned: %d", n)
	}
	list := must(f.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: sfntypes.ExecutionStatusAborted}))(t)
	if len(list.Executions) != 1 {
		t.Fatalf("aborted executions %+v", list.Executions)
	}
}

func TestSDKErrorNames(t *testing.T) {
	for _, tc := range []struct{ service, code, want string }{
		{"ssoadmin", "AccessDeniedException", "SsoAdmin.AccessDeniedException"},
		{"identitystore", "ResourceNotFoundException", "Identitystore.ResourceNotFoundException"},
		{"dynamodb", "ConditionalCheckFailedException", "DynamoDb.ConditionalCheckFailedException"},
		{"dynamodb", "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "DynamoDb.ConditionalCheckFailedException"},
		// Not in DynamoDB's model: the service's base exception.
		{"dynamodb", "AccessDeniedException", "DynamoDb.DynamoDbException"},
		// The suffix is always there.
		{"sfn", "ExecutionAlreadyExists", "Sfn.ExecutionAlreadyExistsException"},
		{"scheduler", "ConflictException", "Scheduler.ConflictException"},
		{"organizations", "AccountNotFoundException", "Organizations.AccountNotFoundException"},
	} {
		if got := sdkErrorName(selfServices[tc.service], tc.code); got != tc.want {
			t.Errorf("%s %s = %s, want %s", tc.service, tc.code, got, tc.want)
		}
	}
}

// TestStepFunctionsStartsAnExecution: an aws-sdk:sfn:startExecution task
// takes PascalCase arguments and returns PascalCase members, as Step
// Functions' SDK integration does for its own camelCase API; the role's
// policy decides which machine it may start.
func TestStepFunctionsStartsAnExecution(t *testing.T) {
	ctx := context.Background()
	f := newSFNFixture(t)
	target := f.machine(t, "keyless-end", f.role(t, "keyless-ender", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`),
		`{"QueryLanguage":"JSONata","StartAt":"Done","States":{"Done":{"Type":"Succeed","Output":"{% $states.input %}"}}}`)
	starter := `{"QueryLanguage":"JSONata","StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:startExecution",` +
		`"Arguments":{"StateMachineArn":"` + target + `","Input":"{% $string({'revoke': $states.input}) %}"},` +
		`"Output":"{% {'arn': $states.result.ExecutionArn, 'started': $exists($states.result.StartDate)} %}","End":true}}}`
	allowed := f.machine(t, "keyless-decide", f.role(t, "keyless-referee", `{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Action":"states:StartExecution","Resource":"`+target+`"}]}`), starter)
	ex := must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(allowed), Input: aws.String(`{"pk":"p"}`)}))(t)
	d := f.settle(t, aws.ToString(ex.ExecutionArn))
	var out struct {
		ARN     string `json:"arn"`
		Started bool   `json:"started"`
	}
	if d.Status != sfntypes.ExecutionStatusSucceeded || json.Unmarshal([]byte(aws.ToString(d.Output)), &out) != nil || !out.Started ||
		!strings.HasPrefix(out.ARN, "arn:aws:states:us-east-1:"+defaultManagementAccount+":execution:keyless-end:") {
		t.Fatalf("got %s %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), aws.ToString(d.Output))
	}
	started := f.settle(t, out.ARN)
	if started.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(started.Input) != `{"revoke":{"pk":"p"}}` {
		t.Fatalf("the started execution: %s, input %s", started.Status, aws.ToString(started.Input))
	}

	other := f.machine(t, "keyless-other", f.role(t, "keyless-other", `{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Action":"states:StartExecution","Resource":"`+allowed+`"}]}`), starter)
	ex = must(f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(other), Input: aws.String(`{}`)}))(t)
	d = f.settle(t, aws.ToString(ex.ExecutionArn))
	if aws.ToString(d.Error) != "Sfn.SfnException" || !strings.Contains(aws.ToString(d.Cause), "is not authorized to perform: states:StartExecution on resource: "+target) {
		t.Fatalf("got %s %s %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}
