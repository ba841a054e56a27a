package sandbox

import (
	"slices"
	"strconv"
	"strings"
)

// Evaluating DynamoDB expressions against an item: conditions and
// filters, projections and update actions.

// get is the value at a path, nil when the item has none.
func (p dynPath) get(it dynItem) *dynAttr {
	if len(p) == 0 {
		return nil
	}
	v := it[p[0].name]
	for _, e := range p[1:] {
		switch {
		case v == nil:
			return nil
		case e.name != "" && v.T == "M":
			v = v.M[e.name]
		case e.name == "" && v.T == "L" && e.index < len(v.L):
			v = v.L[e.index]
		default:
			return nil
		}
	}
	return v
}

// resolve is an operand's value, nil when it has none (a missing path,
// size of a type without one).
func (o *dynOperand) resolve(it dynItem) *dynAttr {
	switch {
	case o.value != nil:
		return o.value
	case o.path != nil:
		return o.path.get(it)
	case o.fn == "size":
		v := o.args[0].resolve(it)
		if v == nil {
			return nil
		}
		n := 0
		switch v.T {
		case "S", "B":
			n = len(v.S)
		case "L":
			n = len(v.L)
		case "M":
			n = len(v.M)
		case "SS", "NS", "BS":
			n = len(v.Set)
		default:
			return nil
		}
		return &dynAttr{T: "N", S: strconv.Itoa(n)}
	}
	return nil
}

// holds evaluates a condition on an item (nil: no item, every path missing).
func (c *dynCond) holds(it dynItem) bool {
	switch c.op {
	case "AND":
		return c.kids[0].holds(it) && c.kids[1].holds(it)
	case "OR":
		return c.kids[0].holds(it) || c.kids[1].holds(it)
	case "NOT":
		return !c.kids[0].holds(it)
	case "attribute_exists":
		return c.args[0].path.get(it) != nil
	case "attribute_not_exists":
		return c.args[0].path.get(it) == nil
	case "attribute_type":
		v := c.args[0].path.get(it)
		return v != nil && v.T == c.args[1].value.S
	case "begins_with":
		v, prefix := c.args[0].resolve(it), c.args[1].resolve(it)
		return v != nil && prefix != nil && v.T == prefix.T && (v.T == "S" || v.T == "B") && strings.HasPrefix(v.S, prefix.S)
	case "contains":
		v, x := c.args[0].resolve(it), c.args[1].resolve(it)
		if v == nil || x == nil {
			return false
		}
		switch v.T {
		case "S":
			return x.T == "S" && strings.Contains(v.S, x.S)
		case "B":
			return x.T == "B" && strings.Contains(v.S, x.S)
		case "SS", "NS", "BS":
			return x.T == v.T[:1] && v.setHas(x.S)
		case "L":
			return slices.ContainsFunc(v.L, func(e *dynAttr) bool { return dynEqual(e, x) })
		}
		return false
	case "=":
		return dynEqual(c.args[0].resolve(it), c.args[1].resolve(it))
	case "<>":
		a, b := c.args[0].resolve(it), c.args[1].resolve(it)
		return a != nil && b != nil && !dynEqual(a, b)
	case "<", "<=", ">", ">=":
		n, ok := dynCompare(c.args[0].resolve(it), c.args[1].resolve(it))
		return ok && dynOrdered(c.op, n)
	case "BETWEEN":
		v := c.args[0].resolve(it)
		lo, ok1 := dynCompare(v, c.args[1].resolve(it))
		hi, ok2 := dynCompare(v, c.args[2].resolve(it))
		return ok1 && ok2 && lo >= 0 && hi <= 0
	case "IN":
		v := c.args[0].resolve(it)
		return v != nil && slices.ContainsFunc(c.args[1:], func(o *dynOperand) bool { return dynEqual(v, o.resolve(it)) })
	}
	return false
}

func dynOrdered(op string, n int) bool {
	switch op {
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	}
	return n >= 0
}

// project keeps the projected paths of an item.
func project(it dynItem, paths []dynPath) dynItem {
	if paths == nil || it == nil {
		return it
	}
	out := dynItem{}
	for _, p := range paths {
		v := p.get(it)
		if v == nil {
			continue
		}
		// Rebuild the path's containers in out: maps by name, lists
		// holding the projected elements in the order asked.
		var cur *dynAttr
		for i, e := range p {
			last := i == len(p)-1
			if i == 0 {
				if last {
					out[e.name] = v.clone()
					break
				}
				if out[e.name] == nil {
					out[e.name] = &dynAttr{T: p[:1].get(it).T, M: map[string]*dynAttr{}}
				}
				cur = out[e.name]
				continue
			}
			if last {
				if e.name != "" {
					cur.M[e.name] = v.clone()
				} else {
					cur.L = append(cur.L, v.clone())
				}
				break
			}
			next := p[:i+1].get(it)
			var child *dynAttr
			if e.name != "" {
				if cur.M[e.name] == nil {
					cur.M[e.name] = &dynAttr{T: next.T, M: map[string]*dynAttr{}}
				}
				child = cur.M[e.name]
			} else {
				child = &dynAttr{T: next.T, M: map[string]*dynAttr{}}
				cur.L = append(cur.L, child)
			}
			cur = child
		}
	}
	return out
}

// errDynNoAttribute is UpdateItem's error for an operand naming an
// attribute the item does not have.
var errDynNoAttribute = errValidation("The provided expression refers to an attribute that does not exist in the item")

func errDynUpdateType() error {
	return errValidation("An operand in the update expression has an incorrect data type")
}

// setValue evaluates the right side of a SET action against the item as
// it was before the update.
func (o *dynOperand) setValue(old dynItem) (*dynAttr, error) {
	// two evaluates a binary operator's or function's operands, which
	// must both be of type t.
	two := func(t string) (a, b *dynAttr, err error) {
		if a, err = o.args[0].setValue(old); err != nil {
			return nil, nil, err
		}
		if b, err = o.args[1].setValue(old); err != nil {
			return nil, nil, err
		}
		if a.T != t || b.T != t {
			return nil, nil, errDynUpdateType()
		}
		return a, b, nil
	}
	switch {
	case o.op != "":
		a, b, err := two("N")
		if err != nil {
			return nil, err
		}
		r := dynRat(a.S)
		if o.op == "+" {
			r.Add(r, dynRat(b.S))
		} else {
			r.Sub(r, dynRat(b.S))
		}
		s, err := dynRatString(r)
		if err != nil {
			return nil, err
		}
		return &dynAttr{T: "N", S: s}, nil
	case o.fn == "if_not_exists":
		if v := o.args[0].path.get(old); v != nil {
			return v.clone(), nil
		}
		return o.args[1].setValue(old)
	case o.fn == "list_append":
		a, b, err := two("L")
		if err != nil {
			return nil, err
		}
		return &dynAttr{T: "L", L: slices.Concat(a.clone().L, b.clone().L)}, nil
	}
	v := o.resolve(old)
	if v == nil {
		return nil, errDynNoAttribute
	}
	return v.clone(), nil
}

// put sets the value at a path of it: the parent must exist (a map for a
// name, a list for an index; an index past the end appends).
func (p dynPath) put(it dynItem, v *dynAttr) error {
	if len(p) == 1 {
		it[p[0].name] = v
		return nil
	}
	parent := p[:len(p)-1].get(it)
	last := p[len(p)-1]
	invalid := errValidation("The document path provided in the update expression is invalid for update")
	switch {
	case parent == nil:
		return invalid
	case last.name != "" && parent.T == "M":
		if parent.M == nil {
			parent.M = map[string]*dynAttr{}
		}
		parent.M[last.name] = v
	case last.name == "" && parent.T == "L":
		if last.index < len(parent.L) {
			parent.L[last.index] = v
		} else {
			parent.L = append(parent.L, v)
		}
	default:
		return invalid
	}
	return nil
}

// remove deletes the value at a path, if there is one.
func (p dynPath) remove(it dynItem) {
	if len(p) == 1 {
		delete(it, p[0].name)
		return
	}
	parent := p[:len(p)-1].get(it)
	last := p[len(p)-1]
	switch {
	case parent == nil:
	case last.name != "" && parent.T == "M":
		delete(parent.M, last.name)
	case last.name == "" && parent.T == "L" && last.index < len(parent.L):
		parent.L = slices.Delete(parent.L, last.index, last.index+1)
	}
}

// apply runs the update's actions on item (a copy the caller owns): SET
// values are computed from old, the item before the update.
func (u *dynUpdate) apply(item, old dynItem) error {
	for _, a := range u.set {
		v, err := a.value.setValue(old)
		if err != nil {
			return err
		}
		if err := a.path.put(item, v); err != nil {
			return err
		}
	}
	// Removing list elements by index: the highest first, so that each
	// index still names the element the expression meant.
	removes := slices.Clone(u.remove)
	slices.SortStableFunc(removes, func(a, b dynPath) int { return b[len(b)-1].index - a[len(a)-1].index })
	for _, p := range removes {
		p.remove(item)
	}
	for _, a := range u.add {
		cur, v := a.path.get(item), a.value.value
		switch {
		case cur == nil:
			if err := a.path.put(item, v.clone()); err != nil {
				return err
			}
		case cur.T != v.T:
			return errDynUpdateType()
		case v.T == "N":
			s, err := dynRatString(dynRat(cur.S).Add(dynRat(cur.S), dynRat(v.S)))
			if err != nil {
				return err
			}
			cur.S = s
		default:
			for _, s := range v.Set {
				if !cur.setHas(s) {
					cur.Set = append(cur.Set, s)
				}
			}
		}
	}
	for _, a := range u.delete {
		cur, v := a.path.get(item), a.value.value
		switch {
		case cur == nil:
		case cur.T != v.T:
			return errDynUpdateType()
		default:
			cur.Set = slices.DeleteFunc(cur.Set, v.setHas)
			if len(cur.Set) == 0 {
				a.path.remove(item)
			}
		}
	}
	return nil
}
