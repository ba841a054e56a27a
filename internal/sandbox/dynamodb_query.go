package sandbox

import (
	"hash/fnv"
	"slices"
	"strconv"
)

// DynamoDB's Query and Scan: a key condition as DynamoDB restricts it
// (partition key equality, then one sort key condition), a filter applied
// after the read, Select, Limit (items read, before the filter), the 1 MB
// page, ExclusiveStartKey/LastEvaluatedKey, ScanIndexForward, and Scan's
// parallel segments.

// dynKeyRange is a Query's key condition, checked.
type dynKeyRange struct {
	hash *dynAttr
	// sort is the sort key condition, nil for none.
	sort *dynCond
}

// keyRange checks a key condition against the table's key schema, with
// DynamoDB's messages.
func (t *DynamoTable) keyRange(c *dynCond) (*dynKeyRange, error) {
	var parts []*dynCond
	switch c.op {
	case "AND":
		for _, k := range c.kids {
			if k.op == "AND" || k.op == "OR" || k.op == "NOT" {
				return nil, errValidation("Invalid operator used in KeyConditionExpression: %s", k.op)
			}
		}
		parts = c.kids
	case "OR", "NOT", "<>", "IN", "attribute_exists", "attribute_not_exists", "attribute_type", "contains":
		return nil, errValidation("Invalid operator used in KeyConditionExpression: %s", c.op)
	default:
		parts = []*dynCond{c}
	}
	kr := &dynKeyRange{}
	for _, p := range parts {
		if p.op == "OR" || p.op == "NOT" || p.op == "<>" || p.op == "IN" || p.op == "attribute_exists" ||
			p.op == "attribute_not_exists" || p.op == "attribute_type" || p.op == "contains" {
			return nil, errValidation("Invalid operator used in KeyConditionExpression: %s", p.op)
		}
		path := p.args[0].path
		rest := p.args[1:]
		if path == nil && len(p.args) == 2 && p.op == "=" {
			// :v = pk
			path, rest = p.args[1].path, p.args[:1]
		}
		if path == nil || len(path) != 1 || p.args[0].fn != "" {
			return nil, errValidation("Invalid KeyConditionExpression: The key conditions must be on key attributes only")
		}
		name := path[0].name
		for _, r := range rest {
			if r.value == nil {
				return nil, errValidation("Invalid KeyConditionExpression: The key conditions must compare a key attribute with a value")
			}
			if r.value.T != t.keyType(name) && name != "" && t.keyType(name) != "" {
				return nil, errValidation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		switch name {
		case t.hashKey():
			if p.op != "=" {
				return nil, errValidation("Query key condition not supported")
			}
			if kr.hash != nil {
				return nil, errValidation("KeyConditionExpressions must only contain one condition per key")
			}
			kr.hash = rest[0].value
		case t.rangeKey():
			if kr.sort != nil {
				return nil, errValidation("KeyConditionExpressions must only contain one condition per key")
			}
			if p.op == "begins_with" && t.keyType(name) == "N" {
				return nil, errValidation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
			}
			kr.sort = p
		default:
			return nil, errValidation("Query condition missed key schema element: %s", t.hashKey())
		}
	}
	if kr.hash == nil {
		return nil, errValidation("Query condition missed key schema element: %s", t.hashKey())
	}
	return kr, nil
}

// dynPage is what Query and Scan share.
type dynPage struct {
	limit int // 0: none
	selct string
	x     *dynExprs
	start dynItem
	t     *DynamoTable
}

func (in *dynItemIn) page(t *DynamoTable, x *dynExprs) (*dynPage, error) {
	pg := &dynPage{t: t, x: x, selct: "ALL_ATTRIBUTES"}
	if x.projection != nil {
		pg.selct = "SPECIFIC_ATTRIBUTES"
	}
	if in.Select != nil {
		switch *in.Select {
		case "ALL_ATTRIBUTES", "COUNT":
			if x.projection != nil {
				return nil, errValidation("Cannot specify the ProjectionExpression when choosing to get %s", *in.Select)
			}
		case "SPECIFIC_ATTRIBUTES":
			if x.projection == nil {
				return nil, errValidation("Select type SPECIFIC_ATTRIBUTES requires a ProjectionExpression or AttributesToGet")
			}
		case "ALL_PROJECTED_ATTRIBUTES":
			return nil, errValidation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
		default:
			return nil, errConstraint("select", *in.Select, "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]")
		}
		pg.selct = *in.Select
	}
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, errConstraint("limit", strconv.Itoa(*in.Limit), "Member must have value greater than or equal to 1")
		}
		pg.limit = *in.Limit
	}
	if in.ExclusiveStartKey != nil {
		if err := t.checkKey(in.ExclusiveStartKey); err != nil {
			return nil, errValidation("The provided starting key is invalid: %s", asAPIError(err).Message)
		}
		pg.start = in.ExclusiveStartKey
	}
	return pg, nil
}

// run reads the items of order (indexes into the table's items, in key
// order, descending unless forward) after the start key, within Limit and
// the 1 MB page, and builds the reply.
func (pg *dynPage) run(order []int, forward bool) map[string]any {
	t := pg.t
	if pg.start != nil {
		i := 0
		for i < len(order) {
			n := t.compareKeys(t.Items[order[i]], pg.start)
			if forward && n > 0 || !forward && n < 0 {
				break
			}
			i++
		}
		order = order[i:]
	}
	items := []dynItem{}
	scanned, size := 0, 0
	var last dynItem
	for i, it := range order {
		item := t.Items[it]
		scanned++
		size += item.size()
		if pg.x.filter == nil || pg.x.filter.holds(item) {
			items = append(items, item)
		}
		// A page ends at Limit items read, with a LastEvaluatedKey even
		// when none is left (DynamoDB does not look ahead), or at 1 MB.
		if pg.limit > 0 && scanned >= pg.limit || size >= dynPageMax && i < len(order)-1 {
			last = item
			break
		}
	}
	out := map[string]any{"Count": len(items), "ScannedCount": scanned}
	if pg.selct != "COUNT" {
		list := make([]dynItem, len(items))
		for i, it := range items {
			list[i] = project(it, pg.x.projection)
		}
		out["Items"] = list
	}
	if last != nil {
		out["LastEvaluatedKey"] = t.keyOf(last)
	}
	return out
}

func dynQuery(c *call, in *dynItemIn) (any, error) {
	t, err := c.dynTable(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := in.refuseLegacy(); err != nil {
		return nil, err
	}
	if in.KeyConditionExpression == nil {
		return nil, errValidation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	if in.ConditionExpression != nil || in.UpdateExpression != nil {
		return nil, errValidation("Query takes KeyConditionExpression, FilterExpression and ProjectionExpression only")
	}
	x, err := in.parseExprs()
	if err != nil {
		return nil, err
	}
	kr, err := t.keyRange(x.keyCond)
	if err != nil {
		return nil, err
	}
	if x.filter != nil {
		for _, k := range []string{t.hashKey(), t.rangeKey()} {
			if k != "" && condNames(x.filter)[k] {
				return nil, errValidation("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", k)
			}
		}
	}
	pg, err := in.page(t, x)
	if err != nil {
		return nil, err
	}
	if pg.start != nil && !dynEqual(pg.start[t.hashKey()], kr.hash) {
		return nil, errValidation("The provided starting key is invalid: The provided key element does not match the schema")
	}
	var order []int
	for i, it := range t.Items {
		if dynEqual(it[t.hashKey()], kr.hash) && (kr.sort == nil || kr.sort.holds(it)) {
			order = append(order, i)
		}
	}
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	if !forward {
		slices.Reverse(order)
	}
	return pg.run(order, forward), nil
}

// condNames are the top-level attribute names a condition reads.
func condNames(c *dynCond) map[string]bool {
	out := map[string]bool{}
	var walk func(c *dynCond)
	var operand func(o *dynOperand)
	operand = func(o *dynOperand) {
		if o.path != nil {
			out[o.path[0].name] = true
		}
		for _, a := range o.args {
			operand(a)
		}
	}
	walk = func(c *dynCond) {
		for _, k := range c.kids {
			walk(k)
		}
		for _, a := range c.args {
			operand(a)
		}
	}
	walk(c)
	return out
}

func dynScan(c *call, in *dynItemIn) (any, error) {
	t, err := c.dynTable(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := in.refuseLegacy(); err != nil {
		return nil, err
	}
	if in.KeyConditionExpression != nil || in.ConditionExpression != nil || in.UpdateExpression != nil {
		return nil, errValidation("Scan takes FilterExpression and ProjectionExpression only")
	}
	switch {
	case in.Segment != nil && in.TotalSegments == nil:
		return nil, errValidation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case in.TotalSegments != nil && in.Segment == nil:
		return nil, errValidation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case in.TotalSegments != nil && (*in.TotalSegments < 1 || *in.TotalSegments > 1000000):
		return nil, errConstraint("totalSegments", strconv.Itoa(*in.TotalSegments), "Member must have value less than or equal to 1000000 and greater than or equal to 1")
	case in.Segment != nil && (*in.Segment < 0 || *in.Segment > 999999):
		return nil, errConstraint("segment", strconv.Itoa(*in.Segment), "Member must have value less than or equal to 999999 and greater than or equal to 0")
	case in.Segment != nil && *in.Segment >= *in.TotalSegments:
		return nil, errValidation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *in.Segment, *in.TotalSegments)
	}
	x, err := in.parseExprs()
	if err != nil {
		return nil, err
	}
	pg, err := in.page(t, x)
	if err != nil {
		return nil, err
	}
	var order []int
	for i, it := range t.Items {
		if in.Segment == nil || dynSegment(it[t.hashKey()], *in.TotalSegments) == *in.Segment {
			order = append(order, i)
		}
	}
	return pg.run(order, true), nil
}

// dynSegment is the parallel scan segment of a partition key.
func dynSegment(v *dynAttr, total int) int {
	h := fnv.New32a()
	h.Write([]byte(v.T + ":" + v.S))
	return int(h.Sum32() % uint32(total))
}
