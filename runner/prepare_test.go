package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/runner/secrets"
	"github.com/safe-coder/safe-coder/tasks"
)

// fakeExpander expands "@x" to "[x]" and "!`c`" to a command run; it
// fails the test when it is called more or fewer times than expected.
type fakeExpander struct {
	t     *testing.T
	calls []string
	fail  error
}

func newExpander(t *testing.T, want int) *fakeExpander {
	e := &fakeExpander{t: t}
	t.Cleanup(func() {
		if len(e.calls) != want {
			t.Errorf("expander: %d calls %q, want %d", len(e.calls), e.calls, want)
		}
	})
	return e
}

func (e *fakeExpander) Expand(ctx context.Context, text string, journal prompt.Journal) (prompt.Expansion, error) {
	e.calls = append(e.calls, text)
	if e.fail != nil {
		return prompt.Expansion{}, e.fail
	}
	exp := prompt.Expansion{Text: strings.ReplaceAll(text, "@x", "[x]")}
	if strings.Contains(text, "!`") {
		cr := prompt.CommandRun{Command: "vet", ExitCode: 2, Output: "0123456789", Duration: time.Second}
		prior, err := journal.Start(ctx, cr.Command)
		if err != nil {
			return prompt.Expansion{}, err
		}
		if prior != nil {
			cr = *prior
		} else if err := journal.Finish(ctx, cr); err != nil {
			return prompt.Expansion{}, err
		}
		exp.Text += "\n$ vet\noutput with sk-ant-api03-secretsecretsecret\n(exit code 2)"
		exp.Commands = []prompt.CommandRun{cr}
	}
	return exp, nil
}

func events[T report.Event](r *memRecorder) []T {
	var out []T
	for _, ev := range r.events {
		if e, ok := ev.(T); ok {
			out = append(out, e)
		}
	}
	return out
}

func TestRunExpandsPromptsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalDefault, 10, answer("one"), answer("two"))
	f.cfg.Task.Prompts = []string{"Fix @x", "Then !`vet`"}
	f.cfg.Instructions = []prompt.Instruction{{Path: "AGENTS.md", Content: "rules", Bytes: 40000, Truncated: true}}
	f.cfg.InstructionsSource = "base"
	f.cfg.InstructionsCommit = strings.Repeat("b", 40)
	exp := newExpander(t, 2)
	pol := mustPolicy(t, f)
	res := Run(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: pol,
		Prompts: exp, Secrets: secrets.NewRedactor([]string{"sk-ant-api03-secretsecretsecret"})})
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	if got := f.model.reqs[0].Messages[0].Text(); got != "Fix [x]" {
		t.Errorf("first prompt %q", got)
	}
	second := f.model.reqs[1].Messages[2].Text()
	if !strings.Contains(second, "(exit code 2)") || strings.Contains(second, "secretsecret") {
		t.Errorf("second prompt %q", second)
	}
	prep := events[report.PromptsPrepared](f.rec)
	if len(prep) != 1 || len(prep[0].Prompts) != 2 || prep[0].Prompts[1] != second ||
		len(prep[0].Commands) != 1 || prep[0].Commands[0] != (report.PromptCommand{Command: "vet", ExitCode: 2, Duration: time.Second, OutputBytes: 10}) {
		t.Errorf("PromptsPrepared %+v", prep)
	}
	loaded := events[report.InstructionsLoaded](f.rec)
	if len(loaded) != 1 || loaded[0].Step != 0 || loaded[0].Files[0] != (report.InstructionFile{Path: "AGENTS.md", Bytes: 40000, Truncated: true, Source: "base", Commit: strings.Repeat("b", 40)}) {
		t.Errorf("InstructionsLoaded %+v", loaded)
	}
	if kinds := f.rec.kinds(); strings.Join(kinds[:6], ",") != "TaskStarted,PromptCommandStarted,PromptCommandFinished,PromptsPrepared,InstructionsLoaded,MessageAdded" {
		t.Errorf("events %v", kinds)
	}
	if len(events[report.PlanRecorded](f.rec)) != 0 {
		t.Error("a task that is not in plan mode recorded a plan")
	}
}

func TestRunPromptThatCannotExpand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalDefault, 10)
	exp := newExpander(t, 1)
	exp.fail = &prompt.Error{Ref: "@gone.go", Msg: "no such file or directory in the repository"}
	res := Run(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: mustPolicy(t, f), Prompts: exp})
	var perr *prompt.Error
	if res.Status != StatusError || !errors.As(res.Err, &perr) || !strings.Contains(res.Err.Error(), "prompt 1 of the task: @gone.go") {
		t.Fatalf("result %+v", res)
	}
	if kinds := f.rec.kinds(); strings.Join(kinds, ",") != "TaskStarted,TaskFinished" {
		t.Errorf("events %v", kinds)
	}
}

// mapSource is a repository of a few files.
type mapSource map[string]string

func (m mapSource) ReadFile(rel string) ([]byte, error) {
	if s, ok := m[rel]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%s: %w", rel, fs.ErrNotExist)
}

func TestRunNestedInstructions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalDefault, 10,
		callsTurn(llm.StopToolUse, call("c1", "read_file", map[string]any{"path": "docs/guide/intro.md"}), call("c2", "grep", map[string]any{"pattern": "x", "path": "api"})),
		callsTurn(llm.StopToolUse, call("c3", "list_files", map[string]any{"path": "docs/guide"}), call("c4", "read_file", map[string]any{"path": "AGENTS.md"})),
		answer("done"))
	f.cfg.Instructions = []prompt.Instruction{{Path: "AGENTS.md", Content: "root"}}
	src := mapSource{"AGENTS.md": "root", "docs/AGENTS.md": "docs rules", "docs/guide/AGENTS.md": "guide rules", "api/AGENTS.md": "api rules"}
	res := Run(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: mustPolicy(t, f), Nested: src})
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	// After step 1: the two directories on the way to the file read,
	// root-first, as a note after the tool results; grep reaches nothing.
	msgs := f.model.reqs[1].Messages
	note := msgs[len(msgs)-1].Content
	text := note[len(note)-1].Text
	docs, guide := strings.Index(text, `<instructions path="docs/AGENTS.md">`), strings.Index(text, `<instructions path="docs/guide/AGENTS.md">`)
	if !strings.HasPrefix(text, "(safe-coder) ") || docs < 0 || guide < docs || strings.Contains(text, "api/AGENTS.md") {
		t.Errorf("note after step 1:\n%s", text)
	}
	// Step 2 reaches the same directories and the root: nothing new.
	if got := f.model.reqs[2].Messages; strings.Contains(got[len(got)-1].Content[len(got[len(got)-1].Content)-1].Text, "<instructions") {
		t.Errorf("instructions given twice")
	}
	loaded := events[report.InstructionsLoaded](f.rec)
	if len(loaded) != 2 || loaded[0].Step != 0 || loaded[1].Step != 1 || len(loaded[1].Files) != 2 ||
		loaded[1].Files[1].Path != "docs/guide/AGENTS.md" || loaded[1].Files[1].Source != "worktree" {
		t.Errorf("InstructionsLoaded %+v", loaded)
	}
}

func TestRunRecordsPlan(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalPlan, 10, answer("1. Do this.\n2. Then that."))
	res := f.run(t, t.Context())
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	plans := events[report.PlanRecorded](f.rec)
	if len(plans) != 1 || plans[0].Plan != "1. Do this.\n2. Then that." {
		t.Errorf("plans %+v", plans)
	}
	if kinds := f.rec.kinds(); kinds[len(kinds)-2] != "PlanRecorded" {
		t.Errorf("events %v", kinds)
	}
	if len(f.git.commits) != 0 {
		t.Errorf("a plan made commits: %+v", f.git.commits)
	}
}

func TestResumeUsesRecordedPrompts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		r         Resume
		expands   int
		wantFirst string
		wantLast  string
	}{
		{"recorded prompts, commands not run again",
			Resume{Messages: []llm.Message{userText("Fix [x] as recorded"), {Role: llm.RoleAssistant, Content: []llm.Part{llm.TextPart("fixed")}}},
				LastStep: 1, PromptsSent: 1, Prompts: []string{"Fix [x] as recorded", "Then vet, as recorded"}},
			0, "Fix [x] as recorded", "Then vet, as recorded"},
		{"stopped before the prompts were recorded",
			Resume{}, 2, "Fix [x]", ""},
		{"stopped after the prompts were recorded, before the first was sent",
			Resume{Prompts: []string{"Fix [x] as recorded", "Then vet, as recorded"}},
			0, "Fix [x] as recorded", "Then vet, as recorded"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tasks.ApprovalDefault, 10)
			if len(tt.r.Messages) == 0 {
				f.model = newModel(t, answer("one"), answer("two"))
			} else {
				f.model = newModel(t, answer("two"))
			}
			f.cfg.Task.Prompts = []string{"Fix @x", "Then !`vet`"}
			exp := newExpander(t, tt.expands)
			res := ResumeRun(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: mustPolicy(t, f), Prompts: exp}, tt.r)
			if res.Status != StatusSucceeded {
				t.Fatalf("result %+v", res)
			}
			last := f.model.reqs[len(f.model.reqs)-1].Messages
			if first := last[0].Text(); first != tt.wantFirst {
				t.Errorf("first prompt %q", first)
			}
			if tt.wantLast != "" && last[len(last)-1].Text() != tt.wantLast {
				t.Errorf("last prompt %q", last[len(last)-1].Text())
			}
		})
	}
}

// secretCommandExpander reports a command whose text holds a secret value.
type secretCommandExpander struct{}

func (secretCommandExpander) Expand(ctx context.Context, text string, journal prompt.Journal) (prompt.Expansion, error) {
	cr := prompt.CommandRun{Command: "curl -H 'x-api-key: sk-ant-api03-secretsecretsecret' localhost", Output: "echo sk-ant-api03-secretsecretsecret"}
	if _, err := journal.Start(ctx, cr.Command); err != nil {
		return prompt.Expansion{}, err
	}
	if err := journal.Finish(ctx, cr); err != nil {
		return prompt.Expansion{}, err
	}
	return prompt.Expansion{Text: text, Commands: []prompt.CommandRun{cr}}, nil
}

func TestRunRedactsPromptCommandText(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalDefault, 10, answer("done"))
	var log strings.Builder
	res := Run(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: mustPolicy(t, f),
		Prompts: secretCommandExpander{}, Secrets: secrets.NewRedactor([]string{"sk-ant-api03-secretsecretsecret"}), Log: &log})
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	prep := events[report.PromptsPrepared](f.rec)
	if len(prep) != 1 || len(prep[0].Commands) != 1 || strings.Contains(prep[0].Commands[0].Command, "secretsecret") ||
		!strings.Contains(prep[0].Commands[0].Command, "curl -H") {
		t.Errorf("PromptsPrepared %+v", prep)
	}
	if strings.Contains(log.String(), "secretsecret") {
		t.Errorf("log: %s", log.String())
	}
	started, finished := events[report.PromptCommandStarted](f.rec), events[report.PromptCommandFinished](f.rec)
	if len(started) != 1 || started[0].Seq != 1 || strings.Contains(started[0].Command, "secretsecret") || !strings.Contains(started[0].Command, "curl -H") {
		t.Errorf("PromptCommandStarted %+v", started)
	}
	if len(finished) != 1 || finished[0].Seq != 1 || strings.Contains(finished[0].Output, "secretsecret") {
		t.Errorf("PromptCommandFinished %+v", finished)
	}
}
