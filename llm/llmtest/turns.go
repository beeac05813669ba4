package llmtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/safe-coder/safe-coder/llm"
)

// Turn is one scripted answer of the fake server. Exactly one of Response
// and Status is set.
type Turn struct {
	// Response is answered as a 200 Messages body. Tool calls with an empty
	// ID get a generated "toolu_…" id; an empty StopReason becomes tool_use
	// when there are tool calls and end_turn otherwise; an empty Model is
	// the request's model; a non-empty ID and RequestID are used as the
	// message id and the request-id header.
	Response *llm.Response
	// Status is the HTTP status (400 or more) of an error answer, used when
	// Response is nil.
	Status int
	// ErrorType and ErrorMessage fill the error envelope; empty means the
	// API's usual values for Status (529 → overloaded_error "Overloaded").
	ErrorType, ErrorMessage string
	// Header holds extra response headers (retry-after, x-should-retry …).
	// They are set last, so they can override the defaults.
	Header map[string]string
	// Check, when set, is an extra assertion on the request that this turn
	// answers. An error fails Verify and is answered with a 400, so the
	// client stops early.
	Check func(req *MessagesRequest) error
}

// validate reports script errors that no request could make sense of.
func (t Turn) validate() error {
	switch {
	case t.Response == nil && (t.Status < 400 || t.Status > 599):
		return fmt.Errorf("no Response and Status %d is not an error status", t.Status)
	case t.Response != nil && t.Status != 0:
		return errors.New("both Response and Status are set")
	case t.Response == nil:
		return nil
	}
	for i, p := range t.Response.Content {
		switch {
		case p.Type == llm.PartText:
		case p.Type == llm.PartToolCall && p.ToolCall != nil && p.ToolCall.Name != "":
			if in := bytes.TrimSpace(p.ToolCall.Input); len(in) > 0 && string(in) != "null" && (in[0] != '{' || !json.Valid(in)) {
				return fmt.Errorf("content.%d: tool call input is not a JSON object", i)
			}
		default:
			return fmt.Errorf("content.%d: a response holds text and tool calls with a name, not %q", i, p.Type)
		}
	}
	return nil
}

// defaultErrorType is the error type the API sends with status.
func defaultErrorType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

// defaultErrorMessage is a message in the API's words for status.
func defaultErrorMessage(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "invalid x-api-key"
	case http.StatusForbidden:
		return "Your API key does not have permission to use the specified resource."
	case http.StatusRequestEntityTooLarge:
		return "Request exceeds the maximum allowed number of bytes."
	case http.StatusTooManyRequests:
		return "Number of request tokens has exceeded your per-minute rate limit."
	case http.StatusInternalServerError:
		return "Internal server error"
	case 529:
		return "Overloaded"
	}
	if text := http.StatusText(status); text != "" {
		return text
	}
	return fmt.Sprintf("HTTP %d", status)
}

// errorLine is the JSON form of a scripted error answer in a turns file.
type errorLine struct {
	Error struct {
		Status  int               `json:"status"`
		Type    string            `json:"type"`
		Message string            `json:"message"`
		Headers map[string]string `json:"headers"`
	} `json:"error"`
}

// LoadTurns reads a script for the fake server from a JSON Lines file. Each
// line that is not blank and does not start with '#' is one turn: either a
// replay transcript line (see llm.ParseTranscript; its rules apply) or an
// error answer:
//
//	{"error":{"status":529,"type":"overloaded_error","message":"Overloaded","headers":{"retry-after":"0"}}}
//
// where status is required (400 to 599) and the other fields are optional.
// Errors name the file and line.
func LoadTurns(path string) ([]Turn, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read turns: %w", err)
	}
	lines := bytes.Split(data, []byte("\n"))
	// Error lines are blanked in the text handed to ParseTranscript, so its
	// line numbers stay those of the file.
	responsesOnly := make([][]byte, len(lines))
	var (
		isError  []bool // per turn, in file order
		errTurns []Turn
	)
	for i, line := range lines {
		text := bytes.TrimSpace(line)
		if len(text) == 0 || text[0] == '#' {
			responsesOnly[i] = line
			continue
		}
		// Only the first JSON value decides the kind of line, so that an
		// error line with trailing junk is reported as such.
		var fields map[string]json.RawMessage
		if json.NewDecoder(bytes.NewReader(text)).Decode(&fields) != nil || fields["error"] == nil {
			responsesOnly[i] = line
			isError = append(isError, false)
			continue
		}
		turn, err := parseErrorLine(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		isError = append(isError, true)
		errTurns = append(errTurns, turn)
	}
	var responses []llm.Response
	if len(errTurns) < len(isError) {
		responses, err = llm.ParseTranscript(path, bytes.NewReader(bytes.Join(responsesOnly, []byte("\n"))))
		if err != nil {
			return nil, err
		}
	}
	if len(isError) == 0 {
		return nil, fmt.Errorf("%s: no turns", path)
	}
	turns := make([]Turn, 0, len(isError))
	for _, e := range isError {
		if e {
			turns = append(turns, errTurns[0])
			errTurns = errTurns[1:]
			continue
		}
		turns = append(turns, Turn{Response: &responses[0]})
		responses = responses[1:]
	}
	return turns, nil
}

func parseErrorLine(text []byte) (Turn, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	var line errorLine
	if err := dec.Decode(&line); err != nil {
		return Turn{}, fmt.Errorf("decode error turn: %w", err)
	}
	if rest := bytes.TrimSpace(text[dec.InputOffset():]); len(rest) > 0 {
		return Turn{}, errors.New("text after the turn's JSON object (one turn per line)")
	}
	e := line.Error
	if e.Status < 400 || e.Status > 599 {
		return Turn{}, fmt.Errorf("error turn: status %d is not an HTTP error status (400-599)", e.Status)
	}
	return Turn{Status: e.Status, ErrorType: e.Type, ErrorMessage: e.Message, Header: e.Headers}, nil
}
