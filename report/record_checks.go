package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxCheckOutput is how many bytes of a check's output the store keeps: a
// failing test suite can print megabytes, and the report needs the start
// (what ran) and the end (what failed), not all of it.
const MaxCheckOutput = 16 << 10

// checkOutputHead is how much of a capped output comes from its start; the
// rest comes from its end, where test runners print their failures.
const checkOutputHead = 4 << 10

func recordCheckStarted(ctx context.Context, tx *sql.Tx, e CheckStarted) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("round", e.Round),
		positive("seq", e.Seq), text("command", e.Command), when("started_at", e.StartedAt)); err != nil {
		return err
	}
	taskID, err := openTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	c, err := lookupCheck(ctx, tx, taskID, e.Round, e.Seq)
	if err != nil {
		return err
	}
	if c.found {
		return fmt.Errorf("check %d of round %d of task %q: %w", e.Seq, e.Round, e.Task, ErrDuplicate)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checks (task_id, round, seq, command, started_at)
		VALUES (?, ?, ?, ?, ?)`, taskID, e.Round, e.Seq, e.Command, ms(e.StartedAt)); err != nil {
		return fmt.Errorf("insert check %d of round %d of task %q: %w", e.Seq, e.Round, e.Task, err)
	}
	return nil
}

func recordCheckFinished(ctx context.Context, tx *sql.Tx, e CheckFinished) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), positive("round", e.Round),
		positive("seq", e.Seq), when("finished_at", e.FinishedAt)); err != nil {
		return err
	}
	switch {
	case e.Passed && (e.ExitCode != 0 || e.Error != ""):
		return fmt.Errorf("%w: a passed check has exit code 0 and no error, got exit code %d and error %q", ErrInvalidEvent, e.ExitCode, e.Error)
	case !e.Passed && e.ExitCode == 0 && e.Error == "":
		// Otherwise a failure would read like a check that never finished.
		return fmt.Errorf("%w: a failed check needs a non-zero exit code or an error saying why it has none", ErrInvalidEvent)
	}
	t, err := startedTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	c, err := lookupCheck(ctx, tx, t.id, e.Round, e.Seq)
	switch {
	case err != nil:
		return err
	case !c.found:
		return fmt.Errorf("check %d of round %d of task %q: %w", e.Seq, e.Round, e.Task, ErrNotStarted)
	case c.finished:
		return fmt.Errorf("check %d of round %d of task %q: %w", e.Seq, e.Round, e.Task, ErrFinished)
	}
	_, err = tx.ExecContext(ctx, `UPDATE checks SET finished_at = ?, exit_code = ?, passed = ?, output = ?, error = ?
		WHERE id = ?`, ms(e.FinishedAt), e.ExitCode, e.Passed, capCheckOutput(e.Output), e.Error, c.id)
	if err != nil {
		return fmt.Errorf("update check %d of round %d of task %q: %w", e.Seq, e.Round, e.Task, err)
	}
	return nil
}

func recordTaskRolledBack(ctx context.Context, tx *sql.Tx, e TaskRolledBack) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), when("at", e.At),
		text("backup ref", e.BackupRef), text("from", e.From), text("to", e.To)); err != nil {
		return err
	}
	// Only a started task has a branch to roll back; whether the task or
	// the run has finished does not matter, since rollbacks come after.
	t, err := startedTask(ctx, tx, e.RunID, e.Task)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rollbacks (task_id, at, backup_ref, from_commit, to_commit)
		VALUES (?, ?, ?, ?, ?)`, t.id, ms(e.At), e.BackupRef, e.From, e.To); err != nil {
		return fmt.Errorf("insert rollback of task %q: %w", e.Task, err)
	}
	return nil
}

func lookupCheck(ctx context.Context, tx *sql.Tx, taskID int64, round, seq int) (row, error) {
	var (
		r        = row{found: true, started: true}
		finished sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `SELECT id, finished_at FROM checks WHERE task_id = ? AND round = ? AND seq = ?`,
		taskID, round, seq).Scan(&r.id, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, nil
	}
	if err != nil {
		return row{}, fmt.Errorf("read check %d of round %d: %w", seq, round, err)
	}
	r.finished = finished.Valid
	return r, nil
}

// capCheckOutput keeps at most MaxCheckOutput bytes of s, notice included:
// its head and its tail, cut at character boundaries, with a line saying
// how much was left out between them.
func capCheckOutput(s string) string {
	if len(s) <= MaxCheckOutput {
		return s
	}
	head := validPrefix(s, checkOutputHead)
	// The notice's length depends on the number in it; sizing it for the
	// whole output bounds it for any smaller omission.
	noticeMax := len(omittedNotice(len(s)))
	tail := validSuffix(s, MaxCheckOutput-len(head)-noticeMax)
	return head + omittedNotice(len(s)-len(head)-len(tail)) + tail
}

func omittedNotice(n int) string {
	return fmt.Sprintf("\n[… %d bytes omitted by safe-coder …]\n", n)
}

// validPrefix returns the longest prefix of s of at most n bytes that does
// not cut a character in two.
func validPrefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// validSuffix returns the longest suffix of s of at most n bytes that does
// not cut a character in two.
func validSuffix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	i := len(s) - max(n, 0)
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}
