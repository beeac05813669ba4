package llm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

func TestAnthropicThinkingRequestWire(t *testing.T) {
	t.Parallel()
	user := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleUser, Content: parts} }
	assistant := func(parts ...llm.Part) llm.Message { return llm.Message{Role: llm.RoleAssistant, Content: parts} }
	thought := llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Text: "List first.", Signature: "EqQBsig=="})
	redacted := llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Redacted: "EmwKAhgB"})
	foreign := llm.ThinkingPart(llm.Thinking{Provider: "openai", Text: "not ours"})
	call := llm.ToolCallPart(llm.ToolCall{ID: "toolu_1", Name: "bash", Input: json.RawMessage(`{"command":"ls"}`)})
	tests := []struct {
		name string
		msgs []llm.Message
		want string // the messages array
	}{
		{
			name: "sent back verbatim, in place; another provider's dropped",
			msgs: []llm.Message{user(llm.TextPart("go")), assistant(thought, foreign, llm.TextPart("Listing."), redacted, call),
				user(llm.ToolResultPart(llm.ToolResult{CallID: "toolu_1", Content: "a.go"}))},
			want: `[{"role":"user","content":[{"type":"text","text":"go"}]},` +
				`{"role":"assistant","content":[{"type":"thinking","thinking":"List first.","signature":"EqQBsig=="},{"type":"text","text":"Listing."},` +
				`{"type":"redacted_thinking","data":"EmwKAhgB"},{"type":"tool_use","id":"toolu_1","name":"bash","input":{"command":"ls"}}]},` +
				`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"a.go","cache_control":{"type":"ephemeral"}}]}]`,
		},
		{
			name: "the breakpoint skips trailing thinking",
			msgs: []llm.Message{user(llm.TextPart("go")), assistant(llm.TextPart("So far"), thought, redacted)},
			want: `[{"role":"user","content":[{"type":"text","text":"go"}]},` +
				`{"role":"assistant","content":[{"type":"text","text":"So far","cache_control":{"type":"ephemeral"}},` +
				`{"type":"thinking","thinking":"List first.","signature":"EqQBsig=="},{"type":"redacted_thinking","data":"EmwKAhgB"}]}]`,
		},
		{
			name: "no breakpoint on a message of thinking alone",
			msgs: []llm.Message{user(llm.TextPart("go")), assistant(thought)},
			want: `[{"role":"user","content":[{"type":"text","text":"go"}]},{"role":"assistant","content":[{"type":"thinking","thinking":"List first.","signature":"EqQBsig=="}]}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, srv := newScriptedServer(t, "/v1/messages", step{status: 200, body: okBody})
			req := &llm.Request{Model: "claude-test", MaxTokens: 64, Messages: tt.msgs}
			if _, err := llm.NewAnthropic(fastOptions(srv.URL)).Complete(t.Context(), req); err != nil {
				t.Fatal(err)
			}
			var body struct {
				Messages json.RawMessage `json:"messages"`
			}
			if err := json.Unmarshal(fake.body(0), &body); err != nil {
				t.Fatal(err)
			}
			if string(body.Messages) != tt.want {
				t.Errorf("messages:\n got %s\nwant %s", body.Messages, tt.want)
			}
		})
	}
}

func TestAnthropicThinkingRejectedLocally(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		msgs    []llm.Message
		wantErr string
	}{
		{"thinking from the user", []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Text: "x"})}}},
			"messages.0: content.0: thinking in a user message"},
		{"a part without its thinking", []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("a")}}, {Role: llm.RoleAssistant, Content: []llm.Part{{Type: llm.PartThinking}}}},
			"messages.1: content.0: thinking part without thinking"},
		{"only another provider's thinking", []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("a")}},
			{Role: llm.RoleAssistant, Content: []llm.Part{llm.ThinkingPart(llm.Thinking{Provider: "openai", Text: "x"})}}},
			"messages.1: message has no content to send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, "/v1/messages") // no attempt may arrive
			_, err := llm.NewAnthropic(fastOptions(srv.URL)).Complete(t.Context(), &llm.Request{Model: "m", MaxTokens: 1, Messages: tt.msgs})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// thinkingTurn is a scripted answer that thinks, shows a redacted block,
// then calls a tool; the first block's signature is left to the fake.
func thinkingTurn() *llm.Response {
	return &llm.Response{Content: []llm.Part{
		llm.ThinkingPart(llm.Thinking{Text: "The user wants the module name; go.mod has it."}),
		llm.ThinkingPart(llm.Thinking{Redacted: "EmwKAhgBEgy3rEdACTed"}),
		llm.TextPart("Reading go.mod."),
		llm.ToolCallPart(llm.ToolCall{ID: "toolu_think_1", Name: "read_file", Input: json.RawMessage(`{"path":"go.mod"}`)}),
	}}
}

// TestAnthropicThinkingRoundTrip has the fake answer with thinking and
// checks, in both modes, that the client returns it in order and sends it
// back unchanged, which the fake verifies as the API does.
func TestAnthropicThinkingRoundTrip(t *testing.T) {
	t.Parallel()
	for _, noStream := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoStream %v", noStream), func(t *testing.T) {
			t.Parallel()
			fake := llmtest.New(t, []llmtest.Turn{{Response: thinkingTurn()}, {Response: &llm.Response{Content: []llm.Part{llm.TextPart("example.com/x")}}}}, llmtest.Options{})
			client := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: fake.URL(), APIKey: testAPIKey, Clock: newFakeClock(), NoStream: noStream})
			req := conversation(llm.TextPart("What is the module?"))
			first, err := client.Complete(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(first.Content) != 4 {
				t.Fatalf("content = %+v", first.Content)
			}
			th, red := first.Content[0].Thinking, first.Content[1].Thinking
			if first.Content[0].Type != llm.PartThinking || th.Provider != "anthropic" || th.Text != "The user wants the module name; go.mod has it." || len(th.Signature) < 40 {
				t.Errorf("thinking = %+v", th)
			}
			if first.Content[1].Type != llm.PartThinking || *red != (llm.Thinking{Provider: "anthropic", Redacted: "EmwKAhgBEgy3rEdACTed"}) {
				t.Errorf("redacted thinking = %+v", red)
			}
			if m := first.Message(); m.Text() != "Reading go.mod." || len(m.ToolCalls()) != 1 || first.StopReason != llm.StopToolUse {
				t.Errorf("answer = %+v", first)
			}

			req.Messages = append(req.Messages, first.Message(), llm.Message{Role: llm.RoleUser, Content: []llm.Part{
				llm.ToolResultPart(llm.ToolResult{CallID: "toolu_think_1", Content: "module example.com/x"}),
			}})
			second, err := client.Complete(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if second.Message().Text() != "example.com/x" {
				t.Errorf("second answer = %+v", second)
			}
			sent := fake.Requests()[1].Messages[1].Content
			if len(sent) != 4 || sent[0].Type != "thinking" || sent[0].Signature != th.Signature || sent[1].Data != red.Redacted {
				t.Errorf("assistant turn sent back as %+v", sent)
			}
		})
	}
}

// TestAnthropicThinkingAlteredIsRefused sends back the thinking turn
// altered in the ways a client could get it wrong; the fake answers each
// with the API's 400.
func TestAnthropicThinkingAlteredIsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		alter   func(parts []llm.Part) []llm.Part
		wantErr string
	}{
		{
			name: "thinking dropped",
			alter: func(parts []llm.Part) []llm.Part {
				return slices.DeleteFunc(parts, func(p llm.Part) bool { return p.Type == llm.PartThinking })
			},
			wantErr: "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. When `thinking` is enabled, a final `assistant` message must start with a thinking block",
		},
		{
			name: "thinking edited",
			alter: func(parts []llm.Part) []llm.Part {
				th := *parts[0].Thinking
				th.Text += " Also check go.sum."
				parts[0] = llm.ThinkingPart(th)
				return parts
			},
			wantErr: "messages.1.content.0: Invalid `signature` in `thinking` block",
		},
		{
			name: "redacted data edited",
			alter: func(parts []llm.Part) []llm.Part {
				parts[1] = llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Redacted: "other"})
				return parts
			},
			wantErr: "messages.1.content.1: Invalid `data` in `redacted_thinking` block",
		},
		{
			name: "redacted block moved after the tool use",
			alter: func(parts []llm.Part) []llm.Part {
				return []llm.Part{parts[0], parts[2], parts[3], parts[1]}
			},
			wantErr: "messages.1.content.2.type: Expected `redacted_thinking`, but found `tool_use`",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.Start([]llmtest.Turn{{Response: thinkingTurn()}, {Response: &llm.Response{Content: []llm.Part{llm.TextPart("never")}}}}, llmtest.Options{})
			defer fake.Close()
			client := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: fake.URL(), APIKey: testAPIKey, Clock: newFakeClock()})
			req := conversation(llm.TextPart("What is the module?"))
			first, err := client.Complete(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			altered := first.Message()
			altered.Content = tt.alter(slices.Clone(altered.Content))
			req.Messages = append(req.Messages, altered, llm.Message{Role: llm.RoleUser, Content: []llm.Part{
				llm.ToolResultPart(llm.ToolResult{CallID: "toolu_think_1", Content: "module example.com/x"}),
			}})
			_, err = client.Complete(t.Context(), req)
			apiErr, ok := errors.AsType[*llm.APIError](err)
			if !ok || apiErr.Status != 400 || apiErr.Type != "invalid_request_error" || !strings.Contains(apiErr.Message, tt.wantErr) {
				t.Errorf("err = %v, want a 400 saying %q", err, tt.wantErr)
			}
			if err := fake.Verify(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Verify = %v, want the invalid request", err)
			}
		})
	}
}

// TestOpenAIDropsThinking sends an Anthropic turn with thinking through
// the OpenAI client: the fake sees the rest of it.
func TestOpenAIDropsThinking(t *testing.T) {
	t.Parallel()
	first := thinkingTurn()
	fake := llmtest.New(t, []llmtest.Turn{{Response: first}, {Response: &llm.Response{Content: []llm.Part{llm.TextPart("done")}},
		ChatCheck: func(req *llmtest.ChatRequest) error {
			got := req.Messages[2]
			if got.Content != "Reading go.mod." || len(got.ToolCalls) != 1 || got.ToolCalls[0].ID != "toolu_think_1" {
				return fmt.Errorf("assistant turn sent as %+v", got)
			}
			return nil
		}}}, llmtest.Options{BasePath: "/v1"})
	client := llm.NewOpenAI(llm.OpenAIOptions{BaseURL: fake.URL(), Clock: newFakeClock()})
	req := conversation(llm.TextPart("What is the module?"))
	resp, err := client.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	// The Chat Completions format has no thinking: the fake leaves it out.
	want := []llm.Part{first.Content[2], first.Content[3]}
	if !reflect.DeepEqual(resp.Content, want) {
		t.Errorf("content = %+v, want %+v", resp.Content, want)
	}
	req.Messages = append(req.Messages, first.Message(), llm.Message{Role: llm.RoleUser, Content: []llm.Part{
		llm.ToolResultPart(llm.ToolResult{CallID: "toolu_think_1", Content: "module example.com/x"}),
	}})
	if _, err := client.Complete(t.Context(), req); err != nil {
		t.Fatal(err)
	}
}
