package cleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Executor carries out a plan's ready actions.
type Executor struct {
	IAM *iam.Client
	STS *sts.Client
	Now func() time.Time
	// BackupDir is where user backups go: BackupDir/<account>/<user>-<time>.json.
	BackupDir string
	// Log records every action and refusal (nil: none).
	Log *AuditLog
	// AssumeRoot opens a root session in a member account (RootSession);
	// nil when the management account's credentials are not at hand.
	AssumeRoot func(ctx context.Context, account string) (*iam.Client, error)
	// CredentialsPath is the credentials file MoveLocalKeys edits.
	CredentialsPath string
	// Progress, when set, hears each action as it starts.
	Progress func(a Action)
}

// Result is what became of one action.
type Result struct {
	Action Action `json:"action"`
	// Outcome is done, skipped, refused, waiting, manual or failed.
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
	// Backup is the user backup written before a DeleteUser.
	Backup string `json:"backup,omitempty"`
}

// ErrWrongAccount is returned when the credentials are for another
// account than the plan's.
var ErrWrongAccount = errors.New("the credentials are for another account than the plan")

// Run checks that the credentials are still the plan's account, then runs
// every ready action in order and records every action (refusals too) in
// the audit log. A failed action does not stop the others; the error joins
// their failures.
func (e *Executor) Run(ctx context.Context, p *Plan) ([]Result, error) {
	if e.Now == nil {
		e.Now = time.Now
	}
	id, err := e.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	if got := aws.ToString(id.Account); got != p.Account {
		return nil, fmt.Errorf("%w: the plan is for %s, the credentials for %s; use the profile of %s", ErrWrongAccount, p.Account, got, p.Account)
	}
	var (
		results []Result
		errs    []error
	)
	for _, a := range p.Actions {
		r := Result{Action: a, Outcome: string(a.State), Detail: a.Why}
		if a.State == Ready {
			if e.Progress != nil {
				e.Progress(a)
			}
			r = e.run(ctx, p, a)
			if r.Outcome == "failed" {
				errs = append(errs, fmt.Errorf("%s %s: %s", a.Kind, a.Target, r.Detail))
			}
		}
		results = append(results, r)
		if err := e.Log.Append(Record{Time: e.Now().UTC(), Account: a.Account, Caller: p.CallerARN, Action: string(a.Kind),
			Target: a.Target, Result: r.Outcome, Detail: r.Detail, Backup: r.Backup}); err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return results, errors.Join(errs...)
}

func (e *Executor) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Executor) run(ctx context.Context, p *Plan, a Action) Result {
	var (
		r   = Result{Action: a, Outcome: "done"}
		err error
	)
	switch a.Kind {
	case DeactivateKey:
		err = e.deactivateKey(ctx, a)
	case DeleteKey:
		err = e.deleteKey(ctx, a)
	case DeleteUser:
		r.Backup, err = e.deleteUser(ctx, p, a)
	case DeleteRootCredentials:
		r.Detail, err = e.deleteRoot(ctx, a)
	case MoveLocalKeys:
		r.Detail, err = e.moveLocal(ctx, a)
	default:
		err = fmt.Errorf("keyless cannot run a %s action", a.Kind)
	}
	var skip *skipError
	switch {
	case errors.As(err, &skip):
		r.Outcome, r.Detail = "skipped", skip.why
	case err != nil:
		r.Outcome, r.Detail = "failed", err.Error()
	}
	return r
}

// skipError is a reason not to act found right before acting.
type skipError struct{ why string }

func (s *skipError) Error() string { return s.why }

// usedSince asks AWS for a key's last use right before acting on it, and
// refuses when it was used after planned (the plan's last use).
func (e *Executor) usedSince(ctx context.Context, keyID string, planned *time.Time) error {
	out, err := e.IAM.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(keyID)})
	if err != nil {
		return fmt.Errorf("get last use of %s: %w", keyID, err)
	}
	if out.AccessKeyLastUsed == nil || out.AccessKeyLastUsed.LastUsedDate == nil {
		return nil
	}
	last := out.AccessKeyLastUsed.LastUsedDate.UTC()
	if planned == nil || last.After(planned.UTC()) {
		return &skipError{fmt.Sprintf("%s was used on %s (%s), after the plan was made: left alone; find who uses it",
			keyID, last.Format(time.RFC3339), aws.ToString(out.AccessKeyLastUsed.ServiceName))}
	}
	return nil
}

func (e *Executor) deactivateKey(ctx context.Context, a Action) error {
	if err := e.usedSince(ctx, a.KeyID, a.KeyLastUsed); err != nil {
		return err
	}
	// Tag first: a key deactivated without its tag would wait on its last
	// use instead of on when keyless deactivated it.
	if _, err := e.IAM.TagUser(ctx, &iam.TagUserInput{UserName: aws.String(a.User), Tags: []iamtypes.Tag{
		{Key: aws.String(DeactivatedTag(a.KeyID)), Value: aws.String(e.Now().UTC().Format(time.RFC3339))}}}); err != nil {
		return fmt.Errorf("tag %s: %w", a.User, err)
	}
	if _, err := e.IAM.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(a.User), AccessKeyId: aws.String(a.KeyID),
		Status: iamtypes.StatusTypeInactive}); err != nil {
		return fmt.Errorf("deactivate: %w", err)
	}
	return nil
}

func (e *Executor) deleteKey(ctx context.Context, a Action) error {
	if err := e.usedSince(ctx, a.KeyID, a.KeyLastUsed); err != nil {
		return err
	}
	if _, err := e.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(a.User), AccessKeyId: aws.String(a.KeyID)}); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if _, err := e.IAM.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String(a.User), TagKeys: []string{DeactivatedTag(a.KeyID)}}); err != nil {
		return fmt.Errorf("untag %s (the key is deleted): %w", a.User, err)
	}
	return nil
}

// deleteUser backs the user up, removes its dependents in the order IAM
// requires, and deletes it.
func (e *Executor) deleteUser(ctx context.Context, p *Plan, a Action) (string, error) {
	name := aws.String(a.User)
	bk, err := e.readBackup(ctx, p.Account, a.User)
	if err != nil {
		return "", err
	}
	for _, k := range bk.AccessKeys {
		if err := e.usedSince(ctx, k.ID, a.KeysLastUsed[k.ID]); err != nil {
			return "", err
		}
		if k.Status == "Active" {
			return "", &skipError{"access key " + k.ID + " is active again: left alone; run cleanup again"}
		}
	}
	path, err := e.writeBackup(p.Account, bk)
	if err != nil {
		return "", err
	}
	// IAM's order: credentials, login profile, MFA, groups, policies.
	type step struct {
		what string
		do   func() error
	}
	var steps []step
	add := func(what string, do func() error) { steps = append(steps, step{what, do}) }
	for _, k := range bk.AccessKeys {
		add("delete access key "+k.ID, func() error {
			_, err := e.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: name, AccessKeyId: aws.String(k.ID)})
			return err
		})
	}
	for _, c := range bk.SigningCertificates {
		add("delete signing certificate "+c.ID, func() error {
			_, err := e.IAM.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: name, CertificateId: aws.String(c.ID)})
			return err
		})
	}
	for _, k := range bk.SSHPublicKeys {
		add("delete SSH public key "+k.ID, func() error {
			_, err := e.IAM.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: name, SSHPublicKeyId: aws.String(k.ID)})
			return err
		})
	}
	for _, c := range bk.ServiceCredentials {
		add("delete service-specific credential "+c.ID, func() error {
			_, err := e.IAM.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: name, ServiceSpecificCredentialId: aws.String(c.ID)})
			return err
		})
	}
	if bk.LoginProfile != nil {
		add("delete login profile", func() error {
			_, err := e.IAM.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: name})
			return err
		})
	}
	for _, d := range bk.MFADevices {
		add("deactivate MFA device "+d.Serial, func() error {
			_, err := e.IAM.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: name, SerialNumber: aws.String(d.Serial)})
			return err
		})
		if strings.Contains(d.Serial, ":mfa/") {
			add("delete virtual MFA device "+d.Serial, func() error {
				_, err := e.IAM.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(d.Serial)})
				var none *iamtypes.NoSuchEntityException
				if errors.As(err, &none) {
					return nil // already gone: deleting it is done
				}
				return err
			})
		}
	}
	for _, g := range bk.Groups {
		add("remove from group "+g, func() error {
			_, err := e.IAM.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: name, GroupName: aws.String(g)})
			return err
		})
	}
	for _, pol := range bk.InlinePolicies {
		add("delete inline policy "+pol.Name, func() error {
			_, err := e.IAM.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: name, PolicyName: aws.String(pol.Name)})
			return err
		})
	}
	for _, arn := range bk.AttachedPolicies {
		add("detach policy "+arn, func() error {
			_, err := e.IAM.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: name, PolicyArn: aws.String(arn)})
			return err
		})
	}
	if bk.PermissionsBoundary != "" {
		add("delete permissions boundary", func() error {
			_, err := e.IAM.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: name})
			return err
		})
	}
	add("delete user", func() error {
		_, err := e.IAM.DeleteUser(ctx, &iam.DeleteUserInput{UserName: name})
		return err
	})
	for _, s := range steps {
		if err := s.do(); err != nil {
			return path, fmt.Errorf("%s: %w (backup in %s; run cleanup again to finish)", s.what, err, path)
		}
	}
	return path, nil
}
