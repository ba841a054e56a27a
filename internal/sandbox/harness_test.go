package sandbox

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
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

// sdkConfig is an aws-sdk-go-v2 config pointed at url with dummy keys. One
// attempt only: moto answers unimplemented calls with 500, which the SDK
// would otherwise retry.
func sdkConfig(t testing.TB, url string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
		config.WithBaseEndpoint(url),
		config.WithRetryMaxAttempts(1),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// requireTool finds an outside tool. Missing in CI (CI set) fails the test;
// elsewhere it skips with the reason.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI but not on PATH: %v", name, err)
		}
		t.Skipf("%s not on PATH (install it to run this test; CI requires it)", name)
	}
	return p
}

var moto struct {
	once sync.Once
	url  string
	cmd  *exec.Cmd
	err  error
}

// motoURL starts one moto_server for the package's tests.
func motoURL(t testing.TB) string {
	t.Helper()
	bin := requireTool(t, "moto_server")
	moto.once.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			moto.err = err
			return
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
		if err := cmd.Start(); err != nil {
			moto.err = err
			return
		}
		moto.cmd = cmd
		moto.url = fmt.Sprintf("http://127.0.0.1:%d", port)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			resp, err := http.Get(moto.url + "/moto-api/")
			if err == nil {
				resp.Body.Close()
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		moto.err = fmt.Errorf("moto_server did not answer on %s within 30s", moto.url)
	})
	if moto.err != nil {
		t.Fatalf("start moto: %v", moto.err)
	}
	resp, err := http.Post(moto.url+"/moto-api/reset", "application/json", strings.NewReader(""))
	if err != nil {
		t.Fatalf("reset moto: %v", err)
	}
	resp.Body.Close()
	return moto.url
}

func TestMain(m *testing.M) {
	code := m.Run()
	if moto.cmd != nil {
		_ = moto.cmd.Process.Kill()
		_ = moto.cmd.Wait()
	}
	os.Exit(code)
}

// forEachTarget runs a conformance scenario against a fresh sandbox and,
// when available, a freshly reset moto. Moto tests run one at a time since
// they share one server.
var motoMu sync.Mutex

func forEachTarget(t *testing.T, f func(t *testing.T, tg *target)) {
	t.Run("sandbox", func(t *testing.T) {
		srv, url := startSandbox(t, Options{AssignmentDelay: 50 * time.Millisecond})
		f(t, &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)})
	})
	t.Run("moto", func(t *testing.T) {
		motoMu.Lock()
		defer motoMu.Unlock()
		url := motoURL(t)
		cfg := sdkConfig(t, url)
		// moto sometimes closes a reused connection while the SDK reads the
		// reply ("use of closed network connection"): one connection per request.
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
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
