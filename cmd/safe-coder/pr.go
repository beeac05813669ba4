package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
	"github.com/safe-coder/safe-coder/tasks"
)

// prOptions are the flags of `safe-coder pr`.
type prOptions struct {
	run   string
	tasks []string
	repo  string
	state string
	// draft opens every pull request as a draft.
	draft  bool
	github githubEnv
}

func prCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:  "pr",
		Usage: "push the branches of a run's tasks and open (or update) their pull requests",
		Description: "Each finished task of the run is pushed to its pr.remote and proposed as a pull request, " +
			"with its section of the run's report as the body, whatever its pr.open says: asking is enough. " +
			"A task's pull request that exists already is updated, never opened twice. " +
			"A task that did not succeed opens a draft.\n\n" + prExamples,
		ArgsUsage: "RUN | --last",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "task", Usage: "only the task with this name (repeatable)"},
			lastFlag(lastUsage),
			repoFlag(),
			stateFlag(),
			&cli.BoolFlag{Name: "draft", Usage: "open every pull request as a draft"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := oneRunArg(cmd, "safe-coder pr RUN [--task NAME]…"); err != nil {
				return err
			}
			runID, _, err := pickRun(ctx, cmd)
			if err != nil {
				return err
			}
			return openPRs(ctx, s, prOptions{
				run: runID, tasks: cmd.StringSlice("task"),
				repo: cmd.String("repo"), state: cmd.String("state"), draft: cmd.Bool("draft"),
				github: githubFromEnv(os.Getenv),
			})
		},
	}
}

// openPRs is `safe-coder pr RUN`: it publishes the finished tasks of a
// recorded run, one after the other, and goes on after a task that fails
// so each gets its chance; the exit code is the worst outcome.
func openPRs(ctx context.Context, s Streams, opts prOptions) error {
	repo, store, err := openRepoAndState(ctx, opts.repo, opts.state)
	if err != nil {
		return err
	}
	defer store.Close()
	// The lock keeps a run from moving the branches while they are pushed.
	release, err := repo.Lock(ctx, gitsafety.LockOptions{})
	if err != nil {
		return exitWith(exitRepo, err)
	}
	defer release()
	rep, err := store.Report(ctx, opts.run)
	if errors.Is(err, report.ErrRunNotFound) {
		return runNotFound(opts.run)
	}
	if err != nil {
		return exitWith(exitFailure, err)
	}
	st, err := store.RunState(ctx, opts.run)
	if err != nil {
		return exitWith(exitFailure, err)
	}
	if st.TaskFileData == nil {
		return usageErrorf("run %s was recorded without its task file (an older safe-coder), so its pr settings are unknown", opts.run)
	}
	// Parsed as the run parsed it: a task file that leaves the model to
	// the config file is valid only with the config's layer under it.
	cfg, err := loadConfig(ctx, s)
	if err != nil {
		return err
	}
	file, err := tasks.ParseWith(st.TaskFile, st.TaskFileData, tasks.ParseOptions{Base: cfg.Base()})
	if err != nil {
		return exitWith(exitUsage, fmt.Errorf("the task file recorded with run %s: %w", opts.run, err))
	}
	jobs, err := prJobs(rep, file, opts)
	if err != nil {
		return err
	}
	var selected []tasks.Task
	for _, j := range jobs {
		selected = append(selected, j.task)
	}
	tokens, err := readTokens(selected, func(tasks.Task) bool { return true })
	if err != nil {
		return exitWith(exitUsage, err)
	}
	keys := map[string]string{}
	for k, v := range tokens {
		keys[k] = v
	}
	rc := &runCtx{s: s, errs: s.Err, file: file, keys: keys, http: newHTTPClient(), runID: opts.run, repo: repo, store: store,
		rec: faultRecorder{store: store, fault: func(string) {}}}
	pub := &publisher{gh: opts.github, http: rc.http, tokens: tokens}

	status := runner.StatusSucceeded
	var firstErr error
	for _, j := range jobs {
		p := *pub
		p.find = rc.secretFinder(j.task)
		fmt.Fprintf(s.Err, "[%s] pushing %s to %s\n", j.task.Name, j.branch, j.task.PR.Remote)
		pr, err := p.publish(ctx, repo, store, rc.rec, j)
		if err != nil {
			fmt.Fprintf(s.Err, "[%s] %v\n", j.task.Name, err)
			status = status.Worse(publishStatus(err))
			firstErr = firstOf(firstErr, fmt.Errorf("task %s: %w", j.task.Name, err))
			continue
		}
		fmt.Fprintf(s.Out, "%s: %s\n", j.task.Name, describePR(pr))
	}
	if firstErr != nil {
		return exitWith(status.ExitCode(), firstErr)
	}
	return nil
}

// prJobs lists what `pr` publishes: each finished task of the run that
// --task names (every one when none is named). A task that never finished
// has no branch worth proposing; naming one is an error.
func prJobs(rep *report.Report, file *tasks.File, opts prOptions) ([]publishJob, error) {
	var known []string
	for _, t := range rep.Tasks {
		known = append(known, t.Name)
	}
	for _, name := range opts.tasks {
		if !slices.Contains(known, name) {
			return nil, unknownRunTask(opts.run, name, "tasks", known)
		}
	}
	var jobs []publishJob
	for _, t := range rep.Tasks {
		named := slices.Contains(opts.tasks, t.Name)
		if len(opts.tasks) > 0 && !named {
			continue
		}
		if t.FinishedAt == "" || t.Branch == "" {
			if named {
				return nil, usageErrorf("task %s of run %s has not finished (%s); there is nothing to propose yet", t.Name, opts.run, t.Status)
			}
			continue
		}
		task, ok := findTask(file, t.Name)
		if !ok {
			return nil, usageErrorf("run %s had task %q, which its recorded task file does not define", opts.run, t.Name)
		}
		jobs = append(jobs, publishJob{
			run: opts.run, task: task, branch: t.Branch, base: t.BaseCommit, tip: taskTip(t),
			draft: opts.draft || task.PR.Draft || t.Status != string(runner.StatusSucceeded),
		})
	}
	if len(jobs) == 0 {
		return nil, usageErrorf("run %s has no finished task to propose", opts.run)
	}
	return jobs, nil
}

// taskTip is where a task's branch points as far as its record knows: its
// last rollback's target, else its head commit, else its last step's
// commit, else its start.
func taskTip(t report.TaskReport) string {
	if t.Rollback.To != "" {
		return t.Rollback.To
	}
	if t.HeadCommit != "" {
		return t.HeadCommit
	}
	for i := len(t.Steps) - 1; i >= 0; i-- {
		if t.Steps[i].Commit != "" {
			return t.Steps[i].Commit
		}
	}
	return t.StartCommit
}
