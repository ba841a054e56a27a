package cli

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBusy(t *testing.T) {
	tests := []struct {
		name string
		runs time.Duration
		want string
	}{
		{"quick operations stay silent", 900 * time.Millisecond, ""},
		{"slow ones show a line every five seconds", 11500 * time.Millisecond,
			"reading Identity Center (1s)\nreading Identity Center (6s)\nreading Identity Center (11s)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var out bytes.Buffer
				stop := busy(&out, "reading Identity Center")
				time.Sleep(tt.runs)
				stop()
				if d := cmp.Diff(tt.want, out.String()); d != "" {
					t.Errorf("output (-want +got):\n%s", d)
				}
			})
		})
	}
}

func TestProgressWaitsASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&out)
		p.Update(1, 4, "user alice created")
		time.Sleep(1500 * time.Millisecond)
		p.Update(2, 4, "user bob created")
		p.Update(3, 4, "group Devs created") // within two seconds of the last line
		time.Sleep(2 * time.Second)
		p.Update(4, 4, "assignment created")
		p.Done()
		want := "[2/4] user bob created (2s)\n[4/4] assignment created (4s)\n"
		if d := cmp.Diff(want, out.String()); d != "" {
			t.Errorf("output (-want +got):\n%s", d)
		}
	})
}
