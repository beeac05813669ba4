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

func (PromptsPrepared) event()    {}
func (InstructionsLoaded) event() {}
func (PlanRecorded) event()       {}

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
	for i, c := range e.Commands {
		if _, err := tx.ExecContext(ctx, `INSERT INTO prompt_commands (task_id, seq, command, exit_code, duration_ms,
			output_bytes, error) VALUES (?, ?, ?, ?, ?, ?, ?)`, taskID, i+1, c.Command, c.ExitCode,
			c.Duration.Milliseconds(), c.OutputBytes, c.Error); err != nil {
			return fmt.Errorf("insert prompt command %d of task %q: %w", i+1, e.Task, err)
		}
	}
	return nil
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
