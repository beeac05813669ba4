package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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
		Name:      "run",
		Usage:     "run the tasks of a task file",
		ArgsUsage: "TASKS.yaml",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "task", Usage: "run only the task with this name (repeatable)"},
			repoFlag(),
			stateFlag(),
			&cli.StringFlag{Name: "report-json", Usage: "also write the JSON report to this file"},
			&cli.StringFlag{Name: "report-md", Usage: "also write the Markdown report to this file"},
			&cli.BoolFlag{Name: "init", Usage: "make --repo a git repository with an empty first commit when it is not one (never done implicitly)"},
			clearStaleLockFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 1 {
				return usageErrorf("run needs exactly one task file: safe-coder run TASKS.yaml")
			}
			return runTasks(ctx, s, runOptions{
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
		return usageErrorf("read task file: %w", err)
	}
	file, err := tasks.Parse(opts.file, data)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	selected, err := file.Select(opts.tasks)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	rc, err := prepare(s, file, selected)
	if err != nil {
		return err
	}
	repo, err := openRepo(ctx, s, opts.repo, opts.init)
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
		return exitWith(exitFailure, err)
	}
	defer store.Close()
	runID, err := newRunID(time.Now())
	if err != nil {
		return exitWith(exitFailure, err)
	}
	rc.attach(runID, repo, store)

	names := make([]string, len(selected))
	plan := make([]plannedTask, len(selected))
	for i, t := range selected {
		names[i] = t.Name
		plan[i] = plannedTask{task: t}
	}
	// From here on the run exists: every way out records its end.
	if err := rc.rec.Record(context.WithoutCancel(ctx), report.RunStarted{
		RunID: runID, StartedAt: time.Now(), RepoRoot: repo.Root(), TaskFile: opts.file,
		Version: version, BaseCommit: head.Commit, OriginalBranch: head.Branch, Tasks: names,
		TaskFileData: data,
	}); err != nil {
		return exitWith(exitFailure, err)
	}
	fmt.Fprintf(s.Err, "safe-coder: run %s: %d task(s) on %s\n", runID, len(selected), repo.Root())
	return rc.execute(ctx, plan, "", head, opts)
}

// prepare checks and builds what a run needs before the repository is
// touched: the API keys, the fault hook, the models (so a bad replay
// transcript is a set-up error too).
func prepare(s Streams, file *tasks.File, selected []tasks.Task) (*runCtx, error) {
	keys, err := apiKeys(selected)
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
	return &runCtx{s: s, file: file, models: models, keys: keys, fault: fault}, nil
}

// attach binds the run context to its run, repository and store.
func (rc *runCtx) attach(runID string, repo *gitsafety.Repo, store *report.Store) {
	rc.runID, rc.repo, rc.store = runID, repo, store
	rc.rec = faultRecorder{store: store, fault: rc.fault}
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
	if err := rc.rec.Record(keep, fin); err != nil {
		return exitWith(exitFailure, err)
	}
	if err := emitReports(keep, s, rc.store, rc.runID, opts, rc.fault); err != nil {
		return exitWith(exitFailure, err)
	}
	if runErr != nil {
		return exitWith(code, runErr)
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
	rec   faultRecorder
	fault func(point string)
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
		}
		sess, err := rc.repo.Begin(ctx, opts)
		if err != nil {
			return status.Worse(runner.StatusRepoError), firstOf(firstErr, fmt.Errorf("task %s: %w", task.Name, err))
		}
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
		if res.Status != runner.StatusSucceeded && task.OnFailure == tasks.OnFailureRollback {
			if err := rc.rollback(ctx, task, sess); err != nil {
				fmt.Fprintf(rc.s.Err, "[%s] on_failure rollback: %v\n", task.Name, err)
				status = status.Worse(runner.StatusRepoError)
				firstErr = firstOf(firstErr, fmt.Errorf("task %s: on_failure rollback: %w", task.Name, err))
			}
		}
		if res.Status == runner.StatusRepoError || res.Status == runner.StatusCancelled || res.Status == runner.StatusPolicyViolation {
			// The repository or the process is going away, or something
			// happened that a human must look at: later tasks stop here.
			break
		}
	}
	return status, firstErr
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
	cfg := runner.Config{
		RunID:          rc.runID,
		Task:           task,
		System:         runner.SystemPrompt(task, pol.Offered()),
		Tools:          defs,
		Branch:         sess.Branch(),
		BaseCommit:     sess.Base(),
		StartCommit:    sess.Start(),
		SnapshotCommit: sess.Snapshot(),
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
		Log:      rc.s.Err,
	}
	if resume != nil {
		r, err := resumeOf(*resume, task)
		if err != nil {
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
			UserAgent:  "safe-coder/" + version,
		}), nil
	case tasks.ProviderOpenAI, tasks.ProviderOllama:
		return llm.NewOpenAI(llm.OpenAIOptions{
			BaseURL:    m.BaseURL,
			APIKey:     keys[m.APIKeyEnv],
			Provider:   string(m.Provider),
			HTTPClient: httpClient,
			NoStream:   !m.Stream,
			Log:        s.Err,
			UserAgent:  "safe-coder/" + version,
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
// without auth) need none.
func apiKeys(selected []tasks.Task) (map[string]string, error) {
	keys := map[string]string{}
	var problems []string
	for _, t := range selected {
		name := t.Model.APIKeyEnv
		if name == "" || t.Model.Provider == tasks.ProviderReplay {
			continue
		}
		v := os.Getenv(name)
		if v == "" {
			problems = append(problems, fmt.Sprintf("task %s: environment variable %s (model.api_key_env) is not set or empty; export your API key in it, or point model.api_key_env at the variable that holds it", t.Name, name))
			continue
		}
		keys[name] = v
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return keys, nil
}

// secretNames lists the variables that hold API keys for any task of the
// file (not only the selected ones): commands never see them.
func secretNames(file *tasks.File) []string {
	names := []string{"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}
	for _, t := range file.Tasks {
		if t.Model.APIKeyEnv != "" && !slices.Contains(names, t.Model.APIKeyEnv) {
			names = append(names, t.Model.APIKeyEnv)
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
	return fmt.Sprintf("%s (%s %s/%s)", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
