package report

import (
	"context"
	"database/sql"
	"fmt"
)

// loadPromptInfo reads what the tasks' prompts were made from: the
// instruction files given to the model, the prompts' commands, and a
// plan-mode task's plan.
func (l *loaded) loadPromptInfo(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT i.task_id, i.path, i.step, i.bytes, i.truncated, i.source, i.commit_hash
		FROM instructions i JOIN tasks t ON t.id = i.task_id WHERE t.run_id = ? ORDER BY i.task_id, i.step, i.id`, runID)
	if err != nil {
		return fmt.Errorf("read instruction files: %w", err)
	}
	err = eachRow(rows, func() error {
		var (
			taskID int64
			in     InstructionReport
		)
		if err := rows.Scan(&taskID, &in.Path, &in.Step, &in.Bytes, &in.Truncated, &in.Source, &in.Commit); err != nil {
			return fmt.Errorf("read instruction file: %w", err)
		}
		task := &l.report.Tasks[l.taskIdx[taskID]]
		task.Instructions = append(task.Instructions, in)
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT c.task_id, c.command, c.exit_code, c.duration_ms, c.output_bytes, c.error, c.interrupted
		FROM prompt_commands c JOIN tasks t ON t.id = c.task_id WHERE t.run_id = ? ORDER BY c.task_id, c.seq`, runID)
	if err != nil {
		return fmt.Errorf("read prompt commands: %w", err)
	}
	err = eachRow(rows, func() error {
		var (
			taskID int64
			c      PromptCommandReport
		)
		if err := rows.Scan(&taskID, &c.Command, &c.ExitCode, &c.DurationMS, &c.OutputBytes, &c.Error, &c.Interrupted); err != nil {
			return fmt.Errorf("read prompt command: %w", err)
		}
		task := &l.report.Tasks[l.taskIdx[taskID]]
		task.PromptCommands = append(task.PromptCommands, c)
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, plan FROM tasks WHERE run_id = ? AND plan != ''`, runID)
	if err != nil {
		return fmt.Errorf("read plans: %w", err)
	}
	return eachRow(rows, func() error {
		var (
			taskID int64
			plan   string
		)
		if err := rows.Scan(&taskID, &plan); err != nil {
			return fmt.Errorf("read plan: %w", err)
		}
		l.report.Tasks[l.taskIdx[taskID]].Plan = plan
		return nil
	})
}

// eachRow calls scan for every row of rows, then closes them.
func eachRow(rows *sql.Rows, scan func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rows: %w", err)
	}
	return nil
}
