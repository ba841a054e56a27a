package sandbox

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// Roles, instance profiles and OIDC providers are in the caller's partition
// as users and policies are: a request signed for cn-north-1 gets
// arn:aws-cn:iam::... ARNs, and names them so in later requests.
func TestConformanceIAMPartitionRoles(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		for region, partition := range map[string]string{"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
			cfg := tg.cfg.Copy()
			cfg.Region = region
			c := iam.NewFromConfig(cfg)
			want := "arn:" + partition + ":iam::"
			name := "pr-" + region
			r := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
				AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))(t).Role
			if !strings.HasPrefix(aws.ToString(r.Arn), want) {
				t.Errorf("CreateRole signed for %s: Arn %s, want %s...", region, aws.ToString(r.Arn), want)
			}
			got := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}))(t).Role
			if !strings.HasPrefix(aws.ToString(got.Arn), want) {
				t.Errorf("GetRole signed for %s: Arn %s, want %s...", region, aws.ToString(got.Arn), want)
			}
			ip := must(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)}))(t).InstanceProfile
			if !strings.HasPrefix(aws.ToString(ip.Arn), want) {
				t.Errorf("CreateInstanceProfile signed for %s: Arn %s, want %s...", region, aws.ToString(ip.Arn), want)
			}
			p := must(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://" + name + ".example.com"),
				ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("a", 40)}}))(t)
			if !strings.HasPrefix(aws.ToString(p.OpenIDConnectProviderArn), want) {
				t.Errorf("CreateOpenIDConnectProvider signed for %s: Arn %s, want %s...", region, aws.ToString(p.OpenIDConnectProviderArn), want)
			}
			must(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.OpenIDConnectProviderArn}))(t)
		}
	})
}

// Without tags, AWS leaves the optional Tags element out of roles, instance
// profiles and OIDC providers, as it does for users and policies; an empty
// <Tags></Tags> is not what it sends.
func TestConformanceIAMRoleWithoutTags(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		cfg, rec := recording(tg)
		c := iam.NewFromConfig(cfg)
		noTags := func(op string) {
			t.Helper()
			if body, _ := rec.last(); bytes.Contains(body, []byte("<Tags")) {
				t.Errorf("%s without tags sent a Tags element: %s", op, body)
			}
		}
		must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("untagged"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))(t)
		noTags("CreateRole")
		must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("untagged")}))(t)
		noTags("GetRole")
		// moto differs from AWS for instance profiles: it sends <Tags/>,
		// where the CreateInstanceProfile and GetInstanceProfile examples of
		// the IAM API reference have no Tags element.
		must(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("untagged")}))(t)
		if !tg.moto {
			noTags("CreateInstanceProfile")
		}
		must(c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("untagged")}))(t)
		if !tg.moto {
			noTags("GetInstanceProfile")
		}
	})
}
