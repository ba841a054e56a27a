package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

func sessionConfig(cfg aws.Config, c *ststypes.Credentials) aws.Config {
	out := cfg.Copy()
	out.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return out
}

func wantLifetime(t *testing.T, c *ststypes.Credentials, want time.Duration) {
	t.Helper()
	if left := time.Until(aws.ToTime(c.Expiration)); left > want+time.Minute || left < want-time.Minute {
		t.Errorf("credentials last %v, want %v", left, want)
	}
}

// GetSessionToken and GetFederationToken, on the sandbox and moto.
func TestConformanceSessionAndFederationTokens(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		client := sts.NewFromConfig(tg.cfg)
		me := must(client.GetCallerIdentity(ctx, nil))(t)
		acct := aws.ToString(me.Account)

		st := must(client.GetSessionToken(ctx, &sts.GetSessionTokenInput{}))(t)
		wantLifetime(t, st.Credentials, 12*time.Hour) // the model's default, 43200 s
		st = must(client.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129600)}))(t)
		wantLifetime(t, st.Credentials, 36*time.Hour)

		fed := must(client.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob")}))(t)
		wantARN := "arn:aws:sts::" + acct + ":federated-user/bob"
		if got := aws.ToString(fed.FederatedUser.Arn); got != wantARN {
			t.Errorf("FederatedUser.Arn = %s, want %s", got, wantARN)
		}
		if got := aws.ToString(fed.FederatedUser.FederatedUserId); got != acct+":bob" {
			t.Errorf("FederatedUserId = %s, want %s:bob", got, acct)
		}
		wantLifetime(t, fed.Credentials, 12*time.Hour)

		// What AWS refuses (botocore's model: DurationSeconds 900..129600,
		// Name 2..32 of [\w+=,.@-]; the API reference: neither operation
		// takes temporary credentials). moto takes them all
		// (moto/sts/responses.py checks only a federation policy's length).
		refused := []struct {
			name string
			call func() error
			code string
		}{
			{"a session shorter than 900 s", func() error {
				_, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(899)})
				return err
			}, "ValidationError"},
			{"a session longer than 36 h", func() error {
				_, err := client.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), DurationSeconds: aws.Int32(129601)})
				return err
			}, "ValidationError"},
			{"a one-letter name", func() error {
				_, err := client.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("b")})
				return err
			}, "ValidationError"},
			{"a name with a space", func() error {
				_, err := client.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob smith")})
				return err
			}, "ValidationError"},
			{"GetSessionToken with a federated user's credentials", func() error {
				_, err := sts.NewFromConfig(sessionConfig(tg.cfg, fed.Credentials)).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
				return err
			}, "AccessDenied"},
			{"GetFederationToken with a federated user's credentials", func() error {
				_, err := sts.NewFromConfig(sessionConfig(tg.cfg, fed.Credentials)).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("eve")})
				return err
			}, "AccessDenied"},
		}
		for _, tc := range refused {
			err := tc.call()
			if tg.moto {
				if err != nil {
					t.Errorf("%s: moto now refuses it (%v): update this scenario and docs/sandbox.md", tc.name, err)
				}
				continue
			}
			t.Run(tc.name, func(t *testing.T) { wantCode(t, err, tc.code) })
		}
		if tg.moto {
			return
		}
		// The credentials act as who asked for them: the IAM user for a
		// session token, the federated user for a federation token. (moto
		// hands out one fixed key for both, which acts as its default user.)
		id := must(sts.NewFromConfig(sessionConfig(tg.cfg, st.Credentials)).GetCallerIdentity(ctx, nil))(t)
		if aws.ToString(id.Arn) != aws.ToString(me.Arn) {
			t.Errorf("session token acts as %s, want %s", aws.ToString(id.Arn), aws.ToString(me.Arn))
		}
		id = must(sts.NewFromConfig(sessionConfig(tg.cfg, fed.Credentials)).GetCallerIdentity(ctx, nil))(t)
		if aws.ToString(id.Arn) != wantARN || aws.ToString(id.UserId) != acct+":bob" {
			t.Errorf("federation token acts as %s (%s), want %s", aws.ToString(id.Arn), aws.ToString(id.UserId), wantARN)
		}
		// A role session may not call either.
		rs := must(client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"),
			RoleSessionName: aws.String("ops")}))(t)
		for _, err := range []error{
			func() error {
				_, err := sts.NewFromConfig(sessionConfig(tg.cfg, rs.Credentials)).GetSessionToken(ctx, nil)
				return err
			}(),
			func() error {
				_, err := sts.NewFromConfig(sessionConfig(tg.cfg, rs.Credentials)).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("eve")})
				return err
			}(),
		} {
			wantCode(t, err, "AccessDenied")
		}
	})
}

// GetSessionToken with MFA: the serial must be one of the calling user's
// devices, and both the serial and the code are needed.
func TestGetSessionTokenMFA(t *testing.T) {
	seed := DefaultSeed()
	seed.Accounts[1].IAMUsers = []SeedIAMUser{{Name: "ops", MFA: true, AccessKeys: []SeedAccessKey{{ID: "AKIAOPSOPSOPSOPSOPS2", Secret: "ops-secret"}}}}
	_, url := startSandbox(t, Options{Seed: seed})
	cfg := sdkConfig(t, url)
	cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIAOPSOPSOPSOPSOPS2", "ops-secret", "")
	ctx := context.Background()
	client := sts.NewFromConfig(cfg)
	serial := "arn:aws:iam::222222222222:mfa/ops"

	out := must(client.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String("123456"), DurationSeconds: aws.Int32(3600)}))(t)
	wantLifetime(t, out.Credentials, time.Hour)
	id := must(sts.NewFromConfig(sessionConfig(cfg, out.Credentials)).GetCallerIdentity(ctx, nil))(t)
	if aws.ToString(id.Arn) != "arn:aws:iam::222222222222:user/ops" {
		t.Errorf("session acts as %s, want the user ops", aws.ToString(id.Arn))
	}
	for _, in := range []*sts.GetSessionTokenInput{
		{SerialNumber: aws.String(serial)},
		{TokenCode: aws.String("123456")},
		{SerialNumber: aws.String("arn:aws:iam::222222222222:mfa/someone"), TokenCode: aws.String("123456")},
	} {
		_, err := client.GetSessionToken(ctx, in)
		wantCode(t, err, "AccessDenied")
	}
	// IAM takes session tokens obtained with MFA only, and never a
	// federated user's (InvalidClientTokenId, as AWS answers).
	must(iam.NewFromConfig(sessionConfig(cfg, out.Credentials)).ListUsers(ctx, &iam.ListUsersInput{}))(t)
	plain := must(client.GetSessionToken(ctx, &sts.GetSessionTokenInput{}))(t)
	_, err := iam.NewFromConfig(sessionConfig(cfg, plain.Credentials)).ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "InvalidClientTokenId")
	fed := must(client.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("ops-fed")}))(t)
	_, err = iam.NewFromConfig(sessionConfig(cfg, fed.Credentials)).ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "InvalidClientTokenId")

	_, err = client.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String("12345")})
	wantCode(t, err, "ValidationError")
	if err != nil && !strings.Contains(err.Error(), "tokenCode") {
		t.Errorf("error does not name tokenCode: %v", err)
	}
}
