package llmtest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm/llmtest"
)

// Conversation pieces for hand-built Chat Completions requests.
const (
	chatUserHi      = `{"role":"user","content":"hi"}`
	chatAssistantAB = `{"role":"assistant","content":null,"tool_calls":[` +
		`{"id":"call_A","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls\"}"}},` +
		`{"id":"call_B","type":"function","function":{"name":"bash","arguments":"{}"}}]}`
	validChat = `{"model":"gpt-test","messages":[` + chatUserHi + `]}`
)

func chatBody(fields string, messages ...string) string {
	if fields != "" {
		fields += ","
	}
	return `{` + fields + `"model":"gpt-test","messages":[` + strings.Join(messages, ",") + `]}`
}

func toolMsg(id string) string {
	return `{"role":"tool","tool_call_id":"` + id + `","content":"done"}`
}

// sendChat makes one raw Chat Completions request with testKey as its
// Bearer key. header values override the defaults; an empty value removes
// the header.
func sendChat(t *testing.T, url, body string, header map[string]string) answer {
	t.Helper()
	h := map[string]string{"authorization": "Bearer " + testKey, "x-api-key": "", "anthropic-version": ""}
	for k, v := range header {
		h[k] = v
	}
	return send(t, http.MethodPost, url, body, h)
}

// chatEnvelope decodes an OpenAI error answer; code is "" for null.
func (a answer) chatEnvelope(t *testing.T) (errType, code, message string) {
	t.Helper()
	var env struct {
		Error *struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Param   *string `json:"param"`
			Code    *string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(a.body, &env); err != nil || env.Error == nil {
		t.Fatalf("answer %d %s is not an OpenAI error envelope (%v)", a.status, a.body, err)
	}
	if env.Error.Code != nil {
		code = *env.Error.Code
	}
	return env.Error.Type, code, env.Error.Message
}

func TestFakeRejectsInvalidChatRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		header      map[string]string
		body        string
		wantStatus  int // 400 when 0
		wantCode    string
		wantMessage string
	}{
		{name: "no key", header: map[string]string{"authorization": ""}, body: validChat, wantStatus: 401, wantCode: "invalid_api_key", wantMessage: "You didn't provide an API key."},
		{name: "wrong key", header: map[string]string{"authorization": "Bearer sk-other"}, body: validChat, wantStatus: 401, wantCode: "invalid_api_key", wantMessage: "Incorrect API key provided."},
		{name: "x-api-key instead of Bearer", header: map[string]string{"authorization": "", "x-api-key": testKey}, body: validChat, wantStatus: 401, wantCode: "invalid_api_key"},
		{name: "key without Bearer", header: map[string]string{"authorization": testKey}, body: validChat, wantStatus: 401, wantCode: "invalid_api_key"},
		{name: "not JSON", body: `model=x`, wantMessage: "We could not parse the JSON body of your request."},
		{name: "unknown field", body: chatBody(`"temperature":0,"top_k":5`, chatUserHi), wantMessage: "Unrecognized request argument supplied: top_k"},
		{name: "no model", body: `{"messages":[` + chatUserHi + `]}`, wantMessage: "you must provide a model parameter"},
		{name: "model a number", body: `{"model":4,"messages":[` + chatUserHi + `]}`, wantMessage: "Invalid type for 'model': expected a string, but got an integer instead."},
		{name: "no messages", body: `{"model":"m"}`, wantMessage: "Missing required parameter: 'messages'."},
		{name: "messages not a list", body: `{"model":"m","messages":{}}`, wantMessage: "Invalid type for 'messages': expected an array, but got an object instead."},
		{name: "empty messages", body: chatBody(""), wantMessage: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."},
		{name: "message not an object", body: chatBody("", `"hi"`), wantMessage: "Invalid type for 'messages[0]': expected an object, but got a string instead."},
		{name: "no role", body: chatBody("", `{"content":"hi"}`), wantMessage: "Missing required parameter: 'messages[0].role'."},
		{name: "unknown role", body: chatBody("", `{"role":"robot","content":"hi"}`),
			wantMessage: "Invalid value: 'robot'. Supported values are: 'system', 'assistant', 'user', 'tool', 'developer'. - 'messages[0].role'"},
		{name: "user content null", body: chatBody("", `{"role":"user","content":null}`),
			wantMessage: "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got null instead."},
		{name: "user content missing", body: chatBody("", `{"role":"user"}`), wantMessage: "Missing required parameter: 'messages[0].content'."},
		{name: "user content a number", body: chatBody("", `{"role":"user","content":1}`), wantMessage: "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead."},
		{name: "tool calls from the user", body: chatBody("", `{"role":"user","content":"x","tool_calls":[]}`),
			wantMessage: "Additional properties are not allowed ('tool_calls' was unexpected) - 'messages[0]'"},
		{name: "unknown part type", body: chatBody("", `{"role":"user","content":[{"type":"video","url":"x"}]}`),
			wantMessage: "Invalid value: 'video'. Supported values are: 'text', 'image_url', 'input_audio', 'file'. - 'messages[0].content[0].type'"},
		{name: "text part without text", body: chatBody("", `{"role":"user","content":[{"type":"text"}]}`), wantMessage: "Missing required parameter: 'messages[0].content[0].text'."},
		{name: "assistant without content or calls", body: chatBody("", chatUserHi, `{"role":"assistant","content":null}`, chatUserHi),
			wantMessage: "Invalid value for 'content': expected a string, got null. - 'messages[1].content'"},
		{name: "tool call without id", body: chatBody("", chatUserHi, `{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"bash","arguments":"{}"}}]}`),
			wantMessage: "Missing required parameter: 'messages[1].tool_calls[0].id'."},
		{name: "tool call of another type", body: chatBody("", chatUserHi, `{"role":"assistant","tool_calls":[{"id":"c","type":"code","function":{"name":"bash","arguments":"{}"}}]}`),
			wantMessage: "Invalid value: 'code'. Supported values are: 'function'. - 'messages[1].tool_calls[0].type'"},
		{name: "arguments an object", body: chatBody("", chatUserHi, `{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"bash","arguments":{}}}]}`, toolMsg("c")),
			wantMessage: "Invalid type for 'messages[1].tool_calls[0].function.arguments': expected a string, but got an object instead."},
		{name: "arguments missing", body: chatBody("", chatUserHi, `{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"bash"}}]}`, toolMsg("c")),
			wantMessage: "Missing required parameter: 'messages[1].tool_calls[0].function.arguments'."},
		{name: "a call unanswered", body: chatBody("", chatUserHi, chatAssistantAB, toolMsg("call_A"), chatUserHi),
			wantMessage: "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_B"},
		{name: "calls unanswered at the end", body: chatBody("", chatUserHi, chatAssistantAB),
			wantMessage: "The following tool_call_ids did not have response messages: call_A, call_B"},
		{name: "a note before the results", body: chatBody("", chatUserHi, chatAssistantAB, chatUserHi, toolMsg("call_A"), toolMsg("call_B")),
			wantMessage: "The following tool_call_ids did not have response messages: call_A, call_B"},
		{name: "a tool message answering nothing", body: chatBody("", chatUserHi, toolMsg("call_A")),
			wantMessage: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. - 'messages[1].role'"},
		{name: "a call answered twice", body: chatBody("", chatUserHi, chatAssistantAB, toolMsg("call_A"), toolMsg("call_B"), toolMsg("call_A")),
			wantMessage: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. - 'messages[4].role'"},
		{name: "an unknown call answered", body: chatBody("", chatUserHi, chatAssistantAB, toolMsg("call_A"), toolMsg("call_C")),
			wantMessage: "messages with role 'tool' must be a response to a preceeding message with 'tool_calls'"},
		{name: "tool message without its call id", body: chatBody("", chatUserHi, chatAssistantAB, `{"role":"tool","content":"x"}`),
			wantMessage: "Missing required parameter: 'messages[2].tool_call_id'."},
		{name: "tools not a list", body: chatBody(`"tools":{}`, chatUserHi), wantMessage: "Invalid type for 'tools': expected an array, but got an object instead."},
		{name: "tool of another type", body: chatBody(`"tools":[{"type":"custom","function":{"name":"a"}}]`, chatUserHi),
			wantMessage: "Invalid value: 'custom'. Supported values are: 'function'. - 'tools[0].type'"},
		{name: "tool without type", body: chatBody(`"tools":[{"function":{"name":"a"}}]`, chatUserHi), wantMessage: "Missing required parameter: 'tools[0].type'."},
		{name: "tool without function", body: chatBody(`"tools":[{"type":"function"}]`, chatUserHi), wantMessage: "Missing required parameter: 'tools[0].function'."},
		{name: "tool bad name", body: chatBody(`"tools":[{"type":"function","function":{"name":"read file"}}]`, chatUserHi),
			wantMessage: "Invalid 'tools[0].function.name': string does not match pattern."},
		{name: "tool in Anthropic's shape", body: chatBody(`"tools":[{"type":"function","function":{"name":"a","input_schema":{}}}]`, chatUserHi),
			wantMessage: "Additional properties are not allowed ('input_schema' was unexpected) - 'tools[0].function'"},
		{name: "parameters not an object", body: chatBody(`"tools":[{"type":"function","function":{"name":"a","parameters":[]}}]`, chatUserHi),
			wantMessage: "Invalid type for 'tools[0].function.parameters': expected an object, but got an array instead."},
		{name: "max_tokens 0", body: chatBody(`"max_tokens":0`, chatUserHi), wantMessage: "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead."},
		{name: "max_completion_tokens a string", body: chatBody(`"max_completion_tokens":"9"`, chatUserHi),
			wantMessage: "Invalid type for 'max_completion_tokens': expected an integer, but got a string instead."},
		{name: "stream not a boolean", body: chatBody(`"stream":"yes"`, chatUserHi), wantMessage: "Invalid type for 'stream': expected a boolean, but got a string instead."},
		{name: "stream_options without stream", body: chatBody(`"stream_options":{"include_usage":true}`, chatUserHi),
			wantMessage: "The 'stream_options' parameter is only allowed when 'stream' is enabled."},
		{name: "stream_options unknown field", body: chatBody(`"stream":true,"stream_options":{"usage":true}`, chatUserHi),
			wantMessage: "Additional properties are not allowed ('usage' was unexpected) - 'stream_options'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.Start([]llmtest.Turn{textTurn("served")}, llmtest.Options{BasePath: "/openai/v1", APIKey: testKey})
			defer fake.Close()
			a := sendChat(t, fake.URL()+"/chat/completions", tt.body, tt.header)
			errType, code, message := a.chatEnvelope(t)
			wantStatus := tt.wantStatus
			if wantStatus == 0 {
				wantStatus = 400
			}
			if a.status != wantStatus || errType != "invalid_request_error" || code != tt.wantCode || !strings.Contains(message, tt.wantMessage) {
				t.Errorf("answer %d %s %q %q\nwant   %d invalid_request_error %q %q", a.status, errType, code, message, wantStatus, tt.wantCode, tt.wantMessage)
			}
			if !strings.HasPrefix(a.header.Get("x-request-id"), "req_01") {
				t.Errorf("x-request-id = %q", a.header.Get("x-request-id"))
			}
			if strings.Contains(string(a.body), testKey) {
				t.Errorf("the answer quotes the key: %s", a.body)
			}
			// The invalid request consumed no turn: a valid one still gets it.
			if ok := sendChat(t, fake.URL()+"/chat/completions", validChat, nil); ok.status != 200 {
				t.Errorf("valid request after the invalid one: %d %s", ok.status, ok.body)
			}
			err := fake.Verify()
			if err == nil || !strings.Contains(err.Error(), "invalid request") || strings.Count(err.Error(), "\n") != 0 || strings.Contains(err.Error(), testKey) {
				t.Errorf("Verify = %v, want exactly the invalid request", err)
			}
			if n := len(fake.ChatRequests()); n != 1 {
				t.Errorf("ChatRequests() has %d entries, want only the valid one", n)
			}
		})
	}
}

// TestFakeChatNotFound checks that a client which dropped the base path,
// or asked for another endpoint, gets the 404 in its own envelope.
func TestFakeChatNotFound(t *testing.T) {
	t.Parallel()
	fake := llmtest.Start([]llmtest.Turn{textTurn("never")}, llmtest.Options{BasePath: "/openai/v1"})
	defer fake.Close()
	base := strings.TrimSuffix(fake.URL(), "/openai/v1")
	a := sendChat(t, base+"/chat/completions", validChat, nil)
	if errType, _, message := a.chatEnvelope(t); a.status != 404 || errType != "invalid_request_error" || message != "Not Found" {
		t.Errorf("answer %d %s %q", a.status, errType, message)
	}
	a = sendChat(t, fake.URL()+"/completions", validChat, nil)
	if errType, _, _ := a.envelope(t); a.status != 404 || errType != "not_found_error" {
		t.Errorf("answer %d %s", a.status, errType)
	}
	err := fake.Verify()
	if err == nil || !strings.Contains(err.Error(), "POST /chat/completions: no such endpoint (the fake serves POST /openai/v1/v1/messages, /openai/v1/chat/completions)") {
		t.Errorf("Verify = %v", err)
	}
}

func TestFakeAcceptsValidChatVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		apiKey string
		header map[string]string
		body   string
		check  func(t *testing.T, r llmtest.ChatRequest)
	}{
		{
			name: "system, developer, parts, optional fields",
			body: chatBody(`"temperature":0,"tool_choice":"auto","max_completion_tokens":9,"stream":true,"stream_options":{"include_usage":true}`,
				`{"role":"system","content":"be brief"}`, `{"role":"developer","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}`,
				`{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:,"}}]}`),
			check: func(t *testing.T, r llmtest.ChatRequest) {
				if len(r.Messages) != 3 || r.Messages[0].Content != "be brief" || r.Messages[1].Content != "a\n\nb" || r.Messages[2].Content != "look" ||
					r.MaxCompletionTokens != 9 || r.MaxTokens != 0 || !r.Stream || !r.IncludeUsage {
					t.Errorf("decoded %+v", r)
				}
			},
		},
		{
			name: "tool calls answered in any order, then a note",
			body: chatBody(`"max_tokens":5,"tools":[{"type":"function","function":{"name":"bash","description":"Run.","parameters":{"type":"object"},"strict":true}}]`,
				chatUserHi, chatAssistantAB, toolMsg("call_B"), `{"role":"tool","tool_call_id":"call_A","content":[{"type":"text","text":"x"}]}`, chatUserHi,
				`{"role":"assistant","content":"Done.","refusal":null}`),
			check: func(t *testing.T, r llmtest.ChatRequest) {
				a := r.Messages[1]
				if !a.NullContent || len(a.ToolCalls) != 2 || a.ToolCalls[0] != (llmtest.ChatToolCall{ID: "call_A", Name: "bash", Arguments: `{"command":"ls"}`}) {
					t.Errorf("assistant = %+v", a)
				}
				if r.Messages[3].ToolCallID != "call_A" || r.Messages[3].Content != "x" || r.Messages[5].Content != "Done." || r.Messages[5].NullContent {
					t.Errorf("messages = %+v", r.Messages)
				}
				if len(r.Tools) != 1 || r.Tools[0].Description != "Run." || string(r.Tools[0].Parameters) != `{"type":"object"}` || r.MaxTokens != 5 || r.Stream {
					t.Errorf("decoded %+v", r)
				}
			},
		},
		{
			name:   "no key wanted, none sent (Ollama)",
			header: map[string]string{"authorization": ""},
			body:   validChat,
			check: func(t *testing.T, r llmtest.ChatRequest) {
				if r.Header.Get("authorization") != "" || r.Model != "gpt-test" {
					t.Errorf("decoded %+v", r)
				}
			},
		},
		{
			name:   "no key wanted, any sent",
			header: map[string]string{"authorization": "Bearer whatever"},
			body:   validChat,
			check: func(t *testing.T, r llmtest.ChatRequest) {
				if r.Header.Get("authorization") != "Bearer whatever" {
					t.Errorf("headers %v", r.Header)
				}
			},
		},
		{
			name:   "the key",
			apiKey: testKey,
			body:   validChat,
			check: func(t *testing.T, r llmtest.ChatRequest) {
				if r.Header.Get("authorization") != "Bearer "+testKey {
					t.Errorf("headers %v", r.Header)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.New(t, []llmtest.Turn{textTurn("ok")}, llmtest.Options{BasePath: "/v1", APIKey: tt.apiKey})
			a := sendChat(t, fake.URL()+"/chat/completions", tt.body, tt.header)
			if a.status != 200 {
				t.Fatalf("answer %d %s", a.status, a.body)
			}
			reqs := fake.ChatRequests()
			if len(reqs) != 1 || string(reqs[0].Body) != tt.body || len(fake.Requests()) != 0 {
				t.Fatalf("ChatRequests() = %+v", reqs)
			}
			tt.check(t, reqs[0])
		})
	}
}
