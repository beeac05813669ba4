package llmtest_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm/llmtest"
)

// Conversation pieces for hand-built requests.
const (
	userHi      = `{"role":"user","content":[{"type":"text","text":"hi"}]}`
	assistantOK = `{"role":"assistant","content":[{"type":"text","text":"ok"}]}`
	assistantAB = `{"role":"assistant","content":[{"type":"text","text":"calling"},{"type":"tool_use","id":"toolu_A","name":"bash","input":{"command":"ls"}},{"type":"tool_use","id":"toolu_B","name":"bash","input":{}}]}`
)

func body(fields string, messages ...string) string {
	if fields != "" {
		fields += ","
	}
	return `{` + fields + `"model":"claude-test","max_tokens":16,"messages":[` + strings.Join(messages, ",") + `]}`
}

func results(blocks ...string) string {
	return `{"role":"user","content":[` + strings.Join(blocks, ",") + `]}`
}

func result(id string) string {
	return `{"type":"tool_result","tool_use_id":"` + id + `","content":"done"}`
}

func TestFakeRejectsInvalidRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		method      string // default POST
		path        string // default /base/v1/messages
		header      map[string]string
		body        string
		wantStatus  int
		wantType    string
		wantMessage string
	}{
		{name: "wrong endpoint", path: "/base/v1/complete", body: validBody, wantStatus: 404, wantType: "not_found_error", wantMessage: "Not Found"},
		{name: "base path dropped", path: "/v1/messages", body: validBody, wantStatus: 404, wantType: "not_found_error"},
		{name: "GET", method: http.MethodGet, wantStatus: 404, wantType: "not_found_error"},
		{name: "no api key", header: map[string]string{"x-api-key": ""}, body: validBody, wantStatus: 401, wantType: "authentication_error", wantMessage: "invalid x-api-key"},
		{name: "wrong api key", header: map[string]string{"x-api-key": "sk-other"}, body: validBody, wantStatus: 401, wantType: "authentication_error", wantMessage: "invalid x-api-key"},
		{name: "bearer instead of x-api-key", header: map[string]string{"x-api-key": "", "authorization": "Bearer " + testKey}, body: validBody, wantStatus: 401, wantType: "authentication_error"},
		{name: "no version", header: map[string]string{"anthropic-version": ""}, body: validBody, wantStatus: 400, wantMessage: "anthropic-version: header is required"},
		{name: "unknown version", header: map[string]string{"anthropic-version": "2024-01-01"}, body: validBody, wantStatus: 400, wantMessage: `anthropic-version: invalid version "2024-01-01"`},
		{name: "not JSON", body: `model=x`, wantStatus: 400, wantMessage: "not a JSON object"},
		{name: "extra field", body: body(`"temperature":0,"foo":1`, userHi), wantStatus: 400, wantMessage: "foo: Extra inputs are not permitted"},
		{name: "no model", body: `{"max_tokens":1,"messages":[` + userHi + `]}`, wantStatus: 400, wantMessage: "model: Field required"},
		{name: "empty model", body: `{"model":"","max_tokens":1,"messages":[` + userHi + `]}`, wantStatus: 400, wantMessage: "model: String should have at least 1 character"},
		{name: "no max_tokens", body: `{"model":"m","messages":[` + userHi + `]}`, wantStatus: 400, wantMessage: "max_tokens: Field required"},
		{name: "max_tokens 0", body: `{"model":"m","max_tokens":0,"messages":[` + userHi + `]}`, wantStatus: 400, wantMessage: "max_tokens: Input should be greater than or equal to 1"},
		{name: "max_tokens string", body: `{"model":"m","max_tokens":"8","messages":[` + userHi + `]}`, wantStatus: 400, wantMessage: "max_tokens: Input should be a valid integer"},
		{name: "stream not a boolean", body: body(`"stream":"yes"`, userHi), wantStatus: 400, wantMessage: "stream: Input should be a valid boolean"},
		{name: "cache_control not an object", body: body(`"system":[{"type":"text","text":"s","cache_control":"ephemeral"}]`, userHi), wantStatus: 400,
			wantMessage: "system.0.cache_control: Input should be a valid dictionary"},
		{name: "cache_control wrong type", body: body(`"tools":[{"name":"a","input_schema":{"type":"object"},"cache_control":{"type":"persistent"}}]`, userHi), wantStatus: 400,
			wantMessage: "tools.0.cache_control.type: Input should be 'ephemeral'"},
		{name: "cache_control without type", body: body("", `{"role":"user","content":[{"type":"text","text":"x","cache_control":{}}]}`), wantStatus: 400,
			wantMessage: "messages.0.content.0.cache_control.type: Field required"},
		{name: "cache_control bad ttl", body: body("", `{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral","ttl":"2h"}}]}`), wantStatus: 400,
			wantMessage: "messages.0.content.0.cache_control.ttl: Input should be '5m' or '1h'"},
		{name: "cache_control extra field", body: body(`"cache_control":{"type":"ephemeral","scope":"org"}`, userHi), wantStatus: 400,
			wantMessage: "cache_control.scope: Extra inputs are not permitted"},
		{name: "cache_control on thinking", body: body("", userHi, `{"role":"assistant","content":[{"type":"thinking","thinking":"h","signature":"s","cache_control":{"type":"ephemeral"}}]}`), wantStatus: 400,
			wantMessage: "messages.1.content.0.cache_control: Extra inputs are not permitted"},
		{name: "five breakpoints", wantStatus: 400, wantMessage: "A maximum of 4 blocks with cache_control may be provided. Found 5.",
			body: body(`"cache_control":{"type":"ephemeral"},"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],`+
				`"tools":[{"name":"a","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral","ttl":"1h"}}]`,
				`{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}},{"type":"text","text":"y","cache_control":{"type":"ephemeral"}}]}`)},
		{name: "no messages field", body: `{"model":"m","max_tokens":1}`, wantStatus: 400, wantMessage: "messages: Field required"},
		{name: "empty messages", body: body(""), wantStatus: 400, wantMessage: "messages: at least one message is required"},
		{name: "bad role", body: body("", `{"role":"system","content":"x"}`), wantStatus: 400, wantMessage: "messages.0.role: Input should be 'user' or 'assistant'"},
		{name: "extra message field", body: body("", `{"role":"user","content":"x","name":"bob"}`), wantStatus: 400, wantMessage: "messages.0.name: Extra inputs are not permitted"},
		{name: "first message from assistant", body: body("", assistantOK, userHi), wantStatus: 400, wantMessage: `messages: first message must use the "user" role`},
		{name: "roles not alternating", body: body("", userHi, userHi), wantStatus: 400, wantMessage: `roles must alternate between "user" and "assistant", but found multiple "user" roles in a row`},
		{name: "empty content list", body: body("", `{"role":"user","content":[]}`), wantStatus: 400, wantMessage: "messages.0: all messages must have non-empty content"},
		{name: "empty string content", body: body("", `{"role":"user","content":""}`), wantStatus: 400, wantMessage: "messages.0: all messages must have non-empty content"},
		{name: "unknown block type", body: body("", `{"role":"user","content":[{"type":"image_url","url":"x"}]}`), wantStatus: 400,
			wantMessage: "messages.0.content.0: Input tag 'image_url' found using 'type' does not match any of the expected tags: 'document', 'image'"},
		{name: "block without type", body: body("", `{"role":"user","content":[{"text":"x"}]}`), wantStatus: 400, wantMessage: "messages.0.content.0.type: Field required"},
		{name: "empty text block", body: body("", `{"role":"user","content":[{"type":"text","text":""}]}`), wantStatus: 400, wantMessage: "messages.0.content.0: text content blocks must be non-empty"},
		{name: "text block without text", body: body("", `{"role":"user","content":[{"type":"text"}]}`), wantStatus: 400, wantMessage: "messages.0.content.0.text: Field required"},
		{name: "extra block field", body: body("", `{"role":"user","content":[{"type":"text","text":"x","is_error":false}]}`), wantStatus: 400, wantMessage: "messages.0.content.0.is_error: Extra inputs are not permitted"},
		{name: "tool_use without id", body: body("", userHi, `{"role":"assistant","content":[{"type":"tool_use","name":"bash","input":{}}]}`, results()), wantStatus: 400, wantMessage: "messages.1.content.0.id: Field required"},
		{name: "tool_use bad id", body: body("", userHi, `{"role":"assistant","content":[{"type":"tool_use","id":"a b","name":"bash","input":{}}]}`), wantStatus: 400, wantMessage: "messages.1.content.0.id: String should match pattern"},
		{name: "tool_use without input", body: body("", userHi, `{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"bash"}]}`), wantStatus: 400, wantMessage: "messages.1.content.0.input: Field required"},
		{name: "tool_use input not object", body: body("", userHi, `{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"bash","input":"ls"}]}`), wantStatus: 400, wantMessage: "messages.1.content.0.input: Input should be a valid dictionary"},
		{name: "tool_use from user", body: body("", `{"role":"user","content":[{"type":"tool_use","id":"t","name":"bash","input":{}}]}`), wantStatus: 400, wantMessage: "messages.0.content.0: `tool_use` blocks can only appear in `assistant` messages"},
		{name: "tool_result from assistant", body: body("", userHi, `{"role":"assistant","content":[`+result("t")+`]}`), wantStatus: 400, wantMessage: "messages.1.content.0: `tool_result` blocks can only appear in `user` messages"},
		{name: "tool_result without tool_use_id", body: body("", userHi, assistantAB, results(`{"type":"tool_result","content":"x"}`)), wantStatus: 400, wantMessage: "messages.2.content.0.tool_use_id: Field required"},
		{name: "missing tool_result", body: body("", userHi, assistantAB, results(result("toolu_A"))), wantStatus: 400,
			wantMessage: "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_B. Each `tool_use` block must have a corresponding `tool_result` block in the next message."},
		{name: "text instead of tool_result", body: body("", userHi, assistantAB, userHi), wantStatus: 400,
			wantMessage: "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_A, toolu_B."},
		{name: "tool_use left unanswered at the end", body: body("", userHi, assistantAB), wantStatus: 400,
			wantMessage: "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_A, toolu_B."},
		{name: "text before tool_result", body: body("", userHi, assistantAB, results(result("toolu_A"), `{"type":"text","text":"note"}`, result("toolu_B"))), wantStatus: 400,
			wantMessage: "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_B."},
		{name: "unexpected tool_result id", body: body("", userHi, assistantAB, results(result("toolu_A"), result("toolu_B"), result("toolu_C"))), wantStatus: 400,
			wantMessage: "messages.2.content.2: unexpected `tool_use_id` found in `tool_result` blocks: toolu_C. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."},
		{name: "tool_result answered twice", body: body("", userHi, assistantAB, results(result("toolu_A"), result("toolu_B"), result("toolu_A"))), wantStatus: 400,
			wantMessage: "messages.2.content.2: each `tool_use` must have a single result. Found multiple `tool_result` blocks with id: toolu_A"},
		{name: "tool_result without tool_use", body: body("", userHi, assistantOK, results(result("toolu_A"))), wantStatus: 400,
			wantMessage: "messages.2: `tool_result` block(s) provided when previous message does not contain any `tool_use` blocks"},
		{name: "tool_result answering an older turn", body: body("", userHi, assistantAB, results(result("toolu_A"), result("toolu_B")), assistantOK, results(result("toolu_A"))), wantStatus: 400,
			wantMessage: "messages.4: `tool_result` block(s) provided when previous message does not contain any `tool_use` blocks"},
		{name: "duplicate tool_use ids", body: body("", userHi, assistantAB, results(result("toolu_A"), result("toolu_B")), assistantAB), wantStatus: 400,
			wantMessage: "messages.3.content.1: `tool_use` ids must be unique"},
		{name: "tool_result bad is_error", body: body("", userHi, assistantAB, results(`{"type":"tool_result","tool_use_id":"toolu_A","is_error":"yes"}`, result("toolu_B"))), wantStatus: 400,
			wantMessage: "messages.2.content.0.is_error: Input should be a valid boolean"},
		{name: "tool_result nested tool_use", body: body("", userHi, assistantAB, results(`{"type":"tool_result","tool_use_id":"toolu_A","content":[{"type":"tool_use","id":"x","name":"y","input":{}}]}`, result("toolu_B"))), wantStatus: 400,
			wantMessage: "messages.2.content.0.content.0.type: `tool_use` blocks cannot be nested in a `tool_result` block"},
		{name: "system not text", body: body(`"system":[{"type":"image","source":{}}]`, userHi), wantStatus: 400, wantMessage: "system.0.type: Input should be 'text'"},
		{name: "system wrong type", body: body(`"system":5`, userHi), wantStatus: 400, wantMessage: "system: Input should be a valid string or a list of text blocks"},
		{name: "tools not a list", body: body(`"tools":{}`, userHi), wantStatus: 400, wantMessage: "tools: Input should be a valid list"},
		{name: "tool without schema", body: body(`"tools":[{"name":"bash"}]`, userHi), wantStatus: 400, wantMessage: "tools.0.input_schema: Field required"},
		{name: "tool schema without type", body: body(`"tools":[{"name":"bash","input_schema":{}}]`, userHi), wantStatus: 400, wantMessage: "tools.0.input_schema.type: Field required"},
		{name: "tool schema not object type", body: body(`"tools":[{"name":"bash","input_schema":{"type":"string"}}]`, userHi), wantStatus: 400, wantMessage: "tools.0.input_schema.type: Input should be 'object'"},
		{name: "tool bad name", body: body(`"tools":[{"name":"read file","input_schema":{"type":"object"}}]`, userHi), wantStatus: 400, wantMessage: "tools.0.name: String should match pattern"},
		{name: "tool names repeat", body: body(`"tools":[{"name":"a","input_schema":{"type":"object"}},{"name":"a","input_schema":{"type":"object"}}]`, userHi), wantStatus: 400, wantMessage: "tools: Tool names must be unique."},
		{name: "tool extra field", body: body(`"tools":[{"name":"a","input_schema":{"type":"object"},"parameters":{}}]`, userHi), wantStatus: 400, wantMessage: "tools.0.parameters: Extra inputs are not permitted"},
		{name: "server tool", body: body(`"tools":[{"type":"web_search_20250305","name":"web_search","input_schema":{"type":"object"}}]`, userHi), wantStatus: 400, wantMessage: "tools.0.type: llmtest serves custom tools only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.Start([]llmtest.Turn{textTurn("served")}, llmtest.Options{BasePath: "/base", APIKey: testKey})
			defer fake.Close()
			method, path := tt.method, tt.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = "/base/v1/messages"
			}
			base := strings.TrimSuffix(fake.URL(), "/base")
			a := send(t, method, base+path, tt.body, tt.header)
			errType, message, requestID := a.envelope(t)
			wantType := tt.wantType
			if wantType == "" {
				wantType = "invalid_request_error"
			}
			if a.status != tt.wantStatus || errType != wantType || !strings.Contains(message, tt.wantMessage) {
				t.Errorf("answer %d %s %q\nwant   %d %s %q", a.status, errType, message, tt.wantStatus, wantType, tt.wantMessage)
			}
			if requestID == "" || a.header.Get("request-id") != requestID {
				t.Errorf("request ids: header %q, envelope %q", a.header.Get("request-id"), requestID)
			}
			// The invalid request consumed no turn: a valid one still gets it.
			if ok := send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil); ok.status != 200 {
				t.Errorf("valid request after the invalid one: %d %s", ok.status, ok.body)
			}
			err := fake.Verify()
			if err == nil || !strings.Contains(err.Error(), "invalid request") || strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("Verify = %v, want exactly the invalid request", err)
			}
			if n := len(fake.Requests()); n != 1 {
				t.Errorf("Requests() has %d entries, want only the valid one", n)
			}
		})
	}
}

func TestFakeAcceptsValidVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, r llmtest.MessagesRequest)
	}{
		{
			name: "string content and optional fields",
			body: body(`"temperature":0,"tool_choice":{"type":"auto"},"metadata":{"user_id":"u"},"stream":false,"system":"be brief"`, `{"role":"user","content":"hello"}`),
			check: func(t *testing.T, r llmtest.MessagesRequest) {
				if r.System != "be brief" || len(r.Messages[0].Content) != 1 || r.Messages[0].Content[0].Text != "hello" {
					t.Errorf("decoded %+v", r)
				}
			},
		},
		{
			name: "system blocks with cache control",
			body: body(`"system":[{"type":"text","text":"a"},{"type":"text","text":"b","cache_control":{"type":"ephemeral"}}]`, userHi),
			check: func(t *testing.T, r llmtest.MessagesRequest) {
				if r.System != "a\n\nb" {
					t.Errorf("system = %q", r.System)
				}
			},
		},
		{
			name: "tool results in any order with block content",
			body: body(`"tools":[{"name":"bash","description":"Run.","input_schema":{"type":"object"}}]`, userHi, assistantAB,
				results(`{"type":"tool_result","tool_use_id":"toolu_B","content":[{"type":"text","text":"x"},{"type":"text","text":"y"}],"is_error":true}`,
					`{"type":"tool_result","tool_use_id":"toolu_A"}`, `{"type":"text","text":"and also"}`)),
			check: func(t *testing.T, r llmtest.MessagesRequest) {
				got := r.Messages[2].Content
				if len(got) != 3 || got[0].ToolUseID != "toolu_B" || got[0].Content != "x\n\ny" || !got[0].IsError || got[1].Content != "" {
					t.Errorf("results = %+v", got)
				}
				if len(r.Tools) != 1 || r.Tools[0].Description != "Run." || string(r.Tools[0].InputSchema) != `{"type":"object"}` {
					t.Errorf("tools = %+v", r.Tools)
				}
			},
		},
		{
			name: "four cache breakpoints, one inside a tool result",
			body: body(`"cache_control":{"type":"ephemeral","ttl":"5m"},"stream":true,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral","ttl":"1h"}}],`+
				`"tools":[{"name":"bash","input_schema":{"type":"object"}},{"name":"b","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}]`,
				userHi, assistantAB, results(`{"type":"tool_result","tool_use_id":"toolu_A","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}]}`, result("toolu_B"))),
			check: func(t *testing.T, r llmtest.MessagesRequest) {
				want := []string{"cache_control", "system.0", "tools.1", "messages.2.content.0.content.0"}
				if !reflect.DeepEqual(r.CacheControl, want) || !r.Stream {
					t.Errorf("breakpoints %q, stream %v; want %q, true", r.CacheControl, r.Stream, want)
				}
			},
		},
		{
			name: "final assistant prefill and thinking",
			body: body("", userHi, `{"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},{"type":"text","text":"ok"}]}`,
				userHi, `{"role":"assistant","content":"The answer is"}`),
			check: func(t *testing.T, r llmtest.MessagesRequest) {
				if len(r.Messages) != 4 || r.Messages[1].Content[0].Type != "thinking" || r.Messages[1].Content[0].Text != "hmm" {
					t.Errorf("decoded %+v", r.Messages)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.New(t, []llmtest.Turn{textTurn("ok")}, llmtest.Options{})
			a := send(t, http.MethodPost, fake.URL()+"/v1/messages", tt.body, nil)
			if a.status != 200 {
				t.Fatalf("answer %d %s", a.status, a.body)
			}
			reqs := fake.Requests()
			if len(reqs) != 1 || string(reqs[0].Body) != tt.body {
				t.Fatalf("Requests() = %+v", reqs)
			}
			tt.check(t, reqs[0])
		})
	}
}
