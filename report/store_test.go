package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// checkIntegrity asserts that SQLite finds the file sound and every
// foreign key satisfied.
func checkIntegrity(t *testing.T, s *Store) {
	t.Helper()
	var res string
	if err := s.db.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	if res != "ok" {
		t.Errorf("integrity_check = %q, want ok", res)
	}
	rows, err := s.db.QueryContext(t.Context(), "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatalf("foreign_key_check: %v", err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Error("foreign_key_check reports violations")
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("foreign_key_check: %v", err)
	}
}

func pragma(t *testing.T, s *Store, name string) string {
	t.Helper()
	var v string
	if err := s.db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestOpenPragmas(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"synchronous", "1"}, // NORMAL
	}
	for _, tt := range tests {
		if got := pragma(t, s, tt.pragma); got != tt.want {
			t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
		}
	}
	if got := s.db.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("MaxOpenConnections = %d, want 1", got)
	}
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	s, path := openStore(t)
	record(t, s, RunStarted{RunID: "r", StartedAt: t0})
	tests := []struct {
		path string
		want os.FileMode
	}{
		{filepath.Dir(path), 0o700 | os.ModeDir},
		{path, 0o600},
		{path + "-wal", 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got := fi.Mode(); got != tt.want {
			t.Errorf("mode of %s = %v, want %v", filepath.Base(tt.path), got, tt.want)
		}
	}
}

func TestOpenPathWithURISyntax(t *testing.T) {
	t.Parallel()
	// Characters that mean something in a URI must reach the file system
	// as they are, not as a query or fragment.
	dir := filepath.Join(t.TempDir(), "a dir?x=1#frag%20")
	path := filepath.Join(dir, "state.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	record(t, s, RunStarted{RunID: "r", StartedAt: t0})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read dir: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) == 0 || names[0] != "state.db" {
		t.Errorf("files in %q = %v, want state.db first", dir, names)
	}
}

func TestMigrationsApplyOnce(t *testing.T) {
	t.Parallel()
	s, path := openStore(t)
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	want := fmt.Sprint(len(ms))
	if got := pragma(t, s, "user_version"); got != want {
		t.Fatalf("user_version = %s, want %s", got, want)
	}
	record(t, s, RunStarted{RunID: "kept", StartedAt: t0})

	// Reopening is a no-op: same version, data kept, no table recreated.
	for range 2 {
		s2, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if got := pragma(t, s2, "user_version"); got != want {
			t.Errorf("user_version after reopen = %s, want %s", got, want)
		}
		if id, err := s2.LastRunID(t.Context()); err != nil || id != "kept" {
			t.Errorf("LastRunID after reopen = %q, %v; want kept", id, err)
		}
		if err := s2.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	var tables int
	if err := s.db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'`).Scan(&tables); err != nil {
		t.Fatalf("count tables: %v", err)
	}
	if tables != 12 {
		t.Errorf("got %d tables, want 12 (runs, tasks, steps, step_files, messages, tool_calls, checks, rollbacks, pushes, prompt_commands, prompt_command_runs, instructions)", tables)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	s, path := openStore(t)
	if _, err := s.db.ExecContext(t.Context(), "PRAGMA user_version = 99"); err != nil {
		t.Fatalf("set user_version: %v", err)
	}
	s2, err := Open(t.Context(), path)
	if err == nil {
		s2.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "99") {
		t.Errorf("error %q does not name the version found", err)
	}
}

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   []string
		wantErr bool
	}{
		{"ordered by number, not name", []string{"0002_b.sql", "0001_z.sql", "0003_a.sql"}, false},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, true},
		{"duplicate version", []string{"0001_a.sql", "0001_b.sql"}, true},
		{"starts at zero", []string{"0000_a.sql"}, true},
		{"no number", []string{"init.sql"}, true},
		{"not a number", []string{"one_init.sql"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys["migrations/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			ms, err := loadMigrations(fsys)
			if (err != nil) != tt.wantErr {
				t.Fatalf("loadMigrations err = %v, wantErr %v", err, tt.wantErr)
			}
			for i, m := range ms {
				if m.version != i+1 {
					t.Errorf("migration %d has version %d", i, m.version)
				}
			}
		})
	}
}

func TestMigrateStopsAtFailedMigration(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	fsys := fstest.MapFS{
		"migrations/0001_one.sql": {Data: []byte("CREATE TABLE one (x INTEGER);")},
		"migrations/0002_two.sql": {Data: []byte("CREATE TABLE two (x INTEGER); INSERT INTO nowhere VALUES (1);")},
	}
	if err := migrate(t.Context(), db, fsys); err == nil {
		t.Fatal("migrate with a broken migration succeeded")
	}
	var version int
	if err := db.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&version); err != nil {
		t.Fatalf("user_version: %v", err)
	}
	if version != 1 {
		t.Errorf("user_version = %d, want 1 (the good migration only)", version)
	}
	var names []string
	rows, err := db.QueryContext(t.Context(), "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("scan: %v", err)
		}
		names = append(names, n)
	}
	if fmt.Sprint(names) != "[one]" {
		t.Errorf("tables = %v, want [one]: the failed migration must roll back whole", names)
	}
}

// taskEvents is one complete task with steps and tool calls, so that
// concurrent writers interleave many small transactions.
func taskEvents(run, task string) []Event {
	evs := []Event{
		TaskStarted{RunID: run, Task: task, StartedAt: t0},
		MessageAdded{RunID: run, Task: task, At: t0, Role: "user", Content: message("user", "go")},
	}
	for step := 1; step <= 3; step++ {
		evs = append(evs,
			StepStarted{RunID: run, Task: task, Step: step, StartedAt: t0},
			ModelAnswered{RunID: run, Task: task, Step: step, At: t0, StopReason: "tool_use", Usage: Usage{InputTokens: 10, OutputTokens: 1}})
		evs = append(evs, toolCall(run, task, step, 1, "read_file", OutcomeOK, "", t0)...)
		evs = append(evs, StepFinished{RunID: run, Task: task, Step: step, FinishedAt: t0.Add(time.Second), Commit: sha('f'), Files: []string{task + ".go"}})
	}
	return append(evs, TaskFinished{RunID: run, Task: task, FinishedAt: t0.Add(time.Minute), Status: "succeeded"})
}

func TestConcurrentRecord(t *testing.T) {
	t.Parallel()
	s, path := openStore(t)
	// A second store on the same file is a second connection: its writes
	// meet s's under SQLite's lock, where busy_timeout must do the waiting.
	other, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("open second store: %v", err)
	}
	defer other.Close()

	const writers = 8
	var tasks []string
	for i := range writers {
		tasks = append(tasks, fmt.Sprintf("task-%d", i))
	}
	record(t, s, RunStarted{RunID: "r", StartedAt: t0, Tasks: tasks})

	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for i, task := range tasks {
		store := s
		if i%2 == 1 {
			store = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ev := range taskEvents("r", task) {
				if err := store.Record(t.Context(), ev); err != nil {
					errs <- fmt.Errorf("%s: %T: %w", task, ev, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	r := buildReport(t, s, "r")
	if got, want := r.Totals.Steps, writers*3; got != want {
		t.Errorf("steps = %d, want %d", got, want)
	}
	if got, want := r.Totals.ToolCalls["read_file"], writers*3; got != want {
		t.Errorf("read_file calls = %d, want %d", got, want)
	}
	if got := r.Totals.FilesChanged; got != writers {
		t.Errorf("files changed = %d, want %d", got, writers)
	}
	checkIntegrity(t, s)
}

func TestOpenHonoursCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err == nil {
		s.Close()
		t.Fatal("Open with a cancelled context succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open = %v, want context.Canceled", err)
	}
}
