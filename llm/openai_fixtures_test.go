package llm_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// chatWireRequest is the part of a recorded Chat Completions body that a
// conversation is rebuilt from.
type chatWireRequest struct {
	Model     string `json:"model"`
	MaxTokens int    `json:"max_tokens"`
	Messages  []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		ToolCallID string          `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
}

// chatText reads recorded content: a string, null, or text parts, which
// the runner would hold as one text part each.
func chatText(t *testing.T, raw json.RawMessage) []llm.Part {
	t.Helper()
	var s *string
	if json.Unmarshal(raw, &s) == nil {
		if s == nil || *s == "" {
			return nil
		}
		return []llm.Part{llm.TextPart(*s)}
	}
	var parts []struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		t.Fatalf("recorded content %s: %v", raw, err)
	}
	var out []llm.Part
	for _, p := range parts {
		out = append(out, llm.TextPart(p.Text))
	}
	return out
}

// requestFromChatRecording rebuilds the conversation of a recorded Chat
// Completions request as the runner holds it: the system message as the
// system prompt, tool messages as the results of a user message, which
// also takes a user message that follows them.
func requestFromChatRecording(t *testing.T, body json.RawMessage) *llm.Request {
	t.Helper()
	var w chatWireRequest
	if err := json.Unmarshal(body, &w); err != nil {
		t.Fatalf("decode recorded request: %v", err)
	}
	req := &llm.Request{Model: w.Model, MaxTokens: w.MaxTokens}
	for _, tool := range w.Tools {
		req.Tools = append(req.Tools, llm.ToolDef{Name: tool.Function.Name, Description: tool.Function.Description, InputSchema: tool.Function.Parameters})
	}
	for i, m := range w.Messages {
		var prev *llm.Message
		if n := len(req.Messages); n > 0 {
			prev = &req.Messages[n-1]
		}
		switch m.Role {
		case "system":
			if i != 0 {
				t.Fatalf("recorded system message at %d", i)
			}
			req.System = chatText(t, m.Content)[0].Text
		case "assistant":
			msg := llm.Message{Role: llm.RoleAssistant, Content: chatText(t, m.Content)}
			for _, c := range m.ToolCalls {
				msg.Content = append(msg.Content, llm.ToolCallPart(llm.ToolCall{ID: c.ID, Name: c.Function.Name, Input: json.RawMessage(c.Function.Arguments)}))
			}
			req.Messages = append(req.Messages, msg)
		case "tool", "user":
			parts := chatText(t, m.Content)
			if m.Role == "tool" {
				parts = []llm.Part{llm.ToolResultPart(llm.ToolResult{CallID: m.ToolCallID, Content: chatText(t, m.Content)[0].Text})}
			}
			if prev != nil && prev.Role == llm.RoleUser {
				prev.Content = append(prev.Content, parts...)
				continue
			}
			req.Messages = append(req.Messages, llm.Message{Role: llm.RoleUser, Content: parts})
		default:
			t.Fatalf("recorded role %q not handled by the test", m.Role)
		}
	}
	return req
}

// chatSentFields keeps the fields of a Chat Completions body that the
// client sends, in a form where equivalent bodies are equal: a list of text
// parts becomes its text, stream false, an empty tools list and empty
// descriptions are dropped, and so is what the client never sends
// (tool_choice, strict, temperature, a message's reasoning).
func chatSentFields(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var all map[string]any
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatalf("decode request body: %v", err)
	}
	keep := func(m map[string]any, keys ...string) map[string]any {
		out := make(map[string]any)
		for _, k := range keys {
			if v, ok := m[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	out := keep(all, "model", "messages", "tools", "max_tokens", "max_completion_tokens", "stream", "stream_options")
	if out["stream"] == false {
		delete(out, "stream")
	}
	var msgs []any
	for _, m := range out["messages"].([]any) {
		msg := keep(m.(map[string]any), "role", "content", "tool_calls", "tool_call_id")
		if parts, ok := msg["content"].([]any); ok {
			var texts []string
			for _, p := range parts {
				texts = append(texts, p.(map[string]any)["text"].(string))
			}
			msg["content"] = strings.Join(texts, "\n\n")
		}
		msgs = append(msgs, msg)
	}
	out["messages"] = msgs
	if tools, _ := out["tools"].([]any); len(tools) == 0 {
		delete(out, "tools")
	} else {
		for i, tool := range tools {
			fn := keep(tool.(map[string]any)["function"].(map[string]any), "name", "description", "parameters")
			if fn["description"] == "" {
				delete(fn, "description")
			}
			tools[i] = map[string]any{"type": tool.(map[string]any)["type"], "function": fn}
		}
	}
	return out
}

func TestOpenAIRecordedExchanges(t *testing.T) {
	t.Parallel()
	call := func(id, name, args string) llm.Part {
		return llm.ToolCallPart(llm.ToolCall{ID: id, Name: name, Input: json.RawMessage(args)})
	}
	tests := []struct {
		file     string
		stream   bool
		provider string // "" for openai with a key; others send none
		want     *llm.Response
		check    func(t *testing.T, resp *llm.Response) // instead of want, for long texts
		wantErr  *llm.APIError
	}{
		{
			file: "openai_tool_calls_parallel.json",
			want: &llm.Response{ID: "chatcmpl-CMJKsR2K5s2NDFSfDc6DpbanoVePu", Model: "gpt-4o-2024-08-06", StopReason: llm.StopToolUse,
				Content: []llm.Part{
					call("call_HMKxpFuWMpNPfuK5352En5En", "delete_file", `{"path": ".env"}`),
					call("call_CAES42XVgl0EvrUmnIoHkMSS", "create_file", `{"path": "test.txt"}`),
				},
				Usage: llm.Usage{InputTokens: 71, OutputTokens: 46}},
		},
		{
			file: "openai_tool_results_stop.json",
			want: &llm.Response{ID: "chatcmpl-CMJKtEA5SwYUsQ3kQjGuPv9wcLXza", Model: "gpt-4o-2024-08-06", StopReason: llm.StopEndTurn,
				Content: []llm.Part{llm.TextPart("The file `.env` has been deleted, and `test.txt` has been successfully created.")},
				Usage:   llm.Usage{InputTokens: 133, OutputTokens: 20}},
		},
		{
			file:   "openai_stream_parallel_tool_calls.json",
			stream: true,
			want: &llm.Response{ID: "chatcmpl-BleDgMAC9enGPAhCO3TUZ3frOoyG2", Model: "gpt-4.1-2025-04-14", StopReason: llm.StopToolUse,
				Content: []llm.Part{
					call("call_ZqGHKScptLaD0wmWHJYFN1Vo", "getCurrentWeather", `{"location": "Boston, MA"}`),
					call("call_XoLScnhw0USpb7ml5C5nfGW1", "getCurrentTime", `{"location": "Boston, MA"}`),
				},
				Usage: llm.Usage{InputTokens: 121, OutputTokens: 50}, RequestID: "req_2df73f6e8801c98b5e0b1fed82ea7796"},
		},
		{
			file: "openai_cached_tokens.json",
			want: &llm.Response{ID: "chatcmpl-E1mBQt42vYTsKNd5wnyJlT0db7v9S", Model: "gpt-5.6-sol", StopReason: llm.StopEndTurn,
				Content: []llm.Part{llm.TextPart("OK")},
				Usage:   llm.Usage{InputTokens: 8, OutputTokens: 4, CacheReadTokens: 4012}},
		},
		{
			file:     "ollama_openai_compat_tool_calls.json",
			provider: "ollama",
			want: &llm.Response{ID: "chatcmpl-273", Model: "gpt-oss:20b", StopReason: llm.StopToolUse,
				Content: []llm.Part{call("call_o2vnpxrw", "final_result", `{"city":"Paris","country":"France"}`)},
				Usage:   llm.Usage{InputTokens: 206, OutputTokens: 194}},
		},
		{
			file:     "together_openai_compat_length.json",
			provider: "together",
			check: func(t *testing.T, resp *llm.Response) {
				text := resp.Message().Text()
				if resp.ID != "oXUyQTv-28Eivz-9ce5a0296c7de93c" || resp.Model != "deepseek-ai/DeepSeek-R1" || resp.StopReason != llm.StopMaxTokens ||
					resp.Usage != (llm.Usage{InputTokens: 4, OutputTokens: 100}) || len(resp.Content) != 1 ||
					!strings.HasPrefix(text, "<think>\nHmm, the user just said \"hello\".") || !strings.HasSuffix(text, "- Acknowledge") {
					t.Errorf("response = %+v, text %q", resp, text)
				}
			},
		},
		{
			file:     "openrouter_openai_compat_stream_comment.json",
			provider: "openrouter",
			stream:   true,
			// No x-generation-id was recorded (the copy kept an allowlist
			// of headers): the generation id of the body is the request id
			// the step records, for OpenRouter's support.
			want: &llm.Response{ID: "gen-1754667632-NNYO7FUAFP6cwNW8jL7x", Model: "meta-llama/llama-3.2-3b-instruct:free", StopReason: llm.StopEndTurn,
				Content:   []llm.Part{llm.TextPart("test response")},
				Usage:     llm.Usage{InputTokens: 586, OutputTokens: 3},
				RequestID: "gen-1754667632-NNYO7FUAFP6cwNW8jL7x"},
		},
		{
			file: "openai_error_404_model_not_found.json",
			wantErr: &llm.APIError{Provider: "openai", Status: 404, Type: "model_not_found",
				Message: "The model `gpt-5.2-proo` does not exist or you do not have access to it.", Attempts: 1},
		},
		{
			file: "openai_error_400_invalid_request.json",
			wantErr: &llm.APIError{Provider: "openai", Status: 400, Type: "invalid_request_error",
				Message: "Web search options not supported with this model.", Attempts: 1},
		},
		{
			// The number in code is the HTTP status; the useful words are
			// in the upstream provider's metadata.raw.
			file:     "openrouter_openai_compat_error_429.json",
			provider: "openrouter",
			wantErr: &llm.APIError{Provider: "openrouter", Status: 429,
				Message: "Provider returned error: google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream. " +
					"Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations",
				Attempts: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			ex := loadExchange(t, tt.file)
			fake, srv := newScriptedServer(t, "/api/v1/chat/completions", ex.step())
			opts := llm.OpenAIOptions{BaseURL: srv.URL + "/api/v1", APIKey: testAPIKey, Provider: tt.provider, Clock: newFakeClock(), NoStream: !tt.stream, MaxAttempts: 1}
			if tt.provider != "" {
				opts.APIKey = ""
			}
			resp, err := llm.NewOpenAI(opts).Complete(t.Context(), requestFromChatRecording(t, ex.Request.Body))

			if got, want := chatSentFields(t, fake.body(0)), chatSentFields(t, ex.Request.Body); !reflect.DeepEqual(got, want) {
				gotJSON, _ := json.MarshalIndent(got, "", "  ")
				wantJSON, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("request body differs from the recording\n got %s\nwant %s", gotJSON, wantJSON)
			}
			if tt.wantErr != nil {
				apiErr, ok := errors.AsType[*llm.APIError](err)
				if !ok {
					t.Fatalf("err = %v, want *APIError", err)
				}
				if *apiErr != *tt.wantErr {
					t.Errorf("APIError = %+v\n     want %+v", *apiErr, *tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if tt.check != nil {
				tt.check(t, resp)
				return
			}
			tt.want.Attempts = 1
			if !reflect.DeepEqual(resp, tt.want) {
				gotJSON, _ := json.Marshal(resp)
				wantJSON, _ := json.Marshal(tt.want)
				t.Errorf("response:\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}
