package cleanup

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyless-dev/keyless/internal/audit"
)

// ReactivateKey is the action that undoes a deactivation.
const ReactivateKey Kind = "reactivate-key"

// Reactivate undoes a deactivation: the key becomes Active again and
// keyless's tag goes, so that a later cleanup plans it afresh (and waits a
// whole grace period after deactivating it again). It is the safe
// direction, restoring what a caller lost, so it acts at once; it is
// logged like every action. A key keyless did not deactivate is
// reactivated too, and the log says so.
func (e *Executor) Reactivate(ctx context.Context, st *audit.AccountState, keyID string) (Result, error) {
	var user *audit.IAMUser
	var key audit.AccessKey
	for i, u := range st.Users {
		for _, k := range u.AccessKeys {
			if strings.EqualFold(k.ID, keyID) {
				user, key = &st.Users[i], k
			}
		}
	}
	if user == nil {
		return Result{}, fmt.Errorf("--reactivate %s: no IAM user of account %s has this access key", keyID, st.AccountID)
	}
	a := Action{Kind: ReactivateKey, Account: st.AccountID, Target: user.Name + "/" + key.ID, User: user.Name, KeyID: key.ID, State: Ready,
		Reason: "reactivate " + key.ID + " (--reactivate)"}
	r := Result{Action: a, Outcome: "done"}
	since, tagged := audit.Deactivated(*user, key.ID)
	switch {
	case key.Active():
		r.Outcome, r.Detail = "skipped", key.ID+" is already active"
	default:
		if tagged {
			r.Detail = "keyless deactivated it on " + since.UTC().Format("2006-01-02T15:04:05Z")
		} else {
			r.Detail = "keyless did not deactivate it (no " + DeactivatedTag(key.ID) + " tag)"
		}
		_, err := e.IAM.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(user.Name), AccessKeyId: aws.String(key.ID), Status: iamtypes.StatusTypeActive})
		if err == nil && tagged {
			_, err = e.IAM.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String(user.Name), TagKeys: []string{DeactivatedTag(key.ID)}})
		}
		if err != nil {
			r.Outcome, r.Detail = "failed", err.Error()
		}
	}
	logErr := e.Log.Append(Record{Time: e.now().UTC(), Account: st.AccountID, Caller: st.CallerARN, Action: string(ReactivateKey),
		Target: a.Target, Result: r.Outcome, Detail: r.Detail})
	if r.Outcome == "failed" {
		return r, fmt.Errorf("reactivate %s: %s", key.ID, r.Detail)
	}
	return r, logErr
}
