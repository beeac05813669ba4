package main

import (
	"context"
	"errors"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/report"
)

// lastFlag is --last, for every command that takes a RUN argument: the
// run that started last instead.
func lastFlag(usage string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: "last", Usage: usage}
}

const lastUsage = "the run that started last, instead of RUN"

// runArgs checks that cmd names its run by its first argument or by
// --last, not both and not neither; usage is the error for neither. more
// says that arguments follow the run (restore's paths): then RUN and
// --last together look like --last and a path, and restore checks them
// against the recorded runs itself (notARun).
func runArgs(cmd *cli.Command, usage string, more bool) error {
	n := cmd.Args().Len()
	switch {
	case cmd.Bool("last") && n > 0 && !more:
		return usageErrorf("%s takes a run id or --last, not both", cmd.Name)
	case !cmd.Bool("last") && n == 0:
		return usageErrorf("%s", usage)
	}
	return nil
}

// oneRunArg checks that cmd names exactly one run, by its argument or by
// --last; synopsis (e.g. "safe-coder pr RUN [--task NAME]…") ends the
// error for more than one argument.
func oneRunArg(cmd *cli.Command, synopsis string) error {
	if err := runArgs(cmd, cmd.Name+" needs the run id: safe-coder "+cmd.Name+" RUN, or --last for the last run (safe-coder runs lists them)", false); err != nil {
		return err
	}
	if n := cmd.Args().Len(); n > 1 {
		return usageErrorf("%s takes one run id, got %d arguments: %s", cmd.Name, n, synopsis)
	}
	return nil
}

// pickRun returns the run cmd is about and the arguments that follow it:
// its first argument, or with --last the run that started last in the
// repository's state database, and then every argument is cmd's own.
func pickRun(ctx context.Context, cmd *cli.Command) (string, []string, error) {
	args := cmd.Args().Slice()
	if !cmd.Bool("last") {
		if len(args) == 0 {
			return "", nil, nil
		}
		return args[0], args[1:], nil
	}
	store, err := openStateForReading(ctx, cmd.String("repo"), cmd.String("state"))
	if err != nil {
		return "", nil, err
	}
	defer store.Close()
	id, err := lastRunID(ctx, store)
	return id, args, err
}

// lastRunID is the id of the run that started last: exit 2 when no run
// was ever recorded.
func lastRunID(ctx context.Context, store *report.Store) (string, error) {
	id, err := store.LastRunID(ctx)
	if errors.Is(err, report.ErrNoRuns) {
		return "", noRunsYet("the state database holds none")
	}
	if err != nil {
		return "", exitWith(exitFailure, err)
	}
	return id, nil
}

// notARun refuses --last with a first argument that is itself a recorded
// run id: the user gave RUN and --last together.
func notARun(ctx context.Context, cmd *cli.Command, store *report.Store, arg string) error {
	if !cmd.Bool("last") {
		return nil
	}
	if _, err := store.RunState(ctx, arg); err == nil {
		return usageErrorf("%s takes a run id or --last, not both (%s is a run)", cmd.Name, arg)
	}
	return nil
}
