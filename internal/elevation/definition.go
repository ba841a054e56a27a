package elevation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The Amazon States Language definitions of the two machines, in JSONata
// mode, with the rules compiled in. definition_decide.go and
// definition_end.go write the flows of docs/elevation.md state by state;
// this file holds what both use. testdata/*.asl.json are the goldens.

// state is one ASL state.
type state = map[string]any

// machine is a definition being written: its states in the order a reader
// follows them (JSON sorts them by name; the order is for this file).
type machine struct {
	comment string
	start   string
	states  map[string]state
}

func newMachine(comment, start string) *machine {
	return &machine{comment: comment, start: start, states: map[string]state{}}
}

func (m *machine) add(name string, s state) {
	if _, dup := m.states[name]; dup {
		panic("elevation: state " + name + " defined twice")
	}
	m.states[name] = s
}

// JSON is the definition, indented for people who read it in the console.
func (m *machine) JSON() string {
	def := map[string]any{"Comment": m.comment, "QueryLanguage": "JSONata", "StartAt": m.start, "States": m.states}
	// Not HTML-escaped: JSONata's & stays readable.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(def); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// x makes a JSONata expression of a state field.
func x(expr string) string { return "{% " + expr + " %}" }

// lit is s as a JSONata string literal.
func lit(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// sdk is the resource of an AWS SDK integration.
func sdk(service, action string) string { return "arn:aws:states:::aws-sdk:" + service + ":" + action }

// Task states. Each retries the errors of its service that say "try
// again later" (retried), with exponential backoff and full jitter, as
// AWS's Step Functions guide advises for AWS SDK integrations; a Catch
// applies only once the retries are spent.
func task(service, action string, args any, next string) state {
	s := state{"Type": "Task", "Resource": sdk(service, action), "Arguments": args, "Next": next}
	if errs := retried[service]; len(errs) > 0 {
		s["Retry"] = []any{map[string]any{"ErrorEquals": errs, "IntervalSeconds": retryInterval, "BackoffRate": retryBackoff,
			"MaxAttempts": RetryAttempts, "MaxDelaySeconds": retryMaxDelay, "JitterStrategy": "FULL"}}
	}
	return s
}

// retried are, by the service name of the integration's ARN, the errors
// that can pass: throttles, the service's own faults (5xx), and
// sso-admin's ConflictException, which its API reference says to retry
// with backoff. Step Functions names an AWS SDK integration's error
// Service.Error, both PascalCase, with Exception added where the API's
// name lacks it (DynamoDB's InternalServerError). Scheduler's
// ConflictException is not here: schedule() catches it (made meanwhile:
// update it), and a Retry is applied before a Catch.
var retried = map[string][]string{
	"dynamodb": {"DynamoDb.ThrottlingException", "DynamoDb.ProvisionedThroughputExceededException",
		"DynamoDb.RequestLimitExceededException", "DynamoDb.InternalServerErrorException"},
	"identitystore": {"Identitystore.ThrottlingException", "Identitystore.InternalServerException"},
	"ssoadmin":      {"SsoAdmin.ThrottlingException", "SsoAdmin.InternalServerException", "SsoAdmin.ConflictException"},
	"scheduler":     {"Scheduler.ThrottlingException", "Scheduler.InternalServerException"},
	// Step Functions' API models no throttle and no fault for
	// StartExecution: the SDK raises them as its base exception (so
	// AccessDenied is retried too, in vain).
	"sfn": {"Sfn.SfnException", "Sfn.ExecutionLimitExceededException"},
}

// A task's retries: 1 s, then twice as long each time up to 20 s, each
// wait drawn at random below that (full jitter): at most 51 s in all.
const (
	retryInterval = 1
	retryBackoff  = 2
	retryMaxDelay = 20
	// RetryAttempts is how many times a task is tried again.
	RetryAttempts = 6
)

func with(s state, field string, v any) state {
	s[field] = v
	return s
}

func catch(s state, next string, errors ...string) state {
	c, _ := s["Catch"].([]any)
	s["Catch"] = append(c, map[string]any{"ErrorEquals": errors, "Next": next})
	return s
}

// choice is a Choice state: conditions in order, then the default.
func choice(def string, cases ...[2]string) state {
	var cs []any
	for _, c := range cases {
		cs = append(cs, map[string]any{"Condition": x(c[0]), "Next": c[1]})
	}
	return state{"Type": "Choice", "Choices": cs, "Default": def}
}

func when(cond, next string) [2]string { return [2]string{cond, next} }

func fail(errorName, cause string) state {
	return state{"Type": "Fail", "Error": errorName, "Cause": cause}
}

func pass(assign map[string]any, next string) state {
	return state{"Type": "Pass", "Assign": assign, "Next": next}
}

func wait(seconds int, next string) state {
	return state{"Type": "Wait", "Seconds": seconds, "Next": next}
}

// Errors the machines fail with; the client explains each.
const (
	ErrNoRecord        = "NoRecord"
	ErrNotElevation    = "NotAnElevationRecord"
	ErrRequestChanged  = "RequestChanged"
	ErrRequestExpired  = "RequestExpired"
	ErrRequestAhead    = "RequestDatedAhead"
	ErrUnknownUser     = "UnknownUser"
	ErrUnknownRule     = "UnknownRule"
	ErrOutsideRule     = "OutsideRule"
	ErrDuration        = "DurationOutsideRule"
	ErrReasonRequired  = "ReasonRequired"
	ErrTicketRequired  = "TicketRequired"
	ErrTicketInvalid   = "TicketInvalid"
	ErrBadDecision     = "BadDecision"
	ErrNotEligible     = "NotEligible"
	ErrSelfApproval    = "SelfApprovalNotAllowed"
	ErrNotApprover     = "NotAnApprover"
	ErrAlreadyDecided  = "AlreadyDecided"
	ErrAssignment      = "AssignmentFailed"
	ErrRevoked         = "RevokedWhileGranting"
	ErrNotGranted      = "NotGranted"
	ErrNotAllowed      = "NotAllowedToRevoke"
	ErrBadInput        = "BadInput"
	ErrProvisionFailed = "ProvisioningFailed"
	// MinSeconds is the shortest grant decide makes.
	MinSeconds = 60
	// pollLimit bounds the status polls of one sso-admin request (2 s
	// apart).
	pollLimit = 150
)

// compiledRule is a rule as the machines read it: ids only.
type compiledRule struct {
	PermissionSet    string   `json:"permission_set"`
	PermissionSetARN string   `json:"permission_set_arn"`
	PermissionSetID  string   `json:"ps_id"`
	Accounts         []string `json:"accounts"`
	MaxSeconds       int      `json:"max_seconds"`
	ReasonRequired   bool     `json:"reason_required"`
	TicketRequired   bool     `json:"ticket_required"`
	EligibleUsers    []string `json:"eligible_users"`
	EligibleGroups   []string `json:"eligible_groups"`
	ApproverUsers    []string `json:"approver_users"`
	ApproverGroups   []string `json:"approver_groups"`
	SelfApproval     []string `json:"self_approval"`
}

func ids(ps []Principal) []string {
	out := []string{}
	for _, p := range ps {
		if p.ID != "" && !slices.Contains(out, p.ID) {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out
}

// compiled is what both machines know of the home account and the rules.
type compiled struct {
	cat   *Catalog
	arns  arns
	rules map[string]compiledRule
	// sessions is each rule set's session duration in seconds, by ARN: a
	// cut statement holds that long.
	sessions map[string]int
}

// Incomplete is the first thing the catalog lacks to be compiled: what
// apply creates before it compiles (sets, users, groups, the role).
func (cat *Catalog) Incomplete() error {
	switch {
	case cat.ElevationRoleID == "":
		return fmt.Errorf("the %s role in %s is not known yet", PermissionSetName, cat.HomeAccount)
	case cat.InstanceARN == "" || cat.IdentityStoreID == "" || cat.Region == "" || cat.HomeAccount == "":
		return fmt.Errorf("the Identity Center instance is not known")
	}
	for _, r := range cat.Rules {
		if r.PermissionSetARN == "" {
			return fmt.Errorf("rule %s: permission set %s does not exist yet", r.Name, r.PermissionSet)
		}
		for _, list := range [][]Principal{r.Eligible.Users, r.Eligible.Groups, r.Approvers.Users, r.Approvers.Groups, r.SelfApproval} {
			for _, p := range list {
				if p.ID == "" {
					return fmt.Errorf("rule %s: %s is not in the identity store yet", r.Name, p.Name)
				}
			}
		}
	}
	return nil
}

func compile(cat *Catalog, sessions map[string]int) (*compiled, error) {
	if err := cat.Incomplete(); err != nil {
		return nil, err
	}
	c := &compiled{cat: cat, arns: newARNs(partitionOf(cat.InstanceARN), cat.Region, cat.HomeAccount), rules: map[string]compiledRule{}, sessions: map[string]int{}}
	for _, r := range cat.Rules {
		c.rules[r.Name] = compiledRule{PermissionSet: r.PermissionSet, PermissionSetARN: r.PermissionSetARN,
			PermissionSetID: r.PermissionSetARN[strings.LastIndex(r.PermissionSetARN, "/")+1:],
			Accounts:        append([]string{}, r.Accounts...), MaxSeconds: r.MaxSeconds,
			ReasonRequired: r.ReasonRequired, TicketRequired: r.TicketRequired,
			EligibleUsers: ids(r.Eligible.Users), EligibleGroups: ids(r.Eligible.Groups),
			ApproverUsers: ids(r.Approvers.Users), ApproverGroups: ids(r.Approvers.Groups), SelfApproval: ids(r.SelfApproval)}
		c.sessions[r.PermissionSetARN] = 3600
		if s, ok := sessions[r.PermissionSetARN]; ok && s > 0 {
			c.sessions[r.PermissionSetARN] = s
		}
	}
	return c, nil
}

// The expressions both machines use.
const (
	// now is the state's entry time to the second, as grant ends are
	// written, so that the two compare as strings.
	nowExpr = "$substring($states.context.State.EnteredTime, 0, 19) & 'Z'"
)

// item reads a GetItem result: the item, or false (a variable holding
// null reads as undefined in some JSONata implementations).
const itemOrFalse = "$exists($states.result.Item) ? $states.result.Item : false"

// latestOrEmpty reads a Query of grant items newest first: the end of the
// first, or "".
const latestOrEmpty = "$count($states.result.Items) > 0 ? $substringBefore($substringAfter($states.result.Items[0].sk.S, 'UNTIL#'), '#') : ''"

// key is a DynamoDB key of two string expressions.
func key(pk, sk string) map[string]any {
	return map[string]any{"pk": map[string]any{"S": x(pk)}, "sk": map[string]any{"S": x(sk)}}
}

func (c *compiled) getItem(pk, sk, assignTo, next string) state {
	return with(task("dynamodb", "getItem", map[string]any{"TableName": TableName, "Key": key(pk, sk), "ConsistentRead": true}, next),
		"Assign", map[string]any{assignTo: x(itemOrFalse)})
}

// queryLatest asks for the newest grant item of the assignment $asg.
func (c *compiled) queryLatest(assignTo, next string) state {
	return with(task("dynamodb", "query", map[string]any{"TableName": TableName, "ConsistentRead": true,
		"KeyConditionExpression":    "pk = :p AND begins_with(sk, :s)",
		"ExpressionAttributeValues": map[string]any{":p": map[string]any{"S": x("$asg")}, ":s": map[string]any{"S": "UNTIL#"}},
		"ScanIndexForward":          false, "Limit": 1}, next), "Assign", map[string]any{assignTo: x(latestOrEmpty)})
}

// roleIDOf checks that a record's pk is a KeylessElevation session's.
func (c *compiled) notElevation(pk string) string {
	return fmt.Sprintf("$substringBefore(%s, ':') != %s", pk, lit(c.cat.ElevationRoleID))
}

// getUserID asks the identity store for the id of the user named in the
// record key pk (role-id:user-name). No such user, or a name the store
// refuses, goes to unknown; any other failure (a throttle, an outage)
// fails the execution as it is, so the client can tell it from a refusal
// and run it again.
func (c *compiled) getUserID(pk, assignTo, next, unknown string) state {
	return catch(with(task("identitystore", "getUserId", map[string]any{"IdentityStoreId": c.cat.IdentityStoreID,
		"AlternateIdentifier": map[string]any{"UniqueAttribute": map[string]any{"AttributePath": "userName",
			"AttributeValue": x(fmt.Sprintf("$substringAfter(%s, ':')", pk))}}}, next),
		"Assign", map[string]any{assignTo: x("$states.result.UserId")}), unknown,
		"Identitystore.ResourceNotFoundException", "Identitystore.ValidationException")
}

// isMember asks whether user is in any of groups (a non-empty list) and
// sets assignTo to true or false.
func (c *compiled) isMember(user, groups, assignTo, next string) state {
	return with(task("identitystore", "isMemberInGroups", map[string]any{"IdentityStoreId": c.cat.IdentityStoreID,
		"MemberId": map[string]any{"UserId": x(user)}, "GroupIds": x(groups)}, next),
		"Assign", map[string]any{assignTo: x("true in $states.result.Results.MembershipExists")})
}

// schedule writes one of the assignment's two schedules (expiry or cut)
// at $latest: update, or create when it is not there (the Scheduler
// deletes a schedule after it runs).
func (c *compiled) schedule(m *machine, prefix, group, next string) {
	var target map[string]any
	if group == ExpiryGroup {
		target = map[string]any{"Arn": "arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment",
			"RoleArn": c.arns.role(ExpireRole), "Input": x("$string($assignment)")}
	} else {
		target = map[string]any{"Arn": c.arns.machine(EndMachine), "RoleArn": c.arns.role(InvokeRole),
			"Input": x("$string({'cut': $assignment})")}
	}
	args := map[string]any{"Name": x("$schedule"), "GroupName": group,
		"ScheduleExpression": x("'at(' & $substring($latest, 0, 19) & ')'"), "ScheduleExpressionTimezone": "UTC",
		"FlexibleTimeWindow": map[string]any{"Mode": "OFF"}, "ActionAfterCompletion": "DELETE", "State": "ENABLED",
		"Target": target}
	m.add(prefix+"Update", catch(task("scheduler", "updateSchedule", args, next), prefix+"Create", "Scheduler.ResourceNotFoundException"))
	// Another execution made it in between: update that one.
	m.add(prefix+"Create", catch(task("scheduler", "createSchedule", args, next), prefix+"Update", "Scheduler.ConflictException"))
}

// assignmentExpr is the sso-admin assignment of $rule's set in $account
// to $requesterId, as createAccountAssignment and the schedules take it.
func (c *compiled) assignmentExpr(psARN, account, user string) string {
	return fmt.Sprintf("{'InstanceArn': %s, 'TargetId': %s, 'TargetType': 'AWS_ACCOUNT', 'PermissionSetArn': %s, 'PrincipalType': 'USER', 'PrincipalId': %s}",
		lit(c.cat.InstanceARN), account, psARN, user)
}

// scheduleName is the assignment's schedules' name: SHA-256 hex of
// ps-arn|account|user-id, 64 characters, Scheduler's limit.
const scheduleNameExpr = "$hash($assignment.PermissionSetArn & '|' & $assignment.TargetId & '|' & $assignment.PrincipalId, 'SHA-256')"

// asgExpr is the grant items' pk of $assignment.
const asgExpr = "'ASG#' & $substringAfter($substringAfter($assignment.PermissionSetArn, 'permissionSet/'), '/') & '#' & $assignment.TargetId & '#' & $assignment.PrincipalId"

// statusPoll names the states that wait for one asynchronous sso-admin
// request to finish: the Choice (is), the pause, the describe call and the
// failure. The state before them assigns $status (the request's status)
// and $polls = 0.
type statusPoll struct {
	is, pause, poll, failed string
	describe, idField       string // the describe action and its request id argument
	result                  string // the field of its result holding the status
	errName, what           string // the failure's error and what sso-admin did not do
}

// pollStatus adds p's states: done follows SUCCEEDED; FAILED, or pollLimit
// polls, fails.
func (c *compiled) pollStatus(m *machine, p statusPoll, done string) {
	m.add(p.is, choice(p.pause,
		when("$status.Status = 'SUCCEEDED'", done),
		when("$status.Status = 'FAILED' or $polls >= "+fmt.Sprint(pollLimit), p.failed)))
	m.add(p.pause, wait(2, p.poll))
	m.add(p.poll, with(task("ssoadmin", p.describe, map[string]any{
		"InstanceArn": c.cat.InstanceARN, p.idField: x("$status.RequestId")}, p.is),
		"Assign", map[string]any{"status": x("$states.result." + p.result), "polls": x("$polls + 1")}))
	m.add(p.failed, state{"Type": "Fail", "Error": p.errName,
		"Cause": x("'sso-admin did not " + p.what + ": ' & ($exists($status.FailureReason) ? $status.FailureReason : $status.Status)")})
}
