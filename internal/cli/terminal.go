package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// isTerminal reports whether s is an interactive terminal.
func isTerminal(s any) bool {
	f, ok := s.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colorOK reports whether output to w may use colors: a terminal, and
// NO_COLOR unset.
func colorOK(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == ""
}

// confirm asks a yes/no question on a terminal. It never waits on a closed
// or redirected stdin: without a terminal it returns errNoTerminal.
func confirm(in io.Reader, out io.Writer, question string) (bool, error) {
	if !isTerminal(in) {
		return false, errNoTerminal
	}
	fmt.Fprintf(out, "%s Only 'yes' is accepted: ", question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("read answer: %w", err)
	}
	return strings.TrimSpace(line) == "yes", nil
}

var errNoTerminal = fmt.Errorf("no terminal to ask for confirmation")

// progress shows done/total and the current step on stderr, once the
// operation has run for busyDelay: one line rewritten in place on a
// terminal, a line every few seconds (and at the end) otherwise.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	last  time.Time
	start time.Time
	shown bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w), start: time.Now()}
}

func (p *progress) Update(done, total int, step string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.start) < busyDelay {
		return
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\x1b[K[%d/%d] %s", done, total, step)
		p.shown = true
		return
	}
	if done == total || now.Sub(p.last) >= 2*time.Second {
		fmt.Fprintf(p.w, "[%d/%d] %s (%s)\n", done, total, step, now.Sub(p.start).Round(time.Second))
		p.last = now
	}
}

// Done ends the progress line.
func (p *progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// busyDelay is how long an operation runs before busy shows anything:
// quick ones stay silent.
const busyDelay = time.Second

// busy shows label and the time spent on w while an operation of unknown
// length runs, from its first second on: one line rewritten in place on a
// terminal, a line every five seconds otherwise. stop ends it (and clears
// the line on a terminal); it must be called once.
func busy(w io.Writer, label string) (stop func()) {
	tty := isTerminal(w)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		start := time.Now()
		t := time.NewTimer(busyDelay)
		defer t.Stop()
		shown := false
		for {
			select {
			case <-done:
				if shown && tty {
					fmt.Fprint(w, "\r\x1b[K")
				}
				return
			case <-t.C:
			}
			took := time.Since(start).Round(time.Second)
			if tty {
				fmt.Fprintf(w, "\r\x1b[K%s (%s)", label, took)
				t.Reset(time.Second)
			} else {
				fmt.Fprintf(w, "%s (%s)\n", label, took)
				t.Reset(5 * time.Second)
			}
			shown = true
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
