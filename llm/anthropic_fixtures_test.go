package llm_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// exchange is one recorded HTTP exchange (see testdata/anthropic/README.md
// and testdata/openai/README.md).
type exchange struct {
	Request struct {
		Body json.RawMessage `json:"body"`
	} `json:"request"`
	Response struct {
		Status   int               `json:"status"`
		Headers  map[string]string `json:"headers"`
		Body     json.RawMessage   `json:"body"`
		BodyText string            `json:"body_text"` // a streamed answer, byte for byte
	} `json:"response"`
}

// step returns the recorded answer as a scripted step.
func (ex exchange) step() step {
	body := string(ex.Response.Body)
	if ex.Response.BodyText != "" {
		body = ex.Response.BodyText
	}
	return step{status: ex.Response.Status, header: ex.Response.Headers, body: body}
}

// loadExchange reads a recording: testdata/anthropic holds the anthropic_*
// files, testdata/openai those of the OpenAI format's servers.
func loadExchange(t *testing.T, name string) exchange {
	t.Helper()
	dir := "openai"
	if strings.HasPrefix(name, "anthropic_") {
		dir = "anthropic"
	}
	data, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var ex exchange
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return ex
}

// wireRequest is the part of a recorded request body the client sends.
type wireRequest struct {
	Model     string `json:"model"`
	MaxTokens int    `json:"max_tokens"`
	System    string `json:"system"`
	Messages  []struct {
		Role    llm.Role        `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools []llm.ToolDef `json:"tools"`
}

type wireBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   string          `json:"content"`
	IsError   bool            `json:"is_error"`
}

// requestFromRecording rebuilds the conversation of a recorded request as
// an llm.Request, the way the runner would hold it.
func requestFromRecording(t *testing.T, body json.RawMessage) *llm.Request {
	t.Helper()
	var w wireRequest
	if err := json.Unmarshal(body, &w); err != nil {
		t.Fatalf("decode recorded request: %v", err)
	}
	req := &llm.Request{Model: w.Model, MaxTokens: w.MaxTokens, System: w.System, Tools: w.Tools}
	for _, m := range w.Messages {
		msg := llm.Message{Role: m.Role}
		var text string
		if json.Unmarshal(m.Content, &text) == nil {
			msg.Content = []llm.Part{llm.TextPart(text)}
			req.Messages = append(req.Messages, msg)
			continue
		}
		var blocks []wireBlock
		if err := json.Unmarshal(m.Content, &blocks); err != nil {
			t.Fatalf("decode recorded content: %v", err)
		}
		for _, b := range blocks {
			switch b.Type {
			case "text":
				msg.Content = append(msg.Content, llm.TextPart(b.Text))
			case "tool_use":
				msg.Content = append(msg.Content, llm.ToolCallPart(llm.ToolCall{ID: b.ID, Name: b.Name, Input: b.Input}))
			case "tool_result":
				msg.Content = append(msg.Content, llm.ToolResultPart(llm.ToolResult{CallID: b.ToolUseID, Content: b.Content, IsError: b.IsError}))
			default:
				t.Fatalf("recorded block type %q not handled by the test", b.Type)
			}
		}
		req.Messages = append(req.Messages, msg)
	}
	return req
}

// sentFields keeps the fields of a request body the client sends, in a
// form where equivalent bodies are equal: string content becomes one text
// block, a system block list becomes its text, and is_error:false,
// stream:false and empty descriptions are dropped. Cache breakpoints are
// dropped too: the recordings place theirs differently, and
// TestAnthropicCacheBreakpoints checks ours.
func sentFields(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var all map[string]any
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatalf("decode request body: %v", err)
	}
	out := make(map[string]any)
	for _, k := range []string{"model", "max_tokens", "system", "messages", "tools", "stream"} {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	if out["stream"] == false {
		delete(out, "stream")
	}
	if blocks, ok := out["system"].([]any); ok {
		var texts []string
		for _, b := range blocks {
			texts = append(texts, b.(map[string]any)["text"].(string))
		}
		out["system"] = strings.Join(texts, "\n\n")
	}
	msgs, _ := out["messages"].([]any)
	for _, m := range msgs {
		m := m.(map[string]any)
		if s, ok := m["content"].(string); ok {
			m["content"] = []any{map[string]any{"type": "text", "text": s}}
		}
		for _, b := range m["content"].([]any) {
			b := b.(map[string]any)
			if b["is_error"] == false {
				delete(b, "is_error")
			}
			delete(b, "cache_control")
		}
	}
	tools, _ := out["tools"].([]any)
	for _, tool := range tools {
		tool := tool.(map[string]any)
		if tool["description"] == "" {
			delete(tool, "description")
		}
		delete(tool, "cache_control")
	}
	return out
}

func TestAnthropicRecordedExchanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file      string
		stream    bool
		check     func(t *testing.T, resp *llm.Response)
		wantErr   *llm.APIError
		requestID string
	}{
		{
			file:      "anthropic_stream_text_then_tool_use.json",
			stream:    true,
			requestID: "req_011CXWs8vFX4PQFDuEwsbQPN",
			check: func(t *testing.T, resp *llm.Response) {
				want := &llm.Response{
					ID:    "msg_01NHvMRiHy8uqTTxcg2bA6J3",
					Model: "claude-sonnet-4-5-20250929",
					Content: []llm.Part{
						llm.TextPart("I'll calculate the tip and get the waiter's name for you."),
						llm.ToolCallPart(llm.ToolCall{ID: "toolu_01VsaoaKxpzdz8vgY4hTGjE3", Name: "calculateTip", Input: json.RawMessage(`{"billAmount": 50, "tipPercentage": 15}`)}),
						llm.ToolCallPart(llm.ToolCall{ID: "toolu_01Uksi8drJHeC8rCj8yVUtCJ", Name: "getWaiterName", Input: json.RawMessage(`{}`)}),
					},
					StopReason: llm.StopToolUse,
					Usage:      llm.Usage{InputTokens: 679, OutputTokens: 111},
					RequestID:  "req_011CXWs8vFX4PQFDuEwsbQPN",
					Attempts:   1,
				}
				if !reflect.DeepEqual(resp, want) {
					t.Errorf("response:\n got %+v\nwant %+v", resp, want)
				}
			},
		},
		{
			file:      "anthropic_stream_parallel_tool_use.json",
			stream:    true,
			requestID: "req_011CZkTfmdQovVWg8SG5f6Lq",
			check: func(t *testing.T, resp *llm.Response) {
				want := &llm.Response{
					ID:    "msg_01V2noLbAb2NgKnjaNw6Cn3w",
					Model: "claude-haiku-4-5-20251001",
					Content: []llm.Part{
						llm.ToolCallPart(llm.ToolCall{ID: "toolu_01LtHJmixrs9NcWQkK8hu8hj", Name: "pelican_name_generator", Input: json.RawMessage(`{}`)}),
						llm.ToolCallPart(llm.ToolCall{ID: "toolu_01N8a4jWyf116qKTMqKKmjyt", Name: "pelican_name_generator", Input: json.RawMessage(`{}`)}),
					},
					StopReason: llm.StopToolUse,
					Usage:      llm.Usage{InputTokens: 542, OutputTokens: 62},
					RequestID:  "req_011CZkTfmdQovVWg8SG5f6Lq",
					Attempts:   1,
				}
				if !reflect.DeepEqual(resp, want) {
					t.Errorf("response:\n got %+v\nwant %+v", resp, want)
				}
			},
		},
		{
			file:      "anthropic_stream_tool_result_end_turn.json",
			stream:    true,
			requestID: "req_011CZkTfpqPnYcgCs7qMz1za",
			check: func(t *testing.T, resp *llm.Response) {
				want := &llm.Response{
					ID:    "msg_01XMATm4UFnjP841TckVuNF4",
					Model: "claude-haiku-4-5-20251001",
					Content: []llm.Part{llm.TextPart("Here are two great names for your pet pelican:\n\n" +
						"1. **Charles** - A sophisticated and dignified name, perfect for a pelican with personality!\n" +
						"2. **Sammy** - A friendly and playful name that gives off warm, approachable vibes.\n\n" +
						"Either of these would make an excellent name for your feathered friend! 🦅")},
					StopReason: llm.StopEndTurn,
					Usage:      llm.Usage{InputTokens: 678, OutputTokens: 82},
					RequestID:  "req_011CZkTfpqPnYcgCs7qMz1za",
					Attempts:   1,
				}
				if !reflect.DeepEqual(resp, want) {
					t.Errorf("response:\n got %+v\nwant %+v", resp, want)
				}
			},
		},
		{
			file: "anthropic_tool_use_parallel.json",
			check: func(t *testing.T, resp *llm.Response) {
				want := &llm.Response{
					ID:    "msg_011S3wxtqL5CVescWqS3zeg2",
					Model: "claude-haiku-4-5-20251001",
					Content: []llm.Part{
						llm.TextPart("I'll help you find out who is the youngest by retrieving information about each family member. I'll retrieve their entity information to compare their ages."),
						llm.ToolCallPart(llm.ToolCall{ID: "toolu_0167cfEnoQaPviGdVXA95zcu", Name: "retrieve_entity_info", Input: json.RawMessage(`{"name":"Alice"}`)}),
						llm.ToolCallPart(llm.ToolCall{ID: "toolu_01EEe2V5HD1Ac4rKiUR4HD2T", Name: "retrieve_entity_info", Input: json.RawMessage(`{"name":"Bob"}`)}),
						llm.ToolCallPart(llm.ToolCall{ID: "toolu_01XFyAjstT3966qvRynZyVPo", Name: "retrieve_entity_info", Input: json.RawMessage(`{"name":"Charlie"}`)}),
						llm.ToolCallPart(llm.ToolCall{ID: "toolu_013mnQZbgtK2oe3Mo3XKJsx3", Name: "retrieve_entity_info", Input: json.RawMessage(`{"name":"Daisy"}`)}),
					},
					StopReason: llm.StopToolUse,
					Usage:      llm.Usage{InputTokens: 423, OutputTokens: 202},
					Attempts:   1,
				}
				normalizeInputs(t, resp)
				if !reflect.DeepEqual(resp, want) {
					t.Errorf("response:\n got %+v\nwant %+v", resp, want)
				}
			},
		},
		{
			file: "anthropic_tool_result_end_turn.json",
			check: func(t *testing.T, resp *llm.Response) {
				msg := resp.Message()
				if len(msg.ToolCalls()) != 0 || !strings.HasPrefix(msg.Text(), "Based on the retrieved information") ||
					!strings.HasSuffix(msg.Text(), "the youngest among the four family members.") {
					t.Errorf("content = %+v", resp.Content)
				}
				if resp.StopReason != llm.StopEndTurn || resp.Usage != (llm.Usage{InputTokens: 771, OutputTokens: 77}) {
					t.Errorf("stop %q usage %+v", resp.StopReason, resp.Usage)
				}
			},
		},
		{
			file: "anthropic_cache_creation_and_read.json",
			check: func(t *testing.T, resp *llm.Response) {
				want := llm.Usage{InputTokens: 3, OutputTokens: 33, CacheReadTokens: 1111, CacheWriteTokens: 418}
				if resp.Usage != want {
					t.Errorf("usage = %+v, want %+v", resp.Usage, want)
				}
				if resp.StopReason != llm.StopEndTurn || resp.ID != "msg_01KPaKTJSqAKoZri7Ujrny58" || resp.Model != "claude-sonnet-4-5-20250929" {
					t.Errorf("stop %q id %q model %q", resp.StopReason, resp.ID, resp.Model)
				}
				if got := resp.Message().Text(); !strings.HasPrefix(got, "Python is a beginner-friendly") {
					t.Errorf("text = %q", got)
				}
			},
		},
		{
			file:      "anthropic_max_tokens.json",
			requestID: "req_011CSFCEM8vAwvuamsXwPF1q",
			check: func(t *testing.T, resp *llm.Response) {
				if resp.StopReason != llm.StopMaxTokens || resp.Usage.OutputTokens != 100 || resp.Usage.InputTokens != 611 {
					t.Errorf("stop %q usage %+v", resp.StopReason, resp.Usage)
				}
				if got := resp.Message().Text(); !strings.HasPrefix(got, "<thinking>\nThe get_weather tool") || !strings.HasSuffix(got, "Could you please provide the city") {
					t.Errorf("text = %q", got)
				}
			},
		},
		{
			file: "anthropic_error_404_not_found.json",
			wantErr: &llm.APIError{
				Provider: "anthropic", Status: 404, Type: "not_found_error",
				Message: "model: claude-sonet-4-5", RequestID: "req_011CdufXo8Y2LVfY2veyuQWG", Attempts: 1,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			ex := loadExchange(t, tt.file)
			fake, srv := newScriptedServer(t, "/v1/messages", ex.step())
			opts := fastOptions(srv.URL)
			opts.NoStream = !tt.stream
			client := llm.NewAnthropic(opts)
			resp, err := client.Complete(t.Context(), requestFromRecording(t, ex.Request.Body))

			if got, want := sentFields(t, fake.body(0)), sentFields(t, ex.Request.Body); !reflect.DeepEqual(got, want) {
				gotJSON, _ := json.MarshalIndent(got, "", "  ")
				wantJSON, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("request body differs from the recording\n got %s\nwant %s", gotJSON, wantJSON)
			}
			if tt.wantErr != nil {
				var apiErr *llm.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("err = %v, want *APIError", err)
				}
				if *apiErr != *tt.wantErr {
					t.Errorf("APIError = %+v, want %+v", *apiErr, *tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if resp.RequestID != tt.requestID {
				t.Errorf("RequestID = %q, want %q", resp.RequestID, tt.requestID)
			}
			tt.check(t, resp)
		})
	}
}

// normalizeInputs compacts tool inputs so that they compare by value.
func normalizeInputs(t *testing.T, resp *llm.Response) {
	t.Helper()
	for _, p := range resp.Content {
		if p.ToolCall == nil {
			continue
		}
		var v any
		if err := json.Unmarshal(p.ToolCall.Input, &v); err != nil {
			t.Fatalf("tool input %s: %v", p.ToolCall.Input, err)
		}
		p.ToolCall.Input, _ = json.Marshal(v)
	}
}
