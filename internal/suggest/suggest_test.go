package suggest

import "testing"

func TestClosest(t *testing.T) {
	for _, c := range []struct {
		name  string
		known []string
		want  string
	}{
		{"detailed-exitcodes", []string{"file", "detailed-exitcode", "prune"}, "detailed-exitcode"},
		{"Prnue", []string{"file", "detailed-exitcode", "prune"}, "prune"},
		{"lamda", []string{"lambda", "ec2"}, "lambda"},
		{"nosuchservice", []string{"lambda", "ec2", "sns"}, ""},
		{"x", nil, ""},
		{"ec3", []string{"ec2", "ecs"}, "ec2"}, // the first of equals
	} {
		if got := Closest(c.name, c.known); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
