package llm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// TestOpenRouterGenerationID checks that the id OpenRouter's support asks
// for, the generation id, reaches the final errors and the Response (which
// the step records): from the x-generation-id header, or from the body's
// "gen-…" id when the header is missing. The answers are the recorded
// OpenRouter stream and 429, edited.
func TestOpenRouterGenerationID(t *testing.T) {
	t.Parallel()
	const recordedID = "gen-1754667632-NNYO7FUAFP6cwNW8jL7x"
	stream := loadExchange(t, "openrouter_openai_compat_stream_comment.json").step()
	chunks := strings.SplitAfter(stream.body, "\n\n")
	// chunks: the comment, three role deltas, the text with its finish,
	// the usage, [DONE].
	beforeFinish := withBody(t, stream, func(string) string { return strings.Join(chunks[:4], "") })
	errorChunk := withBody(t, stream, func(string) string {
		return strings.Join(chunks[:2], "") + `data: {"id":"` + recordedID + `","object":"chat.completion.chunk","created":1754667632,` +
			`"model":"meta-llama/llama-3.2-3b-instruct:free","provider":"Venice","error":{"code":"server_error","message":"Provider disconnected unexpectedly"},` +
			`"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}` + "\n\n"
	})
	// The error chunk is the stream's first: its own id names the generation.
	errorFirst := withBody(t, errorChunk, func(s string) string { return chunks[0] + strings.SplitAfter(s, "\n\n")[2] })
	withHeader := func(s step, kv ...string) step {
		h := map[string]string{}
		for k, v := range s.header {
			h[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		s.header = h
		return s
	}
	rateLimited := loadExchange(t, "openrouter_openai_compat_error_429.json").step()
	rateLimitedMessage := "Provider returned error: google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream. " +
		"Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations"
	wholeError := step{status: 200, body: `{"id":"` + recordedID + `","object":"chat.completion","error":{"code":"server_error","message":"Provider disconnected unexpectedly"},"choices":[]}`}
	whole := step{status: 200, body: `{"id":"` + recordedID + `","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1}}`}

	tests := []struct {
		name        string
		steps       []step
		noStream    bool
		wantID      string        // the Response's RequestID, when it succeeds
		wantAPIErr  *llm.APIError // or this error
		wantBroken  string        // or a broken answer's error containing this
		maxAttempts int
	}{
		{name: "recorded stream: the body's id", steps: []step{stream}, wantID: recordedID},
		{name: "the header wins over the body", steps: []step{withHeader(stream, "x-generation-id", "gen-1754667632-HEADERxxxxxxxxxxxxxx")},
			wantID: "gen-1754667632-HEADERxxxxxxxxxxxxxx"},
		{name: "x-generation-id wins over x-request-id", steps: []step{withHeader(stream, "x-request-id", "req_proxy", "x-generation-id", "gen-hdr")},
			wantID: "gen-hdr"},
		{name: "whole answer: the body's id", noStream: true, steps: []step{whole}, wantID: recordedID},
		{name: "stream cut before its finish: the body's id", maxAttempts: 2, steps: []step{beforeFinish, beforeFinish},
			wantBroken: "openai: broken answer after 2 attempts (request id " + recordedID + "): stream ended before a finish_reason"},
		{name: "error chunk: the body's id", maxAttempts: 1, steps: []step{errorChunk},
			wantAPIErr: &llm.APIError{Provider: "openai", Status: 500, Type: "server_error", Message: "Provider disconnected unexpectedly", RequestID: recordedID, Attempts: 1}},
		{name: "error chunk first: its id", maxAttempts: 1, steps: []step{errorFirst},
			wantAPIErr: &llm.APIError{Provider: "openai", Status: 500, Type: "server_error", Message: "Provider disconnected unexpectedly", RequestID: recordedID, Attempts: 1}},
		{name: "error chunk: the header's id", maxAttempts: 1, steps: []step{withHeader(errorChunk, "x-generation-id", "gen-hdr")},
			wantAPIErr: &llm.APIError{Provider: "openai", Status: 500, Type: "server_error", Message: "Provider disconnected unexpectedly", RequestID: "gen-hdr", Attempts: 1}},
		{name: "whole answer with an error: the body's id", noStream: true, maxAttempts: 1, steps: []step{wholeError},
			wantAPIErr: &llm.APIError{Provider: "openai", Status: 500, Type: "server_error", Message: "Provider disconnected unexpectedly", RequestID: recordedID, Attempts: 1}},
		{name: "recorded 429 with x-generation-id", noStream: true, maxAttempts: 1, steps: []step{withHeader(rateLimited, "x-generation-id", "gen-hdr")},
			wantAPIErr: &llm.APIError{Provider: "openai", Status: 429, Message: rateLimitedMessage, RequestID: "gen-hdr", Attempts: 1}},
		{name: "recorded 429 without an id", noStream: true, maxAttempts: 1, steps: []step{rateLimited},
			wantAPIErr: &llm.APIError{Provider: "openai", Status: 429, Message: rateLimitedMessage, Attempts: 1}},
		{name: "a body id that is not a generation id is not a request id", maxAttempts: 1,
			steps:      []step{withBody(t, beforeFinish, func(s string) string { return strings.ReplaceAll(s, recordedID, "gen-x y") })},
			wantBroken: "openai: broken answer after 1 attempt (request id none)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, "/api/v1/chat/completions", tt.steps...)
			opts := chatOptions(srv.URL + "/api/v1")
			opts.NoStream, opts.MaxAttempts = tt.noStream, tt.maxAttempts
			resp, err := llm.NewOpenAI(opts).Complete(t.Context(), simpleRequest())
			switch {
			case tt.wantAPIErr != nil:
				checkAPIError(t, err, *tt.wantAPIErr)
			case tt.wantBroken != "":
				if !errors.Is(err, llm.ErrBrokenAnswer) || !strings.Contains(err.Error(), tt.wantBroken) {
					t.Errorf("err = %v, want ErrBrokenAnswer with %q", err, tt.wantBroken)
				}
			default:
				if err != nil {
					t.Fatalf("Complete: %v", err)
				}
				if resp.RequestID != tt.wantID {
					t.Errorf("RequestID = %q, want %q", resp.RequestID, tt.wantID)
				}
			}
		})
	}
}
