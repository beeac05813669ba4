package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// handWritten is a transcript as a person writes one: comments, blank
// lines, an omitted stop_reason.
const handWritten = `# A two-call session.

  # turn 1: look around
{"content":[{"type":"text","text":"Let me look."},{"type":"tool_call","tool_call":{"id":"call_1","name":"list_files","input":{}}},{"type":"tool_call","tool_call":{"id":"call_2","name":"read_file","input":{"path":"go.mod"}}}],"usage":{"input_tokens":100,"output_tokens":20,"cache_read_tokens":7}}

# turn 2: edit
{"content":[{"type":"tool_call","tool_call":{"id":"call_3","name":"edit_file","input":{"path":"a.go","old_string":"x","new_string":"y"}}}],"stop_reason":"tool_use","id":"msg_2","model":"claude-test","request_id":"req_2"}
# turn 3: done
{"content":[{"type":"text","text":"Done."}]}
`

func writeTranscript(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "session.jsonl")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseTranscript(t *testing.T) {
	t.Parallel()
	turns, err := llm.ParseTranscript("session.jsonl", strings.NewReader(handWritten))
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 3 {
		t.Fatalf("got %d turns, want 3", len(turns))
	}
	want := []struct {
		stop  llm.StopReason
		calls int
		text  string
	}{
		{llm.StopToolUse, 2, "Let me look."},
		{llm.StopToolUse, 1, ""},
		{llm.StopEndTurn, 0, "Done."},
	}
	for i, w := range want {
		m := turns[i].Message()
		if turns[i].StopReason != w.stop || len(m.ToolCalls()) != w.calls || m.Text() != w.text {
			t.Errorf("turn %d = %+v, want stop %s, %d calls, text %q", i+1, turns[i], w.stop, w.calls, w.text)
		}
	}
	if turns[0].Usage != (llm.Usage{InputTokens: 100, OutputTokens: 20, CacheReadTokens: 7}) {
		t.Errorf("usage = %+v", turns[0].Usage)
	}
	if turns[1].ID != "msg_2" || turns[1].Model != "claude-test" || turns[1].RequestID != "req_2" {
		t.Errorf("turn 2 ids = %q %q %q", turns[1].ID, turns[1].Model, turns[1].RequestID)
	}
}

func TestParseTranscriptErrors(t *testing.T) {
	t.Parallel()
	const ok = `{"content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn"}`
	tests := []struct {
		name    string
		text    string
		wantErr string
	}{
		{"empty file", "", "t.jsonl: invalid replay transcript: no turns"},
		{"only comments", "# nothing\n\n", "no turns"},
		{"bad JSON", ok + "\n{\"content\":[\n", "t.jsonl:2: invalid replay transcript: decode turn"},
		{"unknown field", "# c\n" + `{"content":[],"stop_reason":"end_turn","temperature":1}`, `t.jsonl:2: invalid replay transcript: decode turn: json: unknown field "temperature"`},
		{"unknown part field", `{"content":[{"type":"text","text":"a","extra":1}]}`, `t.jsonl:1: invalid replay transcript: decode turn: json: unknown field "extra"`},
		{"two objects on a line", ok + " " + ok, "t.jsonl:1: invalid replay transcript: text after the turn"},
		{"nothing in turn", "\n\n{}", "t.jsonl:3: invalid replay transcript: turn has neither content nor a stop_reason"},
		{"unknown stop reason", `{"content":[],"stop_reason":"length"}`, `t.jsonl:1: invalid replay transcript: unknown stop_reason "length"`},
		{"empty text", `{"content":[{"type":"text","text":""}]}`, "content.0: a text part needs a non-empty"},
		{"text with tool call", `{"content":[{"type":"text","text":"a","tool_call":{"id":"c","name":"n","input":{}}}]}`, "content.0: a text part needs"},
		{"tool call missing", `{"content":[{"type":"tool_call"}]}`, `content.0: a tool_call part needs a "tool_call" object`},
		{"tool call no id", `{"content":[{"type":"tool_call","tool_call":{"name":"n","input":{}}}]}`, "needs an id and a name"},
		{"tool call no name", `{"content":[{"type":"tool_call","tool_call":{"id":"c","input":{}}}]}`, "needs an id and a name"},
		{"tool call no input", `{"content":[{"type":"tool_call","tool_call":{"id":"c","name":"n"}}]}`, `tool call "c": input must be a JSON object`},
		{"tool call array input", `{"content":[{"type":"tool_call","tool_call":{"id":"c","name":"n","input":[]}}]}`, "input must be a JSON object"},
		{"tool result in a turn", `{"content":[{"type":"tool_result","tool_result":{"call_id":"c","content":"x"}}]}`, "tool results are sent by the run"},
		{"unknown part type", `{"content":[{"type":"image"}]}`, `unknown part type "image"`},
		{"reused call id", `{"content":[{"type":"tool_call","tool_call":{"id":"c","name":"n","input":{}}}]}` + "\n# x\n" +
			`{"content":[{"type":"tool_call","tool_call":{"id":"c","name":"n","input":{}}}]}`, `t.jsonl:3: invalid replay transcript: content.0: tool call id "c" already used on line 1`},
		{"negative usage", `{"content":[],"stop_reason":"end_turn","usage":{"output_tokens":-1}}`, "negative token count"},
		{"thinking missing", `{"content":[{"type":"thinking"}]}`, `content.0: a thinking part needs a "thinking" object and nothing else`},
		{"thinking with text", `{"content":[{"type":"thinking","text":"a","thinking":{"text":"b"}}]}`, `a thinking part needs a "thinking" object and nothing else`},
		{"empty thinking", `{"content":[{"type":"thinking","thinking":{"provider":"anthropic"}}]}`, "needs a text, a signature or redacted data"},
		{"redacted with text", `{"content":[{"type":"thinking","thinking":{"text":"a","redacted":"b"}}]}`, "a redacted thinking part has neither text nor signature"},
		{"unknown thinking field", `{"content":[{"type":"thinking","thinking":{"text":"a","budget":1}}]}`, `unknown field "budget"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			turns, err := llm.ParseTranscript("t.jsonl", strings.NewReader(tt.text))
			if err == nil {
				t.Fatalf("parsed %d turns, want error %q", len(turns), tt.wantErr)
			}
			if !errors.Is(err, llm.ErrTranscriptInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want ErrTranscriptInvalid containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestParseTranscriptThinking reads a recorded Anthropic turn with its
// thinking, which the transcript keeps in place.
func TestParseTranscriptThinking(t *testing.T) {
	t.Parallel()
	text := `{"content":[{"type":"thinking","thinking":{"provider":"anthropic","text":"Check go.mod first.","signature":"EqQBsig=="}},` +
		`{"type":"thinking","thinking":{"provider":"anthropic","redacted":"EmwKAhgBEgy"}},{"type":"text","text":"Reading."},` +
		`{"type":"tool_call","tool_call":{"id":"call_1","name":"read_file","input":{"path":"go.mod"}}}]}`
	turns, err := llm.ParseTranscript("t.jsonl", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []llm.Part{
		llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Text: "Check go.mod first.", Signature: "EqQBsig=="}),
		llm.ThinkingPart(llm.Thinking{Provider: "anthropic", Redacted: "EmwKAhgBEgy"}),
		llm.TextPart("Reading."),
		llm.ToolCallPart(llm.ToolCall{ID: "call_1", Name: "read_file", Input: json.RawMessage(`{"path":"go.mod"}`)}),
	}
	if !reflect.DeepEqual(turns[0].Content, want) || turns[0].StopReason != llm.StopToolUse {
		t.Errorf("turn = %+v", turns[0])
	}
	if m := turns[0].Message(); m.Text() != "Reading." || len(m.ToolCalls()) != 1 {
		t.Errorf("text %q, calls %v: thinking must not count as either", m.Text(), m.ToolCalls())
	}
}

// results returns a user message answering the given call ids.
func results(ids ...string) llm.Message {
	m := llm.Message{Role: llm.RoleUser}
	for _, id := range ids {
		m.Content = append(m.Content, llm.ToolResultPart(llm.ToolResult{CallID: id, Content: "ok"}))
	}
	return m
}

func TestReplaySession(t *testing.T) {
	t.Parallel()
	r, err := llm.NewReplay(writeTranscript(t, handWritten))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	req := simpleRequest()
	first, err := r.Complete(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Messages = append(req.Messages, first.Message(), results("call_2", "call_1"))
	// An is_error result still answers its call.
	req.Messages[len(req.Messages)-1].Content[0].ToolResult.IsError = true
	second, err := r.Complete(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Messages = append(req.Messages, second.Message(), results("call_3"))
	third, err := r.Complete(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if third.Message().Text() != "Done." {
		t.Errorf("third turn = %+v", third)
	}
	req.Messages = append(req.Messages, third.Message(), llm.Message{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("tests fail")}})
	_, err = r.Complete(ctx, req)
	if !errors.Is(err, llm.ErrTranscriptExhausted) || !strings.Contains(err.Error(), "all 3 turns") {
		t.Errorf("err = %v, want ErrTranscriptExhausted naming 3 turns", err)
	}
}

func TestReplayDivergence(t *testing.T) {
	t.Parallel()
	afterFirst := func(last ...llm.Message) *llm.Request {
		req := simpleRequest()
		req.Messages = append(req.Messages, last...)
		return req
	}
	assistant := llm.Message{Role: llm.RoleAssistant, Content: []llm.Part{llm.TextPart("Let me look.")}}
	tests := []struct {
		name    string
		req     *llm.Request
		wantErr string
	}{
		{"missing result", afterFirst(assistant, results("call_1")), `no result for call "call_2" (read_file)`},
		{"extra result", afterFirst(assistant, results("call_1", "call_2", "call_9")), `result for unrecorded call "call_9"`},
		{"duplicate result", afterFirst(assistant, results("call_1", "call_2", "call_1")), `second result for call "call_1"`},
		{"last message from assistant", afterFirst(assistant), `the last message is from "assistant"`},
		{"text instead of results", afterFirst(assistant, llm.Message{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("go on")}}), `no result for call "call_1"`},
		{"no messages", &llm.Request{Model: "m", MaxTokens: 1}, "the request has no messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			turns, err := llm.ParseTranscript("t", strings.NewReader(handWritten))
			if err != nil {
				t.Fatal(err)
			}
			r, err := llm.NewReplay(writeTranscript(t, handWritten))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Complete(t.Context(), simpleRequest()); err != nil {
				t.Fatal(err)
			}
			_, err = r.Complete(t.Context(), tt.req)
			if !errors.Is(err, llm.ErrTranscriptDiverged) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrTranscriptDiverged containing %q", err, tt.wantErr)
			}
			// A diverged request does not consume the turn.
			got, err := r.Complete(t.Context(), afterFirst(assistant, results("call_1", "call_2")))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, turns[1]) {
				t.Errorf("after divergence got %+v, want turn 2", got)
			}
		})
	}
}

func TestReplayReturnsDeepCopies(t *testing.T) {
	t.Parallel()
	const transcript = `{"content":[{"type":"text","text":"a"},{"type":"tool_call","tool_call":{"id":"c1","name":"n","input":{"k":"v"}}}]}` + "\n" +
		`{"content":[{"type":"text","text":"b"}]}`
	r, err := llm.NewReplay(writeTranscript(t, transcript))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Complete(t.Context(), simpleRequest())
	if err != nil {
		t.Fatal(err)
	}
	answered := got.Message().ToolCalls()[0].ID
	// Scribble over everything the caller received. The replay checks the
	// next request against its own copy of turn 1, which must still name
	// call c1.
	got.Content[1].ToolCall.ID = "changed"
	got.Content[1].ToolCall.Input[2] = 'X'
	got.Content[0] = llm.TextPart("changed")
	req := simpleRequest()
	req.Messages = append(req.Messages, got.Message(), results(answered))
	if _, err := r.Complete(t.Context(), req); err != nil {
		t.Errorf("replay state was changed through a returned response: %v", err)
	}
}

func TestReplayCancelled(t *testing.T) {
	t.Parallel()
	r, err := llm.NewReplay(writeTranscript(t, handWritten))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := r.Complete(ctx, simpleRequest()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestNewReplayErrors(t *testing.T) {
	t.Parallel()
	if _, err := llm.NewReplay(filepath.Join(t.TempDir(), "missing.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
	path := writeTranscript(t, "# only\n{\"content\":[{\"type\":\"bogus\"}]}\n")
	_, err := llm.NewReplay(path)
	if !errors.Is(err, llm.ErrTranscriptInvalid) || !strings.HasPrefix(err.Error(), path+":2: ") {
		t.Errorf("err = %v, want %s:2: …", err, path)
	}
}

func TestReplayTurnsAreJSONRoundTrips(t *testing.T) {
	t.Parallel()
	// A Response written by json.Marshal is a valid transcript line, so a
	// recorder can write transcripts with the standard encoder.
	resp := llm.Response{
		ID: "msg_1", Model: "m", StopReason: llm.StopToolUse, RequestID: "req_1",
		Content: []llm.Part{
			llm.TextPart("x"),
			llm.ToolCallPart(llm.ToolCall{ID: "c", Name: "bash", Input: json.RawMessage(`{"command":"ls"}`)}),
		},
		Usage: llm.Usage{InputTokens: 1, OutputTokens: 2, CacheReadTokens: 3, CacheWriteTokens: 4},
	}
	line, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	turns, err := llm.ParseTranscript("t", strings.NewReader(string(line)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(turns[0], resp) {
		t.Errorf("round trip:\n got %+v\nwant %+v", turns[0], resp)
	}
}

// A resumed run's first request carries the recorded answers: the
// transcript goes on after them.
func TestReplayResumesAfterRecordedAnswers(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.jsonl")
	lines := `{"content":[{"type":"text","text":"one"}]}
{"content":[{"type":"text","text":"two"}]}
{"content":[{"type":"text","text":"three"}]}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := llm.NewReplay(path)
	if err != nil {
		t.Fatal(err)
	}
	user := llm.Message{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("go")}}
	answer := func(s string) llm.Message {
		return llm.Message{Role: llm.RoleAssistant, Content: []llm.Part{llm.TextPart(s)}}
	}
	req := &llm.Request{Messages: []llm.Message{user, answer("one"), user, answer("two"), user}}
	got, err := r.Complete(t.Context(), req)
	if err != nil || got.Message().Text() != "three" {
		t.Fatalf("resumed request answered %v, %v; want turn 3", got, err)
	}
	if _, err := r.Complete(t.Context(), req); !errors.Is(err, llm.ErrTranscriptExhausted) {
		t.Errorf("after the last turn: %v", err)
	}
}
