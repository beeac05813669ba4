package llmtest_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "turns.jsonl")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const turnsFile = `# The API is overloaded once, then the model calls a tool and finishes.
{"error":{"status":529,"type":"overloaded_error","message":"Overloaded","headers":{"retry-after":"0"}}}

{"content":[{"type":"tool_call","tool_call":{"id":"toolu_1","name":"list_files","input":{}}}]}
  # a rate limit between the turns, with default type and message
{"error":{"status":429}}
{"content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn","usage":{"input_tokens":9,"output_tokens":2}}
`

func TestLoadTurns(t *testing.T) {
	t.Parallel()
	turns, err := llmtest.LoadTurns(writeFile(t, turnsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 4 {
		t.Fatalf("got %d turns, want 4", len(turns))
	}
	if e := turns[0]; e.Response != nil || e.Status != 529 || e.ErrorType != "overloaded_error" || e.ErrorMessage != "Overloaded" || e.Header["retry-after"] != "0" {
		t.Errorf("turn 1 = %+v", e)
	}
	if r := turns[1].Response; r == nil || r.StopReason != llm.StopToolUse || r.Message().ToolCalls()[0].ID != "toolu_1" {
		t.Errorf("turn 2 = %+v", turns[1])
	}
	if e := turns[2]; e.Status != 429 || e.ErrorType != "" || e.Header != nil {
		t.Errorf("turn 3 = %+v", e)
	}
	if r := turns[3].Response; r == nil || r.Message().Text() != "Done." || r.Usage.InputTokens != 9 {
		t.Errorf("turn 4 = %+v", turns[3])
	}

	// The loaded script drives a real client through the retries.
	fake := llmtest.New(t, turns, llmtest.Options{})
	c := client(fake)
	req := &llm.Request{Model: "m", MaxTokens: 8, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("go")}}}}
	first, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	req.Messages = append(req.Messages, first.Message(), llm.Message{Role: llm.RoleUser, Content: []llm.Part{
		llm.ToolResultPart(llm.ToolResult{CallID: "toolu_1", Content: "a.go"}),
	}})
	second, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if second.Message().Text() != "Done." {
		t.Errorf("second answer = %+v", second)
	}
}

const faultsFile = `# Every fault once, then the answer they all cut.
{"fault":{"kind":"html","status":503,"headers":{"retry-after":"1"}}}
{"fault":{"kind":"reset"},"delay_ms":20}
{"fault":{"kind":"reset_body","events":3}}
{"delay_ms":5,"fault":{"kind":"cut"}}
{"error":{"status":529},"delay_ms":1}
{"delay_ms":2,"content":[{"type":"text","text":"Whole."}]}
`

func TestLoadTurnsFaults(t *testing.T) {
	t.Parallel()
	turns, err := llmtest.LoadTurns(writeFile(t, faultsFile))
	if err != nil {
		t.Fatal(err)
	}
	want := []llmtest.Turn{
		{Fault: &llmtest.Fault{Kind: llmtest.FaultHTML, Status: 503}, Header: map[string]string{"retry-after": "1"}},
		{Fault: &llmtest.Fault{Kind: llmtest.FaultReset}, Delay: 20 * time.Millisecond},
		{Fault: &llmtest.Fault{Kind: llmtest.FaultResetBody, Events: 3}},
		{Fault: &llmtest.Fault{Kind: llmtest.FaultCut}, Delay: 5 * time.Millisecond},
		{Status: 529, Delay: time.Millisecond},
		{Response: &llm.Response{Content: []llm.Part{llm.TextPart("Whole.")}, StopReason: llm.StopEndTurn}, Delay: 2 * time.Millisecond},
	}
	if !reflect.DeepEqual(turns, want) {
		t.Fatalf("turns:\n got %+v\nwant %+v", turns, want)
	}

	// The script drives a streaming client through every fault.
	fake := llmtest.New(t, turns, llmtest.Options{})
	c := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: fake.URL(), APIKey: testKey, MaxAttempts: 6, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	resp, err := c.Complete(t.Context(), &llm.Request{Model: "m", MaxTokens: 8, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("go")}}}})
	if err != nil || resp.Message().Text() != "Whole." || resp.Attempts != 6 {
		t.Errorf("got %+v, %v", resp, err)
	}
}

func TestLoadTurnsOnlyErrors(t *testing.T) {
	t.Parallel()
	turns, err := llmtest.LoadTurns(writeFile(t, `{"error":{"status":500}}`+"\n"+`{"error":{"status":401,"message":"bad key"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 2 || turns[0].Status != 500 || turns[1].ErrorMessage != "bad key" {
		t.Errorf("turns = %+v", turns)
	}
}

func TestLoadTurnsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		wantErr string // after "PATH"
	}{
		{"empty", "# nothing here\n", ": no turns"},
		{"unknown error field", "# c\n" + `{"error":{"status":529,"retry":true}}`, `:2: decode error turn: json: unknown field "retry"`},
		{"field beside error", `{"error":{"status":529},"content":[]}`, `:1: decode error turn: json: unknown field "content"`},
		{"success status", `{"error":{"status":200}}`, ":1: error turn: status 200 is not an HTTP error status"},
		{"missing status", `{"error":{"type":"overloaded_error"}}`, ":1: error turn: status 0"},
		{"two objects", `{"error":{"status":529}} {"error":{"status":529}}`, ":1: text after the turn"},
		{"bad response line", `{"error":{"status":529}}` + "\n\n" + `{"content":[{"type":"text","text":""}]}`, ":3: invalid replay transcript: content.0"},
		{"not JSON", "\n" + `{"content":`, ":2: invalid replay transcript: decode turn"},
		{"unknown fault kind", `{"fault":{"kind":"explode"}}`, `:1: fault turn: unknown fault kind "explode"`},
		{"fault without kind", `{"fault":{}}`, `:1: fault turn: unknown fault kind ""`},
		{"unknown fault field", `{"fault":{"kind":"reset","after":3}}`, `:1: decode fault turn: json: unknown field "after"`},
		{"events on html", `{"fault":{"kind":"html","events":3}}`, ":1: fault turn: html fault: events applies to reset_body and cut only"},
		{"status on cut", `{"fault":{"kind":"cut","status":502}}`, ":1: fault turn: cut fault: status applies to html only"},
		{"headers on reset", `{"fault":{"kind":"reset","headers":{"a":"b"}}}`, ":1: fault turn: a reset sends no headers"},
		{"cut with no answer after it", `{"content":[{"type":"text","text":"a"}]}` + "\n" + `{"fault":{"kind":"cut"}}`, ": turn 2: a cut fault needs a Response turn after it"},
		{"negative delay on an error", `{"error":{"status":529},"delay_ms":-1}`, ":1: delay_ms: -1 is negative"},
		{"negative delay on a fault", `{"fault":{"kind":"reset"},"delay_ms":-5}`, ":1: delay_ms: -5 is negative"},
		{"delay not a number", `{"delay_ms":"soon","content":[{"type":"text","text":"a"}]}`, `:1: delay_ms: "soon" is not a non-negative number`},
		{"delay on an answer with trailing text", `{"delay_ms":1,"content":[{"type":"text","text":"a"}]} {}`, ":1: text after the turn's JSON object"},
		{"bad answer after a delay", `{"delay_ms":1,"content":[{"type":"text","text":""}]}`, ":1: invalid replay transcript: content.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tt.text)
			_, err := llmtest.LoadTurns(path)
			if err == nil || !strings.HasPrefix(err.Error(), path+tt.wantErr) {
				t.Errorf("err = %v, want prefix %q", err, path+tt.wantErr)
			}
		})
	}
	if _, err := llmtest.LoadTurns(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}
