package llm_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// testAPIKey looks like a real key so that a leak is easy to grep for.
const testAPIKey = "sk-ant-api03-TESTKEY-never-print-me"

// step is one scripted HTTP answer of a scriptedServer.
type step struct {
	status int
	header map[string]string
	body   string
	// hangup closes the connection before any response byte is written.
	hangup bool
	// truncate declares a longer Content-Length than the body it writes,
	// so the client sees the connection end mid-body.
	truncate bool
}

// sse returns a 200 step that streams body as an event stream.
func sse(body string) step {
	return step{status: 200, header: map[string]string{"content-type": "text/event-stream; charset=utf-8"}, body: body}
}

// scriptedServer answers attempt n with steps[n] and records what came. It
// fails the test when an attempt beyond the script arrives or a step was
// never used.
type scriptedServer struct {
	t     *testing.T
	steps []step
	path  string

	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	requests chan struct{} // receives one value per attempt, never blocks
}

func newScriptedServer(t *testing.T, path string, steps ...step) (*scriptedServer, *httptest.Server) {
	t.Helper()
	s := &scriptedServer{t: t, steps: steps, path: path, requests: make(chan struct{}, len(steps)+16)}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		if got := s.attempts(); got != len(steps) {
			t.Errorf("server saw %d attempts, script has %d steps", got, len(steps))
		}
	})
	return s, srv
}

func (s *scriptedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Errorf("read request body: %v", err)
	}
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	s.headers = append(s.headers, r.Header.Clone())
	n := len(s.bodies)
	s.mu.Unlock()
	select {
	case s.requests <- struct{}{}:
	default:
	}
	if r.URL.Path != s.path {
		s.t.Errorf("attempt %d: path %q, want %q", n, r.URL.Path, s.path)
	}
	if n > len(s.steps) {
		s.t.Errorf("attempt %d beyond the %d scripted steps", n, len(s.steps))
		w.Header().Set("x-should-retry", "false")
		http.Error(w, "unscripted attempt", http.StatusTeapot)
		return
	}
	st := s.steps[n-1]
	if st.hangup {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			s.t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
		return
	}
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("content-type") == "" {
		w.Header().Set("content-type", "application/json")
	}
	if st.truncate {
		w.Header().Set("content-length", "100000")
	}
	w.WriteHeader(st.status)
	_, _ = io.WriteString(w, st.body)
}

func (s *scriptedServer) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// body returns the request body of attempt i (0-based).
func (s *scriptedServer) body(i int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[i]
}

// header returns the request headers of attempt i (0-based).
func (s *scriptedServer) header(i int) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headers[i]
}

// sameBodies reports whether every attempt sent the same bytes.
func (s *scriptedServer) sameBodies() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bodies) == 0 {
		return true
	}
	for _, b := range s.bodies[1:] {
		if !bytes.Equal(b, s.bodies[0]) {
			return false
		}
	}
	return true
}

// fakeClock is an llm.Clock that does not sleep: Sleep records the wait
// and moves the clock forward by it.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// newFakeClock starts on the next whole second of real time: on a whole
// second so that HTTP dates (whole seconds) give exact waits, and ahead of
// real time so that a context made with context.WithDeadline(ctx,
// clock.Now().Add(d)) has at least d of real time left.
func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().Truncate(time.Second).Add(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

// Waits returns the waits asked for so far.
func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}

// okBody is a minimal valid Messages answer.
const okBody = `{"id":"msg_01ok","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}`

// okStream is okBody as a stream.
const okStream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01ok\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n" +
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"ok\"}}\n\n" +
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
	"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n" +
	"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"

// errorEnvelope returns the API's error body.
func errorEnvelope(errType, message string) string {
	return `{"type":"error","error":{"type":"` + errType + `","message":"` + message + `"},"request_id":"req_env"}`
}

// simpleRequest is a one-message conversation.
func simpleRequest() *llm.Request {
	return &llm.Request{
		Model:     "claude-test",
		MaxTokens: 64,
		Messages:  []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hello")}}},
	}
}

// fastOptions are client options for tests of whole JSON answers: a fake
// clock, so retries do not sleep, and millisecond waits for the tests
// that put the real clock back.
func fastOptions(baseURL string) llm.AnthropicOptions {
	return llm.AnthropicOptions{
		BaseURL:      baseURL,
		APIKey:       testAPIKey,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Clock:        newFakeClock(),
		NoStream:     true,
	}
}
