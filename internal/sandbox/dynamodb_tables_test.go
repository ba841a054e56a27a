package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestDynamoDBTables(t *testing.T) {
	srv, u := startSandbox(t, Options{})
	db := dynamodb.NewFromConfig(sdkConfig(t, u))
	ctx := context.Background()
	table := aws.String("keyless-elevation")
	createTable(t, db, "keyless-elevation")
	// The SDK's waiter sees it ACTIVE.
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: table}, 5e9); err != nil {
		t.Fatalf("TableExists waiter: %v", err)
	}
	d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: table})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:dynamodb:us-east-1:111111111111:table/keyless-elevation"
	tb := d.Table
	if aws.ToString(tb.TableArn) != arn || tb.TableStatus != ddb.TableStatusActive || tb.BillingModeSummary.BillingMode != ddb.BillingModePayPerRequest ||
		aws.ToBool(tb.DeletionProtectionEnabled) || len(tb.KeySchema) != 2 || tb.CreationDateTime == nil {
		t.Fatalf("DescribeTable: %+v", tb)
	}
	// The ARN works as a table name.
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(arn)}); err != nil {
		t.Fatalf("DescribeTable by ARN: %v", err)
	}

	_, err = db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: table, DeletionProtectionEnabled: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: table})
	wantAPIError(t, err, "ResourceInUseException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")

	pitr, err := db.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: table})
	if err != nil || pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddb.PointInTimeRecoveryStatusDisabled {
		t.Fatalf("PITR before: %v, %v", pitr, err)
	}
	up, err := db.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: table,
		PointInTimeRecoverySpecification: &ddb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	if err != nil || up.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddb.PointInTimeRecoveryStatusEnabled {
		t.Fatalf("UpdateContinuousBackups: %v, %v", up, err)
	}
	_, err = db.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("nosuch"),
		PointInTimeRecoverySpecification: &ddb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	wantAPIError(t, err, "TableNotFoundException", "Table not found: nosuch")

	if _, err := db.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []ddb.Tag{{Key: aws.String("owner"), Value: aws.String("keyless")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := db.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "keyless" {
		t.Fatalf("tags: %v, %v", tags, err)
	}

	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: table,
		AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddb.ScalarAttributeTypeS}},
		KeySchema:            []ddb.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddb.KeyTypeHash}}, BillingMode: ddb.BillingModePayPerRequest})
	wantAPIError(t, err, "ResourceInUseException", "Table already exists: keyless-elevation")
	for _, tc := range []struct {
		in      *dynamodb.CreateTableInput
		message string
	}{
		{&dynamodb.CreateTableInput{AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddb.ScalarAttributeTypeS}, {AttributeName: aws.String("x"), AttributeType: ddb.ScalarAttributeTypeS}},
			KeySchema: []ddb.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddb.KeyTypeHash}}, BillingMode: ddb.BillingModePayPerRequest},
			"One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions; KeySchema: [pk], AttributeDefinitions: [pk, x]"},
		{&dynamodb.CreateTableInput{AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddb.ScalarAttributeTypeS}},
			KeySchema: []ddb.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddb.KeyTypeHash}}},
			"No provisioned throughput specified for the table"},
		{&dynamodb.CreateTableInput{AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddb.ScalarAttributeTypeS}},
			KeySchema: []ddb.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddb.KeyTypeRange}}, BillingMode: ddb.BillingModePayPerRequest},
			"Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{&dynamodb.CreateTableInput{AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddb.ScalarAttributeTypeS}},
			KeySchema: []ddb.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddb.KeyTypeHash}}, BillingMode: ddb.BillingModePayPerRequest,
			ProvisionedThroughput: &ddb.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}},
			"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
	} {
		tc.in.TableName = aws.String("other")
		_, err := db.CreateTable(ctx, tc.in)
		wantAPIError(t, err, "ValidationException", tc.message)
	}
	_, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("nosuch")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nosuch not found")
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nosuch"), Item: key("a", "b")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nosuch not found")

	// Key rules.
	for _, tc := range []struct {
		item    map[string]ddb.AttributeValue
		message string
	}{
		{map[string]ddb.AttributeValue{"pk": s("a")}, "One or more parameter values were invalid: Missing the key sk in the item"},
		{map[string]ddb.AttributeValue{"pk": n("1"), "sk": s("b")}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
		{map[string]ddb.AttributeValue{"pk": s(""), "sk": s("b")}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{map[string]ddb.AttributeValue{"pk": s(strings.Repeat("k", 2049)), "sk": s("b")}, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
		{map[string]ddb.AttributeValue{"pk": s("a"), "sk": s("b"), "e": &ddb.AttributeValueMemberSS{Value: []string{}}}, "One or more parameter values were invalid: An string set  may not be empty"},
		{map[string]ddb.AttributeValue{"pk": s("a"), "sk": s("b"), "e": &ddb.AttributeValueMemberSS{Value: []string{"x", "x"}}}, "One or more parameter values were invalid: Input collection [x, x] contains duplicates."},
		{map[string]ddb.AttributeValue{"pk": s("a"), "sk": s("b"), "e": &ddb.AttributeValueMemberNULL{Value: false}}, "One or more parameter values were invalid: Null attribute value types must have the value of true"},
	} {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: tc.item})
		wantAPIError(t, err, "ValidationException", tc.message)
	}
	_, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: map[string]ddb.AttributeValue{"pk": s("a")}})
	wantAPIError(t, err, "ValidationException", "The provided key element does not match the schema")
	_, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: map[string]ddb.AttributeValue{"pk": s("a"), "sk": s("b"), "x": s("c")}})
	wantAPIError(t, err, "ValidationException", "The provided key element does not match the schema")

	// Items are in the state dump, and reset forgets them.
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: map[string]ddb.AttributeValue{"pk": s("dumped"), "sk": s("x"), "n": n("1.50")}}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u + "/_sandbox/state")
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		DynamoDB struct {
			Tables []struct {
				Name  string           `json:"name"`
				Items []map[string]any `json:"items"`
			} `json:"tables"`
		} `json:"dynamodb"`
	}
	err = json.NewDecoder(resp.Body).Decode(&state)
	resp.Body.Close()
	if err != nil || len(state.DynamoDB.Tables) != 1 || len(state.DynamoDB.Tables[0].Items) != 1 {
		t.Fatalf("state dump: %+v, %v", state, err)
	}
	if b, _ := json.Marshal(state.DynamoDB.Tables[0].Items[0]); string(b) != `{"n":{"N":"1.5"},"pk":{"S":"dumped"},"sk":{"S":"x"}}` {
		t.Errorf("dumped item: %s", b)
	}
	if err := srv.Reset(); err != nil {
		t.Fatal(err)
	}
	list, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(list.TableNames) != 0 {
		t.Fatalf("after reset: %v, %v", list, err)
	}
}

func TestDynamoDBListAndDelete(t *testing.T) {
	_, u := startSandbox(t, Options{})
	db := dynamodb.NewFromConfig(sdkConfig(t, u))
	ctx := context.Background()
	for _, name := range []string{"ccc", "aaa", "bbb"} {
		createTable(t, db, name)
	}
	var names []string
	p := dynamodb.NewListTablesPaginator(db, &dynamodb.ListTablesInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, out.TableNames...)
	}
	if strings.Join(names, ",") != "aaa,bbb,ccc" {
		t.Errorf("ListTables: %v", names)
	}
	out, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("bbb")})
	if err != nil || out.TableDescription.TableStatus != ddb.TableStatusDeleting {
		t.Fatalf("DeleteTable: %v, %v", out, err)
	}
	if err := dynamodb.NewTableNotExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("bbb")}, 5e9); err != nil {
		t.Fatalf("TableNotExists waiter: %v", err)
	}
	// Another region has its own tables.
	other, err := db.ListTables(ctx, &dynamodb.ListTablesInput{}, func(o *dynamodb.Options) { o.Region = "eu-west-1" })
	if err != nil || len(other.TableNames) != 0 {
		t.Fatalf("eu-west-1: %v, %v", other, err)
	}
}

// TestDynamoDBRawBodies: bodies no SDK sends (nulls, wrong types) get a
// DynamoDB error, never a 5xx.
func TestDynamoDBRawBodies(t *testing.T) {
	_, u := startSandbox(t, Options{})
	createTable(t, dynamodb.NewFromConfig(sdkConfig(t, u)), "tbl")
	for _, tc := range []struct{ op, body, code string }{
		{"PutItem", `{"TableName":"tbl","Item":{"pk":null,"sk":{"S":"a"}}}`, "ValidationException"},
		{"PutItem", `{"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"S":"a"},"x":{"L":[null]}}}`, "ValidationException"},
		{"PutItem", `{"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"S":"a"},"x":{"S":"a","N":"1"}}}`, "ValidationException"},
		{"PutItem", `{"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"S":"a"},"x":{"N":1}}}`, "SerializationException"},
		{"PutItem", `{"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"S":"a"},"x":{"Q":"1"}}}`, "SerializationException"},
		{"GetItem", `{"TableName":"tbl","Key":{"pk":null,"sk":null}}`, "ValidationException"},
		{"GetItem", `{"TableName":"tbl"}`, "ValidationException"},
		{"Query", `{"TableName":"tbl","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":null}}`, "ValidationException"},
		{"Query", `{"TableName":"tbl","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ExclusiveStartKey":{"pk":{"S":"a"},"sk":null}}`, "ValidationException"},
		{"UpdateItem", `{"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"S":"a"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":{"N":"1e999"}}}`, "ValidationException"},
		{"CreateTable", `{"TableName":"x1x"}`, "ValidationException"},
	} {
		req, err := http.NewRequest("POST", u+"/", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+tc.op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 400 || e.Type != tc.code || resp.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
			t.Errorf("%s %s: %d %s (%s), want 400 %s", tc.op, tc.body, resp.StatusCode, e.Type, resp.Header.Get("Content-Type"), tc.code)
		}
	}
}
