package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/keyless-dev/keyless/internal/stepfunctions"
)

// AWS Step Functions (awsJson1_0, X-Amz-Target AWSStepFunctions.<Op>,
// signing name "states"): Standard state machines and their executions,
// with the shapes, limits and errors of botocore's stepfunctions
// 2016-11-23 model. Definitions are checked and run by
// internal/stepfunctions; states_run.go runs executions as the machine's
// role. State machines are per account (the caller's) and region (the
// signature's).

// StepFunctionsState is Step Functions' part of the world.
type StepFunctionsState struct {
	StateMachines []*StateMachine `json:"state_machines,omitempty"`
	// Executions are kept 90 days after they stop (their names stay
	// taken), at most maxExecutions.
	Executions []*Execution `json:"executions,omitempty"`
}

// StateMachine is one Standard state machine.
type StateMachine struct {
	Account    string    `json:"account"`
	Region     string    `json:"region"`
	ARN        string    `json:"arn"`
	Name       string    `json:"name"`
	Definition string    `json:"definition"`
	RoleARN    string    `json:"role_arn"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated,omitzero"`
	RevisionID string    `json:"revision_id,omitempty"`
	Tags       []Tag     `json:"tags,omitempty"`

	machine *stepfunctions.Machine
}

// Execution is one execution of a state machine; Run is its progress.
type Execution struct {
	Account         string             `json:"account"`
	Region          string             `json:"region"`
	ARN             string             `json:"arn"`
	StateMachineARN string             `json:"state_machine_arn"`
	Name            string             `json:"name"`
	RoleARN         string             `json:"role_arn"`
	Input           string             `json:"input"`
	Started         time.Time          `json:"started"`
	Run             *stepfunctions.Run `json:"run"`

	machine *stepfunctions.Machine // the definition it started with
	busy    bool                   // a driver is running it (states_run.go)
}

// maxExecutions bounds the executions kept; past it the oldest stopped
// ones go first.
const maxExecutions = 2000

// executionNameTTL is how long a stopped execution's name stays taken.
const executionNameTTL = 90 * 24 * time.Hour

func statesOps() map[string]jsonOp {
	return map[string]jsonOp{
		"CreateStateMachine":   op(sfnCreateStateMachine),
		"UpdateStateMachine":   op(sfnUpdateStateMachine),
		"DescribeStateMachine": op(sfnDescribeStateMachine),
		"DeleteStateMachine":   op(sfnDeleteStateMachine),
		"ListStateMachines":    op(sfnListStateMachines),
		"StartExecution":       op(sfnStartExecution),
		"DescribeExecution":    op(sfnDescribeExecution),
		"ListExecutions":       op(sfnListExecutions),
		"StopExecution":        op(sfnStopExecution),
		"GetExecutionHistory":  op(sfnGetExecutionHistory),
	}
}

var (
	sfnMachineARN   = lazyRegexp(`^arn:(aws[\w-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([^:]+)$`)
	sfnExecutionARN = lazyRegexp(`^arn:(aws[\w-]*):states:([a-z0-9-]+):(\d{12}):execution:([^:]+):([^:]+)$`)
	sfnRoleARN      = lazyRegexp(`^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
)

// sfnName checks a state machine's or execution's name: 1 to 80
// characters, none of whitespace, brackets, wildcards, the special
// characters "#%\^|~`$&,;:/ and control characters.
func sfnName(name string) error {
	bad := len(name) == 0 || len([]rune(name)) > 80
	for _, r := range name {
		if unicode.IsSpace(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) || r <= 0x1f || r >= 0x7f && r <= 0x9f {
			bad = true
		}
	}
	if bad {
		return newError(400, "InvalidName", "Invalid Name: '%s'", truncate(name, 100))
	}
	return nil
}

func sfnInvalidARN(arn string) error {
	return newError(400, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", truncate(arn, 256))
}

func (c *call) sfnMachineARN(account, name string) string {
	return fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", c.partition(), c.region, account, name)
}

// stateMachine finds the machine an ARN names, in the caller's account and
// region.
func (c *call) stateMachine(arn string) (*StateMachine, error) {
	if arn == "" {
		return nil, errRequired("stateMachineArn")
	}
	if !sfnMachineARN.MatchString(arn) {
		return nil, sfnInvalidARN(arn)
	}
	account := c.caller().AccountID
	for _, m := range c.w.StepFunctions.StateMachines {
		if m.ARN == arn && m.Account == account && m.Region == c.region {
			return m, nil
		}
	}
	return nil, newError(400, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", truncate(arn, 256))
}

func (c *call) execution(arn string) (*Execution, error) {
	if arn == "" {
		return nil, errRequired("executionArn")
	}
	if !sfnExecutionARN.MatchString(arn) {
		return nil, sfnInvalidARN(arn)
	}
	account := c.caller().AccountID
	for _, e := range c.w.StepFunctions.Executions {
		if e.ARN == arn && e.Account == account && e.Region == c.region {
			return e, nil
		}
	}
	return nil, newError(400, "ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", truncate(arn, 256))
}

// sfnDefinition parses a definition and checks that the sandbox can call
// every Task's Resource.
func sfnDefinition(def string) (*stepfunctions.Machine, error) {
	if def == "" {
		return nil, errRequired("definition")
	}
	m, err := stepfunctions.Parse(def)
	var de *stepfunctions.DefinitionError
	if errors.As(err, &de) {
		return nil, newError(400, "InvalidDefinition", "%s", truncate(de.Error(), 4000))
	}
	if err != nil {
		return nil, newError(400, "InvalidDefinition", "Invalid State Machine Definition: '%v'", err)
	}
	var problems []string
	for name, st := range m.States {
		if st.Type != "Task" {
			continue
		}
		if service, _, _ := stepfunctions.SDKResource(st.Resource); selfServices[service].signing == "" {
			problems = append(problems, fmt.Sprintf("SCHEMA_VALIDATION_FAILED: The resource provided %s is not recognized: the sandbox calls ssoadmin, identitystore, organizations, dynamodb, sfn and scheduler at /States/%s/Resource", st.Resource, name))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, newError(400, "InvalidDefinition", "Invalid State Machine Definition: '%s'", strings.Join(problems, ", "))
	}
	return m, nil
}

// statesTrusted refuses a role Step Functions could not assume for the
// machine, as CreateStateMachine and UpdateStateMachine do.
func (c *call) statesTrusted(roleARN, account, machineARN string) error {
	if role, _ := c.serviceRole(roleARN, "states.amazonaws.com",
		map[string][]string{"aws:sourceaccount": {account}, "aws:sourcearn": {machineARN}}); role == nil {
		return newError(400, "AccessDeniedException", "%s", statesUntrusted)
	}
	return nil
}

// statesUntrusted is AWS's message for a role whose trust policy does not
// let Step Functions assume it.
const statesUntrusted = "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role."

func sfnRole(arn string) error {
	if len(arn) < 1 || len(arn) > 256 || !sfnRoleARN.MatchString(arn) {
		return newError(400, "InvalidArn", "Invalid Arn: 'Role ARN is not valid: %s'", truncate(arn, 256))
	}
	return nil
}

type sfnTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type sfnCreateIn struct {
	Name                    string          `json:"name"`
	Definition              string          `json:"definition"`
	RoleArn                 string          `json:"roleArn"`
	Type                    string          `json:"type"`
	Tags                    []sfnTag        `json:"tags"`
	Publish                 bool            `json:"publish"`
	LoggingConfiguration    json.RawMessage `json:"loggingConfiguration"`
	TracingConfiguration    json.RawMessage `json:"tracingConfiguration"`
	EncryptionConfiguration json.RawMessage `json:"encryptionConfiguration"`
	VersionDescription      string          `json:"versionDescription"`
}

func sfnCreateStateMachine(c *call, in *sfnCreateIn) (any, error) {
	switch {
	case in.Name == "":
		return nil, errRequired("name")
	case in.RoleArn == "":
		return nil, errRequired("roleArn")
	}
	if err := sfnName(in.Name); err != nil {
		return nil, err
	}
	if in.Type != "" && in.Type != "STANDARD" && in.Type != "EXPRESS" {
		return nil, errConstraint("type", truncate(in.Type, 50), "Member must satisfy enum value set: [STANDARD, EXPRESS]")
	}
	if in.Type == "EXPRESS" {
		return nil, newError(400, "StateMachineTypeNotSupported", "The sandbox runs STANDARD state machines only, not EXPRESS")
	}
	if in.Publish {
		return nil, errValidation("The sandbox does not publish state machine versions: leave publish false")
	}
	if err := sfnRole(in.RoleArn); err != nil {
		return nil, err
	}
	if len(in.Tags) > 50 {
		return nil, newError(400, "TooManyTags", "Too many tags: a state machine can have at most 50")
	}
	for i, t := range in.Tags {
		if len(t.Key) < 1 || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, errConstraint(fmt.Sprintf("tags.%d.member", i+1), truncate(t.Key, 128), "Member must have a key of 1 to 128 characters and a value of at most 256")
		}
	}
	m, err := sfnDefinition(in.Definition)
	if err != nil {
		return nil, err
	}
	if err := c.mayPassRole(in.RoleArn, "states.amazonaws.com", protoJSON); err != nil {
		return nil, err
	}
	account := c.caller().AccountID
	arn := c.sfnMachineARN(account, in.Name)
	if err := c.statesTrusted(in.RoleArn, account, arn); err != nil {
		return nil, err
	}
	for _, sm := range c.w.StepFunctions.StateMachines {
		if sm.ARN == arn {
			if sm.Definition == in.Definition && sm.RoleARN == in.RoleArn {
				return map[string]any{"stateMachineArn": sm.ARN, "creationDate": epochTime{sm.Created}}, nil
			}
			return nil, newError(400, "StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn)
		}
	}
	tags := make([]Tag, 0, len(in.Tags))
	for _, t := range in.Tags {
		tags = append(tags, Tag(t))
	}
	sm := &StateMachine{Account: account, Region: c.region, ARN: arn, Name: in.Name, Definition: in.Definition, RoleARN: in.RoleArn,
		Created: c.now, RevisionID: c.uuid(), Tags: tags, machine: m}
	c.w.StepFunctions.StateMachines = append(c.w.StepFunctions.StateMachines, sm)
	return map[string]any{"stateMachineArn": arn, "creationDate": epochTime{c.now}}, nil
}

type sfnUpdateIn struct {
	StateMachineArn         string          `json:"stateMachineArn"`
	Definition              *string         `json:"definition"`
	RoleArn                 *string         `json:"roleArn"`
	Publish                 bool            `json:"publish"`
	LoggingConfiguration    json.RawMessage `json:"loggingConfiguration"`
	TracingConfiguration    json.RawMessage `json:"tracingConfiguration"`
	EncryptionConfiguration json.RawMessage `json:"encryptionConfiguration"`
	VersionDescription      string          `json:"versionDescription"`
}

func sfnUpdateStateMachine(c *call, in *sfnUpdateIn) (any, error) {
	sm, err := c.stateMachine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil && in.TracingConfiguration == nil && in.EncryptionConfiguration == nil {
		return nil, newError(400, "MissingRequiredParameter", "Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified")
	}
	if in.Publish {
		return nil, errValidation("The sandbox does not publish state machine versions: leave publish false")
	}
	var m *stepfunctions.Machine
	if in.Definition != nil {
		if m, err = sfnDefinition(*in.Definition); err != nil {
			return nil, err
		}
	}
	if in.RoleArn != nil {
		if err := sfnRole(*in.RoleArn); err != nil {
			return nil, err
		}
		if err := c.mayPassRole(*in.RoleArn, "states.amazonaws.com", protoJSON); err != nil {
			return nil, err
		}
		if err := c.statesTrusted(*in.RoleArn, sm.Account, sm.ARN); err != nil {
			return nil, err
		}
		sm.RoleARN = *in.RoleArn
	}
	if m != nil {
		sm.Definition, sm.machine = *in.Definition, m
	}
	sm.Updated, sm.RevisionID = c.now, c.uuid()
	return map[string]any{"updateDate": epochTime{c.now}, "revisionId": sm.RevisionID}, nil
}

type sfnMachineIn struct {
	StateMachineArn string `json:"stateMachineArn"`
	IncludedData    string `json:"includedData"`
}

func sfnDescribeStateMachine(c *call, in *sfnMachineIn) (any, error) {
	sm, err := c.stateMachine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stateMachineArn": sm.ARN, "name": sm.Name, "status": "ACTIVE", "definition": sm.Definition,
		"roleArn": sm.RoleARN, "type": "STANDARD", "creationDate": epochTime{sm.Created}, "revisionId": sm.RevisionID,
		"loggingConfiguration": map[string]any{"level": "OFF", "includeExecutionData": false},
		"tracingConfiguration": map[string]any{"enabled": false}}, nil
}

// DeleteStateMachine removes the machine at once; its running executions
// run to their end on the definition they started with.
func sfnDeleteStateMachine(c *call, in *sfnMachineIn) (any, error) {
	if in.StateMachineArn == "" {
		return nil, errRequired("stateMachineArn")
	}
	if !sfnMachineARN.MatchString(in.StateMachineArn) {
		return nil, sfnInvalidARN(in.StateMachineArn)
	}
	account := c.caller().AccountID
	c.w.StepFunctions.StateMachines = slices.DeleteFunc(c.w.StepFunctions.StateMachines, func(sm *StateMachine) bool {
		return sm.ARN == in.StateMachineArn && sm.Account == account && sm.Region == c.region
	})
	return nil, nil
}

type sfnListIn struct {
	MaxResults      int32  `json:"maxResults"`
	NextToken       string `json:"nextToken"`
	StateMachineArn string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
}

// pageArgs reads maxResults (0: the default) and nextToken.
func (in *sfnListIn) pageArgs() (*int32, *string, error) {
	var max *int32
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, nil, errConstraint("maxResults", fmt.Sprint(in.MaxResults), "Member must have value less than or equal to 1000 and greater than or equal to 0")
	}
	if in.MaxResults > 0 {
		max = &in.MaxResults
	}
	var tok *string
	if in.NextToken != "" {
		tok = &in.NextToken
	}
	return max, tok, nil
}

// sfnPage pages items, InvalidToken for a token it did not give.
func sfnPage[T any](items []T, kind string, in *sfnListIn) ([]T, *string, error) {
	max, tok, err := in.pageArgs()
	if err != nil {
		return nil, nil, err
	}
	out, next, err := page(items, kind, max, tok, 100, 1000)
	if err != nil {
		// maxResults was checked: the token is what page refused.
		return nil, nil, newError(400, "InvalidToken", "Invalid Token: '%s'", truncate(in.NextToken, 100))
	}
	return out, next, nil
}

func sfnListStateMachines(c *call, in *sfnListIn) (any, error) {
	account := c.caller().AccountID
	var all []map[string]any
	for _, sm := range c.w.StepFunctions.StateMachines {
		if sm.Account == account && sm.Region == c.region {
			all = append(all, map[string]any{"stateMachineArn": sm.ARN, "name": sm.Name, "type": "STANDARD", "creationDate": epochTime{sm.Created}})
		}
	}
	items, next, err := sfnPage(all, "state-machines", in)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"stateMachines": append([]map[string]any{}, items...)}
	if next != nil {
		out["nextToken"] = *next
	}
	return out, nil
}

type sfnStartIn struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            *string `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     string  `json:"traceHeader"`
}

func sfnStartExecution(c *call, in *sfnStartIn) (any, error) {
	sm, err := c.stateMachine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	name := c.uuid()
	if in.Name != nil {
		name = *in.Name
	}
	if err := sfnName(name); err != nil {
		return nil, err
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	if len(input) > 262144 {
		return nil, newError(400, "InvalidExecutionInput", "Invalid State Machine Execution Input: 'the input is larger than 262144 bytes'")
	}
	var v any
	if err := json.Unmarshal([]byte(input), &v); err != nil {
		return nil, newError(400, "InvalidExecutionInput", "Invalid State Machine Execution Input: '%s'", truncate(err.Error(), 200))
	}
	arn := fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:%s", c.partition(), sm.Region, sm.Account, sm.Name, name)
	st := &c.w.StepFunctions
	for _, e := range st.Executions {
		if e.ARN != arn {
			continue
		}
		// The same request while it runs is the same execution.
		if e.Run.Status == stepfunctions.StatusRunning && e.Input == input {
			return map[string]any{"executionArn": e.ARN, "startDate": epochTime{e.Started}}, nil
		}
		return nil, newError(400, "ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	e := &Execution{Account: sm.Account, Region: sm.Region, ARN: arn, StateMachineARN: sm.ARN, Name: name, RoleARN: sm.RoleARN,
		Input: input, Started: c.now, machine: sm.machine}
	e.Run = sm.machine.Start(stepfunctions.Context{ExecutionID: arn, ExecutionName: name, RoleARN: sm.RoleARN,
		StateMachineID: sm.ARN, StateMachineName: sm.Name, StartTime: c.now, Input: input}, input)
	st.Executions = append(st.Executions, e)
	st.prune(c.now)
	go c.s.driveExecution(arn)
	return map[string]any{"executionArn": arn, "startDate": epochTime{c.now}}, nil
}

// prune forgets executions stopped more than 90 days ago, and the oldest
// stopped ones past maxExecutions.
func (st *StepFunctionsState) prune(now time.Time) {
	n := len(st.Executions) - maxExecutions
	st.Executions = slices.DeleteFunc(st.Executions, func(e *Execution) bool {
		if e.Run.Status == stepfunctions.StatusRunning {
			return false
		}
		if now.Sub(e.Run.Stopped) > executionNameTTL || n > 0 {
			n--
			return true
		}
		return false
	})
}

type sfnExecutionIn struct {
	ExecutionArn         string `json:"executionArn"`
	IncludedData         string `json:"includedData"`
	Error                string `json:"error"`
	Cause                string `json:"cause"`
	MaxResults           int32  `json:"maxResults"`
	NextToken            string `json:"nextToken"`
	ReverseOrder         bool   `json:"reverseOrder"`
	IncludeExecutionData *bool  `json:"includeExecutionData"`
}

func sfnDescribeExecution(c *call, in *sfnExecutionIn) (any, error) {
	e, err := c.execution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	r := e.Run
	out := map[string]any{"executionArn": e.ARN, "stateMachineArn": e.StateMachineARN, "name": e.Name, "status": r.Status,
		"startDate": epochTime{e.Started}, "redriveCount": 0}
	if in.IncludedData != "METADATA_ONLY" {
		out["input"], out["inputDetails"] = e.Input, map[string]any{"included": true}
	}
	if r.Status != stepfunctions.StatusRunning {
		out["stopDate"] = epochTime{r.Stopped}
		out["redriveStatus"] = "NOT_REDRIVABLE"
	}
	if r.Status == stepfunctions.StatusSucceeded && in.IncludedData != "METADATA_ONLY" {
		out["output"], out["outputDetails"] = string(r.Output), map[string]any{"included": true}
	}
	if r.Error != "" {
		out["error"] = r.Error
	}
	if r.Cause != "" {
		out["cause"] = r.Cause
	}
	return out, nil
}

func sfnListExecutions(c *call, in *sfnListIn) (any, error) {
	sm, err := c.stateMachine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.StatusFilter != "" && !slices.Contains([]string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}, in.StatusFilter) {
		return nil, errConstraint("statusFilter", truncate(in.StatusFilter, 50), "Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]")
	}
	var all []map[string]any
	// Newest first, as AWS lists them.
	for _, e := range slices.Backward(c.w.StepFunctions.Executions) {
		if e.StateMachineARN != sm.ARN || in.StatusFilter != "" && e.Run.Status != in.StatusFilter {
			continue
		}
		item := map[string]any{"executionArn": e.ARN, "stateMachineArn": e.StateMachineARN, "name": e.Name, "status": e.Run.Status,
			"startDate": epochTime{e.Started}}
		if !e.Run.Stopped.IsZero() {
			item["stopDate"] = epochTime{e.Run.Stopped}
		}
		all = append(all, item)
	}
	items, next, err := sfnPage(all, "executions:"+sm.ARN+":"+in.StatusFilter, in)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"executions": append([]map[string]any{}, items...)}
	if next != nil {
		out["nextToken"] = *next
	}
	return out, nil
}

func sfnStopExecution(c *call, in *sfnExecutionIn) (any, error) {
	e, err := c.execution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if len(in.Error) > 256 || len(in.Cause) > 32768 {
		return nil, errValidation("1 validation error detected: the error is at most 256 characters and the cause at most 32768")
	}
	if e.Run.Status != stepfunctions.StatusRunning {
		// Already stopped: nothing changes (the sandbox's choice).
		return map[string]any{"stopDate": epochTime{e.Run.Stopped}}, nil
	}
	e.Run.Abort(c.now, in.Error, in.Cause)
	return map[string]any{"stopDate": epochTime{c.now}}, nil
}

func sfnGetExecutionHistory(c *call, in *sfnExecutionIn) (any, error) {
	e, err := c.execution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	data := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	events := make([]map[string]any, 0, len(e.Run.History))
	for _, ev := range e.Run.History {
		events = append(events, historyEvent(ev, e, data))
	}
	if in.ReverseOrder {
		slices.Reverse(events)
	}
	li := &sfnListIn{MaxResults: in.MaxResults, NextToken: in.NextToken}
	items, next, err := sfnPage(events, fmt.Sprintf("history:%s:%t:%t", e.ARN, in.ReverseOrder, data), li)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"events": append([]map[string]any{}, items...)}
	if next != nil {
		out["nextToken"] = *next
	}
	return out, nil
}

// historyEvent is an event as GetExecutionHistory shapes it.
func historyEvent(ev stepfunctions.Event, e *Execution, data bool) map[string]any {
	out := map[string]any{"id": ev.ID, "previousEventId": ev.Previous, "timestamp": epochTime{ev.Timestamp}, "type": ev.Type}
	withData := func(m map[string]any, key, v string) map[string]any {
		if data {
			m[key], m[key+"Details"] = v, map[string]any{"truncated": false}
		}
		return m
	}
	switch {
	case ev.Type == "ExecutionStarted":
		out["executionStartedEventDetails"] = withData(map[string]any{"roleArn": e.RoleARN}, "input", ev.Input)
	case ev.Type == "ExecutionSucceeded":
		out["executionSucceededEventDetails"] = withData(map[string]any{}, "output", ev.Output)
	case ev.Type == "ExecutionFailed", ev.Type == "ExecutionAborted", ev.Type == "ExecutionTimedOut":
		key := strings.ToLower(ev.Type[:1]) + ev.Type[1:] + "EventDetails"
		out[key] = map[string]any{"error": ev.Error, "cause": ev.Cause}
	case strings.HasSuffix(ev.Type, "StateEntered"):
		out["stateEnteredEventDetails"] = withData(map[string]any{"name": ev.State}, "input", ev.Input)
	case strings.HasSuffix(ev.Type, "StateExited"):
		out["stateExitedEventDetails"] = withData(map[string]any{"name": ev.State}, "output", ev.Output)
	case ev.Type == "TaskScheduled":
		out["taskScheduledEventDetails"] = map[string]any{"resourceType": "aws-sdk", "resource": sdkResourceName(ev.Resource),
			"region": e.Region, "parameters": ev.Input}
	case ev.Type == "TaskSucceeded":
		out["taskSucceededEventDetails"] = withData(map[string]any{"resourceType": "aws-sdk", "resource": sdkResourceName(ev.Resource)}, "output", ev.Output)
	case ev.Type == "TaskFailed":
		out["taskFailedEventDetails"] = map[string]any{"resourceType": "aws-sdk", "resource": sdkResourceName(ev.Resource), "error": ev.Error, "cause": ev.Cause}
	}
	return out
}

// sdkResourceName is "service:apiAction", as history events name an
// AWS SDK task's resource.
func sdkResourceName(resource string) string {
	service, action, _ := stepfunctions.SDKResource(resource)
	return service + ":" + action
}
