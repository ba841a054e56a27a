package testtool

import (
	"flag"
	"fmt"
	"net"
	"runtime"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// JSONField is the value at a dotted path (a.b.c) of a decoded JSON
// document; nil when any step is missing or not an object.
func JSONField(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// SecretFields are the secrets the SSO token cache and the role
// credentials cache hold (JSONField paths), which no output may show.
var SecretFields = []string{"accessToken", "refreshToken", "clientSecret", "Credentials.SecretAccessKey", "Credentials.SessionToken"}

// RaiseParallelism runs n tests (or scripts) at once unless -parallel says
// otherwise, for packages whose tests mostly wait (on the rate limits the
// sandbox enforces as AWS does, on subprocesses and their sandboxes): go
// test's default of one per CPU left 2 cores idle most of a run. Call it
// from TestMain before m.Run.
func RaiseParallelism(n int) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set && runtime.GOMAXPROCS(0) < n {
		_ = flag.Set("test.parallel", fmt.Sprint(n))
	}
}

// RetryConnectionErrors is a retryer for tests' SDK clients (config.WithRetryer
// or aws.Config.Retryer, with RetryMaxAttempts left 0: clients wrap any
// retryer with it when it is set): up to three attempts, retrying
// connection errors only, so an AWS error (a 500, a throttle) shows on the
// first answer. A kept-alive connection torn down under a loaded machine
// ("use of closed network connection", aws/aws-sdk-go-v2#2737) is retried
// by every SDK's default retryer; a test without it fails where no client
// would.
func RetryConnectionErrors() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
	})
}
