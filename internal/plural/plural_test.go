package plural

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "0 accounts"},
		{1, "1 account"},
		{2, "2 accounts"},
		{-1, "-1 accounts"},
	} {
		if got := Count(c.n, "account", "accounts"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := Count(1, "person", "people"); got != "1 person" {
		t.Errorf("Count(1, person) = %q", got)
	}
	if got := Of(3, "thing needs", "things need"); got != "things need" {
		t.Errorf("Of(3) = %q", got)
	}
}
