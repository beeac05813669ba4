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

	r := buildReport(t, s, "old")
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
	r = buildReport(t, s, "new")
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

// TestUpgradeFromSchemaVersion4 opens a database written before terminal
// reasons, commit times, line counts and pushes existed (migrations 0001
// to 0004) and checks that its runs report sensibly: a reason derived
// from the status, no commit time and no lines rather than made-up ones,
// no push; and that the upgraded database records the new events.
func TestUpgradeFromSchemaVersion4(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	db.SetMaxOpenConns(1)
	old := fstest.MapFS{}
	for _, name := range []string{"0001_init.sql", "0002_cost_attempts_limit.sql", "0003_denial_rule.sql", "0004_checks.sql"} {
		b, err := fs.ReadFile(migrationFiles, "migrations/"+name)
		if err != nil {
			t.Fatalf("read migration %s: %v", name, err)
		}
		old["migrations/"+name] = &fstest.MapFile{Data: b}
	}
	if err := migrate(t.Context(), db, old); err != nil {
		t.Fatalf("migrate to version 4: %v", err)
	}
	start := t0.UnixMilli()
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO runs (id, started_at, finished_at, status, exit_code, repo_root, task_file, version, base_commit, original_branch)
			VALUES ('v4', ?, ?, 'limit_reached', 3, '/r', 'tasks.yaml', 'v0.3.0', ?, 'main')`, []any{start, start + 9000, sha('a')}},
		{`INSERT INTO tasks (id, run_id, name, position, status, started_at, finished_at, branch, start_commit, head_commit, limit_reached)
			VALUES (1, 'v4', 'fix', 0, 'limit_reached', ?, ?, 'safe-coder/fix-v4', ?, ?, 'max_steps')`, []any{start, start + 8000, sha('a'), sha('b')}},
		{`INSERT INTO steps (id, task_id, step, started_at, finished_at, answered_at, stop_reason, cost_usd, attempts, commit_sha)
			VALUES (1, 1, 1, ?, ?, ?, 'tool_use', 0.5, 1, ?)`, []any{start + 1000, start + 3000, start + 2000, sha('b')}},
		{`INSERT INTO step_files (step_id, position, path) VALUES (1, 0, 'a.go')`, nil},
		{`INSERT INTO tool_calls (step_id, seq, call_id, tool, input, started_at, finished_at, outcome, rule)
			VALUES (1, 1, 'toolu_1', 'write_file', '{}', ?, ?, 'ok', ''),
			       (1, 2, 'toolu_2', 'bash', '{"command":"rm -rf /"}', ?, ?, 'denied', 'deny: bash(rm *)')`,
			[]any{start + 2000, start + 2400, start + 2500, start + 2501}},
		{`INSERT INTO checks (task_id, round, seq, command, started_at, finished_at, exit_code, passed)
			VALUES (1, 1, 1, 'go test ./...', ?, ?, 0, 1)`, []any{start + 4000, start + 5000}},
	} {
		if _, err := db.ExecContext(t.Context(), stmt.sql, stmt.args...); err != nil {
			t.Fatalf("fill version 4 database: %v\n%s", err, stmt.sql)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open of a version 4 database: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	checkIntegrity(t, s)
	r := buildReport(t, s, "v4")
	step := r.Tasks[0].Steps[0]
	tests := []struct {
		name      string
		got, want any
	}{
		{"terminal reason derived from the status and the limit", r.Run.TerminalReason, "limit:max_steps"},
		{"run branch", r.Repo.RunBranch, "safe-coder/fix-v4"},
		{"repo head", r.Repo.Head, sha('b')},
		{"model time", step.ModelMS, int64(1000)},
		{"tool time", step.ToolsMS, int64(401)},
		{"no commit time recorded", step.CommitMS, int64(0)},
		{"no lines recorded", []int{step.Insertions, step.Deletions}, []int{0, 0}},
		{"tool stats", r.Tasks[0].Stats.Tools, map[string]ToolStats{
			"write_file": {Calls: 1, OK: 1, DurationMS: 400},
			"bash":       {Calls: 1, Denied: 1, DurationMS: 1},
		}},
		{"no push", r.Tasks[0].Push, (*PushInfo)(nil)},
		{"no pr", r.Tasks[0].PR, (*PRInfo)(nil)},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}

	// The old run's branch can be pushed now, and new runs record every
	// new field.
	record(t, s,
		PushStarted{RunID: "v4", Task: "fix", At: at(time.Minute), Remote: "origin", Branch: "safe-coder/fix-v4", Commit: sha('b')},
		PushFinished{RunID: "v4", Task: "fix", At: at(time.Minute), Result: PushPushed,
			PR: &PullRequest{Number: 3, URL: "https://example.invalid/pull/3", State: "open"}},
		RunStarted{RunID: "v5", StartedAt: at(time.Hour), Tasks: []string{"t"}},
		TaskStarted{RunID: "v5", Task: "t", StartedAt: at(time.Hour)},
		StepStarted{RunID: "v5", Task: "t", Step: 1, StartedAt: at(time.Hour)},
		CommitStarted{RunID: "v5", Task: "t", Step: 1, At: at(time.Hour + time.Second)},
		StepFinished{RunID: "v5", Task: "t", Step: 1, FinishedAt: at(time.Hour + 3*time.Second), Commit: sha('c'),
			Files: []string{"b.go"}, Insertions: 4, Deletions: 1},
		TaskFinished{RunID: "v5", Task: "t", FinishedAt: at(time.Hour + 4*time.Second), Status: "succeeded"},
		RunFinished{RunID: "v5", FinishedAt: at(time.Hour + 5*time.Second), Status: "cancelled", ExitCode: 143, Reason: SignalReason("SIGTERM")},
	)
	if pr := buildReport(t, s, "v4").Tasks[0].PR; pr == nil || pr.Number != 3 {
		t.Errorf("pr of the old run = %+v, want #3", pr)
	}
	r = buildReport(t, s, "v5")
	if st := r.Tasks[0].Steps[0]; st.CommitMS != 2000 || st.Insertions != 4 || st.Deletions != 1 || r.Run.TerminalReason != "cancelled:SIGTERM" {
		t.Errorf("new run: step %+v, reason %q; want commit 2000 ms, +4 -1, cancelled:SIGTERM", st, r.Run.TerminalReason)
	}

	// The new columns guard their domains even against writes that bypass
	// Record.
	for _, stmt := range []string{
		`UPDATE steps SET insertions = -1`,
		`UPDATE steps SET deletions = -1`,
		`UPDATE pushes SET result = 'maybe'`,
		`UPDATE pushes SET pr_number = 0`,
	} {
		if _, err := s.db.ExecContext(t.Context(), stmt); err == nil {
			t.Errorf("%s succeeded; want a CHECK violation", stmt)
		}
	}
}
