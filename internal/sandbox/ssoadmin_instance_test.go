package sandbox

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// UpdateInstance renames the instance (both targets) and chooses its KMS
// key (the sandbox; moto ignores EncryptionConfiguration and validates
// nothing).
func TestConformanceSSOAdminUpdateInstance(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		f := newSSOFixture(t, tg.cfg)
		must(f.c.UpdateInstance(ctx, &ssoadmin.UpdateInstanceInput{InstanceArn: f.inst, Name: aws.String("acme-identity")}))(t)
		list := must(f.c.ListInstances(ctx, &ssoadmin.ListInstancesInput{}))(t)
		if aws.ToString(list.Instances[0].Name) != "acme-identity" {
			t.Errorf("ListInstances Name = %q", aws.ToString(list.Instances[0].Name))
		}
		if tg.moto {
			return // moto answers DescribeInstance with HTTP 500 (not implemented)
		}
		d := must(f.c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: f.inst}))(t)
		if aws.ToString(d.Name) != "acme-identity" {
			t.Errorf("Name after UpdateInstance = %q", aws.ToString(d.Name))
		}
		const key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		must(f.c.UpdateInstance(ctx, &ssoadmin.UpdateInstanceInput{InstanceArn: f.inst, EncryptionConfiguration: &ssotypes.EncryptionConfiguration{
			KeyType: ssotypes.KmsKeyTypeCustomerManagedKey, KmsKeyArn: aws.String(key)}}))(t)
		d = must(f.c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: f.inst}))(t)
		if e := d.EncryptionConfigurationDetails; e == nil || e.KeyType != ssotypes.KmsKeyTypeCustomerManagedKey || aws.ToString(e.KmsKeyArn) != key {
			t.Errorf("EncryptionConfigurationDetails = %+v", e)
		}
		if aws.ToString(d.Name) != "acme-identity" {
			t.Errorf("changing the key changed the name to %q", aws.ToString(d.Name))
		}
		for _, in := range []*ssoadmin.UpdateInstanceInput{
			{InstanceArn: f.inst, Name: aws.String("has space")},
			{InstanceArn: f.inst, EncryptionConfiguration: &ssotypes.EncryptionConfiguration{KeyType: ssotypes.KmsKeyTypeCustomerManagedKey}},
			{InstanceArn: f.inst, EncryptionConfiguration: &ssotypes.EncryptionConfiguration{KeyType: ssotypes.KmsKeyTypeAwsOwnedKmsKey, KmsKeyArn: aws.String(key)}},
			{InstanceArn: f.inst, EncryptionConfiguration: &ssotypes.EncryptionConfiguration{KeyType: "OTHER"}},
			{InstanceArn: f.inst, EncryptionConfiguration: &ssotypes.EncryptionConfiguration{KeyType: ssotypes.KmsKeyTypeCustomerManagedKey, KmsKeyArn: aws.String("arn:aws:kms:us-east-1:111111111111:alias/mine")}},
		} {
			_, err := f.c.UpdateInstance(ctx, in)
			wantCode(t, err, "ValidationException")
		}
		_, err := f.c.UpdateInstance(ctx, &ssoadmin.UpdateInstanceInput{InstanceArn: missingARN(f.inst), Name: aws.String("x")})
		wantCode(t, err, "ResourceNotFoundException")
		must(f.c.UpdateInstance(ctx, &ssoadmin.UpdateInstanceInput{InstanceArn: f.inst, EncryptionConfiguration: &ssotypes.EncryptionConfiguration{
			KeyType: ssotypes.KmsKeyTypeAwsOwnedKmsKey}}))(t)
		d = must(f.c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: f.inst}))(t)
		if e := d.EncryptionConfigurationDetails; e.KeyType != ssotypes.KmsKeyTypeAwsOwnedKmsKey || e.KmsKeyArn != nil {
			t.Errorf("back to an AWS owned key: %+v", e)
		}
	})
}
