package scan

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Verification is what AWS says about a found key id, asked with the
// user's own credentials; the found secret is never sent anywhere.
type Verification struct {
	// Account owns the key (sts:GetAccessKeyInfo).
	Account string `json:"account,omitempty"`
	// Yours is true when Account is the caller's own account; only then is
	// the key looked up in IAM.
	Yours bool `json:"yours"`
	// Found is true when IAM listed the key; User, Status and Created come from it.
	Found    bool      `json:"found"`
	User     string    `json:"user,omitempty"`
	Status   string    `json:"status,omitempty"`
	Created  time.Time `json:"created,omitzero"`
	LastUsed time.Time `json:"last_used,omitzero"`
	// LastUsedService and LastUsedRegion are "N/A" for a key never used.
	LastUsedService string `json:"last_used_service,omitempty"`
	LastUsedRegion  string `json:"last_used_region,omitempty"`
	// Error says why the key could not be (fully) verified, "" when it was.
	Error string `json:"error,omitempty"`
}

// STSAPI is the part of the STS client Verify calls.
type STSAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	GetAccessKeyInfo(context.Context, *sts.GetAccessKeyInfoInput, ...func(*sts.Options)) (*sts.GetAccessKeyInfoOutput, error)
}

// IAMAPI is the part of the IAM client Verify calls.
type IAMAPI interface {
	iam.ListUsersAPIClient
	iam.ListAccessKeysAPIClient
	GetAccessKeyLastUsed(context.Context, *iam.GetAccessKeyLastUsedInput, ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
}

// Verify asks AWS about each key id: its owning account, and for keys of
// the caller's own account, the IAM user, status, creation and last use.
// A failure is recorded in that key's Verification and never stops the
// others; only a cancelled ctx returns an error.
func Verify(ctx context.Context, stsc STSAPI, iamc IAMAPI, keyIDs []string) (map[string]*Verification, error) {
	out := map[string]*Verification{}
	for _, id := range keyIDs {
		out[id] = &Verification{}
	}
	if len(out) == 0 {
		return out, nil
	}
	var caller string
	me, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for _, v := range out {
			v.Error = reason(err)
		}
		return out, nil
	}
	caller = aws.ToString(me.Account)
	var mine []string
	for id, v := range out {
		info, err := stsc.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			v.Error = reason(err)
			continue
		}
		v.Account = aws.ToString(info.Account)
		v.Yours = v.Account == caller
		if v.Yours {
			mine = append(mine, id)
		}
	}
	if len(mine) == 0 {
		return out, nil
	}
	if err := findInIAM(ctx, iamc, mine, out); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for _, id := range mine {
			if !out[id].Found && out[id].Error == "" {
				out[id].Error = reason(err)
			}
		}
	}
	for _, id := range mine {
		v := out[id]
		if !v.Found {
			if v.Error == "" {
				v.Error = "no IAM user of account " + v.Account + " has this key (deleted, or the root user's)"
			}
			continue
		}
		lu, err := iamc.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			v.Error = reason(err)
			continue
		}
		if l := lu.AccessKeyLastUsed; l != nil {
			v.LastUsed = aws.ToTime(l.LastUsedDate)
			v.LastUsedService, v.LastUsedRegion = aws.ToString(l.ServiceName), aws.ToString(l.Region)
		}
	}
	return out, nil
}

// findInIAM walks the account's users and their keys until every id in
// want is found.
func findInIAM(ctx context.Context, iamc IAMAPI, want []string, out map[string]*Verification) error {
	left := len(want)
	users := iam.NewListUsersPaginator(iamc, &iam.ListUsersInput{})
	for users.HasMorePages() && left > 0 {
		page, err := users.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			keys := iam.NewListAccessKeysPaginator(iamc, &iam.ListAccessKeysInput{UserName: u.UserName})
			for keys.HasMorePages() {
				kp, err := keys.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, k := range kp.AccessKeyMetadata {
					v, ok := out[aws.ToString(k.AccessKeyId)]
					if !ok || !v.Yours || v.Found {
						continue
					}
					v.Found, v.User, v.Status, v.Created = true, aws.ToString(u.UserName), string(k.Status), aws.ToTime(k.CreateDate)
					left--
				}
			}
			if left == 0 {
				return nil
			}
		}
	}
	return nil
}

// reason is an AWS error's operation, code and message, without request ids.
func reason(err error) string {
	msg := err.Error()
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		msg = oe.Err.Error()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg = ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	if oe != nil {
		msg = strings.ToLower(oe.Service()) + ":" + oe.Operation() + ": " + msg
	}
	return msg
}
