package llm_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// okChat is a minimal valid Chat Completions answer.
const okChat = `{"id":"chatcmpl-ok","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`

// okChatStream is okChat as a stream.
const okChatStream = `data: {"id":"chatcmpl-ok","object":"chat.completion.chunk","model":"gpt-test","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}` + "\n\n" +
	`data: {"id":"chatcmpl-ok","object":"chat.completion.chunk","model":"gpt-test","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]}` + "\n\n" +
	`data: {"id":"chatcmpl-ok","object":"chat.completion.chunk","model":"gpt-test","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n" +
	`data: {"id":"chatcmpl-ok","object":"chat.completion.chunk","model":"gpt-test","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}` + "\n\n" +
	"data: [DONE]\n\n"

// chatOptions are options for tests of a scripted server at baseURL:
// whole answers, a fake clock, one attempt unless a test says otherwise.
func chatOptions(baseURL string) llm.OpenAIOptions {
	return llm.OpenAIOptions{BaseURL: baseURL, APIKey: testAPIKey, Clock: newFakeClock(), NoStream: true}
}

func TestOpenAIRequestWire(t *testing.T) {
	t.Parallel()
	user := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleUser, Content: parts} }
	assistant := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleAssistant, Content: parts} }
	call := func(id, name, input string) llm.Part {
		return llm.ToolCallPart(llm.ToolCall{ID: id, Name: name, Input: json.RawMessage(input)})
	}
	result := func(id, content string, isError bool) llm.Part {
		return llm.ToolResultPart(llm.ToolResult{CallID: id, Content: content, IsError: isError})
	}
	thinking := llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Text: "plan", Signature: "sig"})
	tests := []struct {
		name   string
		req    llm.Request
		stream bool
		field  string // MaxTokensField
		want   string
	}{
		{
			name: "system prompt first, tools as functions",
			req: llm.Request{Model: "gpt-test", MaxTokens: 64, System: "Be brief.", Messages: []llm.Message{user(llm.TextPart("hi"), llm.TextPart(""))},
				Tools: []llm.ToolDef{{Name: "list_files"}, {Name: "read_file", Description: "Read a file.", InputSchema: json.RawMessage(` {"type":"object","properties":{"path":{"type":"string"}}} `)}}},
			want: `{"model":"gpt-test","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}],` +
				`"tools":[{"type":"function","function":{"name":"list_files","parameters":{"type":"object"}}},` +
				`{"type":"function","function":{"name":"read_file","description":"Read a file.","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}}],` +
				`"max_tokens":64,"stream":false}`,
		},
		{
			name: "tool results then the runner's note, an error result prefixed",
			req: llm.Request{Model: "m", MaxTokens: 8, Messages: []llm.Message{
				user(llm.TextPart("fix it")),
				assistant(llm.TextPart("Looking."), llm.TextPart("Two calls."), call("call_1", "read_file", `{"path":"go.mod"}`), call("call_2", "bash", ``)),
				user(result("call_1", "module x", false), llm.TextPart("Note: 3 steps left."), result("call_2", "denied by policy", true), llm.TextPart("Be quick.")),
			}},
			want: `{"model":"m","messages":[{"role":"user","content":"fix it"},` +
				`{"role":"assistant","content":"Looking.\n\nTwo calls.","tool_calls":[` +
				`{"id":"call_1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"go.mod\"}"}},` +
				`{"id":"call_2","type":"function","function":{"name":"bash","arguments":"{}"}}]},` +
				`{"role":"tool","content":"module x","tool_call_id":"call_1"},` +
				`{"role":"tool","content":"Error: denied by policy","tool_call_id":"call_2"},` +
				`{"role":"user","content":"Note: 3 steps left.\n\nBe quick."}],"max_tokens":8,"stream":false}`,
		},
		{
			name: "null content for tool calls alone, empty results",
			req: llm.Request{Model: "m", MaxTokens: 8, Messages: []llm.Message{
				user(llm.TextPart("go")), assistant(llm.TextPart(""), call("c", "bash", `null`)),
				user(result("c", "", false)), assistant(call("d", "bash", `{}`)), user(result("d", "", true)),
			}},
			want: `{"model":"m","messages":[{"role":"user","content":"go"},` +
				`{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"bash","arguments":"{}"}}]},` +
				`{"role":"tool","content":"","tool_call_id":"c"},` +
				`{"role":"assistant","content":null,"tool_calls":[{"id":"d","type":"function","function":{"name":"bash","arguments":"{}"}}]},` +
				`{"role":"tool","content":"Error:","tool_call_id":"d"}],"max_tokens":8,"stream":false}`,
		},
		{
			name: "thinking is dropped, and a turn of only thinking with it",
			req: llm.Request{Model: "m", MaxTokens: 8, Messages: []llm.Message{
				user(llm.TextPart("a")), assistant(thinking), user(llm.TextPart("b")),
				assistant(thinking, llm.TextPart("Running."), call("c", "bash", `{"command":"ls"}`)), user(result("c", "a.go", false)),
			}},
			want: `{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},` +
				`{"role":"assistant","content":"Running.","tool_calls":[{"id":"c","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls\"}"}}]},` +
				`{"role":"tool","content":"a.go","tool_call_id":"c"}],"max_tokens":8,"stream":false}`,
		},
		{
			name:   "streamed with usage, max_completion_tokens",
			req:    llm.Request{Model: "m", MaxTokens: 100, Messages: []llm.Message{user(llm.TextPart("hi"))}},
			stream: true,
			field:  llm.FieldMaxCompletionTokens,
			want:   `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":100,"stream":true,"stream_options":{"include_usage":true}}`,
		},
		{
			name: "no max tokens leaves the limit to the server",
			req:  llm.Request{Model: "m", Messages: []llm.Message{user(llm.TextPart("hi"))}},
			want: `{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			answer := step{status: 200, body: okChat}
			if tt.stream {
				answer = sse(okChatStream)
			}
			fake, srv := newScriptedServer(t, "/v1/chat/completions", answer)
			opts := chatOptions(srv.URL + "/v1")
			opts.NoStream, opts.MaxTokensField = !tt.stream, tt.field
			before, _ := json.Marshal(tt.req)
			if _, err := llm.NewOpenAI(opts).Complete(t.Context(), &tt.req); err != nil {
				t.Fatal(err)
			}
			if got := string(fake.body(0)); got != tt.want {
				t.Errorf("body:\n got %s\nwant %s", got, tt.want)
			}
			if after, _ := json.Marshal(tt.req); string(after) != string(before) {
				t.Errorf("Complete modified the request:\nbefore %s\n after %s", before, after)
			}
		})
	}
}

func TestOpenAIHeadersAndDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       llm.OpenAIOptions
		wantURL    string
		wantAuth   string
		wantAccept string
		wantField  string
		wantUA     string
	}{
		{
			name: "openai defaults", opts: llm.OpenAIOptions{APIKey: testAPIKey},
			wantURL: "https://api.openai.com/v1/chat/completions", wantAuth: "Bearer " + testAPIKey,
			wantAccept: "text/event-stream", wantField: "max_completion_tokens", wantUA: "safe-coder",
		},
		{
			name: "api.openai.com in capitals, whole answers", opts: llm.OpenAIOptions{BaseURL: "https://API.OpenAI.com/v1/", APIKey: testAPIKey, NoStream: true, UserAgent: "safe-coder/1.2"},
			wantURL: "https://API.OpenAI.com/v1/chat/completions", wantAuth: "Bearer " + testAPIKey,
			wantAccept: "application/json", wantField: "max_completion_tokens", wantUA: "safe-coder/1.2",
		},
		{
			name: "ollama sends no key", opts: llm.OpenAIOptions{BaseURL: "http://localhost:11434/v1", Provider: "ollama"},
			wantURL: "http://localhost:11434/v1/chat/completions", wantAccept: "text/event-stream", wantField: "max_tokens", wantUA: "safe-coder",
		},
		{
			name: "a proxy of api.openai.com picks the field", opts: llm.OpenAIOptions{BaseURL: "https://llm.example.com/openai/v1", MaxTokensField: llm.FieldMaxCompletionTokens},
			wantURL: "https://llm.example.com/openai/v1/chat/completions", wantAccept: "text/event-stream", wantField: "max_completion_tokens", wantUA: "safe-coder",
		},
		{
			name: "api.openai.com told to use max_tokens", opts: llm.OpenAIOptions{APIKey: "k", MaxTokensField: llm.FieldMaxTokens},
			wantURL: "https://api.openai.com/v1/chat/completions", wantAuth: "Bearer k", wantAccept: "text/event-stream", wantField: "max_tokens", wantUA: "safe-coder",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *http.Request
			var body []byte
			tt.opts.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				got = r
				body, _ = io.ReadAll(r.Body)
				ct, answer := "application/json", okChat
				if strings.Contains(r.Header.Get("accept"), "event-stream") {
					ct, answer = "text/event-stream", okChatStream
				}
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {ct}}, Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
			})}
			req := simpleRequest()
			resp, err := llm.NewOpenAI(tt.opts).Complete(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Message().Text() != "ok" || resp.Attempts != 1 || resp.Usage != (llm.Usage{InputTokens: 5, OutputTokens: 1}) {
				t.Errorf("response = %+v", resp)
			}
			if got.URL.String() != tt.wantURL || got.Method != http.MethodPost {
				t.Errorf("request = %s %s, want POST %s", got.Method, got.URL, tt.wantURL)
			}
			for header, want := range map[string]string{"authorization": tt.wantAuth, "accept": tt.wantAccept, "user-agent": tt.wantUA, "content-type": "application/json"} {
				if v := got.Header.Get(header); v != want {
					t.Errorf("%s = %q, want %q", header, v, want)
				}
			}
			if _, ok := got.Header["Authorization"]; !ok && tt.wantAuth != "" || ok && tt.wantAuth == "" {
				t.Errorf("Authorization header present: %v, want %v", ok, tt.wantAuth != "")
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(body, &fields); err != nil {
				t.Fatal(err)
			}
			if string(fields[tt.wantField]) != "64" || len(fields["max_tokens"])+len(fields["max_completion_tokens"]) != 2 {
				t.Errorf("body %s, want the limit in %s only", body, tt.wantField)
			}
		})
	}
}

func TestOpenAIBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		suffix   string // appended to the server URL
		wantPath string
	}{
		{"", "/chat/completions"},
		{"/v1", "/v1/chat/completions"},
		{"/v1/", "/v1/chat/completions"},
		{"/api/v1", "/api/v1/chat/completions"},
		{"/openai/deployments/x/", "/openai/deployments/x/chat/completions"},
	}
	for _, tt := range tests {
		t.Run(tt.suffix, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, tt.wantPath, step{status: 200, body: okChat})
			if _, err := llm.NewOpenAI(chatOptions(srv.URL+tt.suffix)).Complete(t.Context(), simpleRequest()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOpenAIConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    llm.OpenAIOptions
		wantErr string
	}{
		{"scheme", llm.OpenAIOptions{BaseURL: "ftp://example.com/v1"}, "openai: base URL \"ftp://example.com/v1\" is not an http(s) URL"},
		{"no host", llm.OpenAIOptions{BaseURL: "http:///v1", Provider: "ollama"}, "ollama: base URL"},
		{"unparsable", llm.OpenAIOptions{BaseURL: "http://[::1"}, "base URL"},
		{"password hidden", llm.OpenAIOptions{BaseURL: "gopher://user:hunter2@example.com"}, "xxxxx"},
		{"unknown max tokens field", llm.OpenAIOptions{MaxTokensField: "max_output_tokens"}, `openai: max tokens field "max_output_tokens" is neither max_tokens nor max_completion_tokens`},
		{"key with newline", llm.OpenAIOptions{APIKey: testAPIKey + "\n", Provider: "ollama"}, "ollama: API key contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				t.Errorf("a request was sent to %s", r.URL)
				return nil, errors.New("no requests")
			})}
			_, err := llm.NewOpenAI(tt.opts).Complete(t.Context(), simpleRequest())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), testAPIKey) || strings.Contains(err.Error(), "hunter2")) {
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
}

func TestOpenAIRejectsBadRequestsLocally(t *testing.T) {
	t.Parallel()
	user := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleUser, Content: parts} }
	assistant := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleAssistant, Content: parts} }
	hello := user(llm.TextPart("hello"))
	tests := []struct {
		name    string
		req     *llm.Request
		wantErr string
	}{
		{"nil request", nil, "openai: nil request"},
		{"no model", &llm.Request{Messages: []llm.Message{hello}}, "model is empty"},
		{"negative max tokens", &llm.Request{Model: "m", MaxTokens: -1, Messages: []llm.Message{hello}}, "max_tokens is -1"},
		{"no messages", &llm.Request{Model: "m"}, "no messages"},
		{"unknown role", &llm.Request{Model: "m", Messages: []llm.Message{{Role: "system", Content: hello.Content}}}, `messages.0: unknown role "system"`},
		{"only empty text", &llm.Request{Model: "m", Messages: []llm.Message{user(llm.TextPart(""))}}, "messages.0: message has no content to send"},
		{"empty assistant", &llm.Request{Model: "m", Messages: []llm.Message{hello, assistant(llm.TextPart(""))}}, "messages.1: message has no content to send"},
		{"unknown part", &llm.Request{Model: "m", Messages: []llm.Message{user(llm.Part{Type: "image"})}}, `messages.0: content.0: unknown part type "image"`},
		{"unknown assistant part", &llm.Request{Model: "m", Messages: []llm.Message{hello, assistant(llm.Part{Type: "image"})}}, `content.0: unknown part type "image"`},
		{"tool call from user", &llm.Request{Model: "m", Messages: []llm.Message{user(llm.ToolCallPart(llm.ToolCall{ID: "a", Name: "b"}))}}, "tool call in a user message"},
		{"thinking from user", &llm.Request{Model: "m", Messages: []llm.Message{user(llm.ThinkingPart(llm.Thinking{Text: "x"}))}}, "thinking in a user message"},
		{"tool result from assistant", &llm.Request{Model: "m", Messages: []llm.Message{hello, assistant(llm.ToolResultPart(llm.ToolResult{CallID: "a"}))}}, "tool result in an assistant message"},
		{"tool call without id", &llm.Request{Model: "m", Messages: []llm.Message{hello, assistant(llm.ToolCallPart(llm.ToolCall{Name: "b"}))}}, "needs an id and a name"},
		{"tool call input not object", &llm.Request{Model: "m", Messages: []llm.Message{hello, assistant(llm.ToolCallPart(llm.ToolCall{ID: "a", Name: "b", Input: json.RawMessage(`"x"`)}))}}, "not a JSON object"},
		{"tool result without id", &llm.Request{Model: "m", Messages: []llm.Message{user(llm.ToolResultPart(llm.ToolResult{}))}}, "without call id"},
		{"tool call part without payload", &llm.Request{Model: "m", Messages: []llm.Message{hello, assistant(llm.Part{Type: llm.PartToolCall})}}, "without tool call"},
		{"tool result part without payload", &llm.Request{Model: "m", Messages: []llm.Message{user(llm.Part{Type: llm.PartToolResult})}}, "without tool result"},
		{"tool without name", &llm.Request{Model: "m", Messages: []llm.Message{hello}, Tools: []llm.ToolDef{{}}}, "tools.0: name is empty"},
		{"schema not object", &llm.Request{Model: "m", Messages: []llm.Message{hello}, Tools: []llm.ToolDef{{Name: "x", InputSchema: json.RawMessage(`[]`)}}}, "tools.0 (x): input schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, "/chat/completions") // no attempt may arrive
			_, err := llm.NewOpenAI(chatOptions(srv.URL)).Complete(t.Context(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// chatBody builds a whole answer around one choice and a usage.
func chatBody(choice, usage string) string {
	return `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","seed":14836394043272784000,"choices":[` + choice + `],"usage":` + usage + `}`
}

func TestOpenAIResponseParsing(t *testing.T) {
	t.Parallel()
	const usage = `{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}`
	calls := `"tool_calls":[{"id":"call_1","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls\"}"}}]`
	bash := llm.ToolCallPart(llm.ToolCall{ID: "call_1", Name: "bash", Input: json.RawMessage(`{"command":"ls"}`)})
	u := llm.Usage{InputTokens: 10, OutputTokens: 5}
	tests := []struct {
		name    string
		body    string
		want    *llm.Response // ID chatcmpl-1 and model m are filled in
		wantErr string
	}{
		// Finish reasons.
		{name: "stop", body: chatBody(`{"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}`, usage),
			want: &llm.Response{StopReason: llm.StopEndTurn, Usage: u, Content: []llm.Part{llm.TextPart("hi")}}},
		{name: "tool_calls", body: chatBody(`{"message":{"role":"assistant","content":null,`+calls+`},"finish_reason":"tool_calls"}`, usage),
			want: &llm.Response{StopReason: llm.StopToolUse, Usage: u, Content: []llm.Part{bash}}},
		{name: "stop with tool calls (a forced tool_choice)", body: chatBody(`{"message":{"role":"assistant",`+calls+`},"finish_reason":"stop"}`, usage),
			want: &llm.Response{StopReason: llm.StopToolUse, Usage: u, Content: []llm.Part{bash}}},
		{name: "length", body: chatBody(`{"message":{"role":"assistant","content":"cut"},"finish_reason":"length"}`, usage),
			want: &llm.Response{StopReason: llm.StopMaxTokens, Usage: u, Content: []llm.Part{llm.TextPart("cut")}}},
		{name: "content_filter", body: chatBody(`{"message":{"role":"assistant","content":""},"finish_reason":"content_filter"}`, usage),
			want: &llm.Response{StopReason: llm.StopRefusal, Usage: u, Content: []llm.Part{}}},
		{name: "unknown finish reason", body: chatBody(`{"message":{"role":"assistant","content":"x"},"finish_reason":"eos"}`, usage),
			want: &llm.Response{StopReason: llm.StopUnrecognized, Usage: u, Content: []llm.Part{llm.TextPart("x")}}},
		{name: "unknown finish reason with tool calls", body: chatBody(`{"message":{"role":"assistant",`+calls+`},"finish_reason":"eos"}`, usage),
			want: &llm.Response{StopReason: llm.StopToolUse, Usage: u, Content: []llm.Part{bash}}},
		{name: "null finish reason", body: chatBody(`{"message":{"role":"assistant","content":"x"},"finish_reason":null}`, usage),
			want: &llm.Response{StopReason: llm.StopUnrecognized, Usage: u, Content: []llm.Part{llm.TextPart("x")}}},
		{name: "length inside a tool call drops the incomplete call", body: chatBody(`{"message":{"role":"assistant","content":"Writing",`+
			`"tool_calls":[{"id":"call_1","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls\"}"}},{"id":"call_2","type":"function","function":{"name":"write_file","arguments":"{\"path\":\"a.go\",\"content\":\"pack"}}]},"finish_reason":"length"}`, usage),
			want: &llm.Response{StopReason: llm.StopMaxTokens, Usage: u, Content: []llm.Part{llm.TextPart("Writing"), bash}}},
		// Usage.
		{name: "cached tokens in the details", body: chatBody(`{"message":{"content":"x"},"finish_reason":"stop"}`,
			`{"prompt_tokens":4020,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":4012,"audio_tokens":0}}`),
			want: &llm.Response{StopReason: llm.StopEndTurn, Usage: llm.Usage{InputTokens: 8, OutputTokens: 4, CacheReadTokens: 4012}, Content: []llm.Part{llm.TextPart("x")}}},
		{name: "cache writes in the details count apart", body: chatBody(`{"message":{"content":"x"},"finish_reason":"stop"}`,
			`{"prompt_tokens":1000,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":600,"cache_write_tokens":300}}`),
			want: &llm.Response{StopReason: llm.StopEndTurn, Usage: llm.Usage{InputTokens: 100, OutputTokens: 4, CacheReadTokens: 600, CacheWriteTokens: 300}, Content: []llm.Part{llm.TextPart("x")}}},
		{name: "cached tokens at the top level (Together)", body: chatBody(`{"message":{"content":"x"},"finish_reason":"stop"}`,
			`{"cached_tokens":30,"prompt_tokens":100,"completion_tokens":4,"total_tokens":104}`),
			want: &llm.Response{StopReason: llm.StopEndTurn, Usage: llm.Usage{InputTokens: 70, OutputTokens: 4, CacheReadTokens: 30}, Content: []llm.Part{llm.TextPart("x")}}},
		{name: "no usage", body: chatBody(`{"message":{"content":"x"},"finish_reason":"stop"}`, `null`),
			want: &llm.Response{StopReason: llm.StopEndTurn, Content: []llm.Part{llm.TextPart("x")}}},
		{name: "more cached than prompt tokens", body: chatBody(`{"message":{"content":"x"},"finish_reason":"stop"}`,
			`{"prompt_tokens":5,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":9,"audio_tokens":null}}`),
			want: &llm.Response{StopReason: llm.StopEndTurn, Usage: llm.Usage{OutputTokens: 1, CacheReadTokens: 9}, Content: []llm.Part{llm.TextPart("x")}}},
		// Content and tool call shapes.
		{name: "extra fields ignored", body: chatBody(`{"index":0,"logprobs":null,"message":{"role":"assistant","content":"x","reasoning":"long","refusal":null,"annotations":[]},"finish_reason":"stop","native_finish_reason":"eos"}`, usage),
			want: &llm.Response{StopReason: llm.StopEndTurn, Usage: u, Content: []llm.Part{llm.TextPart("x")}}},
		{name: "content as a list of parts", body: chatBody(`{"message":{"content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{}},{"type":"text","text":"b"}]},"finish_reason":"stop"}`, usage),
			want: &llm.Response{StopReason: llm.StopEndTurn, Usage: u, Content: []llm.Part{llm.TextPart("ab")}}},
		{name: "empty arguments, an object, an index, no type", body: chatBody(`{"message":{"content":"","tool_calls":[`+
			`{"index":0,"id":"a","function":{"name":"list_files","arguments":""}},`+
			`{"index":1,"id":"b","function":{"name":"read_file","arguments":{"path":"x"}}},`+
			`{"id":"c","type":"function","function":{"name":"list_files"}}]},"finish_reason":"tool_calls"}`, usage),
			want: &llm.Response{StopReason: llm.StopToolUse, Usage: u, Content: []llm.Part{
				llm.ToolCallPart(llm.ToolCall{ID: "a", Name: "list_files", Input: json.RawMessage(`{}`)}),
				llm.ToolCallPart(llm.ToolCall{ID: "b", Name: "read_file", Input: json.RawMessage(`{"path":"x"}`)}),
				llm.ToolCallPart(llm.ToolCall{ID: "c", Name: "list_files", Input: json.RawMessage(`{}`)}),
			}}},
		{name: "empty tool_calls list", body: chatBody(`{"message":{"content":"x","tool_calls":[]},"finish_reason":"stop"}`, usage),
			want: &llm.Response{StopReason: llm.StopEndTurn, Usage: u, Content: []llm.Part{llm.TextPart("x")}}},
		// Broken answers.
		{name: "not JSON", body: `<html>hello</html>`, wantErr: "decode completion"},
		{name: "truncated", body: okChat[:50], wantErr: "decode completion"},
		{name: "no choices", body: chatBody(``, usage), wantErr: "completion has no choices"},
		{name: "a chunk instead of a completion", body: chatBody(`{"delta":{"content":"x"},"finish_reason":"stop"}`, usage), wantErr: "choice has no message"},
		{name: "arguments not JSON", body: chatBody(`{"message":{"tool_calls":[{"id":"a","function":{"name":"bash","arguments":"{\"command\":"}}]},"finish_reason":"tool_calls"}`, usage),
			wantErr: "tool call a (bash): arguments are not a JSON object"},
		{name: "arguments a list", body: chatBody(`{"message":{"tool_calls":[{"id":"a","function":{"name":"bash","arguments":"[1]"}}]},"finish_reason":"tool_calls"}`, usage),
			wantErr: "arguments are not a JSON object"},
		{name: "arguments a number", body: chatBody(`{"message":{"tool_calls":[{"id":"a","function":{"name":"bash","arguments":7}}]},"finish_reason":"tool_calls"}`, usage),
			wantErr: "tool call 0: arguments are neither a string nor an object"},
		{name: "tool call without id", body: chatBody(`{"message":{"tool_calls":[{"function":{"name":"bash","arguments":"{}"}}]},"finish_reason":"tool_calls"}`, usage),
			wantErr: "tool call 0 has no id or no name"},
		{name: "content a number", body: chatBody(`{"message":{"content":7},"finish_reason":"stop"}`, usage), wantErr: "content is neither a string nor a list of parts"},
		{name: "unreadable error member", body: `{"error":[1,2]}`, wantErr: "unreadable error in the answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, "/chat/completions", step{status: 200, body: tt.body, header: map[string]string{"x-request-id": "req_parse"}})
			opts := chatOptions(srv.URL)
			opts.MaxAttempts = 1 // a broken answer is retried
			resp, err := llm.NewOpenAI(opts).Complete(t.Context(), simpleRequest())
			if tt.wantErr != "" {
				if err == nil || resp != nil {
					t.Fatalf("got %+v, %v; want no response and an error", resp, err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "req_parse") || !errors.Is(err, llm.ErrBrokenAnswer) {
					t.Errorf("err = %v, want ErrBrokenAnswer with %q and the request id", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.ID, tt.want.Model, tt.want.RequestID, tt.want.Attempts = "chatcmpl-1", "m", "req_parse", 1
			if !reflect.DeepEqual(resp, tt.want) {
				gotJSON, _ := json.Marshal(resp)
				wantJSON, _ := json.Marshal(tt.want)
				t.Errorf("response:\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}
