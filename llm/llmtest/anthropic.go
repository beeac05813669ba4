package llmtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/safe-coder/safe-coder/llm"
)

// anthropicFormat is the Anthropic Messages API: POST /v1/messages with
// x-api-key and anthropic-version headers, JSON or streamed answers, and
// the {"type":"error","error":{…}} envelope. thinking remembers the answers
// it rendered with thinking blocks, whose turns must come back with them.
type anthropicFormat struct {
	thinking *thinkingLog
}

var _ wireFormat = anthropicFormat{}

func (anthropicFormat) endpoint() string        { return "/v1/messages" }
func (anthropicFormat) requestIDHeader() string { return "request-id" }

func (f anthropicFormat) accept(r *http.Request, body []byte, apiKey string) (scriptedRequest, *rejection) {
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
	if err == nil {
		err = f.thinking.check(req.Messages)
	}
	if err != nil {
		return nil, &rejection{status: http.StatusBadRequest, message: err.Error(), problem: "invalid request body: " + err.Error()}
	}
	req.Header = r.Header.Clone()
	req.Body = body
	return req, nil
}

func (f anthropicFormat) render(resp *llm.Response, req scriptedRequest, newID func(prefix string) string) rendering {
	m, ok := req.(*MessagesRequest)
	if !ok {
		panic(fmt.Sprintf("llmtest: the Messages format cannot answer a %T", req))
	}
	msg := messageBody(resp, m.Model, newID)
	f.thinking.record(msg.Content)
	if m.Stream {
		events := streamEvents(msg)
		return rendering{contentType: "text/event-stream; charset=utf-8", events: events, whole: len(events)}
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

// check runs the turn's Check on the request. A turn that only has a
// ChatCheck expected the other format.
func (r *MessagesRequest) check(t Turn) error {
	switch {
	case t.Check != nil:
		return t.Check(r)
	case t.ChatCheck != nil:
		return errors.New("the turn has a ChatCheck for Chat Completions requests, but a Messages request came")
	}
	return nil
}
