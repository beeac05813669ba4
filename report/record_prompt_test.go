package report

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRecordPromptInfo(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	const run = "20261126-231131-d1d1"
	record(t, s,
		RunStarted{RunID: run, StartedAt: t0, RepoRoot: "/work/repo", TaskFile: "tasks.yaml", Version: "v0.1.0",
			BaseCommit: sha('a'), OriginalBranch: "main", Tasks: []string{"review", "later"}},
		TaskStarted{RunID: run, Task: "review", StartedAt: at(time.Second), Approval: "plan", Provider: "replay",
			Model: "m", Branch: "safe-coder/review", BaseCommit: sha('a'), StartCommit: sha('a')},
		PromptsPrepared{RunID: run, Task: "review", At: at(time.Second), Prompts: []string{"Review main.go", "Then the tests"},
			Commands: []PromptCommand{
				{Command: "go vet ./...", ExitCode: 1, Duration: 1500 * time.Millisecond, OutputBytes: 42},
				{Command: "missing-tool", ExitCode: -1, Error: "exec: not found"},
			}},
		InstructionsLoaded{RunID: run, Task: "review", Step: 0, At: at(time.Second), Files: []InstructionFile{
			{Path: "AGENTS.md", Bytes: 40000, Truncated: true, Source: "base", Commit: sha('b')}}},
		StepStarted{RunID: run, Task: "review", Step: 1, StartedAt: at(2 * time.Second)},
		InstructionsLoaded{RunID: run, Task: "review", Step: 1, At: at(3 * time.Second), Files: []InstructionFile{
			{Path: "src/AGENTS.md", Bytes: 12, Source: "worktree"}}},
		StepFinished{RunID: run, Task: "review", Step: 1, FinishedAt: at(3 * time.Second)},
		PlanRecorded{RunID: run, Task: "review", At: at(4 * time.Second), Plan: "1. Split main.go.\n2. Add tests."},
		TaskFinished{RunID: run, Task: "review", FinishedAt: at(4 * time.Second), Status: "succeeded",
			HeadCommit: sha('a'), FinalMessage: "1. Split main.go.\n2. Add tests."},
	)
	got, err := s.TaskPrompts(t.Context(), run, "review")
	if err != nil || strings.Join(got, "|") != "Review main.go|Then the tests" {
		t.Errorf("TaskPrompts = %q, %v", got, err)
	}
	if got, err := s.TaskPrompts(t.Context(), run, "later"); err != nil || got != nil {
		t.Errorf("TaskPrompts of a task never started = %q, %v", got, err)
	}
	if _, err := s.TaskPrompts(t.Context(), run, "nope"); !errors.Is(err, ErrRunNotFound) {
		t.Errorf("TaskPrompts of an unknown task: %v", err)
	}

	r := buildReport(t, s, run)
	task := r.Tasks[0]
	if task.Plan != "1. Split main.go.\n2. Add tests." {
		t.Errorf("plan %q", task.Plan)
	}
	if len(task.Instructions) != 2 || task.Instructions[0] != (InstructionReport{Path: "AGENTS.md", Bytes: 40000, Truncated: true, Source: "base", Commit: sha('b')}) ||
		task.Instructions[1] != (InstructionReport{Path: "src/AGENTS.md", Step: 1, Bytes: 12, Source: "worktree"}) {
		t.Errorf("instructions %+v", task.Instructions)
	}
	if len(task.PromptCommands) != 2 || task.PromptCommands[0] != (PromptCommandReport{Command: "go vet ./...", ExitCode: 1, DurationMS: 1500, OutputBytes: 42}) ||
		task.PromptCommands[1].Error != "exec: not found" {
		t.Errorf("prompt commands %+v", task.PromptCommands)
	}
	if other := r.Tasks[1]; other.Instructions == nil || other.PromptCommands == nil || other.Plan != "" {
		t.Errorf("a task that never started: %+v", other)
	}

	md := r.Markdown()
	for _, want := range []string{
		"Instructions: `AGENTS.md` (from the base commit, 40000 bytes, cut), `src/AGENTS.md` (reached in step 1, 12 bytes)\n",
		"| `go vet ./...` | 1 | 42 bytes | 1.5s |\n",
		"| `missing-tool` | could not run: exec: not found | 0 bytes |",
		"### Plan\n\n> 1. Split main.go.\n> 2. Add tests.\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "Final message:") {
		t.Errorf("the plan is shown twice:\n%s", md)
	}
	txt := r.Text()
	for _, want := range []string{
		"instructions: AGENTS.md (from the base commit, 40000 bytes, cut)\n",
		"prompt command: go vet ./... (exit 1, 42 bytes, 1.5s)\n",
		"plan:\n  1. Split main.go.\n  2. Add tests.\n",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

func TestRecordPromptInfoRefuses(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	const run = "20261126-231131-d1d2"
	record(t, s,
		RunStarted{RunID: run, StartedAt: t0, RepoRoot: "/r", TaskFile: "t.yaml", Version: "v", BaseCommit: sha('a'), Tasks: []string{"a"}},
		TaskStarted{RunID: run, Task: "a", StartedAt: t0, Approval: "plan", Branch: "b", BaseCommit: sha('a'), StartCommit: sha('a')},
		PromptsPrepared{RunID: run, Task: "a", At: t0, Prompts: []string{"p"}},
		InstructionsLoaded{RunID: run, Task: "a", At: t0, Files: []InstructionFile{{Path: "AGENTS.md", Bytes: 1, Source: "worktree"}}},
	)
	for _, tt := range []struct {
		name string
		ev   Event
		want error
	}{
		{"prompts twice", PromptsPrepared{RunID: run, Task: "a", At: t0, Prompts: []string{"p"}}, ErrDuplicate},
		{"no prompts", PromptsPrepared{RunID: run, Task: "a", At: t0}, ErrInvalidEvent},
		{"command without text", PromptsPrepared{RunID: run, Task: "a", At: t0, Prompts: []string{"p"}, Commands: []PromptCommand{{}}}, ErrInvalidEvent},
		{"instruction file twice", InstructionsLoaded{RunID: run, Task: "a", Step: 2, At: t0, Files: []InstructionFile{{Path: "AGENTS.md", Source: "worktree"}}}, ErrDuplicate},
		{"unknown source", InstructionsLoaded{RunID: run, Task: "a", At: t0, Files: []InstructionFile{{Path: "X.md", Source: "pr"}}}, ErrInvalidEvent},
		{"work tree file with a commit", InstructionsLoaded{RunID: run, Task: "a", At: t0, Files: []InstructionFile{{Path: "X.md", Source: "worktree", Commit: sha('b')}}}, ErrInvalidEvent},
		{"empty plan", PlanRecorded{RunID: run, Task: "a", At: t0}, ErrInvalidEvent},
		{"task not started", PlanRecorded{RunID: run, Task: "b", At: t0, Plan: "x"}, ErrNotStarted},
	} {
		if err := s.Record(t.Context(), tt.ev); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	record(t, s, TaskFinished{RunID: run, Task: "a", FinishedAt: t0, Status: "succeeded"})
	if err := s.Record(t.Context(), PlanRecorded{RunID: run, Task: "a", At: t0, Plan: "late"}); !errors.Is(err, ErrFinished) {
		t.Errorf("plan after the task finished: %v", err)
	}
}
