package sandbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Options configure a sandbox. The zero value is a usable default world.
type Options struct {
	// Seed replaces the default world when set.
	Seed *Seed
	// TPS is AWS's quota: sso-admin TPS requests/s for all its operations
	// together, the portal (sso) likewise, identitystore TPS per operation.
	// OIDC is not limited. Zero means unlimited.
	TPS float64
	// IAMTPS is IAM's request rate, per account: every caller in an
	// account shares one token bucket (AWS publishes no figure, but says
	// IAM's rate limit is the account's: the re:Post knowledge center's
	// "How can I resolve API throttling or "Rate exceeded" errors for IAM
	// and AWS STS?", and the Security blog's "How to monitor and query IAM
	// resources at scale, part 2" on its token buckets). Excess gets IAM's
	// Throttling error, HTTP 400 "Rate exceeded". Zero means unlimited.
	IAMTPS float64
	// LookupEventsTPS is CloudTrail LookupEvents' limit per account and
	// region: zero means AWS's 2 requests/s, negative unlimited.
	LookupEventsTPS float64
	// AssignmentDelay is how long account assignments and provisioning stay
	// IN_PROGRESS. Negative means zero; zero means the default of 1s.
	AssignmentDelay time.Duration
	// AccountCreationDelay is how long Organizations' CreateAccount stays
	// IN_PROGRESS (and CloseAccount PENDING_CLOSURE). Zero means
	// AssignmentDelay; negative means zero.
	AccountCreationDelay time.Duration
	// Latency is added to every API request.
	Latency time.Duration
	// Throttle and Fail5xx are the fractions of API requests that fail with a
	// ThrottlingException or an HTTP 500.
	Throttle, Fail5xx float64
	// TaskFault, for tests, is asked before each AWS SDK task a Step
	// Functions execution runs, with the service as the integration names
	// it ("dynamodb") and the action ("getItem"): a code it returns
	// ("ThrottlingException") fails the task as that error of the service
	// would, without calling it. Nil never fails one.
	TaskFault func(service, action string) (code string)
	// ApproveAs approves every browser and device sign-in as this
	// identity-store user name at once.
	ApproveAs string
	// AccessTokenTTL and RefreshTokenTTL set OIDC token lifetimes (defaults
	// 1h and 90 days, as Identity Center's defaults); DeviceCodeTTL the
	// device authorization's (10m).
	AccessTokenTTL, RefreshTokenTTL, DeviceCodeTTL time.Duration
	// RoleCredentialsTTL, when positive, is how long the portal's
	// GetRoleCredentials credentials last instead of the permission set's
	// session duration (an hour or more on AWS), so that their expiry can be
	// tested in seconds.
	RoleCredentialsTTL time.Duration
	// ScheduleTick is how often a serving sandbox runs the schedules due
	// (scheduler_run.go); zero means every second, negative never (then
	// only POST /_sandbox/scheduler/run does).
	ScheduleTick time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives one debug line per request; nil discards.
	Log *slog.Logger
	// HeaderTimeout is how long a client has to send a request's headers,
	// RequestTimeout its headers and body, IdleTimeout how long a kept-alive
	// connection may wait for the next request. Zero means 10s, 1m and 2m.
	HeaderTimeout, RequestTimeout, IdleTimeout time.Duration
}

// Limits of one connection, so that slow or oversized requests cannot hold
// the sandbox's memory: request headers (SigV4 and a session token take a
// few KB), and connections served at once (a test's 100-way parallel calls
// fit; slow clients beyond it wait for a slot, and each slot frees within
// the timeouts).
const (
	maxHeaderBytes = 64 << 10
	maxConnections = 512
)

// DefaultAssignmentDelay is how long an assignment stays IN_PROGRESS by default.
const DefaultAssignmentDelay = time.Second

// Server is a sandbox. It is an http.Handler.
type Server struct {
	opts Options

	mu    sync.Mutex // guards world, rng
	world *World
	rng   *rand.Rand

	callsMu sync.Mutex
	calls   map[string]int64

	limitMu  sync.Mutex
	limiters map[string]*rate.Limiter
	// lookupLimiters are LookupEvents' limits, by account and region.
	lookupLimiters map[string]*rate.Limiter

	faultMu  sync.Mutex
	faultRng *rand.Rand

	baseURL string // set by Serve or SetBaseURL; used in portal and OIDC links

	routesOnce sync.Once
	rt         *routes

	// issuerKeys caches OIDC issuers' keys for AssumeRoleWithWebIdentity.
	issuerKeys issuerKeys
	// ciKeys are the local CI issuers' signing keys (ci_issuers.go).
	ciKeys ciKeys
	// policies are compiled policy documents, for authorization (authz.go).
	policies policyCache

	// schedMu serializes runs of due schedules (scheduler_run.go).
	schedMu sync.Mutex
}

// New returns a sandbox with the world from opts.
func New(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case opts.AssignmentDelay == 0:
		opts.AssignmentDelay = DefaultAssignmentDelay
	case opts.AssignmentDelay < 0:
		opts.AssignmentDelay = 0
	}
	switch {
	case opts.AccountCreationDelay == 0:
		opts.AccountCreationDelay = opts.AssignmentDelay
	case opts.AccountCreationDelay < 0:
		opts.AccountCreationDelay = 0
	}
	if opts.AccessTokenTTL == 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.RefreshTokenTTL == 0 {
		opts.RefreshTokenTTL = 90 * 24 * time.Hour
	}
	if opts.DeviceCodeTTL == 0 {
		opts.DeviceCodeTTL = 10 * time.Minute
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.HeaderTimeout = cmp.Or(opts.HeaderTimeout, 10*time.Second)
	opts.RequestTimeout = cmp.Or(opts.RequestTimeout, time.Minute)
	opts.IdleTimeout = cmp.Or(opts.IdleTimeout, 2*time.Minute)
	s := &Server{
		opts:     opts,
		calls:    map[string]int64{},
		limiters: map[string]*rate.Limiter{},

		lookupLimiters: map[string]*rate.Limiter{},
		faultRng:       rand.New(rand.NewPCG(7, 11)),
		baseURL:        "http://127.0.0.1:4599",
	}
	// Real CI issuers' keys come from the local issuers, not the internet.
	s.issuerKeys.client = &http.Client{Transport: localIssuerTransport{keys: &s.ciKeys, next: http.DefaultTransport}}
	if err := s.Reset(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reset puts the world back to its seed (or the default world) and clears
// the call counters.
func (s *Server) Reset() error {
	w, err := buildWorld(s.opts.Seed, s.opts.Now())
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.world = w
	s.rng = rand.New(rand.NewChaCha8([32]byte{'k', 'e', 'y', 'l', 'e', 's', 's'}))
	s.mu.Unlock()
	s.callsMu.Lock()
	s.calls = map[string]int64{}
	s.callsMu.Unlock()
	return nil
}

// SetBaseURL tells the sandbox the URL clients reach it at, for the links it
// hands out (verification URIs, portal URLs).
func (s *Server) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// BaseURL is the URL the sandbox believes it is served at.
func (s *Server) BaseURL() string { return s.baseURL }

// Listen binds addr, refusing a non-loopback address unless allowRemote.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	if !allowRemote {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("address %q is not a loopback address; the sandbox accepts any credentials, so it only binds to 127.0.0.1 or ::1", addr)
		}
	}
	return net.Listen("tcp", addr)
}

// Serve serves on l until ctx is done, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.SetBaseURL("http://" + l.Addr().String())
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.HeaderTimeout,
		ReadTimeout:       s.opts.RequestTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limitListener(l, maxConnections)) }()
	if s.opts.ScheduleTick >= 0 {
		go s.tickSchedules(ctx, cmp.Or(s.opts.ScheduleTick, time.Second))
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		// Let requests in flight finish. Connections a client opened but
		// never used hold Shutdown for seconds: close what is left after
		// the grace period rather than fail.
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			_ = srv.Close()
		}
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// count records one call of service:op for /_sandbox/calls and the debug log.
func (s *Server) count(w http.ResponseWriter, service, op string) {
	if lw, ok := w.(*loggedWriter); ok {
		lw.op = service + ":" + op
	}
	s.callsMu.Lock()
	s.calls[service+":"+op]++
	s.callsMu.Unlock()
}

// ResetCalls clears the per-operation counters.
func (s *Server) ResetCalls() {
	s.callsMu.Lock()
	s.calls = map[string]int64{}
	s.callsMu.Unlock()
}

// Calls returns a copy of the per-operation request counters.
func (s *Server) Calls() map[string]int64 {
	s.callsMu.Lock()
	defer s.callsMu.Unlock()
	out := make(map[string]int64, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// withWorld runs f with the world locked and advanced to now.
func (s *Server) withWorld(f func(w *World, now time.Time)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.world.advance(now)
	f(s.world, now)
}

// IdentityStoreID is the identity store of the sandbox's Identity Center instance.
func (s *Server) IdentityStoreID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.world.Instance.IdentityStoreID
}

// limitListener accepts at most n connections at once: Accept waits for
// one to close.
func limitListener(l net.Listener, n int) net.Listener {
	return &limitedListener{Listener: l, slots: make(chan struct{}, n)}
}

type limitedListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitedListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &slotConn{Conn: c, free: func() { <-l.slots }}, nil
}

// slotConn frees its listener slot once, on the first Close.
type slotConn struct {
	net.Conn
	once sync.Once
	free func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.free)
	return err
}
