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
		l.loadChecks, l.loadRollbacks,
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
	err := tx.QueryRowContext(ctx, `SELECT id, started_at, finished_at, status, exit_code, error,
		repo_root, task_file, version, base_commit, original_branch FROM runs WHERE id = ?`, runID).
		Scan(&run.ID, &started, &finished, &status, &run.ExitCode, &errorMsg,
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
		l.taskIdx[id] = len(l.report.Tasks)
		l.report.Tasks = append(l.report.Tasks, t)
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
		s.answered_at, s.stop_reason, s.input_tokens, s.output_tokens, s.cache_read_tokens,
		s.cache_write_tokens, s.cost_usd, s.attempts, s.commit_sha FROM steps s JOIN tasks t ON t.id = s.task_id
		WHERE t.run_id = ? ORDER BY s.task_id, s.step`, runID)
	if err != nil {
		return fmt.Errorf("read steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, taskID                  int64
			st                          = StepReport{Tools: []string{}}
			started, finished, answered sql.NullInt64
			cost                        sql.NullFloat64
			tok                         = &st.Tokens
		)
		if err := rows.Scan(&id, &taskID, &st.Step, &started, &finished, &answered, &st.StopReason,
			&tok.Input, &tok.Output, &tok.CacheRead, &tok.CacheWrite, &cost, &st.Attempts, &st.Commit); err != nil {
			return fmt.Errorf("read step: %w", err)
		}
		st.StartedAt, _, st.DurationMS = span(started, finished)
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
	rows, err := tx.QueryContext(ctx, `SELECT c.step_id, c.seq, c.tool, c.outcome, c.input, c.rule, c.reason FROM tool_calls c
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
		)
		if err := rows.Scan(&stepID, &seq, &tool, &outcome, &input, &rule, &why); err != nil {
			return fmt.Errorf("read tool call: %w", err)
		}
		at := l.stepIdx[stepID]
		task := &l.report.Tasks[at[0]]
		st := &task.Steps[at[1]]
		st.Tools = append(st.Tools, tool)
		if outcome == OutcomeDenied {
			st.Denials++
			task.Denied = append(task.Denied, DeniedCall{Step: st.Step, Seq: seq, Tool: tool, Input: rawInput(input), Rule: rule, Reason: why})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read tool calls: %w", err)
	}
	return nil
}

// summarize fills each task's stats from its steps (the message count is
// already there), then the totals.
func (l *loaded) summarize() {
	r := l.report
	totals := Stats{ToolCalls: map[string]int{}, CostUSD: knownCost(0)}
	allFiles := map[string]bool{}
	for i := range r.Tasks {
		t := &r.Tasks[i]
		st := Stats{DurationMS: t.DurationMS, Steps: len(t.Steps), Messages: t.Stats.Messages,
			ToolCalls: map[string]int{}, CostUSD: knownCost(0)}
		files := map[string]bool{}
		for _, step := range t.Steps {
			for _, tool := range step.Tools {
				st.ToolCalls[tool]++
			}
			st.ToolCallsTotal += len(step.Tools)
			st.Denials += step.Denials
			st.Tokens = st.Tokens.add(step.Tokens)
			st.CostUSD = addCost(st.CostUSD, step.CostUSD)
			st.Attempts += step.Attempts
			if step.Commit != "" {
				st.Commits++
				for _, f := range step.Files {
					files[f] = true
					allFiles[f] = true
				}
			}
		}
		st.FilesChanged = len(files)
		st.ChecksRun = len(t.Checks)
		for _, c := range t.Checks {
			if c.FinishedAt != "" && !c.Passed {
				st.ChecksFailed++
			}
		}
		t.Stats = st

		totals.DurationMS += st.DurationMS
		totals.Steps += st.Steps
		totals.Messages += st.Messages
		for tool, n := range st.ToolCalls {
			totals.ToolCalls[tool] += n
		}
		totals.ToolCallsTotal += st.ToolCallsTotal
		totals.Denials += st.Denials
		totals.Tokens = totals.Tokens.add(st.Tokens)
		totals.CostUSD = addCost(totals.CostUSD, st.CostUSD)
		totals.Attempts += st.Attempts
		totals.Commits += st.Commits
		totals.ChecksRun += st.ChecksRun
		totals.ChecksFailed += st.ChecksFailed
	}
	totals.FilesChanged = len(allFiles)
	r.Totals = totals
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
