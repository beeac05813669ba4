package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// t0 is the fixed start of every synthetic run, so reports need no
// normalization before they are compared with golden files.
var t0 = time.Date(2026, 11, 26, 23, 11, 31, 0, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

func sha(c byte) string {
	b := make([]byte, 40)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// openStore opens a fresh store in a temporary repository's .git directory
// and closes it when the test ends.
func openStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "repo", ".git", "safe-coder", "state.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// buildReport builds the report of run id and checks that its JSON
// conforms to schema.json, so every report a test looks at is one the
// schema accepts.
func buildReport(t *testing.T, s *Store, id string) *Report {
	t.Helper()
	r, err := s.Report(t.Context(), id)
	if err != nil {
		t.Fatalf("Report(%s): %v", id, err)
	}
	checkSchema(t, r)
	return r
}

// compiledSchema compiles schema.json once for the whole test binary:
// the tests validate hundreds of reports, and ValidateJSON, which
// compiles it on every call, is tested on its own.
var compiledSchema = sync.OnceValues(compileSchema)

// checkSchema fails the test when r's JSON does not conform to
// schema.json.
func checkSchema(t *testing.T, r *Report) {
	t.Helper()
	js, err := r.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	sch, err := compiledSchema()
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatalf("parse report: %v", err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("report of %s does not match its schema: %v", r.Run.ID, err)
	}
}

func record(t *testing.T, s *Store, events ...Event) {
	t.Helper()
	for i, ev := range events {
		if err := s.Record(t.Context(), ev); err != nil {
			t.Fatalf("Record event %d (%T): %v", i, ev, err)
		}
	}
}

func message(role, text string) json.RawMessage {
	b, err := json.Marshal(map[string]any{
		"role":    role,
		"content": []map[string]string{{"type": "text", "text": text}},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// toolCall returns the started and finished events of one call.
// A bash call asks for a command, the other tools for greet.go; a denied
// call is denied by a rule.
func toolCall(run, task string, step, seq int, tool, outcome, reason string, start time.Time) []Event {
	input, summary, rule := `{"path":"greet.go"}`, tool+" greet.go", ""
	if tool == "bash" {
		input, summary = `{"command":"rm -rf build"}`, "bash rm -rf build"
	}
	if outcome == OutcomeDenied {
		rule = "deny: bash(rm *)"
	}
	return []Event{
		ToolCallStarted{RunID: run, Task: task, Step: step, Seq: seq, CallID: "call_" + tool,
			Tool: tool, Input: json.RawMessage(input), StartedAt: start},
		ToolCallFinished{RunID: run, Task: task, Step: step, Seq: seq, FinishedAt: start.Add(100 * time.Millisecond),
			Outcome: outcome, Summary: summary, Reason: reason, Rule: rule},
	}
}

// check returns the started and finished events of one check run. A
// check passes when it exits with 0 and has no error.
func check(run, task string, round, seq int, command string, start time.Time, took time.Duration, exit int, errMsg, output string) []Event {
	return []Event{
		CheckStarted{RunID: run, Task: task, Round: round, Seq: seq, Command: command, StartedAt: start},
		CheckFinished{RunID: run, Task: task, Round: round, Seq: seq, FinishedAt: start.Add(took),
			ExitCode: exit, Passed: exit == 0 && errMsg == "", Output: output, Error: errMsg},
	}
}

// fullRunID is the id of the run fullRun records.
const fullRunID = "20261126-231131-ab12"

// usd returns a cost for an event.
func usd(v float64) *float64 { return &v }

// fullRun is a finished run of four planned tasks: fix-vet succeeds in
// three steps with a denial and a retried answer and passes its checks,
// changelog fails two rounds of checks after starting from a snapshot, on a
// local model whose price is unknown, and is rolled back, bump stops at its
// cost limit, and docs never starts.
func fullRun() []Event {
	const run = fullRunID
	var evs []Event
	add := func(e ...Event) { evs = append(evs, e...) }

	add(RunStarted{RunID: run, StartedAt: t0, RepoRoot: "/work/repo", TaskFile: "tasks.yaml",
		Version: "v0.1.0", BaseCommit: sha('a'), OriginalBranch: "main",
		Tasks: []string{"fix-vet", "changelog", "bump", "docs"}})

	// fix-vet: read, read, write → commit; bash denied, edit → commit; done.
	// Costs at claude-sonnet-4-5's prices ($3 in, $15 out, $0.30 cache
	// read, $3.75 cache write per million): step 1 1200×3 + 150×15 +
	// 1000×3.75 = 9600 → $0.0096; steps 2 and 3 300×3 + 80×15 + 1000×0.30
	// and 400×3 + 60×15 + 1000×0.30 = 2400 → $0.0024 each.
	add(TaskStarted{RunID: run, Task: "fix-vet", StartedAt: at(time.Second), Approval: "default",
		Provider: "anthropic", Model: "claude-sonnet-4-5", Branch: "safe-coder/fix-vet-" + run,
		BaseCommit: sha('a'), StartCommit: sha('a')},
		MessageAdded{RunID: run, Task: "fix-vet", Step: 0, At: at(time.Second), Role: "user", Content: message("user", "Fix go vet.")},
		StepStarted{RunID: run, Task: "fix-vet", Step: 1, StartedAt: at(2 * time.Second)},
		MessageAdded{RunID: run, Task: "fix-vet", Step: 1, At: at(3 * time.Second), Role: "assistant", Content: message("assistant", "Reading.")},
		ModelAnswered{RunID: run, Task: "fix-vet", Step: 1, At: at(3 * time.Second), StopReason: "tool_use",
			Usage: Usage{InputTokens: 1200, OutputTokens: 150, CacheWriteTokens: 1000}, RequestID: "req_1",
			CostUSD: usd(0.0096), Attempts: 1})
	add(toolCall(run, "fix-vet", 1, 1, "read_file", OutcomeOK, "", at(3*time.Second))...)
	add(toolCall(run, "fix-vet", 1, 2, "read_file", OutcomeOK, "", at(3*time.Second+200*time.Millisecond))...)
	add(toolCall(run, "fix-vet", 1, 3, "write_file", OutcomeOK, "", at(3*time.Second+400*time.Millisecond))...)
	add(CommitStarted{RunID: run, Task: "fix-vet", Step: 1, At: at(3*time.Second + 200*time.Millisecond)},
		MessageAdded{RunID: run, Task: "fix-vet", Step: 1, At: at(3*time.Second + 220*time.Millisecond), Role: "user", Content: message("user", "results")},
		StepFinished{RunID: run, Task: "fix-vet", Step: 1, FinishedAt: at(3*time.Second + 234*time.Millisecond),
			Commit: sha('b'), Files: []string{"greet.go"}, Insertions: 12, Deletions: 3},
		StepStarted{RunID: run, Task: "fix-vet", Step: 2, StartedAt: at(4 * time.Second)},
		MessageAdded{RunID: run, Task: "fix-vet", Step: 2, At: at(5 * time.Second), Role: "assistant", Content: message("assistant", "Testing.")},
		ModelAnswered{RunID: run, Task: "fix-vet", Step: 2, At: at(5 * time.Second), StopReason: "tool_use",
			Usage: Usage{InputTokens: 300, OutputTokens: 80, CacheReadTokens: 1000}, RequestID: "req_2",
			CostUSD: usd(0.0024), Attempts: 3})
	add(toolCall(run, "fix-vet", 2, 1, "bash", OutcomeDenied, "approval default: no allow rule matches bash(rm -rf build)", at(5*time.Second))...)
	add(toolCall(run, "fix-vet", 2, 2, "edit_file", OutcomeOK, "", at(5*time.Second+200*time.Millisecond))...)
	add(CommitStarted{RunID: run, Task: "fix-vet", Step: 2, At: at(2*time.Minute + 9*time.Second + 500*time.Millisecond)},
		MessageAdded{RunID: run, Task: "fix-vet", Step: 2, At: at(2*time.Minute + 9*time.Second + 600*time.Millisecond), Role: "user", Content: message("user", "results")},
		StepFinished{RunID: run, Task: "fix-vet", Step: 2, FinishedAt: at(2*time.Minute + 10*time.Second),
			Commit: sha('c'), Files: []string{"greet.go", "greet_test.go"}, Insertions: 20, Deletions: 1},
		StepStarted{RunID: run, Task: "fix-vet", Step: 3, StartedAt: at(2*time.Minute + 11*time.Second + 150*time.Millisecond)},
		MessageAdded{RunID: run, Task: "fix-vet", Step: 3, At: at(2*time.Minute + 12*time.Second), Role: "assistant", Content: message("assistant", "Done.")},
		ModelAnswered{RunID: run, Task: "fix-vet", Step: 3, At: at(2*time.Minute + 12*time.Second), StopReason: "end_turn",
			Usage: Usage{InputTokens: 400, OutputTokens: 60, CacheReadTokens: 1000}, RequestID: "req_3",
			CostUSD: usd(0.0024), Attempts: 1},
		StepFinished{RunID: run, Task: "fix-vet", Step: 3, FinishedAt: at(2*time.Minute + 12*time.Second + 850*time.Millisecond)})
	add(check(run, "fix-vet", 1, 1, "go vet ./...", at(2*time.Minute+13*time.Second), 2400*time.Millisecond, 0, "", "")...)
	add(check(run, "fix-vet", 1, 2, "go test ./...", at(2*time.Minute+15*time.Second+500*time.Millisecond), 3500*time.Millisecond, 0, "",
		"ok  \texample.com/greet\t0.012s\n")...)
	add(TaskFinished{RunID: run, Task: "fix-vet", FinishedAt: at(3*time.Minute + 5*time.Second), Status: "succeeded",
		HeadCommit: sha('c'), FinalMessage: "Fixed the printf verb in greet.go | added a test.\n\nAll tests pass."})
	add(pushEvents(run, "fix-vet")...)

	// changelog: started from a snapshot; one write, then the checks fail,
	// the model answers again without fixing them, the second round fails
	// too (the test times out), and on_failure rolls the branch back.
	add(TaskStarted{RunID: run, Task: "changelog", StartedAt: at(3*time.Minute + 6*time.Second), Approval: "auto-edit",
		Provider: "ollama", Model: "qwen2.5-coder:32b", Branch: "safe-coder/changelog-" + run,
		BaseCommit: sha('a'), StartCommit: sha('d'), SnapshotCommit: sha('d')},
		MessageAdded{RunID: run, Task: "changelog", Step: 0, At: at(3*time.Minute + 6*time.Second), Role: "user", Content: message("user", "Update CHANGELOG.md.")},
		StepStarted{RunID: run, Task: "changelog", Step: 1, StartedAt: at(3*time.Minute + 7*time.Second)},
		MessageAdded{RunID: run, Task: "changelog", Step: 1, At: at(3*time.Minute + 8*time.Second), Role: "assistant", Content: message("assistant", "Writing.")},
		ModelAnswered{RunID: run, Task: "changelog", Step: 1, At: at(3*time.Minute + 8*time.Second), StopReason: "tool_use",
			Usage: Usage{InputTokens: 900, OutputTokens: 400}, RequestID: "req_4", Attempts: 1})
	add(toolCall(run, "changelog", 1, 1, "write_file", OutcomeOK, "", at(3*time.Minute+8*time.Second))...)
	add(CommitStarted{RunID: run, Task: "changelog", Step: 1, At: at(3*time.Minute + 9*time.Second + 200*time.Millisecond)},
		MessageAdded{RunID: run, Task: "changelog", Step: 1, At: at(3*time.Minute + 9*time.Second + 300*time.Millisecond), Role: "user", Content: message("user", "results")},
		StepFinished{RunID: run, Task: "changelog", Step: 1, FinishedAt: at(3*time.Minute + 9*time.Second + 500*time.Millisecond),
			Commit: sha('e'), Files: []string{"CHANGELOG.md"}, Insertions: 5},
		StepStarted{RunID: run, Task: "changelog", Step: 2, StartedAt: at(3*time.Minute + 10*time.Second)},
		MessageAdded{RunID: run, Task: "changelog", Step: 2, At: at(3*time.Minute + 11*time.Second), Role: "assistant", Content: message("assistant", "Done.")},
		ModelAnswered{RunID: run, Task: "changelog", Step: 2, At: at(3*time.Minute + 11*time.Second), StopReason: "end_turn",
			Usage: Usage{InputTokens: 950, OutputTokens: 20}, RequestID: "req_5", Attempts: 1},
		StepFinished{RunID: run, Task: "changelog", Step: 2, FinishedAt: at(3*time.Minute + 11*time.Second + 5*time.Millisecond)})
	add(check(run, "changelog", 1, 1, "go vet ./...", at(3*time.Minute+11*time.Second+100*time.Millisecond), time.Second, 0, "", "")...)
	add(check(run, "changelog", 1, 2, "go test ./...", at(3*time.Minute+12*time.Second+100*time.Millisecond), 3200*time.Millisecond, 1, "",
		"--- FAIL: TestChangelog (0.00s)\n    changelog_test.go:12: missing entry for 0.2.0\nFAIL\nFAIL\texample.com/changelog\t0.004s\n")...)
	add(MessageAdded{RunID: run, Task: "changelog", Step: 2, At: at(3*time.Minute + 15*time.Second + 300*time.Millisecond), Role: "user",
		Content: message("user", "(safe-coder) The checks failed: go test ./... (exit 1).")},
		StepStarted{RunID: run, Task: "changelog", Step: 3, StartedAt: at(3*time.Minute + 15*time.Second + 400*time.Millisecond)},
		MessageAdded{RunID: run, Task: "changelog", Step: 3, At: at(3*time.Minute + 16*time.Second), Role: "assistant", Content: message("assistant", "Added the 0.2.0 entry.")},
		ModelAnswered{RunID: run, Task: "changelog", Step: 3, At: at(3*time.Minute + 16*time.Second), StopReason: "end_turn",
			Usage: Usage{InputTokens: 1000, OutputTokens: 30}, RequestID: "req_5b", Attempts: 1},
		StepFinished{RunID: run, Task: "changelog", Step: 3, FinishedAt: at(3*time.Minute + 16*time.Second + 10*time.Millisecond)})
	add(check(run, "changelog", 2, 1, "go vet ./...", at(3*time.Minute+16*time.Second+100*time.Millisecond), time.Second, 0, "", "")...)
	add(check(run, "changelog", 2, 2, "go test ./...", at(3*time.Minute+17*time.Second+100*time.Millisecond), 2400*time.Millisecond, -1,
		"timed out after 2s", "=== RUN   TestChangelog\n")...)
	add(TaskFinished{RunID: run, Task: "changelog", FinishedAt: at(3*time.Minute + 20*time.Second), Status: "checks_failed",
		HeadCommit: sha('e'), FinalMessage: "Added the 0.2.0 entry.",
		Error: "checks failed after 2 attempts:\ngo test ./...: exit status 1\n```\n--- FAIL: TestChangelog\n```"},
		TaskRolledBack{RunID: run, Task: "changelog", At: at(3*time.Minute + 20*time.Second + 500*time.Millisecond),
			BackupRef: "refs/safe-coder/backup/changelog-" + run, From: sha('e'), To: sha('d')})

	// bump: one read on claude-haiku-4-5 ($1 in, $5 out, $0.10 cache
	// read, $1.25 cache write per million): 8000×1 + 1500×5 + 20000×0.10
	// + 2000×1.25 = 20000 → $0.02, which reaches the task's max_cost_usd.
	add(TaskStarted{RunID: run, Task: "bump", StartedAt: at(3*time.Minute + 21*time.Second), Approval: "auto-edit",
		Provider: "anthropic", Model: "claude-haiku-4-5", Branch: "safe-coder/bump-" + run,
		BaseCommit: sha('a'), StartCommit: sha('d')},
		MessageAdded{RunID: run, Task: "bump", Step: 0, At: at(3*time.Minute + 21*time.Second), Role: "user", Content: message("user", "Bump the dependencies.")},
		StepStarted{RunID: run, Task: "bump", Step: 1, StartedAt: at(3*time.Minute + 22*time.Second)},
		MessageAdded{RunID: run, Task: "bump", Step: 1, At: at(3*time.Minute + 30*time.Second), Role: "assistant", Content: message("assistant", "Reading go.mod.")},
		ModelAnswered{RunID: run, Task: "bump", Step: 1, At: at(3*time.Minute + 30*time.Second), StopReason: "tool_use",
			Usage: Usage{InputTokens: 8000, OutputTokens: 1500, CacheReadTokens: 20000, CacheWriteTokens: 2000}, RequestID: "req_6",
			CostUSD: usd(0.02), Attempts: 2})
	add(toolCall(run, "bump", 1, 1, "read_file", OutcomeOK, "", at(3*time.Minute+30*time.Second))...)
	add(MessageAdded{RunID: run, Task: "bump", Step: 1, At: at(3*time.Minute + 30*time.Second + 200*time.Millisecond), Role: "user", Content: message("user", "results")},
		StepFinished{RunID: run, Task: "bump", Step: 1, FinishedAt: at(3*time.Minute + 30*time.Second + 500*time.Millisecond)},
		TaskFinished{RunID: run, Task: "bump", FinishedAt: at(3*time.Minute + 31*time.Second), Status: "limit_reached",
			HeadCommit: sha('d'), Limit: LimitMaxCostUSD, Error: "limit reached: max_cost_usd 0.02: spent $0.0200"})

	add(RunFinished{RunID: run, FinishedAt: at(3*time.Minute + 40*time.Second), Status: "checks_failed", ExitCode: 1,
		Reason: ReasonChecksFailed, Error: "2 of 4 tasks did not succeed: changelog (checks_failed), bump (limit_reached)"})
	return evs
}

// pushEvents pushes task's branch to origin and opens pull request #42.
func pushEvents(run, task string) []Event {
	return []Event{
		PushStarted{RunID: run, Task: task, At: at(3*time.Minute + 5*time.Second + 100*time.Millisecond),
			Remote: "origin", Branch: "safe-coder/" + task + "-" + run, Commit: sha('c')},
		PushFinished{RunID: run, Task: task, At: at(3*time.Minute + 5*time.Second + 900*time.Millisecond), Result: PushPushed,
			PR: &PullRequest{Number: 42, URL: "https://github.com/example/greet/pull/42", State: "draft"}},
	}
}
