package llm

import (
	"errors"
	"net/http"
	"strings"
)

// overflowPhrases are how providers say a request does not fit the model's
// context window: Anthropic ("prompt is too long: 210000 tokens > 200000
// maximum"), OpenAI (code context_length_exceeded, "maximum context length
// is 128000 tokens"), and OpenAI-compatible servers (vLLM, llama.cpp,
// Ollama, OpenRouter) with their own wording.
var overflowPhrases = []string{
	"prompt is too long",
	"context_length_exceeded",
	"maximum context length",
	"context length",
	"context window",
	"too many tokens",
	"exceeds the context",
	"request too large",
	"request_too_large",
}

// IsContextOverflow reports whether err is a provider's answer that the
// conversation does not fit the model's context window (or the request is
// too large), so that eliding old tool outputs and asking again can help.
func IsContextOverflow(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	if apiErr.Status == http.StatusRequestEntityTooLarge {
		return true
	}
	if apiErr.Status != http.StatusBadRequest {
		return false
	}
	text := strings.ToLower(apiErr.Type + " " + apiErr.Message)
	for _, p := range overflowPhrases {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}
