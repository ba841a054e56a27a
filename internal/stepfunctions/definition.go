package stepfunctions

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// Machine is a parsed, validated state machine definition.
type Machine struct {
	StartAt        string
	States         map[string]*State
	TimeoutSeconds int
}

// State is one state of a definition, JSONata fields kept as written
// (templates are evaluated when the state runs).
type State struct {
	Name string
	Type string
	Next string
	End  bool

	Output    any // nil: the default
	HasOutput bool
	Assign    map[string]any

	// Task
	Resource       string
	Arguments      any
	TimeoutSeconds any // number or expression
	Retry          []Retrier
	Catch          []Catcher

	// Choice
	Choices []ChoiceRule
	Default string

	// Wait
	Seconds   any
	Timestamp any

	// Fail
	Error, Cause any
}

// Retrier is one element of a Retry field.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds float64
	JitterStrategy  string
}

// Catcher is one element of a Catch field.
type Catcher struct {
	ErrorEquals []string
	Next        string
	Output      any
	HasOutput   bool
	Assign      map[string]any
}

// ChoiceRule is one element of a Choice state's Choices.
type ChoiceRule struct {
	Condition any // true, false or an expression
	Next      string
	Output    any
	HasOutput bool
	Assign    map[string]any
}

// DefinitionError is CreateStateMachine's InvalidDefinition: every
// problem found, each "CODE: message at /path".
type DefinitionError struct{ Problems []string }

func (e *DefinitionError) Error() string {
	return "Invalid State Machine Definition: '" + strings.Join(e.Problems, ", ") + "'"
}

// The fields each state type may have in JSONata mode ("Comment" and
// "QueryLanguage" everywhere).
var stateFields = map[string][]string{
	"Task":    {"Type", "Next", "End", "Resource", "Arguments", "Output", "Assign", "Retry", "Catch", "TimeoutSeconds", "HeartbeatSeconds"},
	"Pass":    {"Type", "Next", "End", "Output", "Assign"},
	"Wait":    {"Type", "Next", "End", "Seconds", "Timestamp", "Output", "Assign"},
	"Choice":  {"Type", "Choices", "Default", "Output", "Assign"},
	"Succeed": {"Type", "Output"},
	"Fail":    {"Type", "Error", "Cause"},
}

// jsonPathFields are JSONPath's: refused in JSONata states, as AWS does.
var jsonPathFields = []string{"InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "Result",
	"SecondsPath", "TimestampPath", "ErrorPath", "CausePath"}

// States.ALL and the predefined errors a Retry or Catch may name.
const (
	ErrALL                = "States.ALL"
	ErrTaskFailed         = "States.TaskFailed"
	ErrTimeout            = "States.Timeout"
	ErrQueryEvaluation    = "States.QueryEvaluationError"
	ErrNoChoiceMatched    = "States.NoChoiceMatched"
	ErrRuntime            = "States.Runtime"
	ErrDataLimitExceeded  = "States.DataLimitExceeded"
	ErrPermissions        = "States.Permissions"
	ErrHeartbeatTimeout   = "States.HeartbeatTimeout"
	ErrIntrinsicFailure   = "States.IntrinsicFailure"
	ErrResultPathMismatch = "States.ResultPathMatchFailure"
)

var variableName = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxDefinitionBytes is CreateStateMachine's limit on a definition.
const maxDefinitionBytes = 1048576

// Parse checks a definition as CreateStateMachine does and returns the
// machine, or a *DefinitionError.
func Parse(definition string) (*Machine, error) {
	p := &parser{}
	m := p.parse(definition)
	if len(p.problems) > 0 {
		return nil, &DefinitionError{Problems: p.problems}
	}
	return m, nil
}

type parser struct {
	problems []string
	jsonata  bool // the top level's QueryLanguage
}

func (p *parser) fail(code, path, format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf("%s: %s at %s", code, fmt.Sprintf(format, args...), path))
}

func (p *parser) schema(path, format string, args ...any) {
	p.fail("SCHEMA_VALIDATION_FAILED", path, format, args...)
}

func (p *parser) parse(definition string) *Machine {
	if len(definition) > maxDefinitionBytes {
		p.schema("/", "The definition is larger than %d bytes", maxDefinitionBytes)
		return nil
	}
	var top map[string]any
	if err := json.Unmarshal([]byte(definition), &top); err != nil || top == nil {
		p.problems = append(p.problems, "INVALID_JSON_DESCRIPTION: the definition is not a JSON object")
		return nil
	}
	for k := range top {
		if !slices.Contains([]string{"Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"}, k) {
			p.schema("/", "Field %q is not supported", k)
		}
	}
	ql, _ := top["QueryLanguage"].(string)
	switch ql {
	case "JSONata":
		p.jsonata = true
	case "", "JSONPath":
	default:
		p.schema("/QueryLanguage", "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]")
	}
	m := &Machine{States: map[string]*State{}}
	start, ok := top["StartAt"].(string)
	if !ok {
		p.schema("/", "These fields are required: [StartAt]")
	}
	m.StartAt = start
	if n, ok := p.integer("", top, "TimeoutSeconds", 1, 99999999); ok {
		m.TimeoutSeconds = n
	}
	states, ok := top["States"].(map[string]any)
	if !ok {
		p.schema("/", "These fields are required: [States]")
		return m
	}
	if len(states) == 0 {
		p.schema("/States", "The field 'States' must not be empty")
	}
	names := make([]string, 0, len(states))
	for name := range states {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := "/States/" + name
		if len(name) > 80 {
			p.schema(path, "State names must be at most 80 characters")
		}
		raw, ok := states[name].(map[string]any)
		if !ok {
			p.schema(path, "The value for the field '%s' must be an OBJECT", name)
			continue
		}
		if st := p.state(name, path, raw); st != nil {
			m.States[name] = st
		}
	}
	if len(p.problems) > 0 {
		return m
	}
	p.transitions(m)
	return m
}

// transitions checks that every target exists and every state is reachable.
func (p *parser) transitions(m *Machine) {
	if _, ok := m.States[m.StartAt]; !ok {
		p.fail("MISSING_TRANSITION_TARGET", "/StartAt", "Missing 'Next' target: %s", m.StartAt)
	}
	names := make([]string, 0, len(m.States))
	for n := range m.States {
		names = append(names, n)
	}
	sort.Strings(names)
	target := func(path, to string) {
		if _, ok := m.States[to]; !ok {
			p.fail("MISSING_TRANSITION_TARGET", path, "Missing 'Next' target: %s", to)
		}
	}
	for _, n := range names {
		st := m.States[n]
		path := "/States/" + n
		if st.Next != "" {
			target(path+"/Next", st.Next)
		}
		if st.Default != "" {
			target(path+"/Default", st.Default)
		}
		for i, c := range st.Choices {
			target(fmt.Sprintf("%s/Choices[%d]/Next", path, i), c.Next)
		}
		for i, c := range st.Catch {
			target(fmt.Sprintf("%s/Catch[%d]/Next", path, i), c.Next)
		}
	}
	reached := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		st, ok := m.States[n]
		if !ok || reached[n] {
			return
		}
		reached[n] = true
		for _, to := range st.targets() {
			walk(to)
		}
	}
	walk(m.StartAt)
	for _, n := range names {
		if !reached[n] {
			p.fail("MISSING_TRANSITION_TARGET", "/States/"+n, "State %q is not reachable.", n)
		}
	}
}

// targets are the states a state can go to.
func (st *State) targets() []string {
	var out []string
	if st.Next != "" {
		out = append(out, st.Next)
	}
	if st.Default != "" {
		out = append(out, st.Default)
	}
	for _, c := range st.Choices {
		out = append(out, c.Next)
	}
	for _, c := range st.Catch {
		out = append(out, c.Next)
	}
	return out
}

func (p *parser) state(name, path string, raw map[string]any) *State {
	typ, _ := raw["Type"].(string)
	if typ == "" {
		p.schema(path, "These fields are required: [Type]")
		return nil
	}
	switch typ {
	case "Parallel", "Map":
		p.schema(path+"/Type", "The sandbox does not run %s states: it runs Task, Choice, Pass, Wait, Succeed and Fail", typ)
		return nil
	}
	allowed, ok := stateFields[typ]
	if !ok {
		p.schema(path+"/Type", "The value for the field 'Type' must be one of [Task, Choice, Pass, Wait, Succeed, Fail, Parallel, Map]")
		return nil
	}
	ql := "JSONPath"
	if p.jsonata {
		ql = "JSONata"
	}
	if v, ok := raw["QueryLanguage"]; ok {
		s, _ := v.(string)
		switch {
		case s == "JSONPath" && p.jsonata:
			p.schema(path+"/QueryLanguage", "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata")
		case s == "JSONata" || s == "JSONPath":
			ql = s
		default:
			p.schema(path+"/QueryLanguage", "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]")
		}
	}
	if ql != "JSONata" {
		p.schema(path, "The sandbox runs JSONata states only: set \"QueryLanguage\": \"JSONata\" at the top level of the definition or in this state")
		return nil
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case k == "Comment" || k == "QueryLanguage" || slices.Contains(allowed, k):
		case slices.Contains(jsonPathFields, k):
			p.schema(path, "The field %q is not supported for states with QueryLanguage JSONata: use Arguments, Output and Assign", k)
		default:
			p.schema(path, "Field %q is not supported", k)
		}
	}
	st := &State{Name: name, Type: typ}
	st.Next, _ = raw["Next"].(string)
	if v, ok := raw["Next"]; ok {
		if s, isStr := v.(string); !isStr || s == "" {
			p.schema(path+"/Next", "The value for the field 'Next' must be a non-empty STRING")
		}
	}
	if v, ok := raw["End"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			p.schema(path+"/End", "The value for the field 'End' must be a BOOLEAN")
		}
		st.End = b
	}
	switch typ {
	case "Task", "Pass", "Wait":
		switch {
		case st.Next == "" && !st.End:
			p.schema(path, "These fields are required: [Next] or [End]")
		case st.Next != "" && st.End:
			p.schema(path, "The fields 'Next' and 'End' are mutually exclusive")
		}
	}
	if v, ok := raw["Output"]; ok {
		st.Output, st.HasOutput = v, true
		p.expressions(path+"/Output", v)
	}
	st.Assign = p.assign(path+"/Assign", raw)
	switch typ {
	case "Task":
		p.task(st, path, raw)
	case "Choice":
		p.choice(st, path, raw)
	case "Wait":
		st.Seconds, st.Timestamp = raw["Seconds"], raw["Timestamp"]
		switch {
		case (st.Seconds == nil) == (st.Timestamp == nil):
			p.schema(path, "A Wait state must have exactly one of [Seconds, Timestamp]")
		case st.Seconds != nil:
			p.numberOrExpr(path+"/Seconds", st.Seconds, 0, 99999999)
		default:
			if s, ok := st.Timestamp.(string); !ok {
				p.schema(path+"/Timestamp", "The value for the field 'Timestamp' must be a STRING")
			} else if _, isExpr := exprOf(s); isExpr {
				p.expressions(path+"/Timestamp", s)
			} else if _, err := time.Parse(time.RFC3339, s); err != nil {
				p.schema(path+"/Timestamp", "The value for the field 'Timestamp' must be an ISO-8601 extended offset date-time format string")
			}
		}
	case "Fail":
		st.Error, st.Cause = raw["Error"], raw["Cause"]
		for _, f := range []string{"Error", "Cause"} {
			if v, ok := raw[f]; ok {
				if _, isStr := v.(string); !isStr {
					p.schema(path+"/"+f, "The value for the field '%s' must be a STRING", f)
				}
				p.expressions(path+"/"+f, v)
			}
		}
	}
	return st
}

func (p *parser) task(st *State, path string, raw map[string]any) {
	res, _ := raw["Resource"].(string)
	if res == "" {
		p.schema(path, "These fields are required: [Resource]")
	} else if _, _, ok := SDKResource(res); !ok {
		p.schema(path+"/Resource", "The sandbox runs AWS SDK integrations only (arn:aws:states:::aws-sdk:serviceName:apiAction), not %q", res)
	}
	st.Resource = res
	if v, ok := raw["Arguments"]; ok {
		st.Arguments = v
		p.expressions(path+"/Arguments", v)
	}
	if v, ok := raw["TimeoutSeconds"]; ok {
		st.TimeoutSeconds = v
		p.numberOrExpr(path+"/TimeoutSeconds", v, 1, 99999999)
	}
	if v, ok := raw["HeartbeatSeconds"]; ok {
		p.numberOrExpr(path+"/HeartbeatSeconds", v, 1, 99999999)
	}
	if v, ok := raw["Retry"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			p.schema(path+"/Retry", "The value for the field 'Retry' must be an ARRAY")
		}
		for i, x := range arr {
			st.Retry = append(st.Retry, p.retrier(fmt.Sprintf("%s/Retry[%d]", path, i), x, i == len(arr)-1))
		}
	}
	if v, ok := raw["Catch"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			p.schema(path+"/Catch", "The value for the field 'Catch' must be an ARRAY")
		}
		for i, x := range arr {
			st.Catch = append(st.Catch, p.catcher(fmt.Sprintf("%s/Catch[%d]", path, i), x, i == len(arr)-1))
		}
	}
}

// errorEquals checks an ErrorEquals: non-empty; States.ALL alone and in
// the last element only.
func (p *parser) errorEquals(path string, raw map[string]any, last bool) []string {
	arr, ok := raw["ErrorEquals"].([]any)
	if !ok || len(arr) == 0 {
		p.schema(path, "These fields are required: [ErrorEquals]")
		return nil
	}
	var out []string
	for _, x := range arr {
		s, ok := x.(string)
		if !ok || s == "" {
			p.schema(path+"/ErrorEquals", "The value for the field 'ErrorEquals' must be an ARRAY of non-empty STRINGs")
			continue
		}
		out = append(out, s)
	}
	if slices.Contains(out, ErrALL) && (len(out) > 1 || !last) {
		p.schema(path+"/ErrorEquals", "States.ALL must appear alone in the last retrier or catcher")
	}
	return out
}

func (p *parser) retrier(path string, x any, last bool) Retrier {
	r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
	raw, ok := x.(map[string]any)
	if !ok {
		p.schema(path, "The value must be an OBJECT")
		return r
	}
	for k := range raw {
		if !slices.Contains([]string{"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"}, k) {
			p.schema(path, "Field %q is not supported", k)
		}
	}
	r.ErrorEquals = p.errorEquals(path, raw, last)
	if n, ok := p.integer(path, raw, "IntervalSeconds", 1, 99999999); ok {
		r.IntervalSeconds = float64(n)
	}
	if n, ok := p.integer(path, raw, "MaxAttempts", 0, 99999999); ok {
		r.MaxAttempts = n
	}
	if v, ok := raw["BackoffRate"]; ok {
		f, isNum := v.(float64)
		if !isNum || f < 1 {
			p.schema(path+"/BackoffRate", "The value for the field 'BackoffRate' must be a number greater than or equal to 1.0")
		}
		r.BackoffRate = f
	}
	if n, ok := p.integer(path, raw, "MaxDelaySeconds", 1, 31622400); ok {
		r.MaxDelaySeconds = float64(n)
	}
	if v, ok := raw["JitterStrategy"]; ok {
		s, _ := v.(string)
		if s != "FULL" && s != "NONE" {
			p.schema(path+"/JitterStrategy", "The value for the field 'JitterStrategy' must be one of [FULL, NONE]")
		}
		r.JitterStrategy = s
	}
	return r
}

func (p *parser) catcher(path string, x any, last bool) Catcher {
	var c Catcher
	raw, ok := x.(map[string]any)
	if !ok {
		p.schema(path, "The value must be an OBJECT")
		return c
	}
	for k := range raw {
		if !slices.Contains([]string{"ErrorEquals", "Next", "Output", "Assign", "Comment"}, k) {
			p.schema(path, "Field %q is not supported", k)
		}
	}
	c.ErrorEquals = p.errorEquals(path, raw, last)
	c.Next, _ = raw["Next"].(string)
	if c.Next == "" {
		p.schema(path, "These fields are required: [Next]")
	}
	if v, ok := raw["Output"]; ok {
		c.Output, c.HasOutput = v, true
		p.expressions(path+"/Output", v)
	}
	c.Assign = p.assign(path+"/Assign", raw)
	return c
}

func (p *parser) choice(st *State, path string, raw map[string]any) {
	arr, ok := raw["Choices"].([]any)
	if !ok || len(arr) == 0 {
		p.schema(path, "These fields are required: [Choices]")
		return
	}
	st.Default, _ = raw["Default"].(string)
	for i, x := range arr {
		rp := fmt.Sprintf("%s/Choices[%d]", path, i)
		rule, ok := x.(map[string]any)
		if !ok {
			p.schema(rp, "The value must be an OBJECT")
			continue
		}
		for k := range rule {
			if !slices.Contains([]string{"Condition", "Next", "Output", "Assign", "Comment"}, k) {
				p.schema(rp, "Field %q is not supported", k)
			}
		}
		var r ChoiceRule
		r.Next, _ = rule["Next"].(string)
		if r.Next == "" {
			p.schema(rp, "These fields are required: [Next]")
		}
		cond, ok := rule["Condition"]
		switch c := cond.(type) {
		case bool:
		case string:
			if _, isExpr := exprOf(c); !isExpr {
				p.schema(rp+"/Condition", "The value for the field 'Condition' must be a JSONata expression or a BOOLEAN")
			}
			p.expressions(rp+"/Condition", c)
		default:
			if !ok {
				p.schema(rp, "These fields are required: [Condition]")
			} else {
				p.schema(rp+"/Condition", "The value for the field 'Condition' must be a JSONata expression or a BOOLEAN")
			}
		}
		r.Condition = cond
		if v, ok := rule["Output"]; ok {
			r.Output, r.HasOutput = v, true
			p.expressions(rp+"/Output", v)
		}
		r.Assign = p.assign(rp+"/Assign", rule)
		st.Choices = append(st.Choices, r)
	}
}

// assign reads an Assign field: variable names, and their expressions.
func (p *parser) assign(path string, raw map[string]any) map[string]any {
	v, ok := raw["Assign"]
	if !ok {
		return nil
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		p.schema(path, "The value for the field 'Assign' must be an OBJECT")
		return nil
	}
	for name, x := range m {
		switch {
		case name == "states":
			p.schema(path+"/"+name, "The variable name 'states' is reserved")
		case len(name) > 80 || !variableName.MatchString(name):
			p.schema(path+"/"+name, "The variable name %q is invalid: it must start with a letter or underscore and contain only letters, digits and underscores", name)
		}
		p.expressions(path+"/"+name, x)
	}
	return m
}

// expressions compiles every {% %} in v.
func (p *parser) expressions(path string, v any) {
	switch t := v.(type) {
	case string:
		if expr, ok := exprOf(t); ok {
			if err := compileCheck(expr); err != nil {
				p.schema(path, "The JSONata expression %q is invalid: %v", truncate(expr, 200), err)
			}
		}
	case map[string]any:
		for k, x := range t {
			p.expressions(path+"/"+k, x)
		}
	case []any:
		for i, x := range t {
			p.expressions(fmt.Sprintf("%s[%d]", path, i), x)
		}
	}
}

func (p *parser) numberOrExpr(path string, v any, lo, hi int) {
	if s, ok := v.(string); ok {
		if _, isExpr := exprOf(s); isExpr {
			p.expressions(path, s)
			return
		}
	}
	n, isInt := wholeNumber(v)
	if !isInt || n < lo || n > hi {
		field := path[strings.LastIndex(path, "/")+1:]
		p.schema(path, "The value for the field '%s' must be an integer between %d and %d, or a JSONata expression", field, lo, hi)
	}
}

// integer reads an integer field of raw, between lo and hi; ok is false
// when the field is absent.
func (p *parser) integer(path string, raw map[string]any, field string, lo, hi int) (int, bool) {
	v, ok := raw[field]
	if !ok {
		return 0, false
	}
	n, isInt := wholeNumber(v)
	if !isInt || n < lo || n > hi {
		p.schema(path+"/"+field, "The value for the field '%s' must be an integer between %d and %d", field, lo, hi)
	}
	return n, true
}

// wholeNumber reads a JSON integer.
func wholeNumber(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1e15 {
		return 0, false
	}
	return int(f), true
}

var sdkResource = lazyre.New(`^arn:aws[\w-]*:states:::aws-sdk:([a-z0-9.-]+):([a-zA-Z0-9]+)$`)

// SDKResource splits an AWS SDK integration's Resource into its service
// and API action.
func SDKResource(resource string) (service, action string, ok bool) {
	m := sdkResource.FindStringSubmatch(resource)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
