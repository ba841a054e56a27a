package elevation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Webhook posts Slack-compatible notifications ({"text": ...}) of
// requests, decisions and revokes. It informs and never controls: a post
// that fails or hangs past Timeout is logged and the action stands. The
// URL is a secret (Slack's carries its token): it never reaches a log or
// an error.
type Webhook struct {
	URL     string
	HTTP    *http.Client // http.DefaultClient when nil
	Timeout time.Duration
	Log     *slog.Logger // nil discards
}

// slackEscape turns Slack's control characters into the entities Slack
// asks for (api.slack.com/reference/surfaces/formatting#escaping): a
// requester's reason cannot ping the channel (<!channel>) or show a link
// under other words (<https://...|text>).
var slackEscape = sync.OnceValue(func() *strings.Replacer { return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;") })

// DefaultWebhookTimeout bounds one post.
const DefaultWebhookTimeout = 5 * time.Second

// Post sends text; it returns when the post is done, failed or timed out.
func (w *Webhook) Post(ctx context.Context, text string) {
	if w == nil || w.URL == "" {
		return
	}
	if err := w.post(ctx, text); err != nil && w.Log != nil {
		w.Log.Warn("elevation webhook: notification not delivered", "err", err)
	}
}

func (w *Webhook) post(ctx context.Context, text string) error {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	body, _ := json.Marshal(map[string]string{"text": slackEscape().Replace(text)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("the webhook URL does not parse")
	}
	req.Header.Set("Content-Type", "application/json")
	hc := w.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// url.Error names the URL: keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the webhook answered %s", resp.Status)
	}
	return nil
}
