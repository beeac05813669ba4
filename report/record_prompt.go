package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// PromptsPrepared records what a task's prompts became when the task
// started: custom commands, @paths and !`commands` expanded, secrets
// redacted, in order. It comes right after TaskStarted, before the first
// prompt's MessageAdded, once per task: a resumed task sends these prompts
// and never runs their commands again.
type PromptsPrepared struct {
	RunID, Task string
	At          time.Time
	Prompts     []string
	// Commands are the prompts' !`commands`, in the order they ran.
	Commands []PromptCommand
}

// PromptCommand is one !`command` of a task's prompts, run. Its output went
// into the prompt; the store keeps its size, not the output.
type PromptCommand struct {
	Command     string
	ExitCode    int
	Duration    time.Duration
	OutputBytes int
	// Error says why the command could not run; "" when it ran.
	Error string
	// Interrupted says the command was under way when an earlier process
	// stopped (its PromptCommandStarted has no PromptCommandFinished): its
	// outcome is unknown and it was not run again.
	Interrupted bool
}

// PromptCommandStarted records the intent to run a prompt's !`command`,
// Seq (1-based over all the task's prompts), right before it runs. A
// resumed task does not run again a command whose intent is recorded.
// Command is redacted.
type PromptCommandStarted struct {
	RunID, Task string
	Seq         int
	Command     string
	At          time.Time
}

// PromptCommandFinished records a prompt command's run, right after it.
// Output is what went into the prompt, redacted; it lets a resumed task
// rebuild the prompt without running the command again.
type PromptCommandFinished struct {
	RunID, Task string
	Seq         int
	At          time.Time
	ExitCode    int
	Duration    time.Duration
	Output      string
	// Error says why the command could not run; "" when it ran.
	Error string
}

// PromptCommandRun is a prompt command as recorded by PromptCommandStarted
// and PromptCommandFinished, for resuming its task.
type PromptCommandRun struct {
	Seq      int
	Command  string
	Finished bool
	ExitCode int
	Duration time.Duration
	Output   string
	Error    string
}

// InstructionsLoaded records instruction files given to the model: those
// of the system prompt when the task starts (Step 0, right after
// PromptsPrepared), and nested AGENTS.md files when the agent's calls of a
// step reach their directories (that step, before its StepFinished). A
// file is recorded once per task.
type InstructionsLoaded struct {
	RunID, Task string
	Step        int
	At          time.Time
	Files       []InstructionFile
}

// InstructionFile is one instruction file given to the model.
type InstructionFile struct {
	Path  string // repository-relative
	Bytes int    // as read, before the cap
	// Truncated says the file was longer than the cap and was cut.
	Truncated bool
	// Source is where it was read: "worktree" or "base".
	Source string
	// Commit is the full hash of the commit a "base" file was read at;
	// "" for the work tree.
	Commit string
}

// PlanRecorded stores a plan-mode task's plan: its final answer. It comes
// before the task's TaskFinished.
type PlanRecorded struct {
	RunID, Task string
	At          time.Time
	Plan        string
}

func (PromptsPrepared) event()       {}
func (PromptCommandStarted) event()  {}
func (PromptCommandFinished) event() {}
func (InstructionsLoaded) event()    {}
func (PlanRecorded) event()          {}

func recordPromptsPrepared(ctx context.Context, tx *sql.Tx, e PromptsPrepared) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), when("at", e.At)); err != nil {
		return err
	}
	if len(e.Prompts) == 0 {
		return fmt.Errorf("%w: a task has at least one prompt", ErrInvalidEvent)
	}
	for _, c := range e.Commands {
		if err := validate(text("command", c.Command), notNegative("output bytes", c.OutputBytes)); err != nil {
			return err
		}
		if c.Duration < 0 {
			return fmt.Errorf("%w: duration is %s, want 0 or more", ErrInvalidEvent, c.Duration)
		}
	}
	taskID, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	var prior sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT prompts FROM tasks WHERE id = ?`, taskID).Scan(&prior); err != nil {
		return fmt.Errorf("read prompts of task %q: %w", e.Task, err)
	}
	if prior.Valid {
		return fmt.Errorf("prompts of task %q: %w", e.Task, ErrDuplicate)
	}
	prompts, err := json.Marshal(e.Prompts)
	if err != nil {
		return fmt.Errorf("encode prompts of task %q: %w", e.Task, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tasks SET prompts = ? WHERE id = ?`, string(prompts), taskID); err != nil {
		return fmt.Errorf("store prompts of task %q: %w", e.Task, err)
	}
	// The prompts hold the commands' output now: the copy kept for
	// resuming is no longer needed.
	if _, err := tx.ExecContext(ctx, `UPDATE prompt_command_runs SET output = '' WHERE task_id = ?`, taskID); err != nil {
		return fmt.Errorf("clear prompt command output of task %q: %w", e.Task, err)
	}
	for i, c := range e.Commands {
		if _, err := tx.ExecContext(ctx, `INSERT INTO prompt_commands (task_id, seq, command, exit_code, duration_ms,
			output_bytes, error, interrupted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, taskID, i+1, c.Command, c.ExitCode,
			c.Duration.Milliseconds(), c.OutputBytes, c.Error, c.Interrupted); err != nil {
			return fmt.Errorf("insert prompt command %d of task %q: %w", i+1, e.Task, err)
		}
	}
	return nil
}

func recordPromptCommandStarted(ctx context.Context, tx *sql.Tx, e PromptCommandStarted) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("seq", e.Seq), text("command", e.Command), when("at", e.At)); err != nil {
		return err
	}
	taskID, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO prompt_command_runs (task_id, seq, command, started_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (task_id, seq) DO NOTHING`, taskID, e.Seq, e.Command, ms(e.At))
	if err != nil {
		return fmt.Errorf("insert prompt command %d of task %q: %w", e.Seq, e.Task, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("prompt command %d of task %q: %w", e.Seq, e.Task, ErrDuplicate)
	}
	return nil
}

func recordPromptCommandFinished(ctx context.Context, tx *sql.Tx, e PromptCommandFinished) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("seq", e.Seq), when("at", e.At)); err != nil {
		return err
	}
	if e.Duration < 0 {
		return fmt.Errorf("%w: duration is %s, want 0 or more", ErrInvalidEvent, e.Duration)
	}
	taskID, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE prompt_command_runs SET finished = 1, exit_code = ?, duration_ms = ?,
		output = ?, error = ? WHERE task_id = ? AND seq = ? AND finished = 0`,
		e.ExitCode, e.Duration.Milliseconds(), e.Output, e.Error, taskID, e.Seq)
	if err != nil {
		return fmt.Errorf("store prompt command %d of task %q: %w", e.Seq, e.Task, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%w: prompt command %d of task %q was not started, or finished already", ErrInvalidEvent, e.Seq, e.Task)
	}
	return nil
}

// TaskPromptCommandRuns returns the prompt commands recorded for a task by
// PromptCommandStarted and PromptCommandFinished, by Seq, for resuming a
// task whose prompts were not recorded yet.
func (s *Store) TaskPromptCommandRuns(ctx context.Context, runID, task string) ([]PromptCommandRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.seq, c.command, c.finished, c.exit_code, c.duration_ms, c.output, c.error
		FROM prompt_command_runs c JOIN tasks t ON t.id = c.task_id WHERE t.run_id = ? AND t.name = ? ORDER BY c.seq`, runID, task)
	if err != nil {
		return nil, fmt.Errorf("read prompt commands of task %q: %w", task, err)
	}
	var out []PromptCommandRun
	err = eachRow(rows, func() error {
		var (
			c PromptCommandRun
			d int64
		)
		if err := rows.Scan(&c.Seq, &c.Command, &c.Finished, &c.ExitCode, &d, &c.Output, &c.Error); err != nil {
			return fmt.Errorf("read prompt command of task %q: %w", task, err)
		}
		c.Duration = time.Duration(d) * time.Millisecond
		out = append(out, c)
		return nil
	})
	return out, err
}

func recordInstructionsLoaded(ctx context.Context, tx *sql.Tx, e InstructionsLoaded) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), notNegative("step", e.Step), when("at", e.At)); err != nil {
		return err
	}
	for _, f := range e.Files {
		if err := validate(text("path", f.Path), notNegative("bytes", f.Bytes)); err != nil {
			return err
		}
		if f.Source != "worktree" && f.Source != "base" {
			return fmt.Errorf("%w: source is %q, want worktree or base", ErrInvalidEvent, f.Source)
		}
		if f.Source == "worktree" && f.Commit != "" {
			return fmt.Errorf("%w: instruction file %s from the work tree has commit %q, want none", ErrInvalidEvent, f.Path, f.Commit)
		}
	}
	taskID, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	for _, f := range e.Files {
		res, err := tx.ExecContext(ctx, `INSERT INTO instructions (task_id, step, path, bytes, truncated, source, commit_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, path) DO NOTHING`, taskID, e.Step, f.Path, f.Bytes, f.Truncated, f.Source, f.Commit)
		if err != nil {
			return fmt.Errorf("insert instruction file %s of task %q: %w", f.Path, e.Task, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return fmt.Errorf("instruction file %s of task %q: %w", f.Path, e.Task, ErrDuplicate)
		}
	}
	return nil
}

func recordPlanRecorded(ctx context.Context, tx *sql.Tx, e PlanRecorded) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), when("at", e.At), text("plan", e.Plan)); err != nil {
		return err
	}
	taskID, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tasks SET plan = ? WHERE id = ?`, e.Plan, taskID); err != nil {
		return fmt.Errorf("store plan of task %q: %w", e.Task, err)
	}
	return nil
}

// TaskPrompts returns the prompts recorded for a task by PromptsPrepared,
// for resuming it; nil when none were (the task never got that far, or
// was recorded before schema version 7). A run or task that does not exist
// returns ErrRunNotFound.
func (s *Store) TaskPrompts(ctx context.Context, runID, task string) ([]string, error) {
	var prompts sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT prompts FROM tasks WHERE run_id = ? AND name = ?`, runID, task).Scan(&prompts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("task %q of run %q: %w", task, runID, ErrRunNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read prompts of task %q: %w", task, err)
	}
	if !prompts.Valid {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(prompts.String), &out); err != nil {
		return nil, fmt.Errorf("decode prompts of task %q: %w", task, err)
	}
	return out, nil
}
