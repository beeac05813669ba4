package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

const (
	rid  = "r1"
	task = "fix"
)

var (
	evRunStarted   = RunStarted{RunID: rid, StartedAt: t0, Tasks: []string{task, "planned"}}
	evRunFinished  = RunFinished{RunID: rid, FinishedAt: at(time.Hour), Status: "succeeded"}
	evTaskStarted  = TaskStarted{RunID: rid, Task: task, StartedAt: at(time.Second)}
	evTaskFinished = TaskFinished{RunID: rid, Task: task, FinishedAt: at(time.Minute), Status: "succeeded"}
	evStepStarted  = StepStarted{RunID: rid, Task: task, Step: 1, StartedAt: at(2 * time.Second)}
	evAnswered     = ModelAnswered{RunID: rid, Task: task, Step: 1, At: at(3 * time.Second), StopReason: "tool_use"}
	evStepFinished = StepFinished{RunID: rid, Task: task, Step: 1, FinishedAt: at(4 * time.Second)}
	evPrompt       = MessageAdded{RunID: rid, Task: task, Step: 0, At: at(time.Second), Role: "user", Content: message("user", "go")}
	evCallStarted  = ToolCallStarted{RunID: rid, Task: task, Step: 1, Seq: 1, Tool: "bash", StartedAt: at(3 * time.Second)}
	evCallFinished = ToolCallFinished{RunID: rid, Task: task, Step: 1, Seq: 1, FinishedAt: at(3 * time.Second), Outcome: OutcomeOK}
	evCheckStarted = CheckStarted{RunID: rid, Task: task, Round: 1, Seq: 1, Command: "go test ./...", StartedAt: at(5 * time.Second)}
	evCheckPassed  = CheckFinished{RunID: rid, Task: task, Round: 1, Seq: 1, FinishedAt: at(6 * time.Second), Passed: true}
	evRolledBack   = TaskRolledBack{RunID: rid, Task: task, At: at(2 * time.Minute), BackupRef: "refs/safe-coder/backup/x", From: sha('b'), To: sha('a')}
	evCommit       = CommitStarted{RunID: rid, Task: task, Step: 1, At: at(3500 * time.Millisecond)}
	evPushStarted  = PushStarted{RunID: rid, Task: task, At: at(3 * time.Minute), Remote: "origin", Branch: "safe-coder/fix", Commit: sha('b')}
	evPushed       = PushFinished{RunID: rid, Task: task, At: at(3*time.Minute + time.Second), Result: PushPushed}
)

func TestRecordRefusesOutOfOrderEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup []Event
		ev    Event
		want  error
	}{
		{"run finished, never started", nil, evRunFinished, ErrNotStarted},
		{"run finished twice", []Event{evRunStarted, evRunFinished}, evRunFinished, ErrFinished},
		{"run started twice", []Event{evRunStarted}, evRunStarted, ErrDuplicate},
		{"task started in unknown run", nil, evTaskStarted, ErrNotStarted},
		{"task started in finished run", []Event{evRunStarted, evRunFinished}, evTaskStarted, ErrFinished},
		{"task started twice", []Event{evRunStarted, evTaskStarted}, evTaskStarted, ErrDuplicate},
		{"planned task finished, never started", []Event{evRunStarted}, TaskFinished{RunID: rid, Task: "planned", FinishedAt: t0, Status: "error"}, ErrNotStarted},
		{"unknown task finished", []Event{evRunStarted}, TaskFinished{RunID: rid, Task: "ghost", FinishedAt: t0, Status: "error"}, ErrNotStarted},
		{"task finished twice", []Event{evRunStarted, evTaskStarted, evTaskFinished}, evTaskFinished, ErrFinished},
		{"step started in task never started", []Event{evRunStarted}, evStepStarted, ErrNotStarted},
		{"step started in finished task", []Event{evRunStarted, evTaskStarted, evTaskFinished}, evStepStarted, ErrFinished},
		{"step started twice", []Event{evRunStarted, evTaskStarted, evStepStarted}, evStepStarted, ErrDuplicate},
		{"step finished, never started", []Event{evRunStarted, evTaskStarted}, evStepFinished, ErrNotStarted},
		{"step finished twice", []Event{evRunStarted, evTaskStarted, evStepStarted, evStepFinished}, evStepFinished, ErrFinished},
		{"answer to unknown step", []Event{evRunStarted, evTaskStarted}, evAnswered, ErrNotStarted},
		{"answer recorded twice", []Event{evRunStarted, evTaskStarted, evStepStarted, evAnswered}, evAnswered, ErrDuplicate},
		{"answer after step finished", []Event{evRunStarted, evTaskStarted, evStepStarted, evStepFinished}, evAnswered, ErrFinished},
		{"message in task never started", []Event{evRunStarted}, evPrompt, ErrNotStarted},
		{"message after task finished", []Event{evRunStarted, evTaskStarted, evTaskFinished}, evPrompt, ErrFinished},
		{"tool call in unknown step", []Event{evRunStarted, evTaskStarted}, evCallStarted, ErrNotStarted},
		{"tool call after step finished", []Event{evRunStarted, evTaskStarted, evStepStarted, evStepFinished}, evCallStarted, ErrFinished},
		{"tool call started twice", []Event{evRunStarted, evTaskStarted, evStepStarted, evCallStarted}, evCallStarted, ErrDuplicate},
		{"tool call finished, never started", []Event{evRunStarted, evTaskStarted, evStepStarted}, evCallFinished, ErrNotStarted},
		{"tool call finished twice", []Event{evRunStarted, evTaskStarted, evStepStarted, evCallStarted, evCallFinished}, evCallFinished, ErrFinished},
		{"tool call finished in unknown task", []Event{evRunStarted}, evCallFinished, ErrNotStarted},
		{"check started in task never started", []Event{evRunStarted}, evCheckStarted, ErrNotStarted},
		{"check started in finished task", []Event{evRunStarted, evTaskStarted, evTaskFinished}, evCheckStarted, ErrFinished},
		{"check started twice", []Event{evRunStarted, evTaskStarted, evCheckStarted}, evCheckStarted, ErrDuplicate},
		{"check finished, never started", []Event{evRunStarted, evTaskStarted}, evCheckPassed, ErrNotStarted},
		{"check finished twice", []Event{evRunStarted, evTaskStarted, evCheckStarted, evCheckPassed}, evCheckPassed, ErrFinished},
		{"check finished in task never started", []Event{evRunStarted}, evCheckPassed, ErrNotStarted},
		{"check of another round finished", []Event{evRunStarted, evTaskStarted, evCheckStarted},
			CheckFinished{RunID: rid, Task: task, Round: 2, Seq: 1, FinishedAt: at(6 * time.Second), Passed: true}, ErrNotStarted},
		{"planned task rolled back, never started", []Event{evRunStarted},
			TaskRolledBack{RunID: rid, Task: "planned", At: t0, BackupRef: "refs/x", From: sha('b'), To: sha('a')}, ErrNotStarted},
		{"unknown task rolled back", []Event{evRunStarted},
			TaskRolledBack{RunID: rid, Task: "ghost", At: t0, BackupRef: "refs/x", From: sha('b'), To: sha('a')}, ErrNotStarted},
		{"commit of a step never started", []Event{evRunStarted, evTaskStarted}, evCommit, ErrNotStarted},
		{"commit started twice", []Event{evRunStarted, evTaskStarted, evStepStarted, evCommit}, evCommit, ErrDuplicate},
		{"commit after its step finished", []Event{evRunStarted, evTaskStarted, evStepStarted, evStepFinished}, evCommit, ErrFinished},
		{"planned task pushed, never started", []Event{evRunStarted},
			PushStarted{RunID: rid, Task: "planned", At: t0, Remote: "origin", Branch: "b", Commit: sha('b')}, ErrNotStarted},
		{"push of an unknown run", nil, evPushStarted, ErrNotStarted},
		{"push finished, never started", []Event{evRunStarted, evTaskStarted}, evPushed, ErrNotStarted},
		{"push finished twice", []Event{evRunStarted, evTaskStarted, evPushStarted, evPushed}, evPushed, ErrFinished},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openStore(t)
			record(t, s, tt.setup...)
			before := snapshot(t, s)
			err := s.Record(t.Context(), tt.ev)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Record(%T) = %v, want %v", tt.ev, err, tt.want)
			}
			if after := snapshot(t, s); !bytes.Equal(before, after) {
				t.Errorf("a refused event changed the store:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestRecordRefusesInvalidEvents(t *testing.T) {
	t.Parallel()
	started := []Event{evRunStarted, evTaskStarted, evStepStarted, evCallStarted,
		CheckStarted{RunID: rid, Task: task, Round: 1, Seq: 1, Command: "make", StartedAt: t0}, evPushStarted}
	tests := []struct {
		name string
		ev   Event
	}{
		{"nil event", nil},
		{"pointer to an event", &evTaskStarted},
		{"run without id", RunStarted{StartedAt: t0}},
		{"run without start time", RunStarted{RunID: "r2"}},
		{"empty planned task name", RunStarted{RunID: "r2", StartedAt: t0, Tasks: []string{""}}},
		{"planned task twice", RunStarted{RunID: "r2", StartedAt: t0, Tasks: []string{"a", "a"}}},
		{"run finished without status", RunFinished{RunID: rid, FinishedAt: t0}},
		{"task without name", TaskStarted{RunID: rid, StartedAt: t0}},
		{"task finished without status", TaskFinished{RunID: rid, Task: task, FinishedAt: t0}},
		{"step zero", StepStarted{RunID: rid, Task: task, Step: 0, StartedAt: t0}},
		{"negative message step", MessageAdded{RunID: rid, Task: task, Step: -1, At: t0, Role: "user", Content: message("user", "x")}},
		{"message without role", MessageAdded{RunID: rid, Task: task, At: t0, Content: message("user", "x")}},
		{"message that is not JSON", MessageAdded{RunID: rid, Task: task, At: t0, Role: "user", Content: json.RawMessage(`{"role":`)}},
		{"tool call without tool", ToolCallStarted{RunID: rid, Task: task, Step: 1, Seq: 2, StartedAt: t0}},
		{"tool call seq zero", ToolCallStarted{RunID: rid, Task: task, Step: 1, Seq: 0, Tool: "bash", StartedAt: t0}},
		{"unknown outcome", ToolCallFinished{RunID: rid, Task: task, Step: 1, Seq: 1, FinishedAt: t0, Outcome: "skipped"}},
		{"empty outcome", ToolCallFinished{RunID: rid, Task: task, Step: 1, Seq: 1, FinishedAt: t0}},
		{"negative cost", ModelAnswered{RunID: rid, Task: task, Step: 1, At: t0, CostUSD: usd(-0.01)}},
		{"cost not a number", ModelAnswered{RunID: rid, Task: task, Step: 1, At: t0, CostUSD: usd(math.NaN())}},
		{"infinite cost", ModelAnswered{RunID: rid, Task: task, Step: 1, At: t0, CostUSD: usd(math.Inf(1))}},
		{"negative attempts", ModelAnswered{RunID: rid, Task: task, Step: 1, At: t0, Attempts: -1}},
		{"unknown limit", TaskFinished{RunID: rid, Task: task, FinishedAt: t0, Status: "limit_reached", Limit: "max_money"}},
		{"check round zero", CheckStarted{RunID: rid, Task: task, Round: 0, Seq: 1, Command: "make", StartedAt: t0}},
		{"check seq zero", CheckStarted{RunID: rid, Task: task, Round: 1, Seq: 0, Command: "make", StartedAt: t0}},
		{"check without command", CheckStarted{RunID: rid, Task: task, Round: 1, Seq: 1, StartedAt: t0}},
		{"check without start time", CheckStarted{RunID: rid, Task: task, Round: 1, Seq: 1, Command: "make"}},
		{"check finished without time", CheckFinished{RunID: rid, Task: task, Round: 1, Seq: 1, Passed: true}},
		{"passed with an exit code", CheckFinished{RunID: rid, Task: task, Round: 1, Seq: 1, FinishedAt: t0, Passed: true, ExitCode: 1}},
		{"passed with an error", CheckFinished{RunID: rid, Task: task, Round: 1, Seq: 1, FinishedAt: t0, Passed: true, Error: "timed out"}},
		{"failed without a reason", CheckFinished{RunID: rid, Task: task, Round: 1, Seq: 1, FinishedAt: t0}},
		{"rollback without backup ref", TaskRolledBack{RunID: rid, Task: task, At: t0, From: sha('b'), To: sha('a')}},
		{"rollback without from", TaskRolledBack{RunID: rid, Task: task, At: t0, BackupRef: "refs/x", To: sha('a')}},
		{"rollback without to", TaskRolledBack{RunID: rid, Task: task, At: t0, BackupRef: "refs/x", From: sha('b')}},
		{"rollback without time", TaskRolledBack{RunID: rid, Task: task, BackupRef: "refs/x", From: sha('b'), To: sha('a')}},
		{"commit of step zero", CommitStarted{RunID: rid, Task: task, At: t0}},
		{"commit without time", CommitStarted{RunID: rid, Task: task, Step: 1}},
		{"negative insertions", StepFinished{RunID: rid, Task: task, Step: 1, FinishedAt: t0, Commit: sha('b'), Insertions: -1}},
		{"negative deletions", StepFinished{RunID: rid, Task: task, Step: 1, FinishedAt: t0, Commit: sha('b'), Deletions: -2}},
		{"lines without a commit", StepFinished{RunID: rid, Task: task, Step: 1, FinishedAt: t0, Insertions: 3}},
		{"files without a commit", StepFinished{RunID: rid, Task: task, Step: 1, FinishedAt: t0, Files: []string{"a.go"}}},
		{"unknown terminal reason", RunFinished{RunID: rid, FinishedAt: t0, Status: "error", Reason: "bored"}},
		{"unknown limit reason", RunFinished{RunID: rid, FinishedAt: t0, Status: "limit_reached", Reason: LimitReason("max_money")}},
		{"signal in lower case", RunFinished{RunID: rid, FinishedAt: t0, Status: "cancelled", Reason: SignalReason("sigterm")}},
		{"signal without a name", RunFinished{RunID: rid, FinishedAt: t0, Status: "cancelled", Reason: SignalReason("SIG")}},
		{"push without remote", PushStarted{RunID: rid, Task: task, At: t0, Branch: "b", Commit: sha('b')}},
		{"push without branch", PushStarted{RunID: rid, Task: task, At: t0, Remote: "origin", Commit: sha('b')}},
		{"push without commit", PushStarted{RunID: rid, Task: task, At: t0, Remote: "origin", Branch: "b"}},
		{"push without time", PushStarted{RunID: rid, Task: task, Remote: "origin", Branch: "b", Commit: sha('b')}},
		{"unknown push result", PushFinished{RunID: rid, Task: task, At: t0, Result: "sent"}},
		{"pushed with an error", PushFinished{RunID: rid, Task: task, At: t0, Result: PushPushed, Error: "boom"}},
		{"rejected without an error", PushFinished{RunID: rid, Task: task, At: t0, Result: PushRejected}},
		{"failed push with a pull request", PushFinished{RunID: rid, Task: task, At: t0, Result: PushFailed, Error: "no network",
			PR: &PullRequest{Number: 1, URL: "https://example.invalid/pr/1", State: "open"}}},
		{"pull request number zero", PushFinished{RunID: rid, Task: task, At: t0, Result: PushPushed,
			PR: &PullRequest{URL: "https://example.invalid/pr/1", State: "open"}}},
		{"pull request without URL", PushFinished{RunID: rid, Task: task, At: t0, Result: PushPushed,
			PR: &PullRequest{Number: 1, State: "open"}}},
		{"pull request without state", PushFinished{RunID: rid, Task: task, At: t0, Result: PushPushed,
			PR: &PullRequest{Number: 1, URL: "https://example.invalid/pr/1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openStore(t)
			record(t, s, started...)
			before := snapshot(t, s)
			if err := s.Record(t.Context(), tt.ev); !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("Record = %v, want ErrInvalidEvent", err)
			}
			if after := snapshot(t, s); !bytes.Equal(before, after) {
				t.Errorf("a refused event changed the store:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestRecordAcceptsLegalOrders is the allowed twin of the refusal tests:
// each sequence is one the runner produces, and it must be accepted.
func TestRecordAcceptsLegalOrders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events []Event
		check  func(t *testing.T, r *Report)
	}{
		{
			"follow-up evPrompt recorded after its step finished",
			[]Event{evRunStarted, evTaskStarted, evPrompt, evStepStarted, evStepFinished,
				MessageAdded{RunID: rid, Task: task, Step: 1, At: at(5 * time.Second), Role: "user", Content: message("user", "next evPrompt")}},
			func(t *testing.T, r *Report) {
				if got := r.Tasks[0].Stats.Messages; got != 2 {
					t.Errorf("messages = %d, want 2", got)
				}
			},
		},
		{
			"task the run did not plan is appended",
			[]Event{evRunStarted, TaskStarted{RunID: rid, Task: "extra", StartedAt: t0}},
			func(t *testing.T, r *Report) {
				var names []string
				for _, tr := range r.Tasks {
					names = append(names, tr.Name+":"+tr.Status)
				}
				want := []string{"fix:not_started", "planned:not_started", "extra:running"}
				if !slices.Equal(names, want) {
					t.Errorf("tasks = %v, want %v", names, want)
				}
			},
		},
		{
			"provider failed: step finished without an answer",
			[]Event{evRunStarted, evTaskStarted, evStepStarted, evStepFinished},
			func(t *testing.T, r *Report) {
				if st := r.Tasks[0].Steps[0]; st.StopReason != "" || st.DurationMS != 2000 {
					t.Errorf("step = %+v, want no stop reason and 2000 ms", st)
				}
			},
		},
		{
			"tool input that is not JSON is stored as sent",
			[]Event{evRunStarted, evTaskStarted, evStepStarted,
				ToolCallStarted{RunID: rid, Task: task, Step: 1, Seq: 1, Tool: "bash", Input: json.RawMessage(`{"command": "ls`), StartedAt: t0}},
			func(t *testing.T, r *Report) {
				if got := r.Tasks[0].Steps[0].Tools; !slices.Equal(got, []string{"bash"}) {
					t.Errorf("tools = %v, want [bash]", got)
				}
			},
		},
		{
			"rolled back after the task and the run finished, twice: the last one is reported",
			[]Event{evRunStarted, evTaskStarted, evTaskFinished, evRunFinished, evRolledBack,
				TaskRolledBack{RunID: rid, Task: task, At: at(3 * time.Minute), BackupRef: "refs/safe-coder/backup/y", From: sha('a'), To: sha('0')}},
			func(t *testing.T, r *Report) {
				if got, want := r.Tasks[0].Rollback, (RollbackInfo{BackupRef: "refs/safe-coder/backup/y", To: sha('0')}); got != want {
					t.Errorf("rollback = %+v, want %+v", got, want)
				}
			},
		},
		{
			"the same command in two rounds, the second still running",
			[]Event{evRunStarted, evTaskStarted, evCheckStarted,
				CheckFinished{RunID: rid, Task: task, Round: 1, Seq: 1, FinishedAt: at(6 * time.Second), ExitCode: 2, Output: "FAIL"},
				CheckStarted{RunID: rid, Task: task, Round: 2, Seq: 1, Command: "go test ./...", StartedAt: at(9 * time.Second)}},
			func(t *testing.T, r *Report) {
				c := r.Tasks[0].Checks
				if len(c) != 2 || c[0].Round != 1 || c[0].ExitCode != 2 || c[0].DurationMS != 1000 || c[1].Round != 2 || c[1].FinishedAt != "" {
					t.Errorf("checks = %+v", c)
				}
				if st := r.Tasks[0].Stats; st.ChecksRun != 2 || st.ChecksFailed != 1 {
					t.Errorf("checks_run %d, checks_failed %d; want 2 and 1 (a running check has not failed)", st.ChecksRun, st.ChecksFailed)
				}
			},
		},
		{
			"pushed after the task and the run finished; a push left unfinished stays, the next is new",
			[]Event{evRunStarted, evTaskStarted, evTaskFinished, evRunFinished, evPushStarted,
				PushStarted{RunID: rid, Task: task, At: at(4 * time.Minute), Remote: "origin", Branch: "safe-coder/fix", Commit: sha('c')},
				PushFinished{RunID: rid, Task: task, At: at(4*time.Minute + time.Second), Result: PushUpToDate,
					PR: &PullRequest{Number: 7, URL: "https://example.invalid/pr/7", State: "open"}},
				PushStarted{RunID: rid, Task: task, At: at(5 * time.Minute), Remote: "origin", Branch: "safe-coder/fix", Commit: sha('d')},
				PushFinished{RunID: rid, Task: task, At: at(5*time.Minute + time.Second), Result: PushRejected, Error: "non-fast-forward"}},
			func(t *testing.T, r *Report) {
				want := &PushInfo{Remote: "origin", Branch: "safe-coder/fix", Commit: sha('d'), StartedAt: "2026-11-26T23:16:31Z",
					FinishedAt: "2026-11-26T23:16:32Z", Result: PushRejected, Error: "non-fast-forward"}
				if got := r.Tasks[0].Push; !reflect.DeepEqual(got, want) {
					t.Errorf("push = %+v, want the last one %+v", got, want)
				}
				// The rejected push opened nothing; the earlier pull
				// request is still there.
				if got := r.Tasks[0].PR; got == nil || got.Number != 7 {
					t.Errorf("pr = %+v, want #7", got)
				}
			},
		},
		{
			"a push whose process died reports no result",
			[]Event{evRunStarted, evTaskStarted, evTaskFinished, evPushStarted},
			func(t *testing.T, r *Report) {
				if p := r.Tasks[0].Push; p == nil || p.Result != "" || p.FinishedAt != "" || r.Tasks[0].PR != nil {
					t.Errorf("push = %+v, pr = %+v; want an unfinished push and no pull request", p, r.Tasks[0].PR)
				}
			},
		},
		{
			"commit time runs from CommitStarted to StepFinished; lines are kept",
			[]Event{evRunStarted, evTaskStarted, evStepStarted, evAnswered, evCommit,
				StepFinished{RunID: rid, Task: task, Step: 1, FinishedAt: at(4 * time.Second), Commit: sha('b'),
					Files: []string{"a.go"}, Insertions: 9, Deletions: 4}},
			func(t *testing.T, r *Report) {
				st := r.Tasks[0].Steps[0]
				if st.ModelMS != 1000 || st.CommitMS != 500 || st.Insertions != 9 || st.Deletions != 4 {
					t.Errorf("step = %+v, want model 1000 ms, commit 500 ms, +9 -4", st)
				}
			},
		},
		{
			"a killed commit has no commit time",
			[]Event{evRunStarted, evTaskStarted, evStepStarted, evAnswered, evCommit},
			func(t *testing.T, r *Report) {
				if st := r.Tasks[0].Steps[0]; st.CommitMS != 0 || st.DurationMS != 0 {
					t.Errorf("step = %+v, want no commit time and no duration", st)
				}
			},
		},
		{
			"a signal reason is kept as recorded",
			[]Event{evRunStarted, RunFinished{RunID: rid, FinishedAt: at(time.Minute), Status: "cancelled", ExitCode: 129,
				Reason: SignalReason("SIGHUP")}},
			func(t *testing.T, r *Report) {
				if r.Run.TerminalReason != "cancelled:SIGHUP" {
					t.Errorf("terminal reason = %q, want cancelled:SIGHUP", r.Run.TerminalReason)
				}
			},
		},
		{
			"finish before start on the clock gives duration 0",
			[]Event{evRunStarted, RunFinished{RunID: rid, FinishedAt: t0.Add(-time.Second), Status: "error", ExitCode: 1}},
			func(t *testing.T, r *Report) {
				if r.Run.DurationMS != 0 || r.Run.FinishedAt == "" {
					t.Errorf("run = %+v, want finished with duration 0", r.Run)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openStore(t)
			record(t, s, tt.events...)
			r := buildReport(t, s, rid)
			tt.check(t, r)
		})
	}
}

func TestRecordStoresEventFields(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	input := json.RawMessage(`{"command":"rm -rf build"}`)
	content := message("assistant", "I will clean up.")
	record(t, s, evRunStarted, evTaskStarted,
		MessageAdded{RunID: rid, Task: task, Step: 1, At: at(3 * time.Second), Role: "assistant", Content: content},
		evStepStarted,
		ModelAnswered{RunID: rid, Task: task, Step: 1, At: at(3 * time.Second), StopReason: "tool_use",
			Usage: Usage{InputTokens: 1, OutputTokens: 2, CacheReadTokens: 3, CacheWriteTokens: 4}, RequestID: "req_abc",
			CostUSD: usd(0.125), Attempts: 4},
		ToolCallStarted{RunID: rid, Task: task, Step: 1, Seq: 1, CallID: "toolu_1", Tool: "bash", Input: input, StartedAt: at(3 * time.Second)},
		ToolCallFinished{RunID: rid, Task: task, Step: 1, Seq: 1, FinishedAt: at(3*time.Second + 5*time.Millisecond),
			Outcome: OutcomeDenied, Summary: "bash rm -rf build: denied", Reason: "deny rule bash(rm *)"},
	)
	var (
		gotContent, role                           string
		callID, gotInput, outcome, summary, reason string
		started, finished                          int64
		requestID                                  string
		cacheWrite                                 int64
		cost                                       float64
		attempts                                   int
		limit                                      string
	)
	err := s.db.QueryRowContext(t.Context(), `SELECT content, role FROM messages`).Scan(&gotContent, &role)
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	err = s.db.QueryRowContext(t.Context(), `SELECT call_id, input, outcome, summary, reason, started_at, finished_at FROM tool_calls`).
		Scan(&callID, &gotInput, &outcome, &summary, &reason, &started, &finished)
	if err != nil {
		t.Fatalf("read tool call: %v", err)
	}
	err = s.db.QueryRowContext(t.Context(), `SELECT request_id, cache_write_tokens, cost_usd, attempts FROM steps`).
		Scan(&requestID, &cacheWrite, &cost, &attempts)
	if err != nil {
		t.Fatalf("read step: %v", err)
	}
	record(t, s, evStepFinished,
		TaskFinished{RunID: rid, Task: task, FinishedAt: at(time.Minute), Status: "limit_reached", Limit: LimitTimeout})
	if err := s.db.QueryRowContext(t.Context(), `SELECT limit_reached FROM tasks WHERE name = ?`, task).Scan(&limit); err != nil {
		t.Fatalf("read task: %v", err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"message content", gotContent, string(content)},
		{"message role", role, "assistant"},
		{"call id", callID, "toolu_1"},
		{"call input", gotInput, string(input)},
		{"outcome", outcome, OutcomeDenied},
		{"summary", summary, "bash rm -rf build: denied"},
		{"denial reason", reason, "deny rule bash(rm *)"},
		{"call duration in ms", finished - started, int64(5)},
		{"request id", requestID, "req_abc"},
		{"cache write tokens", cacheWrite, int64(4)},
		{"cost", cost, 0.125},
		{"attempts", attempts, 4},
		{"limit", limit, LimitTimeout},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// snapshot is the whole state of run rid as the report shows it plus the
// number of rows of every table, for before/after comparisons.
func snapshot(t *testing.T, s *Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, table := range []string{"runs", "tasks", "steps", "step_files", "messages", "tool_calls", "checks", "rollbacks", "pushes"} {
		var n int
		if err := s.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		fmt.Fprintf(&buf, "%s:%d ", table, n)
	}
	r, err := s.Report(t.Context(), rid)
	if errors.Is(err, ErrRunNotFound) {
		return buf.Bytes()
	}
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	checkSchema(t, r)
	js, err := r.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	buf.Write(js)
	return buf.Bytes()
}
