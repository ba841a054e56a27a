package sandbox

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func sks(items []map[string]ddb.AttributeValue) string {
	var out []string
	for _, it := range items {
		out = append(out, it["sk"].(*ddb.AttributeValueMemberS).Value)
	}
	return strings.Join(out, ",")
}

func TestDynamoDBQuery(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	table := aws.String("keyless-elevation")
	// Grants of one assignment sort by their end; another partition and a
	// request item in between.
	asg := "ASG#ps-1#111111111111#u-1"
	for _, sk := range []string{"UNTIL#2026-12-02T12:00:00Z#REQ#b", "UNTIL#2026-12-02T10:00:00Z#REQ#a", "UNTIL#2026-12-02T11:30:00Z#REQ#c", "NOTE"} {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key(asg, sk)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key("ASG#ps-2#111111111111#u-1", "UNTIL#2030-01-01T00:00:00Z#REQ#z")}); err != nil {
		t.Fatal(err)
	}
	vals := map[string]ddb.AttributeValue{":p": s(asg), ":u": s("UNTIL#")}
	query := func(in *dynamodb.QueryInput) *dynamodb.QueryOutput {
		t.Helper()
		in.TableName = table
		if in.KeyConditionExpression == nil {
			in.KeyConditionExpression = aws.String("pk = :p AND begins_with(sk, :u)")
			in.ExpressionAttributeValues = vals
		}
		out, err := db.Query(ctx, in)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		return out
	}
	if got := sks(query(&dynamodb.QueryInput{}).Items); got != "UNTIL#2026-12-02T10:00:00Z#REQ#a,UNTIL#2026-12-02T11:30:00Z#REQ#c,UNTIL#2026-12-02T12:00:00Z#REQ#b" {
		t.Errorf("ascending: %s", got)
	}
	// The design's "latest end": descending, one item.
	latest := query(&dynamodb.QueryInput{ScanIndexForward: aws.Bool(false), Limit: aws.Int32(1)})
	if got := sks(latest.Items); got != "UNTIL#2026-12-02T12:00:00Z#REQ#b" || latest.LastEvaluatedKey == nil {
		t.Errorf("latest: %s, LastEvaluatedKey %v", got, latest.LastEvaluatedKey)
	}
	// Pages of two, both directions, with the paginator.
	for _, forward := range []bool{true, false} {
		var pages []string
		p := dynamodb.NewQueryPaginator(db, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":p": s(asg)}, Limit: aws.Int32(2), ScanIndexForward: aws.Bool(forward)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, fmt.Sprintf("%d:%s", out.Count, strings.ReplaceAll(sks(out.Items), "UNTIL#2026-12-02T", "")))
		}
		want := "2:NOTE,10:00:00Z#REQ#a|2:11:30:00Z#REQ#c,12:00:00Z#REQ#b|0:"
		if !forward {
			want = "2:12:00:00Z#REQ#b,11:30:00Z#REQ#c|2:10:00:00Z#REQ#a,NOTE|0:"
		}
		if got := strings.Join(pages, "|"); got != want {
			t.Errorf("forward=%v pages %s, want %s", forward, got, want)
		}
	}
	// Sort key conditions.
	for _, tc := range []struct{ cond, want string }{
		{"pk = :p AND sk < :u", "NOTE"},
		{"pk = :p AND sk >= :u", "a,c,b"},
		{"pk = :p AND sk BETWEEN :lo AND :hi", "a,c"},
		{":p = pk AND sk = :n", "NOTE"},
		{"sk > :lo AND pk = :p", "a,c,b"},
	} {
		v := map[string]ddb.AttributeValue{":p": s(asg)}
		for _, k := range []string{":u", ":lo", ":hi", ":n"} {
			if strings.Contains(tc.cond, k) {
				v[k] = map[string]ddb.AttributeValue{":u": s("UNTIL#"), ":lo": s("UNTIL#2026-12-02T10"), ":hi": s("UNTIL#2026-12-02T11:59"), ":n": s("NOTE")}[k]
			}
		}
		got := sks(query(&dynamodb.QueryInput{KeyConditionExpression: aws.String(tc.cond), ExpressionAttributeValues: v}).Items)
		got = strings.NewReplacer("UNTIL#2026-12-02T10:00:00Z#REQ#", "", "UNTIL#2026-12-02T11:30:00Z#REQ#", "", "UNTIL#2026-12-02T12:00:00Z#REQ#", "").Replace(got)
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.cond, got, tc.want)
		}
	}
	// Filter, projection, Select COUNT.
	out := query(&dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("attribute_exists(nosuch)"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":p": s(asg)}})
	if out.Count != 0 || out.ScannedCount != 4 {
		t.Errorf("filter: count %d scanned %d", out.Count, out.ScannedCount)
	}
	out = query(&dynamodb.QueryInput{Select: ddb.SelectCount})
	if out.Count != 3 || out.Items != nil {
		t.Errorf("COUNT: %d, %v", out.Count, out.Items)
	}
	out = query(&dynamodb.QueryInput{ProjectionExpression: aws.String("sk")})
	if len(out.Items[0]) != 1 {
		t.Errorf("projection: %v", out.Items[0])
	}

	for _, tc := range []struct{ cond, message string }{
		{"sk = :u", "Query condition missed key schema element: pk"},
		{"pk = :p OR sk = :u", "Invalid operator used in KeyConditionExpression: OR"},
		{"pk > :p", "Query key condition not supported"},
		{"pk = :p AND contains(sk, :u)", "Invalid operator used in KeyConditionExpression: contains"},
		{"pk = :p AND seconds = :u", "Query condition missed key schema element: pk"},
		{"pk = :p AND pk = :u", "KeyConditionExpressions must only contain one condition per key"},
	} {
		v := map[string]ddb.AttributeValue{}
		for k, x := range vals {
			if strings.Contains(tc.cond, k) {
				v[k] = x
			}
		}
		_, err := db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String(tc.cond), ExpressionAttributeValues: v})
		wantAPIError(t, err, "ValidationException", tc.message)
	}
	_, err := db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("sk = :u"), ExpressionAttributeValues: vals})
	wantAPIError(t, err, "ValidationException", "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk")
	_, err = db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :n"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":n": n("1")}})
	wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid: Condition parameter type does not match schema type")
	_, err = db.Query(ctx, &dynamodb.QueryInput{TableName: table})
	wantAPIError(t, err, "ValidationException", "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
}

// TestDynamoDBNumberKeys: numbers sort by value, not as strings.
func TestDynamoDBNumberKeys(t *testing.T) {
	_, u := startSandbox(t, Options{})
	db := dynamodb.NewFromConfig(sdkConfig(t, u))
	ctx := context.Background()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("nums"),
		AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddb.ScalarAttributeTypeS}, {AttributeName: aws.String("v"), AttributeType: ddb.ScalarAttributeTypeN}},
		KeySchema:            []ddb.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddb.KeyTypeHash}, {AttributeName: aws.String("v"), KeyType: ddb.KeyTypeRange}},
		BillingMode:          ddb.BillingModeProvisioned, ProvisionedThroughput: &ddb.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"10", "9", "-1", "1e2", "0.5", "-20.25"} {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nums"), Item: map[string]ddb.AttributeValue{"id": s("x"), "v": n(v)}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("nums"), KeyConditionExpression: aws.String("id = :x AND v BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":x": s("x"), ":lo": n("-1"), ":hi": n("100.0")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, it["v"].(*ddb.AttributeValueMemberN).Value)
	}
	if strings.Join(got, " ") != "-1 0.5 9 10 100" {
		t.Errorf("numeric order: %v", got)
	}
	for _, tc := range []struct{ v, message string }{
		{"abc", "The parameter cannot be converted to a numeric value: abc"},
		{"1e126", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"1e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{"1234567890123456789012345678901234567890", "Attempting to store more than 38 significant digits in a Number"},
	} {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nums"), Item: map[string]ddb.AttributeValue{"id": s("x"), "v": n(tc.v)}})
		wantAPIError(t, err, "ValidationException", tc.message)
	}
}

// TestDynamoDBPages: the 1 MB page, Scan pagination and segments.
func TestDynamoDBPages(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	table := aws.String("keyless-elevation")
	big := strings.Repeat("x", 300*1024)
	for i := range 5 {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: map[string]ddb.AttributeValue{"pk": s("p"), "sk": s(fmt.Sprint(i)), "data": s(big)}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: table})
	if err != nil {
		t.Fatal(err)
	}
	// 300 KB items: the fourth takes the page past 1 MB.
	if out.Count != 4 || out.LastEvaluatedKey == nil {
		t.Fatalf("first page: %d items, LastEvaluatedKey %v", out.Count, out.LastEvaluatedKey)
	}
	out, err = db.Scan(ctx, &dynamodb.ScanInput{TableName: table, ExclusiveStartKey: out.LastEvaluatedKey})
	if err != nil || out.Count != 1 || out.LastEvaluatedKey != nil {
		t.Fatalf("second page: %v, %v", out, err)
	}
	// Too large an item.
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: map[string]ddb.AttributeValue{"pk": s("p"), "sk": s("big"), "data": s(strings.Repeat("x", 400*1024))}})
	wantAPIError(t, err, "ValidationException", "Item size has exceeded the maximum allowed size")
	// Segments partition the table.
	for i := range 20 {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key(fmt.Sprint("q", i), "s")}); err != nil {
			t.Fatal(err)
		}
	}
	total := int32(0)
	for seg := range int32(3) {
		p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: table, Segment: aws.Int32(seg), TotalSegments: aws.Int32(3), ProjectionExpression: aws.String("pk")})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			total += out.Count
		}
	}
	if total != 25 {
		t.Errorf("segments hold %d items, want 25", total)
	}
	_, err = db.Scan(ctx, &dynamodb.ScanInput{TableName: table, Segment: aws.Int32(3), TotalSegments: aws.Int32(3)})
	wantAPIError(t, err, "ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3")
}
