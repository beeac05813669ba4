package llmtest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

// thinkingAnswer thinks, then calls two tools; its signature is left to
// the fake.
func thinkingAnswer() llmtest.Turn {
	return llmtest.Turn{Response: &llm.Response{Content: []llm.Part{
		llm.ThinkingPart(llm.Thinking{Text: "Two commands will do."}),
		llm.ThinkingPart(llm.Thinking{Redacted: "EmwKAhgB"}),
		llm.ToolCallPart(llm.ToolCall{ID: "toolu_A", Name: "bash", Input: json.RawMessage(`{"command":"ls"}`)}),
		llm.ToolCallPart(llm.ToolCall{ID: "toolu_B", Name: "bash", Input: json.RawMessage(`{}`)}),
	}}}
}

// firstAnswerContent sends the opening request for a whole answer and
// returns its content blocks, as raw JSON.
func firstAnswerContent(t *testing.T, fake *llmtest.Server) []json.RawMessage {
	t.Helper()
	a := send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
	var body struct {
		Content []json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(a.body, &body); err != nil || a.status != 200 {
		t.Fatalf("answer %d %s (%v)", a.status, a.body, err)
	}
	return body.Content
}

func TestFakeRendersThinking(t *testing.T) {
	t.Parallel()
	fake := llmtest.New(t, []llmtest.Turn{thinkingAnswer(), thinkingAnswer(), {Response: &llm.Response{Content: []llm.Part{
		llm.ThinkingPart(llm.Thinking{Text: "Other thoughts.", Signature: "sig-from-the-script"}),
		llm.TextPart("Done."),
	}}}}, llmtest.Options{})
	content := firstAnswerContent(t, fake)
	var th struct{ Type, Thinking, Signature string }
	if err := json.Unmarshal(content[0], &th); err != nil {
		t.Fatal(err)
	}
	if th.Type != "thinking" || th.Thinking != "Two commands will do." || len(th.Signature) < 40 || string(content[1]) != `{"type":"redacted_thinking","data":"EmwKAhgB"}` {
		t.Errorf("content = %s", content)
	}

	// The same thinking streams as thinking_delta events and one
	// signature_delta, with the same signature.
	a := send(t, http.MethodPost, fake.URL()+"/v1/messages", body(`"stream":true`, userHi), nil)
	var shapes []string
	var thinking, signature string
	for _, ev := range parseStream(t, string(a.body)) {
		shapes = append(shapes, shape(ev))
		if d, ok := ev.data["delta"].(map[string]any); ok {
			switch d["type"] {
			case "thinking_delta":
				thinking += d["thinking"].(string)
			case "signature_delta":
				signature += d["signature"].(string)
			}
		}
	}
	want := []string{
		"message_start message,message.content,message.id,message.model,message.role,message.stop_reason,message.stop_sequence,message.type,message.usage," +
			"message.usage.cache_creation,message.usage.cache_creation.ephemeral_1h_input_tokens,message.usage.cache_creation.ephemeral_5m_input_tokens," +
			"message.usage.cache_creation_input_tokens,message.usage.cache_read_input_tokens,message.usage.input_tokens,message.usage.output_tokens,message.usage.service_tier,type",
		"content_block_start/thinking content_block,content_block.thinking,content_block.type,index,type",
		"ping type",
		"content_block_delta/thinking_delta delta,delta.thinking,delta.type,index,type",
		"content_block_delta/thinking_delta delta,delta.thinking,delta.type,index,type",
		"content_block_delta/thinking_delta delta,delta.thinking,delta.type,index,type",
		"content_block_delta/signature_delta delta,delta.signature,delta.type,index,type",
		"content_block_stop index,type",
		"content_block_start/redacted_thinking content_block,content_block.data,content_block.type,index,type",
		"content_block_stop index,type",
	}
	if len(shapes) < len(want) || !reflect.DeepEqual(shapes[:len(want)], want) {
		t.Errorf("stream starts with\n%s\nwant\n%s", strings.Join(shapes, "\n"), strings.Join(want, "\n"))
	}
	if thinking != th.Thinking || signature != th.Signature {
		t.Errorf("streamed thinking %q signed %q, want %q signed %q", thinking, signature, th.Thinking, th.Signature)
	}

	// A scripted signature is used as it is.
	content = firstAnswerContent(t, fake)
	if string(content[0]) != `{"type":"thinking","thinking":"Other thoughts.","signature":"sig-from-the-script"}` {
		t.Errorf("content = %s", content)
	}
}

func TestFakeChecksThinkingIsSentBack(t *testing.T) {
	t.Parallel()
	res := results(result("toolu_A"), result("toolu_B"))
	assistant := func(blocks ...string) string {
		return `{"role":"assistant","content":[` + strings.Join(blocks, ",") + `]}`
	}
	useA := `{"type":"tool_use","id":"toolu_A","name":"bash","input":{"command":"ls"}}`
	useB := `{"type":"tool_use","id":"toolu_B","name":"bash","input":{}}`
	redacted := `{"type":"redacted_thinking","data":"EmwKAhgB"}`
	tests := []struct {
		name string
		// second builds the follow-up request from the answer's thinking
		// block as rendered.
		second      func(th string) string
		wantMessage string // "" for a 200
	}{
		{
			name: "unchanged, with a text block added and a cache breakpoint",
			second: func(th string) string {
				return body("", userHi, assistant(th, redacted, `{"type":"text","text":"Running."}`, useA, useB), res)
			},
		},
		{
			name: "string content elsewhere, the turn intact",
			second: func(th string) string {
				return body("", `{"role":"user","content":"hi"}`, assistant(th, redacted, useA, useB), res)
			},
		},
		{
			name:        "thinking left out",
			second:      func(string) string { return body("", userHi, assistant(useA, useB), res) },
			wantMessage: "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block",
		},
		{
			name:        "only the redacted block kept",
			second:      func(string) string { return body("", userHi, assistant(redacted, useA, useB), res) },
			wantMessage: "messages.1.content.0.type: Expected `thinking`, but found `redacted_thinking`.",
		},
		{
			name: "signature changed",
			second: func(th string) string {
				return body("", userHi, assistant(strings.Replace(th, `"signature":"`, `"signature":"x`, 1), redacted, useA, useB), res)
			},
			wantMessage: "messages.1.content.0: Invalid `signature` in `thinking` block",
		},
		{
			name:        "a thinking block added after the calls",
			second:      func(th string) string { return body("", userHi, assistant(th, redacted, useA, useB, th), res) },
			wantMessage: "messages.1.content.4.type: Found `thinking` after the last block of the original turn.",
		},
		{
			name:        "the calls swapped",
			second:      func(th string) string { return body("", userHi, assistant(th, redacted, useB, useA), res) },
			wantMessage: "messages.1.content.2: Expected `tool_use` toolu_A, but found `tool_use` toolu_B.",
		},
		{
			name: "a call left out",
			second: func(th string) string {
				return body("", userHi, assistant(th, redacted, useA), results(result("toolu_A")))
			},
			wantMessage: "messages.1.content.3: Expected `tool_use`, but the message ends.",
		},
		{
			name: "an assistant turn the fake never answered is not checked",
			second: func(string) string {
				return body("", userHi, assistant(`{"type":"tool_use","id":"toolu_X","name":"bash","input":{}}`), results(result("toolu_X")))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.Start([]llmtest.Turn{thinkingAnswer(), textTurn("ok")}, llmtest.Options{})
			defer fake.Close()
			th := string(firstAnswerContent(t, fake)[0])
			a := send(t, http.MethodPost, fake.URL()+"/v1/messages", tt.second(th), nil)
			if tt.wantMessage == "" {
				if a.status != 200 {
					t.Fatalf("answer %d %s", a.status, a.body)
				}
				if err := fake.Verify(); err != nil {
					t.Errorf("Verify = %v", err)
				}
				return
			}
			errType, message, _ := a.envelope(t)
			if a.status != 400 || errType != "invalid_request_error" || !strings.Contains(message, tt.wantMessage) {
				t.Errorf("answer %d %s %q\nwant 400 %q", a.status, errType, message, tt.wantMessage)
			}
			if err := fake.Verify(); err == nil || !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("Verify = %v", err)
			}
		})
	}
}

// TestFakeDoesNotCheckTurnsWithoutThinking sends back an answer that had
// no thinking with a thinking block the fake never issued: only turns that
// thought are checked.
func TestFakeDoesNotCheckTurnsWithoutThinking(t *testing.T) {
	t.Parallel()
	fake := llmtest.New(t, []llmtest.Turn{
		{Response: &llm.Response{Content: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: "toolu_A", Name: "bash"})}}},
		textTurn("ok"),
	}, llmtest.Options{})
	send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
	second := body("", userHi, `{"role":"assistant","content":[{"type":"tool_use","id":"toolu_A","name":"bash","input":{}}]}`, results(result("toolu_A")))
	if a := send(t, http.MethodPost, fake.URL()+"/v1/messages", second, nil); a.status != 200 {
		t.Errorf("answer %d %s", a.status, a.body)
	}
}

func TestLoadTurnsThinking(t *testing.T) {
	t.Parallel()
	turns, err := llmtest.LoadTurns(writeFile(t, `{"content":[{"type":"thinking","thinking":{"provider":"anthropic","text":"Plan.","signature":"c2ln"}},{"type":"text","text":"Done."}]}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	fake := llmtest.New(t, turns, llmtest.Options{})
	resp, err := client(fake).Complete(t.Context(), &llm.Request{Model: "m", MaxTokens: 8, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("go")}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []llm.Part{llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Text: "Plan.", Signature: "c2ln"}), llm.TextPart("Done.")}
	if !reflect.DeepEqual(resp.Content, want) {
		t.Errorf("content = %+v", resp.Content)
	}
}
