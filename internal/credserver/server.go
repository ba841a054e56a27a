package credserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/keyless-dev/keyless/internal/redact"
	"github.com/keyless-dev/keyless/internal/signin"
)

// Host is the only address the endpoint listens on. The SDKs accept a plain
// http URI only on a loopback host (or ECS's and EKS's link-local ones,
// which belong to those services).
const Host = "127.0.0.1"

// Path is the endpoint's path.
const Path = "/credentials"

// metadataAddrs are the instance and container metadata addresses: an SDK
// or a tool looking for EC2's or ECS's credentials must never find these.
var metadataAddrs = map[string]string{
	"169.254.169.254": "the EC2 instance metadata address",
	"fd00:ec2::254":   "the EC2 instance metadata address",
	"169.254.170.2":   "the ECS container credentials address",
	"169.254.170.23":  "the EKS Pod Identity address",
	"fd00:ec2::23":    "the EKS Pod Identity address",
}

// AddrError says why an address cannot be listened on.
type AddrError struct {
	Addr   string
	Reason string
}

func (e *AddrError) Error() string { return fmt.Sprintf("%s: %s", e.Addr, e.Reason) }

// ErrPortInUse is returned (wrapped) when the port is taken.
var ErrPortInUse = errors.New("the port is in use")

// Listen listens on addr, which must be 127.0.0.1:PORT (PORT 0 or empty: a
// free port). Anything else is refused with an *AddrError.
func Listen(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &AddrError{addr, "give 127.0.0.1:PORT"}
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || ip != nil && ip.IsUnspecified():
		return nil, &AddrError{addr, "that is every interface: anyone on the network could ask for the credentials; keyless listens on " + Host + " only"}
	case metadataAddrs[host] != "":
		return nil, &AddrError{addr, "that is " + metadataAddrs[host] + ", which keyless never takes; it listens on " + Host + " only"}
	case host != Host:
		return nil, &AddrError{addr, "keyless listens on " + Host + " only (the SDKs accept plain http on loopback, and other addresses reach other machines)"}
	}
	n, err := strconv.Atoi(port)
	if port != "" && (err != nil || n < 0 || n > 65535) {
		return nil, &AddrError{addr, "the port must be a number from 0 to 65535"}
	}
	l, err := net.Listen("tcp4", net.JoinHostPort(Host, strconv.Itoa(n)))
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s: %w", addr, ErrPortInUse)
	}
	return l, err
}

// NewToken returns a random bearer token: 256 bits, URL-safe base64.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make the endpoint's token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Handler answers the container credential provider.
type Handler struct {
	// Token is what the Authorization header must hold, as the SDKs send
	// AWS_CONTAINER_AUTHORIZATION_TOKEN: the value itself, no scheme.
	Token string
	// Credentials returns credentials with time left; it is called for every
	// request (keyless's path serves them from its cache).
	Credentials func(ctx context.Context) (signin.Credentials, error)
	// AccountID is the role's account, which newer SDKs read as AccountId.
	AccountID string
	// Out gets a line when the credentials change or fetching them fails
	// (stderr); never a secret.
	Out io.Writer
	// Command names the command serving in those lines (default
	// "keyless serve").
	Command string

	mu      sync.Mutex
	lastKey string // access key id last served, to log a change once
	lastErr string
}

// response is the container credential provider's JSON (botocore's
// ContainerProvider and aws-sdk-go-v2's endpointcreds read these names).
type response struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// errorResponse is the error body aws-sdk-go-v2's endpointcreds decodes.
type errorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case r.URL.Path != Path:
		writeJSON(w, http.StatusNotFound, errorResponse{"NotFound", "no such path; the credentials are at " + Path})
		return
	case r.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, errorResponse{"MethodNotAllowed", "use GET"})
		return
	case !loopbackHost(r.Host):
		// A web page's script reaching 127.0.0.1 through a DNS name of
		// its own (DNS rebinding) sends that name here.
		writeJSON(w, http.StatusForbidden, errorResponse{"Forbidden", "requests must name " + Host + " or localhost as the host"})
		return
	}
	got := r.Header.Get("Authorization")
	if got == "" {
		writeJSON(w, http.StatusUnauthorized, errorResponse{"Unauthorized", "no Authorization header: set AWS_CONTAINER_AUTHORIZATION_TOKEN to the token keyless printed"})
		return
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(h.Token)) != 1 {
		msg := "the Authorization header does not hold this endpoint's token"
		if rest, ok := strings.CutPrefix(got, "Bearer "); ok && subtle.ConstantTimeCompare([]byte(rest), []byte(h.Token)) == 1 {
			// Still refused: the SDKs send the value alone, and so must
			// anything else, so one form works everywhere.
			msg = "send the token alone, without \"Bearer \", as the SDKs do (Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN)"
		}
		writeJSON(w, http.StatusForbidden, errorResponse{"Forbidden", msg})
		return
	}
	c, err := h.Credentials(r.Context())
	if err != nil {
		h.failed(err)
		// The reason goes to whoever holds the token, and to a job's logs:
		// no secret an error may quote (a token in a response body).
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{"CredentialsUnavailable", redact.String(err.Error())})
		return
	}
	h.served(c)
	writeJSON(w, http.StatusOK, response{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		Token:           c.SessionToken,
		Expiration:      c.Expiration.UTC().Format(time.RFC3339),
		AccountID:       h.AccountID,
	})
}

func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	return host == Host || host == "localhost"
}

func (h *Handler) say(format string, a ...any) {
	if h.Out == nil {
		return
	}
	name := h.Command
	if name == "" {
		name = "keyless serve"
	}
	fmt.Fprintf(h.Out, name+": "+format+"\n", a...)
}

// served logs new credentials once (when they are fetched again, before
// the old ones expire).
func (h *Handler) served(c signin.Credentials) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr = ""
	if c.AccessKeyID == h.lastKey {
		return
	}
	h.lastKey = c.AccessKeyID
	h.say("credentials fetched, valid until %s", c.Expiration.Local().Format("15:04:05 MST"))
}

// failed logs an error once until it changes or credentials come back.
func (h *Handler) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err.Error() == h.lastErr {
		return
	}
	h.lastErr = err.Error()
	msg := err.Error()
	var hinted interface{ Hint() string }
	if errors.As(err, &hinted) {
		msg += "\nhint: " + hinted.Hint()
	}
	h.say("cannot get credentials, requests fail until this is fixed: %s", redact.String(msg))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve serves h on l until ctx is done, then lets requests in flight
// finish (for at most two seconds).
func Serve(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute, // credentials come from the portal within the SDK's retries
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	_ = srv.Close()
	return nil
}

// URL is the endpoint's full URI for AWS_CONTAINER_CREDENTIALS_FULL_URI.
func URL(l net.Listener) string { return "http://" + l.Addr().String() + Path }
