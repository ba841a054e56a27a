package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// IAM evaluation of DynamoDB's operations that act on several items or
// tables (authz.go's checksOf), and the operations the sandbox does not
// serve: AWS evaluates IAM before anything else, so a session without the
// permission is refused with AccessDenied naming the table, whatever the
// sandbox would then do with the call.

// dynNotServed are botocore's DynamoDB operations the sandbox does not
// serve. Each is authorized as AWS would (a PartiQL statement as its
// dynamodb:PartiQL* action on its table; any other on its TableName or
// ResourceArn, else "*"), then refused as not served.
var dynNotServed = []string{
	"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
	"CreateBackup", "CreateGlobalTable", "DeleteBackup", "DeleteResourcePolicy", "DescribeBackup",
	"DescribeContributorInsights", "DescribeEndpoints", "DescribeExport", "DescribeGlobalTable",
	"DescribeGlobalTableSettings", "DescribeImport", "DescribeKinesisStreamingDestination", "DescribeLimits",
	"DescribeTableReplicaAutoScaling", "DescribeTimeToLive", "DisableKinesisStreamingDestination",
	"EnableKinesisStreamingDestination", "ExportTableToPointInTime", "GetResourcePolicy", "ImportTable",
	"ListBackups", "ListContributorInsights", "ListExports", "ListGlobalTables", "ListImports", "PutResourcePolicy",
	"RestoreTableFromBackup", "RestoreTableToPointInTime", "UpdateContributorInsights", "UpdateGlobalTable",
	"UpdateGlobalTableSettings", "UpdateKinesisStreamingDestination", "UpdateTableReplicaAutoScaling", "UpdateTimeToLive",
}

// notServedOp answers an operation the sandbox does not serve, once IAM
// allowed it.
func notServedOp(name string) jsonOp {
	return func(*call, []byte) (any, error) {
		return nil, newError(400, "UnknownOperationException", "the sandbox's DynamoDB does not serve %s (docs/sandbox.md, DynamoDB)", name)
	}
}

// dynResource is the ARN of a table a request names by name or ARN.
func (c *call) dynResource(account, table string) string {
	if strings.HasPrefix(table, "arn:") {
		return table
	}
	return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", c.partition(), c.region, account, table)
}

// dynamoChecks are the evaluations of DynamoDB's batch, transaction and
// PartiQL operations; ok is false for any other call (one action on one
// resource) and for a body that does not parse (the operation refuses
// it).
func (c *call) dynamoChecks(action, account string) (checks []authzCheck, ok bool) {
	service, op, _ := strings.Cut(action, ":")
	if service != "dynamodb" {
		return nil, false
	}
	switch op {
	case "BatchWriteItem":
		var in dynBatchWriteIn
		if json.Unmarshal(c.body, &in) != nil {
			return nil, false
		}
		for _, table := range slices.Sorted(maps.Keys(in.RequestItems)) {
			var ctx map[string][]string
			for _, r := range in.RequestItems[table] {
				if itemOp, ir, err := r.itemRequest(table); err == nil {
					ctx = mergeDynContext(ctx, c.dynItemContext(itemOp, ir))
				}
			}
			checks = append(checks, authzCheck{action: action, resource: c.dynResource(account, table), context: ctx})
		}
	case "BatchGetItem":
		var in dynBatchGetIn
		if json.Unmarshal(c.body, &in) != nil {
			return nil, false
		}
		for _, table := range slices.Sorted(maps.Keys(in.RequestItems)) {
			var ctx map[string][]string
			if ka := in.RequestItems[table]; ka != nil {
				for _, k := range ka.Keys {
					ctx = mergeDynContext(ctx, c.dynItemContext("GetItem", ka.itemRequest(table, k)))
				}
			}
			checks = append(checks, authzCheck{action: action, resource: c.dynResource(account, table), context: ctx})
		}
	case "TransactWriteItems":
		var in dynTransactWriteIn
		if json.Unmarshal(c.body, &in) != nil {
			return nil, false
		}
		for _, ti := range in.TransactItems {
			itemOp, ir, err := ti.itemRequest()
			if err != nil || ir.TableName == nil {
				continue // refused by the operation
			}
			checks = append(checks, c.transactCheck(account, op, itemOp, ir))
		}
	case "TransactGetItems":
		var in dynTransactGetIn
		if json.Unmarshal(c.body, &in) != nil {
			return nil, false
		}
		for _, ti := range in.TransactItems {
			if ti.Get != nil && ti.Get.TableName != nil {
				checks = append(checks, c.transactCheck(account, op, "GetItem", ti.Get))
			}
		}
	case "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction":
		var in struct {
			Statement          string
			Statements         []struct{ Statement string }
			TransactStatements []struct{ Statement string }
		}
		if json.Unmarshal(c.body, &in) != nil {
			return nil, false
		}
		stmts := []string{in.Statement}
		for _, s := range in.Statements {
			stmts = append(stmts, s.Statement)
		}
		for _, s := range in.TransactStatements {
			stmts = append(stmts, s.Statement)
		}
		for _, s := range stmts {
			if kind, table, index, ok := partiQLTarget(s); ok {
				resource := c.dynResource(account, table)
				if index != "" {
					resource += "/index/" + index
				}
				checks = append(checks, authzCheck{action: "dynamodb:PartiQL" + kind, resource: resource})
			}
		}
	default:
		return nil, false
	}
	return checks, true
}

// transactCheck is one transaction item's evaluation: its item
// operation's action, with its keys and dynamodb:EnclosingOperation.
func (c *call) transactCheck(account, enclosing, itemOp string, in *dynItemIn) authzCheck {
	ctx := c.dynItemContext(itemOp, in)
	ctx["dynamodb:enclosingoperation"] = []string{enclosing}
	return authzCheck{action: "dynamodb:" + itemOp, resource: c.dynResource(account, *in.TableName), context: ctx}
}

// mergeDynContext adds b's values to a's: a batch's keys on one table are
// every item's (dynamodb:LeadingKeys, every partition it writes or reads;
// dynamodb:Attributes, every name). ReturnValues has no meaning in a
// batch.
func mergeDynContext(a, b map[string][]string) map[string][]string {
	if a == nil {
		a = map[string][]string{}
	}
	for k, v := range b {
		if k == "dynamodb:returnvalues" {
			continue
		}
		a[k] = slices.Compact(slices.Sorted(slices.Values(append(a[k], v...))))
	}
	return a
}

// partiQLStatement reads what IAM needs of a PartiQL statement: its kind
// and the table (and index) it names, quoted or not.
var partiQLStatement = lazyRegexp(`(?is)^\s*(?:(select)\s.*?\sfrom|(insert)\s+into|(update)|(delete)\s+from)\s+("(?:[^"]|"")+"|[a-z0-9_.-]+)(?:\s*\.\s*("(?:[^"]|"")+"|[a-z0-9_-]+))?`)

// partiQLTarget is a statement's IAM action suffix (Select, Insert,
// Update, Delete), table and index; ok is false for a statement it cannot
// read.
func partiQLTarget(stmt string) (kind, table, index string, ok bool) {
	m := partiQLStatement.FindStringSubmatch(stmt)
	if m == nil {
		return "", "", "", false
	}
	for _, k := range m[1:5] {
		if k != "" {
			kind = strings.ToUpper(k[:1]) + strings.ToLower(k[1:])
		}
	}
	unquote := func(s string) string {
		if strings.HasPrefix(s, `"`) {
			return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
		}
		return s
	}
	return kind, unquote(m[5]), unquote(m[6]), true
}
