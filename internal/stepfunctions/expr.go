package stepfunctions

import (
	"cmp"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	mrand "math/rand/v2"
	"strings"
	"time"

	jsonata "github.com/blues/jsonata-go"
	"github.com/blues/jsonata-go/jlib"
	"github.com/blues/jsonata-go/jtypes"
)

// JSONata in Step Functions: a string value "{% expr %}" is an expression,
// any other string a literal. Expressions see the reserved variable
// $states and the workflow's variables.

// exprOf returns the expression of a "{% ... %}" string.
func exprOf(s string) (string, bool) {
	if len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") {
		return strings.TrimSpace(s[2 : len(s)-2]), true
	}
	return "", false
}

// compileCheck tells whether expr compiles.
func compileCheck(expr string) error {
	if expr == "" {
		return errors.New("the expression is empty")
	}
	_, err := jsonata.Compile(expr)
	return err
}

// evalEnv is what an expression can see.
type evalEnv struct {
	states map[string]any // input, result, errorOutput, context
	vars   map[string]any
	now    time.Time
}

// evalError is a States.QueryEvaluationError.
func evalError(field, expr string, err error) *Failure {
	return &Failure{Error: ErrQueryEvaluation,
		Cause: fmt.Sprintf("An error occurred while evaluating the expression '%s' specified for the field '%s': %v", expr, field, err)}
}

// eval evaluates one expression.
func (env *evalEnv) eval(field, expr string) (any, *Failure) {
	e, err := jsonata.Compile(expr)
	if err != nil {
		return nil, evalError(field, expr, err)
	}
	vars := make(map[string]any, len(env.vars)+1)
	for k, v := range env.vars {
		vars[k] = v
	}
	vars["states"] = env.states
	if err := e.RegisterVars(vars); err != nil {
		return nil, evalError(field, expr, err)
	}
	if err := e.RegisterExts(env.functions()); err != nil {
		return nil, evalError(field, expr, err)
	}
	v, err := e.Eval(nil)
	if errors.Is(err, jsonata.ErrUndefined) {
		return nil, &Failure{Error: ErrQueryEvaluation,
			Cause: fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", expr, field)}
	}
	if err != nil {
		return nil, evalError(field, expr, err)
	}
	// Back to plain JSON values (the library may hand out its own types).
	b, err := json.Marshal(v)
	if err != nil {
		return nil, evalError(field, expr, err)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out, nil
}

// template evaluates the expressions in v, at any depth of objects and
// arrays; field names where v is, for error messages.
func (env *evalEnv) template(field string, v any) (any, *Failure) {
	switch t := v.(type) {
	case string:
		if expr, ok := exprOf(t); ok {
			return env.eval(field, expr)
		}
		return t, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			y, f := env.template(field+"/"+k, x)
			if f != nil {
				return nil, f
			}
			out[k] = y
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			y, f := env.template(fmt.Sprintf("%s[%d]", field, i), x)
			if f != nil {
				return nil, f
			}
			out[i] = y
		}
		return out, nil
	}
	return v, nil
}

// functions are Step Functions' additions to JSONata, and $now and $millis
// on the execution's clock.
func (env *evalEnv) functions() map[string]jsonata.Extension {
	ms := env.now.UnixMilli()
	return map[string]jsonata.Extension{
		"now": {Func: func(picture, tz jtypes.OptionalString) (string, error) {
			return jlib.FromMillis(ms, picture, tz)
		}},
		"millis":    {Func: func() int64 { return ms }},
		"hash":      {Func: hashFunc},
		"partition": {Func: partition},
		"range":     {Func: rangeFunc},
		"random":    {Func: random},
		"uuid":      {Func: uuid},
		"parse":     {Func: parse},
		// JSONata 2.x functions the library (JSONata 1.x) lacks.
		"base64encode": {Func: func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }},
		"base64decode": {Func: base64decode},
		"assert":       {Func: assertFunc},
	}
}

func base64decode(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("$base64decode: %v", err)
	}
	return string(b), nil
}

// assertFunc is $assert(condition, message): an error when condition is
// false.
func assertFunc(cond bool, msg jtypes.OptionalString) (bool, error) {
	if !cond {
		return false, errors.New(cmp.Or(msg.String, "$assert() statement failed"))
	}
	return true, nil
}

// hashFunc is $hash(value, algorithm): the hex digest of a string.
func hashFunc(value, algorithm string) (string, error) {
	var h hash.Hash
	switch algorithm {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return "", fmt.Errorf("$hash: the algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", algorithm)
	}
	h.Write([]byte(value))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// partition is $partition(array, size): the array in chunks of size, the
// last one shorter.
func partition(arr []any, size float64) ([]any, error) {
	if size < 1 || size != math.Trunc(size) {
		return nil, fmt.Errorf("$partition: the chunk size must be a positive integer, not %v", size)
	}
	n := int(size)
	out := []any{}
	for i := 0; i < len(arr); i += n {
		out = append(out, arr[i:min(i+n, len(arr))])
	}
	return out, nil
}

// maxRange is States.ArrayRange's limit on the elements it makes.
const maxRange = 1000

// rangeFunc is $range(start, end, step): start to end inclusive.
func rangeFunc(start, end, step float64) ([]any, error) {
	if step == 0 || start != math.Trunc(start) || end != math.Trunc(end) || step != math.Trunc(step) {
		return nil, errors.New("$range: start, end and step must be integers and step not zero")
	}
	out := []any{}
	for v := start; step > 0 && v <= end || step < 0 && v >= end; v += step {
		if len(out) == maxRange {
			return nil, fmt.Errorf("$range: at most %d elements", maxRange)
		}
		out = append(out, v)
	}
	return out, nil
}

// random is $random([seed]): a number in [0, 1), the same for the same
// seed.
func random(seed jtypes.OptionalFloat64) float64 {
	if seed.IsSet() {
		s := uint64(int64(seed.Float64))
		return mrand.New(mrand.NewPCG(s, s)).Float64()
	}
	return mrand.Float64()
}

// uuid is $uuid(): a version 4 UUID.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// parse is $parse(string): the JSON value a string holds.
func parse(s string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("$parse: %v", err)
	}
	return v, nil
}
