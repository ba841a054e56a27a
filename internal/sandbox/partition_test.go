package sandbox

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
)

// A caller signing for a region of another partition sees the sandbox's
// Organizations and Identity Center ARNs in that partition, and can pass
// them back; an ARN of the aws partition names nothing it owns.
func TestPartitionOfOrganizationsAndSSOAdmin(t *testing.T) {
	ctx := context.Background()
	for region, partition := range map[string]string{"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "eu-west-1": "aws"} {
		t.Run(region, func(t *testing.T) {
			_, url := startSandbox(t, Options{})
			cfg := sdkConfig(t, url)
			cfg.Region = region
			want := func(what, arn, prefix string) {
				t.Helper()
				if !strings.HasPrefix(arn, "arn:"+partition+":"+prefix) {
					t.Errorf("%s signed for %s: %s, want arn:%s:%s...", what, region, arn, partition, prefix)
				}
			}

			f := newSSOFixture(t, cfg)
			want("ListInstances", aws.ToString(f.inst), "sso:::instance/")
			ps := f.createPS(t, "Partitioned")
			want("CreatePermissionSet", aws.ToString(ps), "sso:::permissionSet/")
			d := must(f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps}))(t)
			want("DescribePermissionSet", aws.ToString(d.PermissionSet.PermissionSetArn), "sso:::permissionSet/")
			policy := "arn:" + partition + ":iam::aws:policy/ReadOnlyAccess"
			must(f.c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{
				InstanceArn: f.inst, PermissionSetArn: ps, ManagedPolicyArn: aws.String(policy)}))(t)
			mp := must(f.c.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps}))(t)
			if len(mp.AttachedManagedPolicies) != 1 || aws.ToString(mp.AttachedManagedPolicies[0].Arn) != policy {
				t.Errorf("ListManagedPoliciesInPermissionSet = %+v, want %s", mp.AttachedManagedPolicies, policy)
			}
			must(f.c.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{
				InstanceArn: f.inst, PermissionSetArn: ps, ManagedPolicyArn: aws.String(policy)}))(t)
			if partition != "aws" {
				other := aws.String("arn:aws:" + strings.SplitN(aws.ToString(ps), ":", 3)[2])
				if _, err := f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: other}); err == nil {
					t.Errorf("DescribePermissionSet %s signed for %s succeeded, want an error", aws.ToString(other), region)
				}
			}

			org := organizations.NewFromConfig(cfg)
			o := must(org.DescribeOrganization(ctx, nil))(t).Organization
			want("DescribeOrganization", aws.ToString(o.Arn), "organizations::")
			want("DescribeOrganization master", aws.ToString(o.MasterAccountArn), "organizations::")
			accts := must(org.ListAccounts(ctx, &organizations.ListAccountsInput{}))(t).Accounts
			if len(accts) == 0 {
				t.Fatal("ListAccounts: none")
			}
			for _, a := range accts {
				want("ListAccounts", aws.ToString(a.Arn), "organizations::")
			}
			roots := must(org.ListRoots(ctx, nil))(t).Roots
			want("ListRoots", aws.ToString(roots[0].Arn), "organizations::")
			p := must(org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String("p-FullAWSAccess")}))(t).Policy
			want("DescribePolicy", aws.ToString(p.PolicySummary.Arn), "organizations::aws:policy/")
		})
	}
}

func TestSwapPartitionsJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"InstanceArn":"arn:aws-cn:sso:::instance/ssoins-1"}`, `{"InstanceArn":"arn:aws:sso:::instance/ssoins-1"}`},
		{`{"A":["arn:aws:sso:::instance/x",{"B":"arn:aws-cn:iam::aws:policy/P"}]}`, `{"A":["arn:aws-cn:sso:::instance/x",{"B":"arn:aws:iam::aws:policy/P"}]}`},
		// A document that names an ARN is not one, nor is another partition's.
		{`{"InlinePolicy":"{\"Resource\":\"arn:aws:s3:::b\"}","X":"arn:aws-us-gov:sso:::instance/y","N":12345678901234567890}`,
			`{"InlinePolicy":"{\"Resource\":\"arn:aws:s3:::b\"}","N":12345678901234567890,"X":"arn:aws-us-gov:sso:::instance/y"}`},
		{`{"A":1} trailing`, `{"A":1} trailing`},
		{`not json`, `not json`},
	} {
		if got := string(swapPartitionsJSON([]byte(tc.in), "aws-cn")); got != tc.want {
			t.Errorf("swapPartitionsJSON(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
