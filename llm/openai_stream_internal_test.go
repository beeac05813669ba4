package llm

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Chunks of a Chat Completions stream, for hand-built streams.
const (
	chRole     = `{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`
	chRoleNull = `{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}`
	chStop     = `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
	chToolCall = `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`
	chLength   = `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}`
	chUsage    = `{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4}}}`
	chDone     = `[DONE]`
)

func chText(text string) string {
	return `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":` + quote(text) + `},"finish_reason":null}]}`
}

// chCall is a tool call fragment; index < 0 leaves the index out, and
// empty id or name leave them out.
func chCall(index int, id, name, args string) string {
	tc := map[string]any{"function": map[string]any{"arguments": args}}
	if index >= 0 {
		tc["index"] = index
	}
	if id != "" {
		tc["id"], tc["type"] = id, "function"
	}
	if name != "" {
		tc["function"].(map[string]any)["name"] = name
	}
	b, _ := json.Marshal(map[string]any{"id": "chatcmpl-1", "choices": []any{map[string]any{"index": 0, "delta": map[string]any{"tool_calls": []any{tc}}, "finish_reason": nil}}})
	return string(b)
}

func TestDecodeOpenAIStream(t *testing.T) {
	t.Parallel()
	usage := Usage{InputTokens: 6, OutputTokens: 5, CacheReadTokens: 4}
	call := func(id, name, input string) Part {
		return ToolCallPart(ToolCall{ID: id, Name: name, Input: json.RawMessage(input)})
	}
	tests := []struct {
		name   string
		stream string
		want   *Response
	}{
		{
			name:   "text in fragments",
			stream: sseOf(chRole, chText("Hel"), chText("lo, "), chText("wörld"), chStop, chUsage, chDone),
			want:   &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopEndTurn, Usage: usage, Content: []Part{TextPart("Hello, wörld")}},
		},
		{
			name: "parallel tool calls keyed by index",
			stream: sseOf(chRoleNull, chCall(0, "call_a", "read_file", ""), chCall(0, "", "", `{"pa`), chCall(0, "", "", `th": "go.mod"}`),
				chCall(1, "call_b", "bash", ""), chCall(1, "", "", `{"command":`), chCall(1, "", "", `"ls"}`), chToolCall, chUsage, chDone),
			want: &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopToolUse, Usage: usage, Content: []Part{
				call("call_a", "read_file", `{"path": "go.mod"}`), call("call_b", "bash", `{"command":"ls"}`),
			}},
		},
		{
			name:   "text then a call with no arguments",
			stream: sseOf(chRole, chText("Listing."), chCall(0, "call_a", "list_files", ""), chToolCall, chUsage, chDone),
			want: &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopToolUse, Usage: usage, Content: []Part{
				TextPart("Listing."), call("call_a", "list_files", `{}`),
			}},
		},
		{
			name: "a server that sends no index, repeats ids and names",
			stream: sseOf(chCall(-1, "call_a", "bash", `{"command"`), chCall(-1, "call_a", "bash", `:"ls"}`), chCall(-1, "call_b", "bash", ""),
				chCall(-1, "", "", `{}`), chToolCall, chUsage, chDone),
			want: &Response{ID: "chatcmpl-1", StopReason: StopToolUse, Usage: usage, Content: []Part{
				call("call_a", "bash", `{"command":"ls"}`), call("call_b", "bash", `{}`),
			}},
		},
		{
			name:   "whole arguments object in one fragment",
			stream: sseOf(`{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"bash","arguments":{"command":"ls"}}}]},"finish_reason":"tool_calls"}]}`, chUsage, chDone),
			want:   &Response{ID: "chatcmpl-1", StopReason: StopToolUse, Usage: usage, Content: []Part{call("c", "bash", `{"command":"ls"}`)}},
		},
		{
			// OpenRouter: a comment first, the role repeated, and a chunk
			// after the finish with finish_reason null and the usage.
			name: "comments, repeated roles, a late null finish_reason",
			stream: ": OPENROUTER PROCESSING\n\n" + sseOf(chRole, chRole, `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":"stop","native_finish_reason":"stop"}]}`,
				`{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":4}}}`, chDone),
			want: &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopEndTurn, Usage: usage, Content: []Part{TextPart("ok")}},
		},
		{
			name:   "a clean end after the usage chunk, without [DONE]",
			stream: sseOf(chRole, chText("ok"), chStop, chUsage),
			want:   &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopEndTurn, Usage: usage, Content: []Part{TextPart("ok")}},
		},
		{
			name:   "usage in the finishing chunk, then a clean end",
			stream: sseOf(chRole, `{"choices":[{"delta":{"content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"cached_tokens":4}}`),
			want:   &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopEndTurn, Usage: usage, Content: []Part{TextPart("ok")}},
		},
		{
			name:   "[DONE] without usage: no counts",
			stream: sseOf(chRole, chText("ok"), chStop, chDone),
			want:   &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopEndTurn, Content: []Part{TextPart("ok")}},
		},
		{
			name:   "nothing read after [DONE]",
			stream: sseOf(chRole, chStop, chDone, "not json"),
			want:   &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopEndTurn, Content: []Part{}},
		},
		{
			name:   "length inside a tool call drops the incomplete call",
			stream: sseOf(chRole, chText("Writing"), chCall(0, "c", "write_file", `{"path":"a.go","content":"pack`), chLength, chUsage, chDone),
			want:   &Response{ID: "chatcmpl-1", Model: "m", StopReason: StopMaxTokens, Usage: usage, Content: []Part{TextPart("Writing")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeOpenAIStream(strings.NewReader(tt.stream))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				gotJSON, _ := json.Marshal(got)
				wantJSON, _ := json.Marshal(tt.want)
				t.Errorf("response:\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestDecodeOpenAIStreamBroken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stream  string
		wantErr string
	}{
		{"empty body", "", "stream ended before a finish_reason"},
		{"no finish_reason", sseOf(chRole, chText("hi"), chUsage), "stream ended before a finish_reason"},
		{"[DONE] before a finish_reason", sseOf(chRole, chText("hi"), chUsage, chDone), "data: [DONE] before a finish_reason"},
		{"finish_reason, then the end without usage", sseOf(chRole, chText("hi"), chStop), "stream ended after its finish_reason without its usage or data: [DONE]"},
		{"cut inside a chunk", sseOf(chRole, chText("hi")) + `data: {"id":"chatcmpl-1","choi`, "chunk 3: decode"},
		{"not JSON", sseOf(chRole, "hello"), "chunk 2: decode"},
		{"fragment with neither index nor id", sseOf(chRole, chCall(-1, "", "", "{}")), "chunk 2: tool call fragment with neither index nor id"},
		{"a call continued with another id", sseOf(chCall(0, "call_a", "bash", ""), chCall(0, "call_b", "", "{}")), "tool call call_a continued with id call_b"},
		{"arguments not a string", sseOf(chCall(0, "call_a", "bash", ""), `{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":[1]}}]}}]}`),
			"tool call call_a: arguments are neither a string nor an object"},
		{"incomplete arguments", sseOf(chCall(0, "c", "bash", `{"command":`), chToolCall, chUsage, chDone), "tool call c (bash): arguments are not a JSON object"},
		{"a call without a name", sseOf(chCall(0, "c", "", `{}`), chToolCall, chUsage, chDone), "tool call 0 has no id or no name"},
		{"content a number", sseOf(`{"choices":[{"delta":{"content":1}}]}`), "content is neither a string nor a list of parts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeOpenAIStream(strings.NewReader(tt.stream))
			if got != nil || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %+v, %v; want no response and an error containing %q", got, err, tt.wantErr)
			}
		})
	}
}

func TestDecodeOpenAIStreamErrorChunk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		errorJSON  string
		wantStatus int
		wantType   string
		spend      bool
	}{
		{"rate limit", `{"message":"m","type":"tokens","code":"rate_limit_exceeded"}`, 429, "rate_limit_exceeded", false},
		{"quota", `{"message":"m","type":"insufficient_quota","code":"insufficient_quota"}`, 429, "insufficient_quota", true},
		{"invalid request", `{"message":"m","type":"invalid_request_error","code":null}`, 400, "invalid_request_error", false},
		{"context length", `{"message":"m","type":"invalid_request_error","code":"context_length_exceeded"}`, 400, "context_length_exceeded", false},
		{"bad key", `{"message":"m","type":"invalid_request_error","code":"invalid_api_key"}`, 401, "invalid_api_key", false},
		{"no such model", `{"message":"m","type":"invalid_request_error","code":"model_not_found"}`, 404, "model_not_found", false},
		{"server error", `{"message":"m","type":"server_error","code":null}`, 500, "server_error", false},
		{"overloaded", `{"message":"m","type":"overloaded_error"}`, 503, "overloaded_error", false},
		{"OpenRouter's numeric code", `{"message":"m","code":502}`, 502, "", false},
		{"OpenRouter out of credits", `{"message":"m","code":402}`, 402, "", true},
		{"unknown", `{"message":"m","type":"brand_new"}`, 500, "brand_new", false},
		{"a bare message", `"m"`, 500, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stream := sseOf(chRole, chText("partial"), `{"error":`+tt.errorJSON+`}`)
			got, err := decodeOpenAIStream(strings.NewReader(stream))
			ae, ok := errors.AsType[*answerError](err)
			if got != nil || !ok {
				t.Fatalf("got %+v, %v; want an *answerError", got, err)
			}
			want := answerError{Status: tt.wantStatus, Err: providerError{Type: tt.wantType, Message: "m", SpendLimit: tt.spend}}
			if *ae != want {
				t.Errorf("answerError = %+v, want %+v", *ae, want)
			}
		})
	}
}
