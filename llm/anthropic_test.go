package llm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

func TestAnthropicRequestWire(t *testing.T) {
	t.Parallel()
	req := &llm.Request{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 1024,
		Messages: []llm.Message{
			{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("fix it"), llm.TextPart("")}},
			{Role: llm.RoleAssistant, Content: []llm.Part{
				llm.TextPart(""),
				llm.ToolCallPart(llm.ToolCall{ID: "toolu_1", Name: "list_files"}),
				llm.ToolCallPart(llm.ToolCall{ID: "toolu_2", Name: "read_file", Input: json.RawMessage(` {"path": "go.mod"} `)}),
				llm.ToolCallPart(llm.ToolCall{ID: "toolu_3", Name: "list_files", Input: json.RawMessage(`null`)}),
			}},
			{Role: llm.RoleUser, Content: []llm.Part{
				llm.ToolResultPart(llm.ToolResult{CallID: "toolu_1", Content: "go.mod"}),
				llm.ToolResultPart(llm.ToolResult{CallID: "toolu_2", Content: "denied", IsError: true}),
				llm.ToolResultPart(llm.ToolResult{CallID: "toolu_3", Content: ""}),
			}},
		},
		Tools: []llm.ToolDef{
			{Name: "list_files", Description: "List files."},
			{Name: "read_file", Description: "Read a file.", InputSchema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}`)},
		},
	}
	before, _ := json.Marshal(req)
	fake, srv := newScriptedServer(t, "/v1/messages", step{status: 200, body: okBody})
	opts := fastOptions(srv.URL)
	opts.UserAgent = "safe-coder/1.2.3"
	if _, err := llm.NewAnthropic(opts).Complete(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	want := `{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[` +
		`{"role":"user","content":[{"type":"text","text":"fix it"}]},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"list_files","input":{}},` +
		`{"type":"tool_use","id":"toolu_2","name":"read_file","input":{"path":"go.mod"}},` +
		`{"type":"tool_use","id":"toolu_3","name":"list_files","input":{}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"go.mod"},` +
		`{"type":"tool_result","tool_use_id":"toolu_2","content":"denied","is_error":true},` +
		`{"type":"tool_result","tool_use_id":"toolu_3","content":"","cache_control":{"type":"ephemeral"}}]}],` +
		`"tools":[{"name":"list_files","description":"List files.","input_schema":{"type":"object"}},` +
		`{"name":"read_file","description":"Read a file.","input_schema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]},` +
		`"cache_control":{"type":"ephemeral"}}]}`
	if got := string(fake.body(0)); got != want {
		t.Errorf("body:\n got %s\nwant %s", got, want)
	}
	wantHeaders := map[string]string{
		"x-api-key":         testAPIKey,
		"anthropic-version": "2023-06-01",
		"content-type":      "application/json",
		"accept":            "application/json",
		"user-agent":        "safe-coder/1.2.3",
	}
	h := fake.header(0)
	for k, v := range wantHeaders {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if after, _ := json.Marshal(req); string(after) != string(before) {
		t.Errorf("Complete modified the request:\nbefore %s\n after %s", before, after)
	}
}

func TestAnthropicDefaults(t *testing.T) {
	t.Parallel()
	var got *http.Request
	transport := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return &http.Response{
			StatusCode: 200,
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader(okBody)),
			Request:    r,
		}, nil
	})
	client := llm.NewAnthropic(llm.AnthropicOptions{APIKey: testAPIKey, HTTPClient: &http.Client{Transport: transport}})
	req := simpleRequest()
	req.System = "be brief"
	resp, err := client.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 1 {
		t.Errorf("Attempts = %d, want 1", resp.Attempts)
	}
	if got.URL.String() != "https://api.anthropic.com/v1/messages" || got.Method != http.MethodPost {
		t.Errorf("request = %s %s", got.Method, got.URL)
	}
	// Streaming is the default.
	if ua, accept := got.Header.Get("user-agent"), got.Header.Get("accept"); ua != "safe-coder" || accept != "text/event-stream" {
		t.Errorf("user-agent = %q, accept = %q", ua, accept)
	}
	body, err := io.ReadAll(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatal(err)
	}
	if s := string(fields["system"]); s != `[{"type":"text","text":"be brief","cache_control":{"type":"ephemeral"}}]` {
		t.Errorf("system = %s", s)
	}
	if s := string(fields["stream"]); s != "true" {
		t.Errorf("stream = %s", s)
	}
	if _, ok := fields["tools"]; ok {
		t.Error("tools sent although the request has none")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAnthropicBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		suffix   string // appended to the server URL
		wantPath string
	}{
		{"", "/v1/messages"},
		{"/", "/v1/messages"},
		{"/proxy", "/proxy/v1/messages"},
		{"/proxy/", "/proxy/v1/messages"},
		{"/a/b", "/a/b/v1/messages"},
	}
	for _, tt := range tests {
		t.Run(tt.suffix, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, tt.wantPath, step{status: 200, body: okBody})
			if _, err := llm.NewAnthropic(fastOptions(srv.URL+tt.suffix)).Complete(t.Context(), simpleRequest()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAnthropicResponseParsing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    *llm.Response
		wantErr string
	}{
		{
			name: "unknown fields and block types",
			body: `{"id":"msg_1","type":"message","role":"assistant","model":"m","container":null,"content":[` +
				`{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"text","text":"hi","citations":null},` +
				`{"type":"tool_use","id":"toolu_1","name":"bash","input":{"command":"ls"},"caller":{"type":"direct"}},` +
				`{"type":"tool_use","id":"toolu_2","name":"list_files"}],` +
				`"stop_reason":"tool_use","stop_details":null,"stop_sequence":null,` +
				`"usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":null,"inference_geo":"us","service_tier":"standard"}}`,
			want: &llm.Response{ID: "msg_1", Model: "m", StopReason: llm.StopToolUse, Usage: llm.Usage{InputTokens: 10, OutputTokens: 5},
				Content: []llm.Part{
					llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Text: "hmm", Signature: "sig"}),
					llm.TextPart("hi"),
					llm.ToolCallPart(llm.ToolCall{ID: "toolu_1", Name: "bash", Input: json.RawMessage(`{"command":"ls"}`)}),
					llm.ToolCallPart(llm.ToolCall{ID: "toolu_2", Name: "list_files", Input: json.RawMessage(`{}`)}),
				}},
		},
		{
			name: "redacted thinking between blocks",
			body: `{"type":"message","role":"assistant","content":[{"type":"text","text":"a"},{"type":"redacted_thinking","data":"EmwKAhgB"},` +
				`{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}},{"type":"text","text":"b"}],"stop_reason":"end_turn","usage":{}}`,
			want: &llm.Response{StopReason: llm.StopEndTurn, Content: []llm.Part{
				llm.TextPart("a"), llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Redacted: "EmwKAhgB"}), llm.TextPart("b"),
			}},
		},
		{
			name: "unknown stop reason",
			body: `{"type":"message","role":"assistant","content":[],"stop_reason":"model_context_window_exceeded","usage":{}}`,
			want: &llm.Response{Content: []llm.Part{}, StopReason: llm.StopUnrecognized},
		},
		{
			name: "known stop reasons",
			body: `{"type":"message","role":"assistant","content":[],"stop_reason":"pause_turn","usage":{}}`,
			want: &llm.Response{Content: []llm.Part{}, StopReason: llm.StopPauseTurn},
		},
		{name: "not JSON", body: `<html>hello</html>`, wantErr: "decode message"},
		{name: "truncated JSON", body: okBody[:40], wantErr: "decode message"},
		{name: "error type on a 200", body: errorEnvelope("overloaded_error", "Overloaded"), wantErr: `body has type "error"`},
		{name: "missing role", body: `{"type":"message","content":[],"stop_reason":"end_turn"}`, wantErr: `role ""`},
		{name: "missing content", body: `{"type":"message","role":"assistant","stop_reason":"end_turn"}`, wantErr: "no content array"},
		{name: "tool_use without id", body: `{"type":"message","role":"assistant","content":[{"type":"tool_use","name":"bash","input":{}}],"stop_reason":"tool_use"}`, wantErr: "without id or name"},
		{name: "redacted_thinking without data", body: `{"type":"message","role":"assistant","content":[{"type":"redacted_thinking"}],"stop_reason":"end_turn"}`, wantErr: "content.0: redacted_thinking block without data"},
		{name: "tool_use input not an object", body: `{"type":"message","role":"assistant","content":[{"type":"tool_use","id":"t","name":"bash","input":[1]}],"stop_reason":"tool_use"}`, wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, "/v1/messages", step{status: 200, body: tt.body, header: map[string]string{"request-id": "req_parse"}})
			opts := fastOptions(srv.URL)
			opts.MaxAttempts = 1 // a body that does not parse is retried
			resp, err := llm.NewAnthropic(opts).Complete(t.Context(), simpleRequest())
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
			tt.want.RequestID, tt.want.Attempts = "req_parse", 1
			if !reflect.DeepEqual(resp, tt.want) {
				t.Errorf("response:\n got %+v\nwant %+v", resp, tt.want)
			}
		})
	}
}

func TestAnthropicRejectsBadRequestsLocally(t *testing.T) {
	t.Parallel()
	user := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleUser, Content: parts} }
	assistant := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleAssistant, Content: parts} }
	hello := user(llm.TextPart("hello"))
	tests := []struct {
		name    string
		req     *llm.Request
		wantErr string
	}{
		{"nil request", nil, "nil request"},
		{"no model", &llm.Request{MaxTokens: 1, Messages: []llm.Message{hello}}, "model is empty"},
		{"no max tokens", &llm.Request{Model: "m", Messages: []llm.Message{hello}}, "max_tokens is 0"},
		{"no messages", &llm.Request{Model: "m", MaxTokens: 1}, "no messages"},
		{"unknown role", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{{Role: "system", Content: hello.Content}}}, `messages.0: unknown role "system"`},
		{"only empty text", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{user(llm.TextPart(""))}}, "messages.0: message has no content"},
		{"unknown part", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{user(llm.Part{Type: "image"})}}, `messages.0: content.0: unknown part type "image"`},
		{"tool call from user", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{user(llm.ToolCallPart(llm.ToolCall{ID: "a", Name: "b"}))}}, "tool call in a user message"},
		{"tool result from assistant", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{hello, assistant(llm.ToolResultPart(llm.ToolResult{CallID: "a"}))}}, "tool result in an assistant message"},
		{"tool call without id", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{hello, assistant(llm.ToolCallPart(llm.ToolCall{Name: "b"}))}}, "needs an id and a name"},
		{"tool call input not object", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{hello, assistant(llm.ToolCallPart(llm.ToolCall{ID: "a", Name: "b", Input: json.RawMessage(`"x"`)}))}}, "not a JSON object"},
		{"tool result without id", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{user(llm.ToolResultPart(llm.ToolResult{}))}}, "without call id"},
		{"tool part without payload", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{hello, assistant(llm.Part{Type: llm.PartToolCall})}}, "without tool call"},
		{"tool without name", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{hello}, Tools: []llm.ToolDef{{}}}, "tools.0: name is empty"},
		{"schema not object", &llm.Request{Model: "m", MaxTokens: 1, Messages: []llm.Message{hello}, Tools: []llm.ToolDef{{Name: "x", InputSchema: json.RawMessage(`[]`)}}}, "tools.0 (x): input schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, "/v1/messages") // no attempt may arrive
			_, err := llm.NewAnthropic(fastOptions(srv.URL)).Complete(t.Context(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestAnthropicConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    llm.AnthropicOptions
		wantErr string
	}{
		{"scheme", llm.AnthropicOptions{BaseURL: "ftp://example.com"}, "not an http(s) URL"},
		{"no host", llm.AnthropicOptions{BaseURL: "http://"}, "not an http(s) URL"},
		{"unparsable", llm.AnthropicOptions{BaseURL: "http://[::1"}, "base URL"},
		{"password hidden", llm.AnthropicOptions{BaseURL: "gopher://user:hunter2@example.com"}, "xxxxx"},
		{"key with newline", llm.AnthropicOptions{APIKey: testAPIKey + "\n"}, "API key contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := llm.NewAnthropic(tt.opts).Complete(t.Context(), simpleRequest())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), testAPIKey) || strings.Contains(err.Error(), "hunter2")) {
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
}

// TestAnthropicConcurrentAttemptCounts checks that concurrent calls on one
// client count their attempts separately.
func TestAnthropicConcurrentAttemptCounts(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		again := seen[string(body)]
		seen[string(body)] = true
		mu.Unlock()
		w.Header().Set("content-type", "application/json")
		if !again {
			w.WriteHeader(529)
			_, _ = io.WriteString(w, errorEnvelope("overloaded_error", "Overloaded"))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, errorEnvelope("invalid_request_error", "done"))
	}))
	t.Cleanup(srv.Close)
	client := llm.NewAnthropic(fastOptions(srv.URL))
	const calls = 8
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			req := simpleRequest()
			req.Messages[0].Content[0] = llm.TextPart(fmt.Sprintf("call %d", i))
			_, errs[i] = client.Complete(t.Context(), req)
		})
	}
	wg.Wait()
	for i, err := range errs {
		var apiErr *llm.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Attempts != 2 {
			t.Errorf("call %d: err = %v, want a 400 after 2 attempts", i, err)
		}
	}
}
