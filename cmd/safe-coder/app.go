package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/tasks"
)

// version is set at link time by the Makefile (-X main.version=…); a
// binary built by `go install …@v1.2.3` carries its module version instead
// (see versionString).
var version = "dev"

// appVersion is the version the binary reports: the one the Makefile
// linked in, else the module version `go install` recorded (v1.2.3, or a
// pseudo-version), else "dev".
func appVersion() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}

// Streams are the process's standard streams; tests pass buffers.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Exit codes that do not come from a run status (see runner.Status for those).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitRepo    = 5
)

// exitError carries an exit code from a command's action to Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitWith returns an error that makes Main exit with code; err, when not
// nil, is printed to stderr.
func exitWith(code int, err error) error {
	return &exitError{code: code, err: err}
}

// Main runs the command line args (args[0] is the program name) and returns
// the process exit code. It never calls os.Exit.
func Main(ctx context.Context, args []string, s Streams) int {
	var notFound string
	app := &cli.Command{
		Name:            "safe-coder",
		Description:     appExamples,
		Usage:           "run an AI coding agent headless, with every step committed on its own branch",
		Version:         appVersion(),
		Writer:          s.Out,
		ErrWriter:       s.Err,
		Reader:          s.In,
		HideHelpCommand: true,
		Suggest:         true,
		// urfave/cli must never exit the process: errors become exit codes here.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		OnUsageError: func(_ context.Context, cmd *cli.Command, err error, _ bool) error {
			return usageError(cmd, err)
		},
		CommandNotFound: func(_ context.Context, _ *cli.Command, name string) {
			notFound = name
		},
		Commands: []*cli.Command{
			runCommand(s),
			validateCommand(s),
			reportCommand(s),
			runsCommand(s),
			resumeCommand(s),
			rollbackCommand(s),
			restoreCommand(s),
			prCommand(s),
			initCommand(s),
			commandsCommand(s),
			versionCommand(s),
		},
	}
	var setUsage func([]*cli.Command)
	setUsage = func(cs []*cli.Command) {
		for _, c := range cs {
			c.OnUsageError = app.OnUsageError
			setUsage(c.Commands)
		}
	}
	setUsage(app.Commands)
	err := app.Run(ctx, args)
	if notFound != "" {
		// urfave/cli's own suggestion always names some command, however
		// far: only a near miss is worth a "did you mean".
		hint := "run 'safe-coder --help' for the list"
		var names []string
		for _, c := range app.VisibleCommands() {
			names = append(names, c.Names()...)
		}
		if near, ok := tasks.Suggest(notFound, names); ok {
			hint = fmt.Sprintf("did you mean %q? ('safe-coder --help' lists them)", near)
		}
		fmt.Fprintf(s.Err, "safe-coder: unknown command %q; %s\n", notFound, hint)
		return exitUsage
	}
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		var problems tasks.Errors
		switch {
		case errors.As(ee.err, &problems):
			// file:line:col lines stand alone, as compilers print them,
			// so editors and CI annotations can jump to them.
			fmt.Fprintln(s.Err, problems.Error())
			fmt.Fprintf(s.Err, "safe-coder: %d problem(s) in the task file; nothing ran\n", len(problems))
		case ee.err != nil:
			msg := ee.err.Error()
			if actionsFromEnv(os.Getenv).enabled {
				// The error may quote what the model chose (a path, a
				// command): in a job's log it must not act as a command.
				msg = defuseText(msg)
			}
			fmt.Fprintf(s.Err, "safe-coder: %s\n", msg)
		}
		return ee.code
	}
	// Anything else urfave/cli returns is about the command line itself.
	fmt.Fprintf(s.Err, "safe-coder: %v\n", err)
	return exitUsage
}

func versionCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:        "version",
		Description: versionExamples,
		Usage:       "print the version",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 0 {
				return usageErrorf("version takes no arguments")
			}
			fmt.Fprintf(s.Out, "safe-coder %s\n", versionString())
			return nil
		},
	}
}
