package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Amazon EventBridge Scheduler (restJson1, signing name "scheduler"):
// schedule groups, schedules and their tags, with the shapes, patterns and
// limits of botocore's scheduler 2021-06-30 model. Schedules are per
// account (the caller's) and region (the signature's). The sandbox runs
// due schedules itself (scheduler_run.go); this file is the API.

// SchedulerState is EventBridge Scheduler's part of the world.
type SchedulerState struct {
	Groups    []*ScheduleGroup `json:"schedule_groups,omitempty"`
	Schedules []*Schedule      `json:"schedules,omitempty"`
	// Invocations are the schedules' runs, the latest last (at most
	// maxScheduleInvocations kept).
	Invocations []*ScheduleInvocation `json:"invocations,omitempty"`
}

// ScheduleGroup is a schedule group other than an account's "default",
// which always exists.
type ScheduleGroup struct {
	Account     string    `json:"account"`
	Region      string    `json:"region"`
	Name        string    `json:"name"`
	ARN         string    `json:"arn"`
	Created     time.Time `json:"created"`
	Tags        []Tag     `json:"tags,omitempty"`
	ClientToken string    `json:"client_token,omitempty"`
}

// Schedule is one schedule; Spec holds its fields as the API spells them.
type Schedule struct {
	Account     string       `json:"account"`
	Region      string       `json:"region"`
	ARN         string       `json:"arn"`
	Name        string       `json:"name"`
	GroupName   string       `json:"group_name"`
	Spec        scheduleSpec `json:"spec"`
	ClientToken string       `json:"client_token,omitempty"`
	Created     time.Time    `json:"created"`
	Modified    time.Time    `json:"modified"`
	// NextRun is when the schedule is next due; zero once it has none
	// (a one-time schedule that ran, a recurring one past its EndDate).
	NextRun time.Time `json:"next_run,omitzero"`
	// Running is set while an invocation is in flight or waits to retry,
	// so that a tick does not start it twice.
	Running bool `json:"running,omitempty"`
}

// scheduleSpec is CreateSchedule's and UpdateSchedule's body, kept as
// given (defaults filled in) and returned by GetSchedule.
type scheduleSpec struct {
	ActionAfterCompletion      string              `json:"ActionAfterCompletion,omitempty"`
	Description                *string             `json:"Description,omitempty"`
	EndDate                    *epochTime          `json:"EndDate,omitempty"`
	FlexibleTimeWindow         *flexibleTimeWindow `json:"FlexibleTimeWindow,omitempty"`
	KmsKeyArn                  *string             `json:"KmsKeyArn,omitempty"`
	ScheduleExpression         *string             `json:"ScheduleExpression,omitempty"`
	ScheduleExpressionTimezone string              `json:"ScheduleExpressionTimezone,omitempty"`
	StartDate                  *epochTime          `json:"StartDate,omitempty"`
	State                      string              `json:"State,omitempty"`
	Target                     *scheduleTarget     `json:"Target,omitempty"`
}

type flexibleTimeWindow struct {
	MaximumWindowInMinutes *int32  `json:"MaximumWindowInMinutes,omitempty"`
	Mode                   *string `json:"Mode,omitempty"`
}

type scheduleTarget struct {
	Arn              *string   `json:"Arn,omitempty"`
	RoleArn          *string   `json:"RoleArn,omitempty"`
	Input            *string   `json:"Input,omitempty"`
	RetryPolicy      *retryPol `json:"RetryPolicy,omitempty"`
	DeadLetterConfig *struct {
		Arn *string `json:"Arn,omitempty"`
	} `json:"DeadLetterConfig,omitempty"`
	// Templated targets' parameters: kept and returned, not used.
	EcsParameters               json.RawMessage `json:"EcsParameters,omitempty"`
	EventBridgeParameters       json.RawMessage `json:"EventBridgeParameters,omitempty"`
	KinesisParameters           json.RawMessage `json:"KinesisParameters,omitempty"`
	SageMakerPipelineParameters json.RawMessage `json:"SageMakerPipelineParameters,omitempty"`
	SqsParameters               json.RawMessage `json:"SqsParameters,omitempty"`
}

type retryPol struct {
	MaximumEventAgeInSeconds *int32 `json:"MaximumEventAgeInSeconds,omitempty"`
	MaximumRetryAttempts     *int32 `json:"MaximumRetryAttempts,omitempty"`
}

// AWS's RetryPolicy when a schedule gives none.
const (
	defaultScheduleRetries = 185
	defaultScheduleMaxAge  = 86400
)

// epochTime is a restJson timestamp: seconds since the epoch, fractions
// allowed.
type epochTime struct{ time.Time }

func (t epochTime) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
}

func (t *epochTime) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return fmt.Errorf("timestamps are seconds since the epoch, not %s", truncate(string(b), 40))
	}
	t.Time = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	return nil
}

func schedTime(t time.Time) *epochTime {
	if t.IsZero() {
		return nil
	}
	return &epochTime{t}
}

func schedulerRoutes() []restRoute {
	r := func(method, path, op string, h func(c *call, rest string, body []byte) (any, error)) restRoute {
		return restRoute{method: method, path: path, prefix: strings.HasSuffix(path, "/"), service: "scheduler", op: op,
			h: func(c *call, body []byte) (int, any, error) {
				if c.accessKeyID == "" {
					// Unsigned calls would act as the administrator.
					return 0, nil, newError(403, "MissingAuthenticationTokenException", "Missing Authentication Token: sign the request (SigV4); the sandbox accepts any access key")
				}
				if err := c.authenticate(false, "scheduler"); err != nil {
					return 0, nil, err
				}
				out, err := h(c, strings.TrimPrefix(c.r.URL.Path, path), body)
				return 200, out, err
			}}
	}
	return []restRoute{
		r("POST", "/schedules/", "CreateSchedule", schedCreate),
		r("GET", "/schedules/", "GetSchedule", schedGet),
		r("PUT", "/schedules/", "UpdateSchedule", schedUpdate),
		r("DELETE", "/schedules/", "DeleteSchedule", schedDelete),
		r("GET", "/schedules", "ListSchedules", schedList),
		r("POST", "/schedule-groups/", "CreateScheduleGroup", schedCreateGroup),
		r("GET", "/schedule-groups/", "GetScheduleGroup", schedGetGroup),
		r("DELETE", "/schedule-groups/", "DeleteScheduleGroup", schedDeleteGroup),
		r("GET", "/schedule-groups", "ListScheduleGroups", schedListGroups),
		r("POST", "/tags/", "TagResource", schedTagResource),
		r("DELETE", "/tags/", "UntagResource", schedUntagResource),
		r("GET", "/tags/", "ListTagsForResource", schedListTags),
	}
}

var (
	schedNamePattern     = lazyRegexp(`^[0-9a-zA-Z-_.]+$`)
	schedTokenPattern    = lazyRegexp(`^[a-zA-Z0-9-_]+$`)
	schedRolePattern     = lazyRegexp(`^arn:aws(-[a-z]+)?:iam::(\d{12}):role/([\w+=,.@/-]+)$`)
	schedKMSPattern      = lazyRegexp(`^arn:aws(-[a-z]+)?:kms:[a-z0-9\-]+:\d{12}:(key|alias)/[0-9a-zA-Z-_]*$`)
	schedDLQPattern      = lazyRegexp(`^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$`)
	schedGroupARNPattern = lazyRegexp(`^arn:aws(-[a-z]+)?:scheduler:([a-z0-9\-]+):(\d{12}):schedule-group/([0-9a-zA-Z-_.]+)$`)
	// A universal target: arn:aws:scheduler:::aws-sdk:SERVICE:apiAction.
	schedUniversalPattern = lazyRegexp(`^arn:aws[\w-]*:scheduler:::aws-sdk:([a-z0-9.-]+):([a-zA-Z0-9]+)$`)
)

// Universal targets refuse read-only actions: those starting with one of
// these (AWS's list).
var schedReadOnlyPrefixes = []string{"get", "describe", "list", "poll", "receive", "search", "scan", "query", "select",
	"read", "lookup", "discover", "validate", "batchGet", "batchDescribe", "batchRead", "transactGet"}

// schedName checks a Name, GroupName or NamePrefix against the model.
func schedName(field, v string) error {
	if len(v) < 1 || len(v) > 64 {
		return errConstraint(field, truncate(v, 100), "Member must have length less than or equal to 64 and greater than or equal to 1")
	}
	if !schedNamePattern.MatchString(v) {
		return errConstraint(field, truncate(v, 100), "Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$")
	}
	return nil
}

func schedClientToken(field string, v *string) error {
	if v == nil {
		return nil
	}
	if len(*v) < 1 || len(*v) > 64 {
		return errConstraint(field, truncate(*v, 100), "Member must have length less than or equal to 64 and greater than or equal to 1")
	}
	if !schedTokenPattern.MatchString(*v) {
		return errConstraint(field, truncate(*v, 100), "Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$")
	}
	return nil
}

// schedGroupName is the group a request names: "default" when none.
func schedGroupName(v *string) (string, error) {
	if v == nil {
		return "default", nil
	}
	return *v, schedName("groupName", *v)
}

func (c *call) schedAccount() string { return c.caller().AccountID }

func (c *call) schedGroupARN(account, name string) string {
	return fmt.Sprintf("arn:%s:scheduler:%s:%s:schedule-group/%s", c.partition(), c.region, account, name)
}

// schedGroupExists tells whether the caller's account has the group here.
func (c *call) schedGroup(account, name string) *ScheduleGroup {
	for _, g := range c.w.Scheduler.Groups {
		if g.Account == account && g.Region == c.region && g.Name == name {
			return g
		}
	}
	return nil
}

func (c *call) requireSchedGroup(account, name string) error {
	if name == "default" || c.schedGroup(account, name) != nil {
		return nil
	}
	return errNotFound("Schedule group %s does not exist.", name)
}

func (c *call) schedule(account, group, name string) *Schedule {
	for _, s := range c.w.Scheduler.Schedules {
		if s.Account == account && s.Region == c.region && s.GroupName == group && s.Name == name {
			return s
		}
	}
	return nil
}

// schedPathName reads {Name} from the path.
func schedPathName(rest string) (string, error) {
	if strings.Contains(rest, "/") {
		return "", errNotFound("no such resource %s", truncate(rest, 100))
	}
	return rest, schedName("name", rest)
}

type schedWriteIn struct {
	scheduleSpec
	ClientToken *string `json:"ClientToken"`
	GroupName   *string `json:"GroupName"`
}

func schedCreate(c *call, rest string, body []byte) (any, error) {
	return c.schedWrite(rest, body, true)
}

func schedUpdate(c *call, rest string, body []byte) (any, error) {
	return c.schedWrite(rest, body, false)
}

// schedWrite is CreateSchedule and UpdateSchedule: both take the whole
// schedule (fields left out of an update go back to their defaults).
func (c *call) schedWrite(rest string, body []byte, create bool) (any, error) {
	name, err := schedPathName(rest)
	if err != nil {
		return nil, err
	}
	var in schedWriteIn
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	group, err := schedGroupName(in.GroupName)
	if err != nil {
		return nil, err
	}
	if err := schedClientToken("clientToken", in.ClientToken); err != nil {
		return nil, err
	}
	spec := in.scheduleSpec
	next, err := c.validateSchedule(&spec, group)
	if err != nil {
		return nil, err
	}
	account := c.schedAccount()
	if err := c.requireSchedGroup(account, group); err != nil {
		return nil, err
	}
	token := ""
	if in.ClientToken != nil {
		token = *in.ClientToken
	}
	s := c.schedule(account, group, name)
	switch {
	case create && s != nil:
		if token != "" && s.ClientToken == token {
			return map[string]string{"ScheduleArn": s.ARN}, nil // a retry of the same request
		}
		return nil, errConflict("Schedule %s already exists.", name)
	case !create && s == nil:
		return nil, errNotFound("Schedule %s does not exist.", name)
	case create:
		s = &Schedule{Account: account, Region: c.region, Name: name, GroupName: group, Created: c.now,
			ARN: fmt.Sprintf("arn:%s:scheduler:%s:%s:schedule/%s/%s", c.partition(), c.region, account, group, name)}
		c.w.Scheduler.Schedules = append(c.w.Scheduler.Schedules, s)
	}
	s.Spec, s.ClientToken, s.Modified, s.NextRun = spec, token, c.now, next
	return map[string]string{"ScheduleArn": s.ARN}, nil
}

// validateSchedule checks a schedule's fields as AWS does, fills in the
// defaults, and returns when it is first due (zero: never).
func (c *call) validateSchedule(spec *scheduleSpec, group string) (time.Time, error) {
	switch {
	case spec.FlexibleTimeWindow == nil:
		return time.Time{}, errRequired("flexibleTimeWindow")
	case spec.ScheduleExpression == nil:
		return time.Time{}, errRequired("scheduleExpression")
	case spec.Target == nil:
		return time.Time{}, errRequired("target")
	}
	w := spec.FlexibleTimeWindow
	switch {
	case w.Mode == nil:
		return time.Time{}, errRequired("flexibleTimeWindow.mode")
	case *w.Mode != "OFF" && *w.Mode != "FLEXIBLE":
		return time.Time{}, errConstraint("flexibleTimeWindow.mode", truncate(*w.Mode, 100), "Member must satisfy enum value set: [OFF, FLEXIBLE]")
	case w.MaximumWindowInMinutes != nil && (*w.MaximumWindowInMinutes < 1 || *w.MaximumWindowInMinutes > 1440):
		return time.Time{}, errConstraint("flexibleTimeWindow.maximumWindowInMinutes", strconv.Itoa(int(*w.MaximumWindowInMinutes)), "Member must have value less than or equal to 1440 and greater than or equal to 1")
	case *w.Mode == "FLEXIBLE" && w.MaximumWindowInMinutes == nil:
		return time.Time{}, errValidation("MaximumWindowInMinutes is required when Mode is FLEXIBLE.")
	}
	if err := validateSchedString("scheduleExpression", *spec.ScheduleExpression, 1, 256); err != nil {
		return time.Time{}, err
	}
	if spec.Description != nil {
		if err := validateSchedString("description", *spec.Description, 0, 512); err != nil {
			return time.Time{}, err
		}
	}
	if spec.KmsKeyArn != nil && (len(*spec.KmsKeyArn) > 2048 || !schedKMSPattern.MatchString(*spec.KmsKeyArn)) {
		return time.Time{}, errConstraint("kmsKeyArn", truncate(*spec.KmsKeyArn, 100), `Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:kms:[a-z0-9\-]+:\d{12}:(key|alias)\/[0-9a-zA-Z-_]*$`)
	}
	spec.State = cmp.Or(spec.State, "ENABLED")
	if spec.State != "ENABLED" && spec.State != "DISABLED" {
		return time.Time{}, errConstraint("state", truncate(spec.State, 100), "Member must satisfy enum value set: [ENABLED, DISABLED]")
	}
	spec.ActionAfterCompletion = cmp.Or(spec.ActionAfterCompletion, "NONE")
	if spec.ActionAfterCompletion != "NONE" && spec.ActionAfterCompletion != "DELETE" {
		return time.Time{}, errConstraint("actionAfterCompletion", truncate(spec.ActionAfterCompletion, 100), "Member must satisfy enum value set: [NONE, DELETE]")
	}
	spec.ScheduleExpressionTimezone = cmp.Or(spec.ScheduleExpressionTimezone, "UTC")
	if err := validateSchedString("scheduleExpressionTimezone", spec.ScheduleExpressionTimezone, 1, 50); err != nil {
		return time.Time{}, err
	}
	loc, err := time.LoadLocation(spec.ScheduleExpressionTimezone)
	if err != nil || spec.ScheduleExpressionTimezone == "Local" {
		return time.Time{}, errValidation("Invalid Schedule Expression Timezone %s.", truncate(spec.ScheduleExpressionTimezone, 50))
	}
	expr, err := parseScheduleExpr(*spec.ScheduleExpression, loc)
	if err != nil {
		return time.Time{}, err
	}
	if spec.StartDate != nil && spec.EndDate != nil && !spec.EndDate.After(spec.StartDate.Time) {
		return time.Time{}, errValidation("The EndDate you specify must be later than the StartDate.")
	}
	if spec.EndDate != nil && !spec.EndDate.After(c.now) {
		return time.Time{}, errValidation("The EndDate you specify cannot be earlier than the current time.")
	}
	if expr.at.IsZero() && spec.StartDate != nil && spec.StartDate.Before(c.now.Add(-5*time.Minute)) {
		return time.Time{}, errValidation("The StartDate you specify cannot be earlier than 5 minutes ago.")
	}
	if err := c.validateTarget(spec.Target, group); err != nil {
		return time.Time{}, err
	}
	return spec.firstRun(expr, c.now.In(loc)), nil
}

func validateSchedString(field, v string, lo, hi int) error {
	if n := len([]rune(v)); n < lo || n > hi {
		return errConstraint(field, truncate(v, 100), fmt.Sprintf("Member must have length less than or equal to %d and greater than or equal to %d", hi, lo))
	}
	return nil
}

// validateTarget checks the target's fields and its execution role: AWS
// refuses a role that does not let the scheduler assume it.
func (c *call) validateTarget(t *scheduleTarget, group string) error {
	switch {
	case t.Arn == nil:
		return errRequired("target.arn")
	case t.RoleArn == nil:
		return errRequired("target.roleArn")
	}
	if err := validateSchedString("target.arn", *t.Arn, 1, 1600); err != nil {
		return err
	}
	if t.Input != nil && *t.Input == "" {
		return errConstraint("target.input", "", "Member must have length greater than or equal to 1")
	}
	if m := schedUniversalPattern.FindStringSubmatch(*t.Arn); m != nil {
		for _, p := range schedReadOnlyPrefixes {
			if strings.HasPrefix(strings.ToLower(m[2]), strings.ToLower(p)) {
				return errValidation("Universal target %s is not supported: EventBridge Scheduler does not invoke read-only API actions (those starting with %s).", *t.Arn, p)
			}
		}
		if t.Input != nil && !json.Valid([]byte(*t.Input)) {
			return errValidation("Invalid request provided: the Input of universal target %s must be well-formed JSON.", *t.Arn)
		}
	}
	if rp := t.RetryPolicy; rp != nil {
		if v := rp.MaximumRetryAttempts; v != nil && (*v < 0 || *v > 185) {
			return errConstraint("target.retryPolicy.maximumRetryAttempts", strconv.Itoa(int(*v)), "Member must have value less than or equal to 185 and greater than or equal to 0")
		}
		if v := rp.MaximumEventAgeInSeconds; v != nil && (*v < 60 || *v > 86400) {
			return errConstraint("target.retryPolicy.maximumEventAgeInSeconds", strconv.Itoa(int(*v)), "Member must have value less than or equal to 86400 and greater than or equal to 60")
		}
	} else {
		t.RetryPolicy = &retryPol{}
	}
	if t.RetryPolicy.MaximumRetryAttempts == nil {
		t.RetryPolicy.MaximumRetryAttempts = ptrInt32(defaultScheduleRetries)
	}
	if t.RetryPolicy.MaximumEventAgeInSeconds == nil {
		t.RetryPolicy.MaximumEventAgeInSeconds = ptrInt32(defaultScheduleMaxAge)
	}
	if d := t.DeadLetterConfig; d != nil && d.Arn != nil && (len(*d.Arn) > 1600 || !schedDLQPattern.MatchString(*d.Arn)) {
		return errConstraint("target.deadLetterConfig.arn", truncate(*d.Arn, 100), `Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$`)
	}
	if len(*t.RoleArn) > 1600 || !schedRolePattern.MatchString(*t.RoleArn) {
		return errConstraint("target.roleArn", truncate(*t.RoleArn, 100), `Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@\/-]+$`)
	}
	// Handing the role to the scheduler takes iam:PassRole on it for
	// scheduler.amazonaws.com (the Service Authorization Reference lists
	// it as CreateSchedule's and UpdateSchedule's dependent action).
	if err := c.mayPassRole(*t.RoleArn, "scheduler.amazonaws.com", protoREST); err != nil {
		return err
	}
	if _, _, err := c.schedulerRole(*t.RoleArn, c.schedAccount(), group); err != nil {
		return err
	}
	return nil
}

func ptrInt32(v int32) *int32 { return &v }

// schedulerRole finds the execution role and checks that its trust policy
// lets scheduler.amazonaws.com assume it for a schedule of account's group
// (aws:SourceAccount, aws:SourceArn: the group's ARN).
func (c *call) schedulerRole(roleARN, account, group string) (*IAMRole, string, error) {
	role, roleAccount := c.serviceRole(roleARN, "scheduler.amazonaws.com",
		map[string][]string{"aws:sourceaccount": {account}, "aws:sourcearn": {c.schedGroupARN(account, group)}})
	if role == nil {
		return nil, "", errValidation("The execution role you provide must allow AWS EventBridge Scheduler to assume the role.")
	}
	return role, roleAccount, nil
}

// serviceRole finds the role roleARN names and checks that its trust
// policy lets the service principal assume it with the condition keys
// given (aws:SourceAccount, aws:SourceArn). It returns the role and its
// account, or nil.
func (c *call) serviceRole(roleARN, service string, keys map[string][]string) (*IAMRole, string) {
	m := schedRolePattern.FindStringSubmatch(roleARN)
	if m == nil {
		return nil, ""
	}
	path, name := "/", m[3]
	if i := strings.LastIndex(m[3], "/"); i >= 0 {
		path, name = "/"+m[3][:i+1], m[3][i+1:]
	}
	role := c.w.stsRole(m[2], path, name)
	if role == nil || !c.w.trustAllows(m[2], role, trustRequest{service: service, action: "sts:AssumeRole", keys: keys}) {
		return nil, ""
	}
	return role, m[2]
}

// serviceSession issues a session of a role that a service principal
// assumed, lasting length, its keys in creds.
func (c *call) serviceSession(account string, role *IAMRole, region string, length time.Duration, source string) (*Session, aws.Credentials) {
	roleID := role.ID
	if roleID == "" {
		roleID = c.w.sessionRoleID(account, role.Name)
	}
	sess := c.issueSession(account, role.Name, c.rand(32, "0123456789abcdef"), roleID, c.now.Add(length), source)
	c.w.roleUsed(account, role.Name, region, c.now)
	return sess, aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken}
}

// firstRun is when a schedule is first due, from now in its zone.
func (spec *scheduleSpec) firstRun(expr scheduleExpr, now time.Time) time.Time {
	var t time.Time
	switch {
	case !expr.at.IsZero():
		t = expr.at
	case expr.rate > 0:
		t = now
		if spec.StartDate != nil && spec.StartDate.After(now) {
			t = spec.StartDate.In(now.Location())
		}
	default:
		from := now
		if spec.StartDate != nil && spec.StartDate.After(now) {
			from = spec.StartDate.In(now.Location())
		}
		t = expr.cron.next(from)
	}
	return spec.within(t)
}

// within is t when it falls in the schedule's StartDate..EndDate, else zero.
func (spec *scheduleSpec) within(t time.Time) time.Time {
	if t.IsZero() || spec.StartDate != nil && t.Before(spec.StartDate.Time) || spec.EndDate != nil && !t.Before(spec.EndDate.Time) {
		return time.Time{}
	}
	return t.UTC()
}

type scheduleOut struct {
	scheduleSpec
	Arn                  string     `json:"Arn"`
	CreationDate         *epochTime `json:"CreationDate"`
	GroupName            string     `json:"GroupName"`
	LastModificationDate *epochTime `json:"LastModificationDate"`
	Name                 string     `json:"Name"`
}

func schedGet(c *call, rest string, _ []byte) (any, error) {
	s, err := c.schedFromRequest(rest)
	if err != nil {
		return nil, err
	}
	return scheduleOut{scheduleSpec: s.Spec, Arn: s.ARN, CreationDate: schedTime(s.Created), GroupName: s.GroupName,
		LastModificationDate: schedTime(s.Modified), Name: s.Name}, nil
}

// schedFromRequest finds the schedule a Get or Delete names: {Name} in the
// path, groupName in the query.
func (c *call) schedFromRequest(rest string) (*Schedule, error) {
	name, err := schedPathName(rest)
	if err != nil {
		return nil, err
	}
	var group *string
	if q := c.r.URL.Query(); q.Has("groupName") {
		g := q.Get("groupName")
		group = &g
	}
	g, err := schedGroupName(group)
	if err != nil {
		return nil, err
	}
	account := c.schedAccount()
	if err := c.requireSchedGroup(account, g); err != nil {
		return nil, err
	}
	s := c.schedule(account, g, name)
	if s == nil {
		return nil, errNotFound("Schedule %s does not exist.", name)
	}
	return s, nil
}

func schedDelete(c *call, rest string, _ []byte) (any, error) {
	tok := c.r.URL.Query().Get("clientToken")
	if tok != "" {
		if err := schedClientToken("clientToken", &tok); err != nil {
			return nil, err
		}
	}
	s, err := c.schedFromRequest(rest)
	if err != nil {
		return nil, err
	}
	c.w.Scheduler.Schedules = slices.DeleteFunc(c.w.Scheduler.Schedules, func(x *Schedule) bool { return x == s })
	return nil, nil
}

type scheduleSummary struct {
	Arn                  string            `json:"Arn"`
	CreationDate         *epochTime        `json:"CreationDate"`
	GroupName            string            `json:"GroupName"`
	LastModificationDate *epochTime        `json:"LastModificationDate"`
	Name                 string            `json:"Name"`
	State                string            `json:"State"`
	Target               map[string]string `json:"Target"`
}

// schedListParams reads MaxResults and NextToken from the query.
func (c *call) schedListParams() (*int32, *string, error) {
	q := c.r.URL.Query()
	var max *int32
	if q.Has("MaxResults") {
		n, err := strconv.Atoi(q.Get("MaxResults"))
		if err != nil || n < 1 || n > 100 {
			return nil, nil, errConstraint("maxResults", truncate(q.Get("MaxResults"), 20), "Member must have value less than or equal to 100 and greater than or equal to 1")
		}
		max = ptrInt32(int32(n))
	}
	var tok *string
	if q.Has("NextToken") {
		t := q.Get("NextToken")
		if len(t) < 1 || len(t) > 2048 {
			return nil, nil, errConstraint("nextToken", truncate(t, 100), "Member must have length less than or equal to 2048 and greater than or equal to 1")
		}
		tok = &t
	}
	return max, tok, nil
}

func schedList(c *call, _ string, _ []byte) (any, error) {
	q := c.r.URL.Query()
	max, tok, err := c.schedListParams()
	if err != nil {
		return nil, err
	}
	prefix, group, state := q.Get("NamePrefix"), q.Get("ScheduleGroup"), q.Get("State")
	if q.Has("NamePrefix") {
		if err := schedName("namePrefix", prefix); err != nil {
			return nil, err
		}
	}
	account := c.schedAccount()
	if q.Has("ScheduleGroup") {
		if err := schedName("groupName", group); err != nil {
			return nil, err
		}
		if err := c.requireSchedGroup(account, group); err != nil {
			return nil, err
		}
	}
	if q.Has("State") && state != "ENABLED" && state != "DISABLED" {
		return nil, errConstraint("state", truncate(state, 100), "Member must satisfy enum value set: [ENABLED, DISABLED]")
	}
	var all []scheduleSummary
	for _, s := range c.w.Scheduler.Schedules {
		if s.Account != account || s.Region != c.region || !strings.HasPrefix(s.Name, prefix) ||
			group != "" && s.GroupName != group || state != "" && s.Spec.State != state {
			continue
		}
		all = append(all, scheduleSummary{Arn: s.ARN, CreationDate: schedTime(s.Created), GroupName: s.GroupName,
			LastModificationDate: schedTime(s.Modified), Name: s.Name, State: s.Spec.State, Target: map[string]string{"Arn": *s.Spec.Target.Arn}})
	}
	items, next, err := page(all, "schedules:"+prefix+":"+group+":"+state, max, tok, 100, 100)
	if err != nil {
		return nil, err
	}
	return struct {
		Schedules []scheduleSummary `json:"Schedules"`
		NextToken *string           `json:"NextToken,omitempty"`
	}{append([]scheduleSummary{}, items...), next}, nil
}
