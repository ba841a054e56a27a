package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DynamoDB attribute values: the ten types of the API's AttributeValue,
// their wire form, numbers as DynamoDB keeps them (38 significant digits,
// magnitude 1E-130 to 1E+126, leading and trailing zeros dropped), the
// order keys sort in and an item's size as DynamoDB counts it.

// dynAttr is one AttributeValue.
type dynAttr struct {
	// T is the type: S N B BOOL NULL L M SS NS BS.
	T string
	// S holds S, N (normalized) and B (the bytes).
	S    string
	Bool bool
	L    []*dynAttr
	M    map[string]*dynAttr
	// Set holds SS, NS (normalized) and BS (the bytes), in the order given.
	Set []string
}

// dynItem is an item: attribute name to value.
type dynItem map[string]*dynAttr

func (a *dynAttr) MarshalJSON() ([]byte, error) {
	var v any
	switch a.T {
	case "S", "N":
		v = a.S
	case "B":
		v = []byte(a.S)
	case "BOOL", "NULL":
		v = a.Bool
	case "L":
		l := a.L
		if l == nil {
			l = []*dynAttr{}
		}
		v = l
	case "M":
		m := a.M
		if m == nil {
			m = map[string]*dynAttr{}
		}
		v = m
	case "SS", "NS":
		v = a.Set
	case "BS":
		bs := make([][]byte, len(a.Set))
		for i, s := range a.Set {
			bs[i] = []byte(s)
		}
		v = bs
	default:
		return nil, fmt.Errorf("attribute value of unknown type %q", a.T)
	}
	return json.Marshal(map[string]any{a.T: v})
}

// UnmarshalJSON reads an AttributeValue and checks it as DynamoDB does,
// with DynamoDB's messages.
func (a *dynAttr) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return newError(400, "SerializationException", "Start of structure or map found where not expected")
	}
	switch len(m) {
	case 0:
		return errValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	case 1:
	default:
		return errValidation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	for t, raw := range m {
		a.T = t
		raw = bytes.TrimSpace(raw)
		wrongType := newError(400, "SerializationException", "Unexpected value type in payload")
		switch t {
		case "S":
			if json.Unmarshal(raw, &a.S) != nil {
				return wrongType
			}
		case "N":
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return wrongType
			}
			n, err := dynNumber(s)
			if err != nil {
				return err
			}
			a.S = n
		case "B":
			var bs []byte
			if json.Unmarshal(raw, &bs) != nil {
				return wrongType
			}
			a.S = string(bs)
		case "BOOL", "NULL":
			if json.Unmarshal(raw, &a.Bool) != nil {
				return wrongType
			}
			if t == "NULL" && !a.Bool {
				return errValidation("One or more parameter values were invalid: Null attribute value types must have the value of true")
			}
		case "L":
			var l []json.RawMessage
			if json.Unmarshal(raw, &l) != nil {
				return wrongType
			}
			a.L = make([]*dynAttr, len(l))
			for i, e := range l {
				a.L[i] = new(dynAttr)
				if err := a.L[i].UnmarshalJSON(e); err != nil {
					return err
				}
			}
		case "M":
			var mm map[string]json.RawMessage
			if json.Unmarshal(raw, &mm) != nil {
				return wrongType
			}
			a.M = make(map[string]*dynAttr, len(mm))
			for k, e := range mm {
				v := new(dynAttr)
				if err := v.UnmarshalJSON(e); err != nil {
					return err
				}
				a.M[k] = v
			}
		case "SS", "NS", "BS":
			if err := a.unmarshalSet(raw); err != nil {
				return err
			}
		default:
			return newError(400, "SerializationException", "Unknown AttributeValue type %s", t)
		}
	}
	return nil
}

func (a *dynAttr) unmarshalSet(raw json.RawMessage) error {
	wrongType := newError(400, "SerializationException", "Unexpected value type in payload")
	switch a.T {
	case "BS":
		var bs [][]byte
		if json.Unmarshal(raw, &bs) != nil {
			return wrongType
		}
		for _, b := range bs {
			a.Set = append(a.Set, string(b))
		}
	default:
		if json.Unmarshal(raw, &a.Set) != nil {
			return wrongType
		}
	}
	if len(a.Set) == 0 {
		kind := map[string]string{"SS": "string", "NS": "number", "BS": "binary"}[a.T]
		return errValidation("One or more parameter values were invalid: An %s set  may not be empty", kind)
	}
	if a.T == "NS" {
		for i, s := range a.Set {
			n, err := dynNumber(s)
			if err != nil {
				return err
			}
			a.Set[i] = n
		}
	}
	seen := map[string]bool{}
	for _, s := range a.Set {
		key := s
		if a.T == "NS" {
			key = dynRat(s).RatString()
		}
		if seen[key] {
			shown := a.Set
			if a.T == "BS" {
				shown = make([]string, len(a.Set))
				for i, b := range a.Set {
					shown[i] = base64.StdEncoding.EncodeToString([]byte(b))
				}
			}
			return errValidation("One or more parameter values were invalid: Input collection [%s] contains duplicates.", strings.Join(shown, ", "))
		}
		seen[key] = true
	}
	return nil
}

var dynNumberPattern = lazyRegexp(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// dynNumber checks a number as DynamoDB does and returns it normalized:
// no leading or trailing zeros, no exponent.
func dynNumber(s string) (string, error) {
	m := dynNumberPattern.FindStringSubmatch(s)
	if m == nil {
		return "", errValidation("The parameter cannot be converted to a numeric value: %s", s)
	}
	neg := strings.HasPrefix(s, "-")
	mant := m[1]
	exp := 0
	if m[2] != "" {
		e, err := strconv.Atoi(m[2][1:])
		if err != nil || e > 1000 || e < -1000 {
			if strings.HasPrefix(m[2][1:], "-") {
				return "", errValidation("Number underflow. Attempting to store a number with magnitude smaller than supported range")
			}
			return "", errValidation("Number overflow. Attempting to store a number with magnitude larger than supported range")
		}
		exp = e
	}
	// digits × 10^exp, digits without a point.
	whole, frac, _ := strings.Cut(mant, ".")
	digits := whole + frac
	exp -= len(frac)
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0", nil
	}
	for strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		exp++
	}
	if len(digits) > 38 {
		return "", errValidation("Attempting to store more than 38 significant digits in a Number")
	}
	// The magnitude: the most significant digit's power of ten.
	switch top := exp + len(digits) - 1; {
	case top > 125:
		return "", errValidation("Number overflow. Attempting to store a number with magnitude larger than supported range")
	case top < -130:
		return "", errValidation("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	}
	var out string
	switch {
	case exp >= 0:
		out = digits + strings.Repeat("0", exp)
	case -exp >= len(digits):
		out = "0." + strings.Repeat("0", -exp-len(digits)) + digits
	default:
		out = digits[:len(digits)+exp] + "." + digits[len(digits)+exp:]
	}
	if neg {
		out = "-" + out
	}
	return out, nil
}

// dynRat is a normalized number's value.
func dynRat(n string) *big.Rat {
	r, ok := new(big.Rat).SetString(n)
	if !ok {
		return new(big.Rat)
	}
	return r
}

// dynRatString renders a sum or difference as a normalized number.
func dynRatString(r *big.Rat) (string, error) {
	if r.IsInt() {
		return dynNumber(r.Num().String())
	}
	// A sum of two numbers of at most 38 digits is exact in 300 places.
	return dynNumber(strings.TrimRight(r.FloatString(300), "0"))
}

// dynCompare orders two scalars of one type (S, N, B): strings and binaries
// by their UTF-8 bytes, numbers by value. ok is false for any other pair.
func dynCompare(a, b *dynAttr) (int, bool) {
	if a == nil || b == nil || a.T != b.T {
		return 0, false
	}
	switch a.T {
	case "S", "B":
		return strings.Compare(a.S, b.S), true
	case "N":
		return dynRat(a.S).Cmp(dynRat(b.S)), true
	}
	return 0, false
}

// dynEqual is the = of expressions: same type and value, sets in any order.
func dynEqual(a, b *dynAttr) bool {
	if a == nil || b == nil || a.T != b.T {
		return false
	}
	switch a.T {
	case "S", "B":
		return a.S == b.S
	case "N":
		c, _ := dynCompare(a, b)
		return c == 0
	case "BOOL", "NULL":
		return a.Bool == b.Bool
	case "L":
		return slices.EqualFunc(a.L, b.L, dynEqual)
	case "M":
		if len(a.M) != len(b.M) {
			return false
		}
		for k, v := range a.M {
			if !dynEqual(v, b.M[k]) {
				return false
			}
		}
		return true
	case "SS", "BS", "NS":
		if len(a.Set) != len(b.Set) {
			return false
		}
		for _, s := range a.Set {
			if !b.setHas(s) {
				return false
			}
		}
		return true
	}
	return false
}

// setHas reports whether a set holds v (a number set by value).
func (a *dynAttr) setHas(v string) bool {
	if a.T == "NS" {
		return slices.ContainsFunc(a.Set, func(s string) bool { return dynRat(s).Cmp(dynRat(v)) == 0 })
	}
	return slices.Contains(a.Set, v)
}

// size is a value's size as DynamoDB counts it toward the 400 KB item
// limit (the developer guide's "Item sizes and formats").
func (a *dynAttr) size() int {
	switch a.T {
	case "S", "B":
		return len(a.S)
	case "N":
		return dynNumberSize(a.S)
	case "BOOL", "NULL":
		return 1
	case "L":
		n := 3
		for _, e := range a.L {
			n += 1 + e.size()
		}
		return n
	case "M":
		n := 3
		for k, e := range a.M {
			n += 1 + len(k) + e.size()
		}
		return n
	case "NS":
		n := 0
		for _, s := range a.Set {
			n += dynNumberSize(s)
		}
		return n
	default:
		n := 0
		for _, s := range a.Set {
			n += len(s)
		}
		return n
	}
}

// dynNumberSize: "approximately (length of attribute name) + (1 byte per
// two significant digits) + (1 byte)".
func dynNumberSize(n string) int {
	d := strings.Trim(strings.NewReplacer("-", "", ".", "").Replace(n), "0")
	return (len(d)+1)/2 + 1
}

// size is an item's size: its names and values.
func (it dynItem) size() int {
	n := 0
	for k, v := range it {
		n += len(k) + v.size()
	}
	return n
}

// clone copies an item deeply enough that changing the copy's values
// (UpdateItem) leaves the original as it was.
func (a *dynAttr) clone() *dynAttr {
	c := *a
	c.L = nil
	for _, e := range a.L {
		c.L = append(c.L, e.clone())
	}
	if a.M != nil {
		c.M = make(map[string]*dynAttr, len(a.M))
		for k, v := range a.M {
			c.M[k] = v.clone()
		}
	}
	c.Set = slices.Clone(a.Set)
	return &c
}

func (it dynItem) clone() dynItem {
	if it == nil {
		return nil
	}
	c := make(dynItem, len(it))
	for k, v := range it {
		c[k] = v.clone()
	}
	return c
}

// errDynEmptyValue is DynamoDB's refusal of a null where a value must be.
var errDynEmptyValue = errValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")

// validate refuses what DynamoDB refuses anywhere in an item: a null
// value, an empty name. (Empty strings and binaries are allowed outside
// keys.)
func (it dynItem) validate() error {
	for k, v := range it {
		if v == nil {
			return errDynEmptyValue
		}
		if k == "" {
			return errValidation("One or more parameter values were invalid: An AttributeValue may not contain an empty attribute name")
		}
		if !utf8.ValidString(k) {
			return errValidation("One or more parameter values were invalid: Attribute name is not valid UTF-8")
		}
	}
	return nil
}
