package usage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
	"golang.org/x/time/rate"
)

// Window is how far back CloudTrail's event history goes.
const Window = 90 * 24 * time.Hour

// DefaultRate is CloudTrail's LookupEvents limit: two requests a second
// per account and region.
const DefaultRate = 2

// Key is an access key to collect the use of.
type Key struct {
	AccessKeyID string
	Account     string
	User        string
	// Created is when the key was made: a key younger than the window was
	// seen for all its life.
	Created time.Time
	// Regions to look in; empty means Options.Regions.
	Regions []string
}

// LookupAPI is the CloudTrail call Collect makes.
type LookupAPI interface {
	LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// Clients gives the CloudTrail client of an account and region: one whose
// credentials act in that account (LookupEvents reads the caller's
// account's history).
type Clients func(ctx context.Context, account, region string) (LookupAPI, error)

// Options tune Collect.
type Options struct {
	// Regions are looked in for keys that name none. Every region a key may
	// have been used in must be here: a region left out is not evaluated.
	Regions []string
	// Rate is LookupEvents requests a second per account and region
	// (default DefaultRate, AWS's limit).
	Rate float64
	// Workers are the keys of one account and region looked up at once,
	// sharing its rate (default 2, so that a request's latency does not
	// leave the rate unused).
	Workers int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Progress, when set, is called after each key and region is done.
	Progress func(Progress)
}

// Progress is how far Collect is.
type Progress struct {
	// Done and Total count key and region lookups.
	Done, Total int
	// Pages is the LookupEvents requests sent so far, retries included.
	Pages int
	// Account and Region are those of the lookup just done.
	Account, Region string
}

// Gap is a region where a key's use could not be seen.
type Gap struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	// Reason says why, for a person: "missing cloudtrail:LookupEvents in
	// 111111111111/us-east-1".
	Reason string `json:"reason"`
}

func (g Gap) String() string { return "not evaluated (" + g.Reason + ")" }

// KeyUsage is the evidence of one access key.
type KeyUsage struct {
	AccessKeyID string `json:"access_key_id"`
	Account     string `json:"account"`
	User        string `json:"user"`
	Evidence
	// Gaps are the regions where the key's use could not be seen.
	Gaps []Gap `json:"not_evaluated,omitempty"`
	// Created is when the key was made, when known.
	Created time.Time `json:"created,omitzero"`
}

// Status says what the evidence shows: "used", "not evaluated" when a
// region could not be seen and no use was found, or "unused in the last
// 90 days". A key is never "unused" when a region was not evaluated.
func (k *KeyUsage) Status() string {
	switch {
	case k.Events > 0:
		return "used"
	case len(k.Gaps) > 0:
		return "not evaluated"
	default:
		return "unused in the last 90 days"
	}
}

// Limits says in words what the evidence cannot show: regions not
// evaluated, and the 90-day window for a key older than it.
func (k *KeyUsage) Limits(from time.Time) []string {
	var out []string
	for _, g := range k.Gaps {
		out = append(out, g.String())
	}
	if k.Created.IsZero() || k.Created.Before(from) {
		out = append(out, fmt.Sprintf("CloudTrail keeps 90 days: use before %s is not known", from.Format(time.DateOnly)))
	}
	return out
}

// Report is the evidence of every key Collect was given, in their order.
type Report struct {
	From time.Time   `json:"from"`
	To   time.Time   `json:"to"`
	Keys []*KeyUsage `json:"keys"`
	// Pages is the LookupEvents requests sent, retries included.
	Pages int `json:"pages"`
}

// Collect looks up the last 90 days of events of every key in each of its
// regions, at most opts.Rate requests a second in each account and region,
// all accounts and regions at once.
func Collect(ctx context.Context, clients Clients, keys []Key, opts Options) (*Report, error) {
	if opts.Rate == 0 {
		opts.Rate = DefaultRate
	}
	if opts.Workers < 1 {
		opts.Workers = 2
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	to := now().UTC()
	rep := &Report{From: to.Add(-Window), To: to, Keys: make([]*KeyUsage, len(keys))}

	// One lookup per key and region, grouped by account and region.
	type task struct {
		key    int
		region string
		ev     Evidence
		gap    *Gap
	}
	groups := map[string][]*task{}
	var order []string
	var tasks []*task
	for i, k := range keys {
		rep.Keys[i] = &KeyUsage{AccessKeyID: k.AccessKeyID, Account: k.Account, User: k.User, Created: k.Created}
		regions := k.Regions
		if len(regions) == 0 {
			regions = opts.Regions
		}
		if len(regions) == 0 {
			return nil, fmt.Errorf("usage: no region to look in for %s (%s/%s): give the regions the account uses", k.AccessKeyID, k.Account, k.User)
		}
		for _, r := range regions {
			g := k.Account + "/" + r
			if _, ok := groups[g]; !ok {
				order = append(order, g)
			}
			t := &task{key: i, region: r}
			groups[g] = append(groups[g], t)
			tasks = append(tasks, t)
		}
	}

	var mu sync.Mutex // guards prog
	prog := Progress{Total: len(tasks)}
	page := func() {
		mu.Lock()
		prog.Pages++
		mu.Unlock()
	}
	done := func(account, region string) {
		mu.Lock()
		prog.Done++
		prog.Account, prog.Region = account, region
		p := prog
		mu.Unlock()
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}

	var wg sync.WaitGroup
	for _, g := range order {
		account, region, _ := strings.Cut(g, "/")
		ts := groups[g]
		wg.Go(func() {
			client, err := clients(ctx, account, region)
			if err != nil {
				for _, t := range ts {
					t.gap = &Gap{account, region, fmt.Sprintf("no CloudTrail client for %s/%s: %v", account, region, err)}
					done(account, region)
				}
				return
			}
			lim := rate.NewLimiter(rate.Limit(opts.Rate), 1)
			queue := make(chan *task, len(ts))
			for _, t := range ts {
				queue <- t
			}
			close(queue)
			var deniedGap atomic.Pointer[Gap]
			var inner sync.WaitGroup
			for range min(opts.Workers, len(ts)) {
				inner.Go(func() {
					for t := range queue {
						if g := deniedGap.Load(); g != nil {
							t.gap = g
						} else {
							t.ev, t.gap = lookupKey(ctx, client, lim, keys[t.key].AccessKeyID, account, region, rep.From, to, page)
							if t.gap != nil && t.gap.denied() {
								// Every key of this account and region would be denied too.
								deniedGap.CompareAndSwap(nil, t.gap)
							}
						}
						done(account, region)
					}
				})
			}
			inner.Wait()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, t := range tasks {
		k := rep.Keys[t.key]
		k.merge(t.ev)
		if t.gap != nil {
			k.Gaps = append(k.Gaps, *t.gap)
		}
	}
	for _, k := range rep.Keys {
		sort.SliceStable(k.Gaps, func(i, j int) bool { return k.Gaps[i].Region < k.Gaps[j].Region })
	}
	rep.Pages = prog.Pages
	return rep, nil
}

const deniedReason = "missing cloudtrail:LookupEvents in "

func (g *Gap) denied() bool { return strings.HasPrefix(g.Reason, deniedReason) }

// record is the part of a CloudTrailEvent that Collect reads.
type record struct {
	SourceIPAddress string `json:"sourceIPAddress"`
	UserAgent       string `json:"userAgent"`
	AWSRegion       string `json:"awsRegion"`
}

// lookupKey pages through one key's events in one account and region.
func lookupKey(ctx context.Context, c LookupAPI, lim *rate.Limiter, keyID, account, region string, from, to time.Time, page func()) (Evidence, *Gap) {
	var ev Evidence
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String(keyID)}},
		StartTime:        aws.Time(from), EndTime: aws.Time(to), MaxResults: aws.Int32(50),
	}
	for {
		if err := ctx.Err(); err != nil {
			return ev, &Gap{account, region, "interrupted"}
		}
		out, err := c.LookupEvents(ctx, in, func(o *cloudtrail.Options) {
			// Every attempt waits its turn, the SDK's retries too: AWS
			// counts them against the limit.
			o.HTTPClient = limitedClient{next: o.HTTPClient, lim: lim, sent: page}
		})
		if err != nil {
			return ev, lookupGap(err, account, region)
		}
		for _, e := range out.Events {
			var r record
			if s := aws.ToString(e.CloudTrailEvent); s != "" {
				_ = json.Unmarshal([]byte(s), &r) // a record that does not parse still counts, without address
			}
			ev.add(aws.ToString(e.EventSource), aws.ToString(e.EventName), region, r.SourceIPAddress, r.UserAgent, aws.ToTime(e.EventTime))
		}
		if out.NextToken == nil {
			return ev, nil
		}
		in.NextToken = out.NextToken
	}
}

// limitedClient sends a request when the account and region's limiter
// allows it.
type limitedClient struct {
	next cloudtrail.HTTPClient
	lim  *rate.Limiter
	sent func()
}

func (c limitedClient) Do(r *http.Request) (*http.Response, error) {
	if err := c.lim.Wait(r.Context()); err != nil {
		return nil, err
	}
	c.sent()
	return c.next.Do(r)
}

// lookupGap says in words why a lookup failed.
func lookupGap(err error, account, region string) *Gap {
	where := account + "/" + region
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		switch ae.ErrorCode() {
		case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
			return &Gap{account, region, deniedReason + where}
		case "UnrecognizedClientException", "InvalidClientTokenId", "OptInRequired":
			return &Gap{account, region, "region " + region + " is not enabled in " + account + " (" + ae.ErrorCode() + ")"}
		case "ThrottlingException":
			return &Gap{account, region, "LookupEvents throttled in " + where + " after retries"}
		}
		return &Gap{account, region, fmt.Sprintf("LookupEvents failed in %s: %s", where, ae.ErrorCode())}
	}
	return &Gap{account, region, fmt.Sprintf("region %s not reachable in %s: %v", region, account, err)}
}
