package sandbox

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// signedAs is an Authorization header as the SDK sends it; the sandbox
// reads the credential scope, not the signature.
func signedAs(service string) string {
	return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/" + service + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000"
}

// Unique operation names in large bodies and headers leave nothing behind:
// an attacker's names are not counters.
func TestUnknownOperationsKeepNoState(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n, size = 100, 1 << 20
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	name := make([]byte, size-len("Action=&Version=2010-05-08")-8)
	for i := range n {
		copy(name, fmt.Sprintf("%08d", i))
		for j := 8; j < len(name); j++ {
			name[j] = 'A' + byte((i+j)%26)
		}
		body := "Action=" + string(name) + "&Version=2010-05-08"
		req := httptest.NewRequest("POST", "http://127.0.0.1/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", signedAs("iam"))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "<Code>InvalidAction</Code>") {
			t.Fatalf("unknown action: %d %.200s", rec.Code, rec.Body)
		}
		req = httptest.NewRequest("POST", "http://127.0.0.1/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "SWBExternalService."+string(name[:64<<10]))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec = httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 400 {
			t.Fatalf("unknown target: %d %.200s", rec.Code, rec.Body)
		}
		req = httptest.NewRequest("GET", "http://127.0.0.1/federation?Action="+string(name[:8<<10]), nil)
		rec = httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 400 {
			t.Fatalf("unknown federation action: %d %.200s", rec.Code, rec.Body)
		}
	}
	if calls := srv.Calls(); len(calls) > 3 {
		t.Errorf("%d counters after %d unknown operations, want at most one per service: %.300v", len(calls), 3*n, calls)
	}
	if grown := int64(heap()) - int64(before); grown > 16<<20 {
		t.Errorf("heap grew by %d MB after %d unknown 1 MB requests", grown>>20, n)
	}
}

// Bodies beyond the cap are refused before they are read whole.
func TestOversizedBody(t *testing.T) {
	_, url := startSandbox(t, Options{})
	big := strings.Repeat("a", maxBody+1)
	req, _ := http.NewRequest("POST", url+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15&X="+big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", signedAs("sts"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(b), "<Code>RequestEntityTooLarge</Code>") {
		t.Fatalf("got %d %.300s, want 413 RequestEntityTooLarge", resp.StatusCode, b)
	}
}

// A web page the user opens must not drive the sandbox: browsers mark
// their requests with Origin and Sec-Fetch-Site, and can send form bodies
// without a signature. The sandbox's own pages keep taking same-origin posts.
func TestBrowserRequestsRefused(t *testing.T) {
	srv, url := startSandbox(t, Options{})
	host := strings.TrimPrefix(url, "http://")
	type req struct {
		name, method, path, body, ctype string
		header                          map[string]string
		refused                         bool
	}
	form := "application/x-www-form-urlencoded"
	for _, tc := range []req{
		{"cross-site reset", "POST", "/_sandbox/reset", "", form, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, true},
		{"reset from an old browser, form body", "POST", "/_sandbox/reset", "", form, nil, true},
		{"reset with Origin null", "POST", "/_sandbox/reset", "", "application/json", map[string]string{"Origin": "null"}, true},
		{"reset from another local port", "POST", "/_sandbox/reset", "{}", "application/json", map[string]string{"Origin": "http://127.0.0.1:1"}, true},
		{"same-site state", "GET", "/_sandbox/state", "", "", map[string]string{"Sec-Fetch-Site": "same-site"}, true},
		{"cross-site CreateUser", "POST", "/", "Action=CreateUser&Version=2010-05-08&UserName=mallory", form, map[string]string{"Origin": "https://evil.example"}, true},
		{"unsigned CreateUser", "POST", "/", "Action=CreateUser&Version=2010-05-08&UserName=mallory", form, nil, true},
		{"form post with a credential in its URL", "POST", "/?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request", "Action=CreateUser&Version=2010-05-08&UserName=mallory", form, nil, true},
		{"unsigned CreateAccessKey in a GET", "GET", "/?Action=CreateAccessKey&Version=2010-05-08", "", "", nil, true},
		// An <img> in an older browser sends neither Origin nor Sec-Fetch-Site,
		// and the page can make up a presigned-looking query.
		{"CreateUser in a made-up presigned GET", "GET", "/?Action=CreateUser&Version=2010-05-08&UserName=mallory&" + presignedQuery("iam"), "", "", nil, true},
		{"text/plain to OIDC", "POST", "/client/register", `{"clientName":"x","clientType":"public"}`, "text/plain", nil, true},
		{"cross-site authorize post", "POST", "/authorize", "x=1", form, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, true},

		{"reset, tool", "POST", "/_sandbox/reset", "{}", "application/json", nil, false},
		{"reset, same origin", "POST", "/_sandbox/reset", "{}", "application/json", map[string]string{"Origin": url, "Sec-Fetch-Site": "same-origin"}, false},
		{"state typed into the address bar", "GET", "/_sandbox/state", "", "", map[string]string{"Sec-Fetch-Site": "none"}, false},
		{"signed CreateUser", "POST", "/", "Action=CreateUser&Version=2010-05-08&UserName=bob", form, map[string]string{"Authorization": signedAs("iam")}, false},
		{"presigned GetCallerIdentity, as EKS tokens are", "GET", "/?Action=GetCallerIdentity&Version=2011-06-15&" + presignedQuery("sts"), "", "", nil, false},
		{"OIDC as the SDK sends it", "POST", "/client/register", `{"clientName":"x","clientType":"public"}`, "application/json", nil, false},
		{"portal opened from a link", "GET", "/start", "", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(tc.method, url+tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if refused := resp.StatusCode == 403; refused != tc.refused {
				t.Fatalf("%s %s from %s: %d %.300s, refused = %v, want %v", tc.method, tc.path, host, resp.StatusCode, b, refused, tc.refused)
			}
			if tc.refused && !strings.Contains(string(b), "browser") && !strings.Contains(string(b), "sign") && !strings.Contains(string(b), "another site") {
				t.Errorf("refusal does not say why: %s", b)
			}
		})
	}
	for acct, ia := range srv.world.IAM {
		for _, u := range ia.Users {
			if u.Name == "mallory" {
				t.Errorf("a refused request created IAM user mallory in %s", acct)
			}
		}
	}
}

// presignedQuery is the query-string signature of a presigned URL.
func presignedQuery(service string) string {
	return "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2F" + service +
		"%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
}

// DNS rebinding: a page whose name now resolves to 127.0.0.1 sends its own
// name as Host. Only loopback names are answered.
func TestHostChecked(t *testing.T) {
	_, url := startSandbox(t, Options{})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(url, "http://"))
	for host, want := range map[string]int{
		"evil.example:" + port:     421,
		"evil.example":             421,
		"127.0.0.1.nip.io:" + port: 421,
		"127.0.0.1:" + port:        200,
		"localhost:" + port:        200,
		"[::1]:" + port:            200,
		"127.0.0.1":                200,
	} {
		r, _ := http.NewRequest("GET", url+"/_sandbox/state", nil)
		r.Host = host
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d %.200s, want %d", host, resp.StatusCode, b, want)
		}
		if want == 421 && !strings.Contains(string(b), "Host") {
			t.Errorf("Host %s: the refusal does not name the Host header: %s", host, b)
		}
	}
}

// Slow clients are cut off: a body sent a byte at a time, and headers that
// never end, lose their connection within the timeouts.
func TestSlowClientsTimedOut(t *testing.T) {
	_, url := startSandbox(t, Options{HeaderTimeout: 200 * time.Millisecond, RequestTimeout: 400 * time.Millisecond, IdleTimeout: 400 * time.Millisecond})
	addr := strings.TrimPrefix(url, "http://")
	for name, start := range map[string]string{
		"slow body":    "POST / HTTP/1.1\r\nHost: " + addr + "\r\nX-Amz-Target: AWSOrganizationsV20161128.ListRoots\r\nContent-Length: 100000\r\n\r\n{",
		"slow headers": "GET /_sandbox/health HTTP/1.1\r\nHost: " + addr + "\r\n",
		"idle":         "GET /_sandbox/health HTTP/1.1\r\nHost: " + addr + "\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, start); err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			closed := make(chan struct{})
			go func() {
				defer close(closed)
				_, _ = io.Copy(io.Discard, bufio.NewReader(conn))
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-closed:
					if took := time.Since(began); took > 2*time.Second {
						t.Fatalf("closed after %v", took)
					}
					return
				case <-ctx.Done():
					t.Fatal("the server still holds the connection after 5s")
				case <-tick.C:
					if name != "idle" {
						_, _ = conn.Write([]byte(" ")) // one byte at a time keeps it going without a timeout
					}
				}
			}
		})
	}
}
