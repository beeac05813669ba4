package llm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// waitRange is an accepted wait: exact for server hints, a range for
// jittered backoff.
type waitRange struct{ lo, hi time.Duration }

func exactly(d time.Duration) waitRange        { return waitRange{d, d} }
func between(lo, hi time.Duration) waitRange   { return waitRange{lo, hi} }
func (w waitRange) holds(d time.Duration) bool { return d >= w.lo && d <= w.hi }

// jitter is the range of the default backoff (1s minimum, 60s cap) before
// the retry with 0-based index retry.
func jitter(retry int) waitRange {
	return between(time.Second, min(time.Second<<(retry+1), 60*time.Second))
}

func TestAnthropicRetryPolicy(t *testing.T) {
	t.Parallel()
	const sec = time.Second
	ok := step{status: 200, body: okBody}
	okSSE := sse(okStream)
	overloaded := step{status: 529, body: errorEnvelope("overloaded_error", "Overloaded")}
	withHeader := func(s step, kv ...string) step {
		s.header = map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			s.header[kv[i]] = kv[i+1]
		}
		return s
	}
	rateLimited := step{status: 429, body: errorEnvelope("rate_limit_error", "slow down")}
	brokenStream := sse(strings.TrimSuffix(okStream, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
	errorEvent := func(errType string) step {
		return sse(strings.SplitAfter(okStream, "\n\n")[0] + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + errType + "\",\"message\":\"mid-stream\"}}\n\n")
	}

	type test struct {
		name         string
		steps        []step
		stream       bool
		maxAttempts  int
		retryWaitMax time.Duration
		deadline     time.Duration // from the clock's start; 0: none
		dateIn       time.Duration // first step's retry-after is an HTTP date this far ahead
		waits        []waitRange
		// One outcome: success, an *APIError, or an error text.
		wantStatus int
		wantType   string
		wantErr    string // substring of the final error
		wantBroken bool   // the error wraps llm.ErrBrokenAnswer
	}
	tests := []test{}
	for _, status := range []int{408, 409, 429, 500, 502, 503, 504, 529} {
		tests = append(tests, test{name: fmt.Sprintf("%d retried", status), steps: []step{{status: status}, ok}, waits: []waitRange{jitter(0)}})
	}
	for _, status := range []int{400, 401, 403, 404, 413, 422} {
		tests = append(tests, test{name: fmt.Sprintf("%d not retried", status), steps: []step{{status: status, body: errorEnvelope("some_error", "no")}},
			wantStatus: status, wantType: "some_error"})
	}
	tests = append(tests, []test{
		{name: "x-should-retry true on 400", steps: []step{withHeader(step{status: 400}, "x-should-retry", "true"), ok}, waits: []waitRange{jitter(0)}},
		{name: "x-should-retry false on 503", steps: []step{withHeader(step{status: 503, body: errorEnvelope("api_error", "down")}, "x-should-retry", "false")},
			wantStatus: 503, wantType: "api_error"},
		{name: "x-should-retry true keeps the server's wait", steps: []step{withHeader(overloaded, "x-should-retry", "true", "retry-after", "3"), ok},
			waits: []waitRange{exactly(3 * sec)}},
		{name: "retry-after small", steps: []step{withHeader(rateLimited, "retry-after", "2"), ok}, waits: []waitRange{exactly(2 * sec)}},
		{name: "retry-after fractional", steps: []step{withHeader(overloaded, "retry-after", "1.5"), ok}, waits: []waitRange{exactly(1500 * time.Millisecond)}},
		{name: "retry-after zero", steps: []step{withHeader(step{status: 503}, "retry-after", "0"), ok}, waits: []waitRange{exactly(0)}},
		{name: "retry-after huge capped at 60s", steps: []step{withHeader(rateLimited, "retry-after", "3600"), ok}, waits: []waitRange{exactly(60 * sec)}},
		{name: "retry-after HTTP date", dateIn: 10 * sec, steps: []step{rateLimited, ok}, waits: []waitRange{exactly(10 * sec)}},
		{name: "retry-after HTTP date in the past", dateIn: -time.Hour, steps: []step{rateLimited, ok}, waits: []waitRange{exactly(0)}},
		{name: "retry-after garbage ignored", steps: []step{withHeader(rateLimited, "retry-after", "soon"), ok}, waits: []waitRange{jitter(0)}},
		{name: "retry-after negative ignored", steps: []step{withHeader(rateLimited, "retry-after", "-1"), ok}, waits: []waitRange{jitter(0)}},
		{name: "retry-after-ms", steps: []step{withHeader(overloaded, "retry-after-ms", "250"), ok}, waits: []waitRange{exactly(250 * time.Millisecond)}},
		{name: "retry-after-ms wins over retry-after", steps: []step{withHeader(rateLimited, "retry-after-ms", "40", "retry-after", "9"), ok},
			waits: []waitRange{exactly(40 * time.Millisecond)}},
		{name: "retry-after-ms garbage falls back to retry-after", steps: []step{withHeader(rateLimited, "retry-after-ms", "x", "retry-after", "9"), ok},
			waits: []waitRange{exactly(9 * sec)}},
		{name: "x-ratelimit-reset-* not read from Anthropic", steps: []step{withHeader(rateLimited,
			"x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "30s"), ok}, waits: []waitRange{jitter(0)}},
		{name: "retry-after ignored on 500", steps: []step{withHeader(step{status: 500}, "retry-after", "30"), ok}, waits: []waitRange{jitter(0)}},
		{name: "spend-limit 429 not retried", steps: []step{{status: 429, body: errorEnvelope("billing_error", "credit balance too low")}},
			wantStatus: 429, wantType: "billing_error"},
		{name: "spend-limit 429 not retried despite x-should-retry", steps: []step{withHeader(step{status: 429, body: errorEnvelope("insufficient_quota", "quota")}, "x-should-retry", "true")},
			wantStatus: 429, wantType: "insufficient_quota"},
		{name: "server wait capped at RetryWaitMax", retryWaitMax: 5 * sec, steps: []step{withHeader(overloaded, "retry-after", "30"), ok},
			waits: []waitRange{exactly(5 * sec)}},
		{name: "backoff capped at RetryWaitMax", retryWaitMax: 1500 * time.Millisecond, steps: []step{{status: 500}, {status: 500}, {status: 500}, ok},
			waits: []waitRange{between(sec, 1500*time.Millisecond), between(sec, 1500*time.Millisecond), between(sec, 1500*time.Millisecond)}},
		{name: "deadline before the server's wait ends", deadline: 10 * sec, steps: []step{withHeader(overloaded, "retry-after", "30")},
			wantStatus: 529, wantType: "overloaded_error", wantErr: "not retried: the task's time runs out in 10s, before the 30s wait would end"},
		{name: "deadline reached after some retries", deadline: 2500 * time.Millisecond,
			steps: []step{withHeader(overloaded, "retry-after", "1"), withHeader(overloaded, "retry-after", "1"), withHeader(overloaded, "retry-after", "1")},
			waits: []waitRange{exactly(sec), exactly(sec)}, wantStatus: 529, wantType: "overloaded_error", wantErr: "the task's time runs out in 500ms"},
		{name: "deadline before the backoff ends", deadline: 500 * time.Millisecond, steps: []step{{hangup: true}},
			wantErr: "giving up after 1 attempt: "},
		{name: "attempts exhausted", maxAttempts: 3, steps: []step{overloaded, overloaded, overloaded},
			waits: []waitRange{jitter(0), jitter(1)}, wantStatus: 529, wantType: "overloaded_error"},
		{name: "five attempts by default", steps: []step{overloaded, overloaded, overloaded, overloaded, overloaded},
			waits: []waitRange{jitter(0), jitter(1), jitter(2), jitter(3)}, wantStatus: 529, wantType: "overloaded_error"},
		{name: "connection reset before headers", steps: []step{{hangup: true}, ok}, waits: []waitRange{jitter(0)}},
		{name: "connection errors exhausted", maxAttempts: 2, steps: []step{{hangup: true}, {hangup: true}},
			waits: []waitRange{jitter(0)}, wantErr: "anthropic: giving up after 2 attempts: "},
		{name: "body cut mid-way", steps: []step{{status: 200, truncate: true, body: okBody[:30]}, ok}, waits: []waitRange{jitter(0)}},
		{name: "200 that does not parse", steps: []step{{status: 200, header: map[string]string{"content-type": "text/html"}, body: "<html>hi</html>"}, ok},
			waits: []waitRange{jitter(0)}},
		{name: "200 with an error envelope", steps: []step{{status: 200, body: errorEnvelope("overloaded_error", "Overloaded")}, ok}, waits: []waitRange{jitter(0)}},
		{name: "stream without message_stop", stream: true, steps: []step{brokenStream, okSSE}, waits: []waitRange{jitter(0)}},
		{name: "stream cut mid-event", stream: true, steps: []step{withHeader(step{status: 200, body: okStream[:300]}, "content-type", "text/event-stream", "content-length", "9999"), okSSE},
			waits: []waitRange{jitter(0)}},
		{name: "overloaded error event retried", stream: true, steps: []step{errorEvent("overloaded_error"), okSSE}, waits: []waitRange{jitter(0)}},
		{name: "invalid request error event not retried", stream: true, steps: []step{errorEvent("invalid_request_error")},
			wantStatus: 400, wantType: "invalid_request_error"},
		{name: "billing error event not retried", stream: true, steps: []step{errorEvent("billing_error")}, wantStatus: 402, wantType: "billing_error"},
		{name: "overloaded error event exhausted", stream: true, maxAttempts: 2, steps: []step{errorEvent("overloaded_error"), errorEvent("overloaded_error")},
			waits: []waitRange{jitter(0)}, wantStatus: 529, wantType: "overloaded_error"},
		{name: "broken answers share the budget", stream: true, maxAttempts: 3, steps: []step{overloaded, brokenStream, brokenStream},
			waits: []waitRange{jitter(0), jitter(1)}, wantBroken: true, wantErr: "anthropic: broken answer after 3 attempts (request id none): stream ended before message_stop"},
		{name: "status retries after a broken answer share the budget", stream: true, maxAttempts: 3, steps: []step{brokenStream, overloaded, overloaded},
			waits: []waitRange{jitter(0), jitter(1)}, wantStatus: 529, wantType: "overloaded_error"},
		{name: "deadline stops retrying a broken answer", stream: true, deadline: 500 * time.Millisecond, steps: []step{brokenStream},
			wantBroken: true, wantErr: "not retried: the task's time runs out in 500ms"},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			steps := append([]step(nil), tt.steps...)
			if tt.dateIn != 0 {
				steps[0] = withHeader(steps[0], "retry-after", clock.Now().Add(tt.dateIn).UTC().Format(http.TimeFormat))
			}
			fake, srv := newScriptedServer(t, "/v1/messages", steps...)
			var log bytes.Buffer
			client := llm.NewAnthropic(llm.AnthropicOptions{
				BaseURL: srv.URL, APIKey: testAPIKey, Log: &log, Clock: clock,
				MaxAttempts: tt.maxAttempts, RetryWaitMax: tt.retryWaitMax, NoStream: !tt.stream,
			})
			ctx := t.Context()
			if tt.deadline != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, clock.Now().Add(tt.deadline))
				defer cancel()
			}

			resp, err := client.Complete(ctx, simpleRequest())

			if got := fake.attempts(); got != len(steps) {
				t.Errorf("server saw %d attempts, want %d", got, len(steps))
			}
			if !fake.sameBodies() {
				t.Error("the attempts sent different bodies")
			}
			waits := clock.Waits()
			if len(waits) != len(tt.waits) {
				t.Errorf("waits = %v, want %d of them", waits, len(tt.waits))
			} else {
				for i, w := range waits {
					if !tt.waits[i].holds(w) {
						t.Errorf("wait %d = %v, want within [%v, %v]", i+1, w, tt.waits[i].lo, tt.waits[i].hi)
					}
				}
			}
			if lines := strings.Count(log.String(), "\n"); lines != len(tt.waits) {
				t.Errorf("log has %d lines, want one per retry (%d):\n%s", lines, len(tt.waits), log.String())
			}
			if strings.Contains(log.String(), testAPIKey) || (err != nil && strings.Contains(err.Error(), testAPIKey)) {
				t.Errorf("the key leaked: %v\n%s", err, log.String())
			}
			wantSuccess := tt.wantStatus == 0 && tt.wantErr == "" && !tt.wantBroken
			if wantSuccess {
				if err != nil {
					t.Fatalf("Complete: %v", err)
				}
				if resp.Message().Text() != "ok" || resp.Attempts != len(steps) {
					t.Errorf("response = %+v, want text ok after %d attempts", resp, len(steps))
				}
				return
			}
			if resp != nil {
				t.Errorf("got a response %+v with the error", resp)
			}
			if err == nil {
				t.Fatal("Complete succeeded, want an error")
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if tt.wantBroken != errors.Is(err, llm.ErrBrokenAnswer) {
				t.Errorf("err = %v; errors.Is(ErrBrokenAnswer) = %v, want %v", err, !tt.wantBroken, tt.wantBroken)
			}
			apiErr, isAPI := errors.AsType[*llm.APIError](err)
			switch {
			case tt.wantStatus != 0 && !isAPI:
				t.Errorf("err = %v, want *APIError", err)
			case tt.wantStatus != 0 && (apiErr.Status != tt.wantStatus || apiErr.Type != tt.wantType || apiErr.Attempts != len(steps)):
				t.Errorf("APIError = %+v, want status %d type %s after %d attempts", *apiErr, tt.wantStatus, tt.wantType, len(steps))
			case tt.wantStatus == 0 && isAPI:
				t.Errorf("err = %v, want no *APIError", err)
			}
		})
	}
}

func TestAnthropicRetryLogLine(t *testing.T) {
	t.Parallel()
	_, srv := newScriptedServer(t, "/v1/messages",
		step{status: 529, header: map[string]string{"retry-after": "0"}, body: errorEnvelope("overloaded_error", "Overloaded")},
		step{hangup: true},
		sse(strings.TrimSuffix(okStream, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")),
		sse(okStream))
	var log bytes.Buffer
	opts := fastOptions(srv.URL)
	opts.NoStream = false
	opts.Log = &log
	if _, err := llm.NewAnthropic(opts).Complete(t.Context(), simpleRequest()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	patterns := []string{
		`^anthropic: HTTP 529 overloaded_error, retrying in 0s \(attempt 2 of 5\)$`,
		`^anthropic: connection error: .*, retrying in [1-5]ms \(attempt 3 of 5\)$`,
		`^anthropic: broken answer: stream ended before message_stop, retrying in [1-5]ms \(attempt 4 of 5\)$`,
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

// TestAnthropicRealClockWaits checks the default clock: the retry waits
// for real, and a cancel ends the wait at once.
func TestAnthropicRealClockWaits(t *testing.T) {
	t.Parallel()
	t.Run("waits", func(t *testing.T) {
		t.Parallel()
		_, srv := newScriptedServer(t, "/v1/messages",
			step{status: 529, header: map[string]string{"retry-after-ms": "50"}}, step{status: 200, body: okBody})
		opts := fastOptions(srv.URL)
		opts.Clock = nil
		opts.RetryWaitMax = time.Second
		start := time.Now()
		if _, err := llm.NewAnthropic(opts).Complete(t.Context(), simpleRequest()); err != nil {
			t.Fatal(err)
		}
		if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
			t.Errorf("Complete took %v, want at least the 50ms the server asked for", elapsed)
		}
	})
	t.Run("cancel during the wait", func(t *testing.T) {
		t.Parallel()
		fake, srv := newScriptedServer(t, "/v1/messages",
			step{status: 529, header: map[string]string{"retry-after": "60"}, body: errorEnvelope("overloaded_error", "Overloaded")})
		opts := fastOptions(srv.URL)
		opts.Clock = nil
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
	})
}

func TestAnthropicCancel(t *testing.T) {
	t.Parallel()
	t.Run("during the request", func(t *testing.T) {
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
	})
	t.Run("during a stream", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("content-type", "text/event-stream")
			_, _ = w.Write([]byte(strings.SplitAfter(okStream, "\n\n")[0]))
			_ = http.NewResponseController(w).Flush()
			<-r.Context().Done()
		}))
		t.Cleanup(srv.Close)
		opts := fastOptions(srv.URL)
		opts.NoStream = false
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		resp, err := llm.NewAnthropic(opts).Complete(ctx, simpleRequest())
		if resp != nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %+v, %v; want context.DeadlineExceeded", resp, err)
		}
	})
	t.Run("before the call", func(t *testing.T) {
		t.Parallel()
		_, srv := newScriptedServer(t, "/v1/messages") // no attempt may arrive
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := llm.NewAnthropic(fastOptions(srv.URL)).Complete(ctx, simpleRequest()); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// TestAnthropicStreamHeldOpen has a server keep the stream open after
// message_stop: the answer is complete, and Complete must not wait.
func TestAnthropicStreamHeldOpen(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		_, _ = w.Write([]byte(okStream))
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	opts := fastOptions(srv.URL)
	opts.NoStream = false
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := llm.NewAnthropic(opts).Complete(ctx, simpleRequest())
	close(release)
	if err != nil || resp.Message().Text() != "ok" {
		t.Errorf("got %+v, %v; want the answer", resp, err)
	}
}

func TestAnthropicErrorBodies(t *testing.T) {
	t.Parallel()
	html := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n" +
		strings.Repeat("<p>padding</p>\n", 40) + "</body>\n</html>\n"
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
		})
	}
}

// TestAnthropicRedactsEchoedKey has a proxy echo the key back in its error
// page and in a response header, on an attempt that is retried (so it is
// logged) and on the final one (so it is in the error).
func TestAnthropicRedactsEchoedKey(t *testing.T) {
	t.Parallel()
	echoPage := "<html><body><h1>502 Bad Gateway</h1><pre>POST /v1/messages\nx-api-key: " + testAPIKey +
		"\nauthorization: Bearer " + testAPIKey + "</pre></body></html>"
	_, srv := newScriptedServer(t, "/v1/messages",
		step{status: 502, header: map[string]string{"content-type": "text/html", "request-id": testAPIKey}, body: echoPage},
		step{status: 529, body: errorEnvelope("overloaded_error "+testAPIKey, "echo "+testAPIKey)},
		step{status: 401, header: map[string]string{"request-id": "req_" + testAPIKey}, body: errorEnvelope("authentication_error", "invalid x-api-key "+testAPIKey)},
	)
	var log bytes.Buffer
	opts := fastOptions(srv.URL)
	opts.Log = &log
	_, err := llm.NewAnthropic(opts).Complete(t.Context(), simpleRequest())
	apiErr, ok := errors.AsType[*llm.APIError](err)
	if !ok || apiErr.Status != 401 {
		t.Fatalf("err = %v, want the 401", err)
	}
	for what, text := range map[string]string{"log": log.String(), "error": err.Error(), "message": apiErr.Message, "request id": apiErr.RequestID} {
		if strings.Contains(text, testAPIKey) || strings.Contains(text, "TESTKEY") {
			t.Errorf("%s reveals the key: %s", what, text)
		}
	}
	if !strings.Contains(err.Error(), "invalid x-api-key [redacted]") || apiErr.RequestID != "req_[redacted]" {
		t.Errorf("err = %v, want the key replaced by [redacted]", err)
	}
	if !strings.Contains(log.String(), "HTTP 529 overloaded_error [redacted],") {
		t.Errorf("log = %s, want the echoed error type redacted", log.String())
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
