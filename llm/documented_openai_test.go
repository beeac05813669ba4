package llm_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// documentedChatRequest rebuilds the conversation of a written Chat
// Completions request, taking its max_completion_tokens too, which the
// recordings' helper does not read.
func documentedChatRequest(t *testing.T, ex exchange) *llm.Request {
	t.Helper()
	req := requestFromChatRecording(t, ex.Request.Body)
	var limits struct {
		MaxCompletionTokens int `json:"max_completion_tokens"`
	}
	if err := json.Unmarshal(ex.Request.Body, &limits); err != nil {
		t.Fatal(err)
	}
	if limits.MaxCompletionTokens != 0 {
		req.MaxTokens = limits.MaxCompletionTokens
	}
	return req
}

// checkChatRequest compares the body of the first attempt with the written
// request, in the fields the client sends.
func checkChatRequest(t *testing.T, fake *scriptedServer, ex exchange) {
	t.Helper()
	if got, want := chatSentFields(t, fake.body(0)), chatSentFields(t, ex.Request.Body); !reflect.DeepEqual(got, want) {
		gotJSON, _ := json.MarshalIndent(got, "", "  ")
		wantJSON, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("request body differs from the documented one\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

// TestDocumentedOpenAIRetries serves the documented error answers of the
// Chat Completions format to the streaming client: OpenAI's two kinds of
// 429, and OpenRouter's error chunk in the middle of a stream. Successful
// retries are answered with real recorded streams.
func TestDocumentedOpenAIRetries(t *testing.T) {
	t.Parallel()
	rateLimited := loadDocumented(t, "openai_error_429_rate_limit.json").step()
	quota := loadDocumented(t, "openai_error_429_insufficient_quota.json").step()
	errorChunk := loadDocumented(t, "openai_stream_error_chunk.json").step()
	openAIStream := loadExchange(t, "openai_stream_parallel_tool_calls.json").step()
	openRouterStream := loadExchange(t, "openrouter_openai_compat_stream_comment.json").step()

	rateLimitErr := llm.APIError{Provider: "openai", Status: 429, Type: "rate_limit_exceeded",
		Message: "Rate limit reached for gpt-4o-mini in organization org-DOCS00000000000000000000 on tokens per min (TPM): " +
			"Limit 50000, Used 47949, Requested 3006. Please try again in 1.146s. Visit https://platform.openai.com/account/rate-limits to learn more.",
		RequestID: "req_docs429ratelimitexceeded00000"}
	// The recorded answers that end the successful cases.
	recordedOpenAI := func(t *testing.T, resp *llm.Response) {
		if resp.ID != "chatcmpl-BleDgMAC9enGPAhCO3TUZ3frOoyG2" || len(resp.Message().ToolCalls()) != 2 || resp.RequestID != "req_2df73f6e8801c98b5e0b1fed82ea7796" {
			t.Errorf("response = %+v, want the recorded OpenAI stream's", resp)
		}
	}
	recordedOpenRouter := func(t *testing.T, resp *llm.Response) {
		if resp.ID != "gen-1754667632-NNYO7FUAFP6cwNW8jL7x" || resp.Message().Text() != "test response" || resp.RequestID != resp.ID {
			t.Errorf("response = %+v, want the recorded OpenRouter stream's", resp)
		}
	}

	tests := []struct {
		name        string
		fixture     string // the exchange whose request the test sends
		provider    string // "" is openai with a key; others send none
		steps       []step
		maxAttempts int
		waits       []waitRange
		log         []string
		check       func(t *testing.T, resp *llm.Response) // the successful answer
		wantErr     *llm.APIError
	}{
		{
			// No retry-after is documented for api.openai.com: the wait
			// is the tokens reset (1.146s, as the message says), the
			// larger one, since neither remaining count is 0.
			name:    "429 rate_limit_exceeded: retried after the x-ratelimit-reset-tokens wait",
			fixture: "openai_error_429_rate_limit.json",
			steps:   []step{rateLimited, openAIStream},
			waits:   []waitRange{exactly(1146 * time.Millisecond)},
			log:     []string{`^openai: HTTP 429 rate_limit_exceeded, retrying in \S+ \(attempt 2 of 5\)$`},
			check:   recordedOpenAI,
		},
		{
			name:        "429 rate_limit_exceeded until the attempts run out",
			fixture:     "openai_error_429_rate_limit.json",
			maxAttempts: 2,
			steps:       []step{rateLimited, rateLimited},
			waits:       []waitRange{exactly(1146 * time.Millisecond)},
			log:         []string{`^openai: HTTP 429 rate_limit_exceeded, retrying in 1.1s \(attempt 2 of 2\)$`},
			wantErr:     afterAttempts(rateLimitErr, 2),
		},
		{
			name:    "429 insufficient_quota: a spent quota is not retried",
			fixture: "openai_error_429_insufficient_quota.json",
			steps:   []step{quota},
			wantErr: afterAttempts(llm.APIError{Provider: "openai", Status: 429, Type: "insufficient_quota",
				Message: "You exceeded your current quota, please check your plan and billing details. " +
					"For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
				RequestID: "req_docs429insufficientquota00000"}, 1),
		},
		{
			name:     "OpenRouter error chunk mid-stream: retried as its server_error says",
			fixture:  "openai_stream_error_chunk.json",
			provider: "openrouter",
			steps:    []step{errorChunk, openRouterStream},
			waits:    []waitRange{jitter(0)},
			log:      []string{`^openrouter: server_error in the answer, retrying in \S+ \(attempt 2 of 5\)$`},
			check:    recordedOpenRouter,
		},
		{
			// OpenRouter names the generation in x-generation-id, the
			// id its support asks for: the error carries it.
			name:        "OpenRouter error chunk until the attempts run out",
			fixture:     "openai_stream_error_chunk.json",
			provider:    "openrouter",
			maxAttempts: 2,
			steps:       []step{errorChunk, errorChunk},
			waits:       []waitRange{jitter(0)},
			log:         []string{`^openrouter: server_error in the answer, retrying in \S+ \(attempt 2 of 2\)$`},
			wantErr:     afterAttempts(llm.APIError{Provider: "openrouter", Status: 500, Type: "server_error", Message: "Provider disconnected unexpectedly", RequestID: "cmpl-abc123"}, 2),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := loadDocumented(t, tt.fixture)
			clock := newFakeClock()
			fake, srv := newScriptedServer(t, "/api/v1/chat/completions", tt.steps...)
			var log bytes.Buffer
			opts := llm.OpenAIOptions{BaseURL: srv.URL + "/api/v1", APIKey: testAPIKey, Provider: tt.provider, Clock: clock, Log: &log, MaxAttempts: tt.maxAttempts}
			if tt.provider != "" {
				opts.APIKey = ""
			}

			resp, err := llm.NewOpenAI(opts).Complete(t.Context(), documentedChatRequest(t, ex))

			checkChatRequest(t, fake, ex)
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
				if resp.Attempts != len(tt.steps) {
					t.Errorf("Attempts = %d, want %d", resp.Attempts, len(tt.steps))
				}
				tt.check(t, resp)
				return
			}
			if resp != nil {
				t.Errorf("got a response %+v with the error", resp)
			}
			checkAPIError(t, err, *tt.wantErr)
		})
	}
}

// TestDocumentedOpenAILengthCut serves a streamed tool call whose arguments
// stop mid-JSON. With finish_reason "length" the model ran out of tokens:
// the turn is a max_tokens turn and the unfinished call is left out, so it
// can never be executed. Without that finish reason the same cut is a
// broken answer, retried and finally reported, never returned.
func TestDocumentedOpenAILengthCut(t *testing.T) {
	t.Parallel()
	ex := loadDocumented(t, "openai_length_tool_call_cut.json")
	cut := ex.step()
	notLength := withBody(t, cut, func(s string) string {
		return strings.Replace(s, `"finish_reason":"length"`, `"finish_reason":"tool_calls"`, 1)
	})
	tests := []struct {
		name        string
		steps       []step
		maxAttempts int
		want        *llm.Response
		wantBroken  string
	}{
		{
			name:  "length: the cut call is dropped and the turn says max_tokens",
			steps: []step{cut},
			want: &llm.Response{
				ID:         "chatcmpl-DOCSlengthToolCallCut0000000",
				Model:      "gpt-4.1-2025-04-14",
				Content:    []llm.Part{},
				StopReason: llm.StopMaxTokens,
				Usage:      llm.Usage{InputTokens: 69, OutputTokens: 5},
				RequestID:  "req_docslengthtoolcallcut000000000",
				Attempts:   1,
			},
		},
		{
			name:        "the same cut finishing as tool_calls: a broken answer",
			steps:       []step{notLength, notLength},
			maxAttempts: 2,
			wantBroken:  "openai: broken answer after 2 attempts (request id req_docslengthtoolcallcut000000000): tool call call_DdmO9pD3xa9XTPNJ32zg2hcA (get_weather): arguments are not a JSON object",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, srv := newScriptedServer(t, "/v1/chat/completions", tt.steps...)
			client := llm.NewOpenAI(llm.OpenAIOptions{
				BaseURL: srv.URL + "/v1", APIKey: testAPIKey, Clock: newFakeClock(),
				MaxTokensField: llm.FieldMaxCompletionTokens, MaxAttempts: tt.maxAttempts,
			})

			resp, err := client.Complete(t.Context(), documentedChatRequest(t, ex))

			checkChatRequest(t, fake, ex)
			if tt.wantBroken != "" {
				if resp != nil || !errors.Is(err, llm.ErrBrokenAnswer) || err.Error() != tt.wantBroken {
					t.Errorf("got %+v, %v\nwant no response and ErrBrokenAnswer %q", resp, err, tt.wantBroken)
				}
				return
			}
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if calls := resp.Message().ToolCalls(); len(calls) != 0 {
				t.Errorf("the cut call came back as executable: %+v", calls)
			}
			if !reflect.DeepEqual(resp, tt.want) {
				gotJSON, _ := json.Marshal(resp)
				wantJSON, _ := json.Marshal(tt.want)
				t.Errorf("response:\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

// TestDocumentedCompatibleServerToolCalls decodes the tool-call answers of
// vLLM's and llama.cpp's documentation.
func TestDocumentedCompatibleServerToolCalls(t *testing.T) {
	t.Parallel()
	call := func(id, name, args string) llm.Part {
		return llm.ToolCallPart(llm.ToolCall{ID: id, Name: name, Input: json.RawMessage(args)})
	}
	tests := []struct {
		file       string
		provider   string
		stream     bool
		repeat     int // times the answer is served; 0 means once
		want       *llm.Response
		wantBroken string
	}{
		{
			file:     "vllm_tool_calls.json",
			provider: "vllm",
			want: &llm.Response{
				ID: "chatcmpl-DOCSvllm0tool0calls00000000000", Model: "meta-llama/Llama-3.1-8B-Instruct",
				Content:    []llm.Part{call("chatcmpl-tool-DOCSvllm0000000000000000000000", "get_weather", `{"location": "San Francisco, CA", "unit": "fahrenheit"}`)},
				StopReason: llm.StopToolUse,
				Usage:      llm.Usage{InputTokens: 263, OutputTokens: 27},
				Attempts:   1,
			},
		},
		{
			file:     "llamacpp_stream_tool_calls.json",
			provider: "llama.cpp",
			stream:   true,
			want: &llm.Response{
				ID: "chatcmpl-DOCSllamacppStreamToolCall0", Model: "gpt-3.5-turbo",
				Content:    []llm.Part{call("DOCSllamacppToolCallId0000000000", "get_current_weather", `{"location": "Istanbul, Turkey"}`)},
				StopReason: llm.StopToolUse,
				Usage:      llm.Usage{InputTokens: 187, OutputTokens: 21},
				Attempts:   1,
			},
		},
		{
			// The page's answer predates the server's current shape: the
			// call has no id and no function object, so it cannot be
			// answered with a tool result. The client must not run it;
			// it takes it for a broken answer.
			file:       "llamacpp_tool_calls.json",
			provider:   "llama.cpp",
			repeat:     2,
			wantBroken: "llama.cpp: broken answer after 2 attempts (request id none): tool call 0 has no id or no name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			ex := loadDocumented(t, tt.file)
			steps := []step{ex.step()}
			for len(steps) < tt.repeat {
				steps = append(steps, ex.step())
			}
			fake, srv := newScriptedServer(t, "/v1/chat/completions", steps...)
			client := llm.NewOpenAI(llm.OpenAIOptions{
				BaseURL: srv.URL + "/v1", Provider: tt.provider, Clock: newFakeClock(), NoStream: !tt.stream, MaxAttempts: len(steps),
			})

			resp, err := client.Complete(t.Context(), documentedChatRequest(t, ex))

			checkChatRequest(t, fake, ex)
			if tt.wantBroken != "" {
				if resp != nil || !errors.Is(err, llm.ErrBrokenAnswer) || err.Error() != tt.wantBroken {
					t.Errorf("got %+v, %v\nwant no response and ErrBrokenAnswer %q", resp, err, tt.wantBroken)
				}
				return
			}
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if !reflect.DeepEqual(resp, tt.want) {
				gotJSON, _ := json.Marshal(resp)
				wantJSON, _ := json.Marshal(tt.want)
				t.Errorf("response:\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}
