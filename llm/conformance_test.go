package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

// conformanceProvider is one llm.Client implementation under the
// conformance suite. Adding a provider is one entry in conformanceProviders.
type conformanceProvider struct {
	name string
	// http is set for providers that talk HTTP through the transport: they
	// run the scenarios with faults and error answers, and count Attempts.
	http bool
	// start serves turns and returns a client that asks them. An HTTP
	// provider serves them from an llmtest fake, which fails the test when
	// a turn is never asked for; the fake is returned for its counts.
	// Others use the turns' Responses only. clock is the client's.
	start func(t *testing.T, turns []llmtest.Turn, clock *fakeClock) (llm.Client, *llmtest.Server)
	// openAI is set for the Chat Completions format's clients.
	openAI bool
}

func conformanceProviders() []conformanceProvider {
	anthropic := func(noStream bool) func(t *testing.T, turns []llmtest.Turn, clock *fakeClock) (llm.Client, *llmtest.Server) {
		return func(t *testing.T, turns []llmtest.Turn, clock *fakeClock) (llm.Client, *llmtest.Server) {
			fake := llmtest.New(t, turns, llmtest.Options{BasePath: "/anthropic", APIKey: testAPIKey})
			return llm.NewAnthropic(llm.AnthropicOptions{
				BaseURL: fake.URL(), APIKey: testAPIKey, Clock: clock, NoStream: noStream,
			}), fake
		}
	}
	// openAI serves the Chat Completions format under a versioned base
	// path, as OpenAI and Ollama mount it.
	openAI := func(opts llm.OpenAIOptions) func(t *testing.T, turns []llmtest.Turn, clock *fakeClock) (llm.Client, *llmtest.Server) {
		return func(t *testing.T, turns []llmtest.Turn, clock *fakeClock) (llm.Client, *llmtest.Server) {
			fake := llmtest.New(t, turns, llmtest.Options{BasePath: "/openai/v1", APIKey: opts.APIKey})
			o := opts // scenarios run in parallel: each gets its own copy
			o.BaseURL, o.Clock = fake.URL(), clock
			return llm.NewOpenAI(o), fake
		}
	}
	return []conformanceProvider{
		{name: "anthropic streaming", http: true, start: anthropic(false)},
		{name: "anthropic", http: true, start: anthropic(true)},
		{name: "openai streaming", http: true, openAI: true, start: openAI(llm.OpenAIOptions{APIKey: testAPIKey})},
		{name: "openai", http: true, openAI: true, start: openAI(llm.OpenAIOptions{APIKey: testAPIKey, NoStream: true})},
		{name: "ollama", http: true, openAI: true, start: openAI(llm.OpenAIOptions{Provider: "ollama"})},
		{name: "replay", start: startReplay},
	}
}

// startReplay writes the turns' responses as a transcript.
func startReplay(t *testing.T, turns []llmtest.Turn, _ *fakeClock) (llm.Client, *llmtest.Server) {
	t.Helper()
	var lines []string
	for _, turn := range turns {
		line, err := json.Marshal(turn.Response)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(line))
	}
	path := filepath.Join(t.TempDir(), "transcript.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := llm.NewReplay(path)
	if err != nil {
		t.Fatal(err)
	}
	return r, nil
}

// conformanceEnv is what a scenario knows about the provider it runs on.
type conformanceEnv struct {
	http   bool
	openAI bool            // the Chat Completions format
	fake   *llmtest.Server // nil unless http
	clock  *fakeClock      // the client's; replay ignores it
}

// attempts is the Attempts a first-try answer reports.
func (e conformanceEnv) attempts(n int) int {
	if e.http {
		return n
	}
	return 0
}

type conformanceScenario struct {
	name     string
	httpOnly bool
	turns    []llmtest.Turn
	run      func(t *testing.T, c llm.Client, env conformanceEnv, turns []llmtest.Turn)
}

// answer is a scripted answer with every field set, so each provider must
// return it as is.
func answer(id string, stop llm.StopReason, usage llm.Usage, parts ...llm.Part) *llm.Response {
	return &llm.Response{ID: id, Model: "claude-conformance", Content: parts, StopReason: stop, Usage: usage, RequestID: "req_" + id}
}

func conversation(parts ...llm.Part) *llm.Request {
	return &llm.Request{
		Model: "claude-conformance", MaxTokens: 1024, System: "You are a careful engineer.",
		Messages: []llm.Message{{Role: llm.RoleUser, Content: parts}},
		Tools: []llm.ToolDef{
			{Name: "read_file", Description: "Read a file.", InputSchema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}`)},
			{Name: "bash", Description: "Run a command.", InputSchema: json.RawMessage(`{"type":"object","properties":{"command":{"type":"string"}}}`)},
		},
	}
}

// wantAnswer checks that got is the scripted answer, with attempts.
func wantAnswer(t *testing.T, got *llm.Response, err error, want *llm.Response, attempts int) {
	t.Helper()
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	w := *want
	w.Attempts = attempts
	if !reflect.DeepEqual(got, &w) {
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(&w)
		t.Errorf("answer:\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

func conformanceScenarios() []conformanceScenario {
	plain := answer("msg_plain", llm.StopEndTurn, llm.Usage{InputTokens: 12, OutputTokens: 3}, llm.TextPart("Hello. Nothing to fix."))
	parallel := answer("msg_parallel", llm.StopToolUse, llm.Usage{InputTokens: 200, OutputTokens: 80},
		llm.TextPart("I'll read both files."),
		llm.ToolCallPart(llm.ToolCall{ID: "toolu_conf_a", Name: "read_file", Input: json.RawMessage(`{"path":"go.mod"}`)}),
		llm.ToolCallPart(llm.ToolCall{ID: "toolu_conf_b", Name: "bash", Input: json.RawMessage(`{"command":"go vet ./... \u0026\u0026 echo \"ok ✓\""}`)}),
		llm.ToolCallPart(llm.ToolCall{ID: "toolu_conf_c", Name: "bash", Input: json.RawMessage(`{}`)}))
	final := answer("msg_final", llm.StopEndTurn, llm.Usage{InputTokens: 300, OutputTokens: 10}, llm.TextPart("The module is example.com/x."))
	cut := answer("msg_cut", llm.StopMaxTokens, llm.Usage{InputTokens: 50, OutputTokens: 1024}, llm.TextPart("The answer is long and stops mid"))
	cached := answer("msg_cached", llm.StopEndTurn, llm.Usage{InputTokens: 3, OutputTokens: 33, CacheReadTokens: 1111, CacheWriteTokens: 418}, llm.TextPart("Cached."))
	retried := answer("msg_retried", llm.StopEndTurn, llm.Usage{InputTokens: 5, OutputTokens: 2}, llm.TextPart("Made it."))

	return []conformanceScenario{
		{
			name:  "plain text answer",
			turns: []llmtest.Turn{{Response: plain}},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, _ []llmtest.Turn) {
				resp, err := c.Complete(t.Context(), conversation(llm.TextPart("Is anything broken?")))
				wantAnswer(t, resp, err, plain, env.attempts(1))
			},
		},
		{
			name:  "parallel tool calls with inputs",
			turns: []llmtest.Turn{{Response: parallel}},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, _ []llmtest.Turn) {
				resp, err := c.Complete(t.Context(), conversation(llm.TextPart("Check the module.")))
				wantAnswer(t, resp, err, parallel, env.attempts(1))
			},
		},
		{
			name: "tool results round trip",
			turns: []llmtest.Turn{{Response: parallel}, {Response: final, Check: func(req *llmtest.MessagesRequest) error {
				last := req.Messages[len(req.Messages)-1]
				if len(last.Content) != 3 || last.Content[0].ToolUseID != "toolu_conf_a" || last.Content[0].Content != "module example.com/x" ||
					!last.Content[1].IsError || last.Content[2].Content != "" {
					return fmt.Errorf("tool results arrived as %+v", last.Content)
				}
				if uses := req.Messages[1].ToolUses(); len(uses) != 3 || string(uses[1].Input) != `{"command":"go vet ./... \u0026\u0026 echo \"ok ✓\""}` {
					return fmt.Errorf("tool calls came back as %+v", uses)
				}
				return nil
			}, ChatCheck: func(req *llmtest.ChatRequest) error {
				var results []string
				for _, m := range req.Messages[3:] {
					results = append(results, m.Role+" "+m.ToolCallID+": "+m.Content)
				}
				want := []string{"tool toolu_conf_a: module example.com/x", "tool toolu_conf_b: Error: denied by policy", "tool toolu_conf_c: "}
				if !reflect.DeepEqual(results, want) {
					return fmt.Errorf("tool results arrived as %q", results)
				}
				if calls := req.Messages[2].ToolCalls; len(calls) != 3 || calls[1].Arguments != `{"command":"go vet ./... \u0026\u0026 echo \"ok ✓\""}` {
					return fmt.Errorf("tool calls came back as %+v", calls)
				}
				return nil
			}}},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, _ []llmtest.Turn) {
				req := conversation(llm.TextPart("Check the module."))
				first, err := c.Complete(t.Context(), req)
				wantAnswer(t, first, err, parallel, env.attempts(1))
				req.Messages = append(req.Messages, first.Message(), llm.Message{Role: llm.RoleUser, Content: []llm.Part{
					llm.ToolResultPart(llm.ToolResult{CallID: "toolu_conf_a", Content: "module example.com/x"}),
					llm.ToolResultPart(llm.ToolResult{CallID: "toolu_conf_b", Content: "denied by policy", IsError: true}),
					llm.ToolResultPart(llm.ToolResult{CallID: "toolu_conf_c", Content: ""}),
				}})
				second, err := c.Complete(t.Context(), req)
				wantAnswer(t, second, err, final, env.attempts(1))
			},
		},
		{
			name:  "max_tokens stop",
			turns: []llmtest.Turn{{Response: cut}},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, _ []llmtest.Turn) {
				resp, err := c.Complete(t.Context(), conversation(llm.TextPart("Explain everything.")))
				wantAnswer(t, resp, err, cut, env.attempts(1))
			},
		},
		{
			name:  "usage with cache tokens",
			turns: []llmtest.Turn{{Response: cached}},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, _ []llmtest.Turn) {
				resp, err := c.Complete(t.Context(), conversation(llm.TextPart("Again, please.")))
				wantAnswer(t, resp, err, cached, env.attempts(1))
			},
		},
		{
			name:     "retryable faults then success",
			httpOnly: true,
			turns: []llmtest.Turn{
				{Fault: &llmtest.Fault{Kind: llmtest.FaultReset}},
				{Status: 529, Header: map[string]string{"retry-after": "1"}},
				{Fault: &llmtest.Fault{Kind: llmtest.FaultCut}},
				{Fault: &llmtest.Fault{Kind: llmtest.FaultResetBody}},
				{Response: retried}, // the fifth attempt: the default budget
			},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, turns []llmtest.Turn) {
				resp, err := c.Complete(t.Context(), conversation(llm.TextPart("Try hard.")))
				wantAnswer(t, resp, err, retried, len(turns))
				if got := env.fake.Attempts(); got != len(turns) {
					t.Errorf("the fake saw %d attempts, want %d", got, len(turns))
				}
			},
		},
		{
			// OpenAI's 429s often carry only the x-ratelimit-* headers:
			// the Chat Completions clients wait for the reset of the
			// limit that was hit (tokens: 7.5s, not the requests' 20ms).
			// Anthropic's clients do not read them and back off.
			name:     "429 with x-ratelimit-reset-* and no retry-after",
			httpOnly: true,
			turns: []llmtest.Turn{
				{Status: 429, ErrorType: "rate_limit_exceeded", Header: map[string]string{
					"x-ratelimit-limit-requests": "500", "x-ratelimit-limit-tokens": "30000",
					"x-ratelimit-remaining-requests": "499", "x-ratelimit-remaining-tokens": "0",
					"x-ratelimit-reset-requests": "20ms", "x-ratelimit-reset-tokens": "7.5s",
				}},
				{Response: retried},
			},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, turns []llmtest.Turn) {
				resp, err := c.Complete(t.Context(), conversation(llm.TextPart("Again.")))
				wantAnswer(t, resp, err, retried, len(turns))
				want := jitter(0)
				if env.openAI {
					want = exactly(7500 * time.Millisecond)
				}
				checkWaits(t, env.clock, []waitRange{want})
			},
		},
		{
			name:     "non-retryable 400",
			httpOnly: true,
			turns:    []llmtest.Turn{{Status: 400, ErrorMessage: "messages: text content blocks must be non-empty"}},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, _ []llmtest.Turn) {
				resp, err := c.Complete(t.Context(), conversation(llm.TextPart("Hi.")))
				apiErr, ok := errors.AsType[*llm.APIError](err)
				if resp != nil || !ok {
					t.Fatalf("got %+v, %v; want an *APIError", resp, err)
				}
				if apiErr.Status != 400 || apiErr.Type != "invalid_request_error" || !strings.Contains(apiErr.Message, "must be non-empty") ||
					!strings.HasPrefix(apiErr.RequestID, "req_") || apiErr.Attempts != 1 {
					t.Errorf("APIError = %+v", *apiErr)
				}
				if !strings.Contains(err.Error(), apiErr.RequestID) {
					t.Errorf("error %q does not name the request id", err)
				}
			},
		},
		{
			// HTTP providers are cancelled while the answer is delayed;
			// others, which answer at once, before the call.
			name:  "cancelled context",
			turns: []llmtest.Turn{{Response: plain, Delay: time.Minute}},
			run: func(t *testing.T, c llm.Client, env conformanceEnv, _ []llmtest.Turn) {
				ctx, cancel := context.WithCancel(t.Context())
				if env.http {
					go func() {
						for env.fake.Attempts() == 0 && ctx.Err() == nil {
							time.Sleep(time.Millisecond)
						}
						cancel()
					}()
				} else {
					cancel()
				}
				defer cancel()
				resp, err := c.Complete(ctx, conversation(llm.TextPart("Hi.")))
				if resp != nil || !errors.Is(err, context.Canceled) {
					t.Errorf("got %+v, %v; want context.Canceled", resp, err)
				}
			},
		},
	}
}

func TestClientConformance(t *testing.T) {
	t.Parallel()
	for _, p := range conformanceProviders() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			for _, sc := range conformanceScenarios() {
				if sc.httpOnly && !p.http {
					continue
				}
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					clock := newFakeClock()
					client, fake := p.start(t, sc.turns, clock)
					sc.run(t, client, conformanceEnv{http: p.http, openAI: p.openAI, fake: fake, clock: clock}, sc.turns)
				})
			}
		})
	}
}
