package report

import (
	"strings"
	"testing"
	"time"
)

func TestEscapeControls(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text, ünïcode ×2 — ok", "plain text, ünïcode ×2 — ok"},
		{"clear\x1b[2Jscreen", `clear\x1b[2Jscreen`},
		{"bell\a and del\x7f", `bell\x07 and del\x7f`},
		{"tab\there", `tab\x09here`},
		{"c1\u009bcsi", `c1\u009bcsi`},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"isolate\u2066x\u2069", `isolate\u2066x\u2069`},
		{"mark\u200f", `mark\u200f`},
		{"line\nbreak kept", "line\nbreak kept"},
	}
	for _, tt := range tests {
		if got := escapeControls(tt.in); got != tt.want {
			t.Errorf("escapeControls(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTextNeutralizesRunContent records a run whose every free-text field
// carries terminal escapes, tabs and line breaks, and checks that the
// text report shows them escaped and keeps its table rows whole.
func TestTextNeutralizesRunContent(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	const evil = "x\x1b]0;owned\x07\tcol\nrow\u202e"
	record(t, s,
		RunStarted{RunID: rid, StartedAt: t0, RepoRoot: "/r", Tasks: []string{task}},
		TaskStarted{RunID: rid, Task: task, StartedAt: t0, Branch: "b" + evil, Model: evil},
		StepStarted{RunID: rid, Task: task, Step: 1, StartedAt: t0},
		ToolCallStarted{RunID: rid, Task: task, Step: 1, Seq: 1, Tool: "bash" + evil, Input: []byte(`{"command":"rm\u001b[2J -rf /"}`), StartedAt: t0},
		ToolCallFinished{RunID: rid, Task: task, Step: 1, Seq: 1, FinishedAt: t0, Outcome: OutcomeDenied, Rule: "deny: " + evil},
		StepFinished{RunID: rid, Task: task, Step: 1, FinishedAt: at(time.Second)},
		CheckStarted{RunID: rid, Task: task, Round: 1, Seq: 1, Command: "make" + evil, StartedAt: t0},
		TaskFinished{RunID: rid, Task: task, FinishedAt: at(time.Second), Status: "error", FinalMessage: "done" + evil, Error: "boom" + evil},
		RunFinished{RunID: rid, FinishedAt: at(time.Second), Status: "error", ExitCode: 1, Error: evil},
	)
	text := buildReport(t, s, rid).Text()
	if strings.ContainsAny(text, "\x1b\x07\t\u202e") {
		t.Errorf("text report carries raw control characters:\n%q", text)
	}
	for _, want := range []string{`\x1b]0;owned\x07`, `\u202e`} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks the escaped %s:\n%s", want, text)
		}
	}
	// The summary row has as many words as its header: a value's tab or
	// line break never starts a new cell or row.
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "TASK ") {
			if row := lines[i+1]; !strings.HasPrefix(row, task+" ") || len(strings.Fields(row)) != len(strings.Fields(line)) {
				t.Errorf("summary row %q does not line up with %q", row, line)
			}
		}
	}
}

func TestTextRunningRun(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s,
		RunStarted{RunID: "crash", StartedAt: t0, RepoRoot: "/r", Tasks: []string{"fix"}},
		TaskStarted{RunID: "crash", Task: "fix", StartedAt: t0, Branch: "safe-coder/fix", StartCommit: sha('a')},
		StepStarted{RunID: "crash", Task: "fix", Step: 1, StartedAt: t0},
	)
	text := buildReport(t, s, "crash").Text()
	for _, want := range []string{
		"safe-coder run crash: running\n",
		"not finished: still going, or its process was killed",
		"run branch safe-coder/fix, head aaaaaaaaaaaa\n",
		"\n== fix: running\n",
		"\n1     —      —       —      0ms    0ms    0ms     0/0            $0.0000  0ms\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}
