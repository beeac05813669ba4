package llmtest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

func TestClientAgainstFake(t *testing.T) {
	t.Parallel()
	turns := []llmtest.Turn{
		{Response: &llm.Response{
			Content: []llm.Part{
				llm.TextPart("Let me look."),
				llm.ToolCallPart(llm.ToolCall{Name: "list_files"}),
				llm.ToolCallPart(llm.ToolCall{Name: "read_file", Input: json.RawMessage(`{"path":"go.mod"}`)}),
			},
			Usage: llm.Usage{InputTokens: 100, OutputTokens: 20, CacheReadTokens: 50, CacheWriteTokens: 10},
		}},
		{
			Response: &llm.Response{Model: "claude-pinned-1", Content: []llm.Part{llm.TextPart("Done.")}},
			Check: func(req *llmtest.MessagesRequest) error {
				last := req.Messages[len(req.Messages)-1]
				if len(last.Content) != 2 || last.Content[1].Content != "module x" || !last.Content[0].IsError {
					return fmt.Errorf("unexpected tool results %+v", last.Content)
				}
				return nil
			},
		},
	}
	fake := llmtest.New(t, turns, llmtest.Options{BasePath: "/anthropic/", APIKey: testKey})
	if !strings.HasSuffix(fake.URL(), "/anthropic") {
		t.Errorf("URL() = %q, want the base path", fake.URL())
	}
	c := client(fake)
	req := &llm.Request{
		Model:     "claude-test",
		MaxTokens: 256,
		System:    "You are terse.",
		Messages:  []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("What module is this?")}}},
		Tools: []llm.ToolDef{
			{Name: "list_files", Description: "List files."},
			{Name: "read_file", Description: "Read a file.", InputSchema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}}}`)},
		},
	}
	first, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	calls := first.Message().ToolCalls()
	if len(calls) != 2 || first.StopReason != llm.StopToolUse || first.Model != "claude-test" {
		t.Fatalf("first answer = %+v", first)
	}
	for _, c := range calls {
		if !strings.HasPrefix(c.ID, "toolu_01") || len(c.ID) != len("toolu_01")+22 {
			t.Errorf("generated tool id %q does not look like the API's", c.ID)
		}
	}
	if string(calls[0].Input) != `{}` || string(calls[1].Input) != `{"path":"go.mod"}` {
		t.Errorf("inputs = %s, %s", calls[0].Input, calls[1].Input)
	}
	if first.Usage != turns[0].Response.Usage || !strings.HasPrefix(first.ID, "msg_01") || !strings.HasPrefix(first.RequestID, "req_01") {
		t.Errorf("first answer metadata = id %q request %q usage %+v", first.ID, first.RequestID, first.Usage)
	}

	req.Messages = append(req.Messages, first.Message(), llm.Message{Role: llm.RoleUser, Content: []llm.Part{
		llm.ToolResultPart(llm.ToolResult{CallID: calls[0].ID, Content: "denied by policy", IsError: true}),
		llm.ToolResultPart(llm.ToolResult{CallID: calls[1].ID, Content: "module x"}),
	}})
	second, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if second.Message().Text() != "Done." || second.StopReason != llm.StopEndTurn || second.Model != "claude-pinned-1" {
		t.Errorf("second answer = %+v", second)
	}

	got := fake.Requests()
	if len(got) != 2 {
		t.Fatalf("fake saw %d requests, want 2", len(got))
	}
	r := got[1]
	if r.Model != "claude-test" || r.MaxTokens != 256 || r.System != "You are terse." || len(r.Tools) != 2 || len(r.Messages) != 3 {
		t.Errorf("decoded request = %+v", r)
	}
	if r.Header.Get("x-api-key") != testKey || r.Header.Get("user-agent") != "safe-coder" {
		t.Errorf("headers = %v", r.Header)
	}
	if uses := r.Messages[1].ToolUses(); len(uses) != 2 || uses[0].ID != calls[0].ID {
		t.Errorf("tool uses sent back = %+v", uses)
	}
}

func TestFakeRetriedErrorTurns(t *testing.T) {
	t.Parallel()
	fake := llmtest.New(t, []llmtest.Turn{
		{Status: 529, Header: map[string]string{"retry-after": "0"}},
		{Status: 429, ErrorMessage: "slow down", Header: map[string]string{"retry-after-ms": "1"}},
		textTurn("finally"),
	}, llmtest.Options{})
	resp, err := client(fake).Complete(t.Context(), &llm.Request{
		Model: "m", MaxTokens: 1, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Message().Text() != "finally" {
		t.Errorf("answer = %+v", resp)
	}
	if n := len(fake.Requests()); n != 3 {
		t.Errorf("fake saw %d attempts, want 3", n)
	}
}

func TestFakeErrorTurnAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		turn        llmtest.Turn
		wantType    string
		wantMessage string
	}{
		{llmtest.Turn{Status: 400}, "invalid_request_error", "Bad Request"},
		{llmtest.Turn{Status: 401}, "authentication_error", "invalid x-api-key"},
		{llmtest.Turn{Status: 403}, "permission_error", "permission"},
		{llmtest.Turn{Status: 404}, "not_found_error", "Not Found"},
		{llmtest.Turn{Status: 413}, "request_too_large", "maximum allowed number of bytes"},
		{llmtest.Turn{Status: 429}, "rate_limit_error", "rate limit"},
		{llmtest.Turn{Status: 500}, "api_error", "Internal server error"},
		{llmtest.Turn{Status: 503}, "api_error", "Service Unavailable"},
		{llmtest.Turn{Status: 529}, "overloaded_error", "Overloaded"},
		{llmtest.Turn{Status: 529, ErrorType: "custom_error", ErrorMessage: "custom"}, "custom_error", "custom"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.turn.Status, tt.wantType), func(t *testing.T) {
			t.Parallel()
			tt.turn.Header = map[string]string{"x-should-retry": "false"}
			fake := llmtest.New(t, []llmtest.Turn{tt.turn}, llmtest.Options{})
			a := send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
			errType, message, requestID := a.envelope(t)
			if a.status != tt.turn.Status || errType != tt.wantType || !strings.Contains(message, tt.wantMessage) {
				t.Errorf("answer %d %s %q", a.status, errType, message)
			}
			if a.header.Get("request-id") != requestID || !strings.HasPrefix(requestID, "req_01") {
				t.Errorf("request ids: header %q, envelope %q", a.header.Get("request-id"), requestID)
			}
			if a.header.Get("x-should-retry") != "false" || a.header.Get("content-type") != "application/json" {
				t.Errorf("headers = %v", a.header)
			}
		})
	}
}

// keyTree lists the keys of a JSON value, recursively, as paths.
func keyTree(prefix string, v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			*out = append(*out, prefix+k)
			keyTree(prefix+k+".", child, out)
		}
	case []any:
		for _, child := range v {
			keyTree(prefix+"[].", child, out)
		}
	}
}

func TestFakeSuccessBodyShape(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "anthropic", "anthropic_tool_use_parallel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded struct {
		Response struct {
			Body map[string]any `json:"body"`
		} `json:"response"`
	}
	if err := json.Unmarshal(data, &recorded); err != nil {
		t.Fatal(err)
	}
	fake := llmtest.New(t, []llmtest.Turn{{Response: &llm.Response{Content: []llm.Part{
		llm.TextPart("I'll look."),
		llm.ToolCallPart(llm.ToolCall{Name: "retrieve_entity_info", Input: json.RawMessage(`{"name":"Alice"}`)}),
	}}}}, llmtest.Options{})
	a := send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
	if a.status != 200 || a.header.Get("content-type") != "application/json" || !strings.HasPrefix(a.header.Get("request-id"), "req_01") {
		t.Fatalf("answer %d, headers %v", a.status, a.header)
	}
	var body map[string]any
	if err := json.Unmarshal(a.body, &body); err != nil {
		t.Fatal(err)
	}
	var got, want []string
	keyTree("", body, &got)
	keyTree("", recorded.Response.Body, &want)
	sort.Strings(got)
	sort.Strings(want)
	got, want = slices.Compact(got), slices.Compact(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields of the fake's answer differ from the recording:\n got %v\nwant %v", got, want)
	}
	if body["stop_sequence"] != nil || body["stop_reason"] != "tool_use" || body["type"] != "message" || body["model"] != "claude-test" {
		t.Errorf("answer = %s", a.body)
	}
}

func TestFakeIDsAreDeterministic(t *testing.T) {
	t.Parallel()
	run := func() []string {
		fake := llmtest.Start([]llmtest.Turn{{Response: &llm.Response{Content: []llm.Part{
			llm.ToolCallPart(llm.ToolCall{Name: "a"}), llm.ToolCallPart(llm.ToolCall{Name: "b"}),
		}}}}, llmtest.Options{})
		defer fake.Close()
		a := send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
		if err := fake.Verify(); err != nil {
			t.Fatal(err)
		}
		return []string{a.header.Get("request-id"), string(a.body)}
	}
	first, second := run(), run()
	if !reflect.DeepEqual(first, second) {
		t.Errorf("two servers with the same script answered differently:\n%v\n%v", first, second)
	}
	var body struct {
		ID      string `json:"id"`
		Content []struct {
			ID string `json:"id"`
		} `json:"content"`
	}
	if err := json.Unmarshal([]byte(first[1]), &body); err != nil {
		t.Fatal(err)
	}
	ids := []string{first[0], body.ID, body.Content[0].ID, body.Content[1].ID}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Errorf("ids repeat: %v", ids)
	}
}

func TestFakeVerify(t *testing.T) {
	t.Parallel()
	t.Run("all served", func(t *testing.T) {
		t.Parallel()
		fake := llmtest.Start([]llmtest.Turn{textTurn("a")}, llmtest.Options{})
		defer fake.Close()
		send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
		if err := fake.Verify(); err != nil {
			t.Errorf("Verify = %v", err)
		}
	})
	t.Run("unserved turn", func(t *testing.T) {
		t.Parallel()
		fake := llmtest.Start([]llmtest.Turn{textTurn("a"), textTurn("b"), textTurn("c")}, llmtest.Options{})
		defer fake.Close()
		send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
		if err := fake.Verify(); err == nil || !strings.Contains(err.Error(), "2 of 3 scripted turns never requested (first: turn 2)") {
			t.Errorf("Verify = %v", err)
		}
	})
	t.Run("request beyond the script", func(t *testing.T) {
		t.Parallel()
		fake := llmtest.Start([]llmtest.Turn{textTurn("a")}, llmtest.Options{})
		defer fake.Close()
		send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
		a := send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
		errType, message, _ := a.envelope(t)
		if a.status != 500 || errType != "api_error" || message != "llmtest: no scripted turn left" || a.header.Get("x-should-retry") != "false" {
			t.Errorf("answer %d %s %q %v", a.status, errType, message, a.header)
		}
		if err := fake.Verify(); err == nil || !strings.Contains(err.Error(), "request 2 came after all 1 scripted turns were served") {
			t.Errorf("Verify = %v", err)
		}
		if n := len(fake.Requests()); n != 2 {
			t.Errorf("Requests() has %d entries, want 2", n)
		}
	})
	t.Run("failed check", func(t *testing.T) {
		t.Parallel()
		turn := textTurn("a")
		turn.Check = func(req *llmtest.MessagesRequest) error {
			if req.System == "" {
				return errors.New("no system prompt")
			}
			return nil
		}
		fake := llmtest.Start([]llmtest.Turn{turn}, llmtest.Options{})
		defer fake.Close()
		a := send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
		if _, message, _ := a.envelope(t); a.status != 400 || !strings.Contains(message, "turn 1: check failed: no system prompt") {
			t.Errorf("answer %d %q", a.status, message)
		}
		if err := fake.Verify(); err == nil || !strings.Contains(err.Error(), "no system prompt") {
			t.Errorf("Verify = %v", err)
		}
	})
	t.Run("key never in Verify", func(t *testing.T) {
		t.Parallel()
		fake := llmtest.Start([]llmtest.Turn{textTurn("a")}, llmtest.Options{APIKey: testKey})
		defer fake.Close()
		a := send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, map[string]string{"x-api-key": "sk-wrong-SECRET"})
		if a.status != 401 || strings.Contains(string(a.body), "SECRET") {
			t.Errorf("answer %d %s", a.status, a.body)
		}
		err := fake.Verify()
		if err == nil || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), testKey) {
			t.Errorf("Verify = %v", err)
		}
	})
}

// recordingTB captures what New reports, to test the cleanup.
type recordingTB struct {
	testing.TB
	cleanups []func()
	errs     []string
}

func (r *recordingTB) Helper()          {}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func TestNewFailsTheTestOnCleanup(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	fake := llmtest.New(rec, []llmtest.Turn{textTurn("never asked")}, llmtest.Options{})
	if len(rec.cleanups) != 1 {
		t.Fatalf("registered %d cleanups, want 1", len(rec.cleanups))
	}
	rec.cleanups[0]()
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "1 of 1 scripted turns never requested") {
		t.Errorf("reported %q", rec.errs)
	}
	// The cleanup closed the server.
	if _, err := http.Post(fake.URL()+"/v1/messages", "application/json", strings.NewReader(validBody)); err == nil {
		t.Error("server still answers after cleanup")
	}
}

func TestStartPanicsOnMalformedScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		turn llmtest.Turn
		want string
	}{
		{"empty turn", llmtest.Turn{}, "turn 1: no Response, Status or Fault"},
		{"success status", llmtest.Turn{Status: 200}, "Status 200 is not an error status"},
		{"both", llmtest.Turn{Status: 500, Response: &llm.Response{}}, "more than one of Response, Status and Fault"},
		{"fault and response", llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultReset}, Response: &llm.Response{}}, "more than one of Response, Status and Fault"},
		{"unknown fault", llmtest.Turn{Fault: &llmtest.Fault{Kind: "explode"}}, `unknown fault kind "explode"`},
		{"html fault status", llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultHTML, Status: 302}}, "status 302 is not an HTTP error status"},
		{"cut without an answer after it", llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultCut}}, "a cut fault needs a Response turn after it"},
		{"negative events", llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultResetBody, Events: -1}}, "events is -1"},
		{"negative delay", llmtest.Turn{Status: 529, Delay: -time.Second}, "negative delay"},
		{"tool result", llmtest.Turn{Response: &llm.Response{Content: []llm.Part{llm.ToolResultPart(llm.ToolResult{CallID: "x"})}}}, `content.0: a response holds text, thinking and tool calls`},
		{"nameless tool call", llmtest.Turn{Response: &llm.Response{Content: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: "x"})}}}, `content.0: a response holds text, thinking and tool calls`},
		{"thinking without thinking", llmtest.Turn{Response: &llm.Response{Content: []llm.Part{{Type: llm.PartThinking}}}}, `content.0: a response holds text, thinking and tool calls`},
		{"redacted thinking with text", llmtest.Turn{Response: &llm.Response{Content: []llm.Part{llm.ThinkingPart(llm.Thinking{Text: "a", Redacted: "b"})}}},
			"content.0: a redacted thinking part has neither text nor signature"},
		{"bad input", llmtest.Turn{Response: &llm.Response{Content: []llm.Part{llm.ToolCallPart(llm.ToolCall{Name: "x", Input: json.RawMessage(`[1]`)})}}}, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %v, want %q", r, tt.want)
				}
			}()
			s := llmtest.Start([]llmtest.Turn{tt.turn}, llmtest.Options{})
			s.Close()
		})
	}
}

func TestFakeConcurrentRequests(t *testing.T) {
	t.Parallel()
	const n = 16
	turns := make([]llmtest.Turn, n)
	for i := range turns {
		turns[i] = textTurn(fmt.Sprintf("answer %d", i))
	}
	fake := llmtest.New(t, turns, llmtest.Options{})
	c := client(fake)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers = map[string]bool{}
	)
	for range n {
		wg.Go(func() {
			resp, err := c.Complete(t.Context(), &llm.Request{
				Model: "m", MaxTokens: 1, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}},
			})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			answers[resp.Message().Text()] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(answers) != n {
		t.Errorf("got %d distinct answers, want %d", len(answers), n)
	}
}
