package elevation

import (
	"fmt"
	"slices"
)

// DecideDefinition is keyless-elevation-decide: docs/elevation.md's
// decide, steps 1 to 8, for input {"request": {pk, sk}, "decision": {pk,
// sk}}. sessions gives the rules' sets' session durations in seconds, by
// ARN (unused by decide; kept for one signature with End).
func DecideDefinition(cat *Catalog) (string, error) {
	c, err := compile(cat, nil)
	if err != nil {
		return "", err
	}
	return c.decide().JSON(), nil
}

func (c *compiled) decide() *machine {
	m := newMachine("keyless elevation: the referee. Grants a request only as the rules compiled in by keyless apply allow (docs/elevation.md).", "Rules")
	// A state's output is the next one's input: the execution's input is
	// kept in $in.
	in := "$in"
	m.add("Rules", pass(map[string]any{"rules": c.rules, "in": x("$states.input")}, "GetRequest"))

	// 1. Both records, as stored, each written by a KeylessElevation session.
	m.add("GetRequest", c.getItem(in+".request.pk", in+".request.sk", "req", "GetDecision"))
	m.add("GetDecision", c.getItem(in+".decision.pk", in+".decision.sk", "dec", "CheckRecords"))
	m.add("CheckRecords", choice("Users",
		when("$req = false", "NoRequest"),
		when("$dec = false", "NoDecision"),
		when("$substring($req.sk.S, 0, 4) != 'REQ#'", "NotARequest"),
		when("$not($dec.sk.S = 'DEC#' & $req.pk.S & '#' & $req.sk.S)", "DecisionNamesAnother"),
		when(c.notElevation("$req.pk.S")+" or "+c.notElevation("$dec.pk.S"), "NotElevationRecords"),
		// 2. The digest the approver saw, over the request as stored.
		when("$not($dec.digest.S = $hash('v1|' & $req.pk.S & '|' & $req.sk.S & '|' & $req.rule.S & '|' & $req.permission_set.S & '|' & "+
			"$req.account.S & '|' & $req.seconds.N & '|' & $req.reason.S & '|' & $req.ticket.S, 'SHA-256'))", "RequestChanged"),
	))
	m.add("NoRequest", fail(ErrNoRecord, "the request does not exist"))
	m.add("NoDecision", fail(ErrNoRecord, "the decision does not exist"))
	m.add("NotARequest", fail(ErrNoRecord, "the request key is not a request's"))
	m.add("DecisionNamesAnother", fail(ErrNoRecord, "the decision is about another request"))
	m.add("NotElevationRecords", fail(ErrNotElevation, "a record was not written by a "+PermissionSetName+" session"))
	m.add("RequestChanged", fail(ErrRequestChanged, "the request changed after the approver saw it"))

	// 3. Who the two writers are.
	m.add("Users", c.getUserID("$req.pk.S", "requesterId", "Approver", "UnknownUser"))
	m.add("Approver", c.getUserID("$dec.pk.S", "approverId", "Rule", "UnknownUser"))
	m.add("UnknownUser", fail(ErrUnknownUser, "a writer is not a user of the identity store"))

	// 4. The rule. until is the grant's end: AWS's time of this state plus
	// the seconds asked, to the second. asked is when the request was
	// made, in ms: its ULID's first 10 characters (Crockford base 32, the
	// requester's clock, covered by the digest); at is AWS's time now.
	seconds := "($exists($req.seconds.N) ? $number($req.seconds.N) : 0)"
	m.add("Rule", pass(map[string]any{
		"rule":    x("$exists($req.rule.S) and $exists($lookup($rules, $req.rule.S)) ? $lookup($rules, $req.rule.S) : false"),
		"seconds": x(seconds),
		"until":   x("$substring($fromMillis($floor($toMillis($states.context.State.EnteredTime) / 1000) * 1000 + " + seconds + " * 1000), 0, 19) & 'Z'"),
		"asked":   x(askedExpr),
		"at":      x("$toMillis($states.context.State.EnteredTime)"),
	}, "CheckRule"))
	ticket := "($exists($req.ticket.S) ? $req.ticket.S : '')"
	expiry := c.cat.Expiry()
	cases := [][2]string{
		// A request nobody decided in time is stale: whoever approves it
		// later no longer knows whether it is still needed. Dated ahead
		// of AWS's clock, it would stay decidable past its expiry.
		when(fmt.Sprintf("$asked < $at - %d", expiry.Milliseconds()), "RequestExpired"),
		when(fmt.Sprintf("$asked > $at + %d", RequestSkew.Milliseconds()), "RequestDatedAhead"),
		when("$rule = false", "UnknownRule"),
		when("$not($req.permission_set.S = $rule.permission_set) or $not($req.account.S in $rule.accounts)", "OutsideRule"),
		when("$seconds < "+fmt.Sprint(MinSeconds)+" or $seconds > $rule.max_seconds", "DurationOutsideRule"),
		when("$rule.reason_required and ($exists($req.reason.S) ? $req.reason.S : '') = ''", "ReasonRequired"),
		when("$rule.ticket_required and "+ticket+" = ''", "TicketRequired"),
	}
	for _, r := range c.cat.Rules {
		if r.TicketPattern == "" {
			continue
		}
		cases = append(cases, when(fmt.Sprintf("$req.rule.S = %s and %s != '' and $not($contains(%s, /%s/))",
			lit(r.Name), ticket, ticket, jsonataRegex(r.TicketPattern)), "TicketInvalid"))
	}
	cases = append(cases, when("$not($dec.decision.S in ['approve', 'deny'])", "BadDecision"))
	m.add("CheckRule", choice("Eligible", cases...))
	m.add("RequestExpired", with(fail(ErrRequestExpired, ""), "Cause",
		x(fmt.Sprintf("'the request was made at ' & $fromMillis($asked) & ', more than %s (elevation.request_expiry) before this decision at ' & $fromMillis($at) & ': the requester requests again'", FormatDuration(int(expiry.Seconds()))))))
	m.add("RequestDatedAhead", with(fail(ErrRequestAhead, ""), "Cause",
		x(fmt.Sprintf("'the request is dated ' & $fromMillis($asked) & ', more than %s ahead of AWS (' & $fromMillis($at) & '): the requester sets their clock right and requests again'", FormatDuration(int(RequestSkew.Seconds()))))))
	m.add("UnknownRule", fail(ErrUnknownRule, "no rule of that name"))
	m.add("OutsideRule", fail(ErrOutsideRule, "the rule does not give that permission set in that account"))
	m.add("DurationOutsideRule", fail(ErrDuration, "the duration is outside what the rule allows"))
	m.add("ReasonRequired", fail(ErrReasonRequired, "the rule requires a reason"))
	m.add("TicketRequired", fail(ErrTicketRequired, "the rule requires a ticket"))
	if slices.ContainsFunc(c.cat.Rules, func(r Rule) bool { return r.TicketPattern != "" }) {
		m.add("TicketInvalid", fail(ErrTicketInvalid, "the ticket does not match the rule's pattern"))
	}
	m.add("BadDecision", fail(ErrBadDecision, "a decision is approve or deny"))

	// The requester: listed, or in an eligible group.
	m.add("Eligible", choice("RequesterGroups",
		when("$requesterId in $rule.eligible_users", "MayApprove"),
		when("$count($rule.eligible_groups) = 0", "NotEligible")))
	m.add("RequesterGroups", c.isMember("$requesterId", "$rule.eligible_groups", "eligible", "EligibleByGroup"))
	m.add("EligibleByGroup", choice("NotEligible", when("$eligible", "MayApprove")))
	m.add("NotEligible", fail(ErrNotEligible, "the requester is not eligible for the rule"))

	// The approver: an approver who is someone else, or the requester
	// named in self_approval.
	m.add("MayApprove", choice("ApproverGroups",
		when("$approverId = $requesterId and $requesterId in $rule.self_approval", "Decide"),
		when("$approverId = $requesterId", "SelfApproval"),
		when("$approverId in $rule.approver_users", "Decide"),
		when("$count($rule.approver_groups) = 0", "NotApprover")))
	m.add("ApproverGroups", c.isMember("$approverId", "$rule.approver_groups", "approver", "ApproverByGroup"))
	m.add("ApproverByGroup", choice("NotApprover", when("$approver", "Decide")))
	m.add("SelfApproval", fail(ErrSelfApproval, "the requester may not approve their own request under this rule"))
	m.add("NotApprover", fail(ErrNotApprover, "the approver is not an approver of the rule"))

	// 5. One decision per request, ever. The marker's grant_state is
	// "making" until the assignment is made ("made"), "revoked" once end
	// revoked it, "none" for a denial.
	m.add("Decide", pass(map[string]any{
		"assignment": x(c.assignmentExpr("$rule.permission_set_arn", "$req.account.S", "$requesterId")),
		"decidedAt":  x(nowExpr),
	}, "MarkDecided"))
	m.add("MarkDecided", catch(task("dynamodb", "putItem", map[string]any{"TableName": TableName,
		"Item":                markerItem(x("$dec.decision.S = 'approve' ? 'making' : 'none'")),
		"ConditionExpression": "attribute_not_exists(pk)"}, "IsDenied"), "Decided", "DynamoDb.ConditionalCheckFailedException"))
	// Decided already: by this very decision, whose making of the grant
	// failed on the way (a throttle, an outage), it is made now, unless
	// the grant was revoked or its end has passed meanwhile. Anything
	// else is a second decision.
	m.add("Decided", c.getItem("'USED#' & $req.pk.S & '#' & $req.sk.S", "'USED'", "used", "Resumable"))
	m.add("Resumable", choice("AlreadyDecided", when("$used != false and $exists($used.grant_state.S) and $used.grant_state.S = 'making' and "+
		"$used.decision.S = 'approve' and $dec.decision.S = 'approve' and $used.decision_pk.S = $dec.pk.S and $used.digest.S = $dec.digest.S and "+
		"$used.until.S > "+nowExpr, "Resume")))
	m.add("Resume", pass(map[string]any{
		"until":      x("$used.until.S"),
		"decidedAt":  x("$used.at.S"),
		"assignment": x(c.assignmentExpr("$used.permission_set_arn.S", "$used.account.S", "$used.user_id.S")),
	}, "Grant"))
	m.add("AlreadyDecided", fail(ErrAlreadyDecided, "the request was decided already"))
	m.add("IsDenied", choice("Grant", when("$dec.decision.S = 'deny'", "Denied")))
	m.add("Denied", state{"Type": "Succeed", "Output": map[string]any{"outcome": "denied"}})

	// 6. The grant item.
	m.add("Grant", pass(map[string]any{"asg": x(asgExpr), "schedule": x(scheduleNameExpr)}, "PutGrant"))
	m.add("PutGrant", task("dynamodb", "putItem", map[string]any{"TableName": TableName, "Item": map[string]any{
		"pk":          map[string]any{"S": x("$asg")},
		"sk":          map[string]any{"S": x("'UNTIL#' & $until & '#' & $req.sk.S")},
		"until":       map[string]any{"S": x("$until")},
		"request_pk":  map[string]any{"S": x("$req.pk.S")},
		"request_sk":  map[string]any{"S": x("$req.sk.S")},
		"decision_pk": map[string]any{"S": x("$dec.pk.S")},
		"rule":        map[string]any{"S": x("$req.rule.S")},
	}}, "Latest"))

	// 7. Both schedules at the latest end of all this assignment's
	// grants, then a second look: a later end written meanwhile by
	// another grant is set again, so the last writer leaves the latest.
	m.add("Latest", c.queryLatest("latest", "ExpiryUpdate"))
	c.schedule(m, "Expiry", ExpiryGroup, "CutUpdate")
	c.schedule(m, "Cut", CutGroup, "Recheck")
	m.add("Recheck", c.queryLatest("again", "IsLater"))
	m.add("IsLater", choice("Assign", when("$again > $latest", "Again")))
	m.add("Again", pass(map[string]any{"latest": x("$again")}, "ExpiryUpdate"))

	// 8. The assignment, after its schedule.
	m.add("Assign", with(task("ssoadmin", "createAccountAssignment", x("$assignment"), "IsAssigned"),
		"Assign", map[string]any{"status": x("$states.result.AccountAssignmentCreationStatus"), "polls": 0}))
	c.pollStatus(m, statusPoll{is: "IsAssigned", pause: "AssignWait", poll: "AssignPoll", failed: "AssignmentFailed",
		describe: "describeAccountAssignmentCreationStatus", idField: "AccountAssignmentCreationRequestId",
		result: "AccountAssignmentCreationStatus", errName: ErrAssignment, what: "make the assignment"}, "MarkGranted")

	// The marker says the grant is made, unless end revoked it
	// meanwhile: then the assignment just made goes too, by the revoker's
	// ask run again.
	m.add("MarkGranted", catch(task("dynamodb", "putItem", map[string]any{"TableName": TableName,
		"Item":                      markerItem("made"),
		"ConditionExpression":       "grant_state = :making",
		"ExpressionAttributeValues": map[string]any{":making": map[string]any{"S": "making"}}}, "Granted"),
		"GrantRead", "DynamoDb.ConditionalCheckFailedException"))
	m.add("GrantRead", c.getItem("'USED#' & $req.pk.S & '#' & $req.sk.S", "'USED'", "used", "IsRevoked"))
	m.add("IsRevoked", choice("Granted", when("$used != false and $exists($used.revoked_by.S) and $used.grant_state.S = 'revoked'", "Undo")))
	m.add("Undo", task("sfn", "startExecution", map[string]any{"StateMachineArn": c.arns.machine(EndMachine),
		"Input": x("$string({'revoke': {'pk': $used.revoked_by.S, 'sk': 'REV#' & $req.pk.S & '#' & $req.sk.S}})")}, "RevokedMeanwhile"))
	m.add("RevokedMeanwhile", fail(ErrRevoked, "the grant was revoked while decide made it: "+EndMachine+" runs the revoke again, which removes the assignment"))
	m.add("Granted", state{"Type": "Succeed", "Output": map[string]any{"outcome": "granted", "until": x("$until"), "ends": x("$latest"),
		"account": x("$assignment.TargetId"), "permission_set_arn": x("$assignment.PermissionSetArn"), "user_id": x("$requesterId")}})
	return m
}

// markerItem is the USED# marker of the decision $dec on $req, with
// grantState (a literal or an expression).
func markerItem(grantState string) map[string]any {
	return map[string]any{
		"pk":                 map[string]any{"S": x("'USED#' & $req.pk.S & '#' & $req.sk.S")},
		"sk":                 map[string]any{"S": "USED"},
		"decision":           map[string]any{"S": x("$dec.decision.S")},
		"decision_pk":        map[string]any{"S": x("$dec.pk.S")},
		"digest":             map[string]any{"S": x("$dec.digest.S")},
		"at":                 map[string]any{"S": x("$decidedAt")},
		"until":              map[string]any{"S": x("$until")},
		"permission_set_arn": map[string]any{"S": x("$assignment.PermissionSetArn")},
		"account":            map[string]any{"S": x("$assignment.TargetId")},
		"user_id":            map[string]any{"S": x("$assignment.PrincipalId")},
		"grant_state":        map[string]any{"S": grantState},
	}
}

// askedExpr is a request's time in Unix ms, from the ULID in its sk
// (REQ#<ULID>): the first 10 characters are the time in Crockford base 32.
// A character outside the alphabet counts 32: the number is then garbled,
// and the expiry and skew checks refuse it or bound it all the same.
const askedExpr = "$reduce($split($substring($req.sk.S, 4, 10), ''), function($n, $c) { $n * 32 + $length($substringBefore('0123456789ABCDEFGHJKMNPQRSTVWXYZ', $c)) }, 0)"

// jsonataRegex writes a Go regular expression as the body of a JSONata
// /regex/ literal: a slash ends the literal, so it is escaped.
func jsonataRegex(pattern string) string {
	out := make([]rune, 0, len(pattern))
	escaped := false
	for _, r := range pattern {
		if r == '/' && !escaped {
			out = append(out, '\\')
		}
		escaped = r == '\\' && !escaped
		out = append(out, r)
	}
	return string(out)
}
