package sandbox

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Amazon DynamoDB (awsJson1_0, X-Amz-Target DynamoDB_20120810.<Op>,
// signing name "dynamodb"), regional: tables belong to the caller's
// account and the signature's region. This file has the tables;
// dynamodb_items.go the item operations, dynamodb_query.go Query and
// Scan, dynamodb_expr.go and dynamodb_eval.go the expressions,
// dynamodb_values.go the attribute values. Shapes, enums and limits are
// botocore's dynamodb 2012-08-10 model's; error messages DynamoDB's.
//
// A table is created CREATING and is ACTIVE from the next request on (the
// SDKs' TableExists waiters poll DescribeTable for ACTIVE and accept it
// at once); DeleteTable answers DELETING and the table is gone.
// dynamodb_batch.go has the batch and transaction operations. No
// secondary indexes, streams, global tables, TTL or PartiQL: those
// operations are authorized, then refused (dynamodb_authz.go). The state is bounded (dynTablesMax, dynItemsMax,
// dynTableBytesMax): past them a write fails with LimitExceededException.

// DynamoDBState is DynamoDB's part of the world.
type DynamoDBState struct {
	Tables []*DynamoTable `json:"tables,omitempty"`
}

// Bounds of the sandbox's DynamoDB, so that its state stays small.
const (
	// dynTablesMax is the tables per account and region (AWS's default
	// quota is 2,500).
	dynTablesMax = 256
	// dynItemsMax and dynTableBytesMax bound one table's items (AWS has
	// no limit).
	dynItemsMax      = 100_000
	dynTableBytesMax = 64 << 20
	// dynItemMax is DynamoDB's item size limit, 400 KB.
	dynItemMax = 400 * 1024
	// dynPageMax is the data one Query or Scan page reads, 1 MB.
	dynPageMax = 1 << 20
)

// DynamoTable is one table and its items, kept sorted by partition key
// then sort key (Query reads a partition's range, Scan the whole).
type DynamoTable struct {
	Account     string          `json:"account"`
	Region      string          `json:"region"`
	Name        string          `json:"name"`
	ARN         string          `json:"arn"`
	ID          string          `json:"id"`
	Created     time.Time       `json:"created"`
	Status      string          `json:"status"`
	KeySchema   []dynKeyElement `json:"key_schema"`
	Definitions []dynAttrDef    `json:"attribute_definitions"`
	BillingMode string          `json:"billing_mode"`
	// Read and Write are the provisioned capacity units (PROVISIONED).
	Read  int64 `json:"read_capacity_units,omitempty"`
	Write int64 `json:"write_capacity_units,omitempty"`
	// DeletionProtection refuses DeleteTable while set.
	DeletionProtection bool `json:"deletion_protection"`
	// PITR is point-in-time recovery, on since PITRSince.
	PITR      bool      `json:"point_in_time_recovery"`
	PITRSince time.Time `json:"point_in_time_recovery_since,omitzero"`
	Tags      []Tag     `json:"tags,omitempty"`
	Items     []dynItem `json:"items"`
	// bytes is the items' size, for dynTableBytesMax.
	bytes int
}

type dynKeyElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type dynAttrDef struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

func dynamoDBOps() map[string]jsonOp {
	ops := map[string]jsonOp{
		"CreateTable":               op(dynCreateTable),
		"DescribeTable":             op(dynDescribeTable),
		"DeleteTable":               op(dynDeleteTable),
		"ListTables":                op(dynListTables),
		"UpdateTable":               op(dynUpdateTable),
		"UpdateContinuousBackups":   op(dynUpdateContinuousBackups),
		"DescribeContinuousBackups": op(dynDescribeContinuousBackups),
		"TagResource":               op(dynTagResource),
		"UntagResource":             op(dynUntagResource),
		"ListTagsOfResource":        op(dynListTagsOfResource),
		"PutItem":                   op(dynPutItem),
		"GetItem":                   op(dynGetItem),
		"DeleteItem":                op(dynDeleteItem),
		"UpdateItem":                op(dynUpdateItem),
		"Query":                     op(dynQuery),
		"Scan":                      op(dynScan),
		"BatchWriteItem":            op(dynBatchWriteItem),
		"BatchGetItem":              op(dynBatchGetItem),
		"TransactWriteItems":        op(dynTransactWriteItems),
		"TransactGetItems":          op(dynTransactGetItems),
	}
	for _, name := range dynNotServed {
		ops[name] = notServedOp(name)
	}
	return ops
}

// hashKey and rangeKey are the key attributes' names ("" for no sort key).
func (t *DynamoTable) hashKey() string { return t.KeySchema[0].AttributeName }

func (t *DynamoTable) rangeKey() string {
	if len(t.KeySchema) > 1 {
		return t.KeySchema[1].AttributeName
	}
	return ""
}

// keyType is a key attribute's type (S, N or B).
func (t *DynamoTable) keyType(name string) string {
	for _, d := range t.Definitions {
		if d.AttributeName == name {
			return d.AttributeType
		}
	}
	return ""
}

var dynTableNamePattern = lazyRegexp(`^[a-zA-Z0-9_.-]+$`)

// dynTableARN is a table's ARN in the stored partition.
func dynTableARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, name)
}

var dynTableARNPattern = lazyRegexp(`^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table/([a-zA-Z0-9_.-]{3,255})$`)

// tableRef reads a TableName parameter, a name or (as DynamoDB now
// accepts) the table's ARN, and returns the account, region and name.
func (c *call) dynTableRef(v *string) (account, region, name string, err error) {
	if v == nil {
		return "", "", "", errRequired("tableName")
	}
	s := *v
	if m := dynTableARNPattern.FindStringSubmatch(s); m != nil {
		return m[2], m[1], m[3], nil
	}
	if len(s) > 1024 || len(s) < 1 {
		return "", "", "", errConstraint("tableName", truncate(s, 100), "Member must have length less than or equal to 1024")
	}
	if len(s) < 3 || len(s) > 255 {
		return "", "", "", errConstraint("tableName", truncate(s, 100), "Member must have length less than or equal to 255 and greater than or equal to 3")
	}
	if !dynTableNamePattern.MatchString(s) {
		return "", "", "", errValidation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", truncate(s, 100))
	}
	return c.caller().AccountID, c.region, s, nil
}

// dynTable finds the table a request names, or DynamoDB's not found. A
// table of another account is not found: the sandbox has no resource
// policies.
func (c *call) dynTable(v *string) (*DynamoTable, error) {
	account, region, name, err := c.dynTableRef(v)
	if err != nil {
		return nil, err
	}
	if account == c.caller().AccountID {
		if t := c.w.dynTable(account, region, name); t != nil {
			return t, nil
		}
	}
	return nil, errNotFound("Requested resource not found: Table: %s not found", name)
}

func (w *World) dynTable(account, region, name string) *DynamoTable {
	for _, t := range w.DynamoDB.Tables {
		if t.Account == account && t.Region == region && t.Name == name {
			return t
		}
	}
	return nil
}

type dynThroughput struct {
	ReadCapacityUnits  *int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits *int64 `json:"WriteCapacityUnits"`
}

type dynCreateTableIn struct {
	TableName                 *string         `json:"TableName"`
	AttributeDefinitions      []dynAttrDef    `json:"AttributeDefinitions"`
	KeySchema                 []dynKeyElement `json:"KeySchema"`
	BillingMode               *string         `json:"BillingMode"`
	ProvisionedThroughput     *dynThroughput  `json:"ProvisionedThroughput"`
	DeletionProtectionEnabled *bool           `json:"DeletionProtectionEnabled"`
	Tags                      []Tag           `json:"Tags"`
	GlobalSecondaryIndexes    []any           `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes     []any           `json:"LocalSecondaryIndexes"`
	StreamSpecification       any             `json:"StreamSpecification"`
}

func dynCreateTable(c *call, in *dynCreateTableIn) (any, error) {
	account, region, name, err := c.dynTableRef(in.TableName)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(*in.TableName, "arn:") && account != c.caller().AccountID {
		return nil, errValidation("Cross-account CreateTable is not supported: the table's ARN must name the caller's account")
	}
	if len(in.GlobalSecondaryIndexes) > 0 || len(in.LocalSecondaryIndexes) > 0 || in.StreamSpecification != nil {
		return nil, errValidation("the sandbox's DynamoDB has no secondary indexes or streams (docs/sandbox.md, DynamoDB)")
	}
	if err := validateDynKeySchema(in.KeySchema, in.AttributeDefinitions); err != nil {
		return nil, err
	}
	billing := "PROVISIONED"
	if in.BillingMode != nil {
		billing = *in.BillingMode
	}
	var read, write int64
	switch billing {
	case "PAY_PER_REQUEST":
		if in.ProvisionedThroughput != nil {
			return nil, errValidation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	case "PROVISIONED":
		pt := in.ProvisionedThroughput
		if pt == nil {
			return nil, errValidation("No provisioned throughput specified for the table")
		}
		if read, write, err = dynCapacity(pt); err != nil {
			return nil, err
		}
	default:
		return nil, errConstraint("billingMode", billing, "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
	}
	if err := validateDynTags(in.Tags); err != nil {
		return nil, err
	}
	if c.w.dynTable(account, region, name) != nil {
		return nil, newError(400, "ResourceInUseException", "Table already exists: %s", name)
	}
	n := 0
	for _, t := range c.w.DynamoDB.Tables {
		if t.Account == account && t.Region == region {
			n++
		}
	}
	if n >= dynTablesMax {
		return nil, newError(400, "LimitExceededException", "Subscriber limit exceeded: the sandbox keeps at most %d tables per account and region", dynTablesMax)
	}
	t := &DynamoTable{
		Account: account, Region: region, Name: name, ARN: dynTableARN(region, account, name), ID: c.uuid(),
		Created: c.now, Status: "ACTIVE", KeySchema: in.KeySchema, Definitions: in.AttributeDefinitions,
		BillingMode: billing, Read: read, Write: write, Tags: in.Tags, Items: []dynItem{},
	}
	if in.DeletionProtectionEnabled != nil {
		t.DeletionProtection = *in.DeletionProtectionEnabled
	}
	c.w.DynamoDB.Tables = append(c.w.DynamoDB.Tables, t)
	d := t.describe()
	d["TableStatus"] = "CREATING"
	return map[string]any{"TableDescription": d}, nil
}

func dynCapacity(pt *dynThroughput) (read, write int64, err error) {
	if pt.ReadCapacityUnits == nil || pt.WriteCapacityUnits == nil {
		return 0, 0, errValidation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	}
	read, write = *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
	for _, v := range []struct {
		name string
		n    int64
	}{{"ReadCapacityUnits", read}, {"WriteCapacityUnits", write}} {
		if v.n < 1 {
			return 0, 0, errValidation("One or more parameter values were invalid: Given value %d for %s is out of bounds", v.n, v.name)
		}
	}
	return read, write, nil
}

// validateDynKeySchema applies DynamoDB's rules: one HASH element, then
// at most one RANGE; every key attribute defined, and nothing else.
func validateDynKeySchema(keys []dynKeyElement, defs []dynAttrDef) error {
	switch {
	case keys == nil:
		return errRequired("keySchema")
	case defs == nil:
		return errRequired("attributeDefinitions")
	case len(keys) == 0:
		return errConstraint("keySchema", "[]", "Member must have length greater than or equal to 1")
	case len(keys) > 2:
		return errConstraint("keySchema", fmt.Sprintf("[%d elements]", len(keys)), "Member must have length less than or equal to 2")
	}
	for i, k := range keys {
		if k.KeyType != "HASH" && k.KeyType != "RANGE" {
			return errConstraint(fmt.Sprintf("keySchema.%d.member.keyType", i+1), k.KeyType, "Member must satisfy enum value set: [HASH, RANGE]")
		}
		if n := len(k.AttributeName); n < 1 || n > 255 {
			return errConstraint(fmt.Sprintf("keySchema.%d.member.attributeName", i+1), truncate(k.AttributeName, 100), "Member must have length less than or equal to 255 and greater than or equal to 1")
		}
	}
	if keys[0].KeyType != "HASH" {
		return errValidation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(keys) == 2 {
		if keys[1].KeyType != "RANGE" {
			return errValidation("Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key")
		}
		if keys[0].AttributeName == keys[1].AttributeName {
			return errValidation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
	}
	for i, d := range defs {
		if d.AttributeType != "S" && d.AttributeType != "N" && d.AttributeType != "B" {
			return errConstraint(fmt.Sprintf("attributeDefinitions.%d.member.attributeType", i+1), d.AttributeType, "Member must satisfy enum value set: [B, N, S]")
		}
	}
	names := func(defs []dynAttrDef) string {
		var n []string
		for _, d := range defs {
			n = append(n, d.AttributeName)
		}
		return strings.Join(n, ", ")
	}
	keyNames := []string{}
	for _, k := range keys {
		keyNames = append(keyNames, k.AttributeName)
	}
	if len(defs) != len(keys) || !slices.ContainsFunc(defs, func(d dynAttrDef) bool { return d.AttributeName == keys[0].AttributeName }) ||
		len(keys) == 2 && !slices.ContainsFunc(defs, func(d dynAttrDef) bool { return d.AttributeName == keys[1].AttributeName }) {
		return errValidation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions; KeySchema: [%s], AttributeDefinitions: [%s]", strings.Join(keyNames, ", "), names(defs))
	}
	return nil
}

func validateDynTags(tags []Tag) error {
	if len(tags) > 50 {
		return errValidation("One or more parameter values were invalid: The number of tags exceeds the limit of 50")
	}
	for i, t := range tags {
		if n := len([]rune(t.Key)); n < 1 || n > 128 {
			return errConstraint(fmt.Sprintf("tags.%d.member.key", i+1), truncate(t.Key, 100), "Member must have length less than or equal to 128 and greater than or equal to 1")
		}
		if len([]rune(t.Value)) > 256 {
			return errConstraint(fmt.Sprintf("tags.%d.member.value", i+1), truncate(t.Value, 100), "Member must have length less than or equal to 256")
		}
		if strings.HasPrefix(t.Key, "aws:") {
			return errValidation("One or more parameter values were invalid: The tag key cannot start with the reserved prefix aws:")
		}
	}
	return nil
}

// describe is the table's TableDescription.
func (t *DynamoTable) describe() map[string]any {
	d := map[string]any{
		"TableName":                 t.Name,
		"TableArn":                  t.ARN,
		"TableId":                   t.ID,
		"TableStatus":               t.Status,
		"CreationDateTime":          schedTime(t.Created),
		"KeySchema":                 t.KeySchema,
		"AttributeDefinitions":      t.Definitions,
		"ItemCount":                 len(t.Items),
		"TableSizeBytes":            t.bytes,
		"DeletionProtectionEnabled": t.DeletionProtection,
		"ProvisionedThroughput": map[string]any{
			"NumberOfDecreasesToday": 0, "ReadCapacityUnits": t.Read, "WriteCapacityUnits": t.Write,
		},
		"TableClassSummary": map[string]any{"TableClass": "STANDARD"},
	}
	if t.BillingMode == "PAY_PER_REQUEST" {
		d["BillingModeSummary"] = map[string]any{"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": schedTime(t.Created)}
	}
	return d
}

type dynTableIn struct {
	TableName *string `json:"TableName"`
}

func dynDescribeTable(c *call, in *dynTableIn) (any, error) {
	t, err := c.dynTable(in.TableName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Table": t.describe()}, nil
}

func dynDeleteTable(c *call, in *dynTableIn) (any, error) {
	t, err := c.dynTable(in.TableName)
	if err != nil {
		return nil, err
	}
	if t.DeletionProtection {
		return nil, newError(400, "ResourceInUseException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	d := t.describe()
	d["TableStatus"] = "DELETING"
	c.w.DynamoDB.Tables = slices.DeleteFunc(c.w.DynamoDB.Tables, func(x *DynamoTable) bool { return x == t })
	return map[string]any{"TableDescription": d}, nil
}

type dynListTablesIn struct {
	ExclusiveStartTableName *string `json:"ExclusiveStartTableName"`
	Limit                   *int    `json:"Limit"`
}

func dynListTables(c *call, in *dynListTablesIn) (any, error) {
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, errConstraint("limit", strconv.Itoa(*in.Limit), "Member must have value less than or equal to 100 and greater than or equal to 1")
		}
		limit = *in.Limit
	}
	account := c.caller().AccountID
	var names []string
	for _, t := range c.w.DynamoDB.Tables {
		if t.Account == account && t.Region == c.region {
			names = append(names, t.Name)
		}
	}
	slices.Sort(names)
	if in.ExclusiveStartTableName != nil {
		start := *in.ExclusiveStartTableName
		i, _ := slices.BinarySearch(names, start)
		for i < len(names) && names[i] <= start {
			i++
		}
		names = names[i:]
	}
	out := map[string]any{"TableNames": []string{}}
	if len(names) > limit {
		names = names[:limit]
		out["LastEvaluatedTableName"] = names[limit-1]
	}
	if names != nil {
		out["TableNames"] = names
	}
	return out, nil
}

type dynUpdateTableIn struct {
	TableName                 *string        `json:"TableName"`
	DeletionProtectionEnabled *bool          `json:"DeletionProtectionEnabled"`
	BillingMode               *string        `json:"BillingMode"`
	ProvisionedThroughput     *dynThroughput `json:"ProvisionedThroughput"`
	AttributeDefinitions      []dynAttrDef   `json:"AttributeDefinitions"`
	GlobalSecondaryIndexUpd   []any          `json:"GlobalSecondaryIndexUpdates"`
	StreamSpecification       any            `json:"StreamSpecification"`
}

func dynUpdateTable(c *call, in *dynUpdateTableIn) (any, error) {
	t, err := c.dynTable(in.TableName)
	if err != nil {
		return nil, err
	}
	if len(in.GlobalSecondaryIndexUpd) > 0 || in.StreamSpecification != nil {
		return nil, errValidation("the sandbox's DynamoDB has no secondary indexes or streams (docs/sandbox.md, DynamoDB)")
	}
	if in.DeletionProtectionEnabled == nil && in.BillingMode == nil && in.ProvisionedThroughput == nil {
		return nil, errValidation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	billing := t.BillingMode
	if in.BillingMode != nil {
		billing = *in.BillingMode
	}
	read, write := t.Read, t.Write
	switch billing {
	case "PAY_PER_REQUEST":
		if in.ProvisionedThroughput != nil {
			return nil, errValidation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		read, write = 0, 0
	case "PROVISIONED":
		if in.ProvisionedThroughput != nil {
			if read, write, err = dynCapacity(in.ProvisionedThroughput); err != nil {
				return nil, err
			}
		} else if t.BillingMode != "PROVISIONED" {
			return nil, errValidation("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
		}
	default:
		return nil, errConstraint("billingMode", billing, "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
	}
	t.BillingMode, t.Read, t.Write = billing, read, write
	if in.DeletionProtectionEnabled != nil {
		t.DeletionProtection = *in.DeletionProtectionEnabled
	}
	return map[string]any{"TableDescription": t.describe()}, nil
}

type dynContinuousBackupsIn struct {
	TableName                        *string `json:"TableName"`
	PointInTimeRecoverySpecification *struct {
		PointInTimeRecoveryEnabled *bool `json:"PointInTimeRecoveryEnabled"`
		RecoveryPeriodInDays       *int  `json:"RecoveryPeriodInDays"`
	} `json:"PointInTimeRecoverySpecification"`
}

func (t *DynamoTable) continuousBackups(now time.Time) map[string]any {
	pitr := map[string]any{"PointInTimeRecoveryStatus": "DISABLED"}
	if t.PITR {
		pitr = map[string]any{
			"PointInTimeRecoveryStatus":  "ENABLED",
			"RecoveryPeriodInDays":       35,
			"EarliestRestorableDateTime": schedTime(t.PITRSince),
			"LatestRestorableDateTime":   schedTime(now.Add(-5 * time.Minute).Truncate(time.Second)),
		}
	}
	return map[string]any{"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}
}

func dynUpdateContinuousBackups(c *call, in *dynContinuousBackupsIn) (any, error) {
	spec := in.PointInTimeRecoverySpecification
	switch {
	case spec == nil:
		return nil, errRequired("pointInTimeRecoverySpecification")
	case spec.PointInTimeRecoveryEnabled == nil:
		return nil, errRequired("pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled")
	case spec.RecoveryPeriodInDays != nil && (*spec.RecoveryPeriodInDays < 1 || *spec.RecoveryPeriodInDays > 35):
		return nil, errConstraint("pointInTimeRecoverySpecification.recoveryPeriodInDays", strconv.Itoa(*spec.RecoveryPeriodInDays), "Member must have value less than or equal to 35 and greater than or equal to 1")
	}
	t, err := c.dynTable(in.TableName)
	if err != nil {
		// UpdateContinuousBackups names a missing table its own way.
		if ae := asAPIError(err); ae.Code == "ResourceNotFoundException" {
			return nil, newError(400, "TableNotFoundException", "Table not found: %s", t.nameOr(in.TableName))
		}
		return nil, err
	}
	if *spec.PointInTimeRecoveryEnabled && !t.PITR {
		t.PITRSince = c.now.UTC().Truncate(time.Second)
	}
	t.PITR = *spec.PointInTimeRecoveryEnabled
	return map[string]any{"ContinuousBackupsDescription": t.continuousBackups(c.now)}, nil
}

// nameOr is the table's name, or the name asked for when there is none.
func (t *DynamoTable) nameOr(asked *string) string {
	if t != nil {
		return t.Name
	}
	if asked == nil {
		return ""
	}
	return *asked
}

func dynDescribeContinuousBackups(c *call, in *dynTableIn) (any, error) {
	t, err := c.dynTable(in.TableName)
	if err != nil {
		if ae := asAPIError(err); ae.Code == "ResourceNotFoundException" {
			return nil, newError(400, "TableNotFoundException", "Table not found: %s", t.nameOr(in.TableName))
		}
		return nil, err
	}
	return map[string]any{"ContinuousBackupsDescription": t.continuousBackups(c.now)}, nil
}

// dynTableByARN finds the table a tagging call's ResourceArn names.
func (c *call) dynTableByARN(arn *string) (*DynamoTable, error) {
	if arn == nil {
		return nil, errRequired("resourceArn")
	}
	m := dynTableARNPattern.FindStringSubmatch(*arn)
	if m == nil {
		return nil, errValidation("Invalid TableArn: Invalid ResourceArn provided as input %s", truncate(*arn, 200))
	}
	if m[2] == c.caller().AccountID {
		if t := c.w.dynTable(m[2], m[1], m[3]); t != nil {
			return t, nil
		}
	}
	return nil, errNotFound("Requested resource not found: ResourcArn: %s not found", *arn)
}

type dynTagIn struct {
	ResourceArn *string  `json:"ResourceArn"`
	Tags        []Tag    `json:"Tags"`
	TagKeys     []string `json:"TagKeys"`
	NextToken   *string  `json:"NextToken"`
}

func dynTagResource(c *call, in *dynTagIn) (any, error) {
	if in.Tags == nil {
		return nil, errRequired("tags")
	}
	if err := validateDynTags(in.Tags); err != nil {
		return nil, err
	}
	t, err := c.dynTableByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := slices.Clone(t.Tags)
	for _, nt := range in.Tags {
		if i := slices.IndexFunc(tags, func(x Tag) bool { return x.Key == nt.Key }); i >= 0 {
			tags[i].Value = nt.Value
		} else {
			tags = append(tags, nt)
		}
	}
	if err := validateDynTags(tags); err != nil {
		return nil, err
	}
	t.Tags = tags
	return nil, nil
}

func dynUntagResource(c *call, in *dynTagIn) (any, error) {
	if in.TagKeys == nil {
		return nil, errRequired("tagKeys")
	}
	t, err := c.dynTableByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	t.Tags = slices.DeleteFunc(t.Tags, func(x Tag) bool { return slices.Contains(in.TagKeys, x.Key) })
	return nil, nil
}

func dynListTagsOfResource(c *call, in *dynTagIn) (any, error) {
	t, err := c.dynTableByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := slices.SortedFunc(slices.Values(t.Tags), func(a, b Tag) int { return cmp.Compare(a.Key, b.Key) })
	if tags == nil {
		tags = []Tag{}
	}
	return map[string]any{"Tags": tags}, nil
}
