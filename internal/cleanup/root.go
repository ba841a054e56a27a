package cleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyless-dev/keyless/internal/audit"
)

// AssumeRootWith opens root sessions from the management account's
// configuration: sts:AssumeRoot on the regional endpoint (the SDK's
// default), with RootTaskPolicy, for 900 seconds.
func AssumeRootWith(mgmt aws.Config) func(ctx context.Context, account string) (*iam.Client, error) {
	return func(ctx context.Context, account string) (*iam.Client, error) {
		return audit.AssumeRoot(ctx, mgmt, account, RootTaskPolicy)
	}
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
