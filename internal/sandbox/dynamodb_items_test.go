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
)

func TestDynamoDBConditionalWrites(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	table := aws.String("keyless-elevation")
	used := map[string]ddb.AttributeValue{"pk": s("USED#alice#REQ#1"), "sk": s("USED"), "decision": s("approve")}
	put := func(item map[string]ddb.AttributeValue, onFailure ddb.ReturnValuesOnConditionCheckFailure) error {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: onFailure})
		return err
	}
	if err := put(used, ""); err != nil {
		t.Fatalf("first decision: %v", err)
	}
	// A second decider loses, and may see the winner's item.
	other := map[string]ddb.AttributeValue{"pk": s("USED#alice#REQ#1"), "sk": s("USED"), "decision": s("deny")}
	err := put(other, "")
	wantAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	var ccf *ddb.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.Item != nil {
		t.Fatalf("without ReturnValuesOnConditionCheckFailure the error has no item: %v", err)
	}
	err = put(other, ddb.ReturnValuesOnConditionCheckFailureAllOld)
	if !errors.As(err, &ccf) || ccf.Item["decision"].(*ddb.AttributeValueMemberS).Value != "approve" {
		t.Fatalf("ALL_OLD on failure: %v (%v)", err, ccf)
	}
	got, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key("USED#alice#REQ#1", "USED")})
	if got.Item["decision"].(*ddb.AttributeValueMemberS).Value != "approve" {
		t.Fatalf("the losing write changed the item: %v", got.Item)
	}
	// DeleteItem and UpdateItem take conditions too.
	_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: key("USED#alice#REQ#1", "USED"),
		ConditionExpression: aws.String("decision = :d"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":d": s("deny")}})
	wantAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key("nobody", "x"),
		UpdateExpression: aws.String("SET decision = :d"), ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":d": s("deny")}})
	wantAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	if got, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key("nobody", "x")}); got.Item != nil {
		t.Fatalf("a failed conditional UpdateItem created the item")
	}
	out, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: other, ReturnValues: ddb.ReturnValueAllOld})
	if err != nil || out.Attributes["decision"].(*ddb.AttributeValueMemberS).Value != "approve" {
		t.Fatalf("PutItem ALL_OLD: %v, %v", out, err)
	}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: other, ReturnValues: ddb.ReturnValueAllNew})
	wantAPIError(t, err, "ValidationException", "Return values set to invalid value")
}

func TestDynamoDBUpdateItem(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	table := aws.String("keyless-elevation")
	update := func(expr string, rv ddb.ReturnValue, values map[string]ddb.AttributeValue) (map[string]ddb.AttributeValue, error) {
		in := &dynamodb.UpdateItemInput{TableName: table, Key: key("p", "s"), UpdateExpression: aws.String(expr), ReturnValues: rv, ExpressionAttributeValues: values}
		if strings.Contains(expr, "#") {
			in.ExpressionAttributeNames = map[string]string{"#c": "count"}
		}
		out, err := db.UpdateItem(ctx, in)
		if err != nil {
			return nil, err
		}
		return out.Attributes, nil
	}
	// UpdateItem creates the item.
	got, err := update("SET #c = :one, l = :l, m = :m, tags = :tags", ddb.ReturnValueAllNew, map[string]ddb.AttributeValue{
		":one": n("1"), ":l": &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{s("a")}},
		":m": &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{}}, ":tags": &ddb.AttributeValueMemberSS{Value: []string{"x", "y"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 || got["pk"].(*ddb.AttributeValueMemberS).Value != "p" {
		t.Fatalf("ALL_NEW of a new item: %v", got)
	}
	steps := []struct {
		expr   string
		rv     ddb.ReturnValue
		values map[string]ddb.AttributeValue
		want   string // fmt of the returned attributes
	}{
		{"SET #c = #c + :two", ddb.ReturnValueUpdatedNew, map[string]ddb.AttributeValue{":two": n("2.5")}, "count=3.5"},
		{"SET #c = #c - :two", ddb.ReturnValueUpdatedOld, map[string]ddb.AttributeValue{":two": n("0.5")}, "count=3.5"},
		{"SET l = list_append(l, :more), m.k = :v", ddb.ReturnValueUpdatedNew, map[string]ddb.AttributeValue{":more": &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{s("b")}}, ":v": s("v")}, "l=[a b] m={k:v}"},
		{"SET starter = if_not_exists(starter, :v), l[0] = :v", ddb.ReturnValueUpdatedNew, map[string]ddb.AttributeValue{":v": s("z")}, "l=[z] starter=z"},
		{"SET starter = if_not_exists(starter, :v)", ddb.ReturnValueUpdatedNew, map[string]ddb.AttributeValue{":v": s("other")}, "starter=z"},
		{"REMOVE starter, l[1] ADD tags :t, #c :one", ddb.ReturnValueAllNew,
			map[string]ddb.AttributeValue{":t": &ddb.AttributeValueMemberSS{Value: []string{"w"}}, ":one": n("1")},
			"count=4 l=[z] m={k:v} pk=p sk=s tags=[x y w]"},
		{"DELETE tags :x", ddb.ReturnValueUpdatedNew, map[string]ddb.AttributeValue{":x": &ddb.AttributeValueMemberSS{Value: []string{"x"}}}, "tags=[y w]"},
		{"DELETE tags :x", ddb.ReturnValueAllOld, map[string]ddb.AttributeValue{":x": &ddb.AttributeValueMemberSS{Value: []string{"y", "w"}}}, "count=4 l=[z] m={k:v} pk=p sk=s tags=[y w]"},
	}
	for _, st := range steps {
		got, err := update(st.expr, st.rv, st.values)
		if err != nil {
			t.Fatalf("%s: %v", st.expr, err)
		}
		if f := fmtItem(got); f != st.want {
			t.Errorf("%s: got %s, want %s", st.expr, f, st.want)
		}
	}
	for _, tc := range []struct {
		expr, message string
		values        map[string]ddb.AttributeValue
	}{
		{"SET pk = :v", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key", map[string]ddb.AttributeValue{":v": s("x")}},
		{"SET a = :v, a = :v", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]", map[string]ddb.AttributeValue{":v": s("x")}},
		{"SET m.k = :v REMOVE m", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, k], path two: [m]", map[string]ddb.AttributeValue{":v": s("x")}},
		{"SET a = nosuch + :v", "The provided expression refers to an attribute that does not exist in the item", map[string]ddb.AttributeValue{":v": n("1")}},
		{"SET a = l + :v", "An operand in the update expression has an incorrect data type", map[string]ddb.AttributeValue{":v": n("1")}},
		{"SET nosuch.deep = :v", "The document path provided in the update expression is invalid for update", map[string]ddb.AttributeValue{":v": n("1")}},
		{"SET a = :v SET b = :v", `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`, map[string]ddb.AttributeValue{":v": n("1")}},
		{"ADD a :v", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING", map[string]ddb.AttributeValue{":v": s("x")}},
		{"ADD l :v", "An operand in the update expression has an incorrect data type", map[string]ddb.AttributeValue{":v": n("1")}},
		{"SET a = size(l)", "Invalid UpdateExpression: The function is not allowed in an update expression; function: size", nil},
	} {
		_, err := update(tc.expr, "", tc.values)
		wantAPIError(t, err, "ValidationException", tc.message)
	}
}

// fmtItem shows an item compactly: name=value, sorted by name.
func fmtItem(it map[string]ddb.AttributeValue) string {
	var parts []string
	for _, k := range sortedNames(it) {
		parts = append(parts, k+"="+fmtValue(it[k]))
	}
	return strings.Join(parts, " ")
}

func sortedNames(it map[string]ddb.AttributeValue) []string {
	var out []string
	for k := range it {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func fmtValue(v ddb.AttributeValue) string {
	switch v := v.(type) {
	case *ddb.AttributeValueMemberS:
		return v.Value
	case *ddb.AttributeValueMemberN:
		return v.Value
	case *ddb.AttributeValueMemberSS:
		return fmt.Sprint(v.Value)
	case *ddb.AttributeValueMemberL:
		var parts []string
		for _, e := range v.Value {
			parts = append(parts, fmtValue(e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case *ddb.AttributeValueMemberM:
		var parts []string
		for _, k := range sortedNames(v.Value) {
			parts = append(parts, k+":"+fmtValue(v.Value[k]))
		}
		return "{" + strings.Join(parts, " ") + "}"
	}
	return fmt.Sprintf("%T", v)
}
