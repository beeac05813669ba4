package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
	"github.com/safe-coder/safe-coder/tasks"
)

func resumeCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:        "resume",
		Usage:       "continue a run that was killed or cancelled, from where its record ends",
		ArgsUsage:   "RUN",
		Description: resumeExamples,
		Flags: append([]cli.Flag{
			repoFlag(),
			stateFlag(),
			&cli.StringFlag{Name: "report-json", Usage: "also write the JSON report to this file"},
			&cli.StringFlag{Name: "report-md", Usage: "also write the Markdown report to this file"},
			clearStaleLockFlag(),
			lastFlag(lastUsage),
		}, progressFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := oneRunArg(cmd, "safe-coder resume RUN"); err != nil {
				return err
			}
			runID, _, err := pickRun(ctx, cmd)
			if err != nil {
				return err
			}
			return resumeRun(ctx, s, runID, runOptions{
				actions:        actionsFromEnv(os.Getenv),
				github:         githubFromEnv(os.Getenv),
				repo:           cmd.String("repo"),
				state:          cmd.String("state"),
				reportJSON:     cmd.String("report-json"),
				reportMD:       cmd.String("report-md"),
				clearStaleLock: cmd.Bool("clear-stale-lock"),
				log:            logOptionsOf(cmd),
			})
		},
	}
}

// resumeRun is `safe-coder resume RUN`: it runs the tasks of a run that did
// not end, from the same task file as it was read at the start. A task
// that finished stays as it is (a cancelled one is taken up again), a task
// under way is resumed on its branch, a task not started starts.
func resumeRun(ctx context.Context, s Streams, runID string, opts runOptions) error {
	repo, store, err := openRepoAndState(ctx, opts.repo, opts.state)
	if err != nil {
		return err
	}
	defer store.Close()
	// The lock first: a killed run left its lock behind, and the state
	// must not change under a run that is still going.
	release, err := repo.Lock(ctx, gitsafety.LockOptions{ClearStale: opts.clearStaleLock})
	if err != nil {
		return exitWith(exitRepo, err)
	}
	defer release()
	st, err := store.RunState(ctx, runID)
	if errors.Is(err, report.ErrRunNotFound) {
		return runNotFound(runID)
	}
	if err != nil {
		return exitWith(exitFailure, err)
	}
	if st.TaskFileData == nil {
		return usageErrorf("run %s was recorded without its task file (an older safe-coder), so it cannot be resumed; start it again with safe-coder run", runID)
	}
	cfg, err := loadConfig(ctx, s)
	if err != nil {
		return err
	}
	file, err := tasks.ParseWith(st.TaskFile, st.TaskFileData, tasks.ParseOptions{Base: cfg.Base()})
	if err != nil {
		return exitWith(exitUsage, fmt.Errorf("the task file recorded with run %s: %w", runID, err))
	}
	if err := applyCommands(file, repo.Root()); err != nil {
		return err
	}
	// The run's --approval, --provider, --model and --open-pr hold for
	// the rest of it: a resumed task never gets the file's own settings.
	override, openPR, err := decodeRunOptions(st.Options)
	if err != nil {
		return exitWith(exitFailure, err)
	}
	opts.openPR = openPR
	// The rules a pull request's tasks began under hold for the rest of
	// the run: the commits recorded, not this environment's.
	bases, baseRef, err := decodeInstructionBases(st.Options)
	if err != nil {
		return exitWith(exitFailure, err)
	}

	var plan []plannedTask
	var todo []tasks.Task
	from := ""
	for _, ts := range st.Tasks {
		task, ok := findTask(file, ts.Name)
		if !ok {
			return usageErrorf("run %s had task %q, which its recorded task file does not define", runID, ts.Name)
		}
		overridden, err := override.Apply([]tasks.Task{task})
		if err != nil {
			return exitWith(exitUsage, fmt.Errorf("the options recorded with run %s: %w", runID, err))
		}
		task = overridden[0]
		p := plannedTask{task: task}
		switch {
		case ts.Finished && ts.Status != string(runner.StatusCancelled):
			p.done = runner.Status(ts.Status)
		case ts.Started:
			ts := ts
			p.resume = &ts
			todo = append(todo, task)
		default:
			if ts.Branch != "" {
				// Killed between naming its branch and starting: the
				// branch may exist, checked out; the task starts on it.
				ts := ts
				p.branch = &ts
			}
			todo = append(todo, task)
		}
		if from == "" && ts.Started {
			from = ts.StartCommit
		}
		plan = append(plan, p)
	}
	owed, err := owedPublishes(ctx, store, st, plan, opts.openPR)
	if err != nil {
		return exitWith(exitFailure, err)
	}
	if len(todo) == 0 && len(owed) == 0 && st.Finished {
		return usageErrorf("run %s has nothing to resume: every task ended (the run is %s); safe-coder report %s shows it", runID, st.Status, runID)
	}
	// Every task ended but the run's end was never recorded (killed
	// between its last task and its end): resuming records the end, with
	// the status the tasks earned, and writes the reports, so the run does
	// not stay "running" forever.
	// As run does: in GitHub Actions the progress is grouped by step, and
	// the end writes the annotations, outputs and step summary.
	progress, closeLog := runStreams(s, opts)
	defer closeLog()
	progress, display, stopProgress, err := startProgress(ctx, progress, s.Err, opts.log, todo)
	if err != nil {
		return err
	}
	defer stopProgress()
	rc, err := prepare(progress, file, todo, cfg.Base())
	if err != nil {
		return err
	}
	rc.errs = s.Err
	rc.endLog = closeLog
	rc.bases = bases
	// A resumed task that ends opens its pull request as pr says; so
	// does a task that ended before the kill and whose push never began.
	if err := rc.setPublisher(opts, append(slices.Clone(todo), owed...)); err != nil {
		return err
	}
	rc.progress = display
	if err := seedProgress(ctx, display, store, runID, plan); err != nil {
		return exitWith(exitFailure, err)
	}
	rc.attach(runID, repo, store)
	if err := rc.rec.Record(context.WithoutCancel(ctx), report.RunResumed{RunID: runID, At: time.Now()}); err != nil {
		return exitWith(exitFailure, err)
	}
	if len(todo) == 0 && len(owed) == 0 {
		fmt.Fprintf(progress.Err, "safe-coder: run %s: every task had ended; recording the run's end\n", runID)
	} else {
		fmt.Fprintf(progress.Err, "safe-coder: resuming run %s: %d task(s) left on %s\n", runID, len(todo), repo.Root())
	}
	bases.describe(progress.Err, todo, st.BaseCommit, baseRef)
	head := gitsafety.Head{Commit: st.BaseCommit, Branch: st.OriginalBranch}
	return rc.execute(ctx, plan, from, head, opts)
}

// owedPublishes marks the tasks of plan that had ended when the run was
// killed but whose push and pull request, which the run owed them, never
// began (killed between the task's end and its push); resume does them.
// A push that began is not repeated: its record says how it went, and
// `safe-coder pr` retries it. It returns the marked tasks.
func owedPublishes(ctx context.Context, store *report.Store, st *report.RunState, plan []plannedTask, openPR bool) ([]tasks.Task, error) {
	if st.Finished {
		return nil, nil
	}
	rep, err := store.Report(ctx, st.RunID)
	if err != nil {
		return nil, err
	}
	wants := (&publisher{forceOpen: openPR}).wants
	var owed []tasks.Task
	for i := range plan {
		p := &plan[i]
		if p.done == "" {
			continue
		}
		open, draft := wants(p.task, p.done)
		if !open {
			continue
		}
		for _, t := range rep.Tasks {
			if t.Name != p.task.Name || t.Branch == "" || t.Push != nil {
				continue
			}
			p.publish = &publishJob{run: st.RunID, task: p.task, branch: t.Branch, base: t.BaseCommit, tip: taskTip(t), draft: draft}
			owed = append(owed, p.task)
		}
	}
	return owed, nil
}

func findTask(file *tasks.File, name string) (tasks.Task, bool) {
	for _, t := range file.Tasks {
		if t.Name == name {
			return t, true
		}
	}
	return tasks.Task{}, false
}

// resumeOf turns a task's record into where the runner picks up.
func resumeOf(ts report.TaskState, task tasks.Task) (runner.Resume, error) {
	r := runner.Resume{Commits: map[int]string{}, CheckRounds: ts.CheckRounds, Reopened: ts.Finished}
	answers := map[int]llm.Message{} // step → the model's recorded answer
	results := map[int]bool{}        // step → its tool results were recorded
	for _, m := range ts.Messages {
		var msg llm.Message
		if err := json.Unmarshal(m.Content, &msg); err != nil {
			return runner.Resume{}, fmt.Errorf("read recorded message of step %d: %w", m.Step, err)
		}
		r.Messages = append(r.Messages, msg)
		switch {
		case msg.Role == llm.RoleAssistant:
			answers[m.Step] = msg
		case isPrompt(msg):
			r.PromptsSent++
		case len(msg.Content) > 0 && msg.Content[0].Type == llm.PartToolResult:
			results[m.Step] = true
		}
	}
	for _, step := range ts.Steps {
		r.LastStep = max(r.LastStep, step.Step)
		r.Usage = r.Usage.Add(llm.Usage{
			InputTokens: step.Usage.InputTokens, OutputTokens: step.Usage.OutputTokens,
			CacheReadTokens: step.Usage.CacheReadTokens, CacheWriteTokens: step.Usage.CacheWriteTokens,
		})
		if step.Commit != "" {
			r.Commits[step.Step] = step.Commit
		}
		if step.Finished {
			continue
		}
		// The step under way: how far its answer and its calls got.
		open := &runner.OpenStep{Step: step.Step, ResultsRecorded: results[step.Step], CommitStarted: step.CommitStarted}
		if answer, ok := answers[step.Step]; ok {
			open.Answered = true
			calls := map[int]report.CallState{}
			for _, c := range ts.Calls {
				if c.Step == step.Step {
					calls[c.Seq] = c
				}
			}
			for i, call := range answer.ToolCalls() {
				c, started := calls[i+1]
				open.Calls = append(open.Calls, runner.OpenCall{
					Call: call, Started: started, Finished: c.Finished, Outcome: c.Outcome, Summary: c.Summary,
				})
			}
		}
		r.Open = open
	}
	return r, nil
}

// isPrompt reports whether a recorded user message is one of the task's
// prompts, not tool results or a note from safe-coder.
func isPrompt(msg llm.Message) bool {
	return msg.Role == llm.RoleUser && len(msg.Content) > 0 && msg.Content[0].Type == llm.PartText &&
		!strings.HasPrefix(msg.Content[0].Text, "(safe-coder)")
}

// seedProgress gives the display what the resumed tasks had done before
// the kill, so their task_finished lines sum the whole task as the report
// does, not only what this process saw.
func seedProgress(ctx context.Context, display *report.Progress, store *report.Store, runID string, plan []plannedTask) error {
	rep, err := store.Report(ctx, runID)
	if err != nil {
		return err
	}
	for _, p := range plan {
		if p.resume == nil {
			continue
		}
		for _, t := range rep.Tasks {
			if t.Name == p.task.Name {
				display.ResumeTask(t)
			}
		}
	}
	return nil
}
