package llmtest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/safe-coder/safe-coder/llm"
)

// openAIFormat is the OpenAI Chat Completions API: POST /chat/completions
// below the base URL (which carries the version, /v1), a Bearer key that
// a local server may do without, JSON or streamed answers, and the
// {"error":{"message","type","param","code"}} envelope.
type openAIFormat struct{}

var _ wireFormat = openAIFormat{}

func (openAIFormat) endpoint() string        { return "/chat/completions" }
func (openAIFormat) requestIDHeader() string { return "x-request-id" }

func (openAIFormat) accept(r *http.Request, body []byte, apiKey string) (scriptedRequest, *rejection) {
	if apiKey != "" {
		switch auth := r.Header.Get("Authorization"); {
		case auth == "":
			// The problem texts never quote a key: Verify's error ends
			// up in test logs.
			return nil, &rejection{status: http.StatusUnauthorized, errType: "invalid_api_key",
				message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
				problem: "no Authorization header"}
		case auth != "Bearer "+apiKey:
			return nil, &rejection{status: http.StatusUnauthorized, errType: "invalid_api_key",
				problem: "wrong Authorization header (want Bearer and the key)"}
		}
	}
	req, err := decodeChatRequest(body)
	if err != nil {
		return nil, &rejection{status: http.StatusBadRequest, message: err.Error(), problem: "invalid request body: " + err.Error()}
	}
	req.Header = r.Header.Clone()
	req.Body = body
	return req, nil
}

func (openAIFormat) render(resp *llm.Response, req scriptedRequest, newID func(prefix string) string) rendering {
	c, ok := req.(*ChatRequest)
	if !ok {
		panic(fmt.Sprintf("llmtest: the Chat Completions format cannot answer a %T", req))
	}
	answer := newChatAnswer(resp, c.Model, newID)
	if c.Stream {
		events, whole := answer.events(c.IncludeUsage)
		return rendering{contentType: "text/event-stream; charset=utf-8", events: events, whole: whole}
	}
	return rendering{contentType: "application/json", body: answer.body()}
}

func (openAIFormat) errorAnswer(status int, errType, message, _ string) []byte {
	return chatError(status, errType, message)
}

// streamed reports whether the request asked for an event stream.
func (r *ChatRequest) streamed() bool { return r.Stream }

// check runs the turn's ChatCheck on the request. A turn that only has a
// Check expected the other format.
func (r *ChatRequest) check(t Turn) error {
	switch {
	case t.ChatCheck != nil:
		return t.ChatCheck(r)
	case t.Check != nil:
		return errors.New("the turn has a Check for Messages requests, but a Chat Completions request came")
	}
	return nil
}
