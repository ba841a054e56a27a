package sandbox

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// newDynamoTable starts a sandbox and creates the elevation design's
// table: pk and sk strings, on demand.
func newDynamoTable(t *testing.T) (*Server, *dynamodb.Client) {
	t.Helper()
	srv, url := startSandbox(t, Options{})
	db := dynamodb.NewFromConfig(sdkConfig(t, url))
	createTable(t, db, "keyless-elevation")
	return srv, db
}

func createTable(t *testing.T, db *dynamodb.Client, name string) {
	t.Helper()
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddb.ScalarAttributeTypeS}, {AttributeName: aws.String("sk"), AttributeType: ddb.ScalarAttributeTypeS}},
		KeySchema:            []ddb.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddb.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: ddb.KeyTypeRange}},
		BillingMode:          ddb.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

func s(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
func n(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberN{Value: v} }

func key(pk, sk string) map[string]ddb.AttributeValue {
	return map[string]ddb.AttributeValue{"pk": s(pk), "sk": s(sk)}
}

// wantAPIError checks an error's code and message.
func wantAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || message != "" && ae.ErrorMessage() != message {
		t.Fatalf("error = %v\nwant %s: %s", err, code, message)
	}
}

func TestDynamoDBCRUD(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	item := map[string]ddb.AttributeValue{
		"pk": s("alice"), "sk": s("REQ#1"), "seconds": n("007200.0"), "ok": &ddb.AttributeValueMemberBOOL{Value: true},
		"nothing": &ddb.AttributeValueMemberNULL{Value: true}, "b": &ddb.AttributeValueMemberB{Value: []byte{0, 1, 2}},
		"l":  &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{s("x"), n("1")}},
		"m":  &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{"deep": s("y")}},
		"ss": &ddb.AttributeValueMemberSS{Value: []string{"a", "b"}}, "ns": &ddb.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs": &ddb.AttributeValueMemberBS{Value: [][]byte{{1}, {2}}},
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("keyless-elevation"), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("keyless-elevation"), Key: key("alice", "REQ#1"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	item["seconds"] = n("7200") // normalized, as DynamoDB keeps numbers
	if diff := cmp.Diff(item, got.Item, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
		t.Errorf("GetItem (-put +got):\n%s", diff)
	}
	proj, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("keyless-elevation"), Key: key("alice", "REQ#1"),
		ProjectionExpression: aws.String("seconds, m.deep, l[1]")})
	if err != nil {
		t.Fatalf("GetItem with projection: %v", err)
	}
	if len(proj.Item) != 3 || proj.Item["m"].(*ddb.AttributeValueMemberM).Value["deep"].(*ddb.AttributeValueMemberS).Value != "y" ||
		proj.Item["l"].(*ddb.AttributeValueMemberL).Value[0].(*ddb.AttributeValueMemberN).Value != "1" {
		t.Errorf("projection: %#v", proj.Item)
	}
	missing, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("keyless-elevation"), Key: key("alice", "REQ#2")})
	if err != nil || missing.Item != nil {
		t.Fatalf("GetItem of a missing item: %v, %v", missing.Item, err)
	}
	del, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("keyless-elevation"), Key: key("alice", "REQ#1"), ReturnValues: ddb.ReturnValueAllOld})
	if err != nil || del.Attributes["sk"].(*ddb.AttributeValueMemberS).Value != "REQ#1" {
		t.Fatalf("DeleteItem ALL_OLD: %v, %v", del.Attributes, err)
	}
	if got, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("keyless-elevation"), Key: key("alice", "REQ#1")}); got.Item != nil {
		t.Fatalf("item still there after DeleteItem")
	}
}
