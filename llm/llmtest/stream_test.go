package llmtest_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

// streamedEvent is one event of a raw stream.
type streamedEvent struct {
	name string
	data map[string]any
	line string // the data line as sent
}

func parseStream(t *testing.T, text string) []streamedEvent {
	t.Helper()
	var events []streamedEvent
	var cur streamedEvent
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.line = line
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &cur.data); err != nil {
				t.Fatalf("data line %q: %v", line, err)
			}
		case line == "":
			events = append(events, cur)
			cur = streamedEvent{}
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	return events
}

// shape is an event's type with the key paths of its data, sorted.
func shape(ev streamedEvent) string {
	var keys []string
	keyTree("", ev.data, &keys)
	sort.Strings(keys)
	keys = slices.Compact(keys)
	kind := ev.name
	if d, ok := ev.data["delta"].(map[string]any); ok && ev.name == "content_block_delta" {
		kind += "/" + d["type"].(string)
	}
	if b, ok := ev.data["content_block"].(map[string]any); ok {
		kind += "/" + b["type"].(string)
	}
	return kind + " " + strings.Join(keys, ",")
}

func TestFakeStreamLikeTheRecording(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "anthropic", "anthropic_stream_text_then_tool_use.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded struct {
		Response struct {
			Headers  map[string]string `json:"headers"`
			BodyText string            `json:"body_text"`
		} `json:"response"`
	}
	if err := json.Unmarshal(data, &recorded); err != nil {
		t.Fatal(err)
	}
	fake := llmtest.New(t, []llmtest.Turn{{Response: &llm.Response{Content: []llm.Part{
		llm.TextPart("I'll calculate the tip and get the waiter's name for you."),
		llm.ToolCallPart(llm.ToolCall{Name: "calculateTip", Input: json.RawMessage(`{"billAmount": 50, "tipPercentage": 15}`)}),
		llm.ToolCallPart(llm.ToolCall{Name: "getWaiterName"}),
	}, Usage: llm.Usage{InputTokens: 679, OutputTokens: 111}}}}, llmtest.Options{})
	a := send(t, http.MethodPost, fake.URL()+"/v1/messages", body(`"stream":true`, userHi), nil)
	if a.status != 200 || a.header.Get("content-type") != recorded.Response.Headers["content-type"] || !strings.HasPrefix(a.header.Get("request-id"), "req_01") {
		t.Fatalf("answer %d, headers %v", a.status, a.header)
	}
	got, want := parseStream(t, string(a.body)), parseStream(t, recorded.Response.BodyText)

	// The same events, in the same order, with the same fields; the
	// recorded text and input came in more fragments.
	collapse := func(events []streamedEvent) []string {
		var shapes []string
		for _, ev := range events {
			s := shape(ev)
			if len(shapes) == 0 || shapes[len(shapes)-1] != s {
				shapes = append(shapes, s)
			}
		}
		return shapes
	}
	if g, w := collapse(got), collapse(want); !reflect.DeepEqual(g, w) {
		t.Errorf("event shapes differ from the recording:\n got %q\nwant %q", g, w)
	}
	count := func(events []streamedEvent, deltaType string) int {
		n := 0
		for _, ev := range events {
			if d, ok := ev.data["delta"].(map[string]any); ok && d["type"] == deltaType {
				n++
			}
		}
		return n
	}
	if n := count(got, "text_delta"); n < 2 {
		t.Errorf("text sent in %d text_delta events, want a few", n)
	}
	if n := count(got, "input_json_delta"); n < 4 {
		t.Errorf("tool inputs sent in %d input_json_delta events, want several", n)
	}
	for _, ev := range got {
		if ev.name != "ping" && !strings.HasSuffix(ev.line, " ") {
			t.Errorf("data line %q is not padded like the API's", ev.line)
		}
	}
	last := got[len(got)-2].data
	if last["type"] != "message_delta" || last["delta"].(map[string]any)["stop_reason"] != "tool_use" ||
		last["usage"].(map[string]any)["output_tokens"] != 111.0 {
		t.Errorf("message_delta = %v", last)
	}
}

func TestFakeStreamRoundTrip(t *testing.T) {
	t.Parallel()
	want := &llm.Response{
		Content: []llm.Part{
			llm.TextPart("Ünïcödé text, split on rune boundaries: 日本語 ✓"),
			llm.ToolCallPart(llm.ToolCall{ID: "toolu_x", Name: "write_file", Input: json.RawMessage(`{"content":"ü\n\"quoted\"","path":"a.go"}`)}),
			llm.ToolCallPart(llm.ToolCall{ID: "toolu_y", Name: "list_files", Input: json.RawMessage(`{}`)}),
		},
		StopReason: llm.StopToolUse,
		Usage:      llm.Usage{InputTokens: 9, OutputTokens: 8, CacheReadTokens: 7, CacheWriteTokens: 6},
	}
	fake := llmtest.New(t, []llmtest.Turn{{Response: want}, {Response: &llm.Response{}}}, llmtest.Options{})
	got, err := client(fake).Complete(t.Context(), &llm.Request{Model: "m", MaxTokens: 5, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Content, want.Content) || got.StopReason != want.StopReason || got.Usage != want.Usage || got.Model != "m" {
		t.Errorf("answer:\n got %+v\nwant %+v", got, want)
	}
	// An empty answer streams too.
	empty, err := client(fake).Complete(t.Context(), &llm.Request{Model: "m", MaxTokens: 5, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}}})
	if err != nil || len(empty.Content) != 0 || empty.StopReason != llm.StopEndTurn {
		t.Errorf("empty answer = %+v, %v", empty, err)
	}
}
