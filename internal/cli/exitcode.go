package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Exit codes, documented in 'keyless --help'.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitChanges     = 2
	ExitUsage       = 64
	ExitInterrupted = 130
)

// exitError carries an exit code other than ExitError.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) Hint() string  { return e.hint }

// usageErrorf reports a bad command line. A "\nhint: " in the message becomes the hint line.
func usageErrorf(format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	msg, hint, _ := strings.Cut(msg, "\nhint: ")
	return &exitError{code: ExitUsage, err: errors.New(msg), hint: hint}
}

// withHint attaches a hint line to err, keeping its exit code.
func withHint(err error, hint string) error {
	return &exitError{code: ExitCode(err), err: err, hint: hint}
}

// ExitCode maps an error to the process exit code. It is the one place that does.
func ExitCode(err error) int {
	var e *exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &e):
		return e.code
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case isCobraUsage(err):
		return ExitUsage
	default:
		return ExitError
	}
}

// flagGroupError says in keyless's words what cobra says of flags marked
// mutually exclusive ("if any flags in the group [a b] are set none of the
// others can be; [a b] were all set").
func flagGroupError(err error) error {
	if err == nil {
		return nil
	}
	rest, ok := strings.CutPrefix(err.Error(), "if any flags in the group [")
	_, set, found := strings.Cut(rest, "none of the others can be; [")
	set, _, closed := strings.Cut(set, "]")
	if !ok || !found || !closed {
		return err
	}
	names := strings.Fields(set)
	for i, n := range names {
		names[i] = "--" + n
	}
	return usageErrorf("%s cannot be used together", strings.Join(names, " and "))
}

// isCobraUsage recognises the errors cobra returns for unknown commands and bad args.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "if any flags in the group"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}
