package sandbox

import (
	"slices"
)

// DynamoDB's item operations: PutItem, GetItem, DeleteItem, UpdateItem,
// with condition, projection and update expressions, ReturnValues and
// ReturnValuesOnConditionCheckFailure. Legacy parameters (Expected,
// AttributeUpdates, ConditionalOperator) are refused: the expression
// forms replace them.

// dynItemIn is the request of the item operations, and of Query and Scan
// (dynamodb_query.go).
type dynItemIn struct {
	TableName                           *string             `json:"TableName"`
	Item                                dynItem             `json:"Item"`
	Key                                 dynItem             `json:"Key"`
	ConditionExpression                 *string             `json:"ConditionExpression"`
	UpdateExpression                    *string             `json:"UpdateExpression"`
	ProjectionExpression                *string             `json:"ProjectionExpression"`
	AttributesToGet                     []string            `json:"AttributesToGet"`
	ExpressionAttributeNames            map[string]string   `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues           map[string]*dynAttr `json:"ExpressionAttributeValues"`
	ReturnValues                        *string             `json:"ReturnValues"`
	ReturnValuesOnConditionCheckFailure *string             `json:"ReturnValuesOnConditionCheckFailure"`
	ConsistentRead                      *bool               `json:"ConsistentRead"`
	ReturnConsumedCapacity              *string             `json:"ReturnConsumedCapacity"`

	// Query and Scan.
	KeyConditionExpression *string `json:"KeyConditionExpression"`
	FilterExpression       *string `json:"FilterExpression"`
	Select                 *string `json:"Select"`
	Limit                  *int    `json:"Limit"`
	ExclusiveStartKey      dynItem `json:"ExclusiveStartKey"`
	ScanIndexForward       *bool   `json:"ScanIndexForward"`
	IndexName              *string `json:"IndexName"`
	Segment                *int    `json:"Segment"`
	TotalSegments          *int    `json:"TotalSegments"`

	// Legacy parameters, refused.
	Expected            any `json:"Expected"`
	AttributeUpdates    any `json:"AttributeUpdates"`
	ConditionalOperator any `json:"ConditionalOperator"`
	KeyConditions       any `json:"KeyConditions"`
	QueryFilter         any `json:"QueryFilter"`
	ScanFilter          any `json:"ScanFilter"`
}

// refuseLegacy refuses the parameters the expressions replaced.
func (in *dynItemIn) refuseLegacy() error {
	for _, l := range []struct {
		name, instead string
		v             any
	}{
		{"Expected", "ConditionExpression", in.Expected}, {"AttributeUpdates", "UpdateExpression", in.AttributeUpdates},
		{"ConditionalOperator", "ConditionExpression", in.ConditionalOperator}, {"KeyConditions", "KeyConditionExpression", in.KeyConditions},
		{"QueryFilter", "FilterExpression", in.QueryFilter}, {"ScanFilter", "FilterExpression", in.ScanFilter},
	} {
		if l.v != nil {
			return errValidation("%s is a legacy parameter the sandbox's DynamoDB does not take: use %s (docs/sandbox.md, DynamoDB)", l.name, l.instead)
		}
	}
	if in.IndexName != nil {
		return errValidation("The table does not have the specified index: %s", *in.IndexName)
	}
	return nil
}

// dynExprs are a request's parsed expressions.
type dynExprs struct {
	env        *dynExprEnv
	condition  *dynCond
	filter     *dynCond
	keyCond    *dynCond
	projection []dynPath
	update     *dynUpdate
}

// parseExprs parses every expression the request has and checks the
// placeholders as DynamoDB does.
func (in *dynItemIn) parseExprs() (*dynExprs, error) {
	if err := in.refuseLegacy(); err != nil {
		return nil, err
	}
	if in.ExpressionAttributeNames != nil && len(in.ExpressionAttributeNames) == 0 {
		return nil, errValidation("ExpressionAttributeNames must not be empty")
	}
	if in.ExpressionAttributeValues != nil && len(in.ExpressionAttributeValues) == 0 {
		return nil, errValidation("ExpressionAttributeValues must not be empty")
	}
	for k, v := range in.ExpressionAttributeValues {
		if v == nil {
			return nil, errValidation("ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key %s", k)
		}
	}
	if in.ProjectionExpression != nil && in.AttributesToGet != nil {
		return nil, errValidation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	env := newDynExprEnv(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	x := &dynExprs{env: env}
	hasExpr := false
	cond := func(kind string, src *string, dst **dynCond) error {
		if src == nil {
			return nil
		}
		hasExpr = true
		p, err := env.parser(kind, *src)
		if err != nil {
			return err
		}
		*dst, err = p.condition()
		return err
	}
	if err := cond("KeyConditionExpression", in.KeyConditionExpression, &x.keyCond); err != nil {
		return nil, err
	}
	if err := cond("ConditionExpression", in.ConditionExpression, &x.condition); err != nil {
		return nil, err
	}
	if err := cond("FilterExpression", in.FilterExpression, &x.filter); err != nil {
		return nil, err
	}
	if in.ProjectionExpression != nil {
		hasExpr = true
		p, err := env.parser("ProjectionExpression", *in.ProjectionExpression)
		if err != nil {
			return nil, err
		}
		if x.projection, err = p.projection(); err != nil {
			return nil, err
		}
	}
	for _, name := range in.AttributesToGet {
		x.projection = append(x.projection, dynPath{{name: name}})
		env.topNames[name] = true
	}
	if in.UpdateExpression != nil {
		hasExpr = true
		p, err := env.parser("UpdateExpression", *in.UpdateExpression)
		if err != nil {
			return nil, err
		}
		if x.update, err = p.update(); err != nil {
			return nil, err
		}
	}
	if !hasExpr {
		if in.ExpressionAttributeNames != nil {
			return nil, errValidation("ExpressionAttributeNames can only be specified when using expressions")
		}
		if in.ExpressionAttributeValues != nil {
			return nil, errValidation("ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null")
		}
	}
	return x, env.checkUnused()
}

// checkKeyValue applies the rules of one key attribute's value.
func (t *DynamoTable) checkKeyValue(name string, v *dynAttr, inItem bool) error {
	want := t.keyType(name)
	if v.T != want {
		if inItem {
			return errValidation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", name, want, v.T)
		}
		return errValidation("The provided key element does not match the schema")
	}
	if v.S == "" {
		return errValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", name)
	}
	if name == t.hashKey() && len(v.S) > 2048 {
		return errValidation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	}
	if name == t.rangeKey() && len(v.S) > 1024 {
		return errValidation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return nil
}

// checkKey checks a Key parameter: exactly the table's key attributes.
func (t *DynamoTable) checkKey(key dynItem) error {
	if key == nil {
		return errRequired("key")
	}
	names := []string{t.hashKey()}
	if r := t.rangeKey(); r != "" {
		names = append(names, r)
	}
	if err := key.validate(); err != nil {
		return err
	}
	if len(key) != len(names) {
		return errValidation("The provided key element does not match the schema")
	}
	for _, n := range names {
		v, ok := key[n]
		if !ok {
			return errValidation("The provided key element does not match the schema")
		}
		if err := t.checkKeyValue(n, v, false); err != nil {
			return err
		}
	}
	return nil
}

// checkItem checks a PutItem item: its key attributes and its size.
func (t *DynamoTable) checkItem(it dynItem) error {
	if it == nil {
		return errRequired("item")
	}
	if err := it.validate(); err != nil {
		return err
	}
	for _, n := range []string{t.hashKey(), t.rangeKey()} {
		if n == "" {
			continue
		}
		v, ok := it[n]
		if !ok {
			return errValidation("One or more parameter values were invalid: Missing the key %s in the item", n)
		}
		if err := t.checkKeyValue(n, v, true); err != nil {
			return err
		}
	}
	if it.size() > dynItemMax {
		return errValidation("Item size has exceeded the maximum allowed size")
	}
	return nil
}

// keyOf is an item's primary key.
func (t *DynamoTable) keyOf(it dynItem) dynItem {
	k := dynItem{t.hashKey(): it[t.hashKey()]}
	if r := t.rangeKey(); r != "" {
		k[r] = it[r]
	}
	return k
}

// compareKeys orders two items (or keys) by partition key, then sort key.
func (t *DynamoTable) compareKeys(a, b dynItem) int {
	if n, _ := dynCompare(a[t.hashKey()], b[t.hashKey()]); n != 0 {
		return n
	}
	if r := t.rangeKey(); r != "" {
		n, _ := dynCompare(a[r], b[r])
		return n
	}
	return 0
}

// find is the index of the item with key, or where it would go.
func (t *DynamoTable) find(key dynItem) (int, bool) {
	return slices.BinarySearchFunc(t.Items, key, t.compareKeys)
}

// store puts it in the table (replacing the item with its key) within the
// sandbox's bounds.
func (t *DynamoTable) store(it dynItem) error {
	i, found := t.find(it)
	grow := it.size()
	if found {
		grow -= t.Items[i].size()
	}
	if !found && len(t.Items) >= dynItemsMax || t.bytes+grow > dynTableBytesMax {
		return newError(400, "LimitExceededException", "the sandbox keeps at most %d items and %d MB per table", dynItemsMax, dynTableBytesMax>>20)
	}
	t.bytes += grow
	if found {
		t.Items[i] = it
	} else {
		t.Items = slices.Insert(t.Items, i, it)
	}
	return nil
}

func (t *DynamoTable) delete(key dynItem) dynItem {
	i, found := t.find(key)
	if !found {
		return nil
	}
	old := t.Items[i]
	t.bytes -= old.size()
	t.Items = slices.Delete(t.Items, i, i+1)
	return old
}

func (t *DynamoTable) get(key dynItem) dynItem {
	if i, found := t.find(key); found {
		return t.Items[i]
	}
	return nil
}

// returnValues checks ReturnValues against the values op allows.
func returnValues(v *string, allowed ...string) (string, error) {
	if v == nil {
		return "NONE", nil
	}
	if !slices.Contains([]string{"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}, *v) {
		return "", errConstraint("returnValues", *v, "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")
	}
	if !slices.Contains(allowed, *v) {
		return "", errValidation("Return values set to invalid value")
	}
	return *v, nil
}

// checkCondition evaluates a ConditionExpression on the current item;
// failing, it returns ConditionalCheckFailedException, with the item when
// ReturnValuesOnConditionCheckFailure is ALL_OLD.
func (in *dynItemIn) checkCondition(x *dynExprs, current dynItem) error {
	onFailure := "NONE"
	if v := in.ReturnValuesOnConditionCheckFailure; v != nil {
		if *v != "NONE" && *v != "ALL_OLD" {
			return errConstraint("returnValuesOnConditionCheckFailure", *v, "Member must satisfy enum value set: [ALL_OLD, NONE]")
		}
		onFailure = *v
	}
	if x.condition == nil || x.condition.holds(current) {
		return nil
	}
	e := newError(400, "ConditionalCheckFailedException", "The conditional request failed")
	if onFailure == "ALL_OLD" && current != nil {
		e.Fields = map[string]any{"Item": current}
	}
	return e
}

// dynAttributes is the Attributes member of a reply, omitted when empty.
func dynAttributes(it dynItem) map[string]any {
	if len(it) == 0 {
		return map[string]any{}
	}
	return map[string]any{"Attributes": it}
}

// itemRequest makes the checks every item operation starts with: the
// table, the item (PutItem) or the key, ReturnValues among rvs (none: the
// operation has no ReturnValues), and the expressions, of which only the
// kinds named in allowed may be present.
func (c *call) itemRequest(in *dynItemIn, op string, rvs []string, allowed ...string) (*DynamoTable, string, *dynExprs, error) {
	t, err := c.dynTable(in.TableName)
	if err != nil {
		return nil, "", nil, err
	}
	if op == "PutItem" {
		err = t.checkItem(in.Item)
	} else {
		err = t.checkKey(in.Key)
	}
	if err != nil {
		return nil, "", nil, err
	}
	rv := "NONE"
	if rvs != nil {
		if rv, err = returnValues(in.ReturnValues, rvs...); err != nil {
			return nil, "", nil, err
		}
	}
	x, err := in.parseExprs()
	if err != nil {
		return nil, "", nil, err
	}
	for kind, present := range map[string]bool{"ConditionExpression": x.condition != nil, "ProjectionExpression": x.projection != nil,
		"UpdateExpression": x.update != nil, "FilterExpression": x.filter != nil, "KeyConditionExpression": x.keyCond != nil} {
		if present && !slices.Contains(allowed, kind) {
			return nil, "", nil, errValidation("%s does not take a %s", op, kind)
		}
	}
	return t, rv, x, nil
}

func dynPutItem(c *call, in *dynItemIn) (any, error) {
	t, rv, x, err := c.itemRequest(in, "PutItem", []string{"NONE", "ALL_OLD"}, "ConditionExpression")
	if err != nil {
		return nil, err
	}
	old := t.get(in.Item)
	if err := in.checkCondition(x, old); err != nil {
		return nil, err
	}
	if err := t.store(in.Item.clone()); err != nil {
		return nil, err
	}
	if rv == "ALL_OLD" {
		return dynAttributes(old), nil
	}
	return map[string]any{}, nil
}

func dynGetItem(c *call, in *dynItemIn) (any, error) {
	t, _, x, err := c.itemRequest(in, "GetItem", nil, "ProjectionExpression")
	if err != nil {
		return nil, err
	}
	// Every read is consistent: the sandbox has one copy of each item.
	it := t.get(in.Key)
	if it == nil {
		return map[string]any{}, nil
	}
	return map[string]any{"Item": project(it, x.projection)}, nil
}

func dynDeleteItem(c *call, in *dynItemIn) (any, error) {
	t, rv, x, err := c.itemRequest(in, "DeleteItem", []string{"NONE", "ALL_OLD"}, "ConditionExpression")
	if err != nil {
		return nil, err
	}
	if err := in.checkCondition(x, t.get(in.Key)); err != nil {
		return nil, err
	}
	old := t.delete(in.Key)
	if rv == "ALL_OLD" {
		return dynAttributes(old), nil
	}
	return map[string]any{}, nil
}

func dynUpdateItem(c *call, in *dynItemIn) (any, error) {
	t, rv, x, err := c.itemRequest(in, "UpdateItem", []string{"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}, "ConditionExpression", "UpdateExpression")
	if err != nil {
		return nil, err
	}
	if err := t.checkUpdateKeys(x); err != nil {
		return nil, err
	}
	old := t.get(in.Key)
	if err := in.checkCondition(x, old); err != nil {
		return nil, err
	}
	item, err := t.updated(x, in.Key, old)
	if err != nil {
		return nil, err
	}
	if err := t.store(item); err != nil {
		return nil, err
	}
	var touched []dynPath
	if x.update != nil {
		touched = x.update.touched
	}
	switch rv {
	case "ALL_OLD":
		return dynAttributes(old), nil
	case "ALL_NEW":
		return dynAttributes(item), nil
	case "UPDATED_OLD":
		return dynAttributes(project(old, dynTopPaths(touched))), nil
	case "UPDATED_NEW":
		return dynAttributes(project(item, dynTopPaths(touched))), nil
	}
	return map[string]any{}, nil
}

// checkUpdateKeys refuses an update expression that writes a key
// attribute.
func (t *DynamoTable) checkUpdateKeys(x *dynExprs) error {
	if x.update == nil {
		return nil
	}
	for _, p := range x.update.touched {
		if n := p[0].name; n == t.hashKey() || n == t.rangeKey() {
			return errValidation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", n)
		}
	}
	return nil
}

// updated is the item an update of key makes of old (nil: there is none
// yet), within DynamoDB's item size.
func (t *DynamoTable) updated(x *dynExprs, key, old dynItem) (dynItem, error) {
	item := old.clone()
	if item == nil {
		item = key.clone()
	}
	if x.update != nil {
		if err := x.update.apply(item, old); err != nil {
			return nil, err
		}
	}
	if item.size() > dynItemMax {
		return nil, errValidation("Item size to update has exceeded the maximum allowed size")
	}
	return item, nil
}

// dynTopPaths are the distinct paths an update wrote, as given.
func dynTopPaths(paths []dynPath) []dynPath {
	seen := map[string]bool{}
	out := []dynPath{}
	for _, p := range paths {
		if !seen[p.String()] {
			seen[p.String()] = true
			out = append(out, p)
		}
	}
	return out
}
