package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// DynamoDB expressions (the developer guide's "Using expressions in
// DynamoDB"): one tokenizer and recursive-descent parser for condition,
// filter, key condition, projection and update expressions, resolving
// ExpressionAttributeNames and ExpressionAttributeValues as it parses and
// recording which it used, so a request naming one it never uses is
// refused as DynamoDB refuses it. Errors carry DynamoDB's wording:
// "Invalid ConditionExpression: Syntax error; token: ..., near: ...".

// dynTok is a token: kind is "name" (an attribute name or a keyword),
// "#" (a name placeholder), ":" (a value placeholder), "num" (a list
// index) or the punctuation itself; "" ends the input.
type dynTok struct {
	kind, text string
}

func dynTokenize(src string) ([]dynTok, string) {
	var toks []dynTok
	i := 0
	isWord := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#' || c == ':':
			j := i + 1
			for j < len(src) && isWord(src[j]) {
				j++
			}
			if j == i+1 {
				return nil, src[i : i+1]
			}
			toks = append(toks, dynTok{string(c), src[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			toks = append(toks, dynTok{"num", src[i:j]})
			i = j
		case isWord(c):
			j := i
			for j < len(src) && isWord(src[j]) {
				j++
			}
			toks = append(toks, dynTok{"name", src[i:j]})
			i = j
		case c == '<' || c == '>':
			if i+1 < len(src) && (src[i+1] == '=' || c == '<' && src[i+1] == '>') {
				toks = append(toks, dynTok{src[i : i+2], src[i : i+2]})
				i += 2
			} else {
				toks = append(toks, dynTok{src[i : i+1], src[i : i+1]})
				i++
			}
		case strings.IndexByte("()[],.=+-", c) >= 0:
			toks = append(toks, dynTok{src[i : i+1], src[i : i+1]})
			i++
		default:
			_, n := firstRune(src[i:])
			return nil, src[i : i+n]
		}
	}
	return append(toks, dynTok{}), ""
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		if i > 0 {
			return r, i
		}
	}
	return 0, len(s)
}

// dynPath is a document path: top-level name, then names (maps) and
// indexes (lists).
type dynPath []dynPathPart

type dynPathPart struct {
	name  string
	index int // for a list index, name is ""
}

func (p dynPath) String() string {
	var b strings.Builder
	for i, e := range p {
		switch {
		case e.name == "":
			fmt.Fprintf(&b, "[%d]", e.index)
		case i > 0:
			b.WriteString("." + e.name)
		default:
			b.WriteString(e.name)
		}
	}
	return b.String()
}

// dynOperand is a value in an expression: a path, a value placeholder, a
// function call (size, if_not_exists, list_append) or, in a SET action, a
// sum or difference of two.
type dynOperand struct {
	path  dynPath
	value *dynAttr
	// valueName is the placeholder (":v"), for error messages.
	valueName string
	fn        string
	args      []*dynOperand
	op        string // "+" or "-" with args[0], args[1]
}

// dynCond is a condition: op is AND, OR, NOT (kids), a comparator,
// BETWEEN, IN (args, the first the tested operand), or a function
// (attribute_exists, attribute_not_exists, attribute_type, begins_with,
// contains).
type dynCond struct {
	op   string
	kids []*dynCond
	args []*dynOperand
}

// dynExprEnv is what the expressions of one request share: the
// placeholders and which were used.
type dynExprEnv struct {
	names      map[string]string
	values     map[string]*dynAttr
	usedNames  map[string]bool
	usedValues map[string]bool
	// topNames are the top-level attribute names the expressions name
	// (dynamodb:Attributes).
	topNames map[string]bool
}

func newDynExprEnv(names map[string]string, values map[string]*dynAttr) *dynExprEnv {
	return &dynExprEnv{names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}, topNames: map[string]bool{}}
}

// checkUnused refuses placeholders no expression used, as DynamoDB does.
func (env *dynExprEnv) checkUnused() error {
	for _, k := range slices.Sorted(maps.Keys(env.names)) {
		if !env.usedNames[k] {
			return errValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(env.values)) {
		if !env.usedValues[k] {
			return errValidation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", k)
		}
	}
	return nil
}

type dynParser struct {
	kind string // ConditionExpression, UpdateExpression, ...
	toks []dynTok
	pos  int
	env  *dynExprEnv
}

func (env *dynExprEnv) parser(kind, src string) (*dynParser, error) {
	toks, bad := dynTokenize(src)
	if toks == nil {
		return nil, errValidation("Invalid %s: Invalid character encountered; character: %s", kind, bad)
	}
	if len(toks) == 1 {
		return nil, errValidation("Invalid %s: The expression can not be empty;", kind)
	}
	return &dynParser{kind: kind, toks: toks, env: env}, nil
}

func (p *dynParser) peek() dynTok { return p.toks[p.pos] }

func (p *dynParser) next() dynTok {
	t := p.toks[p.pos]
	if p.pos < len(p.toks)-1 {
		p.pos++
	}
	return t
}

// keyword reports whether the next token is the keyword w (any case).
func (p *dynParser) keyword(w string) bool {
	t := p.peek()
	return t.kind == "name" && strings.EqualFold(t.text, w)
}

func (p *dynParser) fail(format string, a ...any) error {
	return errValidation("Invalid %s: %s", p.kind, fmt.Sprintf(format, a...))
}

// syntaxError is DynamoDB's: the token, and the tokens around it.
func (p *dynParser) syntaxError() error {
	t := p.peek()
	tok := t.text
	if t.kind == "" {
		tok = "<EOF>"
	}
	var near []string
	for i := max(0, p.pos-1); i <= min(len(p.toks)-1, p.pos+1); i++ {
		near = append(near, p.toks[i].text)
	}
	return p.fail("Syntax error; token: %q, near: %q", tok, strings.TrimSpace(strings.Join(near, " ")))
}

func (p *dynParser) expect(kind string) error {
	if p.peek().kind != kind {
		return p.syntaxError()
	}
	p.next()
	return nil
}

func (p *dynParser) end() error {
	if p.peek().kind != "" {
		return p.syntaxError()
	}
	return nil
}

// path reads a document path.
func (p *dynParser) path() (dynPath, error) {
	var out dynPath
	name := func() error {
		t := p.peek()
		switch t.kind {
		case "#":
			n, ok := p.env.names[t.text]
			if !ok {
				return p.fail("An expression attribute name used in the document path is not defined; attribute name: %s", t.text)
			}
			p.env.usedNames[t.text] = true
			out = append(out, dynPathPart{name: n})
		case "name":
			if dynReservedWords()[strings.ToUpper(t.text)] {
				return p.fail("Attribute name is a reserved keyword; reserved keyword: %s", t.text)
			}
			out = append(out, dynPathPart{name: t.text})
		default:
			return p.syntaxError()
		}
		p.next()
		return nil
	}
	if err := name(); err != nil {
		return nil, err
	}
	p.env.topNames[out[0].name] = true
	for {
		switch p.peek().kind {
		case ".":
			p.next()
			if err := name(); err != nil {
				return nil, err
			}
		case "[":
			p.next()
			t := p.peek()
			n, err := strconv.Atoi(t.text)
			if t.kind != "num" || err != nil {
				return nil, p.syntaxError()
			}
			p.next()
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			out = append(out, dynPathPart{index: n})
		default:
			return out, nil
		}
	}
}

// operand reads a path, a value placeholder or a function call.
func (p *dynParser) operand() (*dynOperand, error) {
	t := p.peek()
	switch t.kind {
	case ":":
		p.next()
		v, ok := p.env.values[t.text]
		if !ok {
			return nil, p.fail("An expression attribute value used in expression is not defined; attribute value: %s", t.text)
		}
		p.env.usedValues[t.text] = true
		return &dynOperand{value: v, valueName: t.text}, nil
	case "name":
		if p.toks[p.pos+1].kind == "(" {
			return p.call()
		}
	}
	path, err := p.path()
	if err != nil {
		return nil, err
	}
	return &dynOperand{path: path}, nil
}

// dynFunctions are the functions of expressions, with where each may be
// used: "c" conditions (boolean), "o" operands of conditions, "u" operands
// of SET.
var dynFunctions = map[string]string{
	"attribute_exists": "c", "attribute_not_exists": "c", "attribute_type": "c", "begins_with": "c", "contains": "c",
	"size": "o", "if_not_exists": "u", "list_append": "u",
}

// call reads a function call with its operands.
func (p *dynParser) call() (*dynOperand, error) {
	name := p.next().text
	if _, ok := dynFunctions[name]; !ok {
		return nil, p.fail("Invalid function name; function: %s", name)
	}
	p.next() // (
	f := &dynOperand{fn: name}
	for {
		var (
			a   *dynOperand
			err error
		)
		if name == "if_not_exists" && len(f.args) == 1 || name == "list_append" {
			a, err = p.setValue(false)
		} else {
			a, err = p.operand()
		}
		if err != nil {
			return nil, err
		}
		f.args = append(f.args, a)
		if p.peek().kind == "," {
			p.next()
			continue
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		break
	}
	want := map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "size": 1, "attribute_type": 2, "begins_with": 2, "contains": 2, "if_not_exists": 2, "list_append": 2}[name]
	if len(f.args) != want {
		return nil, p.fail("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(f.args))
	}
	return f, p.checkCall(f)
}

// checkCall applies the operand rules DynamoDB checks before evaluating.
func (p *dynParser) checkCall(f *dynOperand) error {
	badType := func(a *dynOperand) error {
		t := "unknown"
		if a.value != nil {
			t = a.value.T
		}
		return p.fail("Incorrect operand type for operator or function; operator or function: %s, operand type: %s", f.fn, t)
	}
	switch f.fn {
	case "attribute_exists", "attribute_not_exists", "size":
		if f.args[0].path == nil {
			return p.fail("Operator or function requires a document path; operator or function: %s", f.fn)
		}
	case "attribute_type":
		if f.args[0].path == nil {
			return p.fail("Operator or function requires a document path; operator or function: %s", f.fn)
		}
		v := f.args[1].value
		if v == nil || v.T != "S" {
			return badType(f.args[1])
		}
		if !map[string]bool{"S": true, "SS": true, "N": true, "NS": true, "B": true, "BS": true, "BOOL": true, "NULL": true, "L": true, "M": true}[v.S] {
			return p.fail("Invalid attribute type name found; type: %s, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }", v.S)
		}
	case "begins_with":
		for _, a := range f.args {
			if a.value != nil && a.value.T != "S" && a.value.T != "B" {
				return badType(a)
			}
		}
	case "if_not_exists":
		if f.args[0].path == nil {
			return p.fail("Operator or function requires a document path; operator or function: %s", f.fn)
		}
	case "list_append":
		for _, a := range f.args {
			if a.value != nil && a.value.T != "L" {
				return badType(a)
			}
		}
	}
	return nil
}

// condition parses a whole condition expression.
func (p *dynParser) condition() (*dynCond, error) {
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	return c, p.end()
}

func (p *dynParser) or() (*dynCond, error) {
	c, err := p.and()
	for err == nil && p.keyword("OR") {
		p.next()
		var r *dynCond
		if r, err = p.and(); err == nil {
			c = &dynCond{op: "OR", kids: []*dynCond{c, r}}
		}
	}
	return c, err
}

func (p *dynParser) and() (*dynCond, error) {
	c, err := p.not()
	for err == nil && p.keyword("AND") {
		p.next()
		var r *dynCond
		if r, err = p.not(); err == nil {
			c = &dynCond{op: "AND", kids: []*dynCond{c, r}}
		}
	}
	return c, err
}

func (p *dynParser) not() (*dynCond, error) {
	if p.keyword("NOT") {
		p.next()
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return &dynCond{op: "NOT", kids: []*dynCond{c}}, nil
	}
	return p.primary()
}

var dynComparators = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *dynParser) primary() (*dynCond, error) {
	if p.peek().kind == "(" {
		p.next()
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		return c, p.expect(")")
	}
	if t := p.peek(); t.kind == "name" && p.toks[p.pos+1].kind == "(" && dynFunctions[t.text] == "c" {
		f, err := p.call()
		if err != nil {
			return nil, err
		}
		return &dynCond{op: f.fn, args: f.args}, nil
	}
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	if left.fn != "" && dynFunctions[left.fn] != "o" {
		return nil, p.fail("The function is not allowed to be used this way in an expression; function: %s", left.fn)
	}
	t := p.peek()
	switch {
	case dynComparators[t.kind]:
		p.next()
		right, err := p.operand()
		if err != nil {
			return nil, err
		}
		if right.fn != "" && dynFunctions[right.fn] != "o" {
			return nil, p.fail("The function is not allowed to be used this way in an expression; function: %s", right.fn)
		}
		return &dynCond{op: t.kind, args: []*dynOperand{left, right}}, nil
	case p.keyword("BETWEEN"):
		p.next()
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, p.syntaxError()
		}
		p.next()
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		if c, ok := dynCompare(lo.value, hi.value); ok && c > 0 {
			return nil, p.fail("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}", lo.value.T, lo.value.S, hi.value.T, hi.value.S)
		}
		return &dynCond{op: "BETWEEN", args: []*dynOperand{left, lo, hi}}, nil
	case p.keyword("IN"):
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		c := &dynCond{op: "IN", args: []*dynOperand{left}}
		for {
			o, err := p.operand()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, o)
			if p.peek().kind == "," {
				p.next()
				continue
			}
			if len(c.args) > 101 {
				return nil, p.fail("The IN operator is provided with too many operands; number of operands: %d", len(c.args)-1)
			}
			return c, p.expect(")")
		}
	}
	return nil, p.syntaxError()
}

// projection parses a projection expression: paths separated by commas.
func (p *dynParser) projection() ([]dynPath, error) {
	var out []dynPath
	for {
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		out = append(out, path)
		if p.peek().kind != "," {
			return out, p.end()
		}
		p.next()
	}
}

// dynUpdate is a parsed update expression.
type dynUpdate struct {
	set     []dynSetAction
	remove  []dynPath
	add     []dynSetAction // value is a placeholder
	delete  []dynSetAction
	touched []dynPath // every path an action writes, for the overlap check
}

type dynSetAction struct {
	path  dynPath
	value *dynOperand
}

func (p *dynParser) update() (*dynUpdate, error) {
	u := &dynUpdate{}
	seen := map[string]bool{}
	for p.peek().kind != "" {
		t := p.peek()
		clause := strings.ToUpper(t.text)
		if t.kind != "name" || !map[string]bool{"SET": true, "REMOVE": true, "ADD": true, "DELETE": true}[clause] {
			return nil, p.syntaxError()
		}
		p.next()
		if seen[clause] {
			return nil, p.fail("The %q section can only be used once in an update expression;", clause)
		}
		seen[clause] = true
		for {
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			u.touched = append(u.touched, path)
			switch clause {
			case "SET":
				if err := p.expect("="); err != nil {
					return nil, err
				}
				v, err := p.setValue(true)
				if err != nil {
					return nil, err
				}
				u.set = append(u.set, dynSetAction{path, v})
			case "REMOVE":
				u.remove = append(u.remove, path)
			default:
				v, err := p.operand()
				if err != nil {
					return nil, err
				}
				if v.value == nil {
					return nil, p.syntaxError()
				}
				if clause == "ADD" {
					if !map[string]bool{"N": true, "SS": true, "NS": true, "BS": true}[v.value.T] {
						return nil, p.fail("Incorrect operand type for operator or function; operator: ADD, operand type: %s", dynTypeName(v.value.T))
					}
					u.add = append(u.add, dynSetAction{path, v})
				} else {
					if v.value.T != "SS" && v.value.T != "NS" && v.value.T != "BS" {
						return nil, p.fail("Incorrect operand type for operator or function; operator: DELETE, operand type: %s", dynTypeName(v.value.T))
					}
					u.delete = append(u.delete, dynSetAction{path, v})
				}
			}
			if p.peek().kind != "," {
				break
			}
			p.next()
		}
	}
	for i, a := range u.touched {
		for _, b := range u.touched[i+1:] {
			if a.overlaps(b) {
				return nil, p.fail("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [%s], path two: [%s]", a.bracketed(), b.bracketed())
			}
		}
	}
	return u, nil
}

// setValue reads the right side of a SET action: an operand, or two joined
// by + or - when arithmetic is allowed there.
func (p *dynParser) setValue(arithmetic bool) (*dynOperand, error) {
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	if left.fn != "" && dynFunctions[left.fn] == "c" {
		return nil, p.fail("The function is not allowed in an update expression; function: %s", left.fn)
	}
	if left.fn == "size" {
		return nil, p.fail("The function is not allowed in an update expression; function: size")
	}
	if t := p.peek().kind; arithmetic && (t == "+" || t == "-") {
		p.next()
		right, err := p.setValue(false)
		if err != nil {
			return nil, err
		}
		return &dynOperand{op: t, args: []*dynOperand{left, right}}, nil
	}
	return left, nil
}

func (p dynPath) overlaps(q dynPath) bool {
	n := min(len(p), len(q))
	for i := range n {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// bracketed is a path as DynamoDB's overlap message shows it: [a, b, [0]].
func (p dynPath) bracketed() string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.name == "" {
			parts[i] = fmt.Sprintf("[%d]", e.index)
		} else {
			parts[i] = e.name
		}
	}
	return strings.Join(parts, ", ")
}

// dynTypeName is a type as DynamoDB's operand messages name it.
func dynTypeName(t string) string {
	return map[string]string{"S": "STRING", "N": "NUMBER", "B": "BINARY", "BOOL": "BOOLEAN", "NULL": "NULL", "L": "LIST", "M": "MAP",
		"SS": "SET_OF_STRING", "NS": "SET_OF_NUMBER", "BS": "SET_OF_BINARY"}[t]
}
