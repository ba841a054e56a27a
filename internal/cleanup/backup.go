package cleanup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyless-dev/keyless/internal/policy"
	"github.com/keyless-dev/keyless/internal/safefile"
)

// Backup is everything an IAM user had, as read right before deleting it:
// enough to re-create it by hand. It holds no secret (no key secret, no
// password, no service-specific credential password).
type Backup struct {
	Account             string            `json:"account"`
	Taken               time.Time         `json:"taken"`
	User                BackupUser        `json:"user"`
	Tags                map[string]string `json:"tags,omitempty"`
	Groups              []string          `json:"groups"`
	AttachedPolicies    []string          `json:"attached_policies"`
	InlinePolicies      []InlinePolicy    `json:"inline_policies"`
	PermissionsBoundary string            `json:"permissions_boundary,omitempty"`
	AccessKeys          []BackupKey       `json:"access_keys"`
	MFADevices          []BackupMFA       `json:"mfa_devices"`
	LoginProfile        *BackupLogin      `json:"login_profile"`
	SigningCertificates []BackupCert      `json:"signing_certificates"`
	SSHPublicKeys       []BackupSSHKey    `json:"ssh_public_keys"`
	ServiceCredentials  []BackupSvcCred   `json:"service_specific_credentials"`
}

type BackupUser struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
}

type InlinePolicy struct {
	Name string `json:"name"`
	// Document is the policy JSON, URL-decoded.
	Document json.RawMessage `json:"document"`
}

type BackupKey struct {
	ID       string     `json:"id"`
	Status   string     `json:"status"`
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used,omitempty"`
}

type BackupMFA struct {
	Serial  string    `json:"serial"`
	Enabled time.Time `json:"enabled"`
}

type BackupLogin struct {
	Created       time.Time `json:"created"`
	ResetRequired bool      `json:"password_reset_required"`
}

type BackupCert struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Uploaded time.Time `json:"uploaded"`
	Body     string    `json:"body"`
}

type BackupSSHKey struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Body        string `json:"body,omitempty"`
}

type BackupSvcCred struct {
	ID          string `json:"id"`
	Service     string `json:"service"`
	ServiceUser string `json:"service_user_name"`
	Status      string `json:"status"`
}

// readBackup reads everything of one user from IAM. Any failed read fails
// the backup: a user is never deleted with a partial one.
func (e *Executor) readBackup(ctx context.Context, account, user string) (*Backup, error) {
	name := aws.String(user)
	fail := func(what string, err error) (*Backup, error) {
		return nil, fmt.Errorf("back up %s: %s: %w", user, what, err)
	}
	u, err := e.IAM.GetUser(ctx, &iam.GetUserInput{UserName: name})
	if err != nil {
		return fail("get user", err)
	}
	bk := &Backup{Account: account, Taken: e.Now().UTC(), User: BackupUser{Name: aws.ToString(u.User.UserName), ID: aws.ToString(u.User.UserId),
		ARN: aws.ToString(u.User.Arn), Path: aws.ToString(u.User.Path), Created: aws.ToTime(u.User.CreateDate).UTC()},
		Groups: []string{}, AttachedPolicies: []string{}, InlinePolicies: []InlinePolicy{}, AccessKeys: []BackupKey{}, MFADevices: []BackupMFA{},
		SigningCertificates: []BackupCert{}, SSHPublicKeys: []BackupSSHKey{}, ServiceCredentials: []BackupSvcCred{}}
	if pb := u.User.PermissionsBoundary; pb != nil {
		bk.PermissionsBoundary = aws.ToString(pb.PermissionsBoundaryArn)
	}
	if tags, err := e.IAM.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: name}); err != nil {
		return fail("list tags", err)
	} else if len(tags.Tags) > 0 {
		bk.Tags = map[string]string{}
		for _, t := range tags.Tags {
			bk.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	gp := iam.NewListGroupsForUserPaginator(e.IAM, &iam.ListGroupsForUserInput{UserName: name})
	for gp.HasMorePages() {
		out, err := gp.NextPage(ctx)
		if err != nil {
			return fail("list groups", err)
		}
		for _, g := range out.Groups {
			bk.Groups = append(bk.Groups, aws.ToString(g.GroupName))
		}
	}
	ap := iam.NewListAttachedUserPoliciesPaginator(e.IAM, &iam.ListAttachedUserPoliciesInput{UserName: name})
	for ap.HasMorePages() {
		out, err := ap.NextPage(ctx)
		if err != nil {
			return fail("list attached policies", err)
		}
		for _, p := range out.AttachedPolicies {
			bk.AttachedPolicies = append(bk.AttachedPolicies, aws.ToString(p.PolicyArn))
		}
	}
	ip := iam.NewListUserPoliciesPaginator(e.IAM, &iam.ListUserPoliciesInput{UserName: name})
	for ip.HasMorePages() {
		out, err := ip.NextPage(ctx)
		if err != nil {
			return fail("list inline policies", err)
		}
		for _, pn := range out.PolicyNames {
			doc, err := e.IAM.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: name, PolicyName: aws.String(pn)})
			if err != nil {
				return fail("get inline policy "+pn, err)
			}
			bk.InlinePolicies = append(bk.InlinePolicies, InlinePolicy{Name: pn, Document: policyJSON(aws.ToString(doc.PolicyDocument))})
		}
	}
	keys, err := e.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: name})
	if err != nil {
		return fail("list access keys", err)
	}
	for _, k := range keys.AccessKeyMetadata {
		bk.AccessKeys = append(bk.AccessKeys, BackupKey{ID: aws.ToString(k.AccessKeyId), Status: string(k.Status), Created: aws.ToTime(k.CreateDate).UTC()})
	}
	mp := iam.NewListMFADevicesPaginator(e.IAM, &iam.ListMFADevicesInput{UserName: name})
	for mp.HasMorePages() {
		out, err := mp.NextPage(ctx)
		if err != nil {
			return fail("list MFA devices", err)
		}
		for _, d := range out.MFADevices {
			bk.MFADevices = append(bk.MFADevices, BackupMFA{Serial: aws.ToString(d.SerialNumber), Enabled: aws.ToTime(d.EnableDate).UTC()})
		}
	}
	lp, err := e.IAM.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: name})
	var none *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &none):
	case err != nil:
		return fail("get login profile", err)
	default:
		bk.LoginProfile = &BackupLogin{Created: aws.ToTime(lp.LoginProfile.CreateDate).UTC(), ResetRequired: lp.LoginProfile.PasswordResetRequired}
	}
	certs, err := e.IAM.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: name})
	if err != nil {
		return fail("list signing certificates", err)
	}
	for _, c := range certs.Certificates {
		bk.SigningCertificates = append(bk.SigningCertificates, BackupCert{ID: aws.ToString(c.CertificateId), Status: string(c.Status),
			Uploaded: aws.ToTime(c.UploadDate).UTC(), Body: aws.ToString(c.CertificateBody)})
	}
	ssh, err := e.IAM.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: name})
	if err != nil {
		return fail("list SSH public keys", err)
	}
	for _, k := range ssh.SSHPublicKeys {
		bk.SSHPublicKeys = append(bk.SSHPublicKeys, BackupSSHKey{ID: aws.ToString(k.SSHPublicKeyId), Status: string(k.Status)})
	}
	for i, k := range bk.SSHPublicKeys {
		full, err := e.IAM.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: name, SSHPublicKeyId: aws.String(k.ID), Encoding: iamtypes.EncodingTypeSsh})
		if err != nil {
			return fail("get SSH public key "+k.ID, err)
		}
		bk.SSHPublicKeys[i].Fingerprint, bk.SSHPublicKeys[i].Body = aws.ToString(full.SSHPublicKey.Fingerprint), aws.ToString(full.SSHPublicKey.SSHPublicKeyBody)
	}
	svc, err := e.IAM.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: name})
	if err != nil {
		return fail("list service-specific credentials", err)
	}
	for _, c := range svc.ServiceSpecificCredentials {
		bk.ServiceCredentials = append(bk.ServiceCredentials, BackupSvcCred{ID: aws.ToString(c.ServiceSpecificCredentialId),
			Service: aws.ToString(c.ServiceName), ServiceUser: aws.ToString(c.ServiceUserName), Status: string(c.Status)})
	}
	return bk, nil
}

// policyJSON decodes IAM's URL-encoded policy document; a document that is
// not JSON once decoded is kept as a JSON string.
func policyJSON(doc string) json.RawMessage {
	doc = policy.Decode(doc)
	if json.Valid([]byte(doc)) {
		return json.RawMessage(doc)
	}
	b, _ := json.Marshal(doc)
	return b
}

// writeBackup writes the backup, 0600, to BackupDir/<account>/<user>-<time>.json.
func (e *Executor) writeBackup(account string, bk *Backup) (string, error) {
	if e.BackupDir == "" {
		return "", errors.New("no backup directory: keyless deletes no user without a backup")
	}
	b, err := json.MarshalIndent(bk, "", "  ")
	if err != nil {
		return "", err
	}
	stamp := strings.ReplaceAll(bk.Taken.Format("20060102T150405.000Z"), ".", "")
	path := filepath.Join(e.BackupDir, account, bk.User.Name+"-"+stamp+".json")
	if err := safefile.Write(path, append(b, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("write backup of %s: %w", bk.User.Name, err)
	}
	return path, nil
}

// ReadTags reads the tags of the users the plan judges, by user name.
func ReadTags(ctx context.Context, c *iam.Client, users []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, u := range users {
		tags := map[string]string{}
		p := iam.NewListUserTagsPaginator(c, &iam.ListUserTagsInput{UserName: aws.String(u)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list tags of %s: %w", u, err)
			}
			for _, t := range page.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
		out[u] = tags
	}
	return out, nil
}
