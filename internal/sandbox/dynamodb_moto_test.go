package sandbox

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestDynamoDBConformance runs the elevation table's calls against the
// sandbox and moto: the same answers and the same errors, where moto
// follows DynamoDB (it differs on empty key values' message and keeps
// numbers as sent; those cases are in the sandbox's own tests).
func TestDynamoDBConformance(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		db := dynamodb.NewFromConfig(tg.cfg)
		ctx := context.Background()
		createTable(t, db, "keyless-elevation")
		table := aws.String("keyless-elevation")
		put := func(item map[string]ddb.AttributeValue, cond string) error {
			in := &dynamodb.PutItemInput{TableName: table, Item: item}
			if cond != "" {
				in.ConditionExpression = aws.String(cond)
			}
			_, err := db.PutItem(ctx, in)
			return err
		}
		asg := "ASG#ps-1#111111111111#u-1"
		for _, sk := range []string{"UNTIL#2026-12-02T10:00:00Z#REQ#a", "UNTIL#2026-12-02T12:00:00Z#REQ#b", "UNTIL#2026-12-02T11:00:00Z#REQ#c"} {
			if err := put(key(asg, sk), ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := put(key("USED#r", "USED"), "attribute_not_exists(pk)"); err != nil {
			t.Fatal(err)
		}
		wantAPIError(t, put(key("USED#r", "USED"), "attribute_not_exists(pk)"), "ConditionalCheckFailedException", "The conditional request failed")

		out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :p AND begins_with(sk, :u)"),
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":p": s(asg), ":u": s("UNTIL#")}, ScanIndexForward: aws.Bool(false), Limit: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		if got := sks(out.Items); got != "UNTIL#2026-12-02T12:00:00Z#REQ#b,UNTIL#2026-12-02T11:00:00Z#REQ#c" || out.LastEvaluatedKey == nil {
			t.Errorf("descending page: %s, LastEvaluatedKey %v", got, out.LastEvaluatedKey)
		}
		scan, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: table, FilterExpression: aws.String("begins_with(pk, :a)"),
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":a": s("ASG#")}})
		if err != nil || scan.Count != 3 || scan.ScannedCount != 4 {
			t.Fatalf("Scan: %v, %v", scan, err)
		}

		for _, tc := range []struct {
			name, code, message string
			call                func() error
		}{
			{"missing sort key", "ValidationException", "One or more parameter values were invalid: Missing the key sk in the item",
				func() error { return put(map[string]ddb.AttributeValue{"pk": s("a")}, "") }},
			{"key type", "ValidationException", "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
				func() error { return put(map[string]ddb.AttributeValue{"pk": n("1"), "sk": s("a")}, "") }},
			{"not a number", "ValidationException", "The parameter cannot be converted to a numeric value: abc",
				func() error { return put(map[string]ddb.AttributeValue{"pk": s("a"), "sk": s("b"), "x": n("abc")}, "") }},
			{"item too large", "ValidationException", "Item size has exceeded the maximum allowed size",
				func() error {
					return put(map[string]ddb.AttributeValue{"pk": s("a"), "sk": s("b"), "x": s(strings.Repeat("x", 410000))}, "")
				}},
			{"no such table", "ResourceNotFoundException", "Requested resource not found: Table: nosuch not found",
				func() error {
					_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("nosuch")})
					return err
				}},
			{"table exists", "ResourceInUseException", "Table already exists: keyless-elevation",
				func() error {
					_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: table, BillingMode: ddb.BillingModePayPerRequest,
						AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddb.ScalarAttributeTypeS}},
						KeySchema:            []ddb.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddb.KeyTypeHash}}})
					return err
				}},
			{"return values", "ValidationException", "Return values set to invalid value",
				func() error {
					_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key("a", "b"), ReturnValues: ddb.ReturnValueAllNew})
					return err
				}},
			{"update a key", "ValidationException", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
				func() error {
					_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key("a", "b"), UpdateExpression: aws.String("SET pk = :v"),
						ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": s("x")}})
					return err
				}},
			{"overlapping paths", "ValidationException", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
				func() error {
					_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key("a", "b"), UpdateExpression: aws.String("SET a = :v, a = :v"),
						ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": s("x")}})
					return err
				}},
			{"missing operand", "ValidationException", "The provided expression refers to an attribute that does not exist in the item",
				func() error {
					_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key("a", "b"), UpdateExpression: aws.String("SET a = nosuch + :v"),
						ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": n("1")}})
					return err
				}},
			{"query without the partition key", "ValidationException", "Query condition missed key schema element: pk",
				func() error {
					_, err := db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("sk = :v"),
						ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": s("x")}})
					return err
				}},
		} {
			t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.message) })
		}
	})
}
