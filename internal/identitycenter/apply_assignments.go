package identitycenter

// Applying changes to account assignments, and polling their asynchronous
// operations.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

func (r *run) createAssignment(ctx context.Context, ch Change) error {
	a := ch.Assignment
	if a == nil {
		return missing(ch)
	}
	arn, err := r.permissionSetARN(a.PermissionSet)
	if err != nil {
		return err
	}
	principal, err := r.principalID(a.PrincipalType, a.Principal)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("assign permission set %s to %s %s in account %s", a.PermissionSet, strings.ToLower(a.PrincipalType), a.Principal, a.AccountID)
	return r.assign(ctx, what, Assignment{AccountID: a.AccountID, PermissionSetARN: arn, PrincipalType: a.PrincipalType, PrincipalID: principal})
}

// assign creates an assignment, by ids, and waits for it.
func (r *run) assign(ctx context.Context, what string, a Assignment) error {
	out, err := r.a.C.SSOAdmin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: r.inst,
		PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalType: ssotypes.PrincipalType(a.PrincipalType), PrincipalId: aws.String(a.PrincipalID),
		TargetId: aws.String(a.AccountID), TargetType: ssotypes.TargetTypeAwsAccount})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return r.waitAssignment(ctx, what, out.AccountAssignmentCreationStatus, func(id *string) (*ssotypes.AccountAssignmentOperationStatus, error) {
		d, err := r.a.C.SSOAdmin.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{InstanceArn: r.inst, AccountAssignmentCreationRequestId: id})
		if err != nil {
			return nil, err
		}
		return d.AccountAssignmentCreationStatus, nil
	})
}

func (r *run) deleteAssignment(ctx context.Context, ch Change) error {
	a := ch.HaveAssignment
	if a == nil {
		return missing(ch)
	}
	what := fmt.Sprintf("remove permission set %s from %s %s in account %s", a.PermissionSetARN, strings.ToLower(a.PrincipalType), a.PrincipalID, a.AccountID)
	out, err := r.a.C.SSOAdmin.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: r.inst,
		PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalType: ssotypes.PrincipalType(a.PrincipalType), PrincipalId: aws.String(a.PrincipalID),
		TargetId: aws.String(a.AccountID), TargetType: ssotypes.TargetTypeAwsAccount})
	if isNotFound(err) {
		return nil // already gone
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return r.waitAssignment(ctx, what, out.AccountAssignmentDeletionStatus, func(id *string) (*ssotypes.AccountAssignmentOperationStatus, error) {
		d, err := r.a.C.SSOAdmin.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{InstanceArn: r.inst, AccountAssignmentDeletionRequestId: id})
		if err != nil {
			return nil, err
		}
		return d.AccountAssignmentDeletionStatus, nil
	})
}

// waitAssignment polls an assignment operation until it succeeds or fails.
func (r *run) waitAssignment(ctx context.Context, what string, st *ssotypes.AccountAssignmentOperationStatus, describe func(*string) (*ssotypes.AccountAssignmentOperationStatus, error)) error {
	if st == nil {
		return fmt.Errorf("%s: AWS returned no operation status", what)
	}
	id := st.RequestId
	began := time.Now()
	polls := 0
	var stillRunning time.Duration // when it was last seen in progress
	for ; st.Status == ssotypes.StatusValuesInProgress; polls++ {
		if polls > 0 {
			stillRunning = time.Since(began)
		}
		wait := r.nextPoll()
		if polls == 0 {
			wait = r.firstPoll()
		}
		if err := sleepFor(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		next, err := describe(id)
		if err != nil {
			return fmt.Errorf("%s: poll request %s: %w", what, aws.ToString(id), err)
		}
		if next == nil {
			return fmt.Errorf("%s: AWS returned no operation status", what)
		}
		st = next
	}
	r.observe(time.Since(began), stillRunning, polls)
	if st.Status == ssotypes.StatusValuesFailed {
		return fmt.Errorf("%s failed: %s", what, aws.ToString(st.FailureReason))
	}
	return nil
}

// firstPoll is how long to wait before the first status check of an
// assignment operation: how long they have been taking, so most are
// checked once (each check spends sso-admin's shared quota), else the
// poll interval.
func (r *run) firstPoll() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opTime == 0 {
		return r.poll
	}
	return r.opTime + r.opTime/32
}

// observe adjusts the first-poll estimate from one operation: done at the
// first check, it may have been done earlier, so the next first check comes
// slightly sooner (adapting to faster operations over a few hundred); seen
// in progress at a check, it took at least that long, so the estimate
// rises to it. The estimate settles just above the real
// duration, which no single check can measure, and most operations are
// checked once.
func (r *run) observe(took, stillRunning time.Duration, polls int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case polls == 0:
		// Done when created: nothing learnt.
	case polls == 1:
		r.opTime = min(r.opTime, took)
		r.opTime -= r.opTime / 200
	default:
		r.opTime = max(r.opTime, stillRunning)
	}
	r.log.Debug("assignment operation done", "took", took.Round(time.Millisecond), "polls", polls, "next_first_poll", r.opTime.Round(time.Millisecond))
}

// nextPoll is how long to wait between later checks: an eighth of the
// estimate (an operation seen in progress is usually about to finish, and
// every moment it holds one of the 15 slots), within 100ms and the poll
// interval.
func (r *run) nextPoll() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opTime == 0 {
		return r.poll
	}
	return min(r.poll, max(r.opTime/8, 100*time.Millisecond))
}
