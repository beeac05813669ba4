package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/policy"
	"github.com/safe-coder/safe-coder/runner/tools"
	"github.com/safe-coder/safe-coder/tasks"
)

// scriptedModel answers from a list of turns and fails the test when a turn
// was never asked for or a request came after the script ended.
type scriptedModel struct {
	t     *testing.T
	turns []modelTurn
	mu    sync.Mutex
	reqs  []*llm.Request
}

type modelTurn struct {
	resp *llm.Response
	err  error
	// before runs when the turn is asked for, e.g. to cancel the run.
	before func()
}

func newModel(t *testing.T, turns ...modelTurn) *scriptedModel {
	m := &scriptedModel{t: t, turns: turns}
	t.Cleanup(func() {
		if n := len(m.reqs); n < len(m.turns) {
			t.Errorf("model: %d scripted turns, only %d asked for", len(m.turns), n)
		}
	})
	return m
}

func (m *scriptedModel) Complete(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Keep a copy: the runner's history grows after the call.
	cp := *req
	cp.Messages = slices.Clone(req.Messages)
	m.reqs = append(m.reqs, &cp)
	i := len(m.reqs) - 1
	if i >= len(m.turns) {
		m.t.Errorf("model: request %d beyond the script", i+1)
		return nil, errors.New("no scripted turn")
	}
	turn := m.turns[i]
	if turn.before != nil {
		turn.before()
	}
	if turn.err != nil {
		return nil, turn.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return turn.resp, nil
}

func answer(text string) modelTurn {
	return modelTurn{resp: &llm.Response{
		Content: []llm.Part{llm.TextPart(text)}, StopReason: llm.StopEndTurn,
		Usage: llm.Usage{InputTokens: 10, OutputTokens: 2},
	}}
}

func callsTurn(stop llm.StopReason, calls ...llm.ToolCall) modelTurn {
	var parts []llm.Part
	for _, c := range calls {
		parts = append(parts, llm.ToolCallPart(c))
	}
	return modelTurn{resp: &llm.Response{Content: parts, StopReason: stop, Usage: llm.Usage{InputTokens: 10, OutputTokens: 5}}}
}

func call(id, name string, input map[string]any) llm.ToolCall {
	b, _ := json.Marshal(input)
	return llm.ToolCall{ID: id, Name: name, Input: b}
}

// fakeGit records the step commits it was asked for; a step "changes
// files" when it ran write_file or edit_file or bash.
type fakeGit struct {
	commits []gitsafety.StepCommit
	err     error
	head    string
	// content is what the step's changed files hold, shown to the
	// commit's Check as real staging would.
	content map[string]string
	// onBranch are step commits made before a crash that the recorder
	// never heard of.
	onBranch map[int]string
}

func (g *fakeGit) CommitStep(_ context.Context, c gitsafety.StepCommit) (gitsafety.Commit, error) {
	if g.err != nil {
		return gitsafety.Commit{}, g.err
	}
	for path, data := range g.content {
		if c.Check == nil {
			continue
		}
		if err := c.Check(path, []byte(data)); err != nil {
			return gitsafety.Commit{}, fmt.Errorf("%w: %w", gitsafety.ErrRefused, err)
		}
	}
	g.commits = append(g.commits, c)
	g.head = fmt.Sprintf("%040d", len(g.commits))
	return gitsafety.Commit{SHA: g.head, Files: []string{"f"}}, nil
}

func (g *fakeGit) Head() string { return g.head }

// Steps returns the commits made so far by step, plus those the test put
// on the "branch" behind the recorder's back.
func (g *fakeGit) Steps(context.Context) (map[int]string, error) {
	out := map[int]string{}
	for i, c := range g.commits {
		out[c.Step] = fmt.Sprintf("%040d", i+1)
	}
	for n, sha := range g.onBranch {
		out[n] = sha
	}
	return out, nil
}

// memRecorder keeps events in memory, in order.
type memRecorder struct {
	mu     sync.Mutex
	events []report.Event
	failAt int // fail the nth Record (1-based); 0 never
	// failWith is the error of that Record and of every later one
	// (a full disk stays full); nil: "disk full", once.
	failWith error
}

func (r *memRecorder) Record(_ context.Context, ev report.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	if r.failWith != nil && r.failAt > 0 && len(r.events) >= r.failAt {
		return r.failWith
	}
	if r.failAt == len(r.events) {
		return errors.New("disk full")
	}
	return nil
}

func (r *memRecorder) kinds() []string {
	var out []string
	for _, ev := range r.events {
		out = append(out, strings.TrimPrefix(fmt.Sprintf("%T", ev), "report."))
	}
	return out
}

func (r *memRecorder) toolOutcomes() []string {
	var out []string
	for _, ev := range r.events {
		if f, ok := ev.(report.ToolCallFinished); ok {
			out = append(out, f.Outcome)
		}
	}
	return out
}

// recordingTools runs nothing: it records the calls it was given, and
// answers "ok". The real tools have their own tests; here we test who
// decides what runs.
type recordingTools struct {
	calls []string
}

func (rt *recordingTools) Exec(_ context.Context, c llm.ToolCall) tools.Result {
	rt.calls = append(rt.calls, c.Name)
	res := tools.Result{Content: "ok: " + c.Name, Summary: c.Name}
	if c.Name == "write_file" || c.Name == "edit_file" {
		var in struct{ Path string }
		_ = json.Unmarshal(c.Input, &in)
		res.Touched = []string{in.Path}
	}
	return res
}

type fixture struct {
	cfg   Config
	model *scriptedModel
	git   *fakeGit
	rec   *memRecorder
	tools *recordingTools
}

func newFixture(t *testing.T, mode tasks.Approval, maxSteps int, turns ...modelTurn) *fixture {
	task := tasks.Task{
		Name: "t", Prompts: []string{"do it"}, Approval: mode,
		Tools:  []string{"read_file", "list_files", "grep", "write_file", "edit_file", "bash"},
		Limits: tasks.Limits{MaxSteps: maxSteps, BashTimeout: time.Minute},
		Model:  tasks.Model{Provider: tasks.ProviderAnthropic, Name: "m", MaxOutputTokens: 100},
	}
	return &fixture{
		cfg:   Config{RunID: "run1", Task: task, System: "sys"},
		model: newModel(t, turns...),
		git:   &fakeGit{head: "base"},
		rec:   &memRecorder{},
		tools: &recordingTools{},
	}
}

func (f *fixture) run(t *testing.T, ctx context.Context) Result {
	t.Helper()
	return f.runWith(t, ctx, f.tools)
}

// runWith runs the fixture's task with other tools.
func (f *fixture) runWith(t *testing.T, ctx context.Context, box Toolbox) Result {
	t.Helper()
	pol, err := policy.New(policy.Options{Mode: policy.Mode(f.cfg.Task.Approval), Tools: f.cfg.Task.Tools, Allow: f.cfg.Task.Allow, Deny: f.cfg.Task.Deny})
	if err != nil {
		t.Fatal(err)
	}
	return Run(ctx, f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: box, Policy: pol})
}

func TestRunSucceeds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalAutoEdit, 10,
		callsTurn(llm.StopToolUse, call("c1", "read_file", map[string]any{"path": "a"})),
		callsTurn(llm.StopToolUse, call("c2", "write_file", map[string]any{"path": "a", "content": "x"}), call("c3", "read_file", map[string]any{"path": "a"})),
		answer("all done"),
	)
	res := f.run(t, t.Context())
	if res.Status != StatusSucceeded || res.Steps != 3 || res.FinalMessage != "all done" || res.Err != nil {
		t.Fatalf("result %+v", res)
	}
	// Only the step that could write is committed.
	if len(f.git.commits) != 1 || f.git.commits[0].Step != 2 || !slices.Equal(f.git.commits[0].Tools, []string{"write_file", "read_file"}) {
		t.Errorf("commits %+v", f.git.commits)
	}
	// Every call got its result, in order, in the next request.
	req := f.model.reqs[2]
	last := req.Messages[len(req.Messages)-1]
	if last.Role != llm.RoleUser || len(last.Content) != 2 || last.Content[0].ToolResult.CallID != "c2" || last.Content[1].ToolResult.CallID != "c3" {
		t.Errorf("last message %+v", last)
	}
	if req.System != "sys" || req.MaxTokens != 100 || req.Model != "m" {
		t.Errorf("request %+v", req)
	}
	want := []string{
		"TaskStarted", "PromptsPrepared", "MessageAdded",
		"StepStarted", "ModelAnswered", "MessageAdded", "ToolCallStarted", "ToolCallFinished", "MessageAdded", "StepFinished",
		"StepStarted", "ModelAnswered", "MessageAdded", "ToolCallStarted", "ToolCallFinished", "ToolCallStarted", "ToolCallFinished", "CommitStarted", "MessageAdded", "StepFinished",
		"StepStarted", "ModelAnswered", "MessageAdded", "StepFinished",
		"TaskFinished",
	}
	if got := f.rec.kinds(); !slices.Equal(got, want) {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	fin := f.rec.events[len(f.rec.events)-1].(report.TaskFinished)
	if fin.Status != "succeeded" || fin.HeadCommit != f.git.head || fin.FinalMessage != "all done" {
		t.Errorf("finish %+v", fin)
	}
}

// Denied calls never reach the tools; the model gets the reason as an error.
func TestRunDenials(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalDefault, 10,
		callsTurn(llm.StopToolUse,
			call("c1", "write_file", map[string]any{"path": "a", "content": "x"}),
			call("c2", "bash", map[string]any{"command": "rm -rf /"}),
			call("c3", "read_file", map[string]any{"path": "a"})),
		answer("ok"),
	)
	res := f.run(t, t.Context())
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	if !slices.Equal(f.tools.calls, []string{"read_file"}) {
		t.Errorf("tools ran %v, want only read_file", f.tools.calls)
	}
	if len(f.git.commits) != 0 {
		t.Errorf("commits %+v for a read-only step", f.git.commits)
	}
	if got := f.rec.toolOutcomes(); !slices.Equal(got, []string{"denied", "denied", "ok"}) {
		t.Errorf("outcomes %v", got)
	}
	results := f.model.reqs[1].Messages[2].Content
	for i, want := range []bool{true, true, false} {
		if results[i].ToolResult.IsError != want {
			t.Errorf("result %d is_error %v", i, results[i].ToolResult.IsError)
		}
	}
	if !strings.HasPrefix(results[1].ToolResult.Content, "denied by policy: approval mode default allows bash only where an allow rule matches") {
		t.Errorf("denial text %q", results[1].ToolResult.Content)
	}
}

// A turn cut off by max_tokens is never executed, and three in a row end
// the task.
func TestRunCutOffTurnsAreNotExecuted(t *testing.T) {
	t.Parallel()
	cut := callsTurn(llm.StopMaxTokens, call("c", "write_file", map[string]any{"path": "a", "content": "trunc"}))
	f := newFixture(t, tasks.ApprovalYolo, 10, cut, cut, cut)
	res := f.run(t, t.Context())
	if res.Status != StatusError || !strings.Contains(res.Err.Error(), "cut off by max_output_tokens (100) 3 turns in a row") {
		t.Fatalf("result %+v", res)
	}
	if len(f.tools.calls) != 0 || len(f.git.commits) != 0 {
		t.Errorf("cut-off calls ran: %v, commits %v", f.tools.calls, f.git.commits)
	}
	if got := f.rec.toolOutcomes(); !slices.Equal(got, []string{"not_run", "not_run", "not_run"}) {
		t.Errorf("outcomes %v", got)
	}
	if c := f.model.reqs[1].Messages[2].Content[0].ToolResult; !c.IsError || !strings.Contains(c.Content, "cut off") {
		t.Errorf("the model was not told: %+v", c)
	}

	// A complete turn in between resets the count.
	g := newFixture(t, tasks.ApprovalYolo, 10, cut, cut,
		callsTurn(llm.StopToolUse, call("c", "read_file", map[string]any{"path": "a"})), cut, answer("done"))
	if res := g.run(t, t.Context()); res.Status != StatusSucceeded {
		t.Errorf("result %+v", res)
	}
}

func TestRunLimitsAndFailures(t *testing.T) {
	t.Parallel()
	write := func(id string) modelTurn {
		return callsTurn(llm.StopToolUse, call(id, "write_file", map[string]any{"path": id, "content": id}))
	}
	apiErr := &llm.APIError{Provider: "anthropic", Status: 529, Type: "overloaded_error", Attempts: 5}
	tests := []struct {
		name    string
		turns   []modelTurn
		steps   int
		gitErr  error
		status  Status
		errText string
		commits int
	}{
		{"max steps", []modelTurn{write("a"), write("b")}, 2, nil, StatusLimitReached, "limit reached: max_steps 2", 2},
		{"provider error", []modelTurn{write("a"), {err: apiErr}}, 10, nil, StatusProviderError, "step 2: anthropic: HTTP 529 overloaded_error", 1},
		{"refusal", []modelTurn{{resp: &llm.Response{StopReason: llm.StopRefusal}}}, 10, nil, StatusError, "refused", 0},
		{"head moved", []modelTurn{write("a")}, 10, gitsafety.ErrHeadMoved, StatusRepoError, "commit step 1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tasks.ApprovalAutoEdit, tt.steps, tt.turns...)
			f.git.err = tt.gitErr
			res := f.run(t, t.Context())
			if res.Status != tt.status || res.Err == nil || !strings.Contains(res.Err.Error(), tt.errText) {
				t.Fatalf("result %+v, want %s with %q", res, tt.status, tt.errText)
			}
			if len(f.git.commits) != tt.commits {
				t.Errorf("%d commits, want %d", len(f.git.commits), tt.commits)
			}
			fin := f.rec.events[len(f.rec.events)-1].(report.TaskFinished)
			if fin.Status != string(tt.status) || fin.Error == "" {
				t.Errorf("finish %+v", fin)
			}
		})
	}
}

// Several prompts are sent one after the other in one conversation.
func TestRunPrompts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalPlan, 10, answer("first done"), answer("second done"))
	f.cfg.Task.Prompts = []string{"first", "second"}
	res := f.run(t, t.Context())
	if res.Status != StatusSucceeded || res.Steps != 2 || res.FinalMessage != "second done" {
		t.Fatalf("result %+v", res)
	}
	msgs := f.model.reqs[1].Messages
	if len(msgs) != 3 || msgs[1].Text() != "first done" || msgs[2].Text() != "second" {
		t.Errorf("second request messages %+v", msgs)
	}
}

// Cancellation stops asking the model but the step under way is committed
// and recorded.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	f := newFixture(t, tasks.ApprovalAutoEdit, 10,
		callsTurn(llm.StopToolUse, call("c1", "write_file", map[string]any{"path": "a", "content": "x"})),
	)
	// Cancel while the tool runs, as a signal would.
	box := &cancellingTools{inner: f.tools, cancel: func() { cancel(errors.New("SIGTERM")) }}
	pol, _ := policy.New(policy.Options{Mode: policy.ModeAutoEdit, Tools: f.cfg.Task.Tools})
	res := Run(ctx, f.cfg, Deps{Model: f.model, Git: f.git, Recorder: f.rec, Tools: box, Policy: pol})
	if res.Status != StatusCancelled || !strings.Contains(res.Err.Error(), "SIGTERM") {
		t.Fatalf("result %+v", res)
	}
	if len(f.git.commits) != 1 {
		t.Errorf("the step under way was not committed: %v", f.git.commits)
	}
	kinds := f.rec.kinds()
	if kinds[len(kinds)-2] != "StepFinished" || kinds[len(kinds)-1] != "TaskFinished" {
		t.Errorf("events %v", kinds)
	}
}

type cancellingTools struct {
	inner  *recordingTools
	cancel func()
}

func (c *cancellingTools) Exec(ctx context.Context, call llm.ToolCall) tools.Result {
	defer c.cancel()
	return c.inner.Exec(ctx, call)
}

// A failure to record a call's intent means the call does not run.
func TestRunRecordFailureStopsTools(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalYolo, 10,
		callsTurn(llm.StopToolUse, call("c1", "bash", map[string]any{"command": "touch x"})))
	// Events: TaskStarted, MessageAdded, StepStarted, ModelAnswered,
	// MessageAdded, ToolCallStarted ← fails.
	f.rec.failAt = 6
	res := f.run(t, t.Context())
	if res.Status != StatusError || !strings.Contains(res.Err.Error(), "disk full") {
		t.Fatalf("result %+v", res)
	}
	if len(f.tools.calls) != 0 {
		t.Errorf("tool ran without its intent recorded: %v", f.tools.calls)
	}
}

func TestStatusTable(t *testing.T) {
	t.Parallel()
	codes := map[Status]int{
		StatusSucceeded: 0, StatusChecksFailed: 1, StatusError: 1, StatusPolicyViolation: 1,
		StatusLimitReached: 3, StatusProviderError: 4, StatusRepoError: 5, StatusCancelled: 130,
		Status("bogus"): 1,
	}
	for s, code := range codes {
		if got := s.ExitCode(); got != code {
			t.Errorf("%s: exit %d, want %d", s, got, code)
		}
	}
	worse := []struct{ a, b, want Status }{
		{StatusSucceeded, StatusLimitReached, StatusLimitReached},
		{StatusLimitReached, StatusError, StatusError},
		{StatusProviderError, StatusError, StatusProviderError},
		{StatusRepoError, StatusCancelled, StatusCancelled},
		{StatusSucceeded, StatusSucceeded, StatusSucceeded},
		{StatusSucceeded, Status("bogus"), StatusError},
	}
	for _, w := range worse {
		if got := w.a.Worse(w.b); got != w.want {
			t.Errorf("%s.Worse(%s) = %s, want %s", w.a, w.b, got, w.want)
		}
		if got := w.b.Worse(w.a); got != w.want {
			t.Errorf("%s.Worse(%s) = %s, want %s", w.b, w.a, got, w.want)
		}
	}
}

func TestSystemPromptNamesMode(t *testing.T) {
	t.Parallel()
	for _, mode := range []tasks.Approval{tasks.ApprovalPlan, tasks.ApprovalDefault, tasks.ApprovalAutoEdit, tasks.ApprovalYolo} {
		p := SystemPrompt(tasks.Task{Approval: mode}, []string{"read_file"})
		if !strings.Contains(p, "Approval mode: "+string(mode)+".") || !strings.Contains(p, "Tools offered: read_file.") {
			t.Errorf("%s: %s", mode, p)
		}
	}
}

// A step changed by file tools only tells git exactly which paths; a step
// that ran a command does not, since it may have changed anything.
func TestCommitPaths(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalYolo, 10,
		callsTurn(llm.StopToolUse, call("c1", "write_file", map[string]any{"path": "a", "content": "x"}),
			call("c2", "edit_file", map[string]any{"path": "b", "old_string": "x", "new_string": "y"})),
		callsTurn(llm.StopToolUse, call("c3", "write_file", map[string]any{"path": "c", "content": "x"}),
			call("c4", "bash", map[string]any{"command": "make"})),
		answer("done"))
	f.cfg.Task.Git.MaxFileMB = 7
	if res := f.run(t, t.Context()); res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	if len(f.git.commits) != 2 {
		t.Fatalf("commits %+v", f.git.commits)
	}
	if got := f.git.commits[0].Paths; !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("file-tool step paths %v", got)
	}
	if got := f.git.commits[1].Paths; got != nil {
		t.Errorf("bash step paths %v, want nil (scan everything)", got)
	}
	if got := f.git.commits[0].MaxFileBytes; got != 7<<20 {
		t.Errorf("max file bytes %d", got)
	}
}

func mustPolicy(t *testing.T, f *fixture) *policy.Policy {
	t.Helper()
	pol, err := policy.New(policy.Options{Mode: policy.Mode(f.cfg.Task.Approval), Tools: f.cfg.Task.Tools})
	if err != nil {
		t.Fatal(err)
	}
	return pol
}
