package scoped

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPolicy(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.json")
	if err := os.WriteFile(file, []byte("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	trust := filepath.Join(dir, "trust.json")
	if err := os.WriteFile(trust, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	one := filepath.Join(dir, "one.json")
	if err := os.WriteFile(one, []byte(`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"x"},"Action":"*","Resource":"*"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("s3:GetObject,", 200)
	for _, tc := range []struct {
		scope     []string
		want, err string
	}{
		{[]string{"s3:GetObject,s3:ListBucket"}, `{"Statement":[{"Action":["s3:GetObject","s3:ListBucket"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}`, ""},
		{[]string{"s3:Get*", "arn:aws:s3:::logs/*, arn:aws:s3:::logs"}, `{"Statement":[{"Action":["s3:Get*"],"Effect":"Allow","Resource":["arn:aws:s3:::logs/*","arn:aws:s3:::logs"]}],"Version":"2012-10-17"}`, ""},
		{[]string{"file://" + file}, `{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`, ""},
		{[]string{"s3:GetObject", "file://" + file}, "", "a policy file is the whole scope"},
		{[]string{"file://" + trust}, "", "trust.json is not a session policy: its statement 1 names a Principal"},
		{[]string{"file://" + one}, "", "one.json is not a session policy: its statement 1 names a NotPrincipal"},
		{[]string{"s3 GetObject"}, "", `--scope "s3 GetObject": neither an action`},
		{[]string{"arn:aws:s3:::logs"}, "", "--scope names no action"},
		{[]string{big}, "", "more than STS's 2048"},
	} {
		got, err := Policy("--scope", tc.scope)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: err %v, want %q", tc.scope, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tc.scope, err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%v: -want +got\n%s", tc.scope, d)
		}
	}
}

func TestCheckTTL(t *testing.T) {
	for d, ok := range map[time.Duration]bool{14 * time.Minute: false, 15 * time.Minute: true, time.Hour: true, 61 * time.Minute: false} {
		if err := CheckTTL(d); (err == nil) != ok {
			t.Errorf("CheckTTL(%s) = %v", d, err)
		}
	}
	// The flag's value as it was typed, not Go's 2h0m0s.
	if err := CheckTTL(2 * time.Hour); err == nil || !strings.HasPrefix(err.Error(), "--ttl 2h: ") {
		t.Errorf("CheckTTL(2h) = %v, want it to start with --ttl 2h:", err)
	}
	for d, want := range map[time.Duration]string{2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 10 * time.Minute: "10m", 14*time.Minute + 30*time.Second: "14m30s", 5 * time.Second: "5s"} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
