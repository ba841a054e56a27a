// Package cli builds keyless's commands. It owns flags, output streams and
// the mapping of errors to exit codes; the work itself lives in the domain
// packages (sandbox, ...), which know nothing of cobra.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keyless-dev/keyless/internal/redact"
	"github.com/keyless-dev/keyless/internal/suggest"
)

// Streams are the command's standard streams. stdout carries data only;
// logs, progress and prompts go to stderr.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	streams Streams
	debug   bool
	logger  *slog.Logger
	// prompts serializes questions to the person, so parallel work (audit
	// --all-accounts) asks one thing at a time.
	prompts sync.Mutex
	// child is set while keyless exec runs a command and forwards it the
	// signals: an interrupt is then the command's to handle, however long.
	child atomic.Bool
}

// Log returns the logger that --debug switched on; without it, logs are dropped.
func (g *globalOptions) Log() *slog.Logger {
	if g.logger == nil {
		level := slog.LevelWarn
		if g.debug {
			level = slog.LevelDebug
		}
		g.logger = slog.New(redact.NewHandler(slog.NewTextHandler(g.streams.Err, &slog.HandlerOptions{Level: level})))
	}
	return g.logger
}

const exitCodesHelp = `Exit codes:
  0    success
  1    error (the message says what went wrong and what to do)
  2    reserved for "changes present" (plan --detailed-exitcode)
  3    keyless status: something needs attention
  64   usage error: an unknown command, flag or bad argument
  126  keyless exec: the command is there but cannot be run
  127  keyless exec: the command is not found
  130  interrupted (SIGINT or SIGTERM)`

// Main runs keyless with args and returns the process exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g := &globalOptions{streams: Streams{In: in, Out: out, Err: errOut}}
	ctx = context.WithValue(ctx, sdkLoggerKey{}, sdkLogger{g})
	root := newRootCommandFor(g, args)
	root.SetArgs(args)
	done := make(chan int, 1)
	go func() { done <- report(errOut, flagGroupError(root.ExecuteContext(ctx))) }()
	select {
	case code := <-done:
		return code
	case <-ctx.Done():
	}
	// Interrupted: AWS calls and waits end on the cancelled context and the
	// command returns. One blocked where no context reaches (a prompt
	// reading the terminal) must not hold the user, and a second signal
	// kills at once; but a command that keyless exec runs is waited for.
	stop()
	if g.child.Load() {
		return <-done
	}
	select {
	case code := <-done:
		return code
	case <-time.After(interruptGrace):
		fmt.Fprintln(errOut, "keyless: interrupted")
		return ExitInterrupted
	}
}

// interruptGrace is how long an interrupted command has to stop by itself.
const interruptGrace = 2 * time.Second

// newRootCommandFor is the command tree args need. credential-process runs
// on every AWS call a tool makes through its profile, so it gets the root
// with itself alone: building the twenty other commands and their flags
// cost it more than its own work. Help, errors and flags are the same as in
// the whole tree (TestCredentialProcessFastPath).
func newRootCommandFor(g *globalOptions, args []string) *cobra.Command {
	if len(args) > 0 && args[0] == "credential-process" {
		return newRoot(g, newCredentialProcessCommand(g))
	}
	return newRootCommand(g)
}

// CommandTree is keyless's whole command tree, writing to out and errOut,
// for the tools that generate its reference (internal/tools/gendocs): the
// man-page renderer they link stays out of the keyless binary.
func CommandTree(out, errOut io.Writer) *cobra.Command {
	return newRootCommand(&globalOptions{streams: Streams{In: strings.NewReader(""), Out: out, Err: errOut}})
}

func newRootCommand(g *globalOptions) *cobra.Command {
	return newRoot(g,
		newSandboxCommand(g),
		newPlanCommand(g),
		newApplyCommand(g),
		newImportCommand(g),
		newLoginCommand(g),
		newLogoutCommand(g),
		newStatusCommand(g),
		newProfilesCommand(g),
		newCredentialProcessCommand(g),
		newExecCommand(g),
		newServeCommand(g),
		newEnvCommand(g),
		newShellInitCommand(g),
		newConsoleCommand(g),
		newDemoCommand(g),
		newScanCommand(g),
		newAuditCommand(g),
		newCleanupCommand(g),
		newOffboardCommand(g),
		newCompletionCommand(g),
		newInitCommand(g),
		newWorkloadsCommand(g),
		newRequestCommand(g),
		newRequestsCommand(g),
		newApproveCommand(g),
		newDenyCommand(g),
		newRevokeCommand(g),
	)
}

func newRoot(g *globalOptions, commands ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:   "keyless",
		Short: "Short-lived AWS credentials through IAM Identity Center, instead of access keys",
		Long: `keyless takes a team's AWS access from long-lived access keys to short-lived
credentials through AWS IAM Identity Center, and keeps it there.

` + exitCodesHelp,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(g.streams.In)
	root.SetOut(g.streams.Out)
	root.SetErr(g.streams.Err)
	root.SetVersionTemplate("keyless {{.Version}}\n")
	root.PersistentFlags().BoolVar(&g.debug, "debug", false, "log debug details to stderr (secrets are redacted)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if s := flagSuggestion(c, err); s != "" {
			return usageErrorf("%v (did you mean --%s?)\nhint: run '%s --help' for usage", err, s, c.CommandPath())
		}
		return usageErrorf("%v\nhint: run '%s --help' for usage", err, c.CommandPath())
	})
	root.AddCommand(commands...)
	// keyless's own completion command replaces cobra's, with install notes.
	root.CompletionOptions.DisableDefaultCmd = true
	registerCompletions(root)
	return root
}

// Version is stamped by release builds:
//
//	go build -ldflags "-X github.com/keyless-dev/keyless/internal/cli.Version=v1.2.3" ./cmd/keyless
//
// Other builds leave it empty and report the module version instead.
var Version string

// version reports the stamped Version, else the module version recorded by
// the Go toolchain (go install ...@v1.2.3), with the VCS revision when the
// binary was built from a checkout.
func version() string {
	if Version != "" {
		return Version + " " + runtime.Version()
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" && v == "(devel)" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev + dirty
	}
	return v + " " + info.GoVersion
}

// report prints err the way every keyless command does and returns its exit code.
func report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	var q *quietExit
	if errors.As(err, &q) {
		return q.code
	}
	code := ExitCode(err)
	if code == ExitInterrupted {
		fmt.Fprintln(w, "keyless: interrupted")
		return code
	}
	fmt.Fprintf(w, "keyless: %s\n", redact.String(err.Error()))
	var h interface{ Hint() string }
	if errors.As(err, &h) && h.Hint() != "" {
		fmt.Fprintf(w, "hint: %s\n", h.Hint())
	}
	return code
}

// flagSuggestion is the command's flag nearest to the unknown one err names
// (pflag's "unknown flag: --NAME"), "" when none is near: cobra suggests
// only commands.
func flagSuggestion(c *cobra.Command, err error) string {
	typed, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return ""
	}
	var names []string
	collect := func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	}
	c.Flags().VisitAll(collect)
	c.InheritedFlags().VisitAll(collect)
	return suggest.Closest(typed, names)
}
