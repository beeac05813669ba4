package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// The answer of anthropic_stream_text.json, the streaming page's basic
// example, after the given number of attempts.
func documentedHello(attempts int) *llm.Response {
	return &llm.Response{
		ID:         "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
		Model:      "claude-sonnet-4-5-20250929",
		Content:    []llm.Part{llm.TextPart("Hello!")},
		StopReason: llm.StopEndTurn,
		Usage:      llm.Usage{InputTokens: 25, OutputTokens: 15},
		RequestID:  "req_011DOCSstreamText000000001",
		Attempts:   attempts,
	}
}

// The thinking and signature of anthropic_stream_thinking_tool_use.json,
// as the extended-thinking page prints them (elisions included).
const (
	documentedThinking  = "The user wants to know the current weather in Paris. I have access to a function `get_weather`..."
	documentedSignature = "BDaL4VrbR2Oj0hO4XpJxT28J5TILnCrrUXoKiiNBZW9P+nr8XSj1zuZzAl4egiCCpQNvfyUuFFJP5CncdYZEQPPmLxYsNrcs...."
)

// The answer of anthropic_stream_thinking_tool_use.json: the thinking
// block first, its text and signature intact, then the text, then the call.
func documentedThinkingAnswer(attempts int) *llm.Response {
	return &llm.Response{
		ID:    "msg_01DOCSthinkingToolUse00001",
		Model: "claude-sonnet-4-5-20250929",
		Content: []llm.Part{
			llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Text: documentedThinking, Signature: documentedSignature}),
			llm.TextPart("I can help you get the current weather information for Paris. Let me check that for you"),
			llm.ToolCallPart(llm.ToolCall{ID: "toolu_01CswdEQBMshySk6Y9DFKrfq", Name: "get_weather", Input: json.RawMessage(`{"location": "Paris"}`)}),
		},
		StopReason: llm.StopToolUse,
		Usage:      llm.Usage{InputTokens: 402, OutputTokens: 112},
		RequestID:  "req_011DOCSthinkingToolUse0001",
		Attempts:   attempts,
	}
}

// TestDocumentedAnthropicRetries serves the documented error answers to the
// streaming client and checks what the retry policy does with each: whether
// it retries, how long it waits, what it logs and what it finally returns.
func TestDocumentedAnthropicRetries(t *testing.T) {
	t.Parallel()
	const sec = time.Second
	overloaded := loadDocumented(t, "anthropic_error_529_overloaded.json").step()
	rateLimited := loadDocumented(t, "anthropic_error_429_rate_limit.json").step()
	errorEvent := loadDocumented(t, "anthropic_stream_error_event.json").step()
	hello := loadDocumented(t, "anthropic_stream_text.json").step()
	thinking := loadDocumented(t, "anthropic_stream_thinking_tool_use.json").step()
	// The thinking stream cut after the tool input's first fragment, as a
	// dropped connection would leave it: `{"location":` and nothing more.
	cutInToolInput := withBody(t, thinking, func(s string) string {
		last := strings.Index(s, `\"Paris\"}`)
		if last < 0 {
			t.Fatal("the thinking fixture has no Paris fragment")
		}
		return s[:strings.LastIndex(s[:last], "event: ")]
	})

	overloadedErr := llm.APIError{Provider: "anthropic", Status: 529, Type: "overloaded_error", Message: "Overloaded", RequestID: "req_011DOCS529overloaded00001"}
	rateLimitErr := llm.APIError{Provider: "anthropic", Status: 429, Type: "rate_limit_error",
		Message: "This request would exceed the rate limit for your organization (00000000-0000-0000-0000-000000000000) of 50,000 input tokens per minute. " +
			"For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. " +
			"Please reduce the prompt length or the maximum tokens requested, or try again later. " +
			"You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.",
		RequestID: "req_011DOCS429rateLimit0000001"}
	eventErr := llm.APIError{Provider: "anthropic", Status: 529, Type: "overloaded_error", Message: "Overloaded", RequestID: "req_011DOCSstreamErrorEvent001"}

	tests := []struct {
		name        string
		fixture     string // the exchange whose request the test sends
		steps       []step
		maxAttempts int
		deadline    time.Duration // from the clock's start; 0: none
		waits       []waitRange
		log         []string // one pattern per retry line
		want        *llm.Response
		wantErr     *llm.APIError
		wantNote    string // what the error adds after the APIError's text
	}{
		{
			name:    "529 overloaded: retried after backoff, as it names no wait",
			fixture: "anthropic_error_529_overloaded.json",
			steps:   []step{overloaded, hello},
			waits:   []waitRange{jitter(0)},
			log:     []string{`^anthropic: HTTP 529 overloaded_error, retrying in \S+ \(attempt 2 of 5\)$`},
			want:    documentedHello(2),
		},
		{
			name:    "529 overloaded with a retry-after: the server's wait",
			fixture: "anthropic_error_529_overloaded.json",
			steps:   []step{withHeaders(overloaded, "retry-after", "7"), hello},
			waits:   []waitRange{exactly(7 * sec)},
			log:     []string{`^anthropic: HTTP 529 overloaded_error, retrying in 7s \(attempt 2 of 5\)$`},
			want:    documentedHello(2),
		},
		{
			name:    "529 overloaded with x-should-retry false: the header wins",
			fixture: "anthropic_error_529_overloaded.json",
			steps:   []step{withHeaders(overloaded, "x-should-retry", "false")},
			wantErr: afterAttempts(overloadedErr, 1),
		},
		{
			name:        "529 overloaded until the attempts run out",
			fixture:     "anthropic_error_529_overloaded.json",
			maxAttempts: 3,
			steps:       []step{overloaded, overloaded, overloaded},
			waits:       []waitRange{jitter(0), jitter(1)},
			log: []string{
				`^anthropic: HTTP 529 overloaded_error, retrying in \S+ \(attempt 2 of 3\)$`,
				`^anthropic: HTTP 529 overloaded_error, retrying in \S+ \(attempt 3 of 3\)$`,
			},
			wantErr: afterAttempts(overloadedErr, 3),
		},
		{
			name:    "429 rate limit: waits exactly its retry-after",
			fixture: "anthropic_error_429_rate_limit.json",
			steps:   []step{rateLimited, hello},
			waits:   []waitRange{exactly(12 * sec)},
			log:     []string{`^anthropic: HTTP 429 rate_limit_error, retrying in 12s \(attempt 2 of 5\)$`},
			want:    documentedHello(2),
		},
		{
			name:        "429 rate limit twice: two server waits",
			fixture:     "anthropic_error_429_rate_limit.json",
			maxAttempts: 2,
			steps:       []step{rateLimited, rateLimited},
			waits:       []waitRange{exactly(12 * sec)},
			log:         []string{`^anthropic: HTTP 429 rate_limit_error, retrying in 12s \(attempt 2 of 2\)$`},
			wantErr:     afterAttempts(rateLimitErr, 2),
		},
		{
			name:     "429 rate limit with less time left than its retry-after: not retried",
			fixture:  "anthropic_error_429_rate_limit.json",
			deadline: 5 * sec,
			steps:    []step{rateLimited},
			wantErr:  afterAttempts(rateLimitErr, 1),
			wantNote: "; not retried: the task's time runs out in 5s, before the 12s wait would end",
		},
		{
			name:    "error event mid-stream: retried as its overloaded_error says",
			fixture: "anthropic_stream_error_event.json",
			steps:   []step{errorEvent, hello},
			waits:   []waitRange{jitter(0)},
			log:     []string{`^anthropic: overloaded_error in the answer, retrying in \S+ \(attempt 2 of 5\)$`},
			want:    documentedHello(2),
		},
		{
			name:        "error event until the attempts run out: reported with the status of its type",
			fixture:     "anthropic_stream_error_event.json",
			maxAttempts: 2,
			steps:       []step{errorEvent, errorEvent},
			waits:       []waitRange{jitter(0)},
			log:         []string{`^anthropic: overloaded_error in the answer, retrying in \S+ \(attempt 2 of 2\)$`},
			wantErr:     afterAttempts(eventErr, 2),
		},
		{
			name:    "thinking stream cut inside the tool input: thrown away, retried",
			fixture: "anthropic_stream_thinking_tool_use.json",
			steps:   []step{cutInToolInput, thinking},
			waits:   []waitRange{jitter(0)},
			log:     []string{`^anthropic: broken answer: stream ended before message_stop, retrying in \S+ \(attempt 2 of 5\)$`},
			want:    documentedThinkingAnswer(2),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := loadDocumented(t, tt.fixture)
			clock := newFakeClock()
			fake, srv := newScriptedServer(t, "/v1/messages", tt.steps...)
			var log bytes.Buffer
			client := llm.NewAnthropic(llm.AnthropicOptions{
				BaseURL: srv.URL, APIKey: testAPIKey, Log: &log, Clock: clock, MaxAttempts: tt.maxAttempts,
			})
			ctx := t.Context()
			if tt.deadline != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, clock.Now().Add(tt.deadline))
				defer cancel()
			}

			resp, err := client.Complete(ctx, requestFromRecording(t, ex.Request.Body))

			if got, want := sentFields(t, fake.body(0)), sentFields(t, ex.Request.Body); !reflect.DeepEqual(got, want) {
				t.Errorf("request body differs from the documented one\n got %v\nwant %v", got, want)
			}
			if !fake.sameBodies() {
				t.Error("the attempts sent different bodies")
			}
			checkWaits(t, clock, tt.waits)
			checkLog(t, log.String(), tt.log)
			if strings.Contains(log.String(), testAPIKey) || err != nil && strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("the key leaked: %v\n%s", err, log.String())
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Complete: %v", err)
				}
				if !reflect.DeepEqual(resp, tt.want) {
					gotJSON, _ := json.Marshal(resp)
					wantJSON, _ := json.Marshal(tt.want)
					t.Errorf("response:\n got %s\nwant %s", gotJSON, wantJSON)
				}
				return
			}
			if resp != nil {
				t.Errorf("got a response %+v with the error", resp)
			}
			checkAPIError(t, err, *tt.wantErr)
			if tt.wantNote != "" && !strings.HasSuffix(err.Error(), tt.wantNote) {
				t.Errorf("err = %v, want it to end with %q", err, tt.wantNote)
			}
		})
	}
}

// TestDocumentedAnthropicSpendLimitNotRetried serves the rate-limits page's
// spend-limit answer: a 429 rate_limit_error whose error.details.error_code
// is enforced_spend_limit_reached, without retry-after. The page says every
// retry fails until the next month; the transport's policy never retries a
// spend limit. One attempt, no wait, and the APIError must say which limit.
func TestDocumentedAnthropicSpendLimitNotRetried(t *testing.T) {
	t.Parallel()
	ex := loadDocumented(t, "anthropic_error_429_spend_limit.json")
	clock := newFakeClock()
	fake, srv := newScriptedServer(t, "/v1/messages", ex.step())
	var log bytes.Buffer
	client := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: srv.URL, APIKey: testAPIKey, Log: &log, Clock: clock})

	resp, err := client.Complete(t.Context(), requestFromRecording(t, ex.Request.Body))

	if got := fake.attempts(); got != 1 {
		t.Errorf("the spend limit was tried %d times, want once", got)
	}
	checkWaits(t, clock, nil)
	checkLog(t, log.String(), nil)
	if resp != nil {
		t.Errorf("got a response %+v with the error", resp)
	}
	checkAPIError(t, err, llm.APIError{
		Provider: "anthropic", Status: 429, Type: "rate_limit_error",
		Message: "You have reached your API usage limits: your organization has crossed its monthly API usage threshold, " +
			"set based on your organization's API tier. You will regain access on 2026-09-01 at 00:00 UTC.",
		RequestID: "req_018EeWyXxfu5pfWkrYcMdjWG", Attempts: 1,
	})
}

// TestDocumentedAnthropicThinkingToolUse decodes the extended-thinking
// page's tool-use answer, streamed, and sends it back as the page requires
// for the tool result turn: the thinking block first and unchanged, then
// the text and the tool_use, then the result.
func TestDocumentedAnthropicThinkingToolUse(t *testing.T) {
	t.Parallel()
	ex := loadDocumented(t, "anthropic_stream_thinking_tool_use.json")
	fake, srv := newScriptedServer(t, "/v1/messages", ex.step(), loadDocumented(t, "anthropic_stream_text.json").step())
	client := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: srv.URL, APIKey: testAPIKey, Clock: newFakeClock()})
	req := requestFromRecording(t, ex.Request.Body)

	resp, err := client.Complete(t.Context(), req)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got, want := sentFields(t, fake.body(0)), sentFields(t, ex.Request.Body); !reflect.DeepEqual(got, want) {
		t.Errorf("request body differs from the documented one\n got %v\nwant %v", got, want)
	}
	if want := documentedThinkingAnswer(1); !reflect.DeepEqual(resp, want) {
		gotJSON, _ := json.Marshal(resp)
		wantJSON, _ := json.Marshal(want)
		t.Fatalf("response:\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if got := resp.Message().Text(); got != "I can help you get the current weather information for Paris. Let me check that for you" {
		t.Errorf("Message().Text() = %q: thinking is not text", got)
	}

	next := *req
	next.Messages = append(append([]llm.Message(nil), req.Messages...), resp.Message(), llm.Message{Role: llm.RoleUser, Content: []llm.Part{
		llm.ToolResultPart(llm.ToolResult{CallID: "toolu_01CswdEQBMshySk6Y9DFKrfq", Content: `{"temperature": 88}`}),
	}})
	if _, err := client.Complete(t.Context(), &next); err != nil {
		t.Fatalf("Complete with the tool result: %v", err)
	}
	var sent struct {
		Messages []struct {
			Role    string            `json:"role"`
			Content []json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(fake.body(1), &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.Messages) != 3 || sent.Messages[1].Role != "assistant" || len(sent.Messages[1].Content) != 3 {
		t.Fatalf("second request's messages = %s, want user, assistant (3 blocks), user", fake.body(1))
	}
	blocks := sent.Messages[1].Content
	wantThinking, _ := json.Marshal(map[string]string{"type": "thinking", "thinking": documentedThinking, "signature": documentedSignature})
	if !jsonEqual(t, blocks[0], wantThinking) {
		t.Errorf("thinking block sent back as %s, want %s", blocks[0], wantThinking)
	}
	for i, wantType := range []string{"thinking", "text", "tool_use"} {
		var b struct {
			Type  string          `json:"type"`
			ID    string          `json:"id"`
			Input json.RawMessage `json:"input"`
		}
		if err := json.Unmarshal(blocks[i], &b); err != nil {
			t.Fatal(err)
		}
		if b.Type != wantType {
			t.Errorf("assistant block %d is %q, want %q", i, b.Type, wantType)
		}
		if wantType == "tool_use" && (b.ID != "toolu_01CswdEQBMshySk6Y9DFKrfq" || !jsonEqual(t, b.Input, []byte(`{"location":"Paris"}`))) {
			t.Errorf("tool_use sent back as %s", blocks[i])
		}
	}
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("decode %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}
