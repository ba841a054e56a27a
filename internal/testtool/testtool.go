// Package testtool runs the outside tools the tests compare keyless with
// (moto_server, the AWS CLI). It owns the rule that they are required in CI
// (CI set) and skipped with a reason elsewhere, and the few helpers several
// packages' tests share (a free port, JSON paths, the cache's secret
// fields, parallelism, the SDK retryer of tests). It imports nothing of
// keyless, so every package's tests can use it.
package testtool

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireTool finds an outside tool: missing in CI fails the test,
// elsewhere it skips with the reason.
func RequireTool(t testing.TB, name string) string {
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

// Moto is one moto_server shared by a package's tests, started on first
// use and stopped by Stop (from TestMain). Tests use it one at a time.
type Moto struct {
	mu   sync.Mutex // held by the test using moto
	once sync.Once
	url  string
	cmd  *exec.Cmd
	err  error
}

// URL starts moto if needed, resets it, and holds it for the test.
func (m *Moto) URL(t testing.TB) string {
	t.Helper()
	bin := RequireTool(t, "moto_server")
	m.mu.Lock()
	t.Cleanup(m.mu.Unlock)
	url, err := m.start(bin)
	if err != nil {
		t.Fatalf("start moto: %v", err)
	}
	if err := m.Reset(); err != nil {
		t.Fatal(err)
	}
	return url
}

// Lock holds moto for a caller that is not a testing.TB (a testscript
// command); the returned func releases it.
func (m *Moto) Lock() func() {
	m.mu.Lock()
	return m.mu.Unlock
}

// Started starts moto if needed and returns its URL, without resetting it.
func (m *Moto) Started() (string, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return "", fmt.Errorf("moto_server is required: %w", err)
	}
	return m.start(bin)
}

func (m *Moto) start(bin string) (string, error) {
	m.once.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			m.err = err
			return
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
		if err := cmd.Start(); err != nil {
			m.err = err
			return
		}
		m.cmd = cmd
		m.url = fmt.Sprintf("http://127.0.0.1:%d", port)
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if resp, err := http.Get(m.url + "/moto-api/"); err == nil {
				resp.Body.Close()
				return
			}
		}
		m.err = fmt.Errorf("moto_server did not answer on %s within 30s", m.url)
	})
	return m.url, m.err
}

// Reset wipes moto's state.
func (m *Moto) Reset() error {
	resp, err := http.Post(m.url+"/moto-api/reset", "application/json", strings.NewReader(""))
	if err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	return resp.Body.Close()
}

// Stop ends moto, if it was started.
func (m *Moto) Stop() {
	if m.cmd != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
	}
}
