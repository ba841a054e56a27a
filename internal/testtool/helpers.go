package testtool

import (
	"flag"
	"fmt"
	"net"
	"runtime"
	"strings"
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
