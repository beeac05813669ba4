package llmtest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

// recordedChat reads a recorded OpenAI answer from the llm package's
// test data.
func recordedChat(t *testing.T, name string) (body map[string]any, bodyText string, headers map[string]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "openai", name))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Response struct {
			Headers  map[string]string `json:"headers"`
			Body     map[string]any    `json:"body"`
			BodyText string            `json:"body_text"`
		} `json:"response"`
	}
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatal(err)
	}
	return ex.Response.Body, ex.Response.BodyText, ex.Response.Headers
}

// keyPaths lists the key paths of a JSON value, sorted and compacted.
func keyPaths(v any) []string {
	var keys []string
	keyTree("", v, &keys)
	sort.Strings(keys)
	return slices.Compact(keys)
}

// chatChunks splits a raw stream into the JSON of its data events; done
// tells whether it ended with data: [DONE].
func chatChunks(t *testing.T, text string) (chunks []map[string]any, done bool) {
	t.Helper()
	for _, ev := range strings.Split(strings.TrimSuffix(text, "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(data, "\n") {
			t.Fatalf("event %q is not one data line", ev)
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		if done {
			t.Fatalf("event after [DONE]: %q", ev)
		}
		var c map[string]any
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			t.Fatalf("chunk %q: %v", data, err)
		}
		chunks = append(chunks, c)
	}
	return chunks, done
}

func TestFakeChatBodyShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		recording string
		answer    *llm.Response
	}{
		{"openai_tool_calls_parallel.json", &llm.Response{Content: []llm.Part{
			llm.ToolCallPart(llm.ToolCall{Name: "delete_file", Input: json.RawMessage(`{"path": ".env"}`)}),
			llm.ToolCallPart(llm.ToolCall{Name: "create_file", Input: json.RawMessage(`{"path": "test.txt"}`)}),
		}}},
		{"openai_tool_results_stop.json", &llm.Response{Content: []llm.Part{llm.TextPart("Done.")}}},
	}
	for _, tt := range tests {
		t.Run(tt.recording, func(t *testing.T) {
			t.Parallel()
			recorded, _, headers := recordedChat(t, tt.recording)
			fake := llmtest.New(t, []llmtest.Turn{{Response: tt.answer}}, llmtest.Options{BasePath: "/v1"})
			a := sendChat(t, fake.URL()+"/chat/completions", validChat, nil)
			if a.status != 200 || a.header.Get("content-type") != headers["content-type"] || !strings.HasPrefix(a.header.Get("x-request-id"), "req_01") {
				t.Fatalf("answer %d, headers %v", a.status, a.header)
			}
			var body map[string]any
			if err := json.Unmarshal(a.body, &body); err != nil {
				t.Fatal(err)
			}
			if got, want := keyPaths(body), keyPaths(recorded); !reflect.DeepEqual(got, want) {
				t.Errorf("fields of the fake's answer differ from the recording:\n got %v\nwant %v", got, want)
			}
			choice := body["choices"].([]any)[0].(map[string]any)
			if choice["finish_reason"] != recorded["choices"].([]any)[0].(map[string]any)["finish_reason"] ||
				!strings.HasPrefix(body["id"].(string), "chatcmpl-") || body["model"] != "gpt-test" || body["object"] != "chat.completion" {
				t.Errorf("answer = %s", a.body)
			}
		})
	}
}

func TestFakeChatStreamLikeTheRecording(t *testing.T) {
	t.Parallel()
	_, recordedText, headers := recordedChat(t, "openai_stream_parallel_tool_calls.json")
	fake := llmtest.New(t, []llmtest.Turn{{Response: &llm.Response{Content: []llm.Part{
		llm.ToolCallPart(llm.ToolCall{Name: "getCurrentWeather", Input: json.RawMessage(`{"location": "Boston, MA"}`)}),
		llm.ToolCallPart(llm.ToolCall{Name: "getCurrentTime", Input: json.RawMessage(`{"location": "Boston, MA"}`)}),
	}, Usage: llm.Usage{InputTokens: 121, OutputTokens: 50}}}}, llmtest.Options{BasePath: "/v1"})
	a := sendChat(t, fake.URL()+"/chat/completions", chatBody(`"stream":true,"stream_options":{"include_usage":true}`, chatUserHi), nil)
	if a.status != 200 || a.header.Get("content-type") != headers["content-type"] || a.header.Get("cache-control") != "no-cache" {
		t.Fatalf("answer %d, headers %v", a.status, a.header)
	}
	got, gotDone := chatChunks(t, string(a.body))
	want, wantDone := chatChunks(t, recordedText)
	if !gotDone || !wantDone {
		t.Fatalf("[DONE]: fake %v, recording %v", gotDone, wantDone)
	}
	// The same chunks, in the same order, with the same fields; the
	// recorded arguments came in more fragments.
	collapse := func(chunks []map[string]any) []string {
		var shapes []string
		for _, c := range chunks {
			s := strings.Join(keyPaths(c), ",")
			if len(shapes) == 0 || shapes[len(shapes)-1] != s {
				shapes = append(shapes, s)
			}
		}
		return shapes
	}
	if g, w := collapse(got), collapse(want); !reflect.DeepEqual(g, w) {
		t.Errorf("chunk shapes differ from the recording:\n got %q\nwant %q", g, w)
	}
	fragments := 0
	for _, c := range got {
		if choices := c["choices"].([]any); len(choices) > 0 {
			if calls, ok := choices[0].(map[string]any)["delta"].(map[string]any)["tool_calls"]; ok && calls.([]any)[0].(map[string]any)["id"] == nil {
				fragments++
			}
		}
	}
	if fragments < 6 {
		t.Errorf("arguments sent in %d fragments, want several per call", fragments)
	}
	if last := got[len(got)-1]; len(last["choices"].([]any)) != 0 || last["usage"].(map[string]any)["prompt_tokens"] != 121.0 {
		t.Errorf("usage chunk = %v", last)
	}
}

func TestFakeChatStreamWithoutUsage(t *testing.T) {
	t.Parallel()
	fake := llmtest.New(t, []llmtest.Turn{textTurn("Hello there, world.")}, llmtest.Options{})
	a := sendChat(t, fake.URL()+"/chat/completions", chatBody(`"stream":true`, chatUserHi), nil)
	chunks, done := chatChunks(t, string(a.body))
	if !done || len(chunks) < 4 {
		t.Fatalf("stream = %s", a.body)
	}
	var text strings.Builder
	for i, c := range chunks {
		if _, ok := c["usage"]; ok {
			t.Errorf("chunk %d has a usage field without include_usage: %v", i, c)
		}
		delta := c["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
		if s, ok := delta["content"].(string); ok {
			text.WriteString(s)
		}
	}
	if text.String() != "Hello there, world." || chunks[0]["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)["role"] != "assistant" {
		t.Errorf("text %q, chunks %v", text.String(), chunks)
	}
	if fin := chunks[len(chunks)-1]["choices"].([]any)[0].(map[string]any)["finish_reason"]; fin != "stop" {
		t.Errorf("finish_reason = %v", fin)
	}
}

// chatClient returns an llm.OpenAI pointed at s with millisecond retries.
func chatClient(s *llmtest.Server, noStream bool) *llm.OpenAI {
	return llm.NewOpenAI(llm.OpenAIOptions{BaseURL: s.URL(), APIKey: testKey, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, NoStream: noStream})
}

func TestFakeChatRoundTrip(t *testing.T) {
	t.Parallel()
	want := &llm.Response{
		Content: []llm.Part{
			llm.TextPart("Ünïcödé text, split on rune boundaries: 日本語 ✓"),
			llm.ToolCallPart(llm.ToolCall{ID: "call_x", Name: "write_file", Input: json.RawMessage(`{"content":"ü\n\"quoted\"","path":"a.go"}`)}),
			llm.ToolCallPart(llm.ToolCall{ID: "call_y", Name: "list_files", Input: json.RawMessage(`{}`)}),
		},
		StopReason: llm.StopToolUse,
		Usage:      llm.Usage{InputTokens: 9, OutputTokens: 8, CacheReadTokens: 7, CacheWriteTokens: 6},
	}
	stops := []llm.StopReason{llm.StopEndTurn, llm.StopMaxTokens, llm.StopRefusal, llm.StopUnrecognized, llm.StopPauseTurn, llm.StopSequence}
	wantStops := []llm.StopReason{llm.StopEndTurn, llm.StopMaxTokens, llm.StopRefusal, llm.StopUnrecognized, llm.StopUnrecognized, llm.StopEndTurn}
	for _, noStream := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoStream %v", noStream), func(t *testing.T) {
			t.Parallel()
			turns := []llmtest.Turn{{Response: want}, {Response: &llm.Response{}}}
			for _, stop := range stops {
				turns = append(turns, llmtest.Turn{Response: &llm.Response{Content: []llm.Part{llm.TextPart("x")}, StopReason: stop}})
			}
			fake := llmtest.New(t, turns, llmtest.Options{BasePath: "/v1", APIKey: testKey})
			c := chatClient(fake, noStream)
			req := &llm.Request{Model: "m", MaxTokens: 5, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}}}
			got, err := c.Complete(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Content, want.Content) || got.StopReason != want.StopReason || got.Usage != want.Usage || got.Model != "m" || !strings.HasPrefix(got.ID, "chatcmpl-") {
				t.Errorf("answer:\n got %+v\nwant %+v", got, want)
			}
			empty, err := c.Complete(t.Context(), req)
			if err != nil || len(empty.Content) != 0 || empty.StopReason != llm.StopEndTurn {
				t.Errorf("empty answer = %+v, %v", empty, err)
			}
			for i, stop := range stops {
				resp, err := c.Complete(t.Context(), req)
				if err != nil || resp.StopReason != wantStops[i] {
					t.Errorf("stop reason %s came back as %+v, %v; want %s", stop, resp, err, wantStops[i])
				}
			}
		})
	}
}

func TestFakeChatErrorAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		turn        llmtest.Turn
		wantType    string
		wantCode    string
		wantMessage string
	}{
		{llmtest.Turn{Status: 400}, "invalid_request_error", "", "Bad Request"},
		{llmtest.Turn{Status: 400, ErrorType: "context_length_exceeded", ErrorMessage: "This model's maximum context length is 8 tokens."}, "invalid_request_error", "context_length_exceeded", "maximum context length"},
		{llmtest.Turn{Status: 400, ErrorType: "invalid_request_error"}, "invalid_request_error", "", "Bad Request"},
		{llmtest.Turn{Status: 401}, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."},
		{llmtest.Turn{Status: 404, ErrorType: "model_not_found"}, "invalid_request_error", "model_not_found", "Not Found"},
		{llmtest.Turn{Status: 429}, "requests", "rate_limit_exceeded", "Rate limit reached"},
		{llmtest.Turn{Status: 429, ErrorType: "insufficient_quota", ErrorMessage: "You exceeded your current quota."}, "insufficient_quota", "insufficient_quota", "exceeded your current quota"},
		{llmtest.Turn{Status: 500}, "server_error", "", "The server had an error"},
		{llmtest.Turn{Status: 503}, "server_error", "", "overloaded"},
		{llmtest.Turn{Status: 529, ErrorType: "overloaded_error"}, "overloaded_error", "", "Overloaded"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.turn.Status, tt.turn.ErrorType), func(t *testing.T) {
			t.Parallel()
			tt.turn.Header = map[string]string{"x-should-retry": "false"}
			fake := llmtest.New(t, []llmtest.Turn{tt.turn}, llmtest.Options{})
			a := sendChat(t, fake.URL()+"/chat/completions", validChat, nil)
			errType, code, message := a.chatEnvelope(t)
			if a.status != tt.turn.Status || errType != tt.wantType || code != tt.wantCode || !strings.Contains(message, tt.wantMessage) {
				t.Errorf("answer %d %s %q %q", a.status, errType, code, message)
			}
			if !strings.HasPrefix(a.header.Get("x-request-id"), "req_01") || a.header.Get("request-id") != "" || a.header.Get("x-should-retry") != "false" {
				t.Errorf("headers = %v", a.header)
			}
		})
	}
}

func TestChatFaults(t *testing.T) {
	t.Parallel()
	full := &llm.Response{Content: []llm.Part{
		llm.TextPart("The full answer, long enough to be cut."),
		llm.ToolCallPart(llm.ToolCall{ID: "call_1", Name: "read_file", Input: json.RawMessage(`{"path":"a/very/long/path/to/cut.go"}`)}),
	}}
	withUsage, withoutUsage := chatBody(`"stream":true,"stream_options":{"include_usage":true}`, chatUserHi), chatBody(`"stream":true`, chatUserHi)
	tests := []struct {
		name  string
		fault llmtest.Fault
		body  string
		check func(t *testing.T, whole, cut string)
	}{
		{
			name: "a cut stream loses its usage and [DONE]", fault: llmtest.Fault{Kind: llmtest.FaultCut}, body: withUsage,
			check: func(t *testing.T, whole, cut string) {
				events := strings.SplitAfter(whole, "\n\n")
				if want := strings.Join(events[:len(events)-3], ""); cut != want || !strings.Contains(cut, `"finish_reason":"tool_calls"`) {
					t.Errorf("cut = %q\nwant everything up to the finish chunk", cut)
				}
			},
		},
		{
			name: "a cut stream without usage loses [DONE]", fault: llmtest.Fault{Kind: llmtest.FaultCut}, body: withoutUsage,
			check: func(t *testing.T, whole, cut string) {
				if cut != strings.TrimSuffix(whole, "data: [DONE]\n\n") {
					t.Errorf("cut = %q\nwant all but [DONE]", cut)
				}
			},
		},
		{
			name: "a cut whole answer", fault: llmtest.Fault{Kind: llmtest.FaultCut}, body: validChat,
			check: func(t *testing.T, whole, cut string) {
				if !strings.HasPrefix(whole, cut) || len(cut) > len(whole)/2 || json.Valid([]byte(cut)) {
					t.Errorf("cut = %q, want the first half of %q", cut, whole)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.New(t, []llmtest.Turn{{Fault: &tt.fault}, {Response: full}}, llmtest.Options{})
			cut := sendChat(t, fake.URL()+"/chat/completions", tt.body, nil)
			whole := sendChat(t, fake.URL()+"/chat/completions", tt.body, nil)
			if cut.status != 200 || whole.status != 200 {
				t.Fatalf("answers %d, %d", cut.status, whole.status)
			}
			// Each rendering generates its own completion id.
			chatID := regexp.MustCompile(`chatcmpl-[0-9A-Za-z]{22}`)
			tt.check(t, chatID.ReplaceAllString(string(whole.body), "chatcmpl-x"), chatID.ReplaceAllString(string(cut.body), "chatcmpl-x"))
		})
	}
}

func TestFaultsDriveChatClientRetries(t *testing.T) {
	t.Parallel()
	for _, noStream := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoStream %v", noStream), func(t *testing.T) {
			t.Parallel()
			fake := llmtest.New(t, []llmtest.Turn{
				{Fault: &llmtest.Fault{Kind: llmtest.FaultHTML}},
				{Fault: &llmtest.Fault{Kind: llmtest.FaultCut}},
				{Fault: &llmtest.Fault{Kind: llmtest.FaultResetBody}},
				{Fault: &llmtest.Fault{Kind: llmtest.FaultReset}},
				textTurn("whole"),
			}, llmtest.Options{BasePath: "/v1"})
			resp, err := chatClient(fake, noStream).Complete(t.Context(), &llm.Request{Model: "m", MaxTokens: 5, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}}})
			if err != nil || resp.Message().Text() != "whole" || resp.Attempts != 5 || fake.Attempts() != 5 {
				t.Errorf("got %+v, %v; fake saw %d attempts", resp, err, fake.Attempts())
			}
		})
	}
}

// TestOneFakeBothFormats has an Anthropic and an OpenAI client share one
// fake: the turns go to whichever asks next, each answered in its format,
// and each format's check applies to its own requests only.
func TestOneFakeBothFormats(t *testing.T) {
	t.Parallel()
	fake := llmtest.Start([]llmtest.Turn{
		{Response: &llm.Response{Content: []llm.Part{llm.TextPart("to anthropic")}}, Check: func(r *llmtest.MessagesRequest) error { return nil }},
		{Response: &llm.Response{Content: []llm.Part{llm.TextPart("to openai")}}, ChatCheck: func(r *llmtest.ChatRequest) error { return nil }},
		{Response: &llm.Response{Content: []llm.Part{llm.TextPart("never")}}, Check: func(r *llmtest.MessagesRequest) error { return nil }},
		{Response: &llm.Response{Content: []llm.Part{llm.TextPart("never")}}, ChatCheck: func(r *llmtest.ChatRequest) error { return nil }},
	}, llmtest.Options{APIKey: testKey})
	defer fake.Close()
	req := &llm.Request{Model: "m", MaxTokens: 5, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}}}
	anthropic := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: fake.URL(), APIKey: testKey, MaxAttempts: 1})
	openai := llm.NewOpenAI(llm.OpenAIOptions{BaseURL: fake.URL(), APIKey: testKey, MaxAttempts: 1})
	if resp, err := anthropic.Complete(t.Context(), req); err != nil || resp.Message().Text() != "to anthropic" {
		t.Errorf("anthropic: %+v, %v", resp, err)
	}
	if resp, err := openai.Complete(t.Context(), req); err != nil || resp.Message().Text() != "to openai" {
		t.Errorf("openai: %+v, %v", resp, err)
	}
	// Each client now gets a turn whose check is for the other format.
	_, err := openai.Complete(t.Context(), req)
	if apiErr, ok := errors.AsType[*llm.APIError](err); !ok || apiErr.Status != 400 || !strings.Contains(apiErr.Message, "the turn has a Check for Messages requests, but a Chat Completions request came") {
		t.Errorf("openai on a Messages turn: %v", err)
	}
	_, err = anthropic.Complete(t.Context(), req)
	if apiErr, ok := errors.AsType[*llm.APIError](err); !ok || apiErr.Status != 400 || !strings.Contains(apiErr.Message, "the turn has a ChatCheck for Chat Completions requests, but a Messages request came") {
		t.Errorf("anthropic on a Chat Completions turn: %v", err)
	}
	if n, m := len(fake.Requests()), len(fake.ChatRequests()); n != 2 || m != 2 {
		t.Errorf("Requests() %d, ChatRequests() %d; want 2 each", n, m)
	}
	if err := fake.Verify(); err == nil || strings.Count(err.Error(), "check failed") != 2 {
		t.Errorf("Verify = %v, want the two failed checks", err)
	}
}
