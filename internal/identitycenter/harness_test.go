package identitycenter

import (
	"context"
	"encoding/json"
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
	"github.com/keyless-dev/keyless/internal/sandbox"
)

// Test helpers, after internal/sandbox/harness_test.go.

// startSandbox serves a fresh sandbox on a loopback port for the test.
func startSandbox(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := sandbox.Listen("127.0.0.1:0", false)
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

// sdkConfig is an aws-sdk-go-v2 config pointed at url with dummy keys,
// every request seen by rec.
func sdkConfig(t testing.TB, url string, rec *recorder, keepAlive bool) aws.Config {
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
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		// moto sometimes closes a reused connection while the SDK reads the
		// reply: one connection per request there.
		tr.DisableKeepAlives = !keepAlive
		tr.MaxIdleConnsPerHost = 64
	})
	rec.base = hc
	cfg.HTTPClient = rec
	return cfg
}

// fastLimits keep AWS's rates out of the way and retry without real waits.
func fastLimits() Limits {
	return Limits{SSOAdmin: 2000, IdentityStore: 2000, Organizations: 2000, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

// recorder counts requests per operation and error answers per
// "Operation:ErrorCode".
type recorder struct {
	base aws.HTTPClient

	mu     sync.Mutex
	calls  map[string]int
	errors map[string]int
}

func newRecorder() *recorder { return &recorder{calls: map[string]int{}, errors: map[string]int{}} }

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	// The full target ("SWBExternalService.ListPermissionSets") names the service too.
	op := req.Header.Get("X-Amz-Target")
	if op == "" {
		op = req.URL.Path
	}
	resp, err := r.base.Do(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[op]++
	if err == nil && resp.StatusCode >= 400 {
		code := resp.Header.Get("X-Amzn-Errortype")
		if code == "" {
			code = fmt.Sprint(resp.StatusCode)
		}
		code, _, _ = strings.Cut(code, ":")
		r.errors[op+":"+code]++
	}
	return resp, err
}

func (r *recorder) errorCount(suffix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for k, v := range r.errors {
		if strings.HasSuffix(k, suffix) {
			n += v
		}
	}
	return n
}

func (r *recorder) callCount(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for k, v := range r.calls {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

func (r *recorder) snapshot() (map[string]int, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, e := map[string]int{}, map[string]int{}
	for k, v := range r.calls {
		c[k] = v
	}
	for k, v := range r.errors {
		e[k] = v
	}
	return c, e
}

// sandboxState is the part of GET /_sandbox/state the tests look at.
type sandboxState struct {
	AssignmentOps []struct {
		Delete     bool      `json:"delete"`
		Status     string    `json:"status"`
		Created    time.Time `json:"created"`
		DoneAt     time.Time `json:"done_at"`
		Assignment struct {
			AccountID        string `json:"account_id"`
			PermissionSetARN string `json:"permission_set_arn"`
		} `json:"assignment"`
	} `json:"account_assignment_operations"`
	PermissionSets []struct {
		ARN string `json:"arn"`
	} `json:"permission_sets"`
}

func getSandboxState(t testing.TB, url string) sandboxState {
	t.Helper()
	resp, err := http.Get(url + "/_sandbox/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s sandboxState
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("decode /_sandbox/state: %v", err)
	}
	return s
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

// moto is one moto_server for the package's tests, started on first use;
// motoMu runs moto tests one at a time since they share it.
var (
	moto struct {
		once sync.Once
		url  string
		cmd  *exec.Cmd
		err  error
	}
	motoMu sync.Mutex
)

// motoURL starts moto_server once and resets it for the test, which holds
// motoMu until it ends.
func motoURL(t testing.TB) string {
	t.Helper()
	bin := requireTool(t, "moto_server")
	motoMu.Lock()
	t.Cleanup(motoMu.Unlock)
	moto.once.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			moto.err = err
			return
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
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
