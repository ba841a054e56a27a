package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

const deleteRootTask = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"

func assumeRoot(cfg aws.Config, target, task string, seconds int32) (*sts.AssumeRootOutput, error) {
	return sts.NewFromConfig(cfg).AssumeRoot(context.Background(), &sts.AssumeRootInput{TargetPrincipal: aws.String(target),
		TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(task)}, DurationSeconds: aws.Int32(seconds)})
}

// A root session deletes a member account's root credentials with the
// IAMDeleteRootUserCredentials task policy, and can do nothing else.
func TestSTSAssumeRootDeletesRootCredentials(t *testing.T) {
	ctx := context.Background()
	seed := &Seed{CentralizedRootAccess: true, Accounts: []SeedAccount{
		{ID: "111111111111"}, {ID: "222222222222", Root: &SeedRoot{AccessKeysPresent: true, MFAEnabled: true}}, {ID: "333333333333"},
	}}
	_, url := startSandbox(t, Options{Seed: seed})
	cfg := sdkConfig(t, url)
	out := must(assumeRoot(cfg, "222222222222", deleteRootTask, 900))(t)
	c := out.Credentials
	rcfg := cfg.Copy()
	rcfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if left := time.Until(aws.ToTime(c.Expiration)); left > 900*time.Second || left < 880*time.Second {
		t.Errorf("session lasts %v, want 900s", left)
	}
	id := must(sts.NewFromConfig(rcfg).GetCallerIdentity(ctx, nil))(t)
	if aws.ToString(id.Arn) != "arn:aws:iam::222222222222:root" || aws.ToString(id.Account) != "222222222222" {
		t.Errorf("root session identity = %s", aws.ToString(id.Arn))
	}
	r := iam.NewFromConfig(rcfg)
	keys := must(r.ListAccessKeys(ctx, &iam.ListAccessKeysInput{}))(t)
	if len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("root keys = %v", keys.AccessKeyMetadata)
	}
	must(r.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: keys.AccessKeyMetadata[0].AccessKeyId}))(t)
	must(r.GetLoginProfile(ctx, &iam.GetLoginProfileInput{}))(t)
	must(r.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{}))(t)
	_, err := r.GetLoginProfile(ctx, &iam.GetLoginProfileInput{})
	wantCode(t, err, "NoSuchEntity")
	mfa := must(r.ListMFADevices(ctx, &iam.ListMFADevicesInput{}))(t)
	if len(mfa.MFADevices) != 1 {
		t.Fatalf("root MFA = %v", mfa.MFADevices)
	}
	must(r.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{SerialNumber: mfa.MFADevices[0].SerialNumber}))(t)
	certs := must(r.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{}))(t)
	if len(certs.Certificates) != 0 {
		t.Errorf("root certificates = %v", certs.Certificates)
	}

	// Outside the task policy: refused.
	_, err = r.ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	_, err = r.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	wantCode(t, err, "AccessDenied")
	_, err = r.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("someone")})
	wantCode(t, err, "AccessDenied")
	_, err = ssoadmin.NewFromConfig(rcfg).ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	wantCode(t, err, "AccessDenied")
	_, err = assumeRoot(rcfg, "333333333333", deleteRootTask, 900)
	wantCode(t, err, "AccessDenied")

	// The member account sees a root user without credentials.
	sum := must(memberIAM(t, cfg, "222222222222").GetAccountSummary(ctx, nil))(t)
	if sum.SummaryMap["AccountAccessKeysPresent"] != 0 || sum.SummaryMap["AccountMFAEnabled"] != 0 {
		t.Errorf("member summary after the root session = %v", sum.SummaryMap)
	}
}

func TestSTSAssumeRootRefusals(t *testing.T) {
	on := &Seed{CentralizedRootAccess: true}
	for _, tc := range []struct {
		name     string
		seed     *Seed
		member   bool // call from the member account 222222222222
		target   string
		task     string
		seconds  int32
		wantCode string
	}{
		{"feature off", nil, false, "222222222222", deleteRootTask, 900, "AccessDenied"},
		{"from a member account", on, true, "333333333333", deleteRootTask, 900, "AccessDenied"},
		{"the management account", on, false, "111111111111", deleteRootTask, 900, "AccessDenied"},
		{"not in the organization", on, false, "999999999999", deleteRootTask, 900, "AccessDenied"},
		{"too long", on, false, "222222222222", deleteRootTask, 901, "ValidationError"},
		{"not a task policy", on, false, "222222222222", "arn:aws:iam::aws:policy/AdministratorAccess", 900, "ValidationError"},
		{"root ARN target works", on, false, "arn:aws:iam::222222222222:root", deleteRootTask, 900, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := startSandbox(t, Options{Seed: tc.seed})
			cfg := sdkConfig(t, url)
			if tc.member {
				out := must(sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
					RoleArn: aws.String("arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("member")}))(t)
				c := out.Credentials
				cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
			}
			_, err := assumeRoot(cfg, tc.target, tc.task, tc.seconds)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.wantCode)
		})
	}
}
