package llm_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// chatError returns an OpenAI error envelope; code "" is null.
func chatError(errType, code, message string) string {
	c := "null"
	if code != "" {
		c = `"` + code + `"`
	}
	return `{"error":{"message":"` + message + `","type":"` + errType + `","param":null,"code":` + c + `}}`
}

func TestOpenAIRetryPolicy(t *testing.T) {
	t.Parallel()
	ok := step{status: 200, body: okChat}
	okSSE := sse(okChatStream)
	chunks := strings.SplitAfter(okChatStream, "\n\n")
	withoutFinish := sse(chunks[0] + chunks[1])
	withoutUsage := sse(chunks[0] + chunks[1] + chunks[2])
	errorChunk := func(errorJSON string) step {
		return sse(chunks[0] + chunks[1] + `data: {"error":` + errorJSON + "}\n\n")
	}
	quota := chatError("insufficient_quota", "insufficient_quota", "You exceeded your current quota, please check your plan and billing details.")
	// rateLimited is a 429 without retry-after and with OpenAI's
	// rate-limit headers, given as name, value pairs without the
	// "x-ratelimit-" prefix.
	rateLimited := func(kv ...string) step {
		st := step{status: 429, header: map[string]string{}, body: chatError("tokens", "rate_limit_exceeded", "Rate limit reached")}
		for i := 0; i < len(kv); i += 2 {
			st.header["x-ratelimit-"+kv[i]] = kv[i+1]
		}
		return st
	}
	const ms = time.Millisecond
	type test struct {
		name        string
		steps       []step
		stream      bool
		maxAttempts int
		deadline    time.Duration // from the clock's start; 0: none
		waits       []waitRange   // checked when set
		// One outcome: success after every step, or an *APIError, or an
		// error wrapping ErrBrokenAnswer.
		wantStatus int
		wantType   string
		wantAuth   bool
		wantBroken string
		wantErr    string // substring of the final error
	}
	tests := []test{
		{name: "500 retried", steps: []step{{status: 500, body: chatError("server_error", "", "The server had an error")}, ok}},
		{name: "429 rate limit retried after the server's wait", steps: []step{
			{status: 429, header: map[string]string{"retry-after": "1"}, body: chatError("requests", "rate_limit_exceeded", "Rate limit reached")}, ok}},
		{name: "spend-limit 429 not retried", steps: []step{{status: 429, body: quota}}, wantStatus: 429, wantType: "insufficient_quota"},
		{name: "spend-limit 429 not retried despite x-should-retry", steps: []step{{status: 429, header: map[string]string{"x-should-retry": "true"}, body: quota}},
			wantStatus: 429, wantType: "insufficient_quota"},
		{name: "OpenRouter's 402 not retried", steps: []step{{status: 402, body: `{"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/settings/credits"}}`}},
			wantStatus: 402},
		{name: "401 is an auth error", steps: []step{{status: 401, body: chatError("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-...abcd.")}},
			wantStatus: 401, wantType: "invalid_api_key", wantAuth: true},
		{name: "403 is an auth error", steps: []step{{status: 403, body: chatError("invalid_request_error", "unsupported_country_region_territory", "Country not supported")}},
			wantStatus: 403, wantType: "unsupported_country_region_territory", wantAuth: true},
		{name: "404 not retried", steps: []step{{status: 404, body: chatError("invalid_request_error", "model_not_found", "no such model")}},
			wantStatus: 404, wantType: "model_not_found"},
		{name: "200 with a server error envelope retried", steps: []step{{status: 200, body: `{"error":{"message":"upstream failed","type":"server_error","code":null}}`}, ok}},
		{name: "200 with a quota envelope not retried", steps: []step{{status: 200, body: quota}}, wantStatus: 429, wantType: "insufficient_quota"},
		{name: "stream without a finish_reason retried", stream: true, steps: []step{withoutFinish, okSSE}},
		{name: "stream ending after the finish without usage retried", stream: true, steps: []step{withoutUsage, okSSE}},
		{name: "stream cut mid-chunk retried", stream: true, steps: []step{{status: 200, header: map[string]string{"content-type": "text/event-stream", "content-length": "9999"}, body: okChatStream[:200]}, okSSE}},
		{name: "a whole answer to a stream request", stream: true, steps: []step{ok}},
		{name: "rate limit chunk retried", stream: true, steps: []step{errorChunk(`{"message":"slow down","type":"tokens","code":"rate_limit_exceeded"}`), okSSE}},
		{name: "quota chunk not retried", stream: true, steps: []step{errorChunk(`{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}`)},
			wantStatus: 429, wantType: "insufficient_quota"},
		{name: "invalid request chunk not retried", stream: true, steps: []step{errorChunk(`{"message":"bad","type":"invalid_request_error","code":null}`)},
			wantStatus: 400, wantType: "invalid_request_error"},
		{name: "OpenRouter's 402 chunk not retried", stream: true, steps: []step{errorChunk(`{"message":"Insufficient credits","code":402}`)}, wantStatus: 402},
		{name: "broken streams exhaust the budget", stream: true, maxAttempts: 2, steps: []step{withoutFinish, withoutFinish},
			wantBroken: "openai: broken answer after 2 attempts (request id none): stream ended before a finish_reason"},

		// Without retry-after, a 429 waits for the reset of the limit it hit.
		{name: "429 waits for the tokens reset when tokens ran out", steps: []step{rateLimited(
			"remaining-requests", "59", "remaining-tokens", "0", "reset-requests", "6m0s", "reset-tokens", "2.5s"), ok},
			waits: []waitRange{exactly(2500 * ms)}},
		{name: "429 waits for the requests reset when requests ran out", steps: []step{rateLimited(
			"remaining-requests", "0", "remaining-tokens", "150000", "reset-requests", "20ms", "reset-tokens", "6m0s"), ok},
			waits: []waitRange{exactly(20 * ms)}},
		{name: "429 with both limits out waits for the later reset", steps: []step{rateLimited(
			"remaining-requests", "0", "remaining-tokens", "0", "reset-requests", "1s", "reset-tokens", "7.5s"), ok},
			waits: []waitRange{exactly(7500 * ms)}},
		{name: "429 with unclear remaining counts waits for the later reset", steps: []step{rateLimited(
			"remaining-requests", "499", "remaining-tokens", "2051", "reset-requests", "120ms", "reset-tokens", "1.146s"), ok},
			waits: []waitRange{exactly(1146 * ms)}},
		{name: "429 without remaining counts waits for the later reset", steps: []step{rateLimited(
			"reset-requests", "3s", "reset-tokens", "250ms"), ok},
			waits: []waitRange{exactly(3 * time.Second)}},
		{name: "429 reset capped at 60s", steps: []step{rateLimited("remaining-tokens", "0", "reset-tokens", "6m0s"), ok},
			waits: []waitRange{exactly(60 * time.Second)}},
		{name: "429 reset garbage falls back to backoff", steps: []step{rateLimited(
			"remaining-tokens", "0", "reset-tokens", "soon", "reset-requests", "4s"), ok},
			waits: []waitRange{jitter(0)}},
		{name: "429 reset without a unit falls back to backoff", steps: []step{rateLimited("reset-tokens", "30"), ok},
			waits: []waitRange{jitter(0)}},
		{name: "429 negative reset falls back to backoff", steps: []step{rateLimited("reset-requests", "-5s"), ok},
			waits: []waitRange{jitter(0)}},
		{name: "429 garbage reset ignored beside a good one", steps: []step{rateLimited(
			"reset-requests", "1e9h", "reset-tokens", "1.5s"), ok},
			waits: []waitRange{exactly(1500 * ms)}},
		{name: "retry-after wins over the resets", steps: []step{func() step {
			st := rateLimited("remaining-tokens", "0", "reset-tokens", "9s")
			st.header["retry-after"] = "2"
			return st
		}(), ok}, waits: []waitRange{exactly(2 * time.Second)}},
		{name: "retry-after-ms wins over the resets", steps: []step{func() step {
			st := rateLimited("remaining-tokens", "0", "reset-tokens", "9s")
			st.header["retry-after-ms"] = "40"
			return st
		}(), ok}, waits: []waitRange{exactly(40 * ms)}},
		{name: "garbage retry-after falls to the resets", steps: []step{func() step {
			st := rateLimited("remaining-tokens", "0", "reset-tokens", "3s")
			st.header["retry-after"] = "later"
			return st
		}(), ok}, waits: []waitRange{exactly(3 * time.Second)}},
		{name: "resets ignored on a 503", steps: []step{func() step {
			st := rateLimited("remaining-tokens", "0", "reset-tokens", "30s")
			st.status, st.body = 503, chatError("server_error", "", "down")
			return st
		}(), ok}, waits: []waitRange{jitter(0)}},
		{name: "a reset past the deadline is not waited for", deadline: 10 * time.Second, maxAttempts: 3,
			steps: []step{rateLimited("remaining-tokens", "0", "reset-tokens", "6m0s")},
			waits: []waitRange{}, wantStatus: 429, wantType: "rate_limit_exceeded",
			wantErr: "not retried: the task's time runs out in 10s, before the 1m0s wait would end"},
		{name: "429 resets in a stream request", stream: true, steps: []step{rateLimited("remaining-requests", "0", "reset-requests", "1s"), okSSE},
			waits: []waitRange{exactly(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, srv := newScriptedServer(t, "/v1/chat/completions", tt.steps...)
			var log bytes.Buffer
			clock := newFakeClock()
			opts := chatOptions(srv.URL + "/v1")
			opts.NoStream, opts.MaxAttempts, opts.Log, opts.Clock = !tt.stream, tt.maxAttempts, &log, clock
			ctx := t.Context()
			if tt.deadline != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, clock.Now().Add(tt.deadline))
				defer cancel()
			}
			resp, err := llm.NewOpenAI(opts).Complete(ctx, simpleRequest())

			if !fake.sameBodies() {
				t.Error("the attempts sent different bodies")
			}
			if tt.waits != nil {
				checkWaits(t, clock, tt.waits)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(log.String(), testAPIKey) || err != nil && strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("the key leaked: %v\n%s", err, log.String())
			}
			if tt.wantStatus == 0 && tt.wantBroken == "" {
				if err != nil {
					t.Fatalf("Complete: %v", err)
				}
				if resp.Message().Text() != "ok" || resp.Attempts != len(tt.steps) {
					t.Errorf("response = %+v, want text ok after %d attempts", resp, len(tt.steps))
				}
				if lines := strings.Count(log.String(), "\n"); lines != len(tt.steps)-1 {
					t.Errorf("log has %d lines, want one per retry:\n%s", lines, log.String())
				}
				return
			}
			if resp != nil || err == nil {
				t.Fatalf("got %+v, %v; want an error", resp, err)
			}
			if tt.wantBroken != "" {
				if !errors.Is(err, llm.ErrBrokenAnswer) || !strings.Contains(err.Error(), tt.wantBroken) {
					t.Errorf("err = %v, want ErrBrokenAnswer with %q", err, tt.wantBroken)
				}
				return
			}
			apiErr, ok := errors.AsType[*llm.APIError](err)
			if !ok || apiErr.Status != tt.wantStatus || apiErr.Type != tt.wantType || apiErr.Attempts != len(tt.steps) || apiErr.Auth() != tt.wantAuth || apiErr.Provider != "openai" {
				t.Errorf("err = %v (%+v), want status %d type %q auth %v after %d attempts", err, apiErr, tt.wantStatus, tt.wantType, tt.wantAuth, len(tt.steps))
			}
		})
	}
}

func TestOpenAIErrorBodies(t *testing.T) {
	t.Parallel()
	longRaw := strings.Repeat("upstream detail ", 30)
	tests := []struct {
		name          string
		step          step
		wantType      string
		wantMessage   string // prefix
		wantRequestID string
	}{
		{
			name:        "OpenAI envelope, code null",
			step:        step{status: 400, body: chatError("invalid_request_error", "", "Web search options not supported with this model.")},
			wantType:    "invalid_request_error",
			wantMessage: "Web search options not supported",
		},
		{
			name:          "the code names the error, the request id from the header",
			step:          step{status: 400, header: map[string]string{"x-request-id": "req_abc"}, body: chatError("invalid_request_error", "context_length_exceeded", "This model's maximum context length is 128000 tokens.")},
			wantType:      "context_length_exceeded",
			wantMessage:   "This model's maximum context length",
			wantRequestID: "req_abc",
		},
		{
			name:        "a bare message (llama.cpp, proxies)",
			step:        step{status: 500, body: `{"error":"model failed to load"}`},
			wantMessage: "model failed to load",
		},
		{
			name:        "vLLM's top-level envelope",
			step:        step{status: 400, body: `{"object":"error","message":"max_tokens must be at least 1","type":"BadRequestError","param":null,"code":400}`},
			wantType:    "BadRequestError",
			wantMessage: "max_tokens must be at least 1",
		},
		{
			name:        "OpenRouter's upstream words, shortened",
			step:        step{status: 400, body: `{"error":{"code":400,"message":"Provider returned error","metadata":{"raw":"` + longRaw + `"}}}`},
			wantMessage: "Provider returned error: upstream detail upstream",
		},
		{
			name:        "an Anthropic envelope from a proxy",
			step:        step{status: 400, body: errorEnvelope("invalid_request_error", "bad")},
			wantType:    "invalid_request_error",
			wantMessage: "bad",
		},
		{
			name:        "html from a proxy",
			step:        step{status: 404, header: map[string]string{"content-type": "text/html"}, body: "<html><body><h1>404 Not Found</h1></body></html>"},
			wantMessage: "non-JSON error body (text/html): <html><body><h1>404 Not Found</h1>",
		},
		{
			name:        "JSON without an envelope",
			step:        step{status: 400, body: `{"detail":"Not Found"}`},
			wantMessage: `error body without an error envelope (application/json): {"detail":"Not Found"}`,
		},
		{
			name:        "an empty error",
			step:        step{status: 400, body: `{"error":{}}`},
			wantMessage: `error body without an error envelope (application/json): {"error":{}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, "/chat/completions", tt.step)
			opts := chatOptions(srv.URL)
			opts.MaxAttempts = 1
			_, err := llm.NewOpenAI(opts).Complete(t.Context(), simpleRequest())
			apiErr, ok := errors.AsType[*llm.APIError](err)
			if !ok {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if apiErr.Type != tt.wantType || !strings.HasPrefix(apiErr.Message, tt.wantMessage) || apiErr.RequestID != tt.wantRequestID {
				t.Errorf("APIError = %+v\nwant type %q, message prefix %q, request id %q", *apiErr, tt.wantType, tt.wantMessage, tt.wantRequestID)
			}
			if len(apiErr.Message) > 300 {
				t.Errorf("message is %d bytes, want a short excerpt", len(apiErr.Message))
			}
		})
	}
}

// TestOpenAIContextOverflow checks that the runner can tell an overflow
// from the errors of OpenAI and of a compatible server.
func TestOpenAIContextOverflow(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		chatError("invalid_request_error", "context_length_exceeded", "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."),
		`{"object":"error","message":"This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.","type":"BadRequestError","code":400}`,
	} {
		_, srv := newScriptedServer(t, "/chat/completions", step{status: 400, body: body})
		_, err := llm.NewOpenAI(chatOptions(srv.URL)).Complete(t.Context(), simpleRequest())
		if !llm.IsContextOverflow(err) {
			t.Errorf("IsContextOverflow(%v) = false", err)
		}
	}
}

// TestOpenAIRetryLogNamesTheProvider checks the provider name in log lines
// and errors, and that a Bearer key echoed by a proxy is redacted from
// both.
func TestOpenAIRetryLogNamesTheProvider(t *testing.T) {
	t.Parallel()
	echo := "<html><body><h1>502 Bad Gateway</h1><pre>authorization: Bearer " + testAPIKey + "</pre></body></html>"
	_, srv := newScriptedServer(t, "/v1/chat/completions",
		step{status: 502, header: map[string]string{"content-type": "text/html"}, body: echo},
		step{status: 500, body: chatError("server_error", "", "echo "+testAPIKey)})
	var log bytes.Buffer
	opts := chatOptions(srv.URL + "/v1")
	opts.Provider, opts.Log, opts.MaxAttempts = "ollama", &log, 2
	_, err := llm.NewOpenAI(opts).Complete(t.Context(), simpleRequest())
	if !regexp.MustCompile(`^ollama: HTTP 502, retrying in \S+ \(attempt 2 of 2\)\n$`).MatchString(log.String()) {
		t.Errorf("log = %q", log.String())
	}
	if err == nil || !strings.HasPrefix(err.Error(), "ollama: HTTP 500 server_error: echo [redacted] (no request id, 2 attempts)") {
		t.Errorf("err = %v", err)
	}
}
