package llm

import (
	"errors"
	"fmt"
	"strings"
)

// ErrTranscriptExhausted is returned by the replay provider when the run asks
// for more turns than the transcript holds.
var ErrTranscriptExhausted = errors.New("replay transcript exhausted")

// ErrTranscriptDiverged is returned by the replay provider when a request does
// not continue the recorded conversation (a tool result is missing or answers
// a call the transcript never made).
var ErrTranscriptDiverged = errors.New("replay transcript diverged from the run")

// ErrTranscriptInvalid is returned when a replay transcript cannot be parsed:
// a line is not valid JSON, has unknown fields, or breaks a rule of the format
// documented on ParseTranscript.
var ErrTranscriptInvalid = errors.New("invalid replay transcript")

// ErrBrokenAnswer is wrapped by the error of a client whose last attempt
// got a 2xx answer it could not use: cut off mid-body, a stream that ended
// without its final event, or a body that does not parse. Such answers are
// retried like transient errors; this error means the attempts ran out.
var ErrBrokenAnswer = errors.New("broken answer")

// errAnswerTooLarge is the decode error of an answer beyond maxResponseBody;
// it is not retried, because a server that sends one will send it again.
var errAnswerTooLarge = fmt.Errorf("answer exceeds %d bytes", maxResponseBody)

// APIError is a provider's final error answer, after retries.
type APIError struct {
	Provider  string // "anthropic", "openai", "ollama"
	Status    int    // HTTP status; for an error inside a 2xx answer (a stream's error event), the status of its type
	Type      string // the provider's error type, e.g. "overloaded_error"
	Message   string // the provider's message
	RequestID string // the provider's request id, when it sent one; OpenRouter's generation id
	Attempts  int    // how many HTTP attempts were made
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Provider, e.Status)
	if e.Type != "" {
		fmt.Fprintf(&b, " %s", e.Type)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s", e.RequestID)
	} else {
		b.WriteString(" (no request id")
	}
	fmt.Fprintf(&b, ", %d attempt", e.Attempts)
	if e.Attempts != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	return b.String()
}

// Auth reports whether the provider refused the credentials (401 or 403).
func (e *APIError) Auth() bool { return e.Status == 401 || e.Status == 403 }
