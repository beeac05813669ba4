package report

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// runEvents records a run started at t0+offset with one task of the given
// steps, each answered at the given cost and committing when commit is
// set; finish closes the task and the run with status and exit code.
func runEvents(id string, offset time.Duration, costs []*float64, commit bool, finish *RunFinished) []Event {
	start := at(offset)
	evs := []Event{
		RunStarted{RunID: id, StartedAt: start, Tasks: []string{"t", "later"}},
		TaskStarted{RunID: id, Task: "t", StartedAt: start},
	}
	for i, c := range costs {
		step := i + 1
		fin := StepFinished{RunID: id, Task: "t", Step: step, FinishedAt: start.Add(time.Duration(step) * time.Second)}
		if commit {
			fin.Commit, fin.Files = sha(byte('0'+step)), []string{"a.go"}
		}
		evs = append(evs,
			StepStarted{RunID: id, Task: "t", Step: step, StartedAt: start},
			ModelAnswered{RunID: id, Task: "t", Step: step, At: start, StopReason: "end_turn", CostUSD: c},
			fin)
	}
	if finish != nil {
		evs = append(evs, TaskFinished{RunID: id, Task: "t", FinishedAt: finish.FinishedAt, Status: finish.Status,
			Limit: map[bool]string{true: LimitMaxSteps}[finish.Status == "limit_reached"]})
		finish.RunID = id
		evs = append(evs, *finish)
	}
	return evs
}

func TestRuns(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, runEvents("old", 0, []*float64{usd(0.25), usd(0.5)}, true,
		&RunFinished{FinishedAt: at(time.Minute), Status: "succeeded"})...)
	record(t, s, runEvents("limited", time.Hour, []*float64{usd(0.1), nil}, false,
		&RunFinished{FinishedAt: at(time.Hour + 90*time.Second), Status: "limit_reached", ExitCode: 3})...)
	record(t, s, runEvents("killed", 2*time.Hour, []*float64{usd(0.125)}, true, nil)...)
	record(t, s, RunStarted{RunID: "empty", StartedAt: at(30 * time.Minute)})

	runs, err := s.Runs(t.Context(), 0)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	want := []RunSummary{
		{ID: "killed", StartedAt: "2026-11-27T01:11:31Z", Status: StatusRunning, Tasks: 2, Steps: 1, Commits: 1, CostUSD: usd(0.125)},
		{ID: "limited", StartedAt: "2026-11-27T00:11:31Z", FinishedAt: "2026-11-27T00:13:01Z", DurationMS: 90_000,
			Status: "limit_reached", ExitCode: 3, TerminalReason: "limit:max_steps", Tasks: 2, Steps: 2},
		{ID: "empty", StartedAt: "2026-11-26T23:41:31Z", Status: StatusRunning, CostUSD: usd(0)},
		{ID: "old", StartedAt: "2026-11-26T23:11:31Z", FinishedAt: "2026-11-26T23:12:31Z", DurationMS: 60_000,
			Status: "succeeded", TerminalReason: ReasonCompleted, Tasks: 2, Steps: 2, Commits: 2, CostUSD: usd(0.75)},
	}
	if !reflect.DeepEqual(runs, want) {
		t.Errorf("Runs(0):\n got %+v\nwant %+v", runs, want)
	}

	// Every summary agrees with the run's full report.
	for _, rs := range runs {
		r := buildReport(t, s, rs.ID)
		got := []any{r.Run.Status, r.Run.ExitCode, r.Run.TerminalReason, len(r.Tasks), r.Totals.Steps, r.Totals.Commits, r.Totals.CostUSD, r.Run.DurationMS}
		wantRow := []any{rs.Status, rs.ExitCode, rs.TerminalReason, rs.Tasks, rs.Steps, rs.Commits, rs.CostUSD, rs.DurationMS}
		if !reflect.DeepEqual(got, wantRow) {
			t.Errorf("run %s: report says %v, Runs says %v", rs.ID, got, wantRow)
		}
	}

	tests := []struct {
		limit int
		want  []string
	}{
		{1, []string{"killed"}},
		{3, []string{"killed", "limited", "empty"}},
		{10, []string{"killed", "limited", "empty", "old"}},
		{-1, []string{"killed", "limited", "empty", "old"}},
	}
	for _, tt := range tests {
		runs, err := s.Runs(t.Context(), tt.limit)
		if err != nil {
			t.Fatalf("Runs(%d): %v", tt.limit, err)
		}
		var ids []string
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("Runs(%d) = %v, want %v", tt.limit, ids, tt.want)
		}
	}
}

func TestRunsEmptyStore(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	runs, err := s.Runs(t.Context(), 50)
	if err != nil || runs == nil || len(runs) != 0 {
		t.Fatalf("Runs on an empty store = %v, %v; want an empty list", runs, err)
	}
	js, err := RunsJSON(nil)
	if err != nil || string(js) != "[]\n" {
		t.Errorf("RunsJSON(nil) = %q, %v; want []", js, err)
	}
	if got, want := RunsTable(nil), "RUN  STARTED  STATUS  EXIT  TASKS  STEPS  COMMITS  COST  DURATION\n"; got != want {
		t.Errorf("RunsTable(nil) = %q, want %q", got, want)
	}
}

func TestRunsRenderGolden(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, fullRun()...)
	record(t, s, runEvents("20261127-080000-0001", 9*time.Hour, []*float64{usd(0.01)}, true, nil)...)
	record(t, s, runEvents("20261127-090000-0002", 10*time.Hour, []*float64{usd(0.02), usd(0.03)}, true,
		&RunFinished{FinishedAt: at(10*time.Hour + 2*time.Minute), Status: "cancelled", ExitCode: 143})...)
	runs, err := s.Runs(t.Context(), 50)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	golden(t, "runs.golden.txt", []byte(RunsTable(runs)))
	js, err := RunsJSON(runs)
	if err != nil {
		t.Fatalf("RunsJSON: %v", err)
	}
	golden(t, "runs.golden.json", js)
	var back []RunSummary
	if err := json.Unmarshal(js, &back); err != nil || !reflect.DeepEqual(back, runs) {
		t.Errorf("RunsJSON does not decode back to the runs (%v)", err)
	}
}

// TestFillStoreMatchesRecord checks the benchmark's bulk insert against
// the store's own reading of it: every report it yields is valid, counts
// what fillStore documents, and agrees with Runs.
func TestFillStoreMatchesRecord(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	fillStore(t, s, 3, 20)
	checkIntegrity(t, s)
	runs, err := s.Runs(t.Context(), 0)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	if len(runs) != 3 || runs[0].ID != "run-00003" {
		t.Fatalf("Runs = %+v, want run-00003 first of 3", runs)
	}
	for _, rs := range runs {
		r := buildReport(t, s, rs.ID)
		task := r.Tasks[0]
		tests := []struct {
			name      string
			got, want any
		}{
			{"steps", task.Stats.Steps, 20},
			{"commits", task.Stats.Commits, 10},
			{"messages", task.Stats.Messages, 41},
			{"tool calls", task.Stats.ToolCalls, map[string]int{"read_file": 20, "write_file": 20, "bash": 2}},
			{"denials", len(task.Denied), 2},
			{"lines", []int{task.Stats.Insertions, task.Stats.Deletions}, []int{70, 20}},
			{"cost", task.Stats.CostUSD, usd(0.084)},
			{"checks", task.Stats.ChecksRun, 2},
			{"runs agrees", []any{rs.Steps, rs.Commits, rs.CostUSD}, []any{r.Totals.Steps, r.Totals.Commits, r.Totals.CostUSD}},
		}
		for _, tt := range tests {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("%s: %s = %v, want %v", rs.ID, tt.name, tt.got, tt.want)
			}
		}
	}
}

func TestTerminalReasonDerived(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   string
		exit     int
		limit    string
		recorded string
		want     string
	}{
		{"succeeded", 0, "", "", ReasonCompleted},
		{"checks_failed", 1, "", "", ReasonChecksFailed},
		{"limit_reached", 3, LimitTimeout, "", "limit:timeout"},
		{"limit_reached", 3, "", "", "limit_reached"},
		{"cancelled", 130, "", "", "cancelled:SIGINT"},
		{"cancelled", 143, "", "", "cancelled:SIGTERM"},
		{"cancelled", 1, "", "", ReasonCancelled},
		{"provider_error", 4, "", "", ReasonProviderError},
		{"repo_error", 5, "", "", ReasonRepoError},
		{"error", 1, "", ReasonPolicyViolation, ReasonPolicyViolation},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i, tt.status), func(t *testing.T) {
			t.Parallel()
			s, _ := openStore(t)
			record(t, s, RunStarted{RunID: rid, StartedAt: t0, Tasks: []string{"a", "b"}},
				TaskStarted{RunID: rid, Task: "a", StartedAt: t0},
				TaskFinished{RunID: rid, Task: "a", FinishedAt: t0, Status: "succeeded"},
				TaskStarted{RunID: rid, Task: "b", StartedAt: t0},
				TaskFinished{RunID: rid, Task: "b", FinishedAt: t0, Status: tt.status, Limit: tt.limit},
				RunFinished{RunID: rid, FinishedAt: at(time.Second), Status: tt.status, ExitCode: tt.exit, Reason: tt.recorded})
			if got := buildReport(t, s, rid).Run.TerminalReason; got != tt.want {
				t.Errorf("terminal reason = %q, want %q", got, tt.want)
			}
			runs, err := s.Runs(t.Context(), 1)
			if err != nil || len(runs) != 1 || runs[0].TerminalReason != tt.want {
				t.Errorf("Runs = %+v, %v; want terminal reason %q", runs, err, tt.want)
			}
		})
	}
}
