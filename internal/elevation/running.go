package elevation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// RunningGrantError is plan's refusal to drop what a running grant needs to
// end.
type RunningGrantError struct{ msg string }

func (e *RunningGrantError) Error() string { return e.msg }

// runningGrant is a grant item whose end has not passed.
type runningGrant struct {
	psID, account, userID string // the assignment
	rule                  string
	request               Key
	until                 time.Time
}

func (g runningGrant) id() string { return strings.TrimPrefix(g.request.SK, requestPrefix) }

// runningGrants reads the grant items whose end is not past. Grant items
// stay up to a sweep past their end, so an end more than five minutes
// past now (by the local clock) is not running.
func runningGrants(ctx context.Context, c dynamodb.ScanAPIClient, now time.Time) ([]runningGrant, error) {
	var out []runningGrant
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(TableName), ConsistentRead: aws.Bool(true),
		FilterExpression:          aws.String("begins_with(pk, :asg)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":asg": &ddbtypes.AttributeValueMemberS{Value: grantPrefix}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("elevation: scan %s for running grants: %w", TableName, err)
		}
		for _, item := range page.Items {
			g, ok := parseGrantItem(item)
			parts := strings.Split(strings.TrimPrefix(g.PK, grantPrefix), "#")
			if !ok || len(parts) != 3 || !g.Until.After(now.Add(-5*time.Minute)) {
				continue
			}
			out = append(out, runningGrant{psID: parts[0], account: parts[1], userID: parts[2], rule: attrS(item, "rule"),
				request: g.Request, until: g.Until})
		}
	}
	return out, nil
}

// checkRunningGrants refuses a catalog that no longer offers the permission
// set and account of a grant still running: the expire and end roles and the
// end machine are compiled from the rules, so once no rule names them the
// grant's expiry schedule, the sweep and revoke could no longer end it and
// it would outlive its end.
func checkRunningGrants(ctx context.Context, c TableAPI, cat *Catalog, now time.Time) error {
	offered := map[string]bool{}
	for _, r := range cat.Rules {
		id := r.PermissionSetARN[strings.LastIndex(r.PermissionSetARN, "/")+1:]
		for _, a := range r.Accounts {
			offered[id+"#"+a] = true
		}
	}
	running, err := runningGrants(ctx, c, now)
	if err != nil {
		return err
	}
	for _, g := range running {
		if offered[g.psID+"#"+g.account] {
			continue
		}
		return &RunningGrantError{fmt.Sprintf("elevation: no rule in keyless.yaml offers permission set %s in account %s any more (rule %s did), but request %s of %s holds it until %s: "+
			"apply would take away what ends it (its expiry, the sweep and revoke), so it would outlive its end; "+
			"keep the rule until then, or end the grant first: keyless revoke %s (its requester, an approver of its rule or a revoker may)",
			g.psID, g.account, g.rule, g.id(), UserName(g.request.PK), g.until.UTC().Format(time.RFC3339), g.id())}
	}
	return nil
}

// AssignmentKey names a user's assignment as grant items do:
// ps-id#account#identity-store-user-id.
func AssignmentKey(permissionSetARN, account, userID string) string {
	return permissionSetARN[strings.LastIndex(permissionSetARN, "/")+1:] + "#" + account + "#" + userID
}

// CheckRemoval refuses deleting, once elevation: has left keyless.yaml,
// the assignment of a grant still running (deleting holds the
// AssignmentKeys plan would delete): the assignment would go at once but
// the sessions already issued for it would not be cut (only end and
// offboard cut them), so they would keep the elevated role for up to the
// set's session duration with nothing on record. Revoking the grants first
// ends both.
func CheckRemoval(ctx context.Context, c dynamodb.ScanAPIClient, deleting map[string]bool, now time.Time) error {
	if len(deleting) == 0 {
		return nil
	}
	running, err := runningGrants(ctx, c, now)
	if err != nil {
		return err
	}
	var held []string
	var ids []string
	for _, g := range running {
		if deleting[g.psID+"#"+g.account+"#"+g.userID] {
			held = append(held, fmt.Sprintf("request %s of %s (permission set %s in account %s, until %s)",
				g.id(), UserName(g.request.PK), g.psID, g.account, g.until.UTC().Format(time.RFC3339)))
			ids = append(ids, g.id())
		}
	}
	if len(held) == 0 {
		return nil
	}
	return &RunningGrantError{fmt.Sprintf("elevation: keyless.yaml has no elevation: section any more, but %d running grant(s) hold assignments this apply would delete: %s; "+
		"deleting an assignment does not cut the sessions already issued for it, so they would go on until they expire; "+
		"revoke the grants first (keyless revoke %s: their requester, an approver of their rule or a revoker may), which cuts their sessions, "+
		"or keep elevation: until they end, or apply without --prune",
		len(held), strings.Join(held, "; "), strings.Join(ids, ", keyless revoke "))}
}

// HomeOf reads the home account and region from the KeylessElevation
// permission set's inline policy (RequesterPolicy: its Read statement names
// the table's ARN); ok is false when the policy names none.
func HomeOf(inlinePolicy string) (region, account string, ok bool) {
	var d struct {
		Statement []struct {
			Sid      string
			Resource any
		}
	}
	if json.Unmarshal([]byte(inlinePolicy), &d) != nil {
		return "", "", false
	}
	for _, st := range d.Statement {
		arn, _ := st.Resource.(string)
		// arn:PARTITION:dynamodb:REGION:ACCOUNT:table/keyless-elevation
		f := strings.Split(arn, ":")
		if st.Sid == "Read" && len(f) == 6 && f[2] == "dynamodb" && f[5] == "table/"+TableName {
			return f[3], f[4], f[3] != "" && f[4] != ""
		}
	}
	return "", "", false
}
