package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/safe-coder/safe-coder/llm"
)

// anthropicFormat is the Anthropic Messages API: POST /v1/messages with
// x-api-key and anthropic-version headers, JSON or streamed answers, and
// the {"type":"error","error":{…}} envelope.
type anthropicFormat struct{}

var _ wireFormat = anthropicFormat{}

func (anthropicFormat) endpoint() string        { return "/v1/messages" }
func (anthropicFormat) requestIDHeader() string { return "request-id" }

func (anthropicFormat) accept(r *http.Request, body []byte, apiKey string) (scriptedRequest, *rejection) {
	if key := r.Header.Get("x-api-key"); key == "" || (apiKey != "" && key != apiKey) {
		// The problem text never quotes the key: Verify's error ends up in
		// test logs.
		return nil, &rejection{status: http.StatusUnauthorized, message: "invalid x-api-key", problem: "missing or wrong x-api-key header"}
	}
	switch v := r.Header.Get("anthropic-version"); v {
	case "2023-06-01", "2023-01-01":
	case "":
		return nil, &rejection{status: http.StatusBadRequest, message: "anthropic-version: header is required", problem: "no anthropic-version header"}
	default:
		return nil, &rejection{status: http.StatusBadRequest, message: fmt.Sprintf("anthropic-version: invalid version %q", v), problem: "unknown anthropic-version " + v}
	}
	req, err := decodeRequest(body)
	if err != nil {
		return nil, &rejection{status: http.StatusBadRequest, message: err.Error(), problem: "invalid request body: " + err.Error()}
	}
	req.Header = r.Header.Clone()
	req.Body = body
	return req, nil
}

func (anthropicFormat) render(resp *llm.Response, req scriptedRequest, newID func(prefix string) string) rendering {
	m := req.(*MessagesRequest)
	msg := messageBody(resp, m.Model, newID)
	if m.Stream {
		return rendering{contentType: "text/event-stream; charset=utf-8", events: streamEvents(msg)}
	}
	body, err := json.Marshal(msg)
	if err != nil {
		// Every field of wireMessage marshals; tool inputs were checked
		// to be JSON objects when the script was loaded.
		panic(fmt.Sprintf("llmtest: encode answer: %v", err))
	}
	return rendering{contentType: "application/json", body: body}
}

func (anthropicFormat) errorAnswer(status int, errType, message, requestID string) []byte {
	if errType == "" {
		errType = defaultErrorType(status)
	}
	if message == "" {
		message = defaultErrorMessage(status)
	}
	body, err := json.Marshal(errorBody(errType, message, requestID))
	if err != nil {
		panic(fmt.Sprintf("llmtest: encode error answer: %v", err))
	}
	return body
}

// streamed reports whether the request asked for an event stream.
func (r *MessagesRequest) streamed() bool { return r.Stream }

// check runs the turn's Check on the request.
func (r *MessagesRequest) check(t Turn) error {
	if t.Check == nil {
		return nil
	}
	return t.Check(r)
}
