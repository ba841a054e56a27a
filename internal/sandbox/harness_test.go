package sandbox

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/keyless-dev/keyless/internal/testtool"
)

// target is an implementation the conformance scenarios run against: the
// sandbox always, moto when moto_server is installed (required in CI).
type target struct {
	name string
	url  string
	moto bool
	srv  *Server // nil for moto
	cfg  aws.Config
}

// startSandbox serves a fresh sandbox on a loopback port for the test.
func startSandbox(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sandbox shutdown: %v", err)
		}
	})
	return srv, "http://" + l.Addr().String()
}

// sdkConfig is an aws-sdk-go-v2 config pointed at url with dummy keys. It
// retries connection errors only: moto answers unimplemented calls with 500
// and a sandbox error must show on the first answer, but a kept-alive
// connection torn down under a loaded machine ("use of closed network
// connection", aws/aws-sdk-go-v2#2737) is retried by every SDK's default
// retryer, so a test without it fails where no client would.
func sdkConfig(t testing.TB, url string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
		config.WithBaseEndpoint(url),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Retryer = testtool.RetryConnectionErrors
	return cfg
}

func requireTool(t testing.TB, name string) string {
	t.Helper()
	return testtool.RequireTool(t, name)
}

// moto is the package's one moto_server.
var moto testtool.Moto

// motoURL resets moto and holds it for the test: moto tests run one at a
// time since they share it.
func motoURL(t testing.TB) string {
	t.Helper()
	return moto.URL(t)
}

func TestMain(m *testing.M) {
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

// forEachTarget runs a conformance scenario against a fresh sandbox and,
// when available, a freshly reset moto.
func forEachTarget(t *testing.T, f func(t *testing.T, tg *target)) {
	t.Run("sandbox", func(t *testing.T) {
		srv, url := startSandbox(t, Options{AssignmentDelay: 50 * time.Millisecond})
		f(t, &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)})
	})
	t.Run("moto", func(t *testing.T) {
		url := motoURL(t)
		cfg := sdkConfig(t, url)
		// moto sometimes closes a reused connection while the SDK reads the
		// reply ("use of closed network connection"): one connection per request.
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
		// It still happens under load on a fresh connection: sdkConfig's
		// retryer retries connection errors only.
		f(t, &target{name: "moto", url: url, moto: true, cfg: cfg})
	})
}

// fakeClock is an injected clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
