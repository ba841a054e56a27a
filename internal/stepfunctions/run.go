package stepfunctions

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strings"
	"time"
)

// Execution statuses, as DescribeExecution names them.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Failure is an error as Step Functions names it: matched by Retry and
// Catch, and the execution's error and cause when nothing handles it.
type Failure struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Invoker calls a Task's Resource with its Arguments and returns the
// result, or a *Failure named as Step Functions names the service's error.
type Invoker func(ctx context.Context, resource string, args any) (any, *Failure)

// Context is the execution's part of $states.context.
type Context struct {
	ExecutionID      string    `json:"execution_id"`
	ExecutionName    string    `json:"execution_name"`
	RoleARN          string    `json:"role_arn"`
	StateMachineID   string    `json:"state_machine_id"`
	StateMachineName string    `json:"state_machine_name"`
	StartTime        time.Time `json:"start_time"`
	Input            string    `json:"input"`
}

// Event is one entry of an execution's history (GetExecutionHistory).
type Event struct {
	ID        int       `json:"id"`
	Previous  int       `json:"previous_id"`
	Timestamp time.Time `json:"timestamp"`
	Type      string    `json:"type"`
	State     string    `json:"state,omitempty"`
	Resource  string    `json:"resource,omitempty"`
	Input     string    `json:"input,omitempty"`
	Output    string    `json:"output,omitempty"`
	Error     string    `json:"error,omitempty"`
	Cause     string    `json:"cause,omitempty"`
}

// maxHistory bounds the events kept per execution.
const maxHistory = 1000

// Run is one execution's progress: plain JSON-able data, so that the
// caller can keep, copy and show it.
type Run struct {
	Context Context `json:"context"`
	Status  string  `json:"status"`
	// State is the current state, Input its input, Entered when it was
	// entered; Retries counts the attempts of each retrier.
	State   string          `json:"state,omitempty"`
	Input   json.RawMessage `json:"input,omitempty"`
	Entered time.Time       `json:"entered,omitzero"`
	Retries []int           `json:"retries,omitempty"`
	// Vars are the workflow's variables.
	Vars map[string]json.RawMessage `json:"variables,omitempty"`
	// Until is when a Wait state ends or a retry is due; Pending says
	// which ("wait", "retry").
	Until   time.Time `json:"until,omitzero"`
	Pending string    `json:"pending,omitempty"`
	// Deadline is when the execution times out (TimeoutSeconds).
	Deadline time.Time `json:"deadline,omitzero"`

	Output  json.RawMessage `json:"output,omitempty"`
	Error   string          `json:"error,omitempty"`
	Cause   string          `json:"cause,omitempty"`
	Stopped time.Time       `json:"stopped,omitzero"`

	History []Event `json:"history,omitempty"`
}

// Start begins an execution of m with input (a JSON text).
func (m *Machine) Start(c Context, input string) *Run {
	r := &Run{Context: c, Status: StatusRunning, State: m.StartAt, Input: json.RawMessage(input)}
	if m.TimeoutSeconds > 0 {
		r.Deadline = c.StartTime.Add(time.Duration(m.TimeoutSeconds) * time.Second)
	}
	r.event(c.StartTime, Event{Type: "ExecutionStarted", Input: input})
	return r
}

// Due tells whether the run has something to do at now.
func (r *Run) Due(now time.Time) bool {
	return r.Status == StatusRunning && (r.Until.IsZero() || !now.Before(r.Until) || !r.Deadline.IsZero() && !now.Before(r.Deadline))
}

// Abort stops a running execution (StopExecution).
func (r *Run) Abort(now time.Time, errName, cause string) {
	if r.Status != StatusRunning {
		return
	}
	r.Status, r.Error, r.Cause, r.Stopped = StatusAborted, errName, cause, now
	r.event(now, Event{Type: "ExecutionAborted", Error: errName, Cause: cause})
}

func (r *Run) event(now time.Time, e Event) {
	if len(r.History) >= maxHistory {
		return
	}
	e.ID = len(r.History) + 1
	e.Previous = len(r.History)
	e.Timestamp = now
	r.History = append(r.History, e)
}

// Step runs the current state of r at now: to its end, to the start of
// a wait (Wait state, retry backoff), or to the end of the execution. It
// does nothing when r is not Due.
func (m *Machine) Step(ctx context.Context, r *Run, now time.Time, invoke Invoker) {
	if !r.Due(now) {
		return
	}
	if !r.Deadline.IsZero() && !now.Before(r.Deadline) {
		r.end(now, StatusTimedOut, nil, &Failure{Error: ErrTimeout, Cause: "The execution ran longer than the state machine's TimeoutSeconds."})
		return
	}
	st := m.States[r.State]
	if st == nil {
		r.end(now, StatusFailed, nil, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("The state %q does not exist.", r.State)})
		return
	}
	pending := r.Pending
	r.Until, r.Pending = time.Time{}, ""
	if pending == "" {
		r.Entered, r.Retries = now, make([]int, len(st.Retry))
		r.event(now, Event{Type: st.Type + "StateEntered", State: st.Name, Input: string(r.Input)})
	}
	var input any
	_ = json.Unmarshal(r.Input, &input)
	env := r.env(st, input, now)
	switch st.Type {
	case "Pass":
		if f := r.leave(st, st.exit(), env, input, now); f != nil {
			r.fail(now, f)
		}
	case "Succeed":
		out, f := r.output(st.Output, st.HasOutput, env, input)
		if f != nil {
			r.fail(now, f)
			return
		}
		r.event(now, Event{Type: "SucceedStateExited", State: st.Name, Output: jsonText(out)})
		r.end(now, StatusSucceeded, out, nil)
	case "Fail":
		f := &Failure{}
		for _, x := range []struct {
			v   any
			dst *string
			fld string
		}{{st.Error, &f.Error, "Error"}, {st.Cause, &f.Cause, "Cause"}} {
			v, ef := env.template(x.fld, x.v)
			if ef != nil {
				r.fail(now, ef)
				return
			}
			if v != nil {
				s, ok := v.(string)
				if !ok {
					r.fail(now, &Failure{Error: ErrQueryEvaluation, Cause: fmt.Sprintf("The field '%s' must be a string", x.fld)})
					return
				}
				*x.dst = s
			}
		}
		r.fail(now, f)
	case "Wait":
		if pending == "wait" {
			if f := r.leave(st, st.exit(), env, input, now); f != nil {
				r.fail(now, f)
			}
			return
		}
		until, f := waitUntil(st, env, now)
		if f != nil {
			r.fail(now, f)
			return
		}
		if until.After(now) {
			r.Until, r.Pending = until, "wait"
			return
		}
		if f := r.leave(st, st.exit(), env, input, now); f != nil {
			r.fail(now, f)
		}
	case "Choice":
		m.choose(r, st, env, input, now)
	case "Task":
		m.task(ctx, r, st, env, input, now, invoke)
	}
}

// env is what the state's expressions see.
func (r *Run) env(st *State, input any, now time.Time) *evalEnv {
	vars := make(map[string]any, len(r.Vars))
	for k, raw := range r.Vars {
		var v any
		_ = json.Unmarshal(raw, &v)
		vars[k] = v
	}
	var execInput any
	_ = json.Unmarshal([]byte(r.Context.Input), &execInput)
	c := map[string]any{
		"Execution": map[string]any{"Id": r.Context.ExecutionID, "Name": r.Context.ExecutionName, "RoleArn": r.Context.RoleARN,
			"StartTime": timestamp(r.Context.StartTime), "Input": execInput, "RedriveCount": 0},
		"State":        map[string]any{"Name": st.Name, "EnteredTime": timestamp(r.Entered), "RetryCount": sum(r.Retries)},
		"StateMachine": map[string]any{"Id": r.Context.StateMachineID, "Name": r.Context.StateMachineName},
		"Task":         map[string]any{"Token": ""},
	}
	return &evalEnv{states: map[string]any{"input": input, "context": c}, vars: vars, now: now}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// timestamp is how the context object writes times.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// output evaluates an Output field, or gives the default.
func (r *Run) output(tmpl any, has bool, env *evalEnv, def any) (any, *Failure) {
	if !has {
		return def, nil
	}
	return env.template("Output", tmpl)
}

// assign evaluates an Assign field against the variables as they were
// when the state began (Output and Assign see the same values), then sets
// them.
func (r *Run) assign(tmpl map[string]any, env *evalEnv) *Failure {
	if len(tmpl) == 0 {
		return nil
	}
	vals := make(map[string]json.RawMessage, len(tmpl))
	for name, x := range tmpl {
		v, f := env.template("Assign/"+name, x)
		if f != nil {
			return f
		}
		b, err := json.Marshal(v)
		if err != nil {
			return &Failure{Error: ErrQueryEvaluation, Cause: err.Error()}
		}
		vals[name] = b
	}
	if r.Vars == nil {
		r.Vars = map[string]json.RawMessage{}
	}
	for k, v := range vals {
		r.Vars[k] = v
	}
	return nil
}

// exit is how a state, a choice rule or a catcher ends: its Output (def
// when it has none) and its Assign, then the transition to next (or the
// end of the execution).
type exit struct {
	output    any
	hasOutput bool
	assign    map[string]any
	next      string
	end       bool
}

// leave takes an exit, or returns the failure of its expressions.
func (r *Run) leave(st *State, x exit, env *evalEnv, def any, now time.Time) *Failure {
	out, f := r.output(x.output, x.hasOutput, env, def)
	if f == nil {
		f = r.assign(x.assign, env)
	}
	if f != nil {
		return f
	}
	r.transition(st.Name, st.Type, x.next, x.end, out, now)
	return nil
}

// stateExit is a state's own exit.
func (st *State) exit() exit {
	return exit{output: st.Output, hasOutput: st.HasOutput, assign: st.Assign, next: st.Next, end: st.End}
}

func (r *Run) transition(name, typ, next string, end bool, out any, now time.Time) {
	r.event(now, Event{Type: typ + "StateExited", State: name, Output: jsonText(out)})
	if end || next == "" {
		r.end(now, StatusSucceeded, out, nil)
		return
	}
	r.State, r.Input, r.Retries = next, json.RawMessage(jsonText(out)), nil
}

func (r *Run) end(now time.Time, status string, out any, f *Failure) {
	r.Status, r.Stopped = status, now
	r.Until, r.Pending = time.Time{}, ""
	switch status {
	case StatusSucceeded:
		r.Output = json.RawMessage(jsonText(out))
		r.event(now, Event{Type: "ExecutionSucceeded", Output: string(r.Output)})
	case StatusTimedOut:
		r.Error, r.Cause = f.Error, f.Cause
		r.event(now, Event{Type: "ExecutionTimedOut", Error: f.Error, Cause: f.Cause})
	default:
		r.Error, r.Cause = f.Error, f.Cause
		r.event(now, Event{Type: "ExecutionFailed", Error: f.Error, Cause: f.Cause})
	}
}

func (r *Run) fail(now time.Time, f *Failure) { r.end(now, StatusFailed, nil, f) }

func waitUntil(st *State, env *evalEnv, now time.Time) (time.Time, *Failure) {
	if st.Seconds != nil {
		v, f := env.template("Seconds", st.Seconds)
		if f != nil {
			return time.Time{}, f
		}
		n, ok := wholeNumber(v)
		if !ok || n < 0 {
			return time.Time{}, &Failure{Error: ErrQueryEvaluation, Cause: fmt.Sprintf("The field 'Seconds' must evaluate to a non-negative integer, not %s", jsonText(v))}
		}
		return now.Add(time.Duration(n) * time.Second), nil
	}
	v, f := env.template("Timestamp", st.Timestamp)
	if f != nil {
		return time.Time{}, f
	}
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &Failure{Error: ErrQueryEvaluation, Cause: fmt.Sprintf("The field 'Timestamp' must evaluate to an ISO-8601 timestamp, not %s", jsonText(v))}
	}
	return t, nil
}

func (m *Machine) choose(r *Run, st *State, env *evalEnv, input any, now time.Time) {
	for _, rule := range st.Choices {
		v, f := env.template("Condition", rule.Condition)
		if f != nil {
			r.fail(now, f)
			return
		}
		b, ok := v.(bool)
		if !ok {
			r.fail(now, &Failure{Error: ErrQueryEvaluation, Cause: fmt.Sprintf("The Condition of a choice rule of state %q must evaluate to a boolean, not %s", st.Name, jsonText(v))})
			return
		}
		if !b {
			continue
		}
		x := st.exit()
		x.next = rule.Next
		if rule.HasOutput {
			x.output, x.hasOutput = rule.Output, true
		}
		if rule.Assign != nil {
			x.assign = rule.Assign
		}
		if f := r.leave(st, x, env, input, now); f != nil {
			r.fail(now, f)
		}
		return
	}
	if st.Default == "" {
		r.fail(now, &Failure{Error: ErrNoChoiceMatched, Cause: "No Matches!"})
		return
	}
	x := st.exit()
	x.next = st.Default
	if f := r.leave(st, x, env, input, now); f != nil {
		r.fail(now, f)
	}
}

func (m *Machine) task(ctx context.Context, r *Run, st *State, env *evalEnv, input any, now time.Time, invoke Invoker) {
	var args any = map[string]any{}
	if st.Arguments != nil {
		v, f := env.template("Arguments", st.Arguments)
		if f != nil {
			m.handle(r, st, env, f, now)
			return
		}
		args = v
	}
	r.event(now, Event{Type: "TaskScheduled", State: st.Name, Resource: st.Resource, Input: jsonText(args)})
	result, f := invoke(ctx, st.Resource, args)
	if f != nil {
		r.event(now, Event{Type: "TaskFailed", State: st.Name, Resource: st.Resource, Error: f.Error, Cause: f.Cause})
		m.handle(r, st, env, f, now)
		return
	}
	r.event(now, Event{Type: "TaskSucceeded", State: st.Name, Resource: st.Resource, Output: jsonText(result)})
	env.states["result"] = result
	if f := r.leave(st, st.exit(), env, result, now); f != nil {
		m.handle(r, st, env, f, now)
	}
}

// Matches tells whether an ErrorEquals list names err.
func Matches(errorEquals []string, err string) bool {
	for _, e := range errorEquals {
		switch {
		case e == err:
			return true
		case e == ErrALL:
			return err != ErrRuntime && err != ErrDataLimitExceeded
		case e == ErrTaskFailed:
			if !strings.HasPrefix(err, "States.") {
				return true
			}
		}
	}
	return false
}

// handle applies a Task's Retry, then its Catch, to a failure; else the
// execution fails.
func (m *Machine) handle(r *Run, st *State, env *evalEnv, f *Failure, now time.Time) {
	for i, rt := range st.Retry {
		if !Matches(rt.ErrorEquals, f.Error) {
			continue
		}
		if len(r.Retries) != len(st.Retry) {
			r.Retries = make([]int, len(st.Retry))
		}
		if r.Retries[i] >= rt.MaxAttempts {
			break
		}
		delay := rt.IntervalSeconds * math.Pow(rt.BackoffRate, float64(r.Retries[i]))
		if rt.MaxDelaySeconds > 0 {
			delay = min(delay, rt.MaxDelaySeconds)
		}
		if rt.JitterStrategy == "FULL" {
			delay *= mrand.Float64()
		}
		r.Retries[i]++
		r.Until, r.Pending = now.Add(time.Duration(delay*float64(time.Second))), "retry"
		return
	}
	for _, c := range st.Catch {
		if !Matches(c.ErrorEquals, f.Error) {
			continue
		}
		errOut := map[string]any{"Error": f.Error, "Cause": f.Cause}
		env.states["errorOutput"] = errOut
		delete(env.states, "result")
		if ef := r.leave(st, exit{output: c.Output, hasOutput: c.HasOutput, assign: c.Assign, next: c.Next}, env, errOut, now); ef != nil {
			r.fail(now, ef)
		}
		return
	}
	r.fail(now, f)
}
