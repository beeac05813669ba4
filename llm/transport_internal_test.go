package llm

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("Authorization", "Bearer tok-123456")
	h.Set("X-Api-Key", "sk-key-abcdef")
	h.Set("Content-Type", "application/json")
	r := newRedactor(h, "extra-secret", "")
	tests := []struct{ in, want string }{
		{"authorization: Bearer tok-123456", "authorization: [redacted]"},
		{"token tok-123456 alone", "token [redacted] alone"},
		{"x-api-key: sk-key-abcdef, again sk-key-abcdef", "x-api-key: [redacted], again [redacted]"},
		{"extra-secret", "[redacted]"},
		{"content type application/json stays", "content type application/json stays"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := r.redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := (redactor{}).redact("anything"); got != "anything" {
		t.Errorf("zero redactor changed the text: %q", got)
	}
	cause := io.ErrUnexpectedEOF
	err := &redactedError{msg: r.redact("post: sk-key-abcdef: unexpected EOF"), cause: cause}
	if !errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "sk-key") {
		t.Errorf("redactedError = %v, want the cause kept and the key hidden", err)
	}
}

func TestLimitedReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		limit   int64
		wantErr error
	}{
		{"12345", 5, nil},
		{"1234", 5, nil},
		{"123456", 5, errAnswerTooLarge},
		{"", 0, nil},
		{"1", 0, errAnswerTooLarge},
	}
	for _, tt := range tests {
		data, err := io.ReadAll(&limitedReader{r: strings.NewReader(tt.body), left: tt.limit})
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("body %q limit %d: err = %v, want %v", tt.body, tt.limit, err, tt.wantErr)
		}
		if tt.wantErr == nil && string(data) != tt.body {
			t.Errorf("body %q limit %d: read %q", tt.body, tt.limit, data)
		}
	}
}

func TestMentionsSpendLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fields []string
		want   bool
	}{
		{[]string{"insufficient_quota"}, true},
		{[]string{"rate_limit_error", "Quota_Exceeded"}, true},
		{[]string{"billing_error"}, true},
		{[]string{"billing_hard_limit_reached"}, true},
		{[]string{"rate_limit_error", "rate_limit_exceeded"}, false},
		{[]string{"overloaded_error"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := mentionsSpendLimit(tt.fields...); got != tt.want {
			t.Errorf("mentionsSpendLimit(%q) = %v, want %v", tt.fields, got, tt.want)
		}
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header http.Header
		want   string
	}{
		{http.Header{"Request-Id": {"req_a"}}, "req_a"},
		{http.Header{"X-Request-Id": {"req_b"}}, "req_b"},
		{http.Header{"Request-Id": {"req_a"}, "X-Request-Id": {"req_b"}}, "req_a"},
		{http.Header{}, ""},
	}
	for _, tt := range tests {
		if got := requestID(tt.header); got != tt.want {
			t.Errorf("requestID(%v) = %q, want %q", tt.header, got, tt.want)
		}
	}
}
