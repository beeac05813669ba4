package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/report"
)

func rollbackCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:        "rollback",
		Description: rollbackExamples,
		Usage:       "move a run's branches back (to their start by default), keeping the old tips under refs/safe-coder/backup/",
		ArgsUsage:   "RUN | --last",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "task", Usage: "only this task's branch"},
			&cli.IntFlag{Name: "to-step", Usage: "reset to the commit of this step instead of the start"},
			lastFlag(lastUsage),
			repoFlag(),
			stateFlag(),
			clearStaleLockFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := oneRunArg(cmd, "safe-coder rollback RUN [--task NAME] [--to-step N]"); err != nil {
				return err
			}
			if cmd.Int("to-step") < 0 {
				return usageErrorf("--to-step %d: steps are numbered from 1", cmd.Int("to-step"))
			}
			op, err := openRunOp(ctx, cmd)
			if err != nil {
				return err
			}
			defer op.close()
			targets, err := op.tasks(cmd.String("task"))
			if err != nil {
				return err
			}
			if n := cmd.Int("to-step"); n > 0 {
				for _, t := range targets {
					if err := stepCommitted(t, n); err != nil {
						return err
					}
				}
			}
			for _, t := range targets {
				res, err := op.repo.Rollback(ctx, gitsafety.RollbackOptions{Run: op.run.Run.ID, Task: t.Name, Branch: t.Branch, ToStep: cmd.Int("to-step")})
				if err != nil && t.StartedAt == "" && cmd.Int("to-step") == 0 && errors.Is(err, gitsafety.ErrNotFound) {
					// The run named the branch and stopped before the
					// task started: the branch was never made.
					fmt.Fprintf(s.Out, "%s: %s does not exist (the run stopped before the task started); nothing to roll back\n", t.Name, t.Branch)
					continue
				}
				if err != nil {
					return exitWith(exitRepo, fmt.Errorf("task %s: %w", t.Name, err))
				}
				if res.Backup == "" {
					fmt.Fprintf(s.Out, "%s: %s is already at %s\n", t.Name, t.Branch, short(res.To))
					continue
				}
				if err := op.store.Record(context.WithoutCancel(ctx), report.TaskRolledBack{
					RunID: op.run.Run.ID, Task: t.Name, At: time.Now(), BackupRef: res.Backup, From: res.From, To: res.To,
				}); err != nil {
					return exitWith(exitFailure, err)
				}
				fmt.Fprintf(s.Out, "%s: %s moved from %s to %s; the old tip is kept as %s\n", t.Name, t.Branch, short(res.From), short(res.To), res.Backup)
			}
			return nil
		},
	}
}

func restoreCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:        "restore",
		Description: restoreExamples,
		Usage:       "bring files back to their content at a run's start, as a new commit on the run branch",
		ArgsUsage:   "RUN PATH... | --last PATH...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "task", Usage: "the task whose branch to restore on (needed when the run had several)"},
			lastFlag(lastUsage + "; every argument is then a path"),
			repoFlag(),
			stateFlag(),
			clearStaleLockFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			need := 2 // RUN PATH...
			if cmd.Bool("last") {
				need = 1
			}
			if cmd.Args().Len() < need {
				return usageErrorf("restore needs the run id (or --last) and at least one path: safe-coder restore RUN PATH... or safe-coder restore --last PATH...")
			}
			op, err := openRunOp(ctx, cmd)
			if err != nil {
				return err
			}
			defer op.close()
			targets, err := op.tasks(cmd.String("task"))
			if err != nil {
				return err
			}
			if len(targets) != 1 {
				return usageErrorf("run %s has %d tasks; name one with --task", op.run.Run.ID, len(targets))
			}
			t := targets[0]
			paths := op.args
			sha, err := op.repo.Restore(ctx, gitsafety.RestoreOptions{Run: op.run.Run.ID, Task: t.Name, Branch: t.Branch, Paths: paths})
			if err != nil {
				return exitWith(exitRepo, fmt.Errorf("task %s: %w", t.Name, err))
			}
			fmt.Fprintf(s.Out, "%s: restored %d path(s) on %s as commit %s\n", t.Name, len(paths), t.Branch, short(sha))
			return nil
		},
	}
}

// runOp is an operation on a finished run's branches: the repository,
// locked, and the run's record.
type runOp struct {
	repo    *gitsafety.Repo
	store   *report.Store
	run     *report.Report
	release func() error
	// args are the command's arguments after the run: all of them with
	// --last.
	args []string
}

func openRunOp(ctx context.Context, cmd *cli.Command) (*runOp, error) {
	repo, store, err := openRepoAndState(ctx, cmd.String("repo"), cmd.String("state"))
	if err != nil {
		return nil, err
	}
	runID, args := cmd.Args().First(), cmd.Args().Tail()
	if cmd.Bool("last") {
		args = cmd.Args().Slice()
		if runID, err = lastRunID(ctx, store); err == nil && len(args) > 0 {
			err = notARun(ctx, cmd, store, args[0])
		}
		if err != nil {
			store.Close()
			return nil, err
		}
	}
	run, err := store.Report(ctx, runID)
	if err != nil {
		store.Close()
		if errors.Is(err, report.ErrRunNotFound) {
			return nil, runNotFound(runID)
		}
		return nil, exitWith(exitFailure, err)
	}
	release, err := repo.Lock(ctx, gitsafety.LockOptions{ClearStale: cmd.Bool("clear-stale-lock")})
	if err != nil {
		store.Close()
		return nil, exitWith(exitRepo, err)
	}
	return &runOp{repo: repo, store: store, run: run, release: release, args: args}, nil
}

func (op *runOp) close() {
	op.release()
	op.store.Close()
}

// tasks returns the run's tasks that have a branch: the one named, or all.
func (op *runOp) tasks(name string) ([]report.TaskReport, error) {
	var out []report.TaskReport
	var names []string
	for _, t := range op.run.Tasks {
		if t.Branch == "" {
			continue
		}
		names = append(names, t.Name)
		if name == "" || t.Name == name {
			out = append(out, t)
		}
	}
	if name != "" && len(out) == 0 {
		return nil, unknownRunTask(op.run.Run.ID, name, "tasks with a branch", names)
	}
	if len(out) == 0 {
		return nil, usageErrorf("run %s has no task with a branch", op.run.Run.ID)
	}
	return out, nil
}

// stepCommitted checks, from the run's record, that step n of task t made a
// commit to roll back to: a step that changed nothing, or one that never
// ran, is a typing mistake to say so (exit 2), not a repository error.
func stepCommitted(t report.TaskReport, n int) error {
	var committed []string
	for _, st := range t.Steps {
		if st.Commit == "" {
			continue
		}
		if st.Step == n {
			return nil
		}
		committed = append(committed, strconv.Itoa(st.Step))
	}
	if len(committed) == 0 {
		return usageErrorf("--to-step %d: no step of task %s made a commit; roll back to its start without --to-step", n, t.Name)
	}
	return usageErrorf("--to-step %d: step %d of task %s made no commit; the steps with commits are %s", n, n, t.Name, strings.Join(committed, ", "))
}
