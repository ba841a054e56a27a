package safeyaml

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// laughs is a billion-laughs document: levels of nine aliases each, under
// a kilobyte, that expand to 9^(levels+1) strings.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), ", "))
	}
	return b.String()
}

func TestBillionLaughsFailsFastInBoundedMemory(t *testing.T) {
	doc := laughs(9) // 9^10 = 3.5 billion strings once expanded
	if len(doc) > 1024 {
		t.Fatalf("the bomb is %d bytes", len(doc))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Parse([]byte(doc))
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if e.Line != 6 || !strings.Contains(e.Msg, "aliases (*a4) expand the document by more than 100000 values") || e.Hint == "" {
		t.Errorf("err = %+v", e)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("parsing the bomb allocated %d MB", alloc>>20)
	}
	if took > 2*time.Second {
		t.Errorf("parsing the bomb took %v", took)
	}
}

func TestAliasesAreReplacedByTheirValues(t *testing.T) {
	f, err := Parse([]byte("admins: &admins [a@example.com, b@example.com]\npower: *admins\nlevels: &l2 [*admins, *admins]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.NodeToValue(f.Docs[0].Body, &v); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(v["power"]) != "[a@example.com b@example.com]" || fmt.Sprint(v["levels"]) != "[[a@example.com b@example.com] [a@example.com b@example.com]]" {
		t.Errorf("decoded %v", v)
	}
	power := f.Docs[0].Body.(*ast.MappingNode).Values[1].Value
	if _, ok := power.(*ast.SequenceNode); !ok {
		t.Errorf("power is %T, want the anchored list", power)
	}
}

func TestUndefinedAliasIsLeftForTheCaller(t *testing.T) {
	f, err := Parse([]byte("power: *admins\nadmins: &admins [a]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Docs[0].Body.(*ast.MappingNode).Values[0].Value.(*ast.AliasNode); !ok {
		t.Fatal("an alias to an anchor defined after it was resolved")
	}
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"too large", "x: " + strings.Repeat("a", MaxBytes), 0, "larger than 1048576 bytes"},
		{"too many lines", strings.Repeat("- a\n", MaxLines), MaxLines + 1, "more than 100000 lines"},
		{"too many flow items", "x: [" + strings.Repeat("a,", MaxFlowItems+1) + "a]", 1, "more than 50000 values in [ ] and { } lists"},
		{"flow nested too deep", "x:\n  y: " + strings.Repeat("[", 65) + strings.Repeat("]", 65), 2, "[ and { nest more than 64 deep"},
		{"many aliases of one big value", "big: &big\n" + strings.Repeat("  - x\n", 60_000) + "copies: [*big, *big]\n", 60_002, "aliases (*big) expand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			var e *Error
			if !errors.As(err, &e) || e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("err = %#v, want line %d and %q", err, tc.line, tc.msg)
			}
		})
	}
	// Just under the limits is fine; commas outside [ ] and { } are text.
	if _, err := Parse([]byte("x: " + strings.Repeat("[", 64) + strings.Repeat("]", 64) + "\nbig: &big [" + strings.Repeat("x, ", 30_000) + "x]\ncopies: [*big, *big, *big]\ntext: " + strings.Repeat("a,", 60_000) + "\n")); err != nil {
		t.Fatal(err)
	}
}
