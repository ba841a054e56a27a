package lazyre

import "testing"

func TestCompiledOnFirstUse(t *testing.T) {
	re := New(`^a(b+)$`)
	if re.re != nil {
		t.Fatal("compiled before first use")
	}
	if !re.MatchString("abb") || re.MatchString("ac") {
		t.Error("MatchString")
	}
	if m := re.FindStringSubmatch("abbb"); len(m) != 2 || m[1] != "bbb" {
		t.Errorf("FindStringSubmatch = %q", m)
	}
	if re.String() != `^a(b+)$` {
		t.Errorf("String = %q", re.String())
	}
}

func TestBadPatternPanicsOnFirstUse(t *testing.T) {
	re := New(`(`) // declaring it is fine
	defer func() {
		if recover() == nil {
			t.Error("a bad pattern did not panic on first use")
		}
	}()
	re.MatchString("x")
}
