package usage

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"golang.org/x/time/rate"
)

// LastAssumed is when a role was last assumed with a web identity token
// (a CI pipeline's OIDC token) in the window, from the events of the
// role's account and one region whose resource is the role's ARN; zero
// when never. It makes at most DefaultRate requests a second.
func LastAssumed(ctx context.Context, c LookupAPI, roleARN string, now time.Time) (time.Time, error) {
	lim := rate.NewLimiter(DefaultRate, 1)
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyResourceName, AttributeValue: aws.String(roleARN)}},
		StartTime:        aws.Time(now.Add(-Window)), EndTime: aws.Time(now), MaxResults: aws.Int32(50),
	}
	for {
		if err := lim.Wait(ctx); err != nil {
			return time.Time{}, err
		}
		out, err := c.LookupEvents(ctx, in)
		if err != nil {
			return time.Time{}, err
		}
		for _, e := range out.Events { // newest first
			if aws.ToString(e.EventName) == "AssumeRoleWithWebIdentity" {
				return aws.ToTime(e.EventTime), nil
			}
		}
		if out.NextToken == nil {
			return time.Time{}, nil
		}
		in.NextToken = out.NextToken
	}
}
