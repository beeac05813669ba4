package llmtest

import (
	"net/http"

	"github.com/safe-coder/safe-coder/llm"
)

// wireFormat is one provider API the fake speaks. The server (server.go)
// owns everything that does not depend on the wire: routing by path, the
// turn queue, attempt counting, delays, faults (faults.go) and Verify. A
// wireFormat owns the rest: which requests are valid, how answers and
// errors look.
//
// The Anthropic Messages API is anthropicFormat (anthropic.go), the OpenAI
// Chat Completions API openAIFormat (openai.go); Start lists both, so one
// server answers whichever a client speaks, told apart by path. A format
// has its own request type implementing scriptedRequest (MessagesRequest,
// ChatRequest), a Turn field for checks on it (Check, ChatCheck) and a
// Server method listing its accepted requests. Faults work for every
// format unchanged: they cut the rendering that render returns.
type wireFormat interface {
	// endpoint is the path below Options.BasePath the format answers
	// (POST only), e.g. "/v1/messages".
	endpoint() string

	// accept checks an attempt as the real API would: credentials and
	// version headers, then the body. It returns the decoded request, or
	// the rejection the API would send. apiKey is Options.APIKey.
	accept(r *http.Request, body []byte, apiKey string) (scriptedRequest, *rejection)

	// render renders a scripted answer to req as the API would send it:
	// one JSON body, or the events of a stream when req asked for one.
	// newID supplies the ids the script left empty.
	render(resp *llm.Response, req scriptedRequest, newID func(prefix string) string) rendering

	// errorAnswer renders an error answer. errType and message may be
	// empty: the format then uses what the API sends with status.
	errorAnswer(status int, errType, message, requestID string) []byte

	// requestIDHeader is the response header that carries the request id
	// ("request-id" for Anthropic, "x-request-id" for OpenAI).
	requestIDHeader() string
}

// scriptedRequest is a request a wireFormat accepted.
type scriptedRequest interface {
	// streamed reports whether the request asked for a streamed answer.
	streamed() bool
	// check runs the assertion the turn holds for this format, if any.
	check(t Turn) error
}

// rejection is an invalid request: the answer the real API would give and
// the problem Verify reports.
type rejection struct {
	status  int
	errType string // "" for the format's default for status
	message string // what the API would say
	problem string // what Verify says; never quotes a key
}

// rendering is a scripted answer in a format's wire form. Exactly one of
// body and events is set.
type rendering struct {
	contentType string
	// body is a whole JSON answer.
	body []byte
	// events are the server-sent events of a streamed answer, each
	// complete with its terminating blank line; the last one is the
	// stream's final event.
	events [][]byte
	// whole is how many leading events make the answer complete for a
	// client that takes a clean end of the body as the end of the
	// stream: all of them for Anthropic, all but data: [DONE] for an
	// OpenAI stream with a usage chunk. A default cut fault sends one
	// less, so that it always breaks the answer.
	whole int
}
