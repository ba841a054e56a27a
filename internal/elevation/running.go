package elevation

import (
	"context"
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

// checkRunningGrants refuses a catalog that no longer offers the permission
// set and account of a grant still running: the expire and end roles and the
// end machine are compiled from the rules, so once no rule names them the
// grant's expiry schedule, the sweep and revoke could no longer end it and
// it would outlive its end. Grant items stay up to a sweep past their end, so
// an end more than five minutes past now (by the local clock) is not running.
func checkRunningGrants(ctx context.Context, c TableAPI, cat *Catalog, now time.Time) error {
	offered := map[string]bool{}
	for _, r := range cat.Rules {
		id := r.PermissionSetARN[strings.LastIndex(r.PermissionSetARN, "/")+1:]
		for _, a := range r.Accounts {
			offered[id+"#"+a] = true
		}
	}
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(TableName), ConsistentRead: aws.Bool(true),
		FilterExpression:          aws.String("begins_with(pk, :asg)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":asg": &ddbtypes.AttributeValueMemberS{Value: grantPrefix}}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("elevation: scan %s for running grants: %w", TableName, err)
		}
		for _, item := range out.Items {
			g, ok := parseGrantItem(item)
			parts := strings.Split(strings.TrimPrefix(g.PK, grantPrefix), "#")
			if !ok || len(parts) != 3 || offered[parts[0]+"#"+parts[1]] || !g.Until.After(now.Add(-5*time.Minute)) {
				continue
			}
			return &RunningGrantError{fmt.Sprintf("elevation: no rule in keyless.yaml offers permission set %s in account %s any more (rule %s did), but request %s of %s holds it until %s: "+
				"apply would take away what ends it (its expiry, the sweep and revoke), so it would outlive its end; "+
				"keep the rule until then, or end the grant first: keyless revoke %s (its requester, an approver of its rule or a revoker may)",
				parts[0], parts[1], attrS(item, "rule"), strings.TrimPrefix(g.Request.SK, requestPrefix), UserName(g.Request.PK), g.Until.UTC().Format(time.RFC3339),
				strings.TrimPrefix(g.Request.SK, requestPrefix))}
		}
	}
	return nil
}
