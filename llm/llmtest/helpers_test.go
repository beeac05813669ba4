package llmtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/llm/llmtest"
)

const testKey = "sk-ant-api03-fake-TESTKEY"

// answer is what the fake sent back to a raw request.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// envelope decodes an error answer.
func (a answer) envelope(t *testing.T) (errType, message, requestID string) {
	t.Helper()
	var env struct {
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(a.body, &env); err != nil || env.Type != "error" {
		t.Fatalf("answer %d %s is not an error envelope (%v)", a.status, a.body, err)
	}
	return env.Error.Type, env.Error.Message, env.RequestID
}

// send makes one raw request. header values override the defaults of a
// well-behaved client; an empty value removes the header.
func send(t *testing.T, method, url, body string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-api-key", testKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("content-type", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

// validBody is a minimal request the API accepts.
const validBody = `{"model":"claude-test","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`

func textTurn(text string) llmtest.Turn {
	return llmtest.Turn{Response: &llm.Response{Content: []llm.Part{llm.TextPart(text)}, StopReason: llm.StopEndTurn}}
}

// client returns an llm.Anthropic pointed at s with millisecond retries.
func client(s *llmtest.Server) *llm.Anthropic {
	return llm.NewAnthropic(llm.AnthropicOptions{
		BaseURL:      s.URL(),
		APIKey:       testKey,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	})
}
