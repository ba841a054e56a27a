package scan

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
)

const id3 = "AKIAZT5RUDXKQ7MWV4PA"

func sandboxClients(t *testing.T, opts sandbox.Options) (*sts.Client, *iam.Client) {
	t.Helper()
	_, url := sandboxtest.Start(t, opts)
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		// The caller's own credentials: the sandbox's management-account admin.
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
		config.WithBaseEndpoint(url), config.WithRetryer(testtool.RetryConnectionErrors),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	return sts.NewFromConfig(cfg), iam.NewFromConfig(cfg)
}

func TestVerify(t *testing.T) {
	created := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	used := time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)
	seed := sandbox.DefaultSeed()
	seed.Accounts[0].IAMUsers = []sandbox.SeedIAMUser{
		{Name: "web"},
		{Name: "ci", AccessKeys: []sandbox.SeedAccessKey{
			{ID: "AKIAAAAAAAAAAAAAAAAB", Status: "Inactive", Created: &created},
			{ID: id1, Created: &created, LastUsed: &used, LastUsedService: "s3", LastUsedRegion: "eu-west-1"},
		}},
		{Name: "old", AccessKeys: []sandbox.SeedAccessKey{{ID: id3, Status: "Inactive", Created: &created}}},
	}
	seed.Accounts[1].IAMUsers = []sandbox.SeedIAMUser{{Name: "dev", AccessKeys: []sandbox.SeedAccessKey{{ID: "AKIAQ3EGYOJ2BMYTDEV2"}}}}
	stsc, iamc := sandboxClients(t, sandbox.Options{Seed: seed})
	got, err := Verify(context.Background(), stsc, iamc, []string{id1, id3, "AKIAQ3EGYOJ2BMYTDEV2", "AKIAQ3EGYOJ2BMYGONE2"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Verification{
		id1: {Account: "111111111111", Yours: true, Found: true, User: "ci", Status: "Active", Created: created,
			LastUsed: used, LastUsedService: "s3", LastUsedRegion: "eu-west-1"},
		id3: {Account: "111111111111", Yours: true, Found: true, User: "old", Status: "Inactive", Created: created,
			LastUsedService: "N/A", LastUsedRegion: "N/A"},
		"AKIAQ3EGYOJ2BMYTDEV2": {Account: "222222222222"},
		// The sandbox, like AWS for unknown keys, names some account; no user there has it.
		"AKIAQ3EGYOJ2BMYGONE2": {Account: "111111111111", Yours: true,
			Error: "no IAM user of account 111111111111 has this key (deleted, or the root user's)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Verify (-want +got):\n%s", diff)
	}
}

// TestVerifyErrorsPerKey: AWS failing is recorded per key, never fatal.
func TestVerifyErrorsPerKey(t *testing.T) {
	stsc, iamc := sandboxClients(t, sandbox.Options{Fail5xx: 1})
	got, err := Verify(context.Background(), stsc, iamc, []string{id1, id3})
	if err != nil {
		t.Fatalf("Verify = %v, want per-key errors", err)
	}
	for id, v := range got {
		if v.Error == "" || v.Account != "" || v.Found {
			t.Errorf("%s: %+v, want only an error", id, v)
		}
		if s := v.String(); s[:len("not verified: sts:GetCallerIdentity")] != "not verified: sts:GetCallerIdentity" {
			t.Errorf("%s: %q, want it to name the failed call", id, s)
		}
	}
	if got, err := Verify(context.Background(), stsc, iamc, nil); err != nil || len(got) != 0 {
		t.Errorf("no keys: %v, %v; want no calls", got, err)
	}
}
