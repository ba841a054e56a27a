package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DynamoDB's batch and transaction operations: BatchWriteItem,
// BatchGetItem, TransactWriteItems and TransactGetItems, with botocore's
// limits (25 writes per batch, 100 keys per batch read, 100 items per
// transaction) and DynamoDB's checks: every table found before anything
// is written, no key twice, a transaction all or nothing
// (TransactionCanceledException with one reason per item). Not kept: a
// transaction's ClientRequestToken (a retry runs again), capacity.
//
// IAM (authz.go, dynamoChecks): a batch is its own action on each table;
// a transaction is its items' actions (PutItem, UpdateItem, DeleteItem,
// ConditionCheckItem, GetItem), each with its item's fine-grained keys
// and dynamodb:EnclosingOperation, as the developer guide's "Using IAM
// with DynamoDB transactions" says.

// Limits of the operations (botocore's model, DynamoDB's developer
// guide).
const (
	dynBatchWriteMax    = 25
	dynBatchGetMax      = 100
	dynBatchGetBytesMax = 16 << 20
	dynTransactMax      = 100
	dynTransactBytesMax = 4 << 20
)

type dynWriteRequest struct {
	PutRequest *struct {
		Item dynItem `json:"Item"`
	} `json:"PutRequest"`
	DeleteRequest *struct {
		Key dynItem `json:"Key"`
	} `json:"DeleteRequest"`
}

// itemRequest is the write as an item operation: its IAM action and
// request.
func (w dynWriteRequest) itemRequest(table string) (string, *dynItemIn, error) {
	switch {
	case w.PutRequest != nil && w.DeleteRequest == nil:
		return "PutItem", &dynItemIn{TableName: &table, Item: w.PutRequest.Item}, nil
	case w.DeleteRequest != nil && w.PutRequest == nil:
		return "DeleteItem", &dynItemIn{TableName: &table, Key: w.DeleteRequest.Key}, nil
	}
	return "", nil, errValidation("Supplied WriteRequest must have exactly one of PutRequest or DeleteRequest")
}

type dynBatchWriteIn struct {
	RequestItems map[string][]dynWriteRequest `json:"RequestItems"`
}

type dynKeysAndAttributes struct {
	Keys                     []dynItem         `json:"Keys"`
	ProjectionExpression     *string           `json:"ProjectionExpression,omitempty"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames,omitempty"`
	AttributesToGet          []string          `json:"AttributesToGet,omitempty"`
	ConsistentRead           *bool             `json:"ConsistentRead,omitempty"`
}

// itemRequest is the read of one key as a GetItem.
func (ka *dynKeysAndAttributes) itemRequest(table string, key dynItem) *dynItemIn {
	return &dynItemIn{TableName: &table, Key: key, ProjectionExpression: ka.ProjectionExpression,
		ExpressionAttributeNames: ka.ExpressionAttributeNames, AttributesToGet: ka.AttributesToGet}
}

type dynBatchGetIn struct {
	RequestItems map[string]*dynKeysAndAttributes `json:"RequestItems"`
}

// checkBatchTables checks a batch's map of tables: 1 to max tables.
func checkBatchTables(tables []string, max int) error {
	if len(tables) < 1 || len(tables) > max {
		return errConstraint("requestItems", fmt.Sprintf("{%d tables}", len(tables)), fmt.Sprintf("Member must have length less than or equal to %d, Member must have length greater than or equal to 1", max))
	}
	return nil
}

// batchTable is a batch's table; a missing one is named as batches name
// it.
func (c *call) batchTable(name string) (*DynamoTable, error) {
	t, err := c.dynTable(&name)
	if err != nil && asAPIError(err).Code == "ResourceNotFoundException" {
		return nil, errNotFound("Requested resource not found")
	}
	return t, err
}

// dynKeySet finds a key given twice in one request.
type dynKeySet map[*DynamoTable][]dynItem

func (s dynKeySet) add(t *DynamoTable, key dynItem) bool {
	if slices.ContainsFunc(s[t], func(k dynItem) bool { return t.compareKeys(k, key) == 0 }) {
		return false
	}
	s[t] = append(s[t], key)
	return true
}

func dynBatchWriteItem(c *call, in *dynBatchWriteIn) (any, error) {
	if in.RequestItems == nil {
		return nil, errRequired("requestItems")
	}
	tables := slices.Sorted(maps.Keys(in.RequestItems))
	if err := checkBatchTables(tables, dynBatchWriteMax); err != nil {
		return nil, err
	}
	n := 0
	for _, name := range tables {
		reqs := in.RequestItems[name]
		if len(reqs) < 1 || len(reqs) > dynBatchWriteMax {
			return nil, errConstraint("requestItems", fmt.Sprintf("{%s=[%d requests]}", truncate(name, 100), len(reqs)), "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
		}
		n += len(reqs)
	}
	if n > dynBatchWriteMax {
		return nil, errValidation("Too many items requested for the BatchWriteItem call")
	}
	// Everything is checked before anything is written.
	type write struct {
		t   *DynamoTable
		put dynItem
		key dynItem
	}
	var writes []write
	seen := dynKeySet{}
	for _, name := range tables {
		t, err := c.batchTable(name)
		if err != nil {
			return nil, err
		}
		for _, r := range in.RequestItems[name] {
			op, ir, err := r.itemRequest(name)
			if err != nil {
				return nil, err
			}
			w := write{t: t}
			if op == "PutItem" {
				if err := t.checkItem(ir.Item); err != nil {
					return nil, err
				}
				w.put, w.key = ir.Item.clone(), t.keyOf(ir.Item)
			} else {
				if err := t.checkKey(ir.Key); err != nil {
					return nil, err
				}
				w.key = ir.Key
			}
			if !seen.add(t, w.key) {
				return nil, errValidation("Provided list of item keys contains duplicates")
			}
			writes = append(writes, w)
		}
	}
	for _, w := range writes {
		if w.put == nil {
			w.t.delete(w.key)
		} else if err := w.t.store(w.put); err != nil {
			return nil, err
		}
	}
	return map[string]any{"UnprocessedItems": map[string]any{}}, nil
}

func dynBatchGetItem(c *call, in *dynBatchGetIn) (any, error) {
	if in.RequestItems == nil {
		return nil, errRequired("requestItems")
	}
	tables := slices.Sorted(maps.Keys(in.RequestItems))
	if err := checkBatchTables(tables, dynBatchGetMax); err != nil {
		return nil, err
	}
	n := 0
	for _, name := range tables {
		ka := in.RequestItems[name]
		if ka == nil || ka.Keys == nil {
			return nil, errRequired("requestItems." + truncate(name, 100) + ".member.keys")
		}
		if len(ka.Keys) < 1 || len(ka.Keys) > dynBatchGetMax {
			return nil, errConstraint("requestItems."+truncate(name, 100)+".member.keys", fmt.Sprintf("[%d keys]", len(ka.Keys)), "Member must have length less than or equal to 100, Member must have length greater than or equal to 1")
		}
		n += len(ka.Keys)
	}
	if n > dynBatchGetMax {
		return nil, errValidation("Too many items requested for the BatchGetItem call")
	}
	type read struct {
		t    *DynamoTable
		proj []dynPath
	}
	reads := map[string]read{}
	seen := dynKeySet{}
	for _, name := range tables {
		t, err := c.batchTable(name)
		if err != nil {
			return nil, err
		}
		ka := in.RequestItems[name]
		x, err := ka.itemRequest(name, nil).parseExprs()
		if err != nil {
			return nil, err
		}
		for _, k := range ka.Keys {
			if err := t.checkKey(k); err != nil {
				return nil, err
			}
			if !seen.add(t, k) {
				return nil, errValidation("Provided list of item keys contains duplicates")
			}
		}
		reads[name] = read{t, x.projection}
	}
	// One reply holds at most 16 MB; the keys past it are unprocessed, to
	// be asked again.
	responses, unprocessed := map[string][]dynItem{}, map[string]any{}
	size := 0
	for _, name := range tables {
		r, ka := reads[name], in.RequestItems[name]
		items := []dynItem{}
		var left []dynItem
		for _, k := range ka.Keys {
			if size >= dynBatchGetBytesMax {
				left = append(left, k)
				continue
			}
			if it := r.t.get(k); it != nil {
				it = project(it, r.proj)
				size += it.size()
				items = append(items, it)
			}
		}
		responses[name] = items
		if left != nil {
			rest := *ka
			rest.Keys = left
			unprocessed[name] = rest
		}
	}
	return map[string]any{"Responses": responses, "UnprocessedKeys": unprocessed}, nil
}

type dynTransactWriteItem struct {
	ConditionCheck *dynItemIn `json:"ConditionCheck"`
	Put            *dynItemIn `json:"Put"`
	Delete         *dynItemIn `json:"Delete"`
	Update         *dynItemIn `json:"Update"`
}

// itemRequest is the item's one operation, as its IAM action, and its
// request.
func (ti dynTransactWriteItem) itemRequest() (string, *dynItemIn, error) {
	var op string
	var in *dynItemIn
	n := 0
	for _, o := range []struct {
		op string
		in *dynItemIn
	}{{"ConditionCheckItem", ti.ConditionCheck}, {"PutItem", ti.Put}, {"DeleteItem", ti.Delete}, {"UpdateItem", ti.Update}} {
		if o.in != nil {
			n, op, in = n+1, o.op, o.in
		}
	}
	if n != 1 {
		return "", nil, errValidation("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	return op, in, nil
}

type dynTransactWriteIn struct {
	TransactItems      []dynTransactWriteItem `json:"TransactItems"`
	ClientRequestToken *string                `json:"ClientRequestToken"`
}

type dynTransactGetIn struct {
	TransactItems []struct {
		Get *dynItemIn `json:"Get"`
	} `json:"TransactItems"`
}

// checkTransactCount checks a transaction's 1 to 100 items.
func checkTransactCount(n int) error {
	if n < 1 || n > dynTransactMax {
		return errConstraint("transactItems", fmt.Sprintf("[%d items]", n), "Member must have length less than or equal to 100, Member must have length greater than or equal to 1")
	}
	return nil
}

var errDynSameItem = errValidation("Transaction request cannot include multiple operations on one item")

func dynTransactWriteItems(c *call, in *dynTransactWriteIn) (any, error) {
	if in.TransactItems == nil {
		return nil, errRequired("transactItems")
	}
	if err := checkTransactCount(len(in.TransactItems)); err != nil {
		return nil, err
	}
	if tok := in.ClientRequestToken; tok != nil && (len(*tok) < 1 || len(*tok) > 36) {
		return nil, errConstraint("clientRequestToken", truncate(*tok, 100), "Member must have length less than or equal to 36, Member must have length greater than or equal to 1")
	}
	type write struct {
		t    *DynamoTable
		op   string
		in   *dynItemIn
		x    *dynExprs
		key  dynItem
		next dynItem // the item written (PutItem, UpdateItem)
	}
	// First every item's checks, then every condition on the items as
	// they are, then all the writes or none.
	writes := make([]write, len(in.TransactItems))
	seen := dynKeySet{}
	size := 0
	for i, ti := range in.TransactItems {
		op, ir, err := ti.itemRequest()
		if err != nil {
			return nil, err
		}
		w := write{op: op, in: ir}
		exprs := []string{"ConditionExpression"}
		if op == "UpdateItem" {
			exprs = append(exprs, "UpdateExpression")
		}
		if w.t, _, w.x, err = c.itemRequest(ir, op, nil, exprs...); err != nil {
			return nil, err
		}
		// ReturnValuesOnConditionCheckFailure's value.
		if err := ir.checkCondition(&dynExprs{}, nil); err != nil {
			return nil, err
		}
		switch {
		case op == "ConditionCheckItem" && w.x.condition == nil:
			return nil, errRequired(fmt.Sprintf("transactItems.%d.member.conditionCheck.conditionExpression", i+1))
		case op == "UpdateItem" && w.x.update == nil:
			return nil, errRequired(fmt.Sprintf("transactItems.%d.member.update.updateExpression", i+1))
		}
		if err := w.t.checkUpdateKeys(w.x); err != nil {
			return nil, err
		}
		if op == "PutItem" {
			w.key, w.next = w.t.keyOf(ir.Item), ir.Item.clone()
			size += ir.Item.size()
		} else {
			w.key = ir.Key
		}
		if !seen.add(w.t, w.key) {
			return nil, errDynSameItem
		}
		writes[i] = w
	}
	reasons := make([]map[string]any, len(writes))
	cancelled := false
	for i := range writes {
		w := &writes[i]
		old := w.t.get(w.key)
		reasons[i] = map[string]any{"Code": "None"}
		err := w.in.checkCondition(w.x, old)
		if err == nil && w.op == "UpdateItem" {
			if w.next, err = w.t.updated(w.x, w.key, old); err == nil {
				size += w.next.size()
			}
		}
		if err == nil {
			continue
		}
		ae := asAPIError(err)
		switch ae.Code {
		case "ConditionalCheckFailedException":
			reasons[i] = map[string]any{"Code": "ConditionalCheckFailed", "Message": ae.Message}
			if it, ok := ae.Fields["Item"]; ok {
				reasons[i]["Item"] = it
			}
		case "ValidationException": // the update's (updated)
			reasons[i] = map[string]any{"Code": "ValidationError", "Message": ae.Message}
		default:
			return nil, err
		}
		cancelled = true
	}
	if cancelled {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = r["Code"].(string)
		}
		e := newError(400, "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", "))
		e.Fields = map[string]any{"CancellationReasons": reasons}
		return nil, e
	}
	if size > dynTransactBytesMax {
		return nil, errValidation("Transaction size has exceeded the maximum allowed size of 4 MB")
	}
	// The sandbox's bounds can still refuse a write: then the tables go
	// back to how they were.
	type saved struct {
		items []dynItem
		bytes int
	}
	before := map[*DynamoTable]saved{}
	for _, w := range writes {
		if _, ok := before[w.t]; !ok {
			before[w.t] = saved{slices.Clone(w.t.Items), w.t.bytes}
		}
	}
	for _, w := range writes {
		var err error
		switch w.op {
		case "PutItem", "UpdateItem":
			err = w.t.store(w.next)
		case "DeleteItem":
			w.t.delete(w.key)
		}
		if err != nil {
			for t, s := range before {
				t.Items, t.bytes = s.items, s.bytes
			}
			return nil, err
		}
	}
	return map[string]any{}, nil
}

func dynTransactGetItems(c *call, in *dynTransactGetIn) (any, error) {
	if in.TransactItems == nil {
		return nil, errRequired("transactItems")
	}
	if err := checkTransactCount(len(in.TransactItems)); err != nil {
		return nil, err
	}
	seen := dynKeySet{}
	type get struct {
		t    *DynamoTable
		key  dynItem
		proj []dynPath
	}
	gets := make([]get, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, errRequired(fmt.Sprintf("transactItems.%d.member.get", i+1))
		}
		t, _, x, err := c.itemRequest(ti.Get, "GetItem", nil, "ProjectionExpression")
		if err != nil {
			return nil, err
		}
		if !seen.add(t, ti.Get.Key) {
			return nil, errDynSameItem
		}
		gets[i] = get{t, ti.Get.Key, x.projection}
	}
	out := make([]map[string]any, len(gets))
	for i, g := range gets {
		out[i] = map[string]any{}
		if it := g.t.get(g.key); it != nil {
			out[i]["Item"] = project(it, g.proj)
		}
	}
	return map[string]any{"Responses": out}, nil
}
