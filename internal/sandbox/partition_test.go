package sandbox

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
)

// A caller signing for a region of another partition sees the sandbox's
// Organizations, sso-admin and identitystore ARNs in that partition, and can
// pass them back; an ARN of the aws partition names nothing it owns.
func TestConformancePartitionOfOrganizationsAndSSOAdmin(t *testing.T) {
	ctx := context.Background()
	for region, partition := range map[string]string{"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "eu-west-1": "aws"} {
		t.Run(region, func(t *testing.T) {
			forEachTarget(t, func(t *testing.T, tg *target) {
				cfg := tg.cfg.Copy()
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
				// moto names a permission set arn:<partition>:sso:::instance/ssoins-.../ps-...;
				// AWS's is permissionSet/ins-.../ps-... (botocore's PermissionSetArn pattern).
				psPrefix := "sso:::permissionSet/"
				if tg.moto {
					psPrefix = "sso:::instance/"
				}
				want("CreatePermissionSet", aws.ToString(ps), psPrefix)
				d := must(f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps}))(t)
				want("DescribePermissionSet", aws.ToString(d.PermissionSet.PermissionSetArn), psPrefix)
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

				li := must(f.c.ListInstances(ctx, &ssoadmin.ListInstancesInput{}))(t)
				is := identitystore.NewFromConfig(cfg)
				u := must(is.CreateUser(ctx, newUserInput(li.Instances[0].IdentityStoreId, "partitioned")))(t)
				// moto returns no UserArn, which the model requires in CreateUser's reply.
				if !tg.moto {
					want("CreateUser", aws.ToString(u.UserArn), "identitystore:::user/")
					du := must(is.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: u.IdentityStoreId, UserId: u.UserArn}))(t)
					if aws.ToString(du.UserId) != aws.ToString(u.UserId) {
						t.Errorf("DescribeUser %s = %s, want %s", aws.ToString(u.UserArn), aws.ToString(du.UserId), aws.ToString(u.UserId))
					}
				}

				org := organizations.NewFromConfig(cfg)
				orgStart(t, tg, org)
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
				// moto puts AWS managed policies in the management account
				// (organizations::<account>:policy/o-.../...); AWS in the account
				// "aws" (PolicySummary's Arn pattern in the API reference).
				policyPrefix := "organizations::aws:policy/service_control_policy/"
				if tg.moto {
					policyPrefix = "organizations::" + aws.ToString(o.MasterAccountId) + ":policy/"
				}
				want("DescribePolicy", aws.ToString(p.PolicySummary.Arn), policyPrefix)
			})
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

func TestErrInPartition(t *testing.T) {
	e := newError(400, "AccessDeniedException", "User: arn:aws-cn:iam::111111111111:user/x is not authorized to perform: sso:ListPermissionSets on resource: arn:aws:sso:::instance/ssoins-1")
	got := errInPartition(e, "aws-cn").Message
	if want := "User: arn:aws-cn:iam::111111111111:user/x is not authorized to perform: sso:ListPermissionSets on resource: arn:aws-cn:sso:::instance/ssoins-1"; got != want {
		t.Errorf("errInPartition = %q, want %q", got, want)
	}
	if e.Message == got {
		t.Error("errInPartition changed the error it was given")
	}
	if errInPartition(e, "aws") != e {
		t.Error("errInPartition rewrote an error for the aws partition")
	}
}
