package report

import (
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"
)

// TestUpgradeFromSchemaVersion1 opens a database that the first release
// wrote (only migration 0001 applied) and checks that it upgrades in place
// and keeps every row: answers recorded before costs existed report an
// unknown cost, never a zero one.
func TestUpgradeFromSchemaVersion1(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	writeVersion1(t, path)

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open of a version 1 database: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if got, want := pragma(t, s, "user_version"), fmt.Sprint(len(ms)); got != want {
		t.Fatalf("user_version after upgrade = %s, want %s", got, want)
	}
	checkIntegrity(t, s)

	r, err := s.Report(t.Context(), "old")
	if err != nil {
		t.Fatalf("Report of the old run: %v", err)
	}
	task := r.Tasks[0]
	tests := []struct {
		name      string
		got, want any
	}{
		{"run status", r.Run.Status, "succeeded"},
		{"task status", task.Status, "succeeded"},
		{"task limit", task.Limit, ""},
		{"steps", len(task.Steps), 2},
		{"tokens", task.Stats.Tokens, Tokens{Input: 300, Output: 70, CacheRead: 1000}},
		{"files", task.Steps[0].Files, []string{"a.go"}},
		{"tools", task.Steps[0].Tools, []string{"write_file"}},
		{"messages", task.Stats.Messages, 2},
		{"answered step: cost unknown", task.Steps[0].CostUSD, (*float64)(nil)},
		{"unanswered step: nothing spent", task.Steps[1].CostUSD, usd(0)},
		{"attempts unknown, counted as 0", task.Stats.Attempts, 0},
		{"task cost unknown", task.Stats.CostUSD, (*float64)(nil)},
		{"total cost unknown", r.Totals.CostUSD, (*float64)(nil)},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}

	// The upgraded database records the new fields like a new one.
	record(t, s,
		RunStarted{RunID: "new", StartedAt: at(time.Hour), Tasks: []string{"t"}},
		TaskStarted{RunID: "new", Task: "t", StartedAt: at(time.Hour)},
		StepStarted{RunID: "new", Task: "t", Step: 1, StartedAt: at(time.Hour)},
		ModelAnswered{RunID: "new", Task: "t", Step: 1, At: at(time.Hour), StopReason: "end_turn",
			Usage: Usage{InputTokens: 10}, CostUSD: usd(0.5), Attempts: 2},
		StepFinished{RunID: "new", Task: "t", Step: 1, FinishedAt: at(time.Hour)},
		TaskFinished{RunID: "new", Task: "t", FinishedAt: at(time.Hour), Status: "limit_reached", Limit: LimitMaxTokens},
	)
	r, err = s.Report(t.Context(), "new")
	if err != nil {
		t.Fatalf("Report of the new run: %v", err)
	}
	if got := r.Tasks[0]; got.Limit != LimitMaxTokens || !reflect.DeepEqual(got.Stats.CostUSD, usd(0.5)) || got.Stats.Attempts != 2 {
		t.Errorf("new run's task = limit %q, cost %v, attempts %d; want max_tokens, 0.5, 2", got.Limit, got.Stats.CostUSD, got.Stats.Attempts)
	}

	// The schema guards its domains even against writes that bypass
	// Record.
	for _, stmt := range []string{
		`UPDATE tasks SET limit_reached = 'max_money'`,
		`UPDATE steps SET cost_usd = -1`,
		`UPDATE steps SET attempts = -1`,
	} {
		if _, err := s.db.ExecContext(t.Context(), stmt); err == nil {
			t.Errorf("%s succeeded; want a CHECK violation", stmt)
		}
	}
}

// writeVersion1 creates a database at path with only the first migration
// and fills it the way the first release's Record did: a finished run with
// one task, an answered step with a commit, a tool call and two messages,
// and a step that never got an answer.
func writeVersion1(t *testing.T, path string) {
	t.Helper()
	first, err := fs.ReadFile(migrationFiles, "migrations/0001_init.sql")
	if err != nil {
		t.Fatalf("read migration 0001: %v", err)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := migrate(t.Context(), db, fstest.MapFS{"migrations/0001_init.sql": {Data: first}}); err != nil {
		t.Fatalf("migrate to version 1: %v", err)
	}
	start := t0.UnixMilli()
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO runs (id, started_at, finished_at, status, repo_root, task_file, version, base_commit, original_branch)
			VALUES ('old', ?, ?, 'succeeded', '/r', 'tasks.yaml', 'v0.1.0', ?, 'main')`, []any{start, start + 9000, sha('a')}},
		{`INSERT INTO tasks (id, run_id, name, position, status, started_at, finished_at, provider, model)
			VALUES (1, 'old', 'fix', 0, 'succeeded', ?, ?, 'anthropic', 'claude-sonnet-4-5')`, []any{start, start + 8000}},
		{`INSERT INTO steps (id, task_id, step, started_at, finished_at, answered_at, stop_reason,
			input_tokens, output_tokens, cache_read_tokens, commit_sha)
			VALUES (1, 1, 1, ?, ?, ?, 'tool_use', 300, 70, 1000, ?)`, []any{start + 1000, start + 3000, start + 2000, sha('b')}},
		{`INSERT INTO steps (id, task_id, step, started_at, finished_at) VALUES (2, 1, 2, ?, ?)`, []any{start + 4000, start + 5000}},
		{`INSERT INTO step_files (step_id, position, path) VALUES (1, 0, 'a.go')`, nil},
		{`INSERT INTO messages (task_id, step, at, role, content) VALUES (1, 0, ?, 'user', '{}'), (1, 1, ?, 'assistant', '{}')`,
			[]any{start, start + 2000}},
		{`INSERT INTO tool_calls (step_id, seq, call_id, tool, input, started_at, finished_at, outcome)
			VALUES (1, 1, 'toolu_1', 'write_file', '{}', ?, ?, 'ok')`, []any{start + 2000, start + 2500}},
	} {
		if _, err := db.ExecContext(t.Context(), stmt.sql, stmt.args...); err != nil {
			t.Fatalf("fill version 1 database: %v\n%s", err, stmt.sql)
		}
	}
}
