package sandboxtest

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// Two people sign in to one sandbox, each choosing themselves on the
// sign-in page, and get their own role sessions.
func TestSignInAsTwoUsers(t *testing.T) {
	path := t.TempDir() + "/seed.yaml"
	if err := os.WriteFile(path, []byte(`
users: [{user_name: alice}, {user_name: bob}]
permission_sets: [{name: Admin}]
assignments:
  - {permission_set: Admin, user: alice, accounts: ["222222222222"]}
  - {permission_set: Admin, user: bob, accounts: ["333333333333"]}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := sandbox.LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	_, url := Start(t, sandbox.Options{Seed: seed, AssignmentDelay: -1})
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(url)
	for user, account := range map[string]string{"alice": "222222222222", "bob": "333333333333"} {
		tok := SignIn(t, cfg, user)
		if got := Accounts(t, cfg, tok); !slices.Equal(got, []string{account}) {
			t.Fatalf("%s's accounts = %v", user, got)
		}
		s, err := RoleSession(t, cfg, tok, account, "Admin")
		if err != nil {
			t.Fatal(err)
		}
		id, err := sts.NewFromConfig(s).GetCallerIdentity(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(id.UserId); !slices.Contains([]string{user}, got[len(got)-len(user):]) {
			t.Errorf("%s's session is %s", user, got)
		}
	}
}
