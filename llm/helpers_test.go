package llm_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
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
	for _, b := range s.bodies[1:] {
		if !bytes.Equal(b, s.bodies[0]) {
			return false
		}
	}
	return true
}

// okBody is a minimal valid Messages answer.
const okBody = `{"id":"msg_01ok","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}`

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

// fastOptions are client options with millisecond waits for tests.
func fastOptions(baseURL string) llm.AnthropicOptions {
	return llm.AnthropicOptions{
		BaseURL:      baseURL,
		APIKey:       testAPIKey,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
}
