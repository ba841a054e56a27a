package elevation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/policy"
)

// What apply makes in the home account besides Identity Center's part
// (the KeylessElevation set and its assignments, which plan and apply make
// as any other): the table, the four roles, the two machines, the three
// schedule groups, the sweep schedule and the catalog item. Each is
// created or brought back to what the catalog says; nothing else is
// touched, nothing is deleted.

// Home are the clients of the home account, in Identity Center's region.
type Home struct {
	IAM       RolesAPI
	DynamoDB  TableAPI
	SFN       MachinesAPI
	Scheduler SchedulesAPI
	// Sleep waits between tries while a new role is not yet assumable
	// (IAM is eventually consistent); tests make it instant.
	Sleep func(context.Context, time.Duration) error
}

// RolesAPI is the IAM apply uses.
type RolesAPI interface {
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	CreateRole(context.Context, *iam.CreateRoleInput, ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	UpdateAssumeRolePolicy(context.Context, *iam.UpdateAssumeRolePolicyInput, ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error)
	GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	ListRoles(context.Context, *iam.ListRolesInput, ...func(*iam.Options)) (*iam.ListRolesOutput, error)
}

// TableAPI is the DynamoDB apply uses.
type TableAPI interface {
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTable(context.Context, *dynamodb.UpdateTableInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error)
	DescribeContinuousBackups(context.Context, *dynamodb.DescribeContinuousBackupsInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeContinuousBackupsOutput, error)
	UpdateContinuousBackups(context.Context, *dynamodb.UpdateContinuousBackupsInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateContinuousBackupsOutput, error)
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// MachinesAPI is the Step Functions apply uses.
type MachinesAPI interface {
	DescribeStateMachine(context.Context, *sfn.DescribeStateMachineInput, ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error)
	CreateStateMachine(context.Context, *sfn.CreateStateMachineInput, ...func(*sfn.Options)) (*sfn.CreateStateMachineOutput, error)
	UpdateStateMachine(context.Context, *sfn.UpdateStateMachineInput, ...func(*sfn.Options)) (*sfn.UpdateStateMachineOutput, error)
}

// SchedulesAPI is the EventBridge Scheduler apply uses.
type SchedulesAPI interface {
	GetScheduleGroup(context.Context, *scheduler.GetScheduleGroupInput, ...func(*scheduler.Options)) (*scheduler.GetScheduleGroupOutput, error)
	CreateScheduleGroup(context.Context, *scheduler.CreateScheduleGroupInput, ...func(*scheduler.Options)) (*scheduler.CreateScheduleGroupOutput, error)
	GetSchedule(context.Context, *scheduler.GetScheduleInput, ...func(*scheduler.Options)) (*scheduler.GetScheduleOutput, error)
	CreateSchedule(context.Context, *scheduler.CreateScheduleInput, ...func(*scheduler.Options)) (*scheduler.CreateScheduleOutput, error)
	UpdateSchedule(context.Context, *scheduler.UpdateScheduleInput, ...func(*scheduler.Options)) (*scheduler.UpdateScheduleOutput, error)
}

// Change is one resource apply creates or brings back in the home account.
type Change struct {
	Op      string   `json:"op"`   // create or update
	Kind    string   `json:"kind"` // table, role, state_machine, schedule_group, schedule, catalog
	Name    string   `json:"name"`
	Account string   `json:"account"`
	Details []string `json:"details,omitempty"`

	do func(ctx context.Context, h *Home) error
}

// Owner tags mark what keyless made, as for permission sets and roles.
const (
	ownerTagKey   = "managed-by"
	ownerTagValue = "keyless"
)

// Desired is what the home account should hold for a catalog.
type Desired struct {
	Catalog *Catalog
	// Decide and End are the definitions; "" while the catalog is
	// incomplete (before apply has made the sets, users or role they
	// name): plan then shows them as to be compiled at apply.
	Decide, End string
	Roles       []Role
}

// Compile makes the desired resources of cat; sessions are the rules'
// sets' session durations in seconds, by ARN.
func Compile(cat *Catalog, sessions map[string]int) (*Desired, error) {
	d := &Desired{Catalog: cat, Roles: Roles(cat)}
	if cat.Incomplete() != nil {
		return d, nil
	}
	var err error
	if d.Decide, err = DecideDefinition(cat); err != nil {
		return nil, err
	}
	if d.End, err = EndDefinition(cat, sessions); err != nil {
		return nil, err
	}
	return d, nil
}

// Plan reads the home account and returns the changes that make it hold d.
func Plan(ctx context.Context, h *Home, d *Desired) ([]Change, error) {
	cat := d.Catalog
	a := newARNs(partitionOf(cat.InstanceARN), cat.Region, cat.HomeAccount)
	var out []Change
	add := func(c *Change) {
		if c != nil {
			c.Account = cat.HomeAccount
			out = append(out, *c)
		}
	}
	for _, r := range d.Roles {
		c, err := planRole(ctx, h.IAM, r)
		if err != nil {
			return nil, fmt.Errorf("elevation: role %s: %w", r.Name, err)
		}
		add(c)
	}
	c, err := planTable(ctx, h.DynamoDB)
	if err != nil {
		return nil, fmt.Errorf("elevation: table %s: %w", TableName, err)
	}
	add(c)
	for _, g := range []string{ExpiryGroup, CutGroup, SweepGroup} {
		c, err := planGroup(ctx, h.Scheduler, g)
		if err != nil {
			return nil, fmt.Errorf("elevation: schedule group %s: %w", g, err)
		}
		add(c)
	}
	for _, m := range []struct{ name, def, role string }{{DecideMachine, d.Decide, RefereeRole}, {EndMachine, d.End, EnderRole}} {
		c, err := planMachine(ctx, h.SFN, a, m.name, m.def, a.role(m.role))
		if err != nil {
			return nil, fmt.Errorf("elevation: state machine %s: %w", m.name, err)
		}
		add(c)
	}
	c, err = planSweep(ctx, h.Scheduler, a)
	if err != nil {
		return nil, fmt.Errorf("elevation: schedule %s: %w", SweepSchedule, err)
	}
	add(c)
	c, err = planCatalog(ctx, h.DynamoDB, d)
	var running *RunningGrantError
	if errors.As(err, &running) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("elevation: catalog: %w", err)
	}
	add(c)
	return out, nil
}

// Apply makes the changes in order (roles before what runs as them, the
// table before the catalog item).
func Apply(ctx context.Context, h *Home, changes []Change) error {
	for _, c := range changes {
		if c.do == nil {
			return fmt.Errorf("elevation: %s %s: planned without its definition; run apply again", c.Kind, c.Name)
		}
		if err := c.do(ctx, h); err != nil {
			return fmt.Errorf("elevation: %s %s %s: %w", c.Op, strings.ReplaceAll(c.Kind, "_", " "), c.Name, err)
		}
	}
	return nil
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func tagged(tags []iamtypes.Tag) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == ownerTagKey && aws.ToString(t.Value) == ownerTagValue {
			return true
		}
	}
	return false
}

// canonical is a JSON text with keys sorted and no white space.
func canonical(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return doc
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func planRole(ctx context.Context, c RolesAPI, r Role) (*Change, error) {
	trust, perms := r.Trust.JSON(), r.Policy.JSON()
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
	if errorCode(err) == "NoSuchEntity" {
		return &Change{Op: "create", Kind: "role", Name: r.Name, Details: []string{"trust: " + trust, "policy " + RolePolicyName + ": " + perms},
			do: func(ctx context.Context, h *Home) error {
				if _, err := h.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.Name), AssumeRolePolicyDocument: aws.String(trust),
					Description: aws.String("keyless elevation (docs/elevation.md)"),
					Tags:        []iamtypes.Tag{{Key: aws.String(ownerTagKey), Value: aws.String(ownerTagValue)}}}); err != nil {
					return err
				}
				_, err := h.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(RolePolicyName), PolicyDocument: aws.String(perms)})
				return err
			}}, nil
	}
	if err != nil {
		return nil, err
	}
	if !tagged(got.Role.Tags) {
		return nil, fmt.Errorf("the role exists and keyless did not make it (no %s=%s tag): rename or delete it, or tag it to let keyless manage it", ownerTagKey, ownerTagValue)
	}
	ch := &Change{Op: "update", Kind: "role", Name: r.Name}
	var fixTrust, fixPolicy bool
	if canonical(policy.Decode(aws.ToString(got.Role.AssumeRolePolicyDocument))) != canonical(trust) {
		fixTrust = true
		ch.Details = append(ch.Details, "trust: "+trust)
	}
	have := ""
	p, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(RolePolicyName)})
	switch {
	case err == nil:
		have = policy.Decode(aws.ToString(p.PolicyDocument))
	case errorCode(err) != "NoSuchEntity":
		return nil, err
	}
	if canonical(have) != canonical(perms) {
		fixPolicy = true
		ch.Details = append(ch.Details, "policy "+RolePolicyName+": "+perms)
	}
	if !fixTrust && !fixPolicy {
		return nil, nil
	}
	ch.do = func(ctx context.Context, h *Home) error {
		if fixTrust {
			if _, err := h.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(r.Name), PolicyDocument: aws.String(trust)}); err != nil {
				return err
			}
		}
		if fixPolicy {
			_, err := h.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(RolePolicyName), PolicyDocument: aws.String(perms)})
			return err
		}
		return nil
	}
	return ch, nil
}

func planTable(ctx context.Context, c TableAPI) (*Change, error) {
	got, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(TableName)})
	if errorCode(err) == "ResourceNotFoundException" {
		return &Change{Op: "create", Kind: "table", Name: TableName,
			Details: []string{"keys: pk (S, hash), sk (S, range)", "billing: PAY_PER_REQUEST", "deletion protection: on", "point-in-time recovery: on"},
			do: func(ctx context.Context, h *Home) error {
				s := ddbtypes.ScalarAttributeTypeS
				if _, err := h.DynamoDB.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(TableName),
					AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: s}, {AttributeName: aws.String("sk"), AttributeType: s}},
					KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
						{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange}},
					BillingMode: ddbtypes.BillingModePayPerRequest, DeletionProtectionEnabled: aws.Bool(true),
					Tags: []ddbtypes.Tag{{Key: aws.String(ownerTagKey), Value: aws.String(ownerTagValue)}}}); err != nil {
					return err
				}
				if err := waitActive(ctx, h); err != nil {
					return err
				}
				return pitr(ctx, h.DynamoDB)
			}}, nil
	}
	if err != nil {
		return nil, err
	}
	t := got.Table
	keys := map[string]string{}
	for _, k := range t.KeySchema {
		keys[aws.ToString(k.AttributeName)] = string(k.KeyType)
	}
	if !reflect.DeepEqual(keys, map[string]string{"pk": "HASH", "sk": "RANGE"}) {
		return nil, fmt.Errorf("the table exists with other keys than pk (hash) and sk (range): keyless cannot use it; rename it or use another home_account")
	}
	ch := &Change{Op: "update", Kind: "table", Name: TableName}
	update := &dynamodb.UpdateTableInput{TableName: aws.String(TableName)}
	if !aws.ToBool(t.DeletionProtectionEnabled) {
		update.DeletionProtectionEnabled = aws.Bool(true)
		ch.Details = append(ch.Details, "deletion protection: off → on")
	}
	if t.BillingModeSummary == nil || t.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest {
		update.BillingMode = ddbtypes.BillingModePayPerRequest
		ch.Details = append(ch.Details, "billing: → PAY_PER_REQUEST")
	}
	backups, err := c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(TableName)})
	if err != nil {
		return nil, err
	}
	recovery := backups.ContinuousBackupsDescription != nil && backups.ContinuousBackupsDescription.PointInTimeRecoveryDescription != nil &&
		backups.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus == ddbtypes.PointInTimeRecoveryStatusEnabled
	if !recovery {
		ch.Details = append(ch.Details, "point-in-time recovery: off → on")
	}
	if len(ch.Details) == 0 {
		return nil, nil
	}
	tableChanges := update.DeletionProtectionEnabled != nil || update.BillingMode != ""
	ch.do = func(ctx context.Context, h *Home) error {
		if tableChanges {
			if _, err := h.DynamoDB.UpdateTable(ctx, update); err != nil {
				return err
			}
			if err := waitActive(ctx, h); err != nil {
				return err
			}
		}
		if !recovery {
			return pitr(ctx, h.DynamoDB)
		}
		return nil
	}
	return ch, nil
}

func pitr(ctx context.Context, c TableAPI) error {
	_, err := c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String(TableName),
		PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	return err
}

// waitActive waits for the table to be ACTIVE (a minute at most).
func waitActive(ctx context.Context, h *Home) error {
	for range 60 {
		got, err := h.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(TableName)})
		if err != nil {
			return err
		}
		if got.Table.TableStatus == ddbtypes.TableStatusActive {
			return nil
		}
		if err := h.sleep(ctx, time.Second); err != nil {
			return err
		}
	}
	return fmt.Errorf("the table is not ACTIVE after a minute")
}

func (h *Home) sleep(ctx context.Context, d time.Duration) error {
	if h.Sleep != nil {
		return h.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func planGroup(ctx context.Context, c SchedulesAPI, name string) (*Change, error) {
	_, err := c.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: aws.String(name)})
	if errorCode(err) == "ResourceNotFoundException" {
		return &Change{Op: "create", Kind: "schedule_group", Name: name, do: func(ctx context.Context, h *Home) error {
			_, err := h.Scheduler.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(name),
				Tags: []schedtypes.Tag{{Key: aws.String(ownerTagKey), Value: aws.String(ownerTagValue)}}})
			return err
		}}, nil
	}
	return nil, err
}

func planMachine(ctx context.Context, c MachinesAPI, a arns, name, def, role string) (*Change, error) {
	got, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(a.machine(name))})
	pending := []string{"definition: compiled when apply has made the permission sets, users, groups and " + PermissionSetName + " role it names"}
	if errorCode(err) == "StateMachineDoesNotExist" {
		ch := &Change{Op: "create", Kind: "state_machine", Name: name, Details: []string{"type: STANDARD, role " + role}}
		if def == "" {
			ch.Details = append(ch.Details, pending...)
			return ch, nil
		}
		ch.Details = append(ch.Details, fmt.Sprintf("definition: %d states, JSONata", countStates(def)))
		ch.do = func(ctx context.Context, h *Home) error {
			return h.eventually(ctx, func() error {
				_, err := h.SFN.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def),
					RoleArn: aws.String(role), Type: sfntypes.StateMachineTypeStandard,
					Tags: []sfntypes.Tag{{Key: aws.String(ownerTagKey), Value: aws.String(ownerTagValue)}}})
				return err
			})
		}
		return ch, nil
	}
	if err != nil {
		return nil, err
	}
	ch := &Change{Op: "update", Kind: "state_machine", Name: name}
	if aws.ToString(got.RoleArn) != role {
		ch.Details = append(ch.Details, fmt.Sprintf("role: %s → %s", aws.ToString(got.RoleArn), role))
	}
	switch {
	case def == "":
		ch.Details = append(ch.Details, pending...)
	case canonical(aws.ToString(got.Definition)) != canonical(def):
		ch.Details = append(ch.Details, fmt.Sprintf("definition: %d states, JSONata (the rules or the names they resolve to changed)", countStates(def)))
	}
	if len(ch.Details) == 0 {
		return nil, nil
	}
	if def != "" {
		ch.do = func(ctx context.Context, h *Home) error {
			return h.eventually(ctx, func() error {
				_, err := h.SFN.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(a.machine(name)),
					Definition: aws.String(def), RoleArn: aws.String(role)})
				return err
			})
		}
	}
	return ch, nil
}

func countStates(def string) int {
	var d struct{ States map[string]any }
	_ = json.Unmarshal([]byte(def), &d)
	return len(d.States)
}

// eventually retries a call refused because a role made a moment ago is
// not yet visible to the service that assumes it.
func (h *Home) eventually(ctx context.Context, call func() error) error {
	var err error
	for range 20 {
		if err = call(); err == nil {
			return nil
		}
		switch errorCode(err) {
		case "AccessDeniedException", "InvalidArn", "ValidationException":
		default:
			return err
		}
		if serr := h.sleep(ctx, 3*time.Second); serr != nil {
			return serr
		}
	}
	return err
}

// sweepInput is the sweep schedule's input to the end machine.
const sweepInput = `{"sweep":true}`

func planSweep(ctx context.Context, c SchedulesAPI, a arns) (*Change, error) {
	target := &schedtypes.Target{Arn: aws.String(a.machine(EndMachine)), RoleArn: aws.String(a.role(InvokeRole)), Input: aws.String(sweepInput)}
	const every = "rate(15 minutes)"
	details := []string{every + " → " + EndMachine + " " + sweepInput + ", role " + InvokeRole}
	create := func(ctx context.Context, h *Home) error {
		return h.eventually(ctx, func() error {
			_, err := h.Scheduler.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String(SweepSchedule), GroupName: aws.String(SweepGroup),
				ScheduleExpression: aws.String(every), FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
				State: schedtypes.ScheduleStateEnabled, Target: target})
			return err
		})
	}
	got, err := c.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(SweepSchedule), GroupName: aws.String(SweepGroup)})
	if errorCode(err) == "ResourceNotFoundException" {
		return &Change{Op: "create", Kind: "schedule", Name: SweepGroup + "/" + SweepSchedule, Details: details, do: create}, nil
	}
	if err != nil {
		return nil, err
	}
	t := got.Target
	if aws.ToString(got.ScheduleExpression) == every && got.State == schedtypes.ScheduleStateEnabled && t != nil &&
		aws.ToString(t.Arn) == aws.ToString(target.Arn) && aws.ToString(t.RoleArn) == aws.ToString(target.RoleArn) &&
		canonical(aws.ToString(t.Input)) == sweepInput {
		return nil, nil
	}
	return &Change{Op: "update", Kind: "schedule", Name: SweepGroup + "/" + SweepSchedule, Details: details, do: func(ctx context.Context, h *Home) error {
		return h.eventually(ctx, func() error {
			_, err := h.Scheduler.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{Name: aws.String(SweepSchedule), GroupName: aws.String(SweepGroup),
				ScheduleExpression: aws.String(every), FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
				State: schedtypes.ScheduleStateEnabled, Target: target})
			return err
		})
	}}, nil
}

// planCatalog keeps the catalog item (CatalogPK/CatalogSK) equal to the
// compiled catalog, for the clients.
func planCatalog(ctx context.Context, c TableAPI, d *Desired) (*Change, error) {
	name := CatalogPK + "/" + CatalogSK
	if d.Decide == "" {
		return &Change{Op: "update", Kind: "catalog", Name: name, Details: []string{"written when apply has made what the rules name"}}, nil
	}
	want, err := json.Marshal(d.Catalog)
	if err != nil {
		return nil, err
	}
	put := func(ctx context.Context, h *Home) error {
		_, err := h.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(TableName), Item: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: CatalogPK}, "sk": &ddbtypes.AttributeValueMemberS{Value: CatalogSK},
			"catalog": &ddbtypes.AttributeValueMemberS{Value: string(want)}}})
		return err
	}
	details := []string{plural.Count(len(d.Catalog.Rules), "rule", "rules")}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(TableName), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: CatalogPK}, "sk": &ddbtypes.AttributeValueMemberS{Value: CatalogSK}}})
	if errorCode(err) == "ResourceNotFoundException" {
		return &Change{Op: "create", Kind: "catalog", Name: name, Details: details, do: put}, nil
	}
	if err != nil {
		return nil, err
	}
	v, ok := got.Item["catalog"].(*ddbtypes.AttributeValueMemberS)
	switch {
	case !ok:
		return &Change{Op: "create", Kind: "catalog", Name: name, Details: details, do: put}, nil
	case canonical(v.Value) != canonical(string(want)):
		// The roles and machines are compiled from the rules: only a
		// changed catalog can take away what ends a running grant, so only
		// then is the table scanned for them.
		if err := checkRunningGrants(ctx, c, d.Catalog, time.Now()); err != nil {
			return nil, err
		}
		if what := catalogChanges(v.Value, d.Catalog); what != nil {
			details = what
		}
		return &Change{Op: "update", Kind: "catalog", Name: name, Details: details, do: put}, nil
	}
	return nil, nil
}

// ReadRoleID sets cat.ElevationRoleID from the KeylessElevation role in
// the home account (AWSReservedSSO_KeylessElevation_<hex>), which Identity
// Center makes when the set is first assigned there. It leaves it empty
// when there is none yet.
func ReadRoleID(ctx context.Context, c RolesAPI, cat *Catalog) error {
	prefix := "AWSReservedSSO_" + PermissionSetName + "_"
	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/sso.amazonaws.com/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("elevation: find the %s role in %s: %w", PermissionSetName, cat.HomeAccount, err)
		}
		for _, r := range page.Roles {
			if strings.HasPrefix(aws.ToString(r.RoleName), prefix) {
				cat.ElevationRoleID = aws.ToString(r.RoleId)
				return nil
			}
		}
	}
	return nil
}
