package audit

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const reportHeader = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active," +
	"access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
	"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service," +
	"cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"

func tp(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestParseCredentialReport(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name, in string
		want     []ReportRow
		err      string
	}{
		{name: "root, old format", in: reportHeader +
			"<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,2026-04-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
			want: []ReportRow{{User: RootUser, ARN: "arn:aws:iam::111111111111:root", Created: tp("2020-01-01T00:00:00Z"), PasswordLastUsed: tp("2026-04-01T10:00:00Z"), MFAActive: true}}},
		{name: "root, new format", in: reportHeader +
			"<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,false,no_information,N/A,N/A,false,true,2021-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
			want: []ReportRow{{User: RootUser, ARN: "arn:aws:iam::1:root", Created: tp("2020-01-01T00:00:00Z"), PasswordEnabled: &no,
				Keys: [2]ReportKey{{Active: true, LastRotated: tp("2021-01-01T00:00:00Z")}}}}},
		{name: "user with two keys and a cert", in: reportHeader +
			"bob,arn:aws:iam::1:user/bob,2020-01-01T00:00:00+00:00,true,no_information,2020-01-01T00:00:00+00:00,N/A,false," +
			"true,2020-02-01T00:00:00+00:00,2026-04-30T08:00:00+00:00,eu-west-1,s3,true,2020-03-01T00:00:00+00:00,N/A,N/A,N/A,true,2020-01-05T00:00:00+00:00,false,N/A\n",
			want: []ReportRow{{User: "bob", ARN: "arn:aws:iam::1:user/bob", Created: tp("2020-01-01T00:00:00Z"), PasswordEnabled: &yes,
				PasswordLastChanged: tp("2020-01-01T00:00:00Z"),
				Keys: [2]ReportKey{{Active: true, LastRotated: tp("2020-02-01T00:00:00Z"), LastUsed: tp("2026-04-30T08:00:00Z"), LastUsedRegion: "eu-west-1", LastUsedService: "s3"},
					{Active: true, LastRotated: tp("2020-03-01T00:00:00Z")}},
				Certs: [2]ReportCert{{Active: true, LastRotated: tp("2020-01-05T00:00:00Z")}}}}},
		{name: "header only", in: reportHeader},
		{name: "missing column", in: "user,arn\nx,y\n", err: "no user_creation_time column"},
		{name: "short row", in: reportHeader + "bob,arn\n", err: "row 2 has 2 fields, the header 22"},
		{name: "bad time", in: reportHeader + "bob,a,yesterday,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
			err: `row 2, user_creation_time: "yesterday" is not a time`},
		{name: "bad bool", in: reportHeader + "bob,a,N/A,maybe,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
			err: `row 2, password_enabled: "maybe" is not true or false`},
		{name: "empty", in: "", err: "read header: EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCredentialReport([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzReport: the parser never panics, and what it accepts it writes back
// to a report that parses to the same rows.
func FuzzReport(f *testing.F) {
	f.Add([]byte(reportHeader + "<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"))
	f.Add([]byte(reportHeader + "bob,\"a,b\",2020-01-01T00:00:00.5+02:00,true,N/A,N/A,N/A,false,true,2020-02-01T00:00:00Z,2020-02-01T00:00:00Z,N/A,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"))
	f.Add([]byte("user,arn\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseCredentialReport(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteCredentialReport(&b, rows); err != nil {
			t.Fatal(err)
		}
		again, err := ParseCredentialReport(b.Bytes())
		if err != nil {
			t.Fatalf("written report does not parse: %v\n%s", err, b.String())
		}
		if diff := cmp.Diff(rows, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
