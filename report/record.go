package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Record stores ev in one transaction. Events must follow the lifecycle:
// a Started (or Added, Answered) event needs its container started and not
// finished — the run for a task, the task for a step, message or check,
// the step for a tool call or model answer — and a Finished event needs
// its subject started and not yet finished. A BranchStarted needs its run
// open and its task not started yet. A TaskRolledBack needs its
// task started, finished or not, and so does a PushStarted; a PushFinished
// needs its task's last push unfinished. Violations return ErrNotStarted,
// ErrFinished or ErrDuplicate; a missing required field returns
// ErrInvalidEvent. A refused event changes nothing.
func (s *Store) Record(ctx context.Context, ev Event) error {
	var fn func(tx *sql.Tx) error
	switch e := ev.(type) {
	case RunStarted:
		fn = func(tx *sql.Tx) error { return recordRunStarted(ctx, tx, e) }
	case RunFinished:
		fn = func(tx *sql.Tx) error { return recordRunFinished(ctx, tx, e) }
	case TaskStarted:
		fn = func(tx *sql.Tx) error { return recordTaskStarted(ctx, tx, e) }
	case BranchStarted:
		fn = func(tx *sql.Tx) error { return recordBranchStarted(ctx, tx, e) }
	case TaskFinished:
		fn = func(tx *sql.Tx) error { return recordTaskFinished(ctx, tx, e) }
	case StepStarted:
		fn = func(tx *sql.Tx) error { return recordStepStarted(ctx, tx, e) }
	case ModelAnswered:
		fn = func(tx *sql.Tx) error { return recordModelAnswered(ctx, tx, e) }
	case StepFinished:
		fn = func(tx *sql.Tx) error { return recordStepFinished(ctx, tx, e) }
	case MessageAdded:
		fn = func(tx *sql.Tx) error { return recordMessageAdded(ctx, tx, e) }
	case ToolCallStarted:
		fn = func(tx *sql.Tx) error { return recordToolCallStarted(ctx, tx, e) }
	case ToolCallFinished:
		fn = func(tx *sql.Tx) error { return recordToolCallFinished(ctx, tx, e) }
	case CheckStarted:
		fn = func(tx *sql.Tx) error { return recordCheckStarted(ctx, tx, e) }
	case CheckFinished:
		fn = func(tx *sql.Tx) error { return recordCheckFinished(ctx, tx, e) }
	case TaskRolledBack:
		fn = func(tx *sql.Tx) error { return recordTaskRolledBack(ctx, tx, e) }
	case CommitStarted:
		fn = func(tx *sql.Tx) error { return recordCommitStarted(ctx, tx, e) }
	case PushStarted:
		fn = func(tx *sql.Tx) error { return recordPushStarted(ctx, tx, e) }
	case PushFinished:
		fn = func(tx *sql.Tx) error { return recordPushFinished(ctx, tx, e) }
	case RunResumed:
		fn = func(tx *sql.Tx) error { return recordRunResumed(ctx, tx, e) }
	case TaskResumed:
		fn = func(tx *sql.Tx) error { return recordTaskResumed(ctx, tx, e) }
	case PromptsPrepared:
		fn = func(tx *sql.Tx) error { return recordPromptsPrepared(ctx, tx, e) }
	case PromptCommandStarted:
		fn = func(tx *sql.Tx) error { return recordPromptCommandStarted(ctx, tx, e) }
	case PromptCommandFinished:
		fn = func(tx *sql.Tx) error { return recordPromptCommandFinished(ctx, tx, e) }
	case InstructionsLoaded:
		fn = func(tx *sql.Tx) error { return recordInstructionsLoaded(ctx, tx, e) }
	case PlanRecorded:
		fn = func(tx *sql.Tx) error { return recordPlanRecorded(ctx, tx, e) }
	default:
		// Only a nil Event or a pointer to an event type gets here.
		return fmt.Errorf("record %T: %w: events are passed by value", ev, ErrInvalidEvent)
	}
	if err := s.inTx(ctx, nil, fn); err != nil {
		return fmt.Errorf("record %T: %w", ev, err)
	}
	return nil
}

func recordRunStarted(ctx context.Context, tx *sql.Tx, e RunStarted) error {
	if err := validate(text("run id", e.RunID), when("started_at", e.StartedAt)); err != nil {
		return err
	}
	seen := make(map[string]bool, len(e.Tasks))
	for _, name := range e.Tasks {
		if name == "" {
			return fmt.Errorf("%w: empty task name in run %q", ErrInvalidEvent, e.RunID)
		}
		if seen[name] {
			return fmt.Errorf("%w: task %q listed twice in run %q", ErrInvalidEvent, name, e.RunID)
		}
		seen[name] = true
	}
	if _, found, err := runFinished(ctx, tx, e.RunID); err != nil {
		return err
	} else if found {
		return fmt.Errorf("run %q: %w", e.RunID, ErrDuplicate)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs
		(id, started_at, repo_root, task_file, version, base_commit, original_branch, task_file_data, options)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.RunID, ms(e.StartedAt), e.RepoRoot, e.TaskFile, e.Version, e.BaseCommit, e.OriginalBranch, e.TaskFileData, e.Options); err != nil {
		return fmt.Errorf("insert run %q: %w", e.RunID, err)
	}
	for i, name := range e.Tasks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (run_id, name, position, status)
			VALUES (?, ?, ?, ?)`, e.RunID, name, i, StatusNotStarted); err != nil {
			return fmt.Errorf("insert task %q of run %q: %w", name, e.RunID, err)
		}
	}
	return nil
}

func recordRunFinished(ctx context.Context, tx *sql.Tx, e RunFinished) error {
	if err := validate(text("run id", e.RunID), text("status", e.Status), when("finished_at", e.FinishedAt),
		reason(e.Reason)); err != nil {
		return err
	}
	finished, found, err := runFinished(ctx, tx, e.RunID)
	switch {
	case err != nil:
		return err
	case !found:
		return fmt.Errorf("run %q: %w", e.RunID, ErrNotStarted)
	case finished:
		return fmt.Errorf("run %q: %w", e.RunID, ErrFinished)
	}
	_, err = tx.ExecContext(ctx, `UPDATE runs SET finished_at = ?, status = ?, exit_code = ?, error = ?,
		terminal_reason = ? WHERE id = ?`, ms(e.FinishedAt), e.Status, e.ExitCode, e.Error, e.Reason, e.RunID)
	if err != nil {
		return fmt.Errorf("update run %q: %w", e.RunID, err)
	}
	return nil
}

// unstartedTask makes sure task of the open run runID exists and has not
// started: a task the run did not announce (a rerun of one task, say) is
// appended after the planned ones; one that started already is
// ErrDuplicate, named as what (e.g. "branch of task").
func unstartedTask(ctx context.Context, tx *sql.Tx, runID, task, what string) error {
	if err := openRun(ctx, tx, runID); err != nil {
		return err
	}
	t, err := lookupTask(ctx, tx, runID, task)
	if err != nil {
		return err
	}
	if t.started {
		return fmt.Errorf("%s %q of run %q: %w", what, task, runID, ErrDuplicate)
	}
	if t.found {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO tasks (run_id, name, position, status)
		VALUES (?, ?, (SELECT COALESCE(MAX(position), -1) + 1 FROM tasks WHERE run_id = ?), ?)`,
		runID, task, runID, StatusNotStarted)
	if err != nil {
		return fmt.Errorf("insert task %q of run %q: %w", task, runID, err)
	}
	return nil
}

func recordTaskStarted(ctx context.Context, tx *sql.Tx, e TaskStarted) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), when("started_at", e.StartedAt)); err != nil {
		return err
	}
	if err := unstartedTask(ctx, tx, e.RunID, e.Task, "task"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE tasks SET status = ?, started_at = ?, approval = ?,
		provider = ?, model = ?, branch = ?, base_commit = ?, start_commit = ?, snapshot_commit = ?
		WHERE run_id = ? AND name = ?`,
		StatusRunning, ms(e.StartedAt), e.Approval, e.Provider, e.Model, e.Branch,
		e.BaseCommit, e.StartCommit, e.SnapshotCommit, e.RunID, e.Task)
	if err != nil {
		return fmt.Errorf("update task %q of run %q: %w", e.Task, e.RunID, err)
	}
	return nil
}

func recordTaskFinished(ctx context.Context, tx *sql.Tx, e TaskFinished) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), text("status", e.Status), when("finished_at", e.FinishedAt)); err != nil {
		return err
	}
	switch e.Limit {
	case "", LimitMaxSteps, LimitMaxTokens, LimitMaxCostUSD, LimitTimeout:
	default:
		return fmt.Errorf("%w: limit %q is not one of max_steps, max_tokens, max_cost_usd, timeout", ErrInvalidEvent, e.Limit)
	}
	id, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE tasks SET status = ?, finished_at = ?, head_commit = ?,
		final_message = ?, error = ?, limit_reached = ? WHERE id = ?`,
		e.Status, ms(e.FinishedAt), e.HeadCommit, e.FinalMessage, e.Error, e.Limit, id)
	if err != nil {
		return fmt.Errorf("update task %q of run %q: %w", e.Task, e.RunID, err)
	}
	return nil
}

func recordStepStarted(ctx context.Context, tx *sql.Tx, e StepStarted) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("step", e.Step), when("started_at", e.StartedAt)); err != nil {
		return err
	}
	taskID, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	st, err := lookupStep(ctx, tx, taskID, e.Step)
	if err != nil {
		return err
	}
	if st.found {
		return fmt.Errorf("step %d of task %q: %w", e.Step, e.Task, ErrDuplicate)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO steps (task_id, step, started_at) VALUES (?, ?, ?)`,
		taskID, e.Step, ms(e.StartedAt)); err != nil {
		return fmt.Errorf("insert step %d of task %q: %w", e.Step, e.Task, err)
	}
	return nil
}

func recordModelAnswered(ctx context.Context, tx *sql.Tx, e ModelAnswered) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("step", e.Step), when("at", e.At)); err != nil {
		return err
	}
	if c := e.CostUSD; c != nil && (*c < 0 || math.IsNaN(*c) || math.IsInf(*c, 0)) {
		return fmt.Errorf("%w: cost %v is not a finite amount of 0 or more", ErrInvalidEvent, *c)
	}
	if e.Attempts < 0 {
		return fmt.Errorf("%w: attempts is %d, want 0 or more", ErrInvalidEvent, e.Attempts)
	}
	stepID, err := openStep(ctx, tx, e.RunID, e.Task, e.Step)
	if err != nil {
		return err
	}
	var answered sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT answered_at FROM steps WHERE id = ?`, stepID).Scan(&answered); err != nil {
		return fmt.Errorf("read step %d of task %q: %w", e.Step, e.Task, err)
	}
	if answered.Valid {
		return fmt.Errorf("model answer of step %d of task %q: %w", e.Step, e.Task, ErrDuplicate)
	}
	u := e.Usage
	// A nil cost is stored as NULL: unknown, not zero.
	_, err = tx.ExecContext(ctx, `UPDATE steps SET answered_at = ?, stop_reason = ?, request_id = ?,
		input_tokens = ?, output_tokens = ?, cache_read_tokens = ?, cache_write_tokens = ?,
		cost_usd = ?, attempts = ?
		WHERE id = ?`,
		ms(e.At), e.StopReason, e.RequestID,
		u.InputTokens, u.OutputTokens, u.CacheReadTokens, u.CacheWriteTokens,
		e.CostUSD, e.Attempts, stepID)
	if err != nil {
		return fmt.Errorf("update step %d of task %q: %w", e.Step, e.Task, err)
	}
	return nil
}

func recordStepFinished(ctx context.Context, tx *sql.Tx, e StepFinished) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("step", e.Step), when("finished_at", e.FinishedAt),
		notNegative("insertions", e.Insertions), notNegative("deletions", e.Deletions)); err != nil {
		return err
	}
	if e.Commit == "" && (e.Insertions != 0 || e.Deletions != 0 || len(e.Files) != 0) {
		return fmt.Errorf("%w: a step without a commit has no files and no lines", ErrInvalidEvent)
	}
	stepID, err := openStep(ctx, tx, e.RunID, e.Task, e.Step)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE steps SET finished_at = ?, commit_sha = ?, insertions = ?, deletions = ?
		WHERE id = ?`, ms(e.FinishedAt), e.Commit, e.Insertions, e.Deletions, stepID); err != nil {
		return fmt.Errorf("update step %d of task %q: %w", e.Step, e.Task, err)
	}
	for i, p := range e.Files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO step_files (step_id, position, path) VALUES (?, ?, ?)`,
			stepID, i, p); err != nil {
			return fmt.Errorf("insert file %q of step %d of task %q: %w", p, e.Step, e.Task, err)
		}
	}
	return nil
}

func recordCommitStarted(ctx context.Context, tx *sql.Tx, e CommitStarted) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("step", e.Step), when("at", e.At)); err != nil {
		return err
	}
	stepID, err := openStep(ctx, tx, e.RunID, e.Task, e.Step)
	if err != nil {
		return err
	}
	var started sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT commit_started_at FROM steps WHERE id = ?`, stepID).Scan(&started); err != nil {
		return fmt.Errorf("read step %d of task %q: %w", e.Step, e.Task, err)
	}
	if started.Valid {
		return fmt.Errorf("commit of step %d of task %q: %w", e.Step, e.Task, ErrDuplicate)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE steps SET commit_started_at = ? WHERE id = ?`, ms(e.At), stepID); err != nil {
		return fmt.Errorf("update step %d of task %q: %w", e.Step, e.Task, err)
	}
	return nil
}

func recordMessageAdded(ctx context.Context, tx *sql.Tx, e MessageAdded) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), text("role", e.Role), when("at", e.At)); err != nil {
		return err
	}
	if e.Step < 0 {
		return fmt.Errorf("%w: step %d is negative", ErrInvalidEvent, e.Step)
	}
	// The runner encodes messages itself, so content that is not JSON is
	// a bug upstream, not something a model could cause.
	if !json.Valid(e.Content) {
		return fmt.Errorf("%w: message content is not JSON", ErrInvalidEvent)
	}
	taskID, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO messages (task_id, step, at, role, content) VALUES (?, ?, ?, ?, ?)`,
		taskID, e.Step, ms(e.At), e.Role, string(e.Content)); err != nil {
		return fmt.Errorf("insert message of step %d of task %q: %w", e.Step, e.Task, err)
	}
	return nil
}

func recordToolCallStarted(ctx context.Context, tx *sql.Tx, e ToolCallStarted) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("step", e.Step),
		positive("seq", e.Seq), text("tool", e.Tool), when("started_at", e.StartedAt)); err != nil {
		return err
	}
	stepID, err := openStep(ctx, tx, e.RunID, e.Task, e.Step)
	if err != nil {
		return err
	}
	c, err := lookupCall(ctx, tx, stepID, e.Seq)
	if err != nil {
		return err
	}
	if c.found {
		return fmt.Errorf("tool call %d of step %d of task %q: %w", e.Seq, e.Step, e.Task, ErrDuplicate)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO tool_calls (step_id, seq, call_id, tool, input, started_at)
		VALUES (?, ?, ?, ?, ?, ?)`, stepID, e.Seq, e.CallID, e.Tool, string(e.Input), ms(e.StartedAt)); err != nil {
		return fmt.Errorf("insert tool call %d of step %d of task %q: %w", e.Seq, e.Step, e.Task, err)
	}
	return nil
}

func recordToolCallFinished(ctx context.Context, tx *sql.Tx, e ToolCallFinished) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("step", e.Step),
		positive("seq", e.Seq), when("finished_at", e.FinishedAt)); err != nil {
		return err
	}
	switch e.Outcome {
	case OutcomeOK, OutcomeError, OutcomeDenied, OutcomeNotRun:
	default:
		return fmt.Errorf("%w: outcome %q is not one of ok, error, denied, not_run", ErrInvalidEvent, e.Outcome)
	}
	st, err := findStep(ctx, tx, e.RunID, e.Task, e.Step)
	if err != nil {
		return err
	}
	c, err := lookupCall(ctx, tx, st.id, e.Seq)
	switch {
	case err != nil:
		return err
	case !c.found:
		return fmt.Errorf("tool call %d of step %d of task %q: %w", e.Seq, e.Step, e.Task, ErrNotStarted)
	case c.finished:
		return fmt.Errorf("tool call %d of step %d of task %q: %w", e.Seq, e.Step, e.Task, ErrFinished)
	}
	_, err = tx.ExecContext(ctx, `UPDATE tool_calls SET finished_at = ?, outcome = ?, summary = ?, reason = ?, rule = ?
		WHERE id = ?`, ms(e.FinishedAt), e.Outcome, e.Summary, e.Reason, e.Rule, c.id)
	if err != nil {
		return fmt.Errorf("update tool call %d of step %d of task %q: %w", e.Seq, e.Step, e.Task, err)
	}
	return nil
}

// ms is the stored form of a time: Unix milliseconds, which are UTC by
// definition.
func ms(t time.Time) int64 { return t.UnixMilli() }

// validate returns the first error of checks.
func validate(checks ...error) error {
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

func text(field, v string) error {
	if v == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidEvent, field)
	}
	return nil
}

func when(field string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%w: %s is not set", ErrInvalidEvent, field)
	}
	return nil
}

func notNegative(field string, n int) error {
	if n < 0 {
		return fmt.Errorf("%w: %s is %d, want 0 or more", ErrInvalidEvent, field, n)
	}
	return nil
}

func positive(field string, n int) error {
	if n < 1 {
		return fmt.Errorf("%w: %s is %d, want 1 or more", ErrInvalidEvent, field, n)
	}
	return nil
}

// reason checks a RunFinished.Reason: "" (left to the report), one of the
// Reason constants, a LimitReason of a known limit or a SignalReason.
func reason(r string) error {
	switch r {
	case "", ReasonCompleted, ReasonChecksFailed, ReasonCancelled, ReasonProviderError,
		ReasonPolicyViolation, ReasonRepoError, ReasonError:
		return nil
	}
	if limit, ok := strings.CutPrefix(r, limitReasonPrefix); ok {
		switch limit {
		case LimitMaxSteps, LimitMaxTokens, LimitMaxCostUSD, LimitTimeout:
			return nil
		}
	}
	if sig, ok := strings.CutPrefix(r, signalReasonPrefix); ok && isSignalName(sig) {
		return nil
	}
	return fmt.Errorf("%w: terminal reason %q is not a known reason, limit:<limit> or cancelled:<SIGNAL>", ErrInvalidEvent, r)
}

// isSignalName reports whether s has the form SignalReason's argument
// takes: SIGTERM, SIGHUP, SIGRTMIN1.
func isSignalName(s string) bool {
	rest, ok := strings.CutPrefix(s, "SIG")
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
