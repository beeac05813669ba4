package llm_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

func TestAnthropicCacheBreakpoints(t *testing.T) {
	t.Parallel()
	user := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleUser, Content: parts} }
	assistant := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleAssistant, Content: parts} }
	tools := []llm.ToolDef{{Name: "read_file"}, {Name: "bash"}}
	call := llm.ToolCallPart(llm.ToolCall{ID: "toolu_1", Name: "bash", Input: json.RawMessage(`{"command":"ls"}`)})
	tests := []struct {
		name string
		req  llm.Request
		want []string
	}{
		{
			name: "system, tools and a tool result turn",
			req: llm.Request{System: "be careful", Tools: tools, Messages: []llm.Message{
				user(llm.TextPart("list")), assistant(llm.TextPart("Listing."), call),
				user(llm.ToolResultPart(llm.ToolResult{CallID: "toolu_1", Content: "a.go"}), llm.TextPart("and then?")),
			}},
			want: []string{"system.0", "tools.1", "messages.2.content.1"},
		},
		{
			name: "the last block is a tool result",
			req: llm.Request{Tools: tools, Messages: []llm.Message{
				user(llm.TextPart("list")), assistant(call), user(llm.ToolResultPart(llm.ToolResult{CallID: "toolu_1", Content: "a.go"})),
			}},
			want: []string{"tools.1", "messages.2.content.0"},
		},
		{
			name: "an empty last part is not sent",
			req:  llm.Request{System: "s", Messages: []llm.Message{user(llm.TextPart("hi"), llm.TextPart(""))}},
			want: []string{"system.0", "messages.0.content.0"},
		},
		{
			name: "the conversation ends with an assistant prefill",
			req:  llm.Request{Messages: []llm.Message{user(llm.TextPart("hi")), assistant(llm.TextPart("The answer is"))}},
			want: []string{"messages.1.content.0"},
		},
	}
	for _, noStream := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s, NoStream %v", tt.name, noStream), func(t *testing.T) {
				t.Parallel()
				fake := llmtest.New(t, []llmtest.Turn{{Response: &llm.Response{Content: []llm.Part{llm.TextPart("ok")}}}}, llmtest.Options{})
				req := tt.req
				req.Model, req.MaxTokens = "claude-test", 16
				client := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: fake.URL(), APIKey: testAPIKey, NoStream: noStream, Clock: newFakeClock()})
				if _, err := client.Complete(t.Context(), &req); err != nil {
					t.Fatal(err)
				}
				got := fake.Requests()[0]
				if !reflect.DeepEqual(got.CacheControl, tt.want) || got.Stream == noStream {
					t.Errorf("breakpoints %q (stream %v), want %q", got.CacheControl, got.Stream, tt.want)
				}
			})
		}
	}
}

// TestAnthropicCacheUsageBothModes reads the recorded answer with cache
// reads and writes as a whole body, then has the fake stream the same
// answer: both modes must report the recorded counts.
func TestAnthropicCacheUsageBothModes(t *testing.T) {
	t.Parallel()
	ex := loadExchange(t, "anthropic_cache_creation_and_read.json")
	_, srv := newScriptedServer(t, "/v1/messages", ex.step())
	req := requestFromRecording(t, ex.Request.Body)
	whole, err := llm.NewAnthropic(fastOptions(srv.URL)).Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := llm.Usage{InputTokens: 3, OutputTokens: 33, CacheReadTokens: 1111, CacheWriteTokens: 418}
	if whole.Usage != want {
		t.Fatalf("usage of the recorded body = %+v, want %+v", whole.Usage, want)
	}

	fake := llmtest.New(t, []llmtest.Turn{{Response: whole}}, llmtest.Options{})
	streamed, err := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: fake.URL(), APIKey: testAPIKey, Clock: newFakeClock()}).Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !fake.Requests()[0].Stream {
		t.Fatal("the second request did not stream")
	}
	if streamed.RequestID == "" {
		t.Error("the streamed answer has no request id")
	}
	streamed.RequestID = whole.RequestID // the recording has none; the fake makes one up
	if !reflect.DeepEqual(streamed, whole) {
		t.Errorf("streamed answer differs:\n got %+v\nwant %+v", streamed, whole)
	}
}
