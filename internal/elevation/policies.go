package elevation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The IAM policies of docs/elevation.md, filled in for one home account:
// KeylessElevation's inline policy and the four roles' trust and
// permissions. policies_test.go golden-checks them against the page.

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement; Principal only in trust policies.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]string         `json:"Principal,omitempty"`
	Action    any                       `json:"Action"`
	Resource  any                       `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// JSON is the document as compact JSON.
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // strings, lists and maps of them
	}
	return string(b)
}

func doc(st ...Statement) Document { return Document{Version: "2012-10-17", Statement: st} }

// arns names what lives in the home account.
type arns struct{ partition, region, home string }

func newARNs(partition, region, home string) arns {
	return arns{partition: partition, region: region, home: home}
}

func (a arns) table() string {
	return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", a.partition, a.region, a.home, TableName)
}
func (a arns) machine(name string) string {
	return fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", a.partition, a.region, a.home, name)
}
func (a arns) executions(name string) string {
	return fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:*", a.partition, a.region, a.home, name)
}
func (a arns) role(name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", a.partition, a.home, name)
}
func (a arns) schedules(group string) string {
	return fmt.Sprintf("arn:%s:scheduler:%s:%s:schedule/%s/*", a.partition, a.region, a.home, group)
}
func (a arns) scheduleGroup(group string) string {
	return fmt.Sprintf("arn:%s:scheduler:%s:%s:schedule-group/%s", a.partition, a.region, a.home, group)
}

// partitionOf is the partition of an ARN ("aws" when it is not one).
func partitionOf(arn string) string {
	if p := strings.Split(arn, ":"); len(p) > 2 && p[0] == "arn" && p[1] != "" {
		return p[1]
	}
	return "aws"
}

// RequesterPolicy is KeylessElevation's inline policy: read the table,
// write records only in one's own partition and only the record
// attributes, ask the two machines and read their outcome.
func RequesterPolicy(region, home string) (string, error) {
	if region == "" || home == "" {
		return "", fmt.Errorf("elevation: the home account and region must be known")
	}
	return requesterPolicy(newARNs("aws", region, home)).JSON(), nil
}

// RecordAttributes are the attributes a requester, approver or revoker may
// write (dynamodb:Attributes).
var RecordAttributes = []string{"pk", "sk", "rule", "permission_set", "account", "seconds", "reason", "ticket",
	"decision", "comment", "digest"}

func requesterPolicy(a arns) Document {
	return doc(
		Statement{Sid: "Read", Effect: "Allow",
			Action:   []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:DescribeTable"},
			Resource: a.table()},
		Statement{Sid: "WriteOwnRecords", Effect: "Allow", Action: "dynamodb:PutItem", Resource: a.table(),
			Condition: map[string]map[string]any{"ForAllValues:StringEquals": {
				"dynamodb:LeadingKeys": []string{"${aws:userid}"},
				"dynamodb:Attributes":  RecordAttributes}}},
		Statement{Sid: "AskTheReferee", Effect: "Allow", Action: "states:StartExecution",
			Resource: []string{a.machine(DecideMachine), a.machine(EndMachine)}},
		Statement{Sid: "ReadOutcome", Effect: "Allow", Action: "states:DescribeExecution",
			Resource: []string{a.executions(DecideMachine), a.executions(EndMachine)}},
	)
}

// Role is one of the four roles apply makes in the home account.
type Role struct {
	Name   string
	Trust  Document
	Policy Document // the inline policy, named PolicyName
}

// RolePolicyName names each role's inline policy.
const RolePolicyName = "keyless-elevation"

// Roles are the referee's, the ender's, the expiry schedules' and the
// cut and sweep schedules' roles for cat.
func Roles(cat *Catalog) []Role {
	a := newARNs(partitionOf(cat.InstanceARN), cat.Region, cat.HomeAccount)
	instance := cat.InstanceARN
	sets, accounts := cat.setsAndAccounts()
	assignment := slices.Concat([]string{instance}, sets, accounts)
	table := a.table()
	identity := []string{
		fmt.Sprintf("arn:%s:identitystore::%s:identitystore/%s", a.partition, cat.HomeAccount, cat.IdentityStoreID),
		fmt.Sprintf("arn:%s:identitystore:::user/*", a.partition),
		fmt.Sprintf("arn:%s:identitystore:::group/*", a.partition)}
	leading := func(prefixes ...string) map[string]map[string]any {
		return map[string]map[string]any{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": prefixes}}
	}
	passRole := Statement{Effect: "Allow", Action: "iam:PassRole", Resource: []string{a.role(ExpireRole), a.role(InvokeRole)},
		Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}}
	schedules := []string{a.schedules(ExpiryGroup), a.schedules(CutGroup)}
	machineTrust := func(machine string) Document {
		return doc(Statement{Effect: "Allow", Principal: map[string]string{"Service": "states.amazonaws.com"}, Action: "sts:AssumeRole",
			Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": cat.HomeAccount},
				"ArnLike": {"aws:SourceArn": a.machine(machine)}}})
	}
	schedulerTrust := func(condition map[string]map[string]any) Document {
		return doc(Statement{Effect: "Allow", Principal: map[string]string{"Service": "scheduler.amazonaws.com"}, Action: "sts:AssumeRole", Condition: condition})
	}
	return []Role{
		{Name: RefereeRole, Trust: machineTrust(DecideMachine), Policy: doc(
			Statement{Effect: "Allow", Action: []string{"dynamodb:GetItem", "dynamodb:Query"}, Resource: table},
			Statement{Effect: "Allow", Action: "dynamodb:PutItem", Resource: table, Condition: leading("USED#*", "ASG#*")},
			Statement{Effect: "Allow", Action: []string{"identitystore:GetUserId", "identitystore:IsMemberInGroups"}, Resource: identity},
			Statement{Effect: "Allow", Action: "sso:CreateAccountAssignment", Resource: assignment},
			Statement{Effect: "Allow", Action: "sso:DescribeAccountAssignmentCreationStatus", Resource: instance},
			Statement{Effect: "Allow", Action: []string{"scheduler:GetSchedule", "scheduler:CreateSchedule", "scheduler:UpdateSchedule"}, Resource: schedules},
			passRole,
			// A grant revoked while decide made it: the revoke runs again.
			Statement{Effect: "Allow", Action: "states:StartExecution", Resource: a.machine(EndMachine)},
		)},
		{Name: EnderRole, Trust: machineTrust(EndMachine), Policy: doc(
			Statement{Effect: "Allow", Action: []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}, Resource: table},
			Statement{Effect: "Allow", Action: "dynamodb:PutItem", Resource: table, Condition: leading("USED#*", "ASG#*")},
			Statement{Effect: "Allow", Action: "dynamodb:DeleteItem", Resource: table, Condition: leading("ASG#*")},
			Statement{Effect: "Allow", Action: []string{"identitystore:GetUserId", "identitystore:IsMemberInGroups"}, Resource: identity},
			Statement{Effect: "Allow", Action: []string{"sso:DeleteAccountAssignment", "sso:DescribeAccountAssignmentDeletionStatus"}, Resource: assignment},
			Statement{Effect: "Allow", Action: []string{"sso:GetInlinePolicyForPermissionSet", "sso:PutInlinePolicyToPermissionSet",
				"sso:ProvisionPermissionSet", "sso:DescribePermissionSetProvisioningStatus"}, Resource: slices.Concat([]string{instance}, sets, accounts)},
			Statement{Effect: "Allow", Action: []string{"scheduler:GetSchedule", "scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"}, Resource: schedules},
			passRole,
		)},
		{Name: ExpireRole, Trust: schedulerTrust(map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": cat.HomeAccount, "aws:SourceArn": a.scheduleGroup(ExpiryGroup)}}), Policy: doc(
			Statement{Effect: "Allow", Action: "sso:DeleteAccountAssignment", Resource: assignment},
		)},
		{Name: InvokeRole, Trust: schedulerTrust(map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": cat.HomeAccount},
			"ArnLike":      {"aws:SourceArn": []string{a.scheduleGroup(CutGroup), a.scheduleGroup(SweepGroup)}}}), Policy: doc(
			Statement{Effect: "Allow", Action: "states:StartExecution", Resource: a.machine(EndMachine)},
		)},
	}
}

// setsAndAccounts are SETS and ACCOUNTS: the rules' permission-set ARNs
// and arn:aws:sso:::account/ID of every account a rule targets, sorted.
func (cat *Catalog) setsAndAccounts() (sets, accounts []string) {
	p := partitionOf(cat.InstanceARN)
	for _, r := range cat.Rules {
		if r.PermissionSetARN != "" && !slices.Contains(sets, r.PermissionSetARN) {
			sets = append(sets, r.PermissionSetARN)
		}
		for _, id := range r.Accounts {
			if arn := fmt.Sprintf("arn:%s:sso:::account/%s", p, id); !slices.Contains(accounts, arn) {
				accounts = append(accounts, arn)
			}
		}
	}
	slices.Sort(sets)
	slices.Sort(accounts)
	return sets, accounts
}
