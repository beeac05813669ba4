package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// row is what the lifecycle checks need to know about a stored run, task,
// step or tool call.
type row struct {
	id       int64
	found    bool
	started  bool
	finished bool
}

// runFinished reports whether run id exists and whether it has finished.
func runFinished(ctx context.Context, tx *sql.Tx, runID string) (finished, found bool, err error) {
	var fin sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT finished_at FROM runs WHERE id = ?`, runID).Scan(&fin)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("read run %q: %w", runID, err)
	}
	return fin.Valid, true, nil
}

// openRun returns nil when run id has started and not finished.
func openRun(ctx context.Context, tx *sql.Tx, runID string) error {
	finished, found, err := runFinished(ctx, tx, runID)
	switch {
	case err != nil:
		return err
	case !found:
		return fmt.Errorf("run %q: %w", runID, ErrNotStarted)
	case finished:
		return fmt.Errorf("run %q: %w", runID, ErrFinished)
	}
	return nil
}

// lookupTask finds a task by run and name. A task the run only planned is
// found but not started.
func lookupTask(ctx context.Context, tx *sql.Tx, runID, name string) (row, error) {
	var (
		r        = row{found: true}
		started  sql.NullInt64
		finished sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `SELECT id, started_at, finished_at FROM tasks WHERE run_id = ? AND name = ?`,
		runID, name).Scan(&r.id, &started, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, nil
	}
	if err != nil {
		return row{}, fmt.Errorf("read task %q of run %q: %w", name, runID, err)
	}
	r.started, r.finished = started.Valid, finished.Valid
	return r, nil
}

// startedTask returns a task that has started, finished or not: the ones
// that have a branch to check, roll back or push.
func startedTask(ctx context.Context, tx *sql.Tx, runID, name string) (row, error) {
	t, err := lookupTask(ctx, tx, runID, name)
	if err != nil {
		return row{}, err
	}
	if !t.started {
		return row{}, fmt.Errorf("task %q of run %q: %w", name, runID, ErrNotStarted)
	}
	return t, nil
}

// openTask returns the id of a task that has started and not finished.
func openTask(ctx context.Context, tx *sql.Tx, runID, name string) (int64, error) {
	t, err := startedTask(ctx, tx, runID, name)
	if err != nil {
		return 0, err
	}
	if t.finished {
		return 0, fmt.Errorf("task %q of run %q: %w", name, runID, ErrFinished)
	}
	return t.id, nil
}

func lookupStep(ctx context.Context, tx *sql.Tx, taskID int64, step int) (row, error) {
	var (
		r        = row{found: true, started: true}
		finished sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `SELECT id, finished_at FROM steps WHERE task_id = ? AND step = ?`,
		taskID, step).Scan(&r.id, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, nil
	}
	if err != nil {
		return row{}, fmt.Errorf("read step %d: %w", step, err)
	}
	r.finished = finished.Valid
	return r, nil
}

// findStep returns a step of a started task; a missing task or step is
// ErrNotStarted.
func findStep(ctx context.Context, tx *sql.Tx, runID, task string, step int) (row, error) {
	t, err := startedTask(ctx, tx, runID, task)
	if err != nil {
		return row{}, err
	}
	st, err := lookupStep(ctx, tx, t.id, step)
	if err != nil {
		return row{}, err
	}
	if !st.found {
		return row{}, fmt.Errorf("step %d of task %q: %w", step, task, ErrNotStarted)
	}
	return st, nil
}

// openStep returns the id of a step that has started and not finished.
// Whether the step's task has finished is the task's business, not the
// step's.
func openStep(ctx context.Context, tx *sql.Tx, runID, task string, step int) (int64, error) {
	st, err := findStep(ctx, tx, runID, task, step)
	if err != nil {
		return 0, err
	}
	if st.finished {
		return 0, fmt.Errorf("step %d of task %q: %w", step, task, ErrFinished)
	}
	return st.id, nil
}

func lookupCall(ctx context.Context, tx *sql.Tx, stepID int64, seq int) (row, error) {
	var (
		r        = row{found: true, started: true}
		finished sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `SELECT id, finished_at FROM tool_calls WHERE step_id = ? AND seq = ?`,
		stepID, seq).Scan(&r.id, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, nil
	}
	if err != nil {
		return row{}, fmt.Errorf("read tool call %d: %w", seq, err)
	}
	r.finished = finished.Valid
	return r, nil
}
