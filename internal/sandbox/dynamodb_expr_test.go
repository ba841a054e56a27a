package sandbox

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// exprItems are the items the expression tests filter.
func exprItems() []map[string]ddb.AttributeValue {
	return []map[string]ddb.AttributeValue{
		{"pk": s("p"), "sk": s("a"), "n": n("10"), "name": s("alpha"), "tags": &ddb.AttributeValueMemberSS{Value: []string{"x", "y"}},
			"m": &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{"deep": n("1")}}, "l": &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{s("first"), n("2")}}},
		{"pk": s("p"), "sk": s("b"), "n": n("9.5"), "name": s("beta"), "flag": &ddb.AttributeValueMemberBOOL{Value: true}},
		{"pk": s("p"), "sk": s("c"), "n": n("-3"), "name": s("gamma"), "nul": &ddb.AttributeValueMemberNULL{Value: true}, "nums": &ddb.AttributeValueMemberNS{Value: []string{"1", "20"}}},
		{"pk": s("p"), "sk": s("d"), "n": s("10"), "bin": &ddb.AttributeValueMemberB{Value: []byte("abc")}},
	}
}

func TestDynamoDBExpressions(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	for _, it := range exprItems() {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("keyless-elevation"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	values := map[string]ddb.AttributeValue{
		":ten": n("10"), ":nine": n("9"), ":zero": n("0"), ":s10": s("10"), ":al": s("al"), ":x": s("x"), ":twenty": n("20"),
		":S": s("S"), ":N": s("N"), ":SS": s("SS"), ":BOOL": s("BOOL"), ":NULL": s("NULL"), ":M": s("M"), ":B": s("B"),
		":first": s("first"), ":ab": &ddb.AttributeValueMemberB{Value: []byte("ab")}, ":one": n("1.0"), ":two": n("2"), ":alpha": s("alpha"), ":beta": s("beta"),
	}
	for _, tc := range []struct {
		filter string
		want   string // the sort keys that match
	}{
		{"n = :ten", "a"},
		{"n = :s10", "d"}, // types differ: a number is never a string
		{"n <> :ten", "bcd"},
		{"n > :nine", "ab"},
		{"n >= :ten", "a"},
		{"n < :zero", "c"},
		{"n <= :ten", "abc"},
		{"n BETWEEN :zero AND :ten", "ab"},
		{"n IN (:ten, :s10)", "ad"},
		{"#nm IN (:alpha, :beta)", "ab"},
		{"NOT n = :ten", "bcd"},
		{"n = :ten OR flag = flag", "ab"},
		{"(n = :ten OR n < :zero) AND attribute_exists(#nm)", "ac"},
		{"n = :ten AND (attribute_exists(tags) OR attribute_exists(bin))", "a"},
		{"NOT (n = :ten OR n = :s10)", "bc"},
		{"attribute_exists(m.deep)", "a"},
		{"attribute_not_exists(#nm)", "d"},
		{"attribute_type(n, :N)", "abc"},
		{"attribute_type(n, :S)", "d"},
		{"attribute_type(tags, :SS) OR attribute_type(flag, :BOOL) OR attribute_type(nul, :NULL)", "abc"},
		{"attribute_type(m, :M) AND attribute_type(bin, :B)", ""},
		{"begins_with(#nm, :al)", "a"},
		{"begins_with(bin, :ab)", "d"},
		{"contains(#nm, :al)", "a"},
		{"contains(tags, :x)", "a"},
		{"contains(nums, :twenty)", "c"},
		{"contains(l, :first)", "a"},
		{"contains(l, :two)", "a"},
		{"size(#nm) = :ten", ""},
		{"size(#nm) > :nine OR size(tags) = :two", "a"},
		{"size(bin) BETWEEN :two AND :ten", "d"},
		{"l[0] = :first AND l[1] = :two", "a"},
		{"m.deep = :one", "a"}, // numbers compare by value: 1 = 1.0
		{"n = n", "abcd"},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			used := map[string]ddb.AttributeValue{}
			for k, v := range values {
				if strings.Contains(tc.filter+" ", k+" ") || strings.Contains(tc.filter, k+")") || strings.Contains(tc.filter, k+",") {
					used[k] = v
				}
			}
			in := &dynamodb.ScanInput{TableName: aws.String("keyless-elevation"), FilterExpression: aws.String(tc.filter), ExpressionAttributeValues: used}
			if len(used) == 0 {
				in.ExpressionAttributeValues = nil
			}
			if strings.Contains(tc.filter, "#nm") {
				in.ExpressionAttributeNames = map[string]string{"#nm": "name"}
			}
			out, err := db.Scan(ctx, in)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			var got []string
			for _, it := range out.Items {
				got = append(got, it["sk"].(*ddb.AttributeValueMemberS).Value)
			}
			slices.Sort(got)
			if strings.Join(got, "") != tc.want || out.ScannedCount != 4 {
				t.Errorf("matched %q (scanned %d), want %q", strings.Join(got, ""), out.ScannedCount, tc.want)
			}
		})
	}
}

func TestDynamoDBExpressionErrors(t *testing.T) {
	_, db := newDynamoTable(t)
	ctx := context.Background()
	v := map[string]ddb.AttributeValue{":v": s("x")}
	for _, tc := range []struct {
		name    string
		in      *dynamodb.ScanInput
		message string
	}{
		{"syntax", &dynamodb.ScanInput{FilterExpression: aws.String("a = = :v"), ExpressionAttributeValues: v},
			`Invalid FilterExpression: Syntax error; token: "=", near: "= = :v"`},
		{"end of input", &dynamodb.ScanInput{FilterExpression: aws.String("a = :v AND"), ExpressionAttributeValues: v},
			`Invalid FilterExpression: Syntax error; token: "<EOF>", near: "AND"`},
		{"unbalanced", &dynamodb.ScanInput{FilterExpression: aws.String("(a = :v"), ExpressionAttributeValues: v},
			`Invalid FilterExpression: Syntax error; token: "<EOF>", near: ":v"`},
		{"reserved word", &dynamodb.ScanInput{FilterExpression: aws.String("status = :v"), ExpressionAttributeValues: v},
			"Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: status"},
		{"undefined value", &dynamodb.ScanInput{FilterExpression: aws.String("a = :w"), ExpressionAttributeValues: v},
			"Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :w"},
		{"undefined name", &dynamodb.ScanInput{FilterExpression: aws.String("#a = :v"), ExpressionAttributeValues: v},
			"Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #a"},
		{"unused value", &dynamodb.ScanInput{FilterExpression: aws.String("attribute_exists(a)"), ExpressionAttributeValues: v},
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"},
		{"unused name", &dynamodb.ScanInput{FilterExpression: aws.String("a = :v"), ExpressionAttributeValues: v, ExpressionAttributeNames: map[string]string{"#b": "b"}},
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"},
		{"names without expressions", &dynamodb.ScanInput{ExpressionAttributeNames: map[string]string{"#b": "b"}},
			"ExpressionAttributeNames can only be specified when using expressions"},
		{"unknown function", &dynamodb.ScanInput{FilterExpression: aws.String("starts_with(a, :v)"), ExpressionAttributeValues: v},
			"Invalid FilterExpression: Invalid function name; function: starts_with"},
		{"begins_with a number", &dynamodb.ScanInput{FilterExpression: aws.String("begins_with(a, :n)"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":n": n("1")}},
			"Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"bad type name", &dynamodb.ScanInput{FilterExpression: aws.String("attribute_type(a, :v)"), ExpressionAttributeValues: v},
			"Invalid FilterExpression: Invalid attribute type name found; type: x, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }"},
		{"BETWEEN bounds", &dynamodb.ScanInput{FilterExpression: aws.String("a BETWEEN :hi AND :lo"), ExpressionAttributeValues: map[string]ddb.AttributeValue{":hi": n("2"), ":lo": n("1")}},
			"Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}"},
		{"empty", &dynamodb.ScanInput{FilterExpression: aws.String(" ")}, "Invalid FilterExpression: The expression can not be empty;"},
		{"bad character", &dynamodb.ScanInput{FilterExpression: aws.String("a = :v;"), ExpressionAttributeValues: v},
			"Invalid FilterExpression: Invalid character encountered; character: ;"},
		{"projection reserved", &dynamodb.ScanInput{ProjectionExpression: aws.String("pk, comment")},
			"Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: comment"},
		{"legacy", &dynamodb.ScanInput{ScanFilter: map[string]ddb.Condition{"a": {ComparisonOperator: ddb.ComparisonOperatorNull}}},
			"ScanFilter is a legacy parameter the sandbox's DynamoDB does not take: use FilterExpression (docs/sandbox.md, DynamoDB)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.TableName = aws.String("keyless-elevation")
			_, err := db.Scan(ctx, tc.in)
			wantAPIError(t, err, "ValidationException", tc.message)
		})
	}
}

// FuzzDynamoDBExpression: any expression text parses or is refused with a
// ValidationException, and what parses evaluates on an item, never a panic.
func FuzzDynamoDBExpression(f *testing.F) {
	for _, s := range []string{"a = :v", "NOT (a.b[1] BETWEEN :n AND :n) OR begins_with(#n, :v)", "size(l) > :n AND contains(s, :v)",
		"a IN (:v, :n)", "SET a = a + :n, l = list_append(l, :l) REMOVE b[0] ADD s :s DELETE t :s", "SET a = if_not_exists(a, :n)",
		"a, b.c, l[2]", "attribute_type(a, :v)", "((a = :v))", "a[", "#n.#n[0].x <> :l", "SET a.b = :m"} {
		f.Add(s)
	}
	item := dynItem{"a": {T: "N", S: "1"}, "b": {T: "M", M: map[string]*dynAttr{"c": {T: "S", S: "x"}}},
		"l": {T: "L", L: []*dynAttr{{T: "S", S: "x"}, {T: "N", S: "2"}}}, "s": {T: "SS", Set: []string{"x"}}}
	f.Fuzz(func(t *testing.T, src string) {
		newEnv := func() *dynExprEnv {
			return newDynExprEnv(map[string]string{"#n": "b"}, map[string]*dynAttr{":v": {T: "S", S: "x"}, ":n": {T: "N", S: "2"},
				":l": {T: "L", L: []*dynAttr{{T: "BOOL", Bool: true}}}, ":s": {T: "SS", Set: []string{"y"}}, ":m": {T: "M", M: map[string]*dynAttr{}}})
		}
		check := func(err error) {
			if err != nil && asAPIError(err).Code != "ValidationException" {
				t.Fatalf("%q: %v", src, err)
			}
		}
		if p, err := newEnv().parser("ConditionExpression", src); err == nil {
			c, err := p.condition()
			check(err)
			if err == nil {
				c.holds(item)
				c.holds(nil)
			}
		}
		if p, err := newEnv().parser("UpdateExpression", src); err == nil {
			u, err := p.update()
			check(err)
			if err == nil {
				check(u.apply(item.clone(), item))
			}
		}
		if p, err := newEnv().parser("ProjectionExpression", src); err == nil {
			paths, err := p.projection()
			check(err)
			if err == nil {
				project(item, paths)
			}
		}
	})
}
