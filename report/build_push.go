package report

import (
	"context"
	"database/sql"
	"fmt"
)

// loadPushes keeps each task's last push, and the pull request its pushes
// last opened or updated: a later push that failed leaves that pull
// request where it was.
func (l *loaded) loadPushes(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT p.task_id, p.remote, p.branch, p.commit_sha, p.started_at,
		p.finished_at, p.result, p.error, p.pr_number, p.pr_url, p.pr_state
		FROM pushes p JOIN tasks t ON t.id = p.task_id WHERE t.run_id = ? ORDER BY p.task_id, p.id`, runID)
	if err != nil {
		return fmt.Errorf("read pushes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			taskID   int64
			p        PushInfo
			started  int64
			finished sql.NullInt64
			number   sql.NullInt64
			pr       PRInfo
		)
		if err := rows.Scan(&taskID, &p.Remote, &p.Branch, &p.Commit, &started, &finished, &p.Result, &p.Error,
			&number, &pr.URL, &pr.State); err != nil {
			return fmt.Errorf("read push: %w", err)
		}
		p.StartedAt, p.FinishedAt, _ = span(sql.NullInt64{Int64: started, Valid: true}, finished)
		task := &l.report.Tasks[l.taskIdx[taskID]]
		task.Push = &p
		if number.Valid {
			pr.Number = int(number.Int64)
			task.PR = &pr
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read pushes: %w", err)
	}
	return nil
}
