package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keyless-dev/keyless/internal/stepfunctions"
)

// Running executions. An execution runs in its own goroutine from
// StartExecution until it ends or waits (a Wait state, a retry's
// backoff); the scheduler's tick and POST /_sandbox/scheduler/run resume
// the ones whose wait is over by the sandbox's clock. Each run assumes the
// state machine's role as states.amazonaws.com would (its trust policy
// must allow that service, with aws:SourceAccount and aws:SourceArn the
// machine's), and every Task is a request signed with that session's keys
// to the sandbox's own handler (selfcall.go): the role's policies decide
// what the machine may do. A Task's output is the API's response; its
// errors are named as Step Functions names an AWS SDK integration's
// (SsoAdmin.AccessDeniedException, DynamoDb.ConditionalCheckFailedException).

// statesSessionLength is how long a run's role session lasts.
const statesSessionLength = 15 * time.Minute

// driveExecution runs an execution until it ends or waits. A driver
// already running it, or nothing due, makes it return at once.
func (s *Server) driveExecution(arn string) {
	ctx := context.Background()
	var (
		run     *stepfunctions.Run
		machine *stepfunctions.Machine
		creds   aws.Credentials
		region  string
		failure *stepfunctions.Failure
	)
	s.withWorld(func(w *World, now time.Time) {
		e := w.StepFunctions.execution(arn)
		if e == nil || e.busy || !e.Run.Due(now) {
			return
		}
		e.busy = true
		run, machine, region = cloneRun(e.Run), e.machine, e.Region
		c := &call{s: s, w: w, now: now, requestID: "states", region: e.Region}
		creds, failure = c.statesSession(e)
	})
	if run == nil {
		return
	}
	invoke := func(ctx context.Context, resource string, args any) (any, *stepfunctions.Failure) {
		if failure != nil {
			return nil, failure
		}
		return s.sdkTask(ctx, resource, args, creds, region)
	}
	defer s.withWorld(func(w *World, _ time.Time) {
		if e := w.StepFunctions.execution(arn); e != nil {
			e.busy = false
		}
	})
	for now := s.opts.Now(); run.Due(now); now = s.opts.Now() {
		machine.Step(ctx, run, now, invoke)
		stopped := false
		s.withWorld(func(w *World, _ time.Time) {
			e := w.StepFunctions.execution(arn)
			if e == nil || e.Run.Status != stepfunctions.StatusRunning {
				stopped = true // StopExecution, or forgotten
				return
			}
			e.Run = cloneRun(run)
		})
		if stopped {
			return
		}
	}
}

func (st *StepFunctionsState) execution(arn string) *Execution {
	for _, e := range st.Executions {
		if e.ARN == arn {
			return e
		}
	}
	return nil
}

// cloneRun copies a run, so that the driver and the world never share one.
func cloneRun(r *stepfunctions.Run) *stepfunctions.Run {
	b, _ := json.Marshal(r)
	out := &stepfunctions.Run{}
	_ = json.Unmarshal(b, out)
	return out
}

// statesSession assumes the execution's role as states.amazonaws.com. A
// role that does not trust the service fails every Task, as in AWS.
func (c *call) statesSession(e *Execution) (aws.Credentials, *stepfunctions.Failure) {
	refused := &stepfunctions.Failure{Error: stepfunctions.ErrTaskFailed, Cause: statesUntrusted}
	role, account := c.serviceRole(e.RoleARN, "states.amazonaws.com",
		map[string][]string{"aws:sourceaccount": {e.Account}, "aws:sourcearn": {e.StateMachineARN}})
	if role == nil {
		return aws.Credentials{}, refused
	}
	_, creds := c.serviceSession(account, role, e.Region, statesSessionLength, "states")
	return creds, nil
}

// sdkTask calls an AWS SDK integration's API action with its arguments.
func (s *Server) sdkTask(ctx context.Context, resource string, args any, creds aws.Credentials, region string) (any, *stepfunctions.Failure) {
	service, action, _ := stepfunctions.SDKResource(resource)
	if f := s.opts.TaskFault; f != nil {
		if code := f(service, action); code != "" {
			svc := selfServices[service]
			return nil, &stepfunctions.Failure{Error: sdkErrorName(svc, code),
				Cause: fmt.Sprintf("%s injected by the sandbox's TaskFault (Service: %s, Status Code: 400)", code, svc.errorPrefix)}
		}
	}
	svc := selfServices[service]
	if svc.camel {
		args = renameMembers(args, unicode.ToLower)
	}
	body, err := json.Marshal(args)
	if err != nil {
		return nil, &stepfunctions.Failure{Error: stepfunctions.ErrRuntime, Cause: err.Error()}
	}
	res := s.selfCall(ctx, service, action, body, creds, region, s.opts.Now())
	if !res.ok() {
		return nil, &stepfunctions.Failure{Error: sdkErrorName(svc, res.code),
			Cause: fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s)", res.message, svc.errorPrefix, res.status, res.requestID)}
	}
	var out any = map[string]any{}
	if len(res.body) > 0 {
		if err := json.Unmarshal(res.body, &out); err != nil {
			return nil, &stepfunctions.Failure{Error: stepfunctions.ErrRuntime, Cause: "the response is not JSON: " + err.Error()}
		}
	}
	if svc.camel {
		out = renameMembers(out, unicode.ToUpper)
	}
	return out, nil
}

// renameMembers changes the first letter of every object member's name,
// at any depth: an SDK task's PascalCase to a camelCase API's and back.
func renameMembers(v any, first func(rune) rune) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			r := []rune(k)
			if len(r) > 0 {
				r[0] = first(r[0])
			}
			out[string(r)] = renameMembers(x, first)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = renameMembers(x, first)
		}
		return out
	}
	return v
}

// sdkErrorName is Step Functions' name for a service error:
// ServiceName.ErrorName, both PascalCase, the name always ending in
// Exception (AWS's "Learning to use AWS service SDK integrations"); an
// error the service's model does not list is the service's base
// exception (DynamoDb.DynamoDbException), as the AWS SDK for Java that
// Step Functions uses raises it.
func sdkErrorName(svc selfService, code string) string {
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if svc.errorPrefix == "" {
		return stepfunctions.ErrTaskFailed
	}
	if !slices.Contains(svc.modeled, code) {
		return svc.errorPrefix + "." + svc.errorPrefix + "Exception"
	}
	if !strings.HasSuffix(code, "Exception") {
		code += "Exception"
	}
	return svc.errorPrefix + "." + code
}

// RunExecutions resumes every execution whose wait is over by the
// sandbox's clock, and returns their ARNs.
func (s *Server) RunExecutions() []string {
	var due []string
	s.withWorld(func(w *World, now time.Time) {
		for _, e := range w.StepFunctions.Executions {
			if !e.busy && e.Run.Due(now) {
				due = append(due, e.ARN)
			}
		}
	})
	for _, arn := range due {
		s.driveExecution(arn)
	}
	return due
}
