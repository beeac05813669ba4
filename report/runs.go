package report

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// RunSummary is one line of the list of runs: what `safe-coder runs`
// prints. Times and durations follow the report's conventions.
type RunSummary struct {
	ID             string `json:"id"`
	StartedAt      string `json:"started_at"`
	FinishedAt     string `json:"finished_at"`
	DurationMS     int64  `json:"duration_ms"`
	Status         string `json:"status"`
	ExitCode       int    `json:"exit_code"`
	TerminalReason string `json:"terminal_reason"`
	// Tasks counts the tasks the run planned or started.
	Tasks   int `json:"tasks"`
	Steps   int `json:"steps"`
	Commits int `json:"commits"`
	// CostUSD is nil when any answer's price is unknown, as in reports.
	CostUSD *float64 `json:"cost_usd"`
}

// Runs lists the limit runs that started last, newest first (a limit of 0
// or less lists them all), in one query: the runs are picked through the
// index on their start, and only their tasks' and steps' rows are read.
func (s *Store) Runs(ctx context.Context, limit int) ([]RunSummary, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	// The unknown-cost count makes the sum honest: one answer without a
	// price makes the run's cost unknown, never a partial sum.
	rows, err := s.db.QueryContext(ctx, `
		WITH r AS (
			SELECT seq, id, started_at, finished_at, status, exit_code, terminal_reason
			FROM runs ORDER BY started_at DESC, seq DESC LIMIT ?
		)
		SELECT r.id, r.started_at, r.finished_at, r.status, r.exit_code, r.terminal_reason,
			(SELECT COUNT(*) FROM tasks t WHERE t.run_id = r.id),
			(SELECT t.limit_reached FROM tasks t WHERE t.run_id = r.id AND t.limit_reached != ''
				ORDER BY t.position LIMIT 1),
			COUNT(s.id),
			COALESCE(SUM(s.commit_sha != ''), 0),
			COALESCE(SUM(s.cost_usd), 0),
			COALESCE(SUM(s.answered_at IS NOT NULL AND s.cost_usd IS NULL), 0)
		FROM r
		LEFT JOIN tasks t ON t.run_id = r.id
		LEFT JOIN steps s ON s.task_id = t.id
		GROUP BY r.seq
		ORDER BY r.started_at DESC, r.seq DESC`, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	runs := []RunSummary{}
	for rows.Next() {
		var (
			rs                RunSummary
			started           int64
			finished          sql.NullInt64
			reason            string
			firstLimit        sql.NullString
			cost              float64
			unknownCostAnswer int
		)
		if err := rows.Scan(&rs.ID, &started, &finished, &rs.Status, &rs.ExitCode, &reason,
			&rs.Tasks, &firstLimit, &rs.Steps, &rs.Commits, &cost, &unknownCostAnswer); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		rs.StartedAt, rs.FinishedAt, rs.DurationMS = span(sql.NullInt64{Int64: started, Valid: true}, finished)
		rs.TerminalReason = deriveReason(reason, finished.Valid, rs.Status, rs.ExitCode, firstLimit.String)
		if unknownCostAnswer == 0 {
			rs.CostUSD = knownCost(cost)
		}
		runs = append(runs, rs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// RunsJSON renders runs as a JSON array indented by two spaces, with a
// trailing newline; an empty list is [], never null.
func RunsJSON(runs []RunSummary) ([]byte, error) {
	if runs == nil {
		runs = []RunSummary{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(runs); err != nil {
		return nil, fmt.Errorf("encode runs: %w", err)
	}
	return buf.Bytes(), nil
}

// RunsTable renders runs for a terminal, one aligned row each, in the
// order given. A run that has not finished shows "—" for its exit code
// and duration: it is still going, or its process was killed.
func RunsTable(runs []RunSummary) string {
	var b strings.Builder
	tw := newTable(&b)
	tw.row("RUN", "STARTED", "STATUS", "EXIT", "TASKS", "STEPS", "COMMITS", "COST", "DURATION")
	for _, r := range runs {
		exit, duration := "—", "—"
		if r.FinishedAt != "" {
			exit, duration = fmt.Sprint(r.ExitCode), humanDuration(r.DurationMS)
		}
		tw.row(cell(r.ID), cell(r.StartedAt), cell(r.Status), exit, fmt.Sprint(r.Tasks), fmt.Sprint(r.Steps),
			fmt.Sprint(r.Commits), cost(r.CostUSD), duration)
	}
	tw.flush()
	return b.String()
}
