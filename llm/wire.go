package llm

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// wireFormat is what an HTTP provider adapter plugs into the transport: how
// to read its error answers and its successful answers. The adapter also
// encodes the request body and sets its own headers; the transport sends
// them unchanged on every attempt and owns everything else (retries, waits,
// attempt counting, redaction, final errors).
//
// Adding a provider means writing a request encoder, a wireFormat for its
// error envelope, its JSON or SSE answers (newSSEReader gives the events,
// "data: [DONE]" included) and its 429s' rate-limit headers, and calling transport.post from the
// adapter's Complete with a transport made by newTransport; the transport
// needs no change. anthropicWire and openAIWire are the two there are: an
// envelope parser sets providerError.SpendLimit with mentionsSpendLimit
// (billing_error, insufficient_quota), and a stream's in-band error event
// or chunk becomes an *answerError with the status of its type.
type wireFormat interface {
	// parseError reads an error answer: the response headers and the first
	// maxErrorBody bytes of its body. It must accept any body (HTML from a
	// proxy, truncated JSON, nothing); describeErrorBody words the ones
	// that are not the provider's envelope.
	parseError(header http.Header, body []byte) providerError

	// decode reads a 2xx answer from body, which the transport closes.
	// It returns a complete Response or an error, never both and never a
	// partial Response. An error means the answer is broken (cut off, a
	// stream without its final event, unparsable) and the transport
	// retries it within the attempt budget, except:
	//   - an *answerError, a provider error reported inside the answer (an
	//     SSE error event), is retried or not as its Status would be;
	//   - errAnswerTooLarge (the transport's body limit) is not retried.
	// The transport sets Attempts of the Response, and its RequestID from
	// the headers (see requestID); a RequestID the decoder read from the
	// body is kept only when no header named one. A broken answer's error
	// may wrap an *answerIDError with the id the body gave before it
	// broke, for the final error.
	decode(header http.Header, body io.Reader) (*Response, error)

	// rateLimitWait is the wait that the rate-limit headers of a 429
	// suggest when it carries no retry-after-ms or Retry-After; ok is
	// false when they suggest none (absent, garbage, or a format whose
	// servers always send Retry-After). The transport caps it.
	rateLimitWait(header http.Header) (wait time.Duration, ok bool)
}

// providerError is what a wireFormat reads from an error answer.
type providerError struct {
	Type      string // the provider's error type or code, e.g. "overloaded_error"
	Message   string // the provider's message, or a description of a body that is not an envelope
	RequestID string // from the envelope; the request-id header wins when both exist
	// SpendLimit marks an exhausted quota or billing limit (OpenAI's
	// insufficient_quota, Anthropic's billing_error): no retry can cure it,
	// even on a 429.
	SpendLimit bool
}

// answerError is a provider error reported inside a 2xx answer, such as an
// Anthropic "error" event in the middle of a stream. Status is the HTTP
// status the provider uses for that error type, so the transport retries it
// (or not) as it would that status, and reports it as an *APIError with
// that status.
type answerError struct {
	Status int
	Err    providerError
}

func (e *answerError) Error() string {
	return fmt.Sprintf("error in the answer: %s: %s", e.Err.Type, e.Err.Message)
}

// answerIDError is the error of a broken 2xx answer whose body named the
// answer before it broke (OpenRouter's generation id, "gen-…", which its
// support asks for). The transport names it in the final error when no
// response header gave an id.
type answerIDError struct {
	ID  string
	Err error
}

func (e *answerIDError) Error() string { return e.Err.Error() }
func (e *answerIDError) Unwrap() error { return e.Err }

// mentionsSpendLimit reports whether any of an error's type or code fields
// names a quota, billing or spend limit (OpenAI's insufficient_quota,
// Anthropic's enforced_spend_limit_reached): retrying those only fails
// again until someone raises the limit.
func mentionsSpendLimit(fields ...string) bool {
	for _, f := range fields {
		f = strings.ToLower(f)
		if strings.Contains(f, "quota") || strings.Contains(f, "billing") || strings.Contains(f, "spend_limit") {
			return true
		}
	}
	return false
}

// errorSnippetLen bounds how much of a non-envelope error body goes into an
// error message: enough to recognise a proxy's page, not enough to flood logs.
const errorSnippetLen = 200

// describeErrorBody words an error body that is not the provider's
// envelope (an HTML page from a proxy, a truncated answer): its kind, its
// media type and the start of its text.
func describeErrorBody(contentType string, body []byte) string {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil || media == "" {
		media = "no content type"
	}
	kind := "non-JSON error body"
	if json.Valid(body) {
		kind = "error body without an error envelope"
	}
	snippet := strings.Join(strings.Fields(string(body)), " ")
	if len(snippet) > errorSnippetLen {
		snippet = strings.ToValidUTF8(snippet[:errorSnippetLen], "") + "…"
	}
	if snippet == "" {
		return fmt.Sprintf("%s (%s), empty", kind, media)
	}
	return fmt.Sprintf("%s (%s): %s", kind, media, snippet)
}
