// Package portal lists what a signed-in person can use through the AWS access
// portal (the sso API): every account their access token reaches and every
// role in it.
//
// It owns the client side of the portal's quota: all calls of one listing
// share one rate limiter, and throttled calls are retried with backoff. It
// does not sign in, refresh or store tokens, and it never puts the access
// token in an error or a log.
package portal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"
)

// Access is one role a person can use in one account.
type Access struct{ AccountID, AccountName, AccountEmail, RoleName string }

// Options tune a listing. The zero value uses the defaults.
type Options struct {
	// TPS is the rate shared by all portal calls of one listing, burst
	// included (default DefaultTPS, the portal's quota).
	TPS float64
	// Concurrency is how many accounts' roles are listed at once (default
	// DefaultConcurrency).
	Concurrency int
	// Progress, when set, is called as each account's roles are listed, with
	// the number of accounts done and in all. Calls never overlap.
	Progress func(done, total int)
}

const (
	// DefaultTPS is the portal's quota (requests per second per account).
	DefaultTPS = 20
	// DefaultConcurrency is enough workers to keep DefaultTPS busy when a call
	// takes up to 400 ms.
	DefaultConcurrency = 8

	pageSize = 100 // the most ListAccounts and ListAccountRoles return
)

// ErrTokenExpired is returned, wrapped, when the portal refuses the access
// token (UnauthorizedException): it expired or was revoked, and only signing
// in again helps. Test for it with errors.Is.
var ErrTokenExpired = errors.New("the access token is expired or revoked")

// List returns every role in every account the access token reaches, sorted
// by account name, account id and role name. Accounts without roles are left
// out. Throttled calls are retried; a refused token stops the listing with
// ErrTokenExpired; cancelling ctx stops it promptly with ctx's error.
func List(ctx context.Context, client *sso.Client, accessToken string, o Options) ([]Access, error) {
	if o.TPS <= 0 {
		o.TPS = DefaultTPS
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	l := &lister{
		client:  client,
		token:   aws.String(accessToken),
		limiter: rate.NewLimiter(rate.Limit(o.TPS), max(1, int(o.TPS))),
		retry:   defaultRetry,
	}
	accounts, err := l.accounts(ctx)
	if err != nil {
		return nil, err
	}

	roles := make([][]string, len(accounts))
	var mu sync.Mutex // serializes Progress
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Concurrency)
	for i, a := range accounts {
		if gctx.Err() != nil {
			break // a worker failed or ctx was cancelled: start no more
		}
		g.Go(func() error {
			r, err := l.roles(gctx, aws.ToString(a.AccountId))
			if err != nil {
				return err
			}
			roles[i] = r
			if o.Progress != nil {
				mu.Lock()
				done++
				o.Progress(done, len(accounts))
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var out []Access
	for i, a := range accounts {
		for _, r := range roles[i] {
			out = append(out, Access{AccountID: aws.ToString(a.AccountId), AccountName: aws.ToString(a.AccountName),
				AccountEmail: aws.ToString(a.EmailAddress), RoleName: r})
		}
	}
	slices.SortFunc(out, func(a, b Access) int {
		return cmp.Or(cmp.Compare(a.AccountName, b.AccountName), cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.RoleName, b.RoleName))
	})
	return out, nil
}

type lister struct {
	client  *sso.Client
	token   *string
	limiter *rate.Limiter
	retry   retryPolicy
}

func (l *lister) accounts(ctx context.Context) ([]ssotypes.AccountInfo, error) {
	var out []ssotypes.AccountInfo
	in := &sso.ListAccountsInput{AccessToken: l.token, MaxResults: aws.Int32(pageSize)}
	for {
		var page *sso.ListAccountsOutput
		err := l.call(ctx, "list accounts", func(ctx context.Context) (err error) {
			page, err = l.client.ListAccounts(ctx, in, oneAttempt)
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, page.AccountList...)
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

func (l *lister) roles(ctx context.Context, accountID string) ([]string, error) {
	var out []string
	in := &sso.ListAccountRolesInput{AccessToken: l.token, AccountId: aws.String(accountID), MaxResults: aws.Int32(pageSize)}
	for {
		var page *sso.ListAccountRolesOutput
		err := l.call(ctx, "list roles in account "+accountID, func(ctx context.Context) (err error) {
			page, err = l.client.ListAccountRoles(ctx, in, oneAttempt)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range page.RoleList {
			out = append(out, aws.ToString(r.RoleName))
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

// oneAttempt turns off the SDK's own retries for a call: its retryer gives up
// after 3 attempts and knows nothing of the shared limiter, so call retries.
func oneAttempt(o *sso.Options) { o.RetryMaxAttempts = 1 }

var (
	throttles  = retry.IsErrorThrottles(retry.DefaultThrottles)
	retryables = retry.IsErrorRetryables(retry.DefaultRetryables)
)

// call runs f under the shared limiter, retrying throttles and transient
// failures. Every attempt, retries included, waits for the limiter, since the
// portal counts each against the quota.
func (l *lister) call(ctx context.Context, what string, f func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		if err := l.limiter.Wait(ctx); err != nil {
			return fmt.Errorf("%s: %w", what, cmp.Or(ctx.Err(), err))
		}
		err := f(ctx)
		var unauthorized *ssotypes.UnauthorizedException
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case errors.As(err, &unauthorized):
			// The SDK's error carries no token; ours names what to do.
			return fmt.Errorf("%s: %w: sign in again", what, ErrTokenExpired)
		}
		throttled := throttles.IsErrorThrottle(err).Bool()
		if !retryables.IsErrorRetryable(err).Bool() {
			return fmt.Errorf("%s: %w", what, err)
		}
		if limit := l.retry.attempts(throttled); attempt >= limit {
			return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		}
		t := time.NewTimer(l.retry.delay(attempt, rand.Float64()))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// retryPolicy is exponential backoff with full jitter. Throttles get many
// more attempts than other failures: under a shared quota they are expected,
// and waiting is the cure.
type retryPolicy struct {
	base, cap                       time.Duration
	throttleAttempts, otherAttempts int
}

// defaultRetry waits up to about a minute in all for a throttled call.
var defaultRetry = retryPolicy{base: 100 * time.Millisecond, cap: 10 * time.Second, throttleAttempts: 15, otherAttempts: 3}

func (p retryPolicy) attempts(throttled bool) int {
	if throttled {
		return p.throttleAttempts
	}
	return p.otherAttempts
}

// delay is the wait after failed attempt n (1-based), with jitter in [0, 1).
func (p retryPolicy) delay(n int, jitter float64) time.Duration {
	d := p.cap
	if n < 32 && p.base<<(n-1) < p.cap {
		d = p.base << (n - 1)
	}
	return time.Duration(jitter * float64(d))
}
