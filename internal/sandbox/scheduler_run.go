package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Running schedules. When a schedule is due by the sandbox's clock, the
// sandbox assumes the schedule's execution role as scheduler.amazonaws.com
// would (its trust policy must allow that service) and calls its own API
// over its own handler, signed with that session's keys: whatever decides
// what a role's session may do decides what the schedule may do.
//
// Universal targets (arn:aws:scheduler:::aws-sdk:SERVICE:apiAction) of the
// services selfcall.go lists are invoked: the Input is the request, with
// the API's parameter names. The templated target of a Step Functions
// state machine starts an execution. Other targets fail as the sandbox
// cannot reach them. A failed invocation is retried with exponential backoff per
// the target's RetryPolicy when the failure is one AWS retries (throttling,
// server errors), then recorded as FAILED; the dead-letter queue is not
// modelled. Due schedules run on a ticker (Options.ScheduleTick) while the
// sandbox serves, and at once on POST /_sandbox/scheduler/run.

// ScheduleInvocation is one run of a schedule, in the state dump.
type ScheduleInvocation struct {
	ScheduleARN string    `json:"schedule_arn"`
	Target      string    `json:"target"`
	RoleARN     string    `json:"role_arn"`
	Due         time.Time `json:"due"`
	// Status is RUNNING, RETRYING, SUCCEEDED or FAILED.
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// HTTPStatus, ErrorCode and Error are the last attempt's answer.
	HTTPStatus int    `json:"http_status,omitempty"`
	ErrorCode  string `json:"error_code,omitempty"`
	Error      string `json:"error,omitempty"`
	// Caller is the role session the target was called as.
	Caller string `json:"caller,omitempty"`

	account, region, group, input string
	maxRetries, maxAge            int32
}

// maxScheduleInvocations bounds the invocations kept for the state dump.
const maxScheduleInvocations = 1000

// schedulerSessionLength is how long an invocation's role session lasts.
const schedulerSessionLength = 15 * time.Minute

// schedJob is one attempt to make, with the session to make it as.
type schedJob struct {
	inv   *ScheduleInvocation
	creds aws.Credentials
	now   time.Time
	// failCode and failMsg are set when there is nothing to call (the
	// role cannot be assumed, the target is not the sandbox's).
	failCode, failMsg string
}

// RunSchedules invokes every schedule due by the sandbox's clock, and
// retries due for invocations that failed, and returns what it did.
func (s *Server) RunSchedules(ctx context.Context) []ScheduleInvocation {
	s.schedMu.Lock()
	defer s.schedMu.Unlock()
	var jobs []*schedJob
	s.withWorld(func(w *World, now time.Time) {
		c := &call{s: s, w: w, now: now, requestID: "scheduler"}
		jobs = c.dueInvocations()
	})
	if len(jobs) == 0 {
		return nil
	}
	type result struct {
		status    int
		code, msg string
		retryable bool
	}
	results := make([]result, len(jobs))
	for i, j := range jobs {
		if j.failCode != "" {
			results[i] = result{code: j.failCode, msg: j.failMsg}
			continue
		}
		st, code, msg := s.invokeTarget(ctx, j)
		results[i] = result{status: st, code: code, msg: msg,
			retryable: st >= 500 || st == http.StatusTooManyRequests || strings.Contains(code, "Throttl")}
	}
	var out []ScheduleInvocation
	s.withWorld(func(w *World, now time.Time) {
		for i, j := range jobs {
			r := results[i]
			w.finishAttempt(j.inv, now, r.status, r.code, r.msg, r.retryable)
			s.opts.Log.Debug("schedule invoked", "schedule", j.inv.ScheduleARN, "target", j.inv.Target, "as", j.inv.Caller,
				"attempt", j.inv.Attempts, "status", j.inv.Status, "http_status", r.status, "error_code", r.code)
			out = append(out, *j.inv)
		}
	})
	return out
}

// dueInvocations starts the invocations due now and picks the retries
// due, each with a fresh session of its execution role.
func (c *call) dueInvocations() []*schedJob {
	st := &c.w.Scheduler
	var jobs []*schedJob
	for _, sc := range st.Schedules {
		if sc.Spec.State != "ENABLED" || sc.Running || sc.NextRun.IsZero() || c.now.Before(sc.NextRun) {
			continue
		}
		t := sc.Spec.Target
		inv := &ScheduleInvocation{ScheduleARN: sc.ARN, Target: *t.Arn, RoleARN: *t.RoleArn, Due: sc.NextRun, Status: "RUNNING",
			account: sc.Account, region: sc.Region, group: sc.GroupName,
			maxRetries: *t.RetryPolicy.MaximumRetryAttempts, maxAge: *t.RetryPolicy.MaximumEventAgeInSeconds}
		if t.Input != nil {
			inv.input = *t.Input
		}
		st.Invocations = append(st.Invocations, inv)
		sc.Running = true
		sc.NextRun = sc.Spec.nextRun(sc.NextRun, c.now)
		jobs = append(jobs, c.schedJob(inv))
	}
	for _, inv := range st.Invocations {
		if inv.Status == "RETRYING" && !c.now.Before(inv.NextAttempt) {
			inv.Status = "RUNNING"
			jobs = append(jobs, c.schedJob(inv))
		}
	}
	if n := len(st.Invocations) - maxScheduleInvocations; n > 0 {
		// Drop the oldest finished ones; those running or waiting to
		// retry stay.
		st.Invocations = slices.DeleteFunc(st.Invocations, func(inv *ScheduleInvocation) bool {
			if n > 0 && (inv.Status == "SUCCEEDED" || inv.Status == "FAILED") {
				n--
				return true
			}
			return false
		})
	}
	return jobs
}

// schedJob assumes the invocation's execution role.
func (c *call) schedJob(inv *ScheduleInvocation) *schedJob {
	j := &schedJob{inv: inv, now: c.now}
	c.region = inv.region
	role, account, err := c.schedulerRole(inv.RoleARN, inv.account, inv.group)
	if err != nil {
		j.failCode, j.failMsg = "AccessDenied", "EventBridge Scheduler could not assume the execution role "+inv.RoleARN+": its trust policy must allow scheduler.amazonaws.com"
		return j
	}
	var sess *Session
	sess, j.creds = c.serviceSession(account, role, inv.region, schedulerSessionLength, "scheduler")
	inv.Caller = sess.ARN
	return j
}

// nextRun is when a schedule is due after the run due at due, now being
// now: zero for a one-time schedule; a recurring one skips the runs it
// missed.
func (spec *scheduleSpec) nextRun(due, now time.Time) time.Time {
	loc, err := time.LoadLocation(spec.ScheduleExpressionTimezone)
	if err != nil {
		return time.Time{}
	}
	expr, err := parseScheduleExpr(*spec.ScheduleExpression, loc)
	switch {
	case err != nil || !expr.at.IsZero():
		return time.Time{}
	case expr.rate > 0:
		next := due.Add(expr.rate)
		if !next.After(now) {
			next = next.Add(expr.rate * (now.Sub(next)/expr.rate + 1))
		}
		return spec.within(next)
	default:
		return spec.within(expr.cron.next(now.In(loc).Add(time.Minute).Truncate(time.Minute)))
	}
}

// finishAttempt records an attempt's outcome: SUCCEEDED, RETRYING after
// a backoff while the retry policy allows, else FAILED. Once an
// invocation is final and its schedule has no run left, ActionAfterCompletion
// DELETE deletes the schedule.
func (w *World) finishAttempt(inv *ScheduleInvocation, now time.Time, status int, code, msg string, retryable bool) {
	inv.Attempts++
	inv.LastAttempt, inv.NextAttempt = now, time.Time{}
	inv.HTTPStatus, inv.ErrorCode, inv.Error = status, code, msg
	backoff := min(time.Second<<min(inv.Attempts-1, 20), 5*time.Minute)
	switch {
	case code == "" && status >= 200 && status < 300:
		inv.Status = "SUCCEEDED"
	case retryable && inv.Attempts <= int(inv.maxRetries) && now.Add(backoff).Before(inv.Due.Add(time.Duration(inv.maxAge)*time.Second)):
		inv.Status, inv.NextAttempt = "RETRYING", now.Add(backoff)
		return
	default:
		inv.Status = "FAILED"
	}
	st := &w.Scheduler
	i := slices.IndexFunc(st.Schedules, func(s *Schedule) bool { return s.ARN == inv.ScheduleARN })
	if i < 0 {
		return
	}
	sc := st.Schedules[i]
	sc.Running = false
	if sc.NextRun.IsZero() && sc.Spec.ActionAfterCompletion == "DELETE" {
		st.Schedules = slices.Delete(st.Schedules, i, i+1)
	}
}

// schedStatesTarget is a templated target: Step Functions StartExecution
// of a state machine, the schedule's Input its execution input.
var schedStatesTarget = lazyRegexp(`^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$`)

// invokeTarget makes one attempt: a signed request to the sandbox's own
// handler (selfcall.go). It returns the HTTP status and, on failure, AWS's
// error code and message.
func (s *Server) invokeTarget(ctx context.Context, j *schedJob) (int, string, string) {
	service, op, input := "", "", []byte(j.inv.input)
	if m := schedUniversalPattern.FindStringSubmatch(j.inv.Target); m != nil {
		service, op = m[1], m[2]
	} else if schedStatesTarget.MatchString(j.inv.Target) {
		in := map[string]string{"stateMachineArn": j.inv.Target}
		if j.inv.input != "" {
			in["input"] = j.inv.input
		}
		service, op = "sfn", "StartExecution"
		input, _ = json.Marshal(in)
	} else {
		return 0, "UnsupportedTarget", "the sandbox invokes universal targets (arn:aws:scheduler:::aws-sdk:SERVICE:apiAction) of its own services and Step Functions state machines only, not " + j.inv.Target
	}
	res := s.selfCall(ctx, service, op, input, j.creds, j.inv.region, j.now)
	return res.status, res.code, res.message
}

// tickSchedules runs due schedules every tick until ctx is done.
func (s *Server) tickSchedules(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.RunSchedules(ctx)
			s.RunExecutions()
		}
	}
}

// serveAdminScheduler answers POST /_sandbox/scheduler/run: run what is
// due now and tell what ran.
func (s *Server) serveAdminScheduler(w http.ResponseWriter, r *http.Request) {
	const ct = "application/json"
	if r.Method != http.MethodPost {
		writeJSONError(w, ct, newError(405, "MethodNotAllowed", "use POST %s", r.URL.Path))
		return
	}
	ran := s.RunSchedules(r.Context())
	if ran == nil {
		ran = []ScheduleInvocation{}
	}
	resumed := s.RunExecutions()
	if resumed == nil {
		resumed = []string{}
	}
	writeJSON(w, 200, ct, map[string]any{"invocations": ran, "executions": resumed})
}
