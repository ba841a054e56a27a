package cleanup

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/keyless-dev/keyless/internal/safefile"
)

// AuditLog is the local record of what cleanup did and refused:
// ~/.aws/keyless/audit.log, one JSON object a line, appended under a lock
// in locks/ beside it (~/.aws/keyless/locks/audit.log.lock, with every
// other keyless lock).
type AuditLog struct{ Path string }

// Record is one line of the audit log.
type Record struct {
	Time    time.Time `json:"time"`
	Account string    `json:"account"`
	Caller  string    `json:"caller"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	// Result is done, skipped, failed, refused, waiting or manual.
	Result string `json:"result"`
	Detail string `json:"detail,omitempty"`
	Backup string `json:"backup,omitempty"`
}

// Append adds r to the log; a nil log records nothing.
func (l *AuditLog) Append(r Record) error {
	if l == nil || l.Path == "" {
		return nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	unlock, _, err := safefile.LockIn(context.Background(), filepath.Join(filepath.Dir(l.Path), "locks"), l.Path)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer unlock()
	if err := os.MkdirAll(filepath.Dir(l.Path), 0o700); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(l.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	return f.Close()
}
