package llm_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

func TestAnthropicRetries(t *testing.T) {
	t.Parallel()
	overloaded := step{status: 529, body: errorEnvelope("overloaded_error", "Overloaded")}
	ok := step{status: 200, body: okBody}
	tests := []struct {
		name         string
		steps        []step
		maxAttempts  int
		slowBackoff  bool   // RetryWaitMin of 1 minute: only a server hint can make the test pass in time
		wantStatus   int    // 0: success expected
		wantType     string // APIError.Type
		wantConnErr  bool   // a transport error after the last attempt
		wantLogLines int
	}{
		{name: "529 then 200", steps: []step{overloaded, ok}, wantLogLines: 1},
		{name: "429 retry-after 0", slowBackoff: true, wantLogLines: 1, steps: []step{
			{status: 429, header: map[string]string{"retry-after": "0"}, body: errorEnvelope("rate_limit_error", "slow down")}, ok}},
		{name: "429 retry-after-ms wins over retry-after", slowBackoff: true, wantLogLines: 1, steps: []step{
			{status: 429, header: map[string]string{"retry-after-ms": "3", "retry-after": "3600"}, body: errorEnvelope("rate_limit_error", "slow down")}, ok}},
		{name: "503 retry-after date in the past", slowBackoff: true, wantLogLines: 1, steps: []step{
			{status: 503, header: map[string]string{"retry-after": "Mon, 18 Aug 2025 12:43:05 GMT"}, body: "upstream unavailable"}, ok}},
		{name: "503 without hint", steps: []step{{status: 503, body: errorEnvelope("api_error", "unavailable")}, ok}, wantLogLines: 1},
		{name: "every retryable status", wantLogLines: 8, steps: []step{
			{status: 408}, {status: 409}, {status: 429}, {status: 500}, {status: 502}, {status: 503}, {status: 504}, overloaded, ok},
			maxAttempts: 9},
		{name: "connection reset before headers", steps: []step{{hangup: true}, ok}, wantLogLines: 1},
		{name: "connection cut mid-body", steps: []step{{status: 200, truncate: true, body: okBody[:20]}, ok}, wantLogLines: 1},
		{name: "x-should-retry true on 400", wantLogLines: 1, steps: []step{
			{status: 400, header: map[string]string{"x-should-retry": "true"}, body: errorEnvelope("invalid_request_error", "try again")}, ok}},
		{name: "x-should-retry false on 500", wantStatus: 500, wantType: "api_error", steps: []step{
			{status: 500, header: map[string]string{"x-should-retry": "false"}, body: errorEnvelope("api_error", "Internal server error")}}},
		{name: "400 at once", wantStatus: 400, wantType: "invalid_request_error", steps: []step{{status: 400, body: errorEnvelope("invalid_request_error", "bad")}}},
		{name: "401 at once", wantStatus: 401, wantType: "authentication_error", steps: []step{{status: 401, body: errorEnvelope("authentication_error", "invalid x-api-key")}}},
		{name: "403 at once", wantStatus: 403, wantType: "permission_error", steps: []step{{status: 403, body: errorEnvelope("permission_error", "no")}}},
		{name: "404 at once", wantStatus: 404, wantType: "not_found_error", steps: []step{{status: 404, body: errorEnvelope("not_found_error", "model: x")}}},
		{name: "413 at once", wantStatus: 413, wantType: "request_too_large", steps: []step{{status: 413, body: errorEnvelope("request_too_large", "too big")}}},
		{name: "422 at once", wantStatus: 422, wantType: "invalid_request_error", steps: []step{{status: 422, body: errorEnvelope("invalid_request_error", "unprocessable")}}},
		{name: "attempts exhausted", maxAttempts: 3, wantStatus: 529, wantType: "overloaded_error", wantLogLines: 2,
			steps: []step{overloaded, overloaded, overloaded}},
		{name: "connection errors exhausted", maxAttempts: 2, wantConnErr: true, wantLogLines: 1,
			steps: []step{{hangup: true}, {hangup: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, srv := newScriptedServer(t, "/v1/messages", tt.steps...)
			var log bytes.Buffer
			opts := fastOptions(srv.URL)
			opts.MaxAttempts = tt.maxAttempts
			opts.Log = &log
			if tt.slowBackoff {
				opts.RetryWaitMin, opts.RetryWaitMax = time.Minute, 2*time.Minute
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()

			resp, err := llm.NewAnthropic(opts).Complete(ctx, simpleRequest())

			if got, want := fake.attempts(), len(tt.steps); got != want {
				t.Errorf("attempts = %d, want %d", got, want)
			}
			if !fake.sameBodies() {
				t.Error("the attempts sent different bodies")
			}
			if err != nil && strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("error reveals the API key: %v", err)
			}
			if strings.Contains(log.String(), testAPIKey) {
				t.Errorf("log reveals the API key: %s", log.String())
			}
			if lines := strings.Count(log.String(), "\n"); lines != tt.wantLogLines {
				t.Errorf("log has %d lines, want %d:\n%s", lines, tt.wantLogLines, log.String())
			}
			var apiErr *llm.APIError
			switch {
			case tt.wantConnErr:
				if err == nil || errors.As(err, &apiErr) || !strings.Contains(err.Error(), "giving up after 2 attempts") {
					t.Fatalf("err = %v, want a transport error after 2 attempts", err)
				}
			case tt.wantStatus != 0:
				if !errors.As(err, &apiErr) {
					t.Fatalf("err = %v, want *APIError", err)
				}
				if apiErr.Status != tt.wantStatus || apiErr.Type != tt.wantType || apiErr.Attempts != len(tt.steps) {
					t.Errorf("APIError = %+v, want status %d type %s after %d attempts", *apiErr, tt.wantStatus, tt.wantType, len(tt.steps))
				}
			default:
				if err != nil {
					t.Fatalf("Complete: %v", err)
				}
				if resp.Message().Text() != "ok" {
					t.Errorf("response = %+v", resp)
				}
			}
		})
	}
}

func TestAnthropicRetryLogLine(t *testing.T) {
	t.Parallel()
	_, srv := newScriptedServer(t, "/v1/messages",
		step{status: 529, header: map[string]string{"retry-after": "0"}, body: errorEnvelope("overloaded_error", "Overloaded")},
		step{hangup: true},
		step{status: 200, body: okBody})
	var log bytes.Buffer
	opts := fastOptions(srv.URL)
	opts.Log = &log
	if _, err := llm.NewAnthropic(opts).Complete(t.Context(), simpleRequest()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	patterns := []string{
		`^anthropic: HTTP 529 overloaded_error, retrying in 0s \(attempt 2 of 5\)$`,
		`^anthropic: connection error: .*, retrying in \d+(\.\d+)?(ms|µs|s) \(attempt 3 of 5\)$`,
	}
	if len(lines) != len(patterns) {
		t.Fatalf("log:\n%s\nwant %d lines", log.String(), len(patterns))
	}
	for i, p := range patterns {
		if !regexp.MustCompile(p).MatchString(lines[i]) {
			t.Errorf("log line %d = %q, want match for %s", i+1, lines[i], p)
		}
	}
}

func TestAnthropicCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	fake, srv := newScriptedServer(t, "/v1/messages",
		step{status: 529, header: map[string]string{"retry-after": "60"}, body: errorEnvelope("overloaded_error", "Overloaded")})
	opts := fastOptions(srv.URL)
	opts.RetryWaitMin, opts.RetryWaitMax = time.Minute, time.Minute
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-fake.requests
		cancel()
	}()
	start := time.Now()
	_, err := llm.NewAnthropic(opts).Complete(ctx, simpleRequest())
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Complete took %v after cancel", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestAnthropicCancelDuringRequest(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := newBlockingServer(t, release)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := llm.NewAnthropic(fastOptions(srv.URL)).Complete(ctx, simpleRequest())
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestAnthropicErrorBodies(t *testing.T) {
	t.Parallel()
	html := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n" +
		"<p>x-api-key: " + testAPIKey + "</p>" + strings.Repeat("<p>padding</p>\n", 40) + "</body>\n</html>\n"
	tests := []struct {
		name          string
		step          step
		wantType      string
		wantMessage   string // prefix
		wantRequestID string
	}{
		{
			name:        "html from a proxy",
			step:        step{status: 502, header: map[string]string{"content-type": "text/html; charset=utf-8"}, body: html},
			wantMessage: "non-JSON error body (text/html): <html> <head><title>502 Bad Gateway</title></head> <body>",
		},
		{
			name:        "empty body",
			step:        step{status: 503, header: map[string]string{"content-type": "text/plain"}},
			wantMessage: "non-JSON error body (text/plain), empty",
		},
		{
			name:        "json without envelope",
			step:        step{status: 500, body: `{"detail":"boom"}`},
			wantMessage: `error body without an error envelope (application/json): {"detail":"boom"}`,
		},
		{
			name:          "request id from the header wins",
			step:          step{status: 529, header: map[string]string{"request-id": "req_header"}, body: errorEnvelope("overloaded_error", "Overloaded")},
			wantType:      "overloaded_error",
			wantMessage:   "Overloaded",
			wantRequestID: "req_header",
		},
		{
			name:          "request id from the envelope",
			step:          step{status: 529, body: errorEnvelope("overloaded_error", "Overloaded")},
			wantType:      "overloaded_error",
			wantMessage:   "Overloaded",
			wantRequestID: "req_env",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newScriptedServer(t, "/v1/messages", tt.step)
			opts := fastOptions(srv.URL)
			opts.MaxAttempts = 1
			_, err := llm.NewAnthropic(opts).Complete(t.Context(), simpleRequest())
			var apiErr *llm.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if apiErr.Type != tt.wantType || !strings.HasPrefix(apiErr.Message, tt.wantMessage) || apiErr.RequestID != tt.wantRequestID {
				t.Errorf("APIError = %+v\nwant type %q, message prefix %q, request id %q", *apiErr, tt.wantType, tt.wantMessage, tt.wantRequestID)
			}
			if len(apiErr.Message) > 300 {
				t.Errorf("message is %d bytes, want a short excerpt", len(apiErr.Message))
			}
			if strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("error reveals the API key: %v", err)
			}
		})
	}
}

// newBlockingServer answers nothing until release is closed or the client
// goes away.
func newBlockingServer(t *testing.T, release <-chan struct{}) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
