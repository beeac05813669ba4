package llm

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsContextOverflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{&APIError{Status: 400, Type: "invalid_request_error", Message: "prompt is too long: 210345 tokens > 200000 maximum"}, true},
		{&APIError{Status: 400, Type: "invalid_request_error", Message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens."}, true},
		{&APIError{Status: 400, Type: "context_length_exceeded"}, true},
		{&APIError{Status: 413, Type: "request_too_large", Message: "Request exceeds the maximum allowed number of bytes."}, true},
		{fmt.Errorf("step 3: %w", &APIError{Status: 413}), true},
		// The twins: a 400 about something else, a 429 about tokens per minute.
		{&APIError{Status: 400, Type: "invalid_request_error", Message: "max_tokens: must be greater than 0"}, false},
		{&APIError{Status: 429, Type: "rate_limit_error", Message: "too many tokens per minute"}, false},
		{errors.New("prompt is too long"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsContextOverflow(tt.err); got != tt.want {
			t.Errorf("IsContextOverflow(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
