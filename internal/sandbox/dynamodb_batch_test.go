package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

func TestDynamoDBBatchWriteAndGet(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	const tbl = "keyless-elevation"
	put := func(pk, sk string) ddb.WriteRequest {
		return ddb.WriteRequest{PutRequest: &ddb.PutRequest{Item: map[string]ddb.AttributeValue{"pk": s(pk), "sk": s(sk), "v": s(pk + sk)}}}
	}
	var reqs []ddb.WriteRequest
	for i := range 25 {
		reqs = append(reqs, put("a", fmt.Sprint(i)))
	}
	out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddb.WriteRequest{tbl: reqs}})
	if err != nil || len(out.UnprocessedItems) != 0 {
		t.Fatalf("BatchWriteItem of 25: %v, %v", out, err)
	}
	for _, tc := range []struct {
		name     string
		items    map[string][]ddb.WriteRequest
		code, in string
	}{
		{"26 writes", map[string][]ddb.WriteRequest{tbl: append(reqs[:25:25], put("b", "1"))}, "ValidationException", "Member must have length less than or equal to 25"},
		{"a duplicate key", map[string][]ddb.WriteRequest{tbl: {put("b", "1"), {DeleteRequest: &ddb.DeleteRequest{Key: key("b", "1")}}}}, "ValidationException", "Provided list of item keys contains duplicates"},
		{"a missing table", map[string][]ddb.WriteRequest{tbl: {put("b", "1")}, "nosuch": {put("b", "1")}}, "ResourceNotFoundException", "Requested resource not found"},
		{"an item without its key", map[string][]ddb.WriteRequest{tbl: {put("b", "1"), {PutRequest: &ddb.PutRequest{Item: map[string]ddb.AttributeValue{"pk": s("b")}}}}}, "ValidationException", "Missing the key sk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: tc.items})
			wantErrorSaying(t, err, tc.code, tc.in)
			// Nothing of a refused batch is written.
			if got, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl), Key: key("b", "1")}); got.Item != nil {
				t.Fatal("a refused batch wrote b/1")
			}
		})
	}
	// Deletes and puts in one batch.
	_, err = db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddb.WriteRequest{tbl: {
		{DeleteRequest: &ddb.DeleteRequest{Key: key("a", "0")}}, put("b", "1")}}})
	if err != nil {
		t.Fatal(err)
	}

	got, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{tbl: {
		Keys:                 []map[string]ddb.AttributeValue{key("a", "0"), key("a", "1"), key("b", "1")},
		ProjectionExpression: aws.String("#v"), ExpressionAttributeNames: map[string]string{"#v": "v"}}}})
	if err != nil || len(got.UnprocessedKeys) != 0 {
		t.Fatalf("BatchGetItem: %v, %v", got, err)
	}
	var vs []string
	for _, it := range got.Responses[tbl] {
		if len(it) != 1 {
			t.Errorf("projected item %v", it)
		}
		vs = append(vs, it["v"].(*ddb.AttributeValueMemberS).Value)
	}
	if fmt.Sprint(vs) != "[a1 b1]" {
		t.Errorf("BatchGetItem values %v, want [a1 b1] (a/0 deleted)", vs)
	}
	var keys []map[string]ddb.AttributeValue
	for i := range 101 {
		keys = append(keys, key("a", fmt.Sprint(i)))
	}
	_, err = db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{tbl: {Keys: keys}}})
	wantErrorSaying(t, err, "ValidationException", "Member must have length less than or equal to 100")
	_, err = db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{tbl: {Keys: keys[:2:2]}, tbl + "-arn": {Keys: keys[:2]}}})
	wantErrorSaying(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{tbl: {Keys: append(keys[:1:1], key("a", "0"))}}})
	wantErrorSaying(t, err, "ValidationException", "Provided list of item keys contains duplicates")
}

func TestDynamoDBTransactions(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	tbl := aws.String("keyless-elevation")
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: map[string]ddb.AttributeValue{"pk": s("req"), "sk": s("1"), "n": n("1")}}); err != nil {
		t.Fatal(err)
	}
	marker := map[string]ddb.AttributeValue{"pk": s("USED#req"), "sk": s("USED")}
	// The referee's pattern: the marker only if new, the request only if
	// unchanged, both or neither.
	tx := func(want string) error {
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{
			{Put: &ddb.Put{TableName: tbl, Item: marker, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Update: &ddb.Update{TableName: tbl, Key: key("req", "1"), UpdateExpression: aws.String("ADD n :one"),
				ConditionExpression: aws.String("n = :want"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":one": n("1"), ":want": n(want)},
				ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld}},
		}})
		return err
	}
	err := tx("5")
	var tce *ddb.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[0].Code) != "None" ||
		aws.ToString(tce.CancellationReasons[1].Code) != "ConditionalCheckFailed" || tce.CancellationReasons[1].Item["n"].(*ddb.AttributeValueMemberN).Value != "1" {
		t.Fatalf("a failed condition: %v (%+v), want TransactionCanceledException [None, ConditionalCheckFailed] with the item", err, tce)
	}
	if got, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: marker}); got.Item != nil {
		t.Fatal("a cancelled transaction wrote its Put")
	}
	if err := tx("1"); err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	err = tx("2") // the marker exists now
	if !errors.As(err, &tce) || aws.ToString(tce.CancellationReasons[0].Code) != "ConditionalCheckFailed" {
		t.Fatalf("second transaction: %v, want the marker's condition to fail", err)
	}
	got, err := db.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []ddb.TransactGetItem{
		{Get: &ddb.Get{TableName: tbl, Key: key("req", "1"), ProjectionExpression: aws.String("n")}}, {Get: &ddb.Get{TableName: tbl, Key: marker}}}})
	if err != nil || got.Responses[0].Item["n"].(*ddb.AttributeValueMemberN).Value != "2" || len(got.Responses[0].Item) != 1 || got.Responses[1].Item == nil {
		t.Fatalf("TransactGetItems: %+v, %v", got, err)
	}

	for _, tc := range []struct {
		name     string
		items    []ddb.TransactWriteItem
		code, in string
	}{
		{"two operations on one item", []ddb.TransactWriteItem{{Delete: &ddb.Delete{TableName: tbl, Key: key("req", "1")}},
			{ConditionCheck: &ddb.ConditionCheck{TableName: tbl, Key: key("req", "1"), ConditionExpression: aws.String("attribute_exists(pk)")}}},
			"ValidationException", "Transaction request cannot include multiple operations on one item"},
		{"an update of a key attribute", []ddb.TransactWriteItem{{Update: &ddb.Update{TableName: tbl, Key: key("req", "1"),
			UpdateExpression: aws.String("SET sk = :v"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": s("x")}}}},
			"ValidationException", "This attribute is part of the key"},
		{"101 items", func() []ddb.TransactWriteItem {
			var items []ddb.TransactWriteItem
			for i := range 101 {
				items = append(items, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: tbl, Key: key("x", fmt.Sprint(i))}})
			}
			return items
		}(), "ValidationException", "Member must have length less than or equal to 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tc.items})
			wantErrorSaying(t, err, tc.code, tc.in)
		})
	}
	if got, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: key("req", "1")}); got.Item == nil {
		t.Fatal("a refused transaction deleted req/1")
	}

	// PartiQL is not served: an allowed caller is told so.
	_, err = db.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM "keyless-elevation"`)})
	wantAPIError(t, err, "UnknownOperationException", "the sandbox's DynamoDB does not serve ExecuteStatement (docs/sandbox.md, DynamoDB)")
}

// wantErrorSaying checks an error's code and that its message contains in.
func wantErrorSaying(t *testing.T, err error, code, in string) {
	t.Helper()
	wantCode(t, err, code)
	var ae smithy.APIError
	if errors.As(err, &ae) && !strings.Contains(ae.ErrorMessage(), in) {
		t.Fatalf("error %v does not say %q", err, in)
	}
}
