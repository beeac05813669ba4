package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// LastRunID returns the id of the run that started last (the one recorded
// last when two started in the same millisecond), or ErrNoRuns.
func (s *Store) LastRunID(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM runs ORDER BY started_at DESC, seq DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoRuns
	}
	if err != nil {
		return "", fmt.Errorf("read last run: %w", err)
	}
	return id, nil
}

// Report builds the report of run runID from one consistent snapshot of
// the store. It renders whatever state the run is in: a run that is still
// going, or died, reports as StatusRunning. An unknown id returns an error
// wrapping ErrRunNotFound.
func (s *Store) Report(ctx context.Context, runID string) (*Report, error) {
	var r *Report
	err := s.inTx(ctx, &sql.TxOptions{ReadOnly: true}, func(tx *sql.Tx) error {
		var err error
		r, err = loadReport(ctx, tx, runID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("report run %q: %w", runID, err)
	}
	return r, nil
}

// loaded holds the rows of one run while the report is assembled.
type loaded struct {
	report  *Report
	taskIdx map[int64]int      // task id → index in report.Tasks
	stepIdx map[int64][2]int   // step id → task index, step index
	files   map[int64][]string // step id → committed paths
	// started holds each task's start in Unix ms, 0 when it never
	// started, by index in report.Tasks.
	started []int64
	// tools holds each task's calls by tool, by index in report.Tasks.
	tools []map[string]ToolStats
	// reason is the terminal reason the run recorded, "" when none.
	reason string
}

func loadReport(ctx context.Context, tx *sql.Tx, runID string) (*Report, error) {
	l := &loaded{
		report:  &Report{SchemaVersion: SchemaVersion, Tasks: []TaskReport{}},
		taskIdx: map[int64]int{},
		stepIdx: map[int64][2]int{},
		files:   map[int64][]string{},
	}
	loaders := []func(context.Context, *sql.Tx, string) error{
		l.loadRun, l.loadTasks, l.loadMessageCounts, l.loadFiles, l.loadSteps, l.loadToolCalls,
		l.loadChecks, l.loadRollbacks, l.loadPushes, l.loadPromptInfo,
	}
	for _, load := range loaders {
		if err := load(ctx, tx, runID); err != nil {
			return nil, err
		}
	}
	l.summarize()
	return l.report, nil
}

func (l *loaded) loadRun(ctx context.Context, tx *sql.Tx, runID string) error {
	var (
		run              = &l.report.Run
		repo             = &l.report.Repo
		started          int64
		finished         sql.NullInt64
		status, errorMsg string
	)
	err := tx.QueryRowContext(ctx, `SELECT id, started_at, finished_at, status, exit_code, error, terminal_reason,
		repo_root, task_file, version, base_commit, original_branch FROM runs WHERE id = ?`, runID).
		Scan(&run.ID, &started, &finished, &status, &run.ExitCode, &errorMsg, &l.reason,
			&repo.Root, &run.TaskFile, &run.Version, &repo.BaseCommit, &repo.OriginalBranch)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrRunNotFound
	}
	if err != nil {
		return fmt.Errorf("read run: %w", err)
	}
	run.Status, run.Error = status, errorMsg
	run.StartedAt, run.FinishedAt, run.DurationMS = span(sql.NullInt64{Int64: started, Valid: true}, finished)
	return nil
}

func (l *loaded) loadTasks(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, status, limit_reached, started_at, finished_at, approval,
		provider, model, branch, base_commit, start_commit, snapshot_commit, head_commit,
		final_message, error FROM tasks WHERE run_id = ? ORDER BY position`, runID)
	if err != nil {
		return fmt.Errorf("read tasks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                int64
			t                 = TaskReport{Steps: []StepReport{}, Denied: []DeniedCall{}, Checks: []CheckReport{}}
			started, finished sql.NullInt64
		)
		if err := rows.Scan(&id, &t.Name, &t.Status, &t.Limit, &started, &finished, &t.Approval,
			&t.Model.Provider, &t.Model.Name, &t.Branch, &t.BaseCommit, &t.StartCommit,
			&t.SnapshotCommit, &t.HeadCommit, &t.FinalMessage, &t.Error); err != nil {
			return fmt.Errorf("read task: %w", err)
		}
		t.StartedAt, t.FinishedAt, t.DurationMS = span(started, finished)
		t.Instructions, t.PromptCommands = []InstructionReport{}, []PromptCommandReport{}
		l.taskIdx[id] = len(l.report.Tasks)
		l.report.Tasks = append(l.report.Tasks, t)
		l.started = append(l.started, started.Int64)
		l.tools = append(l.tools, map[string]ToolStats{})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read tasks: %w", err)
	}
	return nil
}

func (l *loaded) loadMessageCounts(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT m.task_id, COUNT(*) FROM messages m
		JOIN tasks t ON t.id = m.task_id WHERE t.run_id = ? GROUP BY m.task_id`, runID)
	if err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return fmt.Errorf("count messages: %w", err)
		}
		l.report.Tasks[l.taskIdx[id]].Stats.Messages = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	return nil
}

func (l *loaded) loadFiles(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT f.step_id, f.path FROM step_files f
		JOIN steps s ON s.id = f.step_id JOIN tasks t ON t.id = s.task_id
		WHERE t.run_id = ? ORDER BY f.step_id, f.position`, runID)
	if err != nil {
		return fmt.Errorf("read step files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			return fmt.Errorf("read step files: %w", err)
		}
		l.files[id] = append(l.files[id], p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read step files: %w", err)
	}
	return nil
}

func (l *loaded) loadSteps(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.task_id, s.step, s.started_at, s.finished_at,
		s.answered_at, s.commit_started_at, s.stop_reason, s.input_tokens, s.output_tokens, s.cache_read_tokens,
		s.cache_write_tokens, s.cost_usd, s.attempts, s.commit_sha, s.insertions, s.deletions
		FROM steps s JOIN tasks t ON t.id = s.task_id
		WHERE t.run_id = ? ORDER BY s.task_id, s.step`, runID)
	if err != nil {
		return fmt.Errorf("read steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, taskID                                 int64
			st                                         = StepReport{Tools: []string{}}
			started, finished, answered, commitStarted sql.NullInt64
			cost                                       sql.NullFloat64
			tok                                        = &st.Tokens
		)
		if err := rows.Scan(&id, &taskID, &st.Step, &started, &finished, &answered, &commitStarted, &st.StopReason,
			&tok.Input, &tok.Output, &tok.CacheRead, &tok.CacheWrite, &cost, &st.Attempts, &st.Commit,
			&st.Insertions, &st.Deletions); err != nil {
			return fmt.Errorf("read step: %w", err)
		}
		st.StartedAt, _, st.DurationMS = span(started, finished)
		_, _, st.ModelMS = span(started, answered)
		_, _, st.CommitMS = span(commitStarted, finished)
		st.CostUSD = stepCost(answered, cost)
		st.Files = l.files[id]
		if st.Files == nil {
			st.Files = []string{}
		}
		ti := l.taskIdx[taskID]
		task := &l.report.Tasks[ti]
		l.stepIdx[id] = [2]int{ti, len(task.Steps)}
		task.Steps = append(task.Steps, st)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read steps: %w", err)
	}
	return nil
}

func (l *loaded) loadToolCalls(ctx context.Context, tx *sql.Tx, runID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT c.step_id, c.seq, c.tool, c.outcome, c.started_at, c.finished_at,
		CASE c.outcome WHEN 'denied' THEN c.input ELSE '' END, c.rule, c.reason FROM tool_calls c
		JOIN steps s ON s.id = c.step_id JOIN tasks t ON t.id = s.task_id
		WHERE t.run_id = ? ORDER BY c.step_id, c.seq`, runID)
	if err != nil {
		return fmt.Errorf("read tool calls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			stepID                          int64
			seq                             int
			tool, outcome, input, rule, why string
			started                         int64
			finished                        sql.NullInt64
		)
		// Only a denied call's input is read: the report lists those,
		// and the others (whole files written) are most of the bytes.
		if err := rows.Scan(&stepID, &seq, &tool, &outcome, &started, &finished, &input, &rule, &why); err != nil {
			return fmt.Errorf("read tool call: %w", err)
		}
		at := l.stepIdx[stepID]
		task := &l.report.Tasks[at[0]]
		st := &task.Steps[at[1]]
		st.Tools = append(st.Tools, tool)
		_, _, took := span(sql.NullInt64{Int64: started, Valid: true}, finished)
		st.ToolsMS += took
		ts := l.tools[at[0]][tool]
		ts.Calls++
		ts.DurationMS += took
		switch outcome {
		case OutcomeOK:
			ts.OK++
		case OutcomeError:
			ts.Error++
		case OutcomeDenied:
			ts.Denied++
			st.Denials++
			task.Denied = append(task.Denied, DeniedCall{Step: st.Step, Seq: seq, Tool: tool, Input: rawInput(input), Rule: rule, Reason: why})
		case OutcomeNotRun:
			ts.NotRun++
		}
		l.tools[at[0]][tool] = ts
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read tool calls: %w", err)
	}
	return nil
}

// costScale sets the precision of the costs the report shows: 1e-10 US
// dollars, far below the price of any token, and coarse enough that float
// rounding (0.1 + 0.2) never shows in a report. Dividing by the exact
// 1e10, rather than multiplying by the inexact 1e-10, gives the double
// nearest to the rounded decimal, which JSON prints in its short form.
const costScale = 1e10

// knownCost returns a known cost, rounded to 1/costScale dollars.
func knownCost(usd float64) *float64 {
	rounded := math.Round(usd*costScale) / costScale
	return &rounded
}

// stepCost is a step's cost as stored: unknown (NULL) for an answer whose
// price was unknown, and 0 for a step that never got an answer, since no
// tokens were counted for it either.
func stepCost(answered sql.NullInt64, cost sql.NullFloat64) *float64 {
	switch {
	case !answered.Valid:
		return knownCost(0)
	case !cost.Valid:
		return nil
	}
	return knownCost(cost.Float64)
}

// addCost adds two costs; the sum is unknown when either part is.
func addCost(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return knownCost(*a + *b)
}

// span turns stored start and finish times into the report's strings and
// duration. A duration is 0 until the finish is known, and never negative
// even when the clock stepped back between the two events.
func span(started, finished sql.NullInt64) (start, finish string, durationMS int64) {
	if started.Valid {
		start = timestamp(started.Int64)
	}
	if finished.Valid {
		finish = timestamp(finished.Int64)
		if started.Valid {
			durationMS = max(finished.Int64-started.Int64, 0)
		}
	}
	return start, finish, durationMS
}

func timestamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
}

// rawInput returns a stored tool input as JSON; input that is not valid JSON
// (the model's mistake, kept as sent) becomes a JSON string.
func rawInput(input string) json.RawMessage {
	if json.Valid([]byte(input)) {
		return json.RawMessage(input)
	}
	b, _ := json.Marshal(input)
	return b
}
