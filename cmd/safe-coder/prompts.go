package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/runner"
	"github.com/safe-coder/safe-coder/runner/policy"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/runner/tools"
	"github.com/safe-coder/safe-coder/tasks"
)

// repoRootFor returns the root of the repository around dir, for reading
// its custom commands and checking @paths before a run. A directory that
// is not in a repository is its own root: validate needs no repository.
func repoRootFor(ctx context.Context, dir string) (string, error) {
	repo, err := gitsafety.Open(ctx, dir)
	if errors.Is(err, gitsafety.ErrNotRepo) {
		return filepath.Abs(dir)
	}
	if err != nil {
		return "", err
	}
	return repo.Root(), nil
}

// applyCommands expands the custom commands the file's tasks use, read
// from the repository at root. Problems are task-file errors.
func applyCommands(file *tasks.File, root string) error {
	commands, err := tasks.LoadCommands(root)
	if err != nil {
		return exitWith(exitUsage, positionCommandError(root, err))
	}
	before := promptsAsWritten(file)
	if err := file.ApplyCommands(commands); err != nil {
		return exitWith(exitUsage, err)
	}
	if problems := commandShellProblems(file, before); len(problems) > 0 {
		return exitWith(exitUsage, problems)
	}
	return nil
}

// isProblems reports whether err is a list of task-file problems, which
// later checks add to, rather than an error that stops everything.
func isProblems(err error) bool {
	var problems tasks.Errors
	return errors.As(err, &problems)
}

// mergeProblems returns the task-file problems of checks made one after
// the other as one list, so a file's every problem is reported at once:
// nil when all passed, the first error that is not a list of problems
// (a repository that cannot be opened) as it is.
func mergeProblems(errs ...error) error {
	var all tasks.Errors
	for _, err := range errs {
		if err == nil {
			continue
		}
		var problems tasks.Errors
		if !errors.As(err, &problems) {
			return err
		}
		all = append(all, problems...)
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortStableFunc(all, func(a, b *tasks.Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return exitWith(exitUsage, all)
}

// checkPrompts checks, before anything runs, what the selected tasks'
// prompts and instruction files refer to: every @path must be a readable
// file or directory of the repository at root under the task's policy, and
// every instruction file the task names must exist (in the work tree, or,
// for instructions_from: base, at the task's commit in bases, else at HEAD,
// HEAD being the commit the run will start from). Problems are task-file
// errors at the prompt's position.
func checkPrompts(ctx context.Context, file *tasks.File, selected []tasks.Task, root string, bases instructionBases) error {
	dir, err := os.OpenRoot(root)
	if err != nil {
		return exitWith(exitUsage, fmt.Errorf("open repository %s: %w", root, err))
	}
	defer dir.Close()
	// The toolbox only resolves paths here, so a symlink is judged by
	// where it leads, as it will be when the task runs.
	box, err := tools.New(tools.Options{Root: root})
	if err != nil {
		return exitWith(exitUsage, fmt.Errorf("open repository %s: %w", root, err))
	}
	defer box.Close()
	var problems tasks.Errors
	for _, t := range selected {
		pol, err := policy.New(policy.Options{Mode: policy.Mode(t.Approval), Tools: t.Tools, Allow: t.Allow, Deny: t.Deny, Resolve: box.Resolve})
		if err != nil {
			return exitWith(exitUsage, fmt.Errorf("task %s: %w", t.Name, err))
		}
		files := prompt.RootFiles{Root: dir, Readable: pol.CanRead, Resolve: box.Resolve}
		for i, p := range t.Prompts {
			var perr *prompt.Error
			if err := prompt.Check(p, files); errors.As(err, &perr) {
				at := promptAt(t, i)
				problems = append(problems, &tasks.Error{File: file.Path, Line: at.Line, Col: at.Col, Field: promptField(file, t, i),
					Msg: fmt.Sprintf("%s: %s", perr.Ref, perr.Msg)})
			}
		}
		src, err := instructionSource(ctx, t, root, files, bases[t.Name])
		if err != nil {
			return exitWith(exitUsage, fmt.Errorf("task %s: %w", t.Name, err))
		}
		// The default files are checked too: one that is there but cannot
		// be read (a symlink into .git, a FIFO) stops the run before it
		// starts, not after its branch is made.
		if src != nil && (t.Instructions == nil || len(t.Instructions) > 0) {
			if _, err := prompt.LoadInstructions(src, t.Instructions); err != nil {
				at := t.At.Instructions
				if at.Line == 0 {
					// A default file: the task's first prompt stands for it.
					at = promptAt(t, 0)
				}
				msg := err.Error()
				if c, ok := bases[t.Name]; ok {
					// Not the work tree: say which commit was read.
					msg += fmt.Sprintf(" (read at %.12s, the pull request's base branch, %s)", c, baseRefEnv)
				}
				problems = append(problems, &tasks.Error{File: file.Path, Line: at.Line, Col: at.Col, Field: taskField(file, t) + ".instructions", Msg: msg})
			}
		}
	}
	if len(problems) > 0 {
		return exitWith(exitUsage, problems)
	}
	return nil
}

// promptAt is where prompt i of t is written.
func promptAt(t tasks.Task, i int) tasks.Position {
	if i < len(t.At.Prompts) {
		return t.At.Prompts[i]
	}
	return tasks.Position{Line: 1, Col: 1}
}

// taskField is the dotted path of a task in its file: tasks[2].
func taskField(file *tasks.File, t tasks.Task) string {
	for i, ft := range file.Tasks {
		if ft.Name == t.Name {
			return fmt.Sprintf("tasks[%d]", i)
		}
	}
	return "tasks"
}

// promptField is the dotted path of prompt i of t: where it, or the
// command: that made it, is written.
func promptField(file *tasks.File, t tasks.Task, i int) string {
	switch {
	case t.Command != "":
		return taskField(file, t) + ".command"
	case len(t.Prompts) == 1:
		return taskField(file, t) + ".prompt"
	}
	return fmt.Sprintf("%s.prompts[%d]", taskField(file, t), i)
}

// instructionSource is where a task's instruction files are read: the
// work tree, or commit (HEAD when "") for instructions_from: base. nil
// when the task reads them from a base that does not exist (validate
// outside a repository, or a repository without commits).
func instructionSource(ctx context.Context, t tasks.Task, root string, files prompt.RootFiles, commit string) (prompt.Source, error) {
	if t.InstructionsFrom != tasks.InstructionsBase {
		return prompt.RootSource{Root: files.Root, Resolve: files.Resolve, Readable: files.Readable}, nil
	}
	repo, err := gitsafety.Open(ctx, root)
	if errors.Is(err, gitsafety.ErrNotRepo) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if commit == "" {
		head, err := repo.Head(ctx)
		if errors.Is(err, gitsafety.ErrNoCommits) || (err == nil && head.Commit == "") {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		commit = head.Commit
	}
	return baseSource{ctx: ctx, repo: repo, commit: commit}, nil
}

// baseSource reads files from a commit, for instructions_from: base. It
// carries ctx because prompt.Source, shared with the os.Root reader, has
// none; it lives only as long as one task.
type baseSource struct {
	ctx    context.Context
	repo   *gitsafety.Repo
	commit string
}

func (b baseSource) ReadFile(rel string) ([]byte, error) {
	data, _, err := b.ReadSized(rel)
	return data, err
}

// ReadSized reads at most prompt.ReadCap bytes of rel at the commit, so a
// huge committed instruction file costs no more memory than a small one.
func (b baseSource) ReadSized(rel string) ([]byte, int, error) {
	data, size, err := b.repo.ReadFileAtMost(b.ctx, b.commit, rel, prompt.ReadCap)
	return data, int(size), err
}

var _ prompt.SizedSource = baseSource{}

// taskPrompts is what runTask builds for a task's prompts: the system
// prompt's instruction files, where nested ones are read, and the
// expander of @paths and !`commands`.
type taskPrompts struct {
	instructions []prompt.Instruction
	source       string
	// commit is where instructions_from: base reads them; "" for the
	// work tree.
	commit   string
	nested   prompt.Source
	expander runner.PromptExpander
	close    func()
}

// newTaskPrompts loads the instruction files of a task about to run on
// sess, and builds the expander of its prompts with the task's policy for
// reads and the toolbox's command runner. base is the commit
// instructions_from: base reads (the pull request's base branch); "" reads
// the session's base commit.
func newTaskPrompts(ctx context.Context, task tasks.Task, repo *gitsafety.Repo, sess *gitsafety.Session, pol *policy.Policy, box *tools.Toolbox, base string) (*taskPrompts, error) {
	dir, err := os.OpenRoot(repo.Root())
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	files := prompt.RootFiles{Root: dir, Readable: pol.CanRead, Resolve: box.Resolve}
	if base == "" {
		base = sess.Base()
	}
	src, err := instructionSource(ctx, task, repo.Root(), files, base)
	if err != nil {
		dir.Close()
		return nil, fmt.Errorf("instruction files: %w", err)
	}
	tp := &taskPrompts{
		source: string(tasks.InstructionsWorktree),
		expander: expander{
			files: files,
			run:   boxRunner{box: box, timeout: task.Limits.BashTimeout},
		},
		close: func() { dir.Close() },
	}
	if task.InstructionsFrom == tasks.InstructionsBase {
		tp.source, tp.commit = string(tasks.InstructionsBase), base
	}
	if src == nil || (task.Instructions != nil && len(task.Instructions) == 0) {
		// instructions: [] turns instruction files off, nested ones too.
		return tp, nil
	}
	tp.nested = src
	tp.instructions, err = prompt.LoadInstructions(src, task.Instructions)
	if err != nil {
		tp.close()
		return nil, err
	}
	return tp, nil
}

// expander is runner.PromptExpander over the work tree and the toolbox.
type expander struct {
	files prompt.Files
	run   prompt.Runner
}

func (e expander) Expand(ctx context.Context, text string, journal prompt.Journal) (prompt.Expansion, error) {
	return prompt.Expand(ctx, text, e.files, e.run, journal)
}

// boxRunner runs a prompt's !`command` as bash runs commands: scrubbed
// environment, stdin closed, own process group, output capped, and the
// task's bash_timeout.
type boxRunner struct {
	box     *tools.Toolbox
	timeout time.Duration
}

func (r boxRunner) Run(ctx context.Context, command string) (string, int, error) {
	res, err := r.box.RunCommand(ctx, command, r.timeout)
	if err != nil {
		return "", -1, err
	}
	out := res.Output
	if res.TimedOut {
		out += fmt.Sprintf("\n(%s)\n", res.Status)
	}
	return out, res.ExitCode, nil
}
