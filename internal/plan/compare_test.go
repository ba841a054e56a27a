package plan

import "testing"

// TestSamePolicy: an inline policy is compared as JSON, so a session cut
// the elevation machines wrote with their own key order is no change, and
// any real difference still is.
func TestSamePolicy(t *testing.T) {
	const stored = `{"Statement":[{"Action":"*","Effect":"Deny","Resource":"*","Sid":"KeylessCut1"}],"Version":"2012-10-17"}`
	for _, c := range []struct {
		want string
		same bool
	}{
		{`{"Version": "2012-10-17", "Statement": [{"Sid": "KeylessCut1", "Effect": "Deny", "Action": "*", "Resource": "*"}]}`, true},
		{stored, true},
		{`{"Version":"2012-10-17","Statement":[{"Sid":"KeylessCut1","Effect":"Allow","Action":"*","Resource":"*"}]}`, false},
		{`{"Version":"2012-10-17","Statement":[]}`, false},
		{``, false},
		{`not json`, false},
	} {
		if got := samePolicy(stored, c.want); got != c.same {
			t.Errorf("samePolicy(stored, %s) = %v, want %v", c.want, got, c.same)
		}
	}
}
