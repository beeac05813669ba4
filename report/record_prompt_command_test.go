package report

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRecordPromptCommandRuns(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	const run = "20261127-040000-c0c0"
	record(t, s,
		RunStarted{RunID: run, StartedAt: t0, RepoRoot: "/r", TaskFile: "t.yaml", Version: "v", BaseCommit: sha('a'), Tasks: []string{"a"}},
		TaskStarted{RunID: run, Task: "a", StartedAt: t0, Approval: "plan", Branch: "b", BaseCommit: sha('a'), StartCommit: sha('a')},
		PromptCommandStarted{RunID: run, Task: "a", Seq: 1, Command: "echo one", At: t0},
		PromptCommandFinished{RunID: run, Task: "a", Seq: 1, At: at(time.Second), ExitCode: 2, Duration: time.Second, Output: "one\n", Error: ""},
		PromptCommandStarted{RunID: run, Task: "a", Seq: 2, Command: "echo two", At: at(time.Second)},
	)
	runs, err := s.TaskPromptCommandRuns(t.Context(), run, "a")
	if err != nil {
		t.Fatal(err)
	}
	want := []PromptCommandRun{
		{Seq: 1, Command: "echo one", Finished: true, ExitCode: 2, Duration: time.Second, Output: "one\n"},
		{Seq: 2, Command: "echo two"},
	}
	if len(runs) != 2 || runs[0] != want[0] || runs[1] != want[1] {
		t.Errorf("runs %+v, want %+v", runs, want)
	}

	for _, tt := range []struct {
		name string
		ev   Event
		want error
	}{
		{"started twice", PromptCommandStarted{RunID: run, Task: "a", Seq: 1, Command: "echo one", At: t0}, ErrDuplicate},
		{"seq 0", PromptCommandStarted{RunID: run, Task: "a", Command: "x", At: t0}, ErrInvalidEvent},
		{"no command", PromptCommandStarted{RunID: run, Task: "a", Seq: 3, At: t0}, ErrInvalidEvent},
		{"finished twice", PromptCommandFinished{RunID: run, Task: "a", Seq: 1, At: t0}, ErrInvalidEvent},
		{"finished, never started", PromptCommandFinished{RunID: run, Task: "a", Seq: 9, At: t0}, ErrInvalidEvent},
		{"negative duration", PromptCommandFinished{RunID: run, Task: "a", Seq: 2, At: t0, Duration: -time.Second}, ErrInvalidEvent},
	} {
		if err := s.Record(t.Context(), tt.ev); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}

	// The prompts recorded, the kept output goes; the interrupted command
	// is in the reports.
	record(t, s, PromptsPrepared{RunID: run, Task: "a", At: at(time.Second), Prompts: []string{"p"}, Commands: []PromptCommand{
		{Command: "echo one", ExitCode: 2, Duration: time.Second, OutputBytes: 4},
		{Command: "echo two", Interrupted: true},
	}})
	if runs, err = s.TaskPromptCommandRuns(t.Context(), run, "a"); err != nil || len(runs) != 2 || runs[0].Output != "" {
		t.Errorf("after PromptsPrepared: %+v, %v", runs, err)
	}
	r, err := s.Report(t.Context(), run)
	if err != nil {
		t.Fatal(err)
	}
	if pc := r.Tasks[0].PromptCommands; len(pc) != 2 || pc[0].Interrupted || !pc[1].Interrupted {
		t.Errorf("prompt commands %+v", pc)
	}
	md, txt := r.Markdown(), r.Text()
	if !strings.Contains(md, "| `echo two` | interrupted, outcome unknown |") {
		t.Errorf("markdown lacks the interrupted command:\n%s", md)
	}
	if !strings.Contains(txt, "prompt command: echo two (interrupted, outcome unknown,") {
		t.Errorf("text lacks the interrupted command:\n%s", txt)
	}
}
