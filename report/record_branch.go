package report

import (
	"context"
	"database/sql"
	"fmt"
)

// recordBranchStarted names a task's branch before the branch exists: the
// task stays not started (TaskStarted starts it) but its branch and start
// point are known. It needs the run open and the task not started; a task
// the run did not announce is appended, as TaskStarted does. Recording it
// again, as a resumed run does for a task killed before it started,
// replaces the branch.
func recordBranchStarted(ctx context.Context, tx *sql.Tx, e BranchStarted) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), text("branch", e.Branch), when("at", e.At)); err != nil {
		return err
	}
	if err := unstartedTask(ctx, tx, e.RunID, e.Task, "branch of task"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE tasks SET branch = ?, base_commit = ? WHERE run_id = ? AND name = ?`,
		e.Branch, e.From, e.RunID, e.Task)
	if err != nil {
		return fmt.Errorf("update task %q of run %q: %w", e.Task, e.RunID, err)
	}
	return nil
}
