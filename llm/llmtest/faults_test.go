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

// rawAttempt is what a raw client saw of one attempt.
type rawAttempt struct {
	status  int
	header  http.Header
	body    string
	err     error // from the request or from reading the body
	bodyErr bool  // err came while reading the body
}

func attempt(t *testing.T, url, reqBody string) rawAttempt {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-api-key", testKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	// A fresh transport per attempt: a reset must not poison a pool.
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		return rawAttempt{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return rawAttempt{status: resp.StatusCode, header: resp.Header, body: string(data), err: err, bodyErr: err != nil}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	full := &llm.Response{Content: []llm.Part{
		llm.TextPart("The full answer, long enough to be cut."),
		llm.ToolCallPart(llm.ToolCall{ID: "toolu_1", Name: "read_file", Input: json.RawMessage(`{"path":"a/very/long/path/to/cut.go"}`)}),
	}}
	streamBody, jsonBody := body(`"stream":true`, userHi), body("", userHi)
	fullStream := attemptAgainst(t, llmtest.Turn{Response: full}, streamBody)
	fullJSON := attemptAgainst(t, llmtest.Turn{Response: full}, jsonBody)
	events := strings.SplitAfter(fullStream.body, "\n\n")
	events = events[:len(events)-1] // the empty string after the last separator
	if len(events) < 8 || fullJSON.status != 200 {
		t.Fatalf("the full answers look wrong: %d events, %+v", len(events), fullJSON)
	}

	tests := []struct {
		name  string
		fault llmtest.Turn
		body  string
		check func(t *testing.T, a rawAttempt)
	}{
		{
			name: "html", body: jsonBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultHTML}, Header: map[string]string{"retry-after": "7"}},
			check: func(t *testing.T, a rawAttempt) {
				if a.err != nil || a.status != 502 || !strings.HasPrefix(a.header.Get("content-type"), "text/html") ||
					!strings.Contains(a.body, "<title>502 Bad Gateway</title>") || a.header.Get("retry-after") != "7" {
					t.Errorf("attempt = %+v", a)
				}
			},
		},
		{
			name: "html with a status", body: streamBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultHTML, Status: 504}},
			check: func(t *testing.T, a rawAttempt) {
				if a.status != 504 || !strings.Contains(a.body, "504 Gateway Timeout") {
					t.Errorf("attempt = %+v", a)
				}
			},
		},
		{
			name: "reset before the headers", body: streamBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultReset}},
			check: func(t *testing.T, a rawAttempt) {
				if a.err == nil || a.bodyErr {
					t.Errorf("attempt = %+v, want a request error", a)
				}
			},
		},
		{
			name: "reset after three events", body: streamBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultResetBody, Events: 3}},
			check: func(t *testing.T, a rawAttempt) {
				if !a.bodyErr || a.status != 200 || a.body != strings.Join(events[:3], "") {
					t.Errorf("attempt = %+v, want the first 3 events and a read error", a)
				}
			},
		},
		{
			name: "reset in the middle of a stream", body: streamBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultResetBody}},
			check: func(t *testing.T, a rawAttempt) {
				if !a.bodyErr || a.body != strings.Join(events[:len(events)/2], "") {
					t.Errorf("attempt = %+v, want half the events and a read error", a)
				}
			},
		},
		{
			name: "reset in the middle of a JSON body", body: jsonBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultResetBody}},
			check: func(t *testing.T, a rawAttempt) {
				if !a.bodyErr || a.body != fullJSON.body[:len(fullJSON.body)/2] {
					t.Errorf("attempt = %+v, want half the body and a read error", a)
				}
			},
		},
		{
			name: "stream cut before message_stop", body: streamBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultCut}},
			check: func(t *testing.T, a rawAttempt) {
				if a.err != nil || a.body != strings.Join(events[:len(events)-1], "") || strings.Contains(a.body, "message_stop") {
					t.Errorf("attempt = %+v, want every event but message_stop and a clean end", a)
				}
			},
		},
		{
			name: "stream cut after two events", body: streamBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultCut, Events: 2}},
			check: func(t *testing.T, a rawAttempt) {
				if a.err != nil || a.body != strings.Join(events[:2], "") {
					t.Errorf("attempt = %+v, want 2 events and a clean end", a)
				}
			},
		},
		{
			name: "JSON body cut", body: jsonBody,
			fault: llmtest.Turn{Fault: &llmtest.Fault{Kind: llmtest.FaultCut}, Header: map[string]string{"x-extra": "1"}},
			check: func(t *testing.T, a rawAttempt) {
				if a.err != nil || a.status != 200 || a.body != fullJSON.body[:len(fullJSON.body)/2] || json.Valid([]byte(a.body)) || a.header.Get("x-extra") != "1" {
					t.Errorf("attempt = %+v, want half the JSON and a clean end", a)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.New(t, []llmtest.Turn{tt.fault, {Response: full}}, llmtest.Options{})
			tt.check(t, attempt(t, fake.URL()+"/v1/messages", tt.body))
			// The fault did not use up the answer: the next attempt gets
			// it whole, with the same ids.
			next := attempt(t, fake.URL()+"/v1/messages", tt.body)
			want := fullJSON
			if tt.body == streamBody {
				want = fullStream
			}
			if next.err != nil || next.status != 200 || stripIDs(next.body) != stripIDs(want.body) {
				t.Errorf("attempt after the fault = %+v\nwant %s", next, want.body)
			}
			if n := fake.Attempts(); n != 2 {
				t.Errorf("Attempts() = %d, want 2", n)
			}
		})
	}
}

// attemptAgainst makes one attempt against a fake answering turn.
func attemptAgainst(t *testing.T, turn llmtest.Turn, reqBody string) rawAttempt {
	t.Helper()
	fake := llmtest.New(t, []llmtest.Turn{turn}, llmtest.Options{})
	return attempt(t, fake.URL()+"/v1/messages", reqBody)
}

// stripIDs hides the generated message ids, which differ between servers.
func stripIDs(s string) string {
	for {
		i := strings.Index(s, `"msg_01`)
		if i < 0 {
			return s
		}
		s = s[:i] + `"msg_` + s[i+len(`"msg_01`)+22:]
	}
}

func TestFaultEventsBeyondTheAnswer(t *testing.T) {
	t.Parallel()
	fake := llmtest.Start([]llmtest.Turn{{Fault: &llmtest.Fault{Kind: llmtest.FaultCut, Events: 50}}, textTurn("short")}, llmtest.Options{})
	defer fake.Close()
	a := attempt(t, fake.URL()+"/v1/messages", body(`"stream":true`, userHi))
	if a.err != nil || strings.Contains(a.body, "message_stop") {
		t.Errorf("attempt = %+v, want all but the last event", a)
	}
	attempt(t, fake.URL()+"/v1/messages", validBody)
	if err := fake.Verify(); err == nil || !strings.Contains(err.Error(), "turn 1: cut fault after 50 events, but the answer has only 9") {
		t.Errorf("Verify = %v", err)
	}
}

func TestFaultsDriveClientRetries(t *testing.T) {
	t.Parallel()
	for _, noStream := range []bool{false, true} {
		fake := llmtest.New(t, []llmtest.Turn{
			{Fault: &llmtest.Fault{Kind: llmtest.FaultHTML}},
			{Fault: &llmtest.Fault{Kind: llmtest.FaultCut}},
			{Fault: &llmtest.Fault{Kind: llmtest.FaultResetBody}},
			{Fault: &llmtest.Fault{Kind: llmtest.FaultReset}},
			textTurn("whole"),
		}, llmtest.Options{})
		c := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: fake.URL(), APIKey: testKey, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, NoStream: noStream})
		resp, err := c.Complete(t.Context(), &llm.Request{Model: "m", MaxTokens: 5, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}}})
		if err != nil || resp.Message().Text() != "whole" || resp.Attempts != 5 || fake.Attempts() != 5 {
			t.Errorf("NoStream %v: got %+v, %v; fake saw %d attempts", noStream, resp, err, fake.Attempts())
		}
		if n := len(fake.Requests()); n != 5 {
			t.Errorf("Requests() has %d entries, want every valid attempt (5)", n)
		}
	}
}

func TestDelay(t *testing.T) {
	t.Parallel()
	t.Run("answer after the delay", func(t *testing.T) {
		t.Parallel()
		turn := textTurn("late")
		turn.Delay = 50 * time.Millisecond
		fake := llmtest.New(t, []llmtest.Turn{turn}, llmtest.Options{})
		start := time.Now()
		if a := attempt(t, fake.URL()+"/v1/messages", validBody); a.status != 200 || !strings.Contains(a.body, "late") {
			t.Errorf("attempt = %+v", a)
		}
		if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
			t.Errorf("answered after %v, want at least the 50ms delay", elapsed)
		}
	})
	t.Run("the client gives up", func(t *testing.T) {
		t.Parallel()
		fake := llmtest.New(t, []llmtest.Turn{{Status: 529, Delay: time.Minute}, textTurn("next")}, llmtest.Options{})
		c := llm.NewAnthropic(llm.AnthropicOptions{BaseURL: fake.URL(), APIKey: testKey, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond},
			RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
		resp, err := c.Complete(t.Context(), &llm.Request{Model: "m", MaxTokens: 5, Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart("hi")}}}})
		// The timed-out attempt used up the delayed entry; the retry got
		// the next one.
		if err != nil || resp.Message().Text() != "next" || resp.Attempts != 2 {
			t.Errorf("got %+v, %v", resp, err)
		}
	})
	t.Run("Close ends a delay", func(t *testing.T) {
		t.Parallel()
		fake := llmtest.Start([]llmtest.Turn{{Status: 529, Delay: time.Hour}}, llmtest.Options{})
		done := make(chan rawAttempt)
		go func() { done <- attempt(t, fake.URL()+"/v1/messages", validBody) }()
		for fake.Attempts() == 0 {
			time.Sleep(time.Millisecond)
		}
		start := time.Now()
		fake.Close()
		<-done
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("Close took %v", elapsed)
		}
	})
}

func TestAttemptsCountsEveryRequest(t *testing.T) {
	t.Parallel()
	fake := llmtest.Start([]llmtest.Turn{textTurn("a")}, llmtest.Options{APIKey: testKey})
	defer fake.Close()
	send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, map[string]string{"x-api-key": "wrong"})
	send(t, http.MethodGet, fake.URL()+"/v1/models", "", nil)
	send(t, http.MethodPost, fake.URL()+"/v1/messages", validBody, nil)
	if n := fake.Attempts(); n != 3 {
		t.Errorf("Attempts() = %d, want 3", n)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("Requests() = %d, want the valid one", n)
	}
}
