package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/time/rate"
)

// Limits are the request rates keyless keeps to, per second, and how it
// retries. Zero fields take the defaults (DefaultLimits).
type Limits struct {
	// SSOAdmin is one budget for all sso-admin operations together (AWS's
	// quota: 20 TPS per instance).
	SSOAdmin float64
	// IdentityStore is a budget per identitystore operation (AWS's quota:
	// 20 TPS per API per identity store).
	IdentityStore float64
	// Organizations is one budget for all organizations operations.
	Organizations float64

	// MaxAttempts is how many times a request is tried in all.
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the exponential backoff between
	// attempts; each wait is drawn uniformly from [0, min(MaxBackoff,
	// BaseBackoff*2^attempt)) ("full jitter"). Tests make them small.
	BaseBackoff, MaxBackoff time.Duration
}

// DefaultLimits are AWS's documented quotas, and a patient retry policy:
// assignment and provisioning conflicts can take a while to clear.
func DefaultLimits() Limits {
	return Limits{
		SSOAdmin:      20,
		IdentityStore: 20,
		Organizations: 5,
		MaxAttempts:   10,
		BaseBackoff:   200 * time.Millisecond,
		MaxBackoff:    20 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.SSOAdmin <= 0 {
		l.SSOAdmin = d.SSOAdmin
	}
	if l.IdentityStore <= 0 {
		l.IdentityStore = d.IdentityStore
	}
	if l.Organizations <= 0 {
		l.Organizations = d.Organizations
	}
	if l.MaxAttempts <= 0 {
		l.MaxAttempts = d.MaxAttempts
	}
	if l.BaseBackoff <= 0 {
		l.BaseBackoff = d.BaseBackoff
	}
	if l.MaxBackoff <= 0 {
		l.MaxBackoff = d.MaxBackoff
	}
	return l
}

// Clients are the AWS clients keyless administers Identity Center with, each
// rate limited and retrying as Limits says.
type Clients struct {
	SSOAdmin      *ssoadmin.Client
	IdentityStore *identitystore.Client
	Organizations *organizations.Client
	STS           *sts.Client
	Region        string
}

// NewClients builds the clients from cfg. The rate limiter runs after the
// SDK's retry middleware, so every attempt, retries included, waits for its
// turn.
func NewClients(cfg aws.Config, l Limits) *Clients {
	l = l.withDefaults()
	retryer := l.Retryer
	with := func(lim *limiter) func(*middleware.Stack) error {
		return func(s *middleware.Stack) error {
			if err := s.Finalize.Insert(lim, "Retry", middleware.After); err != nil {
				return s.Finalize.Add(lim, middleware.Before)
			}
			return nil
		}
	}
	ssoLim := newLimiter(l.SSOAdmin, false)
	isLim := newLimiter(l.IdentityStore, true)
	orgLim := newLimiter(l.Organizations, false)
	return &Clients{
		SSOAdmin: ssoadmin.NewFromConfig(cfg, func(o *ssoadmin.Options) {
			o.Retryer, o.RetryMaxAttempts = retryer(), 0
			o.APIOptions = append(o.APIOptions, with(ssoLim))
		}),
		IdentityStore: identitystore.NewFromConfig(cfg, func(o *identitystore.Options) {
			o.Retryer, o.RetryMaxAttempts = retryer(), 0
			o.APIOptions = append(o.APIOptions, with(isLim))
		}),
		Organizations: organizations.NewFromConfig(cfg, func(o *organizations.Options) {
			o.Retryer, o.RetryMaxAttempts = retryer(), 0
			o.APIOptions = append(o.APIOptions, with(orgLim))
		}),
		STS: sts.NewFromConfig(cfg, func(o *sts.Options) {
			o.Retryer, o.RetryMaxAttempts = retryer(), 0
		}),
		Region: cfg.Region,
	}
}

// fullJitter is exponential backoff with full jitter: a wait drawn
// uniformly below min(max, base*2^attempt).
type fullJitter struct{ base, max time.Duration }

func (j fullJitter) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	ceil := j.max
	if attempt < 30 {
		if d := j.base << attempt; d > 0 && d < ceil {
			ceil = d
		}
	}
	if ceil <= 0 {
		return 0, nil
	}
	return rand.N(ceil), nil
}

// unreachable stops retries when nothing listens at the endpoint or its
// name does not resolve: a wrong endpoint or region, or no network. Retrying
// those for a minute only hides the mistake; a reset or a timeout is still
// retried.
type unreachable struct{}

func (unreachable) IsErrorRetryable(err error) aws.Ternary {
	var dns *net.DNSError
	if errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &dns) && dns.IsNotFound) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// notAnAWSAnswer stops retries of an HTTP 500 whose body is not an AWS
// error at all. AWS answers 500 with a JSON InternalFailure, which is
// retried; moto differs from AWS: it answers operations it does not
// implement with an HTML 500 page, and retrying those only waits.
// Gateways' HTML 502/503/504 are still retried.
type notAnAWSAnswer struct{}

func (notAnAWSAnswer) IsErrorRetryable(err error) aws.Ternary {
	var de *smithy.DeserializationError
	var re *smithyhttp.ResponseError
	if errors.As(err, &de) && errors.As(err, &re) && re.HTTPStatusCode() == 500 {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// retryableConflict retries ConflictException when it means "busy": sso-admin
// answers it to concurrent operations on the same object (assignments or
// provisioning in progress, too many outstanding creations), identitystore
// to concurrent modifications. "Already exists" conflicts are final; the
// applier decides what they mean.
type retryableConflict struct{}

func (retryableConflict) IsErrorRetryable(err error) aws.Ternary {
	var ic *istypes.ConflictException
	if errors.As(err, &ic) {
		return aws.BoolTernary(ic.Reason == istypes.ConflictExceptionReasonConcurrentModification)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ConflictException" {
		return aws.UnknownTernary
	}
	return aws.BoolTernary(!isAlreadyConflict(err))
}

// isAlreadyConflict reports a ConflictException saying the object already
// exists or is already attached.
func isAlreadyConflict(err error) bool {
	var ic *istypes.ConflictException
	if errors.As(err, &ic) {
		return ic.Reason != istypes.ConflictExceptionReasonConcurrentModification
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ConflictException" &&
		strings.Contains(strings.ToLower(ae.ErrorMessage()), "already")
}

// Retryer is the SDK's standard retryer made patient as l says: it retries
// throttling (and conflicts, and a network that is not there yet) with
// full-jitter backoff, MaxAttempts times, and never gives up early for the
// SDK's retry quota.
func (l Limits) Retryer() aws.Retryer {
	l = l.withDefaults()
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = l.MaxAttempts
		o.MaxBackoff = l.MaxBackoff
		o.Backoff = fullJitter{base: l.BaseBackoff, max: l.MaxBackoff}
		// The SDK's retry quota would give up under sustained throttling,
		// which is exactly when keyless must keep going, slowly.
		o.RateLimiter = ratelimit.None
		o.Retryables = append([]retry.IsErrorRetryable{notAnAWSAnswer{}, unreachable{}}, append(o.Retryables, retryableConflict{})...)
	})
}

// limiter is a token bucket middleware: one bucket for the service, or one
// per operation.
// RateLimit is an API option that makes every request of the clients given
// it, retries included, wait for one budget of perSecond requests (IAM's,
// for workloads:, which AWS does not publish).
func RateLimit(perSecond float64) func(*middleware.Stack) error {
	lim := newLimiter(perSecond, false)
	return func(s *middleware.Stack) error {
		if err := s.Finalize.Insert(lim, "Retry", middleware.After); err != nil {
			return s.Finalize.Add(lim, middleware.Before)
		}
		return nil
	}
}

type limiter struct {
	limit rate.Limit
	perOp bool

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newLimiter(perSecond float64, perOp bool) *limiter {
	return &limiter{limit: rate.Limit(perSecond), perOp: perOp, buckets: map[string]*rate.Limiter{}}
}

func (l *limiter) ID() string { return "KeylessRateLimit" }

func (l *limiter) bucket(op string) *rate.Limiter {
	if !l.perOp {
		op = ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[op]
	if b == nil {
		// A burst of one spaces requests evenly: AWS's buckets fill from
		// their own clock, so a client burst can still land as throttles.
		b = rate.NewLimiter(l.limit, 1)
		l.buckets[op] = b
	}
	return b
}

func (l *limiter) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	op := middleware.GetOperationName(ctx)
	if err := l.bucket(op).Wait(ctx); err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("wait for the %s rate limit: %w", op, err)
	}
	return next.HandleFinalize(ctx, in)
}
