package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

func recordRunResumed(ctx context.Context, tx *sql.Tx, e RunResumed) error {
	if err := validate(text("run id", e.RunID), when("at", e.At)); err != nil {
		return err
	}
	if _, found, err := runFinished(ctx, tx, e.RunID); err != nil {
		return err
	} else if !found {
		return fmt.Errorf("run %q: %w", e.RunID, ErrNotStarted)
	}
	_, err := tx.ExecContext(ctx, `UPDATE runs SET finished_at = NULL, status = 'running', exit_code = 0,
		error = '', terminal_reason = '', resumes = resumes + 1 WHERE id = ?`, e.RunID)
	if err != nil {
		return fmt.Errorf("resume run %q: %w", e.RunID, err)
	}
	return nil
}

func recordTaskResumed(ctx context.Context, tx *sql.Tx, e TaskResumed) error {
	if err := validate(text("run id", e.RunID), text("task", e.Task), when("at", e.At)); err != nil {
		return err
	}
	if err := openRun(ctx, tx, e.RunID); err != nil {
		return err
	}
	t, err := lookupTask(ctx, tx, e.RunID, e.Task)
	switch {
	case err != nil:
		return err
	case !t.started:
		return fmt.Errorf("task %q of run %q: %w", e.Task, e.RunID, ErrNotStarted)
	case t.finished != e.Reopened:
		return fmt.Errorf("%w: task %q of run %q: reopened is %v but the task is recorded as finished=%v",
			ErrInvalidEvent, e.Task, e.RunID, e.Reopened, t.finished)
	}
	_, err = tx.ExecContext(ctx, `UPDATE tasks SET finished_at = NULL, status = 'running', error = '',
		limit_reached = '', resumes = resumes + 1 WHERE id = ?`, t.id)
	if err != nil {
		return fmt.Errorf("resume task %q of run %q: %w", e.Task, e.RunID, err)
	}
	return nil
}

// RunState is what the store knows of a run, in the detail a resume needs.
type RunState struct {
	RunID          string
	TaskFile       string
	TaskFileData   []byte // nil for runs recorded before schema version 6
	Options        string // RunStarted.Options; "" before schema version 8
	Status         string
	Finished       bool
	BaseCommit     string
	OriginalBranch string
	Tasks          []TaskState // in the run's order
}

// TaskState is one task of a RunState.
type TaskState struct {
	Name              string
	Status            string
	Started, Finished bool
	Branch            string
	BaseCommit        string
	StartCommit       string
	SnapshotCommit    string
	Messages          []StoredMessage
	Steps             []StepState
	Calls             []CallState
	// CheckRounds is the highest round of checks recorded.
	CheckRounds int
}

// StoredMessage is a recorded message: an llm.Message as JSON.
type StoredMessage struct {
	Step    int
	Role    string
	Content json.RawMessage
}

// StepState is a recorded step.
type StepState struct {
	Step     int
	Finished bool
	Answered bool
	// CommitStarted says the step's commit intent was recorded.
	CommitStarted bool
	Commit        string
	Usage         Usage
}

// CallState is a recorded tool call.
type CallState struct {
	Step, Seq        int
	CallID, Tool     string
	Input            json.RawMessage
	Finished         bool
	Outcome, Summary string
}

// RunState reads a run for a resume, from one consistent snapshot. An
// unknown id returns an error wrapping ErrRunNotFound.
func (s *Store) RunState(ctx context.Context, runID string) (*RunState, error) {
	var st *RunState
	err := s.inTx(ctx, &sql.TxOptions{ReadOnly: true}, func(tx *sql.Tx) error {
		var err error
		st, err = loadRunState(ctx, tx, runID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read run %q: %w", runID, err)
	}
	return st, nil
}

func loadRunState(ctx context.Context, tx *sql.Tx, runID string) (*RunState, error) {
	st := &RunState{RunID: runID}
	var finished sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT task_file, task_file_data, status, finished_at, base_commit, original_branch, options
		FROM runs WHERE id = ?`, runID).Scan(&st.TaskFile, &st.TaskFileData, &st.Status, &finished, &st.BaseCommit, &st.OriginalBranch, &st.Options)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrRunNotFound, runID)
	}
	if err != nil {
		return nil, err
	}
	st.Finished = finished.Valid
	rows, err := tx.QueryContext(ctx, `SELECT id, name, status, started_at, finished_at, branch, base_commit,
		start_commit, snapshot_commit FROM tasks WHERE run_id = ? ORDER BY position`, runID)
	if err != nil {
		return nil, err
	}
	ids := map[int64]int{}
	for rows.Next() {
		var (
			id                int64
			t                 TaskState
			started, finished sql.NullInt64
		)
		if err := rows.Scan(&id, &t.Name, &t.Status, &started, &finished, &t.Branch, &t.BaseCommit, &t.StartCommit, &t.SnapshotCommit); err != nil {
			rows.Close()
			return nil, err
		}
		t.Started, t.Finished = started.Valid, finished.Valid
		ids[id] = len(st.Tasks)
		st.Tasks = append(st.Tasks, t)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	// Messages, steps, calls and check rounds, each in one query.
	if err := scanRows(ctx, tx, `SELECT m.task_id, m.step, m.role, m.content FROM messages m
		JOIN tasks t ON t.id = m.task_id WHERE t.run_id = ? ORDER BY m.id`, runID, func(rows *sql.Rows) error {
		var taskID int64
		var m StoredMessage
		var content string
		if err := rows.Scan(&taskID, &m.Step, &m.Role, &content); err != nil {
			return err
		}
		m.Content = json.RawMessage(content)
		t := &st.Tasks[ids[taskID]]
		t.Messages = append(t.Messages, m)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	if err := scanRows(ctx, tx, `SELECT s.task_id, s.step, s.finished_at, s.answered_at, s.commit_started_at, s.commit_sha,
		s.input_tokens, s.output_tokens, s.cache_read_tokens, s.cache_write_tokens FROM steps s
		JOIN tasks t ON t.id = s.task_id WHERE t.run_id = ? ORDER BY s.task_id, s.step`, runID, func(rows *sql.Rows) error {
		var taskID int64
		var s StepState
		var finished, answered, commitStarted sql.NullInt64
		if err := rows.Scan(&taskID, &s.Step, &finished, &answered, &commitStarted, &s.Commit, &s.Usage.InputTokens,
			&s.Usage.OutputTokens, &s.Usage.CacheReadTokens, &s.Usage.CacheWriteTokens); err != nil {
			return err
		}
		s.Finished, s.Answered, s.CommitStarted = finished.Valid, answered.Valid, commitStarted.Valid
		t := &st.Tasks[ids[taskID]]
		t.Steps = append(t.Steps, s)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read steps: %w", err)
	}
	if err := scanRows(ctx, tx, `SELECT s.task_id, s.step, c.seq, c.call_id, c.tool, c.input, c.finished_at,
		c.outcome, c.summary FROM tool_calls c JOIN steps s ON s.id = c.step_id JOIN tasks t ON t.id = s.task_id
		WHERE t.run_id = ? ORDER BY s.task_id, s.step, c.seq`, runID, func(rows *sql.Rows) error {
		var taskID int64
		var c CallState
		var input string
		var finished sql.NullInt64
		if err := rows.Scan(&taskID, &c.Step, &c.Seq, &c.CallID, &c.Tool, &input, &finished, &c.Outcome, &c.Summary); err != nil {
			return err
		}
		c.Input, c.Finished = json.RawMessage(input), finished.Valid
		t := &st.Tasks[ids[taskID]]
		t.Calls = append(t.Calls, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read tool calls: %w", err)
	}
	if err := scanRows(ctx, tx, `SELECT c.task_id, MAX(c.round) FROM checks c JOIN tasks t ON t.id = c.task_id
		WHERE t.run_id = ? GROUP BY c.task_id`, runID, func(rows *sql.Rows) error {
		var taskID int64
		var rounds int
		if err := rows.Scan(&taskID, &rounds); err != nil {
			return err
		}
		st.Tasks[ids[taskID]].CheckRounds = rounds
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read checks: %w", err)
	}
	return st, nil
}

// scanRows runs query with one argument and calls scan for every row.
func scanRows(ctx context.Context, tx *sql.Tx, query string, arg any, scan func(rows *sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
