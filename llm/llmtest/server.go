package llmtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// maxRequestBody mirrors the API's request size limit (32 MB); larger
// bodies get its 413.
const maxRequestBody = 32 << 20

// Options configures a fake server.
type Options struct {
	// BasePath is the mount prefix, e.g. "/anthropic"; the fake answers
	// POST BasePath+"/v1/messages" and URL includes it. A non-empty prefix
	// catches clients that drop the base URL's path.
	BasePath string
	// APIKey is the x-api-key the fake expects; "" accepts any non-empty key.
	APIKey string
}

// Server is a fake Anthropic Messages API on an httptest server, answering
// from a script of turns. It checks requests as the real API does, so a
// client that builds a wrong request fails against it. It is safe for
// concurrent requests.
type Server struct {
	srv      *httptest.Server
	basePath string
	apiKey   string
	turns    []Turn

	mu       sync.Mutex
	next     int    // index of the next turn to serve
	ids      uint64 // counter behind every generated id
	requests []MessagesRequest
	problems []string // what Verify reports besides unserved turns

	closeOnce sync.Once
}

// Start starts a fake server that answers the n-th valid request with
// turns[n]. It is not tied to a testing.T, so testscript setups can use it;
// call Close when done and Verify to learn whether the script was followed.
// A malformed script (a turn with neither Response nor an error Status, or
// a Response holding tool results) is a bug in the test and panics.
func Start(turns []Turn, opts Options) *Server {
	for i, t := range turns {
		if err := t.validate(); err != nil {
			panic(fmt.Sprintf("llmtest: turn %d: %v", i+1, err))
		}
	}
	s := &Server{
		basePath: normalizeBasePath(opts.BasePath),
		apiKey:   opts.APIKey,
		turns:    slices.Clone(turns),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// NewAnthropic starts a fake server for the test t. When the test ends it
// closes the server and fails t if Verify reports a problem.
func NewAnthropic(t testing.TB, turns []Turn, opts Options) *Server {
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

func normalizeBasePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// URL returns the base URL a client (or a task file's model.base_url)
// should use: the server's root plus BasePath, without /v1/messages.
func (s *Server) URL() string { return s.srv.URL + s.basePath }

// Requests returns the requests that passed validation, in arrival order,
// including any that came after the script ran out. The caller must not
// modify them.
func (s *Server) Requests() []MessagesRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
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

// Close shuts the server down, waiting for requests in flight. It may be
// called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(s.srv.Close)
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

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	reqID := s.newID("req_01")
	endpoint := s.basePath + "/v1/messages"
	if r.Method != http.MethodPost || r.URL.Path != endpoint {
		s.reject(w, reqID, http.StatusNotFound, "Not Found",
			fmt.Sprintf("%s %s: no such endpoint (the fake serves POST %s)", r.Method, r.URL.Path, endpoint))
		return
	}
	if key := r.Header.Get("x-api-key"); key == "" || (s.apiKey != "" && key != s.apiKey) {
		// The problem text never quotes the key: Verify's error ends up in
		// test logs.
		s.reject(w, reqID, http.StatusUnauthorized, "invalid x-api-key", "missing or wrong x-api-key header")
		return
	}
	switch v := r.Header.Get("anthropic-version"); v {
	case "2023-06-01", "2023-01-01":
	case "":
		s.reject(w, reqID, http.StatusBadRequest, "anthropic-version: header is required", "no anthropic-version header")
		return
	default:
		s.reject(w, reqID, http.StatusBadRequest, fmt.Sprintf("anthropic-version: invalid version %q", v), "unknown anthropic-version "+v)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		s.reject(w, reqID, http.StatusBadRequest, "could not read the request body", "read body: "+err.Error())
		return
	}
	if len(body) > maxRequestBody {
		s.reject(w, reqID, http.StatusRequestEntityTooLarge, defaultErrorMessage(http.StatusRequestEntityTooLarge), "request body over 32 MB")
		return
	}
	req, err := decodeRequest(body)
	if err != nil {
		s.reject(w, reqID, http.StatusBadRequest, err.Error(), "invalid request body: "+err.Error())
		return
	}
	req.Header = r.Header.Clone()
	req.Body = body

	s.mu.Lock()
	s.requests = append(s.requests, *req)
	n, idx := len(s.requests), s.next
	if idx >= len(s.turns) {
		s.problems = append(s.problems, fmt.Sprintf("request %d came after all %d scripted turns were served", n, len(s.turns)))
		s.mu.Unlock()
		// x-should-retry: false spares the test a client's retries of
		// a 500 that cannot get better.
		s.writeJSON(w, http.StatusInternalServerError, reqID, map[string]string{"x-should-retry": "false"},
			errorBody("api_error", "llmtest: no scripted turn left", reqID))
		return
	}
	s.next++
	turn := s.turns[idx]
	s.mu.Unlock()

	if turn.Check != nil {
		if err := turn.Check(req); err != nil {
			msg := fmt.Sprintf("llmtest: turn %d: check failed: %v", idx+1, err)
			s.addProblem("%s", msg)
			s.writeJSON(w, http.StatusBadRequest, reqID, nil, errorBody("invalid_request_error", msg, reqID))
			return
		}
	}
	s.answer(w, reqID, turn, req)
}

// reject answers an invalid request with the API's error envelope and
// remembers it for Verify.
func (s *Server) reject(w http.ResponseWriter, reqID string, status int, message, problem string) {
	s.addProblem("invalid request (answered %d): %s", status, problem)
	s.writeJSON(w, status, reqID, nil, errorBody(defaultErrorType(status), message, reqID))
}

func (s *Server) answer(w http.ResponseWriter, reqID string, turn Turn, req *MessagesRequest) {
	if turn.Response == nil {
		errType, message := turn.ErrorType, turn.ErrorMessage
		if errType == "" {
			errType = defaultErrorType(turn.Status)
		}
		if message == "" {
			message = defaultErrorMessage(turn.Status)
		}
		s.writeJSON(w, turn.Status, reqID, turn.Header, errorBody(errType, message, reqID))
		return
	}
	if turn.Response.RequestID != "" {
		reqID = turn.Response.RequestID
	}
	s.writeJSON(w, http.StatusOK, reqID, turn.Header, messageBody(turn.Response, req.Model, s.newID))
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, reqID string, extra map[string]string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.addProblem("encode answer: %v", err)
		http.Error(w, "llmtest: encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("content-type", "application/json")
	h.Set("request-id", reqID)
	for k, v := range extra {
		h.Set(k, v)
	}
	w.WriteHeader(status)
	// A write error means the client went away; there is no one to tell.
	_, _ = w.Write(body)
}
