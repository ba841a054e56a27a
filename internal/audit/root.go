package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

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
	r, err := AssumeRoot(ctx, mgmt, account, RootAuditPolicy)
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

// AssumeRoot opens a root session in a member account from the management
// account's configuration, with a task policy, for 900 seconds.
func AssumeRoot(ctx context.Context, mgmt aws.Config, account, policy string) (*iam.Client, error) {
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

// ReadRoots reads, through root sessions opened with the management
// account's configuration, the root credentials of the member accounts in
// states, when the organization allows root sessions: only a root session
// can tell that a root user has no password left. mgmt is the management
// account's state among states. A refused session is a gap of the member.
func ReadRoots(ctx context.Context, cfg aws.Config, mgmt *AccountState, states []*AccountState) {
	if mgmt.Organization == nil || !slices.Contains(mgmt.Organization.RootFeatures, "RootSessions") {
		return
	}
	for _, s := range states {
		if s == mgmt || s.Organization == nil || s.Organization.ID != mgmt.Organization.ID || s.RootCredentials != nil {
			continue
		}
		rc, err := AuditRoot(ctx, cfg, s.AccountID)
		if err != nil {
			s.Gaps = append(s.Gaps, Gap{Action: "sts:AssumeRoot", Denied: denied(err), Err: errorText(err)})
			continue
		}
		s.RootCredentials = rc
	}
}
