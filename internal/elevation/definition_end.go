package elevation

import (
	"fmt"
	"strings"
)

// EndDefinition is keyless-elevation-end: docs/elevation.md's revoke,
// session cut and sweep, for input {"revoke": {pk, sk} of the revoke ask},
// {"cut": assignment} or {"sweep": true}. sessions gives the rules' sets'
// session durations in seconds, by ARN: a cut statement lasts that long.
func EndDefinition(cat *Catalog, sessions map[string]int) (string, error) {
	c, err := compile(cat, sessions)
	if err != nil {
		return "", err
	}
	return c.end().JSON(), nil
}

func (c *compiled) end() *machine {
	m := newMachine("keyless elevation: ends grants. Revokes on a permitted ask, cuts the sessions of ended grants, sweeps what a missing schedule left (docs/elevation.md).", "Rules")
	in := "$in" // the execution's input, kept: a state's input is the one before's output
	sets, accounts := c.cat.setsAndAccounts()
	revokers := map[string]any{"users": ids(c.cat.Revokers.Users), "groups": ids(c.cat.Revokers.Groups)}
	m.add("Rules", pass(map[string]any{"rules": c.rules, "revokers": revokers, "sessions": c.sessions,
		"at": x(nowExpr), "asgs": []string{}, "in": x("$states.input")}, "Which"))
	m.add("Which", choice("BadInput",
		when("$exists("+in+".revoke.pk) and $exists("+in+".revoke.sk)", "GetAsk"),
		when("$exists("+in+".cut)", "CutInput"),
		when(in+".sweep = true", "SweepScan")))
	m.add("BadInput", fail(ErrBadInput, `the input is {"revoke": {"pk", "sk"}}, {"cut": assignment} or {"sweep": true}`))

	// revoke: the ask, its request, and whether the asker may.
	m.add("GetAsk", c.getItem(in+".revoke.pk", in+".revoke.sk", "ask", "CheckAsk"))
	m.add("CheckAsk", choice("AskNames",
		when("$ask = false", "NoAsk"),
		when("$not($substring($ask.sk.S, 0, 4) = 'REV#')", "NoAsk"),
		when(c.notElevation("$ask.pk.S"), "NotElevationRecord")))
	m.add("NoAsk", fail(ErrNoRecord, "no revoke ask of that key"))
	m.add("NotElevationRecord", fail(ErrNotElevation, "the ask was not written by a "+PermissionSetName+" session"))
	m.add("AskNames", pass(map[string]any{
		"reqPk": x("$substringBefore($substringAfter($ask.sk.S, 'REV#'), '#')"),
		"reqSk": x("$substringAfter($substringAfter($ask.sk.S, 'REV#'), '#')"),
	}, "GetRevRequest"))
	m.add("GetRevRequest", c.getItem("$reqPk", "$reqSk", "req", "GetUsed"))
	m.add("GetUsed", c.getItem("'USED#' & $reqPk & '#' & $reqSk", "'USED'", "used", "CheckGranted"))
	m.add("CheckGranted", choice("RevokeRule",
		when("$req = false or $used = false", "NotGranted"),
		when("$not($used.decision.S = 'approve') or $not($exists($used.until.S))", "NotGranted")))
	m.add("NotGranted", fail(ErrNotGranted, "the request was not granted"))
	m.add("RevokeRule", pass(map[string]any{
		"rule":       x("$exists($lookup($rules, $req.rule.S)) ? $lookup($rules, $req.rule.S) : {'approver_users': [], 'approver_groups': []}"),
		"assignment": x(c.assignmentExpr("$used.permission_set_arn.S", "$used.account.S", "$used.user_id.S")),
	}, "Asker"))
	m.add("Asker", c.getUserID("$ask.pk.S", "askerId", "MayRevoke", "UnknownUser"))
	m.add("UnknownUser", fail(ErrUnknownUser, "the asker is not a user of the identity store"))
	m.add("MayRevoke", choice("RevokerGroups",
		when("$askerId = $assignment.PrincipalId", "Revoke"),
		when("$askerId in $rule.approver_users or $askerId in $revokers.users", "Revoke"),
		when("$count($append($rule.approver_groups, $revokers.groups)) = 0", "NotAllowed")))
	m.add("RevokerGroups", c.isMember("$askerId", "$append($rule.approver_groups, $revokers.groups)", "allowed", "RevokerByGroup"))
	m.add("RevokerByGroup", choice("NotAllowed", when("$allowed", "Revoke")))
	m.add("NotAllowed", fail(ErrNotAllowed, "only the requester, the rule's approvers and the revokers may revoke"))

	// The marker says so first: decide does not make this grant again
	// (an approver's retry after a failure), and a decide making it now
	// finds it revoked when done and runs this ask again. Then forget
	// this grant; another one may still run.
	m.add("Revoke", pass(map[string]any{"asg": x(asgExpr), "schedule": x(scheduleNameExpr), "after": "revoke"}, "MarkRevoked"))
	m.add("MarkRevoked", task("dynamodb", "putItem", map[string]any{"TableName": TableName,
		"Item":                x("$merge([$used, {'grant_state': {'S': 'revoked'}, 'revoked_by': {'S': $ask.pk.S}, 'revoked_at': {'S': $at}}])"),
		"ConditionExpression": "attribute_exists(pk)"}, "DeleteGrant"))
	m.add("DeleteGrant", task("dynamodb", "deleteItem", map[string]any{"TableName": TableName,
		"Key": key("$asg", "'UNTIL#' & $used.until.S & '#' & $reqSk")}, "Remaining"))
	m.add("Remaining", c.queryLatest("latest", "StillRunning"))
	m.add("StillRunning", choice("Unassign", when("$latest > $at", "ExpiryUpdate")))
	c.schedule(m, "Expiry", ExpiryGroup, "CutUpdate")
	c.schedule(m, "Cut", CutGroup, "Shortened")
	m.add("Shortened", state{"Type": "Succeed", "Output": map[string]any{"outcome": "revoked", "assignment_ends": x("$latest")}})

	// The assignment and its schedules go.
	m.add("Unassign", catch(with(task("ssoadmin", "deleteAccountAssignment", x("$assignment"), "IsUnassigned"),
		"Assign", map[string]any{"status": x("$states.result.AccountAssignmentDeletionStatus"), "polls": 0}),
		"DeleteExpiry", "SsoAdmin.ResourceNotFoundException"))
	c.pollStatus(m, statusPoll{is: "IsUnassigned", pause: "UnassignWait", poll: "UnassignPoll", failed: "UnassignFailed",
		describe: "describeAccountAssignmentDeletionStatus", idField: "AccountAssignmentDeletionRequestId",
		result: "AccountAssignmentDeletionStatus", errName: ErrAssignment, what: "remove the assignment"}, "DeleteExpiry")
	m.add("DeleteExpiry", catch(task("scheduler", "deleteSchedule", map[string]any{"Name": x("$schedule"), "GroupName": ExpiryGroup}, "DeleteCut"),
		"DeleteCut", "Scheduler.ResourceNotFoundException"))
	m.add("DeleteCut", catch(task("scheduler", "deleteSchedule", map[string]any{"Name": x("$schedule"), "GroupName": CutGroup}, "CutRead"),
		"CutRead", "Scheduler.ResourceNotFoundException"))

	// cut: only for an assignment of a rule's set in a rule's account,
	// whose grants have all ended.
	m.add("CutInput", choice("CutNames",
		when(fmt.Sprintf("$not(%s.cut.PermissionSetArn in %s) or $not(%s.cut.TargetId in %s)", in, jsonList(sets), in, jsonList(accountIDs(accounts))), "BadInput"),
		when("$not($type("+in+".cut.PrincipalId) = 'string')", "BadInput")))
	m.add("CutNames", pass(map[string]any{
		"assignment": x(c.assignmentExpr(in+".cut.PermissionSetArn", in+".cut.TargetId", in+".cut.PrincipalId")),
		"after":      "cut",
	}, "CutKeys"))
	m.add("CutKeys", pass(map[string]any{"asg": x(asgExpr), "schedule": x(scheduleNameExpr)}, "CutLatest"))
	m.add("CutLatest", c.queryLatest("latest", "CutDue"))
	m.add("CutDue", choice("CutRead",
		when("$latest = ''", "NothingDue"),
		when("$latest > $at", "NothingDue")))
	m.add("NothingDue", state{"Type": "Succeed", "Output": map[string]any{"outcome": "nothing due"}})

	// Cut the user's sessions of the set in the account: a deny on tokens
	// issued before the next whole second (TokenIssueTime has whole seconds,
	// so a session issued earlier in this second is cut too), for as long as
	// a session of the set lasts;
	// statements whose time has passed are dropped.
	m.add("CutRead", with(task("ssoadmin", "getInlinePolicyForPermissionSet", map[string]any{
		"InstanceArn": c.cat.InstanceARN, "PermissionSetArn": x("$assignment.PermissionSetArn")}, "CutWrite"),
		"Assign", map[string]any{"policy": x("$exists($states.result.InlinePolicy) and $states.result.InlinePolicy != '' ? $parse($states.result.InlinePolicy) : {'Version': '2012-10-17', 'Statement': []}")}))
	sid := "'KeylessCut' & $replace($assignment.PrincipalId, '-', '') & $replace($replace($substring($at, 0, 19), '-', ''), ':', '')"
	cut := fmt.Sprintf(`{'Sid': %s, 'Effect': 'Deny', 'Action': '*', 'Resource': '*', 'Condition': {`+
		`'StringEquals': {'identitystore:userId': $assignment.PrincipalId, 'aws:PrincipalAccount': $assignment.TargetId}, `+
		`'DateLessThan': {'aws:TokenIssueTime': $substring($fromMillis($toMillis($at) + 1000), 0, 19) & 'Z', 'aws:CurrentTime': $substring($fromMillis($toMillis($at) + $lookup($sessions, $assignment.PermissionSetArn) * 1000), 0, 19) & 'Z'}}}`, sid)
	keep := fmt.Sprintf("$filter($append([], $policy.Statement), function($s) { $not($type($s.Sid) = 'string' and $substring($s.Sid, 0, 10) = 'KeylessCut' and "+
		"($s.Sid = %s or ($exists($lookup($s.Condition.DateLessThan, 'aws:CurrentTime')) and $lookup($s.Condition.DateLessThan, 'aws:CurrentTime') < $at))) })", sid)
	m.add("CutWrite", task("ssoadmin", "putInlinePolicyToPermissionSet", map[string]any{
		"InstanceArn": c.cat.InstanceARN, "PermissionSetArn": x("$assignment.PermissionSetArn"),
		"InlinePolicy": x(fmt.Sprintf("$string($merge([$policy, {'Statement': $append(%s, [%s])}]))", keep, cut))}, "CutProvision"))
	m.add("CutProvision", with(task("ssoadmin", "provisionPermissionSet", map[string]any{
		"InstanceArn": c.cat.InstanceARN, "PermissionSetArn": x("$assignment.PermissionSetArn"),
		"TargetType": "AWS_ACCOUNT", "TargetId": x("$assignment.TargetId")}, "IsProvisioned"),
		"Assign", map[string]any{"status": x("$states.result.PermissionSetProvisioningStatus"), "polls": 0}))
	c.pollStatus(m, statusPoll{is: "IsProvisioned", pause: "ProvisionWait", poll: "ProvisionPoll", failed: "ProvisionFailed",
		describe: "describePermissionSetProvisioningStatus", idField: "ProvisionPermissionSetRequestId",
		result: "PermissionSetProvisioningStatus", errName: ErrProvisionFailed, what: "provision the cut"}, "Forget")

	// Forget the ended grants of the assignment, one item at a time.
	m.add("Forget", with(task("dynamodb", "query", map[string]any{"TableName": TableName, "ConsistentRead": true,
		"KeyConditionExpression":    "pk = :p AND begins_with(sk, :s)",
		"ExpressionAttributeValues": map[string]any{":p": map[string]any{"S": x("$asg")}, ":s": map[string]any{"S": "UNTIL#"}}}, "ForgetNext"),
		"Assign", map[string]any{"ended": x("($e := $filter($append([], $states.result.Items), function($i) { $substringBefore($substringAfter($i.sk.S, 'UNTIL#'), '#') <= $at }); " +
			"$count($e) > 0 ? $e[0].sk.S : '')")}))
	m.add("ForgetNext", choice("Forgotten", when("$ended != ''", "ForgetOne")))
	m.add("ForgetOne", task("dynamodb", "deleteItem", map[string]any{"TableName": TableName, "Key": key("$asg", "$ended")}, "Forget"))
	m.add("Forgotten", choice("Ended", when("$after = 'sweep'", "SweepNext")))
	m.add("Ended", state{"Type": "Succeed", "Output": map[string]any{"outcome": x("$after = 'revoke' ? 'revoked' : 'cut'"), "at": x("$at")}})

	// sweep: every assignment with grant items; ended ones are removed
	// and cut, running ones get their schedules back.
	scan := map[string]any{"TableName": TableName, "FilterExpression": "begins_with(pk, :a)",
		"ExpressionAttributeValues": map[string]any{":a": map[string]any{"S": "ASG#"}}}
	scanAssign := map[string]any{
		"asgs": x("$append([], $distinct($append($asgs, $map($append([], $states.result.Items), function($i) { $i.pk.S }))))"),
		"more": x("$exists($states.result.LastEvaluatedKey) ? $states.result.LastEvaluatedKey : false"),
		"i":    0, "after": "sweep"}
	m.add("SweepScan", with(task("dynamodb", "scan", scan, "SweepMore"), "Assign", scanAssign))
	scanMore := map[string]any{}
	for k, v := range scan {
		scanMore[k] = v
	}
	scanMore["ExclusiveStartKey"] = x("$more")
	m.add("SweepScanMore", with(task("dynamodb", "scan", scanMore, "SweepMore"), "Assign", scanAssign))
	m.add("SweepMore", choice("SweepEach", when("$not($more = false)", "SweepScanMore")))
	m.add("SweepEach", choice("Swept", when("$i < $count($asgs)", "SweepItem")))
	m.add("Swept", state{"Type": "Succeed", "Output": map[string]any{"outcome": "swept", "assignments": x("$count($asgs)")}})
	partition := partitionOf(c.cat.InstanceARN)
	instanceID := c.cat.InstanceARN[strings.LastIndex(c.cat.InstanceARN, "/")+1:]
	m.add("SweepItem", pass(map[string]any{
		"asg": x("$asgs[$i]"),
		"assignment": x(c.assignmentExpr(
			fmt.Sprintf("%s & $split($asgs[$i], '#')[1]", lit(fmt.Sprintf("arn:%s:sso:::permissionSet/%s/", partition, instanceID))),
			"$split($asgs[$i], '#')[2]", "$split($asgs[$i], '#')[3]")),
	}, "SweepKeys"))
	m.add("SweepKeys", pass(map[string]any{"schedule": x(scheduleNameExpr)}, "SweepLatest"))
	m.add("SweepLatest", c.queryLatest("latest", "SweepDue"))
	m.add("SweepDue", choice("Unassign", when("$latest > $at", "SweepSchedule")))
	m.add("SweepSchedule", catch(task("scheduler", "getSchedule", map[string]any{"Name": x("$schedule"), "GroupName": ExpiryGroup}, "SweepNext"),
		"SweepExpiryCreate", "Scheduler.ResourceNotFoundException"))
	// Created (or, made meanwhile, updated) at the latest end.
	c.schedule(m, "SweepExpiry", ExpiryGroup, "SweepCutCreate")
	c.schedule(m, "SweepCut", CutGroup, "SweepNext")
	m.add("SweepNext", pass(map[string]any{"i": x("$i + 1")}, "SweepEach"))
	return m
}

func jsonList(xs []string) string {
	quoted := make([]string, len(xs))
	for i, s := range xs {
		quoted[i] = lit(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// accountIDs are the ids of arn:aws:sso:::account/ID ARNs.
func accountIDs(arns []string) []string {
	out := make([]string, len(arns))
	for i, a := range arns {
		out[i] = a[strings.LastIndex(a, "/")+1:]
	}
	return out
}
