package policy

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Condition operators, as the IAM user guide's "IAM JSON policy elements:
// Condition operators" defines them.

type condition struct {
	op       string // the base operator (StringEquals)
	set      string // "", "ForAnyValue" or "ForAllValues"
	ifExists bool
	key      string // lower case
	values   []string
}

// negatedOperators hold when the key does not match any value, and when
// the key is absent.
var negatedOperators = []string{"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
	"DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"}

func compileConditions(v any) ([]condition, error) {
	ops, _ := v.(map[string]any)
	var out []condition
	for _, op := range sortedKeys(ops) {
		keys, _ := ops[op].(map[string]any)
		c := condition{op: op}
		if set, rest, ok := strings.Cut(op, ":"); ok {
			c.set, c.op = set, rest
		}
		c.op, c.ifExists = strings.CutSuffix(c.op, "IfExists")
		for _, k := range sortedKeys(keys) {
			vals, err := conditionValues(keys[k])
			if err != nil {
				return nil, err
			}
			kc := c
			kc.key, kc.values = strings.ToLower(k), vals
			out = append(out, kc)
		}
	}
	return out, nil
}

func (c *condition) holds(e *evaluation, variables bool) bool {
	have, present := e.r.Context[c.key]
	if c.op == "Null" {
		// "true": the key must be absent; "false": present.
		for _, v := range c.values {
			if strings.EqualFold(v, "true") == (!present || len(have) == 0) {
				return true
			}
		}
		return false
	}
	negated := slices.Contains(negatedOperators, c.op)
	if !present || len(have) == 0 {
		switch {
		case c.set == "ForAllValues":
			return true
		case c.set == "ForAnyValue":
			return false
		case c.ifExists:
			return true
		}
		return negated
	}
	want := make([]string, 0, len(c.values))
	for _, v := range c.values {
		if x, ok := e.expand(v, variables, c.op == "StringLike" || c.op == "StringNotLike" || c.op == "ArnLike" || c.op == "ArnNotLike"); ok {
			want = append(want, x)
		}
	}
	// test reports whether one value of the request satisfies the
	// operator: for a negated operator, that it matches none of the
	// policy's values.
	test := func(v string) bool {
		hit := false
		for _, w := range want {
			if compare(c.op, v, w) {
				hit = true
				break
			}
		}
		return hit != negated
	}
	switch {
	case c.set == "ForAllValues" || c.set == "" && negated:
		for _, v := range have {
			if !test(v) {
				return false
			}
		}
		return true
	default:
		for _, v := range have {
			if test(v) {
				return true
			}
		}
		return false
	}
}

// compare applies the positive form of op to a request's value v and a
// policy's value w.
func compare(op, v, w string) bool {
	switch op {
	case "StringEquals", "StringNotEquals", "BinaryEquals":
		return v == w
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(v, w)
	case "StringLike", "StringNotLike":
		return matchWildcards(w, v, false)
	case "Bool":
		return strings.EqualFold(v, w)
	case "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike":
		return matchARN(w, v)
	case "IpAddress", "NotIpAddress":
		return ipIn(v, w)
	}
	if cmp, ok := strings.CutPrefix(op, "Numeric"); ok {
		a, errA := strconv.ParseFloat(v, 64)
		b, errB := strconv.ParseFloat(w, 64)
		return errA == nil && errB == nil && ordered(cmp, compareFloats(a, b))
	}
	if cmp, ok := strings.CutPrefix(op, "Date"); ok {
		a, okA := parseDate(v)
		b, okB := parseDate(w)
		return okA && okB && ordered(cmp, a.Compare(b))
	}
	return false
}

func compareFloats(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ordered applies a comparison suffix (Equals, NotEquals, LessThan, ...)
// to the sign of a comparison. NotEquals is the positive Equals: the caller
// negates it.
func ordered(cmp string, sign int) bool {
	switch cmp {
	case "Equals", "NotEquals":
		return sign == 0
	case "LessThan":
		return sign < 0
	case "LessThanEquals":
		return sign <= 0
	case "GreaterThan":
		return sign > 0
	case "GreaterThanEquals":
		return sign >= 0
	}
	return false
}

// parseDate reads a date as conditions give them: ISO 8601 (a date, or a
// date and time with or without seconds and zone) or epoch seconds.
func parseDate(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// matchARN compares ARNs component by component (the six colon-separated
// parts, the last of which may hold colons), each with wildcards.
func matchARN(pattern, arn string) bool {
	p, a := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(p) != 6 || len(a) != 6 {
		return pattern == arn
	}
	for i := range p {
		if !matchWildcards(p[i], a[i], false) {
			return false
		}
	}
	return true
}

// ipIn reports whether address v is in w, a CIDR block or one address.
func ipIn(v, w string) bool {
	addr, err := netip.ParseAddr(v)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	if !strings.Contains(w, "/") {
		a, err := netip.ParseAddr(w)
		return err == nil && a == addr
	}
	p, err := netip.ParsePrefix(w)
	return err == nil && p.Contains(addr)
}
