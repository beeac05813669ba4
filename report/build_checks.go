package report

import (
	"context"
	"database/sql"
	"fmt"
)

func (l *loaded) loadChecks(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT c.task_id, c.round, c.command, c.started_at, c.finished_at,
		c.exit_code, c.passed, c.output, c.error FROM checks c JOIN tasks t ON t.id = c.task_id
		WHERE t.run_id = ? ORDER BY c.task_id, c.round, c.seq`, runID)
	if err != nil {
		return fmt.Errorf("read checks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			taskID   int64
			c        CheckReport
			started  int64
			finished sql.NullInt64
		)
		if err := rows.Scan(&taskID, &c.Round, &c.Command, &started, &finished,
			&c.ExitCode, &c.Passed, &c.Output, &c.Error); err != nil {
			return fmt.Errorf("read check: %w", err)
		}
		c.StartedAt, c.FinishedAt, c.DurationMS = span(sql.NullInt64{Int64: started, Valid: true}, finished)
		task := &l.report.Tasks[l.taskIdx[taskID]]
		task.Checks = append(task.Checks, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read checks: %w", err)
	}
	return nil
}

// loadRollbacks keeps each task's last rollback: the one that says where
// its branch is now. Earlier ones stay in the store, with their backups.
func (l *loaded) loadRollbacks(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT r.task_id, r.backup_ref, r.to_commit FROM rollbacks r
		JOIN tasks t ON t.id = r.task_id WHERE t.run_id = ? ORDER BY r.task_id, r.at, r.id`, runID)
	if err != nil {
		return fmt.Errorf("read rollbacks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			taskID int64
			rb     RollbackInfo
		)
		if err := rows.Scan(&taskID, &rb.BackupRef, &rb.To); err != nil {
			return fmt.Errorf("read rollback: %w", err)
		}
		l.report.Tasks[l.taskIdx[taskID]].Rollback = rb
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rollbacks: %w", err)
	}
	return nil
}
