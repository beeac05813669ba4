package llmtest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxRequestBody mirrors the API's request size limit (32 MB); larger
// bodies get its 413.
const maxRequestBody = 32 << 20

// Options configures a fake server.
type Options struct {
	// BasePath is the mount prefix, e.g. "/anthropic" or "/openai/v1";
	// the fake answers POST BasePath+"/v1/messages" (Anthropic) and POST
	// BasePath+"/chat/completions" (OpenAI), and URL includes it. A
	// non-empty prefix catches clients that drop the base URL's path.
	BasePath string
	// APIKey is the key the fake expects: in x-api-key from an Anthropic
	// client, as "Authorization: Bearer <key>" from an OpenAI one. ""
	// accepts any non-empty x-api-key, and any Authorization header or
	// none, as a local Ollama server does.
	APIKey string
}

// Server is a fake model API on an httptest server, answering from a
// script of turns. It checks requests as the real API does, so a client
// that builds a wrong request fails against it. It is safe for concurrent
// requests.
type Server struct {
	srv      *httptest.Server
	basePath string
	apiKey   string
	formats  []wireFormat
	turns    []Turn
	// partialOf maps the index of a cut or reset fault to the index of
	// the answer it renders in part.
	partialOf map[int]int
	done      chan struct{} // closed by Close, to end delays

	mu       sync.Mutex
	next     int    // index of the next turn to serve
	ids      uint64 // counter behind every generated id
	attempts int
	accepted []scriptedRequest
	problems []string // what Verify reports besides unserved turns

	closeOnce sync.Once
}

// Start starts a fake server that answers the n-th valid request with
// turns[n]. It is not tied to a testing.T, so testscript setups can use it;
// call Close when done and Verify to learn whether the script was followed.
// A malformed script (see Turn) is a bug in the test and panics.
func Start(turns []Turn, opts Options) *Server {
	partialOf, err := checkScript(turns)
	if err != nil {
		panic("llmtest: " + err.Error())
	}
	s := &Server{
		basePath:  normalizeBasePath(opts.BasePath),
		apiKey:    opts.APIKey,
		formats:   []wireFormat{anthropicFormat{thinking: newThinkingLog()}, openAIFormat{}},
		turns:     slices.Clone(turns),
		partialOf: partialOf,
		done:      make(chan struct{}),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// New starts a fake server for the test t, answering both formats. When
// the test ends it closes the server and fails t if Verify reports a
// problem.
func New(t testing.TB, turns []Turn, opts Options) *Server {
	t.Helper()
	s := Start(turns, opts)
	t.Cleanup(func() {
		s.Close()
		if err := s.Verify(); err != nil {
			t.Errorf("llmtest: %v", err)
		}
	})
	return s
}

// NewAnthropic is New, under the name it had when the fake spoke only the
// Messages API.
//
// Deprecated: use New, which answers OpenAI clients too.
func NewAnthropic(t testing.TB, turns []Turn, opts Options) *Server {
	t.Helper()
	return New(t, turns, opts)
}

func normalizeBasePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// URL returns the base URL a client (or a task file's model.base_url)
// should use: the server's root plus BasePath, without /v1/messages or
// /chat/completions.
func (s *Server) URL() string { return s.srv.URL + s.basePath }

// Requests returns the Messages requests that passed validation, in
// arrival order, including those answered by a fault and any that came
// after the script ran out. The caller must not modify them.
func (s *Server) Requests() []MessagesRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []MessagesRequest
	for _, r := range s.accepted {
		if m, ok := r.(*MessagesRequest); ok {
			out = append(out, *m)
		}
	}
	return out
}

// ChatRequests returns the Chat Completions requests that passed
// validation, in arrival order, like Requests. The caller must not modify
// them.
func (s *Server) ChatRequests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ChatRequest
	for _, r := range s.accepted {
		if c, ok := r.(*ChatRequest); ok {
			out = append(out, *c)
		}
	}
	return out
}

// Attempts returns how many HTTP requests reached the server, valid or
// not: what a client's retries cost.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Verify returns nil if every turn was served, no request came beyond the
// script, no request was invalid and every Check passed; otherwise an error
// listing each problem.
func (s *Server) Verify() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if unserved := len(s.turns) - s.next; unserved > 0 {
		errs = append(errs, fmt.Errorf("%d of %d scripted turns never requested (first: turn %d)", unserved, len(s.turns), s.next+1))
	}
	for _, p := range s.problems {
		errs = append(errs, errors.New(p))
	}
	return errors.Join(errs...)
}

// Close shuts the server down, ending scripted delays and waiting for
// requests in flight. It may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.Close()
	})
}

func (s *Server) newID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids++
	return prefix + idSuffix(s.ids)
}

func (s *Server) addProblem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// route returns the format whose endpoint is path.
func (s *Server) route(path string) wireFormat {
	for _, f := range s.formats {
		if path == s.basePath+f.endpoint() {
			return f
		}
	}
	return nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.attempts++
	s.mu.Unlock()
	reqID := s.newID("req_01")
	f := s.route(r.URL.Path)
	if f == nil || r.Method != http.MethodPost {
		// The 404 is worded by the format whose endpoint the path ends
		// with (a client that dropped the base path), else the first.
		var endpoints []string
		wording := s.formats[0]
		for _, f := range s.formats {
			endpoints = append(endpoints, s.basePath+f.endpoint())
			if strings.HasSuffix(r.URL.Path, f.endpoint()) {
				wording = f
			}
		}
		s.reject(w, wording, reqID, &rejection{status: http.StatusNotFound, message: "Not Found",
			problem: fmt.Sprintf("%s %s: no such endpoint (the fake serves POST %s)", r.Method, r.URL.Path, strings.Join(endpoints, ", "))})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		s.reject(w, f, reqID, &rejection{status: http.StatusBadRequest, message: "could not read the request body", problem: "read body: " + err.Error()})
		return
	}
	if len(body) > maxRequestBody {
		s.reject(w, f, reqID, &rejection{status: http.StatusRequestEntityTooLarge, problem: "request body over 32 MB"})
		return
	}
	req, rej := f.accept(r, body, s.apiKey)
	if rej != nil {
		s.reject(w, f, reqID, rej)
		return
	}

	s.mu.Lock()
	s.accepted = append(s.accepted, req)
	n, idx := len(s.accepted), s.next
	if idx >= len(s.turns) {
		s.problems = append(s.problems, fmt.Sprintf("request %d came after all %d scripted turns were served", n, len(s.turns)))
		s.mu.Unlock()
		// x-should-retry: false spares the test a client's retries of
		// a 500 that cannot get better.
		s.writeError(w, f, reqID, http.StatusInternalServerError, "api_error", "llmtest: no scripted turn left",
			map[string]string{"x-should-retry": "false"})
		return
	}
	s.next++
	turn := s.turns[idx]
	s.mu.Unlock()

	if err := req.check(turn); err != nil {
		msg := fmt.Sprintf("llmtest: turn %d: check failed: %v", idx+1, err)
		s.addProblem("%s", msg)
		s.writeError(w, f, reqID, http.StatusBadRequest, "invalid_request_error", msg, nil)
		return
	}
	if !s.delay(r, turn.Delay) {
		return
	}
	switch {
	case turn.Fault != nil:
		s.serveFault(w, f, req, reqID, turn, idx)
	case turn.Response != nil:
		if turn.Response.RequestID != "" {
			reqID = turn.Response.RequestID
		}
		writeRendering(w, f, reqID, turn.Header, f.render(turn.Response, req, s.newID))
	default:
		s.writeError(w, f, reqID, turn.Status, turn.ErrorType, turn.ErrorMessage, turn.Header)
	}
}

// delay waits d before a turn is acted on. It reports false when the
// client went away or the server is closing, so nothing is written.
func (s *Server) delay(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

// reject answers an invalid request with the format's error envelope and
// remembers it for Verify.
func (s *Server) reject(w http.ResponseWriter, f wireFormat, reqID string, rej *rejection) {
	s.addProblem("invalid request (answered %d): %s", rej.status, rej.problem)
	s.writeError(w, f, reqID, rej.status, rej.errType, rej.message, nil)
}

func (s *Server) writeError(w http.ResponseWriter, f wireFormat, reqID string, status int, errType, message string, extra map[string]string) {
	h := w.Header()
	h.Set("content-type", "application/json")
	h.Set(f.requestIDHeader(), reqID)
	for k, v := range extra {
		h.Set(k, v)
	}
	w.WriteHeader(status)
	// A write error means the client went away; there is no one to tell.
	_, _ = w.Write(f.errorAnswer(status, errType, message, reqID))
}

// writeRendering sends a complete 200 answer, flushing each event of a
// stream as it goes, as the real API does.
func writeRendering(w http.ResponseWriter, f wireFormat, reqID string, extra map[string]string, out rendering) {
	writeHead(w, f, reqID, extra, out, -1)
	if out.events == nil {
		_, _ = w.Write(out.body)
		return
	}
	writeEvents(w, out.events)
}

// writeHead writes the headers of a 200 answer. contentLength ≥ 0 declares
// a length; otherwise the body is chunked.
func writeHead(w http.ResponseWriter, f wireFormat, reqID string, extra map[string]string, out rendering, contentLength int) {
	h := w.Header()
	h.Set("content-type", out.contentType)
	h.Set(f.requestIDHeader(), reqID)
	if out.events != nil {
		h.Set("cache-control", "no-cache")
	}
	if contentLength >= 0 {
		h.Set("content-length", fmt.Sprint(contentLength))
	}
	for k, v := range extra {
		h.Set(k, v)
	}
	w.WriteHeader(http.StatusOK)
}

func writeEvents(w http.ResponseWriter, events [][]byte) {
	rc := http.NewResponseController(w)
	for _, ev := range events {
		if _, err := w.Write(ev); err != nil {
			return
		}
		_ = rc.Flush()
	}
}
