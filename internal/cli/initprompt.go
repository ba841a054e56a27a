package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// prompter asks init's questions on a terminal. Without one, every question
// must have been answered by a flag, and asking is a usage error naming it.
type prompter struct {
	tty   bool
	in    io.Reader
	out   io.Writer
	lines chan string // read by one goroutine, so Ctrl-C is not stuck in a read
}

// readLine waits for a line of input or for ctx to end.
func (p *prompter) readLine(ctx context.Context) (string, error) {
	if p.lines == nil {
		p.lines = make(chan string)
		go func() {
			sc := bufio.NewScanner(p.in)
			for sc.Scan() {
				p.lines <- sc.Text()
			}
			close(p.lines)
		}()
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(p.out)
		return "", ctx.Err()
	case l, ok := <-p.lines:
		if !ok {
			return "", fmt.Errorf("read answer: %w", io.ErrUnexpectedEOF)
		}
		return strings.TrimSpace(l), nil
	}
}

// needFlag is the error for a question no flag answered, off a terminal.
func needFlag(question, flag string) error {
	// Questions carry the layout of the prompt (a blank line, an indent).
	question = strings.TrimSpace(question)
	return usageErrorf("init needs an answer to %q, and there is no terminal to ask on\nhint: pass %s", question, flag)
}

// yesNo returns the flag's answer when given; otherwise it asks, with def
// as the answer to an empty line.
func (p *prompter) yesNo(ctx context.Context, question string, def bool, answer *bool, flag string) (bool, error) {
	if answer != nil {
		return *answer, nil
	}
	if !p.tty {
		return false, needFlag(question, flag)
	}
	choices := "[y/N]"
	if def {
		choices = "[Y/n]"
	}
	for {
		fmt.Fprintf(p.out, "%s %s ", question, choices)
		l, err := p.readLine(ctx)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(l) {
		case "":
			return def, nil
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
		fmt.Fprintln(p.out, "Answer y or n.")
	}
}

// text asks for a line, with def shown and used for an empty answer.
func (p *prompter) text(ctx context.Context, question, def, flag string) (string, error) {
	if !p.tty {
		return "", needFlag(question, flag)
	}
	if def != "" {
		fmt.Fprintf(p.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(p.out, "%s: ", question)
	}
	l, err := p.readLine(ctx)
	if l == "" {
		l = def
	}
	return l, err
}
