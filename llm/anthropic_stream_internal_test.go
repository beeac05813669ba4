package llm

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Events of a Messages stream, for hand-built streams.
const (
	evStart     = `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":4,"cache_read_input_tokens":6,"output_tokens":1}}}`
	evPing      = `{"type": "ping"}`
	evText0     = `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`
	evStop0     = `{"type":"content_block_stop","index":0}`
	evTool1     = `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"bash","input":{}}}`
	evStop1     = `{"type":"content_block_stop","index":1}`
	evEndTurn   = `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":20}}`
	evToolUse   = `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":20}}`
	evMaxTokens = `{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":20}}`
	evMsgStop   = `{"type":"message_stop"}`
)

func textDelta(i int, text string) string {
	return `{"type":"content_block_delta","index":` + itoa(i) + `,"delta":{"type":"text_delta","text":` + quote(text) + `}}`
}

func jsonDelta(i int, partial string) string {
	return `{"type":"content_block_delta","index":` + itoa(i) + `,"delta":{"type":"input_json_delta","partial_json":` + quote(partial) + `}}`
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// sseOf renders events as a stream of data-only events.
func sseOf(events ...string) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString("data: " + e + "\n\n")
	}
	return b.String()
}

func TestDecodeAnthropicStream(t *testing.T) {
	t.Parallel()
	usage := Usage{InputTokens: 10, OutputTokens: 20, CacheReadTokens: 6, CacheWriteTokens: 4}
	tests := []struct {
		name   string
		events []string
		want   *Response
	}{
		{
			name: "text and a tool call in fragments",
			events: []string{evStart, evText0, evPing, textDelta(0, "Let me "), textDelta(0, "look."), evStop0,
				evTool1, jsonDelta(1, ""), jsonDelta(1, `{"comm`), jsonDelta(1, `and": "ls"`), jsonDelta(1, `}`), evStop1, evToolUse, evMsgStop},
			want: &Response{ID: "msg_1", Model: "m", StopReason: StopToolUse, Usage: usage, Content: []Part{
				TextPart("Let me look."), ToolCallPart(ToolCall{ID: "toolu_1", Name: "bash", Input: json.RawMessage(`{"command": "ls"}`)}),
			}},
		},
		{
			name: "thinking kept, unknown blocks, deltas and events skipped",
			events: []string{evStart, `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm, "}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"ls first"}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}`,
				`{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig=="}}`, evStop0,
				`{"type":"content_block_start","index":1,"content_block":{"type":"text","text":"Hi"}}`,
				`{"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{}}}`,
				`{"type":"brand_new_event","x":1}`, evStop1,
				`{"type":"content_block_start","index":2,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}`,
				`{"type":"content_block_stop","index":2}`,
				`{"type":"content_block_start","index":3,"content_block":{"type":"redacted_thinking","data":"EmwKAhgB"}}`,
				`{"type":"content_block_stop","index":3}`, evEndTurn, evMsgStop},
			want: &Response{ID: "msg_1", Model: "m", StopReason: StopEndTurn, Usage: usage, Content: []Part{
				ThinkingPart(Thinking{Provider: "anthropic", Text: "hmm, ls first", Signature: "EqQBsig=="}),
				TextPart("Hi"),
				ThinkingPart(Thinking{Provider: "anthropic", Redacted: "EmwKAhgB"}),
			}},
		},
		{
			name: "thinking with its text in content_block_start",
			events: []string{evStart, `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"all at once","signature":"sig"}}`,
				evStop0, evTool1, evStop1, evToolUse, evMsgStop},
			want: &Response{ID: "msg_1", Model: "m", StopReason: StopToolUse, Usage: usage, Content: []Part{
				ThinkingPart(Thinking{Provider: "anthropic", Text: "all at once", Signature: "sig"}),
				ToolCallPart(ToolCall{ID: "toolu_1", Name: "bash", Input: json.RawMessage(`{}`)}),
			}},
		},
		{
			name:   "empty text block and empty tool input",
			events: []string{evStart, evText0, evStop0, evTool1, jsonDelta(1, ""), evStop1, evToolUse, evMsgStop},
			want: &Response{ID: "msg_1", Model: "m", StopReason: StopToolUse, Usage: usage, Content: []Part{
				ToolCallPart(ToolCall{ID: "toolu_1", Name: "bash", Input: json.RawMessage(`{}`)}),
			}},
		},
		{
			name: "input in content_block_start without deltas",
			events: []string{evStart, `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{"a":1}}}`,
				evStop0, evToolUse, evMsgStop},
			want: &Response{ID: "msg_1", Model: "m", StopReason: StopToolUse, Usage: usage, Content: []Part{
				ToolCallPart(ToolCall{ID: "t", Name: "n", Input: json.RawMessage(`{"a":1}`)}),
			}},
		},
		{
			name: "final usage in message_delta wins where it is not zero",
			events: []string{evStart, evText0, textDelta(0, "x"), evStop0,
				`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":11,"cache_read_input_tokens":0,"cache_creation_input_tokens":null,"output_tokens":7}}`, evMsgStop},
			want: &Response{ID: "msg_1", Model: "m", StopReason: StopEndTurn, Content: []Part{TextPart("x")},
				Usage: Usage{InputTokens: 11, OutputTokens: 7, CacheReadTokens: 6, CacheWriteTokens: 4}},
		},
		{
			name: "max_tokens inside a tool call drops the incomplete call",
			events: []string{evStart, evText0, textDelta(0, "Writing"), evStop0, evTool1, jsonDelta(1, `{"command": "cat > main.go <<EOF\npack`),
				evStop1, evMaxTokens, evMsgStop},
			want: &Response{ID: "msg_1", Model: "m", StopReason: StopMaxTokens, Usage: usage, Content: []Part{TextPart("Writing")}},
		},
		{
			name:   "no message_delta",
			events: []string{evStart, evMsgStop},
			want:   &Response{ID: "msg_1", Model: "m", StopReason: StopUnrecognized, Content: []Part{}, Usage: Usage{InputTokens: 10, OutputTokens: 1, CacheReadTokens: 6, CacheWriteTokens: 4}},
		},
		{
			name:   "pings before message_start",
			events: []string{evPing, evStart, evPing, evEndTurn, evMsgStop},
			want:   &Response{ID: "msg_1", Model: "m", StopReason: StopEndTurn, Content: []Part{}, Usage: usage},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeAnthropicStream(strings.NewReader(sseOf(tt.events...)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("response:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeAnthropicStreamBroken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stream  string
		wantErr string
	}{
		{"empty body", "", "stream ended before message_stop"},
		{"no message_stop", sseOf(evStart, evText0, textDelta(0, "hi"), evStop0, evEndTurn), "stream ended before message_stop"},
		{"cut inside an event", sseOf(evStart, evText0) + "data: {\"type\":\"content_blo", "event 3 (none): decode"},
		{"not JSON", sseOf(evStart, "[DONE]"), "event 2 (none): decode"},
		{"delta before message_start", sseOf(evText0), "event 1 (none): event before message_start"},
		{"second message_start", sseOf(evStart, evStart), "second message_start"},
		{"message_start without message", sseOf(`{"type":"message_start"}`), "message_start without a message"},
		{"delta for a block never started", sseOf(evStart, textDelta(0, "x")), "block 0 was never started"},
		{"block started twice", sseOf(evStart, evText0, evText0), "block 0 started twice"},
		{"delta after the block stopped", sseOf(evStart, evText0, evStop0, textDelta(0, "x")), "block 0 already stopped"},
		{"delta without index", sseOf(evStart, evText0, `{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}`), "no block index"},
		{"block never stopped", sseOf(evStart, evText0, textDelta(0, "x"), evEndTurn, evMsgStop), "message_stop before block 0 stopped"},
		{"tool_use without id", sseOf(evStart, `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","name":"bash","input":{}}}`), "tool_use without id or name"},
		{"incomplete tool input", sseOf(evStart, evTool1, jsonDelta(1, `{"command": "l`), evStop1, evToolUse, evMsgStop),
			"block 1: tool_use toolu_1 input is not a complete JSON object"},
		{"tool input not an object", sseOf(evStart, evTool1, jsonDelta(1, `["ls"]`), evStop1, evToolUse, evMsgStop), "input is not a complete JSON object"},
		{"error event without error", sseOf(evStart, `{"type":"error"}`), "error event without an error"},
		{"redacted_thinking without data", sseOf(evStart, `{"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking"}}`),
			"block 0: redacted_thinking without data"},
		{"thinking never stopped", sseOf(evStart, `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}`,
			`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}`, evEndTurn, evMsgStop), "message_stop before block 0 stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeAnthropicStream(strings.NewReader(tt.stream))
			if got != nil || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %+v, %v; want no response and an error containing %q", got, err, tt.wantErr)
			}
		})
	}
}

func TestDecodeAnthropicStreamErrorEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		errType    string
		wantStatus int
		spend      bool
	}{
		{"overloaded_error", 529, false},
		{"rate_limit_error", 429, false},
		{"api_error", 500, false},
		{"timeout_error", 504, false},
		{"invalid_request_error", 400, false},
		{"authentication_error", 401, false},
		{"permission_error", 403, false},
		{"not_found_error", 404, false},
		{"request_too_large", 413, false},
		{"billing_error", 402, true},
		{"something_new", 500, false},
	}
	for _, tt := range tests {
		t.Run(tt.errType, func(t *testing.T) {
			t.Parallel()
			stream := sseOf(evStart, evText0, textDelta(0, "partial"), `{"type":"error","error":{"type":"`+tt.errType+`","message":"m"}}`)
			got, err := decodeAnthropicStream(strings.NewReader(stream))
			ae, ok := errors.AsType[*answerError](err)
			if got != nil || !ok {
				t.Fatalf("got %+v, %v; want an *answerError", got, err)
			}
			want := answerError{Status: tt.wantStatus, Err: providerError{Type: tt.errType, Message: "m", SpendLimit: tt.spend}}
			if *ae != want {
				t.Errorf("answerError = %+v, want %+v", *ae, want)
			}
		})
	}
}
