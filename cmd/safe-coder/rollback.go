package main

import (
	"context"
	"errors"
	"fmt"
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
		ArgsUsage:   "RUN",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "task", Usage: "only this task's branch"},
			&cli.IntFlag{Name: "to-step", Usage: "reset to the commit of this step instead of the start"},
			repoFlag(),
			stateFlag(),
			clearStaleLockFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 1 {
				return usageErrorf("rollback needs the run id: safe-coder rollback RUN (safe-coder report shows it)")
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
			for _, t := range targets {
				res, err := op.repo.Rollback(ctx, gitsafety.RollbackOptions{Run: op.run.Run.ID, Task: t.Name, Branch: t.Branch, ToStep: cmd.Int("to-step")})
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
		ArgsUsage:   "RUN PATH...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "task", Usage: "the task whose branch to restore on (needed when the run had several)"},
			repoFlag(),
			stateFlag(),
			clearStaleLockFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() < 2 {
				return usageErrorf("restore needs the run id and at least one path: safe-coder restore RUN PATH...")
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
			paths := cmd.Args().Slice()[1:]
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
}

func openRunOp(ctx context.Context, cmd *cli.Command) (*runOp, error) {
	repo, err := gitsafety.Open(ctx, cmd.String("repo"))
	if err != nil {
		return nil, exitWith(exitRepo, err)
	}
	store, err := openStateForReading(ctx, cmd.String("repo"), cmd.String("state"))
	if err != nil {
		return nil, err
	}
	run, err := store.Report(ctx, cmd.Args().First())
	if err != nil {
		store.Close()
		if errors.Is(err, report.ErrRunNotFound) {
			return nil, exitWith(exitUsage, err)
		}
		return nil, exitWith(exitFailure, err)
	}
	release, err := repo.Lock(ctx, gitsafety.LockOptions{ClearStale: cmd.Bool("clear-stale-lock")})
	if err != nil {
		store.Close()
		return nil, exitWith(exitRepo, err)
	}
	return &runOp{repo: repo, store: store, run: run, release: release}, nil
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
		return nil, usageErrorf("run %s has no task %q with a branch; its tasks are %v", op.run.Run.ID, name, names)
	}
	if len(out) == 0 {
		return nil, usageErrorf("run %s has no task with a branch", op.run.Run.ID)
	}
	return out, nil
}
