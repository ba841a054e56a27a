package sandbox

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// memberIAM is an IAM client acting in a member account, through
// OrganizationAccountAccessRole.
func memberIAM(t *testing.T, cfg aws.Config, account string) *iam.Client {
	t.Helper()
	out := must(sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:" + partitionOf(cfg.Region) + ":iam::" + account + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("audit")}))(t)
	c := out.Credentials
	mcfg := cfg.Copy()
	mcfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return iam.NewFromConfig(mcfg)
}

func TestIAMListOrganizationsFeatures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		seed *Seed
		want []string
	}{
		{"off", nil, nil},
		{"on", &Seed{CentralizedRootAccess: true}, []string{"RootCredentialsManagement", "RootSessions"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := startSandbox(t, Options{Seed: tc.seed})
			cfg := sdkConfig(t, url)
			out := must(iam.NewFromConfig(cfg).ListOrganizationsFeatures(ctx, nil))(t)
			var got []string
			for _, f := range out.EnabledFeatures {
				got = append(got, string(f))
			}
			if aws.ToString(out.OrganizationId) != defaultOrgID || !slices.Equal(got, tc.want) {
				t.Fatalf("ListOrganizationsFeatures = %s %v, want %s %v", aws.ToString(out.OrganizationId), got, defaultOrgID, tc.want)
			}
			_, err := memberIAM(t, cfg, "222222222222").ListOrganizationsFeatures(ctx, nil)
			wantCode(t, err, "AccountNotManagementOrDelegatedAdministratorException")
		})
	}
	t.Run("no organization", func(t *testing.T) {
		_, url := startSandbox(t, Options{Seed: &Seed{Organization: aws.Bool(false)}})
		_, err := iam.NewFromConfig(sdkConfig(t, url)).ListOrganizationsFeatures(ctx, nil)
		wantCode(t, err, "OrganizationNotFoundException")
	})
}

// The root user's virtual MFA device is listed as AWS lists it (a device
// assigned to arn:aws:iam::ACCOUNT:root); a hardware device is not.
func TestIAMRootVirtualMFA(t *testing.T) {
	ctx := context.Background()
	seed := &Seed{Accounts: []SeedAccount{
		{ID: "111111111111", Root: &SeedRoot{MFAEnabled: true}},
		{ID: "222222222222", Root: &SeedRoot{MFAEnabled: true, HardwareMFA: true}},
		{ID: "333333333333", Root: &SeedRoot{}},
	}}
	_, url := startSandbox(t, Options{Seed: seed})
	cfg := sdkConfig(t, url)
	for _, tc := range []struct {
		account string
		c       *iam.Client
		want    []string
	}{
		{"111111111111", iam.NewFromConfig(cfg), []string{"arn:aws:iam::111111111111:mfa/root-account-mfa-device arn:aws:iam::111111111111:root"}},
		{"222222222222", memberIAM(t, cfg, "222222222222"), nil},
		{"333333333333", memberIAM(t, cfg, "333333333333"), nil},
	} {
		out := must(tc.c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned}))(t)
		var got []string
		for _, d := range out.VirtualMFADevices {
			got = append(got, aws.ToString(d.SerialNumber)+" "+aws.ToString(d.User.Arn))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: assigned virtual MFA devices = %q, want %q", tc.account, got, tc.want)
		}
		out = must(tc.c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeUnassigned}))(t)
		if len(out.VirtualMFADevices) != 0 {
			t.Errorf("%s: unassigned devices = %d, want 0", tc.account, len(out.VirtualMFADevices))
		}
	}
}
