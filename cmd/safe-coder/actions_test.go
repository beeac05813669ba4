package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
	"github.com/safe-coder/safe-coder/tasks"
)

func TestGroupWriter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{
			name:   "steps grouped, other lines outside",
			writes: []string{"[a] branch x\n", "[a] step 1: read_file a\n[a] step 1: commit 1234\n", "[a] step 2: bash ls\n", "[a] succeeded\n"},
			want:   "[a] branch x\n::group::[a] step 1\n[a] step 1: read_file a\n[a] step 1: commit 1234\n::endgroup::\n::group::[a] step 2\n[a] step 2: bash ls\n::endgroup::\n[a] succeeded\n",
		},
		{
			name:   "event lines join their step's group",
			writes: []string{"[a] step 1: x\n", "2026-11-27T01:02:03Z [a] step_finished step=1 tools=x\n", "2026-11-27T01:02:03Z [a] task_finished status=succeeded\n"},
			want:   "::group::[a] step 1\n[a] step 1: x\n2026-11-27T01:02:03Z [a] step_finished step=1 tools=x\n::endgroup::\n2026-11-27T01:02:03Z [a] task_finished status=succeeded\n",
		},
		{
			name:   "partial writes wait for the line's end",
			writes: []string{"[a] st", "ep 3: hal", "f\n[b] step 3: y\n"},
			want:   "::group::[a] step 3\n[a] step 3: half\n::endgroup::\n::group::[b] step 3\n[b] step 3: y\n::endgroup::\n",
		},
		{
			name:   "uncommitted changes are warnings",
			writes: []string{"[a] step 2: Not committed, and left as they are in the work tree: big.bin (too large).\n", "[a] snapshot: not committed: x.bin (too large)\n"},
			want: "::group::[a] step 2\n[a] step 2: Not committed, and left as they are in the work tree: big.bin (too large).\n" +
				"::warning title=safe-coder%3A change not committed::[a] step 2: Not committed, and left as they are in the work tree: big.bin (too large).\n" +
				"::endgroup::\n[a] snapshot: not committed: x.bin (too large)\n" +
				"::warning title=safe-coder%3A change not committed::[a] snapshot: not committed: x.bin (too large)\n",
		},
		{
			name:   "close writes a partial line",
			writes: []string{"[a] step 1: x\n[a] step 1: no newline"},
			want:   "::group::[a] step 1\n[a] step 1: x\n[a] step 1: no newline\n::endgroup::\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			g := newGroupWriter(&b)
			for _, w := range tc.writes {
				if n, err := g.Write([]byte(w)); err != nil || n != len(w) {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestWorkflowCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cmd, title, msg, want string
	}{
		{"plain", "error", "", "boom", "::error::boom\n"},
		{"message escaped", "warning", "", "50% done\r\n::error::injected", "::warning::50%25 done%0D%0A::error::injected\n"},
		{"title escaped", "error", "a: b, c%\n", "m", "::error title=a%3A b%2C c%25%0A::m\n"},
	}
	for _, tc := range tests {
		if got := workflowCommand(tc.cmd, tc.title, tc.msg); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestAnnotate(t *testing.T) {
	t.Parallel()
	rep := &report.Report{
		Run: report.RunInfo{ID: "r", Status: "repo_error", Error: "task b: push rejected\nmore"},
		Tasks: []report.TaskReport{
			{Name: "a", Status: "checks_failed", Error: "checks failed\nsecond line", Denied: []report.DeniedCall{
				{Step: 2, Tool: "bash", Input: json.RawMessage(`{"command":"rm -rf /"}`), Rule: "bash(rm *)", Reason: "denied by rule"},
			}},
			{Name: "b", Status: "succeeded"},
			{Name: "c", Status: report.StatusNotStarted},
		},
	}
	var b strings.Builder
	if err := annotate(&b, rep); err != nil {
		t.Fatal(err)
	}
	want := "::warning title=safe-coder%3A denied by policy::[a] step 2: bash {\"command\":\"rm -rf /\"} denied: denied by rule (rule bash(rm *))\n" +
		"::error title=safe-coder%3A task a checks_failed::task a: checks_failed: checks failed\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}

	// A run that failed outside its tasks (a push) is an error of its own.
	rep.Tasks = rep.Tasks[1:]
	b.Reset()
	if err := annotate(&b, rep); err != nil {
		t.Fatal(err)
	}
	if want := "::error title=safe-coder%3A run repo_error::task b: push rejected\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestActionsFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": "/o", "GITHUB_STEP_SUMMARY": "/s", "RUNNER_TEMP": "/tmp/r"}
	a := actionsFromEnv(func(k string) string { return env[k] })
	if !a.enabled || a.output != "/o" || a.summary != "/s" || a.reportPath("x") != "/tmp/r/safe-coder-x.json" {
		t.Errorf("got %+v", a)
	}
	env["GITHUB_ACTIONS"] = "1"
	if a := actionsFromEnv(func(k string) string { return env[k] }); a.enabled || a.output != "" {
		t.Errorf("GITHUB_ACTIONS=1 enabled Actions: %+v", a)
	}
}

func TestQuietLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tasks []report.TaskReport
		want  string
	}{
		{"no task", nil, "safe-coder: run r1 succeeded (exit 0): no task\n"},
		{"one", []report.TaskReport{{Name: "a", Status: "succeeded"}}, "safe-coder: run r1 succeeded (exit 0): 1 task: 1 succeeded\n"},
		{
			"mixed",
			[]report.TaskReport{{Name: "a", Status: "succeeded"}, {Name: "b", Status: "checks_failed"}, {Name: "c", Status: "succeeded"}, {Name: "d", Status: "checks_failed"}},
			"safe-coder: run r1 succeeded (exit 0): 4 tasks: 2 succeeded, 2 checks_failed (b, d)\n",
		},
	}
	for _, tc := range tests {
		rep := &report.Report{Run: report.RunInfo{ID: "r1", Status: "succeeded"}, Tasks: tc.tasks}
		if got := quietLine(rep); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPublisherWants(t *testing.T) {
	t.Parallel()
	task := func(open bool, onFailure tasks.PROnFailure, draft bool) tasks.Task {
		return tasks.Task{PR: tasks.PR{Open: open, OnFailure: onFailure, Draft: draft}}
	}
	tests := []struct {
		name             string
		force            bool
		task             tasks.Task
		status           runner.Status
		wantOpen, wantDr bool
	}{
		{"succeeded, pr.open", false, task(true, tasks.PROnFailureNone, false), runner.StatusSucceeded, true, false},
		{"succeeded, pr.draft", false, task(true, tasks.PROnFailureNone, true), runner.StatusSucceeded, true, true},
		{"succeeded, not asked", false, task(false, tasks.PROnFailureNone, true), runner.StatusSucceeded, false, true},
		{"succeeded, --open-pr", true, task(false, tasks.PROnFailureNone, false), runner.StatusSucceeded, true, false},
		{"failed", true, task(true, tasks.PROnFailureNone, false), runner.StatusChecksFailed, false, true},
		{"failed, on_failure draft", false, task(false, tasks.PROnFailureDraft, false), runner.StatusLimitReached, true, true},
		{"cancelled", true, task(true, tasks.PROnFailureDraft, false), runner.StatusCancelled, false, false},
	}
	for _, tc := range tests {
		p := &publisher{forceOpen: tc.force}
		open, draft := p.wants(tc.task, tc.status)
		if open != tc.wantOpen || (open && draft != tc.wantDr) {
			t.Errorf("%s: open %v draft %v; want %v %v", tc.name, open, draft, tc.wantOpen, tc.wantDr)
		}
	}
}
