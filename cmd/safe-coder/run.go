package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
	"github.com/safe-coder/safe-coder/runner/policy"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/runner/secrets"
	"github.com/safe-coder/safe-coder/runner/tools"
	"github.com/safe-coder/safe-coder/tasks"
)

// runOptions are the flags of `safe-coder run`.
type runOptions struct {
	file           string
	tasks          []string
	repo           string
	state          string
	reportJSON     string
	reportMD       string
	init           bool
	clearStaleLock bool
	// openPR is --open-pr: every selected task that succeeds opens a
	// pull request. quiet is --quiet: one line on stdout, only errors on
	// stderr.
	openPR, quiet bool
	// shard is --shard; override holds --approval, --provider and --model.
	shard    tasks.Shard
	override tasks.Override
	// actions and github are read from the environment by the command.
	actions actionsEnv
	github  githubEnv
	// log holds --log-format, --verbose and --no-color.
	log logOptions
	// baseRef is GITHUB_BASE_REF: in a pull-request workflow, the branch
	// whose commit instructions_from: base reads (instructions_base.go).
	baseRef string
}

func clearStaleLockFlag() cli.Flag {
	return &cli.BoolFlag{Name: "clear-stale-lock", Usage: "take over a run lock left by a safe-coder process of this host that no longer exists"}
}

// openRepo opens the repository around dir; with init, a directory that is
// not in one becomes one.
func openRepo(ctx context.Context, s Streams, dir string, init bool) (*gitsafety.Repo, error) {
	repo, err := gitsafety.Open(ctx, dir)
	if errors.Is(err, gitsafety.ErrNotRepo) && init {
		repo, err = gitsafety.Init(ctx, dir)
		if err == nil {
			fmt.Fprintf(s.Err, "safe-coder: made %s a git repository with an empty first commit (--init)\n", repo.Root())
		}
	}
	return repo, err
}

func repoFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "repo",
		Usage:   "the git repository to work on (any directory inside it)",
		Value:   ".",
		Sources: cli.EnvVars("SAFE_CODER_REPO"),
	}
}

func stateFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "state",
		Usage:   "the state database (default: .git/safe-coder/state.db of the repository)",
		Sources: cli.EnvVars("SAFE_CODER_STATE"),
	}
}

func runCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:        "run",
		Usage:       "run the tasks of a task file",
		ArgsUsage:   "TASKS.yaml",
		Description: runExamples,
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "task", Usage: "run only the task with this name (repeatable)"},
			repoFlag(),
			stateFlag(),
			&cli.StringFlag{Name: "report-json", Usage: "also write the JSON report to this file"},
			&cli.StringFlag{Name: "report-md", Usage: "also write the Markdown report to this file"},
			&cli.BoolFlag{Name: "init", Usage: "make --repo a git repository with an empty first commit when it is not one (never done implicitly)"},
			clearStaleLockFlag(),
			&cli.BoolFlag{Name: "open-pr", Usage: "push the branch of every task that succeeds and open (or update) its pull request, as if each task had pr.open: true"},
			&cli.BoolFlag{Name: "quiet", Usage: "print only the run's one-line outcome on stdout, and only errors on stderr (for cron)"},
			&cli.StringFlag{Name: "shard", Usage: "run only part I of N of the selected tasks, e.g. 2/4, split by a hash of their names (for a CI matrix)"},
			&cli.StringFlag{Name: "approval", Usage: "set every selected task's approval mode: plan, default, auto-edit or yolo"},
			&cli.StringFlag{Name: "provider", Usage: "set every selected task's model provider: anthropic, openai, ollama or replay (its endpoint becomes the provider's default)"},
			&cli.StringFlag{Name: "model", Usage: "set every selected task's model name"},
		}, progressFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 1 {
				return usageErrorf("run needs exactly one task file: safe-coder run TASKS.yaml")
			}
			for _, name := range []string{"approval", "provider", "model"} {
				if cmd.IsSet(name) && cmd.String(name) == "" {
					return usageErrorf("--%s is empty: give a value, or leave the flag out to keep the task file's %s", name, name)
				}
			}
			var shard tasks.Shard
			if v := cmd.String("shard"); cmd.IsSet("shard") {
				var err error
				if shard, err = tasks.ParseShard(v); err != nil {
					return usageErrorf("--shard: %w", err)
				}
			}
			return runTasks(ctx, s, runOptions{
				openPR:         cmd.Bool("open-pr"),
				quiet:          cmd.Bool("quiet"),
				log:            logOptionsOf(cmd),
				shard:          shard,
				override:       tasks.Override{Approval: cmd.String("approval"), Provider: cmd.String("provider"), Model: cmd.String("model")},
				actions:        actionsFromEnv(os.Getenv),
				github:         githubFromEnv(os.Getenv),
				baseRef:        os.Getenv(baseRefEnv),
				file:           cmd.Args().First(),
				tasks:          cmd.StringSlice("task"),
				repo:           cmd.String("repo"),
				state:          cmd.String("state"),
				reportJSON:     cmd.String("report-json"),
				reportMD:       cmd.String("report-md"),
				init:           cmd.Bool("init"),
				clearStaleLock: cmd.Bool("clear-stale-lock"),
			})
		},
	}
}

// runTasks is `safe-coder run`: load and check everything that can be
// checked before touching the repository, then run each selected task on its
// own branch, record it, and print the report.
func runTasks(ctx context.Context, s Streams, opts runOptions) error {
	data, err := os.ReadFile(opts.file)
	if err != nil {
		return taskFileError(opts.file, err)
	}
	cfg, err := loadConfig(ctx, s)
	if err != nil {
		return err
	}
	file, err := tasks.ParseWith(opts.file, data, tasks.ParseOptions{Base: cfg.Base()})
	if err != nil {
		return exitWith(exitUsage, err)
	}
	// Custom commands and @paths are checked against the repository the
	// run uses, before anything runs (prompts.go).
	root, err := repoRootFor(ctx, opts.repo)
	if err != nil {
		return exitWith(exitRepo, err)
	}
	// A command's problems do not stop the checks below: every problem
	// of the file is reported at once.
	commandErr := applyCommands(file, root)
	if commandErr != nil && !isProblems(commandErr) {
		return commandErr
	}
	selected, err := file.Select(opts.tasks)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	if selected, err = narrowRun(selected, opts); err != nil {
		return err
	}
	// A pull request's instructions come from its base branch, which
	// must be there before anything runs.
	bases, err := resolveInstructionBases(ctx, root, selected, opts.baseRef)
	if err != nil {
		return err
	}
	if err := mergeProblems(commandErr, checkPrompts(ctx, file, selected, root, bases)); err != nil {
		return err
	}
	progress, closeLog := runStreams(s, opts)
	defer closeLog()
	progress, display, stopProgress, err := startProgress(ctx, progress, s.Err, opts.log, selected)
	if err != nil {
		return err
	}
	defer stopProgress()
	if len(selected) == 0 {
		// An empty part of a matrix still records a run, so that every
		// job has a report to merge.
		fmt.Fprintf(progress.Err, "safe-coder: shard %s of %s has no task; recording an empty run\n", opts.shard, opts.file)
	}
	rc, err := prepare(progress, file, selected, cfg.Base())
	if err != nil {
		return err
	}
	rc.progress = display
	rc.errs = s.Err
	rc.endLog = closeLog
	rc.bases = bases
	if err := rc.setPublisher(opts, selected); err != nil {
		return err
	}
	repo, err := openRepo(ctx, progress, opts.repo, opts.init)
	if err != nil {
		return exitWith(exitRepo, err)
	}
	release, err := repo.Lock(ctx, gitsafety.LockOptions{ClearStale: opts.clearStaleLock})
	if err != nil {
		return exitWith(exitRepo, err)
	}
	defer release()
	head, err := repo.Head(ctx)
	if err != nil {
		return exitWith(exitRepo, err)
	}
	store, err := report.Open(ctx, statePath(repo, opts.state))
	if err != nil {
		return exitWith(exitFailure, noSpaceHint(err, statePath(repo, opts.state), "run 'safe-coder run' again (nothing ran)"))
	}
	defer store.Close()
	runID, err := newRunID(time.Now())
	if err != nil {
		return exitWith(exitFailure, err)
	}
	rc.attach(runID, repo, store)
	recorded, err := encodeRunOptions(opts, bases)
	if err != nil {
		return exitWith(exitFailure, err)
	}

	names := make([]string, len(selected))
	plan := make([]plannedTask, len(selected))
	for i, t := range selected {
		names[i] = t.Name
		plan[i] = plannedTask{task: t}
	}
	// From here on the run exists: every way out records its end.
	if err := rc.rec.Record(context.WithoutCancel(ctx), report.RunStarted{
		RunID: runID, StartedAt: time.Now(), RepoRoot: repo.Root(), TaskFile: opts.file,
		Version: appVersion(), BaseCommit: head.Commit, OriginalBranch: head.Branch, Tasks: names,
		TaskFileData: data, Options: recorded,
	}); err != nil {
		return exitWith(exitFailure, noSpaceHint(err, store.Path(), "run 'safe-coder run' again (nothing ran)"))
	}
	fmt.Fprintf(progress.Err, "safe-coder: run %s: %d task(s) on %s\n", runID, len(selected), repo.Root())
	bases.describe(progress.Err, selected, head.Commit, opts.baseRef)
	return rc.execute(ctx, plan, "", head, opts)
}

// prepare checks and builds what a run needs before the repository is
// touched: the API keys, the fault hook, the models (so a bad replay
// transcript is a set-up error too). base is the config file's model layer,
// whose key stands in for unset key variables.
func prepare(s Streams, file *tasks.File, selected []tasks.Task, base tasks.ModelBase) (*runCtx, error) {
	keys, err := apiKeys(s, selected, base)
	if err != nil {
		return nil, exitWith(exitUsage, err)
	}
	fault, err := newFault(os.Getenv(faultEnv))
	if err != nil {
		return nil, exitWith(exitUsage, err)
	}
	httpClient := newHTTPClient()
	models := make(map[string]llm.Client, len(selected))
	for _, t := range selected {
		m, err := newModel(t, httpClient, keys, s)
		if err != nil {
			return nil, exitWith(exitUsage, fmt.Errorf("task %s: %w", t.Name, err))
		}
		models[t.Name] = m
	}
	return &runCtx{s: s, errs: s.Err, file: file, models: models, keys: keys, fault: fault, http: httpClient}, nil
}

// attach binds the run context to its run, repository and store.
func (rc *runCtx) attach(runID string, repo *gitsafety.Repo, store *report.Store) {
	rc.runID, rc.repo, rc.store = runID, repo, store
	rc.rec = faultRecorder{store: store, fault: rc.fault}
	if rc.progress != nil {
		rc.rec = rc.progress.Wrap(rc.rec)
	}
}

func statePath(repo *gitsafety.Repo, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(repo.GitDir(), "safe-coder", "state.db")
}

// execute runs the plan, returns to the user's checkout when asked,
// records the run's end and emits the reports. from is the run's start
// point for tasks not started yet ("" = HEAD).
func (rc *runCtx) execute(ctx context.Context, plan []plannedTask, from string, head gitsafety.Head, opts runOptions) error {
	s := rc.s
	keep := context.WithoutCancel(ctx)
	status, runErr := rc.runPlan(ctx, plan, from)
	var selected []tasks.Task
	for _, p := range plan {
		selected = append(selected, p.task)
	}
	if returnWanted(selected) {
		// git.return: the user's checkout comes back; the run branches
		// keep the work for review.
		if err := rc.repo.Return(keep, head); err != nil {
			fmt.Fprintf(s.Err, "safe-coder: git.return: %v\n", err)
			status = status.Worse(runner.StatusRepoError)
			runErr = firstOf(runErr, fmt.Errorf("git.return: %w", err))
		} else {
			fmt.Fprintf(s.Err, "safe-coder: checked out %s again (git.return)\n", describeHead(head))
		}
	}

	code := status.ExitCode()
	var sig signalCause
	if status == runner.StatusCancelled && errors.As(context.Cause(ctx), &sig) {
		code = sig.exitCode()
	}
	fin := report.RunFinished{RunID: rc.runID, FinishedAt: time.Now(), Status: string(status), ExitCode: code}
	if runErr != nil {
		fin.Error = runErr.Error()
	}
	resume := "safe-coder resume " + rc.runID + " --clear-stale-lock"
	if err := rc.rec.Record(keep, fin); err != nil {
		return exitWith(exitFailure, noSpaceHint(errors.Join(runErr, err), rc.store.Path(), resume))
	}
	if rc.endLog != nil {
		rc.endLog()
	}
	if err := emitReports(keep, s, rc.errs, rc.store, rc.runID, opts, rc.fault); err != nil {
		// The run is recorded whole: only the report file is missing.
		return exitWith(exitFailure, noSpaceHint(err, rc.store.Path(),
			"write the report again with 'safe-coder report "+rc.runID+" --format json' (the run itself is recorded)"))
	}
	if runErr != nil {
		return exitWith(code, noSpaceHint(runErr, rc.store.Path(), resume))
	}
	if code != exitOK {
		return exitWith(code, nil)
	}
	return nil
}

// plannedTask is one task of a run: to start, to resume (resume set), or
// already done (done set: its recorded status counts, nothing runs).
type plannedTask struct {
	task   tasks.Task
	resume *report.TaskState
	done   runner.Status
	// branch, for a task to start, is its record when a killed run had
	// named its branch (BranchStarted) without starting the task: the
	// task starts on that branch.
	branch *report.TaskState
	// publish is the push and pull request a done task is still owed
	// (see owedPublishes); nil when none.
	publish *publishJob
}

// runCtx is what every task of a run shares.
type runCtx struct {
	s      Streams
	runID  string
	repo   *gitsafety.Repo
	store  *report.Store
	file   *tasks.File
	models map[string]llm.Client
	// keys are the API keys read for the run's tasks: never given to
	// commands, and redacted wherever they might show up.
	keys map[string]string
	// rec records through the store, with the fault points around it.
	rec runner.Recorder
	// progress, when set, shows what rec records (see attach).
	progress *report.Progress
	fault    func(point string)
	// http is the process's HTTP client; pub pushes and proposes the
	// tasks' branches (nil: never).
	http *http.Client
	pub  *publisher
	// errs is where errors go even when --quiet silences progress: the
	// process's stderr, where the Actions annotations go too. endLog ends
	// the progress log's open ::group:: before them (nil: nothing to end).
	errs   io.Writer
	endLog func()
	// bases are the commits instructions_from: base reads, by task: the
	// pull request's base branch; a task not in it reads its session's
	// base commit.
	bases instructionBases
}

// runPlan runs the tasks one after the other. Each task gets its own
// branch from the run's start point (the base commit, or the snapshot of a
// dirty tree), so tasks never see each other's changes; a resumed task
// goes on on its own branch. It returns the run's status and the first
// error that explains it.
func (rc *runCtx) runPlan(ctx context.Context, plan []plannedTask, from string) (runner.Status, error) {
	status := runner.StatusSucceeded
	var firstErr error
	for _, p := range plan {
		task := p.task
		if p.done != "" {
			status = status.Worse(p.done)
			if p.publish != nil && ctx.Err() == nil {
				if err := rc.publishJob(ctx, *p.publish); err != nil {
					status = status.Worse(publishStatus(err))
					firstErr = firstOf(firstErr, fmt.Errorf("task %s: %w", task.Name, err))
				}
			}
			continue
		}
		if ctx.Err() != nil {
			return status.Worse(runner.StatusCancelled), firstOf(firstErr, fmt.Errorf("cancelled before task %s: %w", task.Name, context.Cause(ctx)))
		}
		opts := gitsafety.BeginOptions{
			RunID: rc.runID, Task: task.Name, Branch: task.BranchName(rc.runID, time.Now()),
			From: from, Dirty: gitsafety.DirtyPolicy(task.Git.Dirty),
			MaxFileBytes: int64(task.Git.MaxFileMB) << 20,
		}
		if p.resume != nil {
			opts.Branch, opts.From, opts.Resume = p.resume.Branch, p.resume.BaseCommit, true
		} else {
			if p.branch != nil {
				// A killed run named this branch and may have made it:
				// the task starts on it, adopted if it exists.
				opts.Branch, opts.From, opts.Resume = p.branch.Branch, cmp.Or(p.branch.BaseCommit, from), true
			}
			// The branch is named before it exists, so a kill right
			// after Begin leaves a record that rollback and resume find.
			if err := rc.rec.Record(context.WithoutCancel(ctx), report.BranchStarted{
				RunID: rc.runID, Task: task.Name, At: time.Now(), Branch: opts.Branch, From: rc.startPoint(ctx, opts.From),
			}); err != nil {
				return status.Worse(runner.StatusError), firstOf(firstErr, fmt.Errorf("task %s: %w", task.Name, err))
			}
		}
		sess, err := rc.repo.Begin(ctx, opts)
		if err != nil {
			return status.Worse(runner.StatusRepoError), firstOf(firstErr, fmt.Errorf("task %s: %w", task.Name, err))
		}
		rc.fault("after-branch")
		for _, sk := range sess.SnapshotSkipped() {
			fmt.Fprintf(rc.s.Err, "[%s] snapshot: not committed: %s (%s)\n", task.Name, sk.Path, sk.Reason)
		}
		if from == "" {
			from = sess.Start()
		}
		if p.resume != nil {
			fmt.Fprintf(rc.s.Err, "[%s] resuming on branch %s at %s\n", task.Name, sess.Branch(), short(sess.Head()))
		} else {
			fmt.Fprintf(rc.s.Err, "[%s] branch %s from %s\n", task.Name, sess.Branch(), short(sess.Start()))
		}

		res, err := rc.runTask(ctx, task, sess, p.resume)
		if err != nil {
			return status.Worse(runner.StatusError), firstOf(firstErr, fmt.Errorf("task %s: %w", task.Name, err))
		}
		fmt.Fprintf(rc.s.Err, "[%s] %s after %d step(s)\n", task.Name, res.Status, res.Steps)
		if hint := authHint(task, res.Err); hint != "" {
			res.Err = fmt.Errorf("%w\n%s", res.Err, hint)
		}
		if res.Err != nil {
			fmt.Fprintf(rc.s.Err, "[%s] %v\n", task.Name, res.Err)
			firstErr = firstOf(firstErr, fmt.Errorf("task %s: %w", task.Name, res.Err))
		}
		status = status.Worse(res.Status)
		// A task stopped for lack of space is left open for resume:
		// rolling its branch back would make resume go on without the
		// work it recorded.
		if res.Status != runner.StatusSucceeded && task.OnFailure == tasks.OnFailureRollback && !runner.OutOfSpace(res.Err) {
			if err := rc.rollback(ctx, task, sess); err != nil {
				fmt.Fprintf(rc.s.Err, "[%s] on_failure rollback: %v\n", task.Name, err)
				status = status.Worse(runner.StatusRepoError)
				firstErr = firstOf(firstErr, fmt.Errorf("task %s: on_failure rollback: %w", task.Name, err))
			}
		}
		if err := rc.publishTask(ctx, task, sess, res.Status); err != nil {
			status = status.Worse(publishStatus(err))
			firstErr = firstOf(firstErr, fmt.Errorf("task %s: %w", task.Name, err))
		}
		if res.Status == runner.StatusRepoError || res.Status == runner.StatusCancelled || res.Status == runner.StatusPolicyViolation {
			// The repository or the process is going away, or something
			// happened that a human must look at: later tasks stop here.
			break
		}
	}
	return status, firstErr
}

// startPoint is the commit a task's branch starts at, as its intent
// records it: from, or HEAD's commit when from is "" ("" when HEAD has
// none, and then Begin fails).
func (rc *runCtx) startPoint(ctx context.Context, from string) string {
	if from != "" {
		return from
	}
	head, err := rc.repo.Head(ctx)
	if err != nil {
		return ""
	}
	return head.Commit
}

// rollback resets a failed task's branch to its start (on_failure:
// rollback), keeping the old tip under a backup ref, and records it.
func (rc *runCtx) rollback(ctx context.Context, task tasks.Task, sess *gitsafety.Session) error {
	keep := context.WithoutCancel(ctx)
	res, err := rc.repo.Rollback(keep, gitsafety.RollbackOptions{Run: rc.runID, Task: task.Name, Branch: sess.Branch()})
	if err != nil {
		return err
	}
	if res.Backup == "" {
		return nil
	}
	fmt.Fprintf(rc.s.Err, "[%s] on_failure: rollback: %s reset to %s; the work is kept under %s\n", task.Name, sess.Branch(), short(res.To), res.Backup)
	return rc.rec.Record(keep, report.TaskRolledBack{RunID: rc.runID, Task: task.Name, At: time.Now(), BackupRef: res.Backup, From: res.From, To: res.To})
}

// runTask wires the real dependencies of one task and runs it.
func (rc *runCtx) runTask(ctx context.Context, task tasks.Task, sess *gitsafety.Session, resume *report.TaskState) (runner.Result, error) {
	envOpts := tools.EnvOptions{Secrets: secretNames(rc.file), Pass: task.Env.Pass, Drop: task.Env.Drop}
	environ := os.Environ()
	known := tools.SecretValues(environ, envOpts)
	for _, k := range rc.keys {
		known = append(known, k)
	}

	// The toolbox asks the policy what grep may read; the policy asks the
	// toolbox where a path really leads. pol is set before any call runs.
	var pol *policy.Policy
	box, err := tools.New(tools.Options{
		Root:        rc.repo.Root(),
		BashTimeout: task.Limits.BashTimeout,
		Env:         tools.CommandEnv(environ, envOpts),
		CanRead:     func(rel string) bool { return pol.CanRead(rel) },
		Guarded:     func(rel string) (string, bool) { return sess.Guarded(ctx, rel) },
	})
	if err != nil {
		return runner.Result{}, err
	}
	defer box.Close()
	pol, err = policy.New(policy.Options{
		Mode:    policy.Mode(task.Approval),
		Tools:   task.Tools,
		Allow:   task.Allow,
		Deny:    task.Deny,
		Resolve: box.Resolve,
	})
	if err != nil {
		return runner.Result{}, err
	}
	defs, err := tools.Defs(pol.Offered())
	if err != nil {
		return runner.Result{}, err
	}
	tp, err := newTaskPrompts(ctx, task, rc.repo, sess, pol, box, rc.bases[task.Name])
	if err != nil {
		return runner.Result{}, err
	}
	defer tp.close()
	cfg := runner.Config{
		RunID:              rc.runID,
		Task:               task,
		System:             runner.SystemPrompt(task, pol.Offered()) + prompt.SystemSection(tp.instructions),
		Instructions:       tp.instructions,
		InstructionsSource: tp.source,
		InstructionsCommit: tp.commit,
		Tools:              defs,
		Branch:             sess.Branch(),
		BaseCommit:         sess.Base(),
		StartCommit:        sess.Start(),
		SnapshotCommit:     sess.Snapshot(),
	}
	deps := runner.Deps{
		Model:    rc.models[task.Name],
		Git:      sess,
		Recorder: rc.rec,
		Fault:    rc.fault,
		Tools:    box,
		Policy:   pol,
		Secrets:  secrets.NewRedactor(known),
		Guard:    repoGuard{repo: rc.repo},
		Checker:  boxChecker{box: box},
		Prompts:  tp.expander,
		Nested:   tp.nested,
		Log:      rc.s.Err,
	}
	if resume != nil {
		r, err := resumeOf(*resume, task)
		if err != nil {
			return runner.Result{}, err
		}
		// The prompts as the task first expanded them: a resumed task
		// never runs a prompt's !`command` again.
		if r.Prompts, err = rc.store.TaskPrompts(ctx, rc.runID, task.Name); err != nil {
			return runner.Result{}, err
		}
		// Its commands as far as they got when the prompts were not
		// recorded yet: one that started is not run again either.
		if r.PromptCommands, err = rc.store.TaskPromptCommandRuns(ctx, rc.runID, task.Name); err != nil {
			return runner.Result{}, err
		}
		return runner.ResumeRun(ctx, cfg, deps, r), nil
	}
	return runner.Run(ctx, cfg, deps), nil
}

// boxChecker runs the task's checks through the toolbox, with the process
// rules of bash and each check's own timeout.
type boxChecker struct{ box *tools.Toolbox }

func (c boxChecker) Run(ctx context.Context, command string, timeout time.Duration) runner.CheckResult {
	start := time.Now()
	res, err := c.box.RunCommand(ctx, command, timeout)
	out := runner.CheckResult{ExitCode: res.ExitCode, Output: res.Output, Duration: time.Since(start)}
	switch {
	case err != nil:
		out.ExitCode, out.Err = -1, fmt.Errorf("could not start: %w", err)
	case res.TimedOut:
		out.Err = fmt.Errorf("timed out after %s", timeout)
	case res.ExitCode < 0:
		out.Err = errors.New(res.Status)
	}
	return out
}

// repoGuard fingerprints the git directory's configuration and hooks and
// the protected paths of the work tree.
type repoGuard struct{ repo *gitsafety.Repo }

func (g repoGuard) Fingerprint(ctx context.Context) (gitsafety.Fingerprint, error) {
	return g.repo.Fingerprint(ctx, policy.ProtectedPaths())
}

// newHTTPClient is the one HTTP client of the process. It has no overall
// timeout: a streamed answer may take minutes and is bounded by the task's
// context instead. A server that never starts answering is cut off after
// responseHeaderTimeout, which leaves room for a long non-streamed answer.
func newHTTPClient() *http.Client {
	tr := cleanhttp.DefaultPooledTransport()
	tr.ResponseHeaderTimeout = responseHeaderTimeout
	return &http.Client{Transport: tr}
}

const responseHeaderTimeout = 10 * time.Minute

func newModel(task tasks.Task, httpClient *http.Client, keys map[string]string, s Streams) (llm.Client, error) {
	switch m := task.Model; m.Provider {
	case tasks.ProviderAnthropic:
		return llm.NewAnthropic(llm.AnthropicOptions{
			BaseURL:    m.BaseURL,
			APIKey:     keys[m.APIKeyEnv],
			HTTPClient: httpClient,
			NoStream:   !m.Stream,
			Log:        s.Err,
			UserAgent:  "safe-coder/" + appVersion(),
		}), nil
	case tasks.ProviderOpenAI, tasks.ProviderOllama:
		return llm.NewOpenAI(llm.OpenAIOptions{
			BaseURL:    m.BaseURL,
			APIKey:     keys[m.APIKeyEnv],
			Provider:   string(m.Provider),
			HTTPClient: httpClient,
			NoStream:   !m.Stream,
			Log:        s.Err,
			UserAgent:  "safe-coder/" + appVersion(),
		}), nil
	case tasks.ProviderReplay:
		return llm.NewReplay(m.Transcript)
	default:
		return nil, fmt.Errorf("model provider %q is not supported", m.Provider)
	}
}

// apiKeys reads the API key of every selected task from its environment
// variable, before anything runs: a missing key is a set-up mistake, not a
// provider failure. Tasks without a key variable (replay, an Ollama server
// without auth) need none. The config file's key (base) is used for a
// task of its endpoint whose variable is unset.
func apiKeys(s Streams, selected []tasks.Task, base tasks.ModelBase) (map[string]string, error) {
	keys := map[string]string{}
	warned := map[string]bool{}
	var problems []string
	for _, t := range selected {
		name := t.Model.APIKeyEnv
		if name == "" || t.Model.Provider == tasks.ProviderReplay {
			continue
		}
		v := os.Getenv(name)
		if v == "" {
			v = configKey(s, t, base, warned)
		}
		if v == "" {
			msg := fmt.Sprintf("task %s: environment variable %s (model.api_key_env) is not set or empty; export your API key in it, or point model.api_key_env at the variable that holds it", t.Name, name)
			if t.Model.BaseURL != "" {
				msg += fmt.Sprintf(`; for a server at %s that takes no key, set api_key_env: ""`, t.Model.BaseURL)
			}
			problems = append(problems, msg)
			continue
		}
		keys[name] = v
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return keys, nil
}

// secretNames lists the variables that hold API keys or GitHub tokens for
// any task of the file (not only the selected ones): commands never see
// them.
func secretNames(file *tasks.File) []string {
	names := []string{"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}
	for _, t := range file.Tasks {
		if t.Model.APIKeyEnv != "" && !slices.Contains(names, t.Model.APIKeyEnv) {
			names = append(names, t.Model.APIKeyEnv)
		}
		if t.PR.TokenEnv != "" && !slices.Contains(names, t.PR.TokenEnv) {
			names = append(names, t.PR.TokenEnv)
		}
	}
	return names
}

// returnWanted reports whether any task of the run asks for git.return.
func returnWanted(selected []tasks.Task) bool {
	for _, t := range selected {
		if t.Git.Return {
			return true
		}
	}
	return false
}

func describeHead(h gitsafety.Head) string {
	if h.Branch == "" {
		return "the detached commit " + short(h.Commit)
	}
	return "branch " + h.Branch
}

// authHint explains a provider's refusal of the credentials in terms of
// the task file: which variable held the key and where it was sent.
func authHint(task tasks.Task, err error) string {
	var apiErr *llm.APIError
	if !errors.As(err, &apiErr) || !apiErr.Auth() {
		return ""
	}
	m := task.Model
	where := m.BaseURL
	if where == "" {
		where = "the provider's default endpoint"
	}
	if m.APIKeyEnv == "" {
		return fmt.Sprintf("hint: %s refused the request without a key; set model.api_key_env to the variable that holds the key for %s", m.Provider, where)
	}
	return fmt.Sprintf("hint: check that $%s holds a valid %s API key for %s, with access to model %s", m.APIKeyEnv, m.Provider, where, m.Name)
}

// newRunID returns a sortable, unique-enough id: the UTC start time and 16
// random bits, e.g. 20261126-231131-3fa2.
func newRunID(now time.Time) (string, error) {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make run id: %w", err)
	}
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:]), nil
}

func firstOf(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func versionString() string {
	return fmt.Sprintf("%s (%s %s/%s)", appVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
