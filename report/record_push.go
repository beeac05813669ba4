package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

func recordPushStarted(ctx context.Context, tx *sql.Tx, e PushStarted) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), when("at", e.At),
		text("remote", e.Remote), text("branch", e.Branch), text("commit", e.Commit)); err != nil {
		return err
	}
	// A branch is pushed after its task, often after its run: only a task
	// that started has one.
	t, err := startedTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	// An earlier push left unfinished (its process died) stays as it is:
	// it explains what happened, and this push is a new attempt.
	if _, err := tx.ExecContext(ctx, `INSERT INTO pushes (task_id, started_at, remote, branch, commit_sha)
		VALUES (?, ?, ?, ?, ?)`, t.id, ms(e.At), e.Remote, e.Branch, e.Commit); err != nil {
		return fmt.Errorf("insert push of task %q: %w", e.Task, err)
	}
	return nil
}

func recordPushFinished(ctx context.Context, tx *sql.Tx, e PushFinished) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), when("at", e.At)); err != nil {
		return err
	}
	switch e.Result {
	case PushPushed, PushUpToDate:
		if e.Error != "" {
			return fmt.Errorf("%w: a push that succeeded has no error, got %q", ErrInvalidEvent, e.Error)
		}
	case PushRejected, PushFailed:
		if e.Error == "" {
			return fmt.Errorf("%w: a push that %s needs an error saying why", ErrInvalidEvent, e.Result)
		}
		if e.PR != nil {
			return fmt.Errorf("%w: a push that %s opened no pull request", ErrInvalidEvent, e.Result)
		}
	default:
		return fmt.Errorf("%w: push result %q is not one of pushed, up_to_date, rejected, failed", ErrInvalidEvent, e.Result)
	}
	if pr := e.PR; pr != nil && (pr.Number < 1 || pr.URL == "" || pr.State == "") {
		return fmt.Errorf("%w: a pull request needs a number of 1 or more, a URL and a state, got %+v", ErrInvalidEvent, *pr)
	}
	t, err := startedTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	var (
		id       int64
		finished sql.NullInt64
	)
	err = tx.QueryRowContext(ctx, `SELECT id, finished_at FROM pushes WHERE task_id = ? ORDER BY id DESC LIMIT 1`, t.id).
		Scan(&id, &finished)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("push of task %q: %w", e.Task, ErrNotStarted)
	case err != nil:
		return fmt.Errorf("read push of task %q: %w", e.Task, err)
	case finished.Valid:
		return fmt.Errorf("push of task %q: %w", e.Task, ErrFinished)
	}
	var (
		number     sql.NullInt64
		url, state string
	)
	if pr := e.PR; pr != nil {
		number = sql.NullInt64{Int64: int64(pr.Number), Valid: true}
		url, state = pr.URL, pr.State
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pushes SET finished_at = ?, result = ?, error = ?,
		pr_number = ?, pr_url = ?, pr_state = ? WHERE id = ?`,
		ms(e.At), e.Result, e.Error, number, url, state, id); err != nil {
		return fmt.Errorf("update push of task %q: %w", e.Task, err)
	}
	return nil
}
