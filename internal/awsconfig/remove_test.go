package awsconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRemoveSection(t *testing.T) {
	const in = "[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = s1\n\n" +
		"# work's keys\n[work]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\naws_secret_access_key = s2\n\n" +
		"# the last one\n[old]\naws_access_key_id = AKIACCCCCCCCCCCCCCCC\n"
	for _, tc := range []struct {
		header string
		found  bool
		want   string
	}{
		// Comments stay where they were: above a removed header too.
		{"default", true, "# work's keys\n[work]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\naws_secret_access_key = s2\n\n" +
			"# the last one\n[old]\naws_access_key_id = AKIACCCCCCCCCCCCCCCC\n"},
		{"work", true, "[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = s1\n\n" +
			"# work's keys\n\n# the last one\n[old]\naws_access_key_id = AKIACCCCCCCCCCCCCCCC\n"},
		{"old", true, "[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = s1\n\n" +
			"# work's keys\n[work]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\naws_secret_access_key = s2\n\n# the last one\n"},
		{"profile work", false, in},
	} {
		t.Run(tc.header, func(t *testing.T) {
			f, err := Parse("credentials", []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			found, err := f.RemoveSection(tc.header)
			if err != nil || found != tc.found {
				t.Fatalf("RemoveSection = %v, %v; want %v", found, err, tc.found)
			}
			if diff := cmp.Diff(tc.want, string(f.Bytes())); diff != "" {
				t.Errorf("file (-want +got):\n%s", diff)
			}
			if _, ok := f.Section(tc.header); ok {
				t.Errorf("[%s] still there", tc.header)
			}
		})
	}
}
