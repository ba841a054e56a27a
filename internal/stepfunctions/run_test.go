package stepfunctions

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC)

// runAll steps a run until it ends or waits, as the sandbox's driver does.
func runAll(t *testing.T, m *Machine, r *Run, now time.Time, invoke Invoker) {
	t.Helper()
	for i := 0; r.Due(now); i++ {
		if i > 100 {
			t.Fatal("the run does not end")
		}
		m.Step(context.Background(), r, now, invoke)
	}
}

func mustParse(t *testing.T, def string) *Machine {
	t.Helper()
	m, err := Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func start(m *Machine, input string) *Run {
	return m.Start(Context{ExecutionID: "arn:aws:states:us-east-1:111111111111:execution:m:e1", ExecutionName: "e1",
		StateMachineID: "arn:aws:states:us-east-1:111111111111:stateMachine:m", StateMachineName: "m", StartTime: t0, Input: input}, input)
}

func TestHashKnownDigests(t *testing.T) {
	// Digests of "abc" from FIPS 180-2 and RFC 1321.
	for algo, want := range map[string]string{
		"MD5":     "900150983cd24fb0d6963f7d28e17f72",
		"SHA-1":   "a9993e364706816aba3e25717850c26c9cd0d89d",
		"SHA-256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"SHA-384": "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
		"SHA-512": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	} {
		env := &evalEnv{states: map[string]any{}, now: t0}
		got, f := env.eval("Output", "$hash('abc', '"+algo+"')")
		if f != nil || got != want {
			t.Errorf("$hash('abc', %q) = %v, %v; want %s", algo, got, f, want)
		}
	}
	env := &evalEnv{states: map[string]any{}, now: t0}
	if _, f := env.eval("Output", "$hash('abc', 'SHA-3')"); f == nil || f.Error != ErrQueryEvaluation {
		t.Errorf("an unknown algorithm: %v", f)
	}
}

func TestStepFunctionsFunctions(t *testing.T) {
	env := &evalEnv{states: map[string]any{"input": map[string]any{"s": `{"a":[1,2]}`}}, vars: map[string]any{"x": "AROA1:alice"}, now: t0}
	for expr, want := range map[string]any{
		"$partition([1,2,3,4,5], 2)":            []any{[]any{1.0, 2.0}, []any{3.0, 4.0}, []any{5.0}},
		"$range(0, 10, 5)":                      []any{0.0, 5.0, 10.0},
		"$range(3, 1, -1)":                      []any{3.0, 2.0, 1.0},
		"$parse($states.input.s).a[1]":          2.0,
		"$now()":                                "2026-12-02T11:30:00.000Z",
		"$millis()":                             float64(t0.UnixMilli()),
		"$random(7) = $random(7)":               true,
		"$random() < 1":                         true,
		"$length($uuid())":                      36.0,
		"$split($x, ':')[1]":                    "alice",
		"$fromMillis($toMillis($now()) + 1000)": "2026-12-02T11:30:01.000Z",
		"$base64decode($base64encode('a|b'))":   "a|b",
		"$assert(1 = 1, 'no')":                  true,
	} {
		got, f := env.eval("Output", expr)
		if f != nil {
			t.Errorf("%s: %v", expr, f.Cause)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", expr, diff)
		}
	}
}

func TestDefinitionRefused(t *testing.T) {
	for _, tc := range []struct{ name, def, want string }{
		{"not JSON", `{`, "INVALID_JSON_DESCRIPTION"},
		{"no StartAt", `{"QueryLanguage":"JSONata","States":{"A":{"Type":"Succeed"}}}`,
			"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /'"},
		{"unknown Next", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`,
			"Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next'"},
		{"unreachable", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`,
			`Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B'`},
		{"JSONPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, "runs JSONata states only"},
		{"Parameters in JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{},"End":true}}}`,
			`The field "Parameters" is not supported for states with QueryLanguage JSONata`},
		{"Map", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Map","End":true}}}`, "does not run Map states"},
		{"bad JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input. %}","End":true}}}`,
			"is invalid"},
		{"States.ALL not last", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:listStateMachines","End":true,
			"Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}]}}}`, "States.ALL must appear alone"},
		{"reserved variable", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"states":1},"End":true}}}`, "reserved"},
		{"Next and End", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Next":"A","End":true}}}`, "mutually exclusive"},
		{"Lambda resource", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:111111111111:function:f","End":true}}}`,
			"AWS SDK integrations only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.def)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "Invalid State Machine Definition: '") {
				t.Errorf("not AWS's form: %v", err)
			}
		})
	}
}

// A machine with every state type and field the elevation machines use.
const testMachine = `{
  "QueryLanguage": "JSONata",
  "StartAt": "Get",
  "States": {
    "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
      "Arguments": {"TableName": "t", "Key": {"pk": {"S": "{% $states.input.pk %}"}}},
      "Retry": [{"ErrorEquals": ["DynamoDb.ThrottlingException"], "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 3}],
      "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Failed",
                 "Output": "{% $states.errorOutput %}", "Assign": {"caught": "{% $states.errorOutput.Error %}"}}],
      "Assign": {"item": "{% $states.result.Item %}", "entered": "{% $states.context.State.EnteredTime %}"},
      "Output": "{% $states.input %}",
      "Next": "Decide"},
    "Decide": {"Type": "Choice",
      "Choices": [{"Condition": "{% $item.n.N = '1' %}", "Next": "Pause", "Assign": {"branch": "one"}}],
      "Default": "Failed"},
    "Pause": {"Type": "Wait", "Seconds": "{% 60 %}", "Next": "Done"},
    "Done": {"Type": "Succeed", "Output": {"digest": "{% $hash($item.pk.S, 'SHA-256') %}", "branch": "{% $branch %}",
      "entered": "{% $entered %}", "name": "{% $states.context.Execution.Name %}"}},
    "Failed": {"Type": "Fail", "Error": "Refused", "Cause": "{% 'no: ' & $string($caught) %}"}
  }
}`

func TestRunTaskChoiceWaitSucceed(t *testing.T) {
	m := mustParse(t, testMachine)
	calls := 0
	invoke := func(_ context.Context, resource string, args any) (any, *Failure) {
		calls++
		if calls == 1 {
			return nil, &Failure{Error: "DynamoDb.ThrottlingException", Cause: "slow down"}
		}
		want := map[string]any{"TableName": "t", "Key": map[string]any{"pk": map[string]any{"S": "alice"}}}
		if resource != "arn:aws:states:::aws-sdk:dynamodb:getItem" || !cmp.Equal(args, want) {
			t.Errorf("called %s with %v", resource, args)
		}
		return map[string]any{"Item": map[string]any{"pk": map[string]any{"S": "alice"}, "n": map[string]any{"N": "1"}}}, nil
	}
	r := start(m, `{"pk":"alice"}`)
	runAll(t, m, r, t0, invoke)
	if r.Status != StatusRunning || r.Pending != "retry" || !r.Until.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("after a throttled call: %+v", r)
	}
	now := t0.Add(2 * time.Second)
	runAll(t, m, r, now, invoke)
	if r.Pending != "wait" || !r.Until.Equal(now.Add(time.Minute)) {
		t.Fatalf("the Wait state: %+v", r)
	}
	runAll(t, m, r, now.Add(59*time.Second), invoke)
	if r.Status != StatusRunning {
		t.Fatal("the Wait state ended early")
	}
	runAll(t, m, r, now.Add(time.Minute), invoke)
	var out map[string]any
	_ = json.Unmarshal(r.Output, &out)
	want := map[string]any{"digest": "2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90", "branch": "one",
		"entered": "2026-12-02T11:30:00.000Z", "name": "e1"}
	if r.Status != StatusSucceeded || !cmp.Equal(out, want) {
		t.Fatalf("status %s output %s, want %v", r.Status, r.Output, want)
	}
	if calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
}

func TestRunCatchAndFail(t *testing.T) {
	m := mustParse(t, testMachine)
	invoke := func(context.Context, string, any) (any, *Failure) {
		return nil, &Failure{Error: "DynamoDb.DynamoDbException", Cause: "User: x is not authorized"}
	}
	r := start(m, `{"pk":"alice"}`)
	runAll(t, m, r, t0, invoke)
	if r.Status != StatusFailed || r.Error != "Refused" || r.Cause != "no: DynamoDb.DynamoDbException" {
		t.Fatalf("got %s %s %q", r.Status, r.Error, r.Cause)
	}
}

func TestRunRetriesExhaustedFailTheExecution(t *testing.T) {
	m := mustParse(t, `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:startExecution",
		"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":2,"MaxDelaySeconds":1}],"End":true}}}`)
	calls := 0
	invoke := func(context.Context, string, any) (any, *Failure) {
		calls++
		return nil, &Failure{Error: "Sfn.InvalidArnException", Cause: "bad"}
	}
	r := start(m, `{}`)
	now := t0
	for range 5 {
		runAll(t, m, r, now, invoke)
		now = now.Add(time.Second) // MaxDelaySeconds caps the second backoff at 1s
	}
	if r.Status != StatusFailed || r.Error != "Sfn.InvalidArnException" || calls != 3 {
		t.Fatalf("status %s error %s after %d calls", r.Status, r.Error, calls)
	}
}

func TestRunNoChoiceMatchedAndTimeout(t *testing.T) {
	m := mustParse(t, `{"QueryLanguage":"JSONata","StartAt":"C","TimeoutSeconds":10,"States":{
		"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.x = 1 %}","Next":"W"}]},
		"W":{"Type":"Wait","Timestamp":"2026-12-02T12:00:00Z","End":true}}}`)
	r := start(m, `{"x":2}`)
	runAll(t, m, r, t0, nil)
	if r.Status != StatusFailed || r.Error != ErrNoChoiceMatched {
		t.Fatalf("got %s %s", r.Status, r.Error)
	}
	r = start(m, `{"x":1}`)
	runAll(t, m, r, t0, nil)
	runAll(t, m, r, t0.Add(9*time.Second), nil)
	if r.Status != StatusRunning {
		t.Fatal("the wait ended before its timestamp")
	}
	runAll(t, m, r, t0.Add(10*time.Second), nil)
	if r.Status != StatusTimedOut || r.Error != ErrTimeout {
		t.Fatalf("got %s %s", r.Status, r.Error)
	}
}
