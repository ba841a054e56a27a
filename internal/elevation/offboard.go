package elevation

// Ending a person's grants when they are offboarded, as an administrator:
// what the end machine's revoke does, with the administrator's own calls
// (docs/elevation.md, "offboard"). Only names.go and raw items are used
// here: the record types belong to the client (records.go).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// grantPrefix starts a grant item's pk: ASG#<ps-id>#<account>#<user id>.
const grantPrefix = "ASG#"

// OffboardClients are the administrator's clients in the home account.
type OffboardClients struct {
	DynamoDB  *dynamodb.Client
	Scheduler *scheduler.Client
	SSOAdmin  *ssoadmin.Client
}

// Grant is one elevated assignment of the person, from its grant items.
type Grant struct {
	PermissionSetARN string
	AccountID        string
	UserID           string
	// Until is the latest end of its grant items.
	Until time.Time
	// Items are the grant items' sort keys.
	Items []string
}

// ScheduleName is the name of an assignment's expiry and cut schedules: the
// SHA-256 hex of ps-arn|account|user-id (64 characters, the name limit).
func ScheduleName(permissionSetARN, account, userID string) string {
	h := sha256.Sum256([]byte(permissionSetARN + "|" + account + "|" + userID))
	return hex.EncodeToString(h[:])
}

// ErrNoTable is returned when the home account has no elevation table:
// elevation is not set up there, so there are no grants.
var ErrNoTable = errors.New("no elevation table " + TableName)

// Grants lists userID's grants in the table, by their items. instanceARN
// turns the items' permission set ids into ARNs.
func Grants(ctx context.Context, c OffboardClients, instanceARN, userID string) ([]Grant, error) {
	if _, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(TableName)}); err != nil {
		if _, ok := errors.AsType[*ddbtypes.ResourceNotFoundException](err); ok {
			return nil, ErrNoTable
		}
		return nil, fmt.Errorf("describe table %s: %w", TableName, err)
	}
	instanceID := instanceARN[strings.LastIndex(instanceARN, "/")+1:]
	byPK := map[string]*Grant{}
	var order []string
	p := dynamodb.NewScanPaginator(c.DynamoDB, &dynamodb.ScanInput{TableName: aws.String(TableName), ConsistentRead: aws.Bool(true),
		FilterExpression:          aws.String("begins_with(pk, :asg)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":asg": &ddbtypes.AttributeValueMemberS{Value: grantPrefix}}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s for grants: %w", TableName, err)
		}
		for _, item := range out.Items {
			pk, sk := str(item["pk"]), str(item["sk"])
			parts := strings.Split(strings.TrimPrefix(pk, grantPrefix), "#")
			if len(parts) != 3 || parts[2] != userID {
				continue
			}
			g := byPK[pk]
			if g == nil {
				g = &Grant{PermissionSetARN: "arn:aws:sso:::permissionSet/" + instanceID + "/" + parts[0], AccountID: parts[1], UserID: userID}
				byPK[pk] = g
				order = append(order, pk)
			}
			g.Items = append(g.Items, sk)
			// sk is UNTIL#<RFC 3339 UTC>#<request sk>.
			if f := strings.SplitN(sk, "#", 3); len(f) == 3 && f[0] == "UNTIL" {
				if t, err := time.Parse(time.RFC3339, f[1]); err == nil && t.After(g.Until) {
					g.Until = t
				}
			}
		}
	}
	slices.Sort(order)
	out := make([]Grant, 0, len(order))
	for _, pk := range order {
		out = append(out, *byPK[pk])
	}
	return out, nil
}

func str(v ddbtypes.AttributeValue) string {
	if s, ok := v.(*ddbtypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// EndGrant ends one grant now: deletes the account assignment (waiting for
// AWS; one already gone is fine), its expiry and cut schedules, then its
// grant items, so that neither a schedule nor the sweep acts on it later.
// Sessions are cut by the caller, with the person's other sets.
func EndGrant(ctx context.Context, c OffboardClients, instanceARN string, g Grant, poll time.Duration) error {
	out, err := c.SSOAdmin.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: aws.String(instanceARN),
		PermissionSetArn: aws.String(g.PermissionSetARN), PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(g.UserID),
		TargetId: aws.String(g.AccountID), TargetType: ssotypes.TargetTypeAwsAccount})
	switch _, gone := errors.AsType[*ssotypes.ResourceNotFoundException](err); {
	case gone:
	case err != nil:
		return fmt.Errorf("delete the assignment of %s in %s: %w", g.PermissionSetARN, g.AccountID, err)
	default:
		if err := waitDeleted(ctx, c.SSOAdmin, instanceARN, out.AccountAssignmentDeletionStatus, poll); err != nil {
			return fmt.Errorf("delete the assignment of %s in %s: %w", g.PermissionSetARN, g.AccountID, err)
		}
	}
	name := ScheduleName(g.PermissionSetARN, g.AccountID, g.UserID)
	for _, group := range []string{ExpiryGroup, CutGroup} {
		_, err := c.Scheduler.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(name), GroupName: aws.String(group)})
		if _, gone := errors.AsType[*schedtypes.ResourceNotFoundException](err); err != nil && !gone {
			return fmt.Errorf("delete schedule %s/%s: %w", group, name, err)
		}
	}
	pk := grantPrefix + g.PermissionSetARN[strings.LastIndex(g.PermissionSetARN, "/")+1:] + "#" + g.AccountID + "#" + g.UserID
	for _, sk := range g.Items {
		if _, err := c.DynamoDB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(TableName), Key: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: sk}}}); err != nil {
			return fmt.Errorf("delete grant item %s %s: %w", pk, sk, err)
		}
	}
	return nil
}

func waitDeleted(ctx context.Context, c *ssoadmin.Client, instanceARN string, st *ssotypes.AccountAssignmentOperationStatus, poll time.Duration) error {
	if poll <= 0 {
		poll = time.Second
	}
	for st != nil && st.Status == ssotypes.StatusValuesInProgress {
		t := time.NewTimer(poll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		d, err := c.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{InstanceArn: aws.String(instanceARN), AccountAssignmentDeletionRequestId: st.RequestId})
		if err != nil {
			return fmt.Errorf("poll the deletion: %w", err)
		}
		st = d.AccountAssignmentDeletionStatus
	}
	if st != nil && st.Status == ssotypes.StatusValuesFailed {
		return fmt.Errorf("AWS reports the deletion failed: %s", aws.ToString(st.FailureReason))
	}
	return nil
}
