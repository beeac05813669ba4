package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden: %v", err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestReportGolden(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, fullRun()...)
	id, err := s.LastRunID(t.Context())
	if err != nil {
		t.Fatalf("LastRunID: %v", err)
	}
	r := buildReport(t, s, id)
	js, err := r.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	golden(t, "report.golden.json", js)
	golden(t, "report.golden.md", []byte(r.Markdown()))
	golden(t, "report.golden.txt", []byte(r.Text()))

	// The report read back after the fact is the one the run printed.
	again := buildReport(t, s, id)
	js2, err := again.JSON()
	if err != nil {
		t.Fatalf("JSON again: %v", err)
	}
	if !bytes.Equal(js, js2) || r.Markdown() != again.Markdown() || r.Text() != again.Text() {
		t.Error("rendering the same run twice gave different output")
	}

	// The JSON decodes back into the same Report: tags and shape agree.
	var decoded Report
	if err := json.Unmarshal(js, &decoded); err != nil {
		t.Fatalf("decode report: %v", err)
	}
	// Compared as JSON again: raw tool inputs keep the indentation they
	// were decoded with.
	if js3, err := decoded.JSON(); err != nil || !bytes.Equal(js3, js) {
		t.Errorf("decoded report differs (%v):\n got %s\nwant %s", err, js3, js)
	}
	checkIntegrity(t, s)
}

func TestReportStats(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, fullRun()...)
	r := buildReport(t, s, fullRunID)
	if len(r.Tasks) != 4 {
		t.Fatalf("got %d tasks, want 4", len(r.Tasks))
	}
	fix, changelog, bump, docs := r.Tasks[0], r.Tasks[1], r.Tasks[2], r.Tasks[3]
	tests := []struct {
		name      string
		got, want any
	}{
		{"run status", r.Run.Status, "checks_failed"},
		{"run duration", r.Run.DurationMS, int64(220_000)},
		{"run started", r.Run.StartedAt, "2026-11-26T23:11:31Z"},
		{"step 1 started", fix.Steps[0].StartedAt, "2026-11-26T23:11:33Z"},
		{"step 1 duration", fix.Steps[0].DurationMS, int64(1234)},
		{"step 1 tools", fix.Steps[0].Tools, []string{"read_file", "read_file", "write_file"}},
		{"step 2 tools, denied included", fix.Steps[1].Tools, []string{"bash", "edit_file"}},
		{"step 2 denials", fix.Steps[1].Denials, 1},
		{"step 3 files", fix.Steps[2].Files, []string{}},
		{"fix-vet tool calls", fix.Stats.ToolCalls, map[string]int{"bash": 1, "edit_file": 1, "read_file": 2, "write_file": 1}},
		{"fix-vet tool calls total", fix.Stats.ToolCallsTotal, 5},
		{"fix-vet denials", fix.Stats.Denials, 1},
		{"fix-vet messages", fix.Stats.Messages, 6},
		{"fix-vet commits", fix.Stats.Commits, 2},
		{"fix-vet files changed", fix.Stats.FilesChanged, 2},
		{"fix-vet tokens", fix.Stats.Tokens, Tokens{Input: 1900, Output: 290, CacheRead: 2000, CacheWrite: 1000}},
		{"fix-vet duration", fix.Stats.DurationMS, int64(184_000)},
		{"step 1 cost", fix.Steps[0].CostUSD, usd(0.0096)},
		{"step 2 attempts", fix.Steps[1].Attempts, 3},
		// 0.0096 + 0.0024 + 0.0024, without float noise.
		{"fix-vet cost", fix.Stats.CostUSD, usd(0.0144)},
		{"fix-vet attempts", fix.Stats.Attempts, 5},
		{"fix-vet limit", fix.Limit, ""},
		{"changelog step cost unknown", changelog.Steps[0].CostUSD, (*float64)(nil)},
		{"changelog cost unknown", changelog.Stats.CostUSD, (*float64)(nil)},
		{"changelog attempts", changelog.Stats.Attempts, 3},
		{"bump limit", bump.Limit, LimitMaxCostUSD},
		{"bump cost", bump.Stats.CostUSD, usd(0.02)},
		{"docs cost: nothing spent", docs.Stats.CostUSD, usd(0)},
		{"changelog snapshot", changelog.SnapshotCommit, sha('d')},
		{"changelog commits (snapshot not counted)", changelog.Stats.Commits, 1},
		{"docs status", docs.Status, StatusNotStarted},
		{"docs steps", docs.Steps, []StepReport{}},
		{"docs tool calls", docs.Stats.ToolCalls, map[string]int{}},
		{"totals steps", r.Totals.Steps, 7},
		{"totals messages", r.Totals.Messages, 15},
		{"totals tool calls", r.Totals.ToolCalls, map[string]int{"bash": 1, "edit_file": 1, "read_file": 3, "write_file": 2}},
		{"totals files changed (distinct)", r.Totals.FilesChanged, 3},
		{"totals commits", r.Totals.Commits, 3},
		{"totals duration", r.Totals.DurationMS, int64(184_000 + 14_000 + 10_000)},
		// One task's price is unknown: no partial sum passes for a total.
		{"totals cost", r.Totals.CostUSD, (*float64)(nil)},
		{"totals attempts", r.Totals.Attempts, 10},
		{"fix-vet checks", fix.Stats.ChecksRun, 2},
		{"fix-vet checks failed", fix.Stats.ChecksFailed, 0},
		{"fix-vet check passed", fix.Checks[1], CheckReport{Round: 1, Command: "go test ./...",
			StartedAt: "2026-11-26T23:13:46.5Z", FinishedAt: "2026-11-26T23:13:50Z", Passed: true, DurationMS: 3500,
			Output: "ok  \texample.com/greet\t0.012s\n"}},
		{"changelog checks", changelog.Stats.ChecksRun, 4},
		{"changelog checks failed", changelog.Stats.ChecksFailed, 2},
		{"changelog rounds in order", []int{changelog.Checks[0].Round, changelog.Checks[1].Round, changelog.Checks[2].Round, changelog.Checks[3].Round}, []int{1, 1, 2, 2}},
		{"changelog timed-out check", changelog.Checks[3], CheckReport{Round: 2, Command: "go test ./...",
			StartedAt: "2026-11-26T23:14:48.1Z", FinishedAt: "2026-11-26T23:14:50.5Z", ExitCode: -1, DurationMS: 2400,
			Output: "=== RUN   TestChangelog\n", Error: "timed out after 2s"}},
		{"changelog rollback", changelog.Rollback, RollbackInfo{BackupRef: "refs/safe-coder/backup/changelog-" + fullRunID, To: sha('d')}},
		{"fix-vet not rolled back", fix.Rollback, RollbackInfo{}},
		{"docs checks", docs.Checks, []CheckReport{}},
		{"totals checks", r.Totals.ChecksRun, 6},
		{"totals checks failed", r.Totals.ChecksFailed, 2},
		{"terminal reason as recorded", r.Run.TerminalReason, ReasonChecksFailed},
		{"run branch: the task that started last", r.Repo.RunBranch, "safe-coder/bump-" + fullRunID},
		{"repo head: that task's head", r.Repo.Head, sha('d')},
		{"repo snapshot: the first one", r.Repo.Snapshot, sha('d')},
		// Step 1 started at 2 s, was answered at 3 s, ran three 100 ms
		// calls, and committed from 3.2 s to 3.234 s.
		{"step 1 model time", fix.Steps[0].ModelMS, int64(1000)},
		{"step 1 tool time", fix.Steps[0].ToolsMS, int64(300)},
		{"step 1 commit time", fix.Steps[0].CommitMS, int64(34)},
		{"step 3: no commit attempted", fix.Steps[2].CommitMS, int64(0)},
		{"step 1 lines", []int{fix.Steps[0].Insertions, fix.Steps[0].Deletions}, []int{12, 3}},
		{"fix-vet lines", []int{fix.Stats.Insertions, fix.Stats.Deletions}, []int{32, 4}},
		{"fix-vet times", []int64{fix.Stats.ModelMS, fix.Stats.ToolsMS, fix.Stats.CommitMS}, []int64{2850, 500, 534}},
		{"fix-vet tools", fix.Stats.Tools, map[string]ToolStats{
			"bash":       {Calls: 1, Denied: 1, DurationMS: 100},
			"edit_file":  {Calls: 1, OK: 1, DurationMS: 100},
			"read_file":  {Calls: 2, OK: 2, DurationMS: 200},
			"write_file": {Calls: 1, OK: 1, DurationMS: 100},
		}},
		{"docs tools", docs.Stats.Tools, map[string]ToolStats{}},
		{"totals tools", r.Totals.Tools["read_file"], ToolStats{Calls: 3, OK: 3, DurationMS: 300}},
		{"totals lines", []int{r.Totals.Insertions, r.Totals.Deletions}, []int{37, 4}},
		{"totals commit time", r.Totals.CommitMS, int64(834)},
		{"fix-vet push", fix.Push, &PushInfo{Remote: "origin", Branch: "safe-coder/fix-vet-" + fullRunID, Commit: sha('c'),
			StartedAt: "2026-11-26T23:14:36.1Z", FinishedAt: "2026-11-26T23:14:36.9Z", Result: PushPushed}},
		{"fix-vet pr", fix.PR, &PRInfo{Number: 42, URL: "https://github.com/example/greet/pull/42", State: "draft"}},
		{"changelog never pushed", changelog.Push, (*PushInfo)(nil)},
		{"changelog no pr", changelog.PR, (*PRInfo)(nil)},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
}

func TestReportCrashedRun(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s,
		RunStarted{RunID: "crash", StartedAt: t0, RepoRoot: "/r", BaseCommit: sha('a'), Tasks: []string{"fix", "later"}},
		TaskStarted{RunID: "crash", Task: "fix", StartedAt: at(time.Second), Branch: "safe-coder/fix-crash"},
		MessageAdded{RunID: "crash", Task: "fix", At: at(time.Second), Role: "user", Content: message("user", "go")},
		StepStarted{RunID: "crash", Task: "fix", Step: 1, StartedAt: at(2 * time.Second)},
		ToolCallStarted{RunID: "crash", Task: "fix", Step: 1, Seq: 1, Tool: "bash", Input: json.RawMessage(`{"command":"go test ./..."}`), StartedAt: at(3 * time.Second)},
	)
	r := buildReport(t, s, "crash")
	tests := []struct {
		name      string
		got, want any
	}{
		{"run status", r.Run.Status, StatusRunning},
		{"run finished_at", r.Run.FinishedAt, ""},
		{"run duration", r.Run.DurationMS, int64(0)},
		{"original branch (detached)", r.Repo.OriginalBranch, ""},
		{"task status", r.Tasks[0].Status, StatusRunning},
		{"task finished_at", r.Tasks[0].FinishedAt, ""},
		{"task duration", r.Tasks[0].DurationMS, int64(0)},
		{"unfinished call listed", r.Tasks[0].Steps[0].Tools, []string{"bash"}},
		{"unfinished step duration", r.Tasks[0].Steps[0].DurationMS, int64(0)},
		{"unanswered stop reason", r.Tasks[0].Steps[0].StopReason, ""},
		{"unanswered step costs nothing", r.Tasks[0].Steps[0].CostUSD, usd(0)},
		{"unanswered step made no attempt", r.Tasks[0].Steps[0].Attempts, 0},
		{"tool calls", r.Totals.ToolCalls, map[string]int{"bash": 1}},
		{"planned task", r.Tasks[1].Status, StatusNotStarted},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	js, err := r.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	for _, want := range []string{`"status": "running"`, `"finished_at": ""`, `"files": []`, `"steps": []`, `"terminal_reason": ""`, `"push": null`, `"pr": null`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
	md := r.Markdown()
	for _, want := range []string{
		"# safe-coder run crash: running\n", "· detached HEAD\n", "\nRun branch `safe-coder/fix-crash`\n",
		"\nNot finished: the run is still going, or its process was killed",
		"| fix | running | 1 | 1 | 1 | 0 | 0 / 0 | $0.0000 | 0 | 0 | +0 −0 | — |", "## later\n\nNot started.\n",
		"| **total** |  | 1 | 1 | 1 | 0 | 0 / 0 | $0.0000 | 0 | 0 | +0 −0 | — |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	checkIntegrity(t, s)
}

func TestReportEmptyRun(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, RunStarted{RunID: "empty", StartedAt: t0})
	r := buildReport(t, s, "empty")
	js, err := r.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	// Lists and maps are never null, even with nothing in them.
	for _, want := range []string{`"tasks": []`, `"tool_calls": {}`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
	if !bytes.HasSuffix(js, []byte("}\n")) {
		t.Errorf("JSON does not end with a newline: %q", js[len(js)-5:])
	}
}

func TestReportUnknownRun(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, RunStarted{RunID: "known", StartedAt: t0})
	_, err := s.Report(t.Context(), "nope")
	if !errors.Is(err, ErrRunNotFound) {
		t.Fatalf("Report(nope) = %v, want ErrRunNotFound", err)
	}
	if !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("error %q does not name the run", err)
	}
}

func TestLastRunID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		runs []RunStarted
		want string
	}{
		{"newest start wins over insertion order", []RunStarted{
			{RunID: "old", StartedAt: t0},
			{RunID: "new", StartedAt: at(time.Hour)},
			{RunID: "mid", StartedAt: at(30 * time.Minute)},
		}, "new"},
		{"same millisecond: recorded last wins", []RunStarted{
			{RunID: "first", StartedAt: t0},
			{RunID: "second", StartedAt: t0},
		}, "second"},
		{"one run", []RunStarted{{RunID: "only", StartedAt: t0}}, "only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openStore(t)
			for _, ev := range tt.runs {
				record(t, s, ev)
			}
			got, err := s.LastRunID(t.Context())
			if err != nil {
				t.Fatalf("LastRunID: %v", err)
			}
			if got != tt.want {
				t.Errorf("LastRunID = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLastRunIDEmpty(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	if _, err := s.LastRunID(t.Context()); !errors.Is(err, ErrNoRuns) {
		t.Fatalf("LastRunID on an empty store = %v, want ErrNoRuns", err)
	}
}
