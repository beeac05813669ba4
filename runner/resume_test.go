package runner

import (
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/tasks"
)

// A step cut by a crash: its finished call is told as such, the call
// under way gets "interrupted, outcome unknown", the one not started is
// not run; nothing runs again; the step's changes are committed; then the
// conversation goes on.
func TestResumeOpenStep(t *testing.T) {
	t.Parallel()
	write := call("c1", "write_file", map[string]any{"path": "a", "content": "x"})
	bash := call("c2", "bash", map[string]any{"command": "make"})
	edit := call("c3", "edit_file", map[string]any{"path": "a", "old_string": "x", "new_string": "y"})
	answer1 := llm.Message{Role: llm.RoleAssistant, Content: []llm.Part{llm.ToolCallPart(write), llm.ToolCallPart(bash), llm.ToolCallPart(edit)}}
	f := newFixture(t, tasks.ApprovalYolo, 10, answer("done"))
	r := Resume{
		Messages: []llm.Message{userText("do it"), answer1},
		LastStep: 1,
		Open: &OpenStep{Step: 1, Answered: true, Calls: []OpenCall{
			{Call: write, Started: true, Finished: true, Outcome: "ok", Summary: "write_file a (1 bytes)"},
			{Call: bash, Started: true},
			{Call: edit},
		}},
		PromptsSent: 1,
		Usage:       llm.Usage{InputTokens: 100, OutputTokens: 10},
	}
	pol := mustPolicy(t, f)
	res := ResumeRun(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: pol}, r)
	if res.Status != StatusSucceeded || res.Steps != 2 || res.FinalMessage != "done" {
		t.Fatalf("result %+v", res)
	}
	if len(f.tools.calls) != 0 {
		t.Errorf("resume ran tools again: %v", f.tools.calls)
	}
	// The open step's changes are committed as step 1.
	if len(f.git.commits) != 1 || f.git.commits[0].Step != 1 || strings.Join(f.git.commits[0].Tools, ",") != "write_file,bash" {
		t.Errorf("commits %+v", f.git.commits)
	}
	results := f.model.reqs[0].Messages[2].Content
	for i, want := range []string{"ran before safe-coder was interrupted", "interrupted, outcome unknown", "not run: safe-coder was interrupted before this call ran"} {
		if got := results[i].ToolResult; got == nil || !strings.Contains(got.Content, want) || got.CallID != []string{"c1", "c2", "c3"}[i] {
			t.Errorf("result %d: %+v, want %q", i, got, want)
		}
	}
	if kinds := f.rec.kinds(); kinds[0] != "TaskResumed" || kinds[len(kinds)-1] != "TaskFinished" {
		t.Errorf("events %v", kinds)
	}
}

// A commit made just before the crash, which the state never heard of, is
// adopted, not made again.
func TestResumeAdoptsCommit(t *testing.T) {
	t.Parallel()
	write := call("c1", "write_file", map[string]any{"path": "a", "content": "x"})
	answer1 := llm.Message{Role: llm.RoleAssistant, Content: []llm.Part{llm.ToolCallPart(write)}}
	f := newFixture(t, tasks.ApprovalYolo, 10, answer("done"))
	f.git.onBranch = map[int]string{1: "cafe000000000000000000000000000000000001"}
	r := Resume{
		Messages: []llm.Message{userText("do it"), answer1},
		LastStep: 1,
		Open: &OpenStep{Step: 1, Answered: true, CommitStarted: true, Calls: []OpenCall{
			{Call: write, Started: true, Finished: true, Outcome: "ok", Summary: "write_file a"},
		}},
		PromptsSent: 1,
	}
	res := ResumeRun(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: mustPolicy(t, f)}, r)
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	if len(f.git.commits) != 0 {
		t.Errorf("committed again: %+v", f.git.commits)
	}
	for _, ev := range f.rec.events {
		if fin, ok := ev.(report.StepFinished); ok && fin.Step == 1 && fin.Commit != f.git.onBranch[1] {
			t.Errorf("step 1 finished with %q, want the adopted commit", fin.Commit)
		}
	}
}

// A task whose last answer had no tool calls picks up where that answer
// left it: the checks (here none) end it without asking the model again.
func TestResumeAfterFinalAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalYolo, 10)
	r := Resume{
		Messages:    []llm.Message{userText("do it"), {Role: llm.RoleAssistant, Content: []llm.Part{llm.TextPart("all done")}}},
		LastStep:    1,
		PromptsSent: 1,
		Reopened:    true,
	}
	res := ResumeRun(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: mustPolicy(t, f)}, r)
	if res.Status != StatusSucceeded || res.FinalMessage != "all done" || len(f.model.reqs) != 0 {
		t.Fatalf("result %+v after %d requests", res, len(f.model.reqs))
	}
	if ev, ok := f.rec.events[0].(report.TaskResumed); !ok || !ev.Reopened {
		t.Errorf("first event %+v", f.rec.events[0])
	}
}
