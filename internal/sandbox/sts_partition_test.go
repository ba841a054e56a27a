package sandbox

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// STS signed for a region of another partition names its sessions in that
// partition, and assumes roles named by that partition's ARNs only.
func TestConformanceSTSPartition(t *testing.T) {
	ctx := context.Background()
	for region, partition := range map[string]string{"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		t.Run(region, func(t *testing.T) {
			forEachTarget(t, func(t *testing.T, tg *target) {
				cfg := tg.cfg.Copy()
				cfg.Region = region
				client := sts.NewFromConfig(cfg)
				acct := aws.ToString(must(client.GetCallerIdentity(ctx, nil))(t).Account)

				role := "arn:" + partition + ":iam::222222222222:role/OrganizationAccountAccessRole"
				ar := must(client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("member")}))(t)
				wantARN := "arn:" + partition + ":sts::222222222222:assumed-role/OrganizationAccountAccessRole/member"
				if got := aws.ToString(ar.AssumedRoleUser.Arn); got != wantARN {
					t.Errorf("AssumeRole %s: AssumedRoleUser.Arn = %s, want %s", role, got, wantARN)
				}
				scfg := cfg.Copy()
				c := ar.Credentials
				scfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
				if got := aws.ToString(must(sts.NewFromConfig(scfg).GetCallerIdentity(ctx, nil))(t).Arn); got != wantARN {
					t.Errorf("GetCallerIdentity of the session = %s, want %s", got, wantARN)
				}

				fed := must(client.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob")}))(t)
				if got, want := aws.ToString(fed.FederatedUser.Arn), "arn:"+partition+":sts::"+acct+":federated-user/bob"; got != want {
					t.Errorf("FederatedUser.Arn = %s, want %s", got, want)
				}

				// A role ARN of the aws partition names no role of this
				// partition's accounts: AWS refuses it. moto assumes any
				// role ARN, existing or not (as it does in the aws partition).
				other := "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
				_, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(other), RoleSessionName: aws.String("member")})
				var ae smithy.APIError
				switch {
				case tg.moto:
					if err != nil {
						t.Errorf("moto AssumeRole %s signed for %s: %v, want it to succeed as moto does for any role", other, region, err)
					}
				case !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied":
					t.Errorf("AssumeRole %s signed for %s: %v, want AccessDenied", other, region, err)
				}
			})
		})
	}
}

// AssumeRoot signed for another partition's region takes that partition's
// task policy and root ARNs, and its session is that partition's root user.
func TestSTSAssumeRootPartition(t *testing.T) {
	ctx := context.Background()
	seed := &Seed{CentralizedRootAccess: true, Accounts: []SeedAccount{{ID: "111111111111"}, {ID: "222222222222"}}}
	_, url := startSandbox(t, Options{Seed: seed})
	cfg := sdkConfig(t, url)
	cfg.Region = "cn-north-1"
	task := "arn:aws-cn:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
	for _, tc := range []struct{ target, task, code string }{
		{"222222222222", deleteRootTask, "ValidationError"},
		{"arn:aws:iam::222222222222:root", task, "ValidationError"},
		{"arn:aws-cn:iam::222222222222:root", task, ""},
	} {
		out, err := assumeRoot(cfg, tc.target, tc.task, 900)
		var ae smithy.APIError
		switch {
		case tc.code != "":
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
				t.Errorf("AssumeRoot %s %s: %v, want %s", tc.target, tc.task, err, tc.code)
			}
			continue
		case err != nil:
			t.Fatalf("AssumeRoot %s %s: %v", tc.target, tc.task, err)
		}
		rcfg := cfg.Copy()
		c := out.Credentials
		rcfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
		if got := aws.ToString(must(sts.NewFromConfig(rcfg).GetCallerIdentity(ctx, nil))(t).Arn); got != "arn:aws-cn:iam::222222222222:root" {
			t.Errorf("root session identity = %s, want arn:aws-cn:iam::222222222222:root", got)
		}
	}
}

// The federation operations signed for another partition's region take its
// OIDC and SAML providers, name the provider and the session in it, and
// refuse a SAML provider ARN of the aws partition.
func TestConformanceSTSFederationPartition(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		tg.cfg = tg.cfg.Copy()
		tg.cfg.Region = "cn-north-1"
		iss := startIssuer(t)
		// The sandbox's IAM names roles and OIDC providers in aws whatever
		// the caller's partition (docs/sandbox.md); moto in the caller's.
		inCN := func(arn string) string { return "arn:aws-cn:" + strings.SplitN(arn, ":", 3)[2] }
		roleARN, providerARN := addWebIdentityRole(t, tg, iss)
		roleARN, providerARN = inCN(roleARN), inCN(providerARN)
		acct := strings.Split(roleARN, ":")[4]
		// Both operations are unsigned. AWS knows their partition from the
		// endpoint (sts.cn-north-1.amazonaws.com.cn); the sandbox, with one
		// endpoint, takes the role ARN's; moto puts them in aws always.
		sessions := "arn:aws-cn:sts::"
		if tg.moto {
			sessions = "arn:aws:sts::"
		}
		out := must(assumeWithToken(tg.cfg, roleARN, iss.token(t, iss.key, nil)))(t)
		if got, want := aws.ToString(out.AssumedRoleUser.Arn), sessions+acct+":assumed-role/"+ciRoleName+"/gha-run-42"; got != want {
			t.Errorf("AssumeRoleWithWebIdentity: AssumedRoleUser.Arn = %s, want %s", got, want)
		}
		// moto leaves Provider out (TestConformanceAssumeRoleWithWebIdentity).
		if got := aws.ToString(out.Provider); !tg.moto && got != providerARN {
			t.Errorf("AssumeRoleWithWebIdentity: Provider = %s, want %s", got, providerARN)
		}

		roleARN, providerARN = addSAMLRole(t, tg)
		roleARN, providerARN = inCN(roleARN), inCN(providerARN)
		saml := must(assumeWithSAML(tg.cfg, roleARN, providerARN, samlAssertionFor(roleARN, providerARN, nil)))(t)
		if got, want := aws.ToString(saml.AssumedRoleUser.Arn), sessions+acct+":assumed-role/okta-admins/alice@example.com"; got != want {
			t.Errorf("AssumeRoleWithSAML: AssumedRoleUser.Arn = %s, want %s", got, want)
		}
		// moto checks neither the provider nor the assertion
		// (TestConformanceAssumeRoleWithSAML).
		if !tg.moto {
			other := "arn:aws:" + strings.SplitN(providerARN, ":", 3)[2]
			_, err := assumeWithSAML(tg.cfg, roleARN, other, samlAssertionFor(roleARN, other, nil))
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidIdentityToken" {
				t.Errorf("AssumeRoleWithSAML with %s signed for cn-north-1: %v, want InvalidIdentityToken", other, err)
			}
		}
	})
}
