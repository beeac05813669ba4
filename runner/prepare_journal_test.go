package runner

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/tasks"
)

// countingRunner runs a prompt command by echoing it, and counts the runs.
type countingRunner struct {
	mu   sync.Mutex
	runs []string
}

func (r *countingRunner) Run(_ context.Context, command string) (string, int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, command)
	return "out of " + command + "\n", 0, nil
}

// realExpander expands prompts with prompt.Expand, commands run by run.
type realExpander struct{ run *countingRunner }

func (e realExpander) Expand(ctx context.Context, text string, journal prompt.Journal) (prompt.Expansion, error) {
	return prompt.Expand(ctx, text, nil, e.run, journal)
}

func TestResumeNeverRunsAPromptCommandTwice(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		prior    []report.PromptCommandRun
		wantRuns string
		want     []string // in the first prompt
		started  []int    // seqs of the PromptCommandStarted recorded now
		commands []report.PromptCommand
	}{
		{"none started: all run", nil, "a|b", []string{"out of a", "out of b"}, []int{1, 2},
			[]report.PromptCommand{{Command: "a", OutputBytes: 9}, {Command: "b", OutputBytes: 9}}},
		{"first started, not finished: not run again, marked interrupted",
			[]report.PromptCommandRun{{Seq: 1, Command: "a"}}, "b",
			[]string{"$ a\n" + prompt.InterruptedNotice, "out of b"}, []int{2},
			[]report.PromptCommand{{Command: "a", Interrupted: true}, {Command: "b", OutputBytes: 9}}},
		{"first finished: taken from the record",
			[]report.PromptCommandRun{{Seq: 1, Command: "a", Finished: true, ExitCode: 3, Output: "recorded a\n"}, {Seq: 2, Command: "b"}}, "",
			[]string{"recorded a", "(exit code 3)", "$ b\n" + prompt.InterruptedNotice}, nil,
			[]report.PromptCommand{{Command: "a", ExitCode: 3, OutputBytes: 11}, {Command: "b", Interrupted: true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tasks.ApprovalDefault, 10, answer("done"))
			f.cfg.Task.Prompts = []string{"Look: !`a` and !`b`"}
			run := &countingRunner{}
			res := ResumeRun(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: mustPolicy(t, f),
				Prompts: realExpander{run}}, Resume{PromptCommands: tt.prior})
			if res.Status != StatusSucceeded {
				t.Fatalf("result %+v", res)
			}
			if got := strings.Join(run.runs, "|"); got != tt.wantRuns {
				t.Errorf("ran %q, want %q", got, tt.wantRuns)
			}
			first := f.model.reqs[0].Messages[0].Text()
			for _, w := range tt.want {
				if !strings.Contains(first, w) {
					t.Errorf("first prompt lacks %q:\n%s", w, first)
				}
			}
			var seqs []int
			for _, s := range events[report.PromptCommandStarted](f.rec) {
				seqs = append(seqs, s.Seq)
			}
			if !slices.Equal(seqs, tt.started) {
				t.Errorf("PromptCommandStarted seqs %v, want %v", seqs, tt.started)
			}
			if fin := events[report.PromptCommandFinished](f.rec); len(fin) != len(tt.started) {
				t.Errorf("PromptCommandFinished %+v", fin)
			}
			prep := events[report.PromptsPrepared](f.rec)
			if len(prep) != 1 || len(prep[0].Commands) != len(tt.commands) {
				t.Fatalf("PromptsPrepared %+v", prep)
			}
			for i, c := range prep[0].Commands {
				c.Duration = 0
				if c != tt.commands[i] {
					t.Errorf("command %d: %+v, want %+v", i+1, c, tt.commands[i])
				}
			}
		})
	}
}

func TestPromptCommandNotRunWhenItsStartIsNotRecorded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalDefault, 10)
	f.cfg.Task.Prompts = []string{"Look: !`a`"}
	f.rec.failAt = 2 // TaskStarted, then PromptCommandStarted
	run := &countingRunner{}
	res := Run(t.Context(), f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: f.tools, Policy: mustPolicy(t, f),
		Prompts: realExpander{run}})
	if res.Status != StatusError || len(run.runs) != 0 {
		t.Errorf("result %+v, ran %q; want an error and no run", res, run.runs)
	}
}
