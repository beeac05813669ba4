package runner

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/tools"
	"github.com/safe-coder/safe-coder/tasks"
)

// usageTurn is a write_file turn with the given usage.
func usageTurn(id string, u llm.Usage) modelTurn {
	t := callsTurn(llm.StopToolUse, call(id, "write_file", map[string]any{"path": id, "content": id}))
	t.resp.Usage = u
	return t
}

func TestBudgets(t *testing.T) {
	t.Parallel()
	// claude-sonnet-4-5-like prices, set in the task so the test does not
	// depend on the built-in table.
	pricing := &tasks.Pricing{Input: 3, Output: 15, CacheRead: 0.30, CacheWrite: 3.75}
	big := llm.Usage{InputTokens: 100_000, OutputTokens: 10_000} // $0.30 + $0.15 = $0.45
	tests := []struct {
		name    string
		limits  tasks.Limits
		turns   []modelTurn
		limit   string
		steps   int
		commits int
		detail  string
	}{
		{
			name:   "max_tokens before the next call",
			limits: tasks.Limits{MaxTokens: 150_000},
			// 110k after turn 1 (ran), 220k after turn 2: its call is not run.
			turns: []modelTurn{usageTurn("a", big), usageTurn("b", big)},
			limit: "max_tokens", steps: 2, commits: 1, detail: "max_tokens 150000: 220000 tokens used",
		},
		{
			name:   "max_tokens exactly reached stops before asking again",
			limits: tasks.Limits{MaxTokens: 110_000},
			turns:  []modelTurn{usageTurn("a", big)},
			limit:  "max_tokens", steps: 1, commits: 0, detail: "110000 tokens used",
		},
		{
			name:   "max_cost_usd",
			limits: tasks.Limits{MaxCostUSD: 1.00},
			// $0.45, $0.90 (both run), $1.35 → the third call is not run.
			turns: []modelTurn{usageTurn("a", big), usageTurn("b", big), usageTurn("c", big)},
			limit: "max_cost_usd", steps: 3, commits: 2, detail: "spent $1.3500",
		},
		{
			name:   "cache tokens count and cost",
			limits: tasks.Limits{MaxCostUSD: 0.10},
			// 1M cache read tokens = $0.30.
			turns: []modelTurn{usageTurn("a", llm.Usage{CacheReadTokens: 1_000_000})},
			limit: "max_cost_usd", steps: 1, commits: 0, detail: "spent $0.3000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tasks.ApprovalAutoEdit, 40, tt.turns...)
			f.cfg.Task.Limits.MaxTokens = tt.limits.MaxTokens
			f.cfg.Task.Limits.MaxCostUSD = tt.limits.MaxCostUSD
			f.cfg.Task.Model.Pricing = pricing
			res := f.run(t, t.Context())
			if res.Status != StatusLimitReached || res.Limit != tt.limit || res.Steps != tt.steps ||
				!strings.Contains(res.Err.Error(), tt.detail) {
				t.Fatalf("result %+v (err %v), want limit %s after %d steps with %q", res, res.Err, tt.limit, tt.steps, tt.detail)
			}
			if len(f.git.commits) != tt.commits {
				t.Errorf("%d commits, want %d", len(f.git.commits), tt.commits)
			}
			if len(f.tools.calls) != tt.commits {
				t.Errorf("tools ran %v", f.tools.calls)
			}
			fin := f.rec.events[len(f.rec.events)-1].(report.TaskFinished)
			if fin.Limit != tt.limit || fin.Status != "limit_reached" {
				t.Errorf("finish %+v", fin)
			}
		})
	}
}

// Every answer's cost is recorded; unknown prices are nil, never 0.
func TestCostRecorded(t *testing.T) {
	t.Parallel()
	for _, priced := range []bool{true, false} {
		f := newFixture(t, tasks.ApprovalAutoEdit, 10, usageTurn("a", llm.Usage{InputTokens: 1_000_000, OutputTokens: 1_000_000}), answer("done"))
		f.cfg.Task.Model.Provider = tasks.ProviderOllama
		if priced {
			f.cfg.Task.Model.Pricing = &tasks.Pricing{Input: 1, Output: 2}
		}
		if res := f.run(t, t.Context()); res.Status != StatusSucceeded {
			t.Fatalf("result %+v", res)
		}
		var costs []*float64
		for _, ev := range f.rec.events {
			if a, ok := ev.(report.ModelAnswered); ok {
				costs = append(costs, a.CostUSD)
			}
		}
		if len(costs) != 2 {
			t.Fatalf("costs %v", costs)
		}
		if !priced {
			if costs[0] != nil || costs[1] != nil {
				t.Errorf("unknown price recorded as %v", *costs[0])
			}
			continue
		}
		// 1M in at $1 + 1M out at $2; then 10 in + 2 out.
		if costs[0] == nil || math.Abs(*costs[0]-3) > 1e-9 || costs[1] == nil || math.Abs(*costs[1]-14e-6) > 1e-12 {
			t.Errorf("costs %v %v", deref(costs[0]), deref(costs[1]))
		}
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// The task's timeout is a limit, not a cancellation: the step under way is
// finished and committed.
func TestTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalAutoEdit, 10,
		callsTurn(llm.StopToolUse, call("c1", "write_file", map[string]any{"path": "a", "content": "x"})),
	)
	f.cfg.Task.Limits.Timeout = 50 * time.Millisecond
	// The first tool call outlasts the timeout.
	slow := &slowTools{inner: f.tools, d: 200 * time.Millisecond}
	res := f.runWith(t, t.Context(), slow)
	if res.Status != StatusLimitReached || res.Limit != "timeout" || !strings.Contains(res.Err.Error(), "timeout 50ms") {
		t.Fatalf("result %+v", res)
	}
	if len(f.git.commits) != 1 {
		t.Errorf("step under way not committed: %v", f.git.commits)
	}
}

type slowTools struct {
	inner *recordingTools
	d     time.Duration
}

func (s *slowTools) Exec(ctx context.Context, c llm.ToolCall) tools.Result {
	select {
	case <-time.After(s.d):
	case <-ctx.Done():
	}
	return s.inner.Exec(ctx, c)
}

// A model that keeps answering nothing is asked again with a note, then
// stopped; an empty answer never enters the history.
func TestEmptyAnswers(t *testing.T) {
	t.Parallel()
	empty := modelTurn{resp: &llm.Response{Content: []llm.Part{llm.TextPart("  ")}, StopReason: llm.StopEndTurn}}
	f := newFixture(t, tasks.ApprovalAutoEdit, 10, empty, empty, empty)
	res := f.run(t, t.Context())
	if res.Status != StatusError || !strings.Contains(res.Err.Error(), "3 empty answers in a row") {
		t.Fatalf("result %+v", res)
	}
	for i, req := range f.model.reqs {
		if len(req.Messages) != 1 || req.Messages[0].Role != llm.RoleUser {
			t.Fatalf("request %d: %d messages: %+v", i, len(req.Messages), req.Messages)
		}
	}
	// The note joined the prompt's user message.
	last := f.model.reqs[2].Messages[0]
	if len(last.Content) != 3 || !strings.Contains(last.Content[2].Text, "(safe-coder) Your last answer was empty") {
		t.Errorf("notes %+v", last.Content)
	}

	// Thinking alone is no answer either.
	thinking := modelTurn{resp: &llm.Response{Content: []llm.Part{llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Text: "hmm", Signature: "sig"})}, StopReason: llm.StopEndTurn}}
	h := newFixture(t, tasks.ApprovalAutoEdit, 10, thinking, answer("done"))
	if res := h.run(t, t.Context()); res.Status != StatusSucceeded || res.Steps != 2 || len(h.model.reqs[1].Messages) != 1 {
		t.Errorf("thinking-only answer: %+v, %d messages", res, len(h.model.reqs[1].Messages))
	}

	// An empty answer between real ones is fine.
	g := newFixture(t, tasks.ApprovalAutoEdit, 10, empty, answer("done"))
	if res := g.run(t, t.Context()); res.Status != StatusSucceeded || res.FinalMessage != "done" {
		t.Errorf("result %+v", res)
	}
}

// A paused turn is sent back as it is, so the model continues it.
func TestPauseTurn(t *testing.T) {
	t.Parallel()
	paused := modelTurn{resp: &llm.Response{Content: []llm.Part{llm.TextPart("Working on it")}, StopReason: llm.StopPauseTurn}}
	f := newFixture(t, tasks.ApprovalAutoEdit, 10, paused, answer("done"))
	res := f.run(t, t.Context())
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	msgs := f.model.reqs[1].Messages
	if len(msgs) != 2 || msgs[1].Role != llm.RoleAssistant || msgs[1].Text() != "Working on it" {
		t.Errorf("continuation %+v", msgs)
	}
}

// A text answer cut off by max_tokens is not the final answer: the model is
// asked to continue.
func TestCutOffText(t *testing.T) {
	t.Parallel()
	cut := modelTurn{resp: &llm.Response{Content: []llm.Part{llm.TextPart("Here is the pl")}, StopReason: llm.StopMaxTokens}}
	f := newFixture(t, tasks.ApprovalAutoEdit, 10, cut, answer("an"))
	res := f.run(t, t.Context())
	if res.Status != StatusSucceeded || res.Steps != 2 {
		t.Fatalf("result %+v", res)
	}
	note := f.model.reqs[1].Messages[2]
	if note.Role != llm.RoleUser || !strings.Contains(note.Text(), "cut off at max_output_tokens (100)") {
		t.Errorf("note %+v", note)
	}
}

// Tool outputs are capped with a visible notice, head and tail kept.
func TestToolOutputCapped(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("a", 100_000) + "THE END"
	f := newFixture(t, tasks.ApprovalAutoEdit, 10,
		callsTurn(llm.StopToolUse, call("c1", "read_file", map[string]any{"path": "a"})), answer("ok"))
	res := f.runWith(t, t.Context(), fixedTools{content: "START" + huge})
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	got := f.model.reqs[1].Messages[2].Content[0].ToolResult.Content
	if len(got) > maxToolOutput+300 || !strings.HasPrefix(got, "START") || !strings.HasSuffix(got, "THE END") ||
		!strings.Contains(got, "bytes of this tool output omitted by safe-coder") {
		t.Errorf("capped output: %d bytes, head %q, tail %q", len(got), got[:10], got[len(got)-10:])
	}
}

type fixedTools struct{ content string }

func (f fixedTools) Exec(context.Context, llm.ToolCall) tools.Result {
	return tools.Result{Content: f.content, Summary: "fixed"}
}

// Near the context window the oldest tool outputs are elided first; the
// latest stay.
func TestContextElision(t *testing.T) {
	t.Parallel()
	read := func(id string, prompt int64) modelTurn {
		tt := callsTurn(llm.StopToolUse, call(id, "read_file", map[string]any{"path": id}))
		tt.resp.Usage = llm.Usage{InputTokens: prompt, OutputTokens: 10}
		return tt
	}
	// Window 100k tokens. Each tool output is 30 KB ≈ 10k tokens by our
	// estimate. The provider reports the real prompt size.
	f := newFixture(t, tasks.ApprovalAutoEdit, 20,
		read("r1", 20_000), read("r2", 40_000), read("r3", 60_000), read("r4", 75_000), answer("done"))
	f.cfg.Task.Model.ContextWindow = 100_000
	res := f.runWith(t, t.Context(), fixedTools{content: strings.Repeat("x", 30_000)})
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	// Before the 5th request: 75k + 10 + ~10k new ≈ 85k > 80%: elide the
	// oldest outputs until under 60k.
	msgs := f.model.reqs[4].Messages
	var elided []string
	for _, m := range msgs {
		for _, p := range m.Content {
			if p.ToolResult != nil && strings.HasPrefix(p.ToolResult.Content, "[safe-coder elided") {
				elided = append(elided, p.ToolResult.CallID)
			}
		}
	}
	if strings.Join(elided, ",") != "r1,r2,r3" {
		t.Errorf("elided %v, want the oldest three", elided)
	}
	if last := msgs[len(msgs)-1].Content[0].ToolResult; last.CallID != "r4" || len(last.Content) != 30_000 {
		t.Errorf("latest output touched: %s %d", last.CallID, len(last.Content))
	}
	// Earlier requests are not rewritten after the fact.
	if c := f.model.reqs[3].Messages[2].Content[0].ToolResult.Content; len(c) != 30_000 {
		t.Errorf("request 4 changed afterwards: %d bytes", len(c))
	}
}

// A context overflow from the provider compacts once and asks again; a
// second overflow ends the task with a clear error.
func TestContextOverflow(t *testing.T) {
	t.Parallel()
	overflow := &llm.APIError{Provider: "anthropic", Status: 400, Type: "invalid_request_error", Message: "prompt is too long: 210000 tokens > 200000 maximum", Attempts: 1}
	read := callsTurn(llm.StopToolUse, call("r1", "read_file", map[string]any{"path": "a"}))
	read2 := callsTurn(llm.StopToolUse, call("r2", "read_file", map[string]any{"path": "b"}))

	f := newFixture(t, tasks.ApprovalAutoEdit, 10, read, read2, modelTurn{err: overflow}, answer("done"))
	res := f.runWith(t, t.Context(), fixedTools{content: strings.Repeat("y", 5_000)})
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	retry := f.model.reqs[3].Messages
	if c := retry[2].Content[0].ToolResult.Content; !strings.HasPrefix(c, "[safe-coder elided") {
		t.Errorf("old output not elided on retry: %.40q", c)
	}
	if c := retry[4].Content[0].ToolResult.Content; len(c) != 5_000 {
		t.Errorf("latest output elided on retry")
	}

	g := newFixture(t, tasks.ApprovalAutoEdit, 10, read, read2, modelTurn{err: overflow}, modelTurn{err: overflow})
	res = g.runWith(t, t.Context(), fixedTools{content: strings.Repeat("y", 5_000)})
	if res.Status != StatusError || !strings.Contains(res.Err.Error(), "does not fit the model's context window, even after eliding") {
		t.Fatalf("result %+v", res)
	}
	if !errors.As(res.Err, new(*llm.APIError)) {
		t.Errorf("provider error not wrapped: %v", res.Err)
	}
}
