package sandbox

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// keylessElevationPolicy is docs/elevation.md's KeylessElevation inline
// policy for the management account in us-east-1 (without the states:
// statements, which do not matter here).
const keylessElevationPolicy = `{"Version": "2012-10-17", "Statement": [
  {"Sid": "Read", "Effect": "Allow",
   "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:DescribeTable"],
   "Resource": "arn:aws:dynamodb:us-east-1:111111111111:table/keyless-elevation"},
  {"Sid": "WriteOwnRecords", "Effect": "Allow", "Action": "dynamodb:PutItem",
   "Resource": "arn:aws:dynamodb:us-east-1:111111111111:table/keyless-elevation",
   "Condition": {"ForAllValues:StringEquals": {
     "dynamodb:LeadingKeys": ["${aws:userid}"],
     "dynamodb:Attributes": ["pk", "sk", "rule", "permission_set", "account", "seconds", "reason", "ticket",
                             "decision", "comment", "digest"]}}}]}`

// elevationSession is alice's session of a KeylessElevation permission
// set in the management account, where the table is.
func elevationSession(t *testing.T) (*signinEnv, *dynamodb.Client, string) {
	t.Helper()
	e := newSigninEnv(t, Options{AssignmentDelay: -1})
	var roleID string
	e.srv.withWorld(func(w *World, now time.Time) {
		p := &PermissionSet{ARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-5555666677778888", Name: "KeylessElevation",
			SessionDuration: "PT1H", RoleSuffix: "5555666677778888", Created: now, InlinePolicy: keylessElevationPolicy}
		w.PermissionSets = append(w.PermissionSets, p)
		w.Assignments = append(w.Assignments, &Assignment{AccountID: mgmtAcct, PermissionSetARN: p.ARN, PrincipalType: "USER", PrincipalID: w.userByName("alice").ID})
		w.provision(p, mgmtAcct, now)
		roleID = w.sessionRoleID(mgmtAcct, "AWSReservedSSO_KeylessElevation_5555666677778888")
	})
	createTable(t, dynamodb.NewFromConfig(e.cfg), "keyless-elevation")
	return e, dynamodb.NewFromConfig(e.roleSession(t, "alice", mgmtAcct, "KeylessElevation")), roleID + ":alice"
}

func TestDynamoDBFineGrainedAccess(t *testing.T) {
	e, db, userid := elevationSession(t)
	ctx := context.Background()
	table := aws.String("keyless-elevation")
	const who = "User: arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_KeylessElevation_5555666677778888/alice is not authorized to perform: "
	const arn = "arn:aws:dynamodb:us-east-1:111111111111:table/keyless-elevation"
	denied := func(action string) string {
		return who + action + " on resource: " + arn + " because no identity-based policy allows the " + action + " action"
	}
	request := map[string]ddb.AttributeValue{"pk": s(userid), "sk": s("REQ#01"), "rule": s("prod-admin"), "seconds": n("3600"), "reason": s("deploy")}

	// Its own partition, listed attributes, only if new.
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: request, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil {
		t.Fatalf("PutItem in own partition: %v", err)
	}
	// Reads of anything in the table are allowed.
	got, err := db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :p AND begins_with(sk, :s)"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":p": s(userid), ":s": s("REQ#")}})
	if err != nil || got.Count != 1 {
		t.Fatalf("Query own partition: %v, %v", got, err)
	}

	for _, tc := range []struct {
		name string
		item map[string]ddb.AttributeValue
	}{
		{"another partition", map[string]ddb.AttributeValue{"pk": s("AROAOTHER:bob"), "sk": s("REQ#01")}},
		{"the referee's partition", map[string]ddb.AttributeValue{"pk": s("USED#" + userid + "#REQ#01"), "sk": s("USED")}},
		{"an unlisted attribute", map[string]ddb.AttributeValue{"pk": s(userid), "sk": s("REQ#02"), "approved": &ddb.AttributeValueMemberBOOL{Value: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: tc.item})
			wantDenied(t, err, "AccessDeniedException", denied("dynamodb:PutItem"))
		})
	}
	t.Run("an unlisted attribute in the condition", func(t *testing.T) {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: request,
			ConditionExpression: aws.String("attribute_not_exists(approved)")})
		wantDenied(t, err, "AccessDeniedException", denied("dynamodb:PutItem"))
	})
	t.Run("update and delete", func(t *testing.T) {
		_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key(userid, "REQ#01"),
			UpdateExpression: aws.String("SET seconds = :s"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":s": n("99999")}})
		wantDenied(t, err, "AccessDeniedException", denied("dynamodb:UpdateItem"))
		_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: key(userid, "REQ#01")})
		wantDenied(t, err, "AccessDeniedException", denied("dynamodb:DeleteItem"))
		_, err = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: table})
		wantDenied(t, err, "AccessDeniedException", denied("dynamodb:DeleteTable"))
	})
	// None of the refused calls changed anything.
	all, err := dynamodb.NewFromConfig(e.cfg).Scan(ctx, &dynamodb.ScanInput{TableName: table})
	if err != nil || all.Count != 1 || all.Items[0]["seconds"].(*ddb.AttributeValueMemberN).Value != "3600" {
		t.Fatalf("table after the refused calls: %v, %v", all.Items, err)
	}
}

// TestDynamoDBConditionKeys: the keys a policy sees for each operation,
// through Deny statements that each name one.
func TestDynamoDBConditionKeys(t *testing.T) {
	_, u := startSandbox(t, Options{})
	cfg := sdkConfig(t, u)
	ctx := context.Background()
	admin := dynamodb.NewFromConfig(cfg)
	createTable(t, admin, "tbl")
	if _, err := admin.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: key("a", "1")}); err != nil {
		t.Fatal(err)
	}
	roles := 0
	session := func(t *testing.T, policy string) *dynamodb.Client {
		t.Helper()
		roles++
		return dynamodb.NewFromConfig(roleWithPolicy(t, cfg, fmt.Sprintf("r%d", roles), policy))
	}
	allowAllBut := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"},` +
			`{"Effect":"Deny","Action":"dynamodb:*","Resource":"*","Condition":` + cond + `}]}`
	}
	vals := func(kv ...string) map[string]ddb.AttributeValue {
		m := map[string]ddb.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = s(kv[i+1])
		}
		return m
	}
	t.Run("LeadingKeys of Query", func(t *testing.T) {
		db := session(t, allowAllBut(`{"ForAnyValue:StringEquals":{"dynamodb:LeadingKeys":["secret"]}}`))
		q := func(pk string) error {
			_, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String("#p = :p"),
				ExpressionAttributeNames: map[string]string{"#p": "pk"}, ExpressionAttributeValues: vals(":p", pk)})
			return err
		}
		if err := q("a"); err != nil {
			t.Fatalf("Query of another partition: %v", err)
		}
		wantCode(t, q("secret"), "AccessDeniedException")
		// Scan names no partition: ForAnyValue over nothing does not match.
		if _, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tbl")}); err != nil {
			t.Fatalf("Scan: %v", err)
		}
	})
	t.Run("Attributes of UpdateItem", func(t *testing.T) {
		db := session(t, allowAllBut(`{"ForAnyValue:StringEquals":{"dynamodb:Attributes":["locked"]}}`))
		up := func(expr string) error {
			_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: key("a", "1"), UpdateExpression: aws.String(expr),
				ExpressionAttributeValues: vals(":v", "x")})
			return err
		}
		if err := up("SET colour = :v"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, up("SET colour = :v, locked = :v"), "AccessDeniedException")
		wantCode(t, up("SET m.x = :v REMOVE locked"), "AccessDeniedException")
	})
	t.Run("Select and ReturnValues", func(t *testing.T) {
		db := session(t, allowAllBut(`{"StringEquals":{"dynamodb:Select":"ALL_ATTRIBUTES"}}`))
		_, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tbl")})
		wantCode(t, err, "AccessDeniedException")
		if _, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), ProjectionExpression: aws.String("pk")}); err != nil {
			t.Fatalf("Scan with a projection: %v", err)
		}
		db = session(t, allowAllBut(`{"StringEquals":{"dynamodb:ReturnValues":"ALL_OLD"}}`))
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: key("a", "2")}); err != nil {
			t.Fatal(err)
		}
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: key("a", "2"), ReturnValues: ddb.ReturnValueAllOld})
		wantCode(t, err, "AccessDeniedException")
	})
}

// TestDynamoDBMultiItemAuthorization: the batch, transaction and PartiQL
// operations are evaluated as AWS evaluates them, before anything else,
// with the elevation requester's policy: a batch is its own action on
// each table (not granted), a transaction each item's action with its
// keys (a Put in her own partition passes, one in another does not), a
// PartiQL statement its dynamodb:PartiQL* action on its table.
func TestDynamoDBMultiItemAuthorization(t *testing.T) {
	e, db, userid := elevationSession(t)
	ctx := context.Background()
	table := aws.String("keyless-elevation")
	const who = "User: arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_KeylessElevation_5555666677778888/alice is not authorized to perform: "
	const arn = "arn:aws:dynamodb:us-east-1:111111111111:table/keyless-elevation"
	denied := func(action string) string {
		return who + action + " on resource: " + arn + " because no identity-based policy allows the " + action + " action"
	}
	own := map[string]ddb.AttributeValue{"pk": s(userid), "sk": s("REQ#01"), "rule": s("r"), "reason": s("x")}
	others := map[string]ddb.AttributeValue{"pk": s("AROAOTHER:bob"), "sk": s("REQ#01")}
	used := map[string]ddb.AttributeValue{"pk": s("USED#" + userid + "#REQ#01"), "sk": s("USED")}

	_, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddb.WriteRequest{
		"keyless-elevation": {{PutRequest: &ddb.PutRequest{Item: own}}}}})
	wantDenied(t, err, "AccessDeniedException", denied("dynamodb:BatchWriteItem"))
	_, err = db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{
		"keyless-elevation": {Keys: []map[string]ddb.AttributeValue{key(userid, "REQ#01")}}}})
	wantDenied(t, err, "AccessDeniedException", denied("dynamodb:BatchGetItem"))

	for _, tc := range []struct {
		name   string
		item   ddb.TransactWriteItem
		action string
	}{
		{"Put in another partition", ddb.TransactWriteItem{Put: &ddb.Put{TableName: table, Item: others}}, "dynamodb:PutItem"},
		{"Put of a USED# marker", ddb.TransactWriteItem{Put: &ddb.Put{TableName: table, Item: used}}, "dynamodb:PutItem"},
		{"Update of her own", ddb.TransactWriteItem{Update: &ddb.Update{TableName: table, Key: key(userid, "REQ#01"),
			UpdateExpression: aws.String("SET reason = :r"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":r": s("y")}}}, "dynamodb:UpdateItem"},
		{"Delete", ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: table, Key: key(userid, "REQ#01")}}, "dynamodb:DeleteItem"},
		{"ConditionCheck", ddb.TransactWriteItem{ConditionCheck: &ddb.ConditionCheck{TableName: table, Key: key(userid, "REQ#01"),
			ConditionExpression: aws.String("attribute_exists(pk)")}}, "dynamodb:ConditionCheckItem"},
	} {
		t.Run("TransactWriteItems "+tc.name, func(t *testing.T) {
			// With a Put she may make first: the whole call is refused.
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{
				{Put: &ddb.Put{TableName: table, Item: own}}, tc.item}})
			wantDenied(t, err, "AccessDeniedException", denied(tc.action))
		})
	}
	for _, tc := range []struct{ statement, action string }{
		{`INSERT INTO "keyless-elevation" VALUE {'pk': 'AROAOTHER:bob', 'sk': 'REQ#01'}`, "dynamodb:PartiQLInsert"},
		{`update "keyless-elevation" SET seconds = 1 WHERE pk = 'x' AND sk = 'y'`, "dynamodb:PartiQLUpdate"},
		{`DELETE FROM keyless-elevation WHERE pk = 'x' AND sk = 'y'`, "dynamodb:PartiQLDelete"},
		{`SELECT * FROM "keyless-elevation" WHERE pk = 'x'`, "dynamodb:PartiQLSelect"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			_, err := db.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(tc.statement)})
			wantDenied(t, err, "AccessDeniedException", denied(tc.action))
			_, err = db.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: []ddb.BatchStatementRequest{{Statement: aws.String(tc.statement)}}})
			wantDenied(t, err, "AccessDeniedException", denied(tc.action))
			_, err = db.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []ddb.ParameterizedStatement{{Statement: aws.String(tc.statement)}}})
			wantDenied(t, err, "AccessDeniedException", denied(tc.action))
		})
	}
	_, err = db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: table})
	wantDenied(t, err, "AccessDeniedException", denied("dynamodb:DescribeTimeToLive"))

	// What her policy grants passes: a transaction of her own Put, reads.
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{
		{Put: &ddb.Put{TableName: table, Item: own, ConditionExpression: aws.String("attribute_not_exists(pk)")}}}}); err != nil {
		t.Fatalf("TransactWriteItems of her own Put: %v", err)
	}
	got, err := db.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []ddb.TransactGetItem{
		{Get: &ddb.Get{TableName: table, Key: key(userid, "REQ#01")}}, {Get: &ddb.Get{TableName: table, Key: key("AROAOTHER:bob", "REQ#01")}}}})
	if err != nil || len(got.Responses) != 2 || got.Responses[0].Item == nil || got.Responses[1].Item != nil {
		t.Fatalf("TransactGetItems: %+v, %v", got, err)
	}
	all, err := dynamodb.NewFromConfig(e.cfg).Scan(ctx, &dynamodb.ScanInput{TableName: table})
	if err != nil || all.Count != 1 {
		t.Fatalf("table after the refused calls: %v, %v", all.Items, err)
	}
}
