package elevation

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestWebhookPosts(t *testing.T) {
	got := make(chan map[string]string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with %q", r.Method, r.Header.Get("Content-Type"))
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		got <- body
	}))
	defer srv.Close()
	var log bytes.Buffer
	w := &Webhook{URL: srv.URL + "/services/T000/B000/SECRETTOKEN", Log: slog.New(slog.NewTextHandler(&log, nil))}
	w.Post(context.Background(), "alice requests AdministratorAccess@prod")
	if b := <-got; len(b) != 1 || b["text"] != "alice requests AdministratorAccess@prod" {
		t.Fatalf("body = %v", b)
	}
	if log.Len() != 0 {
		t.Errorf("a delivered post logged: %s", log.String())
	}
}

// A requester's reason is text to Slack, not markup: no channel ping, no
// link under other words.
func TestWebhookEscapesSlackMarkup(t *testing.T) {
	got := make(chan map[string]string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		got <- body
	}))
	defer srv.Close()
	(&Webhook{URL: srv.URL}).Post(context.Background(), "alice requests X: <!channel> R&D <https://evil.example|the runbook>")
	if b := <-got; b["text"] != "alice requests X: &lt;!channel&gt; R&amp;D &lt;https://evil.example|the runbook&gt;" {
		t.Fatalf("text = %q", b["text"])
	}
}

// A webhook that hangs, fails or cannot be reached costs at most the
// timeout, and the log never names the URL's path, where Slack puts its token.
func TestWebhookNeverBlocksNorLeaks(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "fail") {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		<-hang
	}))
	defer srv.Close()
	defer close(hang)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	for name, url := range map[string]string{"hang": srv.URL + "/hang/SECRETTOKEN", "fail": srv.URL + "/fail/SECRETTOKEN", "closed": closedURL + "/SECRETTOKEN"} {
		t.Run(name, func(t *testing.T) {
			var log bytes.Buffer
			w := &Webhook{URL: url, Timeout: 200 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&log, nil))}
			start := time.Now()
			w.Post(context.Background(), "x")
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Post took %v", took)
			}
			if !strings.Contains(log.String(), "notification not delivered") {
				t.Errorf("log = %q", log.String())
			}
			if strings.Contains(log.String(), "SECRETTOKEN") {
				t.Errorf("log names the URL: %s", log.String())
			}
		})
	}
}
