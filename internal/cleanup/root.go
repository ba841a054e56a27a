package cleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// AssumeRootWith opens root sessions from the management account's
// configuration: sts:AssumeRoot on the regional endpoint (the SDK's
// default), with RootTaskPolicy, for 900 seconds.
func AssumeRootWith(mgmt aws.Config) func(ctx context.Context, account string) (*iam.Client, error) {
	return func(ctx context.Context, account string) (*iam.Client, error) {
		return assumeRoot(ctx, mgmt, account, RootTaskPolicy)
	}
}

// RootAuditPolicy is the task policy that only reads root credentials.
const RootAuditPolicy = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"

// RootCredentials are what a member account's root user holds, as a root
// session with RootAuditPolicy reads them.
type RootCredentials struct {
	AccessKeys, SigningCertificates, MFADevices int
	Password                                    bool
}

// None reports that the root user has nothing to sign in or call AWS with.
func (r RootCredentials) None() bool { return r.AccessKeys+r.SigningCertificates == 0 && !r.Password }

// AuditRoot reads a member account's root credentials through a root
// session with RootAuditPolicy.
func AuditRoot(ctx context.Context, mgmt aws.Config, account string) (*RootCredentials, error) {
	r, err := assumeRoot(ctx, mgmt, account, RootAuditPolicy)
	if err != nil {
		return nil, err
	}
	var rc RootCredentials
	keys, err := r.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		return nil, fmt.Errorf("list root access keys: %w", err)
	}
	certs, err := r.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
	if err != nil {
		return nil, fmt.Errorf("list root signing certificates: %w", err)
	}
	mfa, err := r.ListMFADevices(ctx, &iam.ListMFADevicesInput{})
	if err != nil {
		return nil, fmt.Errorf("list root MFA devices: %w", err)
	}
	rc.AccessKeys, rc.SigningCertificates, rc.MFADevices = len(keys.AccessKeyMetadata), len(certs.Certificates), len(mfa.MFADevices)
	var none *iamtypes.NoSuchEntityException
	switch _, err := r.GetLoginProfile(ctx, &iam.GetLoginProfileInput{}); {
	case errors.As(err, &none):
	case err != nil:
		return nil, fmt.Errorf("get root login profile: %w", err)
	default:
		rc.Password = true
	}
	return &rc, nil
}

// RootFeatures reads the organization's centralized root access features
// with the management account's IAM, for a member account's plan (only
// the management account can tell them).
func RootFeatures(ctx context.Context, mgmt *iam.Client) ([]string, error) {
	out, err := mgmt.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	if err != nil {
		return nil, fmt.Errorf("iam:ListOrganizationsFeatures with the management profile: %w", err)
	}
	var fs []string
	for _, f := range out.EnabledFeatures {
		fs = append(fs, string(f))
	}
	return fs, nil
}

func assumeRoot(ctx context.Context, mgmt aws.Config, account, policy string) (*iam.Client, error) {
	out, err := sts.NewFromConfig(mgmt).AssumeRoot(ctx, &sts.AssumeRootInput{TargetPrincipal: aws.String(account),
		TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(policy)}, DurationSeconds: aws.Int32(900)})
	if err != nil {
		return nil, fmt.Errorf("sts:AssumeRoot into %s: %w; check that centralized root access is enabled and the management profile may call sts:AssumeRoot", account, err)
	}
	c := out.Credentials
	cfg := mgmt.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return iam.NewFromConfig(cfg), nil
}

// deleteRoot removes the root user's keys, signing certificates and
// password, and deactivates its MFA devices, in a root session.
func (e *Executor) deleteRoot(ctx context.Context, a Action) (string, error) {
	if e.AssumeRoot == nil {
		return "", errors.New("no management account credentials to call sts:AssumeRoot with: pass --management-profile")
	}
	r, err := e.AssumeRoot(ctx, a.Account)
	if err != nil {
		return "", err
	}
	var done []string
	keys, err := r.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		return "", fmt.Errorf("list root access keys: %w", err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if _, err := r.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k.AccessKeyId}); err != nil {
			return "", fmt.Errorf("delete root access key %s: %w", aws.ToString(k.AccessKeyId), err)
		}
		done = append(done, "deleted access key "+aws.ToString(k.AccessKeyId))
	}
	certs, err := r.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{})
	if err != nil {
		return "", fmt.Errorf("list root signing certificates: %w", err)
	}
	for _, c := range certs.Certificates {
		if _, err := r.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{CertificateId: c.CertificateId}); err != nil {
			return "", fmt.Errorf("delete root signing certificate: %w", err)
		}
		done = append(done, "deleted signing certificate "+aws.ToString(c.CertificateId))
	}
	var none *iamtypes.NoSuchEntityException
	switch _, err := r.GetLoginProfile(ctx, &iam.GetLoginProfileInput{}); {
	case errors.As(err, &none):
	case err != nil:
		return "", fmt.Errorf("get root login profile: %w", err)
	default:
		if _, err := r.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{}); err != nil {
			return "", fmt.Errorf("delete root password: %w", err)
		}
		done = append(done, "deleted the password")
	}
	mfa, err := r.ListMFADevices(ctx, &iam.ListMFADevicesInput{})
	if err != nil {
		return "", fmt.Errorf("list root MFA devices: %w", err)
	}
	for _, d := range mfa.MFADevices {
		if _, err := r.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{SerialNumber: d.SerialNumber}); err != nil {
			return "", fmt.Errorf("deactivate root MFA device: %w", err)
		}
		done = append(done, "deactivated MFA device "+aws.ToString(d.SerialNumber))
	}
	if len(done) == 0 {
		return "the root user had no credentials left", nil
	}
	return strings.Join(done, ", "), nil
}
