package llmtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// Turn is one scripted entry of the fake server. Each entry acts on
// exactly one HTTP attempt, the next valid one to arrive, and is then used
// up. Exactly one of Response, Status and Fault is set.
type Turn struct {
	// Response is answered as a 200 answer in the request's format, a
	// JSON body or an event stream as the request asks. Tool calls with an
	// empty ID get a generated id ("toolu_…", "call_…"); an empty
	// StopReason becomes tool_use when there are tool calls and end_turn
	// otherwise; an empty Model is the request's model; a non-empty ID and
	// RequestID are used as the answer's id and request id header.
	//
	// Thinking parts are rendered as Anthropic thinking blocks (signed
	// with Signature, or a signature derived from the text when it is
	// empty) and redacted_thinking blocks (when Redacted is set); a later
	// Messages request that repeats the answer's tool calls must carry
	// them unchanged, as the API requires. The Chat Completions format has
	// no thinking and leaves them out.
	Response *llm.Response
	// Status is the HTTP status (400 or more) of an error answer.
	Status int
	// ErrorType and ErrorMessage fill the error envelope of a Status
	// answer; empty means the API's usual values for Status (529 →
	// overloaded_error "Overloaded"). In the OpenAI envelope an ErrorType
	// that ends in "_error" is the type (invalid_request_error), and any
	// other the code (insufficient_quota, context_length_exceeded), with
	// the type the API sends with Status.
	ErrorType, ErrorMessage string
	// Fault is a failure acted out on the attempt (see FaultKind). A cut
	// or reset fault needs a Response turn after it, which it renders in
	// part without using it up.
	Fault *Fault
	// Header holds extra response headers (retry-after, x-should-retry …)
	// of a Response, Status or FaultHTML, FaultResetBody or FaultCut
	// answer. They are set last, so they can override the defaults.
	Header map[string]string
	// Delay is waited before the entry acts; if the client gives up
	// meanwhile, the entry is used up all the same.
	Delay time.Duration
	// Check and ChatCheck, when set, are extra assertions on the request
	// that this turn answers: Check on a Messages request, ChatCheck on a
	// Chat Completions request. An error fails Verify and is answered
	// with a 400, so the client stops early. A turn that has a check for
	// one format only fails when a request of the other format comes.
	Check     func(req *MessagesRequest) error
	ChatCheck func(req *ChatRequest) error
}

// validate reports script errors that no request could make sense of.
func (t Turn) validate() error {
	set := 0
	for _, ok := range []bool{t.Response != nil, t.Status != 0, t.Fault != nil} {
		if ok {
			set++
		}
	}
	switch {
	case set == 0:
		return errors.New("no Response, Status or Fault")
	case set > 1:
		return errors.New("more than one of Response, Status and Fault is set")
	case t.Delay < 0:
		return fmt.Errorf("negative delay %s", t.Delay)
	case t.Fault != nil:
		return t.Fault.validate()
	case t.Response == nil && (t.Status < 400 || t.Status > 599):
		return fmt.Errorf("the Status %d is not an error status (400-599)", t.Status)
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
		case p.Type == llm.PartThinking && p.Thinking != nil:
			if th := p.Thinking; th.Redacted != "" && (th.Text != "" || th.Signature != "") {
				return fmt.Errorf("content.%d: a redacted thinking part has neither text nor signature", i)
			}
		default:
			return fmt.Errorf("content.%d: a response holds text, thinking and tool calls with a name, not %q", i, p.Type)
		}
	}
	return nil
}

// checkScript validates every turn and maps each cut or reset fault to the
// answer it renders in part.
func checkScript(turns []Turn) (map[int]int, error) {
	partialOf := make(map[int]int)
	for i, t := range turns {
		if err := t.validate(); err != nil {
			return nil, fmt.Errorf("turn %d: %w", i+1, err)
		}
		if t.Fault == nil || !t.Fault.partial() {
			continue
		}
		found := false
		for j := i + 1; j < len(turns) && !found; j++ {
			if turns[j].Response != nil {
				partialOf[i], found = j, true
			}
		}
		if !found {
			return nil, fmt.Errorf("turn %d: a %s fault needs a Response turn after it to cut", i+1, t.Fault.Kind)
		}
	}
	return partialOf, nil
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
	DelayMS int `json:"delay_ms"`
}

// faultLine is the JSON form of a scripted fault in a turns file.
type faultLine struct {
	Fault struct {
		Kind    FaultKind         `json:"kind"`
		Status  int               `json:"status"`
		Events  int               `json:"events"`
		Headers map[string]string `json:"headers"`
	} `json:"fault"`
	DelayMS int `json:"delay_ms"`
}

// LoadTurns reads a script for the fake server from a JSON Lines file.
// Each line that is not blank and does not start with '#' is one turn, and
// acts on one HTTP attempt. A line is one of:
//
// An answer, as a replay transcript line (see llm.ParseTranscript; its
// rules apply):
//
//	{"content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn"}
//
// An error answer; status is required (400 to 599), the rest optional:
//
//	{"error":{"status":529,"type":"overloaded_error","message":"Overloaded","headers":{"retry-after":"0"}}}
//
// A fault (see FaultKind); kind is required:
//
//	{"fault":{"kind":"html","status":502}}      a proxy's HTML error page (status optional, 502)
//	{"fault":{"kind":"reset"}}                  connection reset before the headers
//	{"fault":{"kind":"reset_body","events":3}}  reset in the middle of the next answer
//	{"fault":{"kind":"cut","events":5}}         the next answer cut short, connection closed cleanly
//
// events (optional) counts the stream events sent before the reset or the
// end of a streamed answer; a JSON answer is cut in half. headers
// (optional) adds response headers, as in an error line.
//
// Any line may also carry "delay_ms": N at its top level, to wait N
// milliseconds before acting:
//
//	{"delay_ms":2000,"fault":{"kind":"reset"}}
//
// Errors name the file and line.
func LoadTurns(path string) ([]Turn, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read turns: %w", err)
	}
	lines := bytes.Split(data, []byte("\n"))
	// Other lines are blanked in the text handed to ParseTranscript, so
	// its line numbers stay those of the file.
	responsesOnly := make([][]byte, len(lines))
	var (
		turns      []Turn
		isResponse []bool // per turn
		delays     []time.Duration
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
		_ = json.NewDecoder(bytes.NewReader(text)).Decode(&fields)
		var turn Turn
		switch {
		case fields["error"] != nil:
			turn, err = parseErrorLine(text)
		case fields["fault"] != nil:
			turn, err = parseFaultLine(text)
		default:
			var delay time.Duration
			responsesOnly[i], delay, err = takeDelay(text, fields)
			isResponse = append(isResponse, true)
			turns = append(turns, Turn{})
			delays = append(delays, delay)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		turns = append(turns, turn)
		isResponse = append(isResponse, false)
		delays = append(delays, 0)
	}
	if len(turns) == 0 {
		return nil, fmt.Errorf("%s: no turns", path)
	}
	var responses []llm.Response
	if slices.Contains(isResponse, true) {
		responses, err = llm.ParseTranscript(path, bytes.NewReader(bytes.Join(responsesOnly, []byte("\n"))))
		if err != nil {
			return nil, err
		}
	}
	for i := range turns {
		if !isResponse[i] {
			continue
		}
		turns[i] = Turn{Response: &responses[0], Delay: delays[i]}
		responses = responses[1:]
	}
	if _, err := checkScript(turns); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return turns, nil
}

// takeDelay removes "delay_ms" from an answer line, which ParseTranscript
// would refuse as an unknown field.
func takeDelay(text []byte, fields map[string]json.RawMessage) ([]byte, time.Duration, error) {
	raw, ok := fields["delay_ms"]
	if !ok {
		return text, 0, nil
	}
	var whole map[string]json.RawMessage
	if err := decodeStrict(text, &whole, "turn"); err != nil {
		return nil, 0, err
	}
	ms, err := parseDelay(raw)
	if err != nil {
		return nil, 0, err
	}
	delete(fields, "delay_ms")
	rest, err := json.Marshal(fields)
	if err != nil {
		return nil, 0, fmt.Errorf("re-encode turn: %w", err)
	}
	return rest, ms, nil
}

func parseDelay(raw json.RawMessage) (time.Duration, error) {
	var ms int
	if err := json.Unmarshal(raw, &ms); err != nil || ms < 0 {
		return 0, fmt.Errorf("delay_ms: %s is not a non-negative number of milliseconds", raw)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// decodeStrict decodes one JSON object of text into v, refusing unknown
// fields and anything after the object.
func decodeStrict(text []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	if rest := bytes.TrimSpace(text[dec.InputOffset():]); len(rest) > 0 {
		return errors.New("text after the turn's JSON object (one turn per line)")
	}
	return nil
}

func parseErrorLine(text []byte) (Turn, error) {
	var line errorLine
	if err := decodeStrict(text, &line, "error turn"); err != nil {
		return Turn{}, err
	}
	e := line.Error
	if e.Status < 400 || e.Status > 599 {
		return Turn{}, fmt.Errorf("error turn: status %d is not an HTTP error status (400-599)", e.Status)
	}
	if line.DelayMS < 0 {
		return Turn{}, fmt.Errorf("delay_ms: %d is negative", line.DelayMS)
	}
	return Turn{Status: e.Status, ErrorType: e.Type, ErrorMessage: e.Message, Header: e.Headers,
		Delay: time.Duration(line.DelayMS) * time.Millisecond}, nil
}

func parseFaultLine(text []byte) (Turn, error) {
	var line faultLine
	if err := decodeStrict(text, &line, "fault turn"); err != nil {
		return Turn{}, err
	}
	if line.DelayMS < 0 {
		return Turn{}, fmt.Errorf("delay_ms: %d is negative", line.DelayMS)
	}
	f := &Fault{Kind: line.Fault.Kind, Status: line.Fault.Status, Events: line.Fault.Events}
	if err := f.validate(); err != nil {
		return Turn{}, fmt.Errorf("fault turn: %w", err)
	}
	if line.Fault.Headers != nil && f.Kind == FaultReset {
		return Turn{}, errors.New("fault turn: a reset sends no headers")
	}
	return Turn{Fault: f, Header: line.Fault.Headers, Delay: time.Duration(line.DelayMS) * time.Millisecond}, nil
}
