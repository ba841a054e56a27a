package identitycenter

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// Test helpers, after internal/sandbox/harness_test.go.

// startSandbox serves a fresh sandbox on a loopback port for the test.
func startSandbox(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	return sandboxtest.Start(t, opts)
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
			PrincipalType    string `json:"principal_type"`
		} `json:"assignment"`
	} `json:"account_assignment_operations"`
	Users []struct {
		UserName string    `json:"user_name"`
		Created  time.Time `json:"created"`
	} `json:"users"`
	Memberships []struct {
		Created time.Time `json:"created"`
	} `json:"group_memberships"`
	PermissionSets []struct {
		ARN string `json:"arn"`
	} `json:"permission_sets"`
}

// lastUserCreated is when the newest user was created.
func (s sandboxState) lastUserCreated() time.Time {
	var last time.Time
	for _, u := range s.Users {
		if u.Created.After(last) {
			last = u.Created
		}
	}
	return last
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

// moto is the package's one moto_server.
var moto testtool.Moto

// motoURL resets moto and holds it for the test.
func motoURL(t testing.TB) string {
	t.Helper()
	return moto.URL(t)
}

func TestMain(m *testing.M) {
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}
