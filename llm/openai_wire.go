package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// openAIAnswer is a whole Chat Completions answer or one chunk of a
// stream. Only the fields the client needs are declared: servers add their
// own (reasoning, seed, provider, obfuscation …), some of them in shapes a
// strict decoder would refuse, such as a seed beyond int64.
type openAIAnswer struct {
	ID      string          `json:"id"`
	Model   string          `json:"model"`
	Choices []openAIChoice  `json:"choices"`
	Usage   *openAIUsage    `json:"usage"`
	Error   json.RawMessage `json:"error"` // an error reported inside a 200 answer or a stream
}

type openAIChoice struct {
	Message      *openAIAnswerMessage `json:"message"` // whole answers
	Delta        *openAIAnswerMessage `json:"delta"`   // stream chunks
	FinishReason *string              `json:"finish_reason"`
}

// openAIAnswerMessage is a choice's message, or the fragment of it that a
// stream chunk's delta carries.
type openAIAnswerMessage struct {
	// Content is a string, null, or (on some servers) a list of text parts.
	Content   json.RawMessage        `json:"content"`
	ToolCalls []openAIAnswerToolCall `json:"tool_calls"`
}

type openAIAnswerToolCall struct {
	// Index keys the fragments of one call in a stream; whole answers
	// from Ollama carry it too.
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Function struct {
		Name string `json:"name"`
		// Arguments is the input object encoded as a JSON string (a
		// fragment of it in a stream). Some servers send the object
		// itself.
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

// openAIUsage holds the token counts. prompt_tokens includes the cached
// tokens, which OpenAI reports in prompt_tokens_details and Together at
// the top level.
type openAIUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	CachedTokens        int64 `json:"cached_tokens"`
	CacheWriteTokens    int64 `json:"cache_write_tokens"`
	PromptTokensDetails *struct {
		CachedTokens     int64 `json:"cached_tokens"`
		CacheWriteTokens int64 `json:"cache_write_tokens"`
	} `json:"prompt_tokens_details"`
}

// usage converts the counts. InputTokens excludes the cache reads and
// writes, as Usage wants, since prompt_tokens counts both.
func (u *openAIUsage) usage() Usage {
	if u == nil {
		return Usage{}
	}
	read, write := u.CachedTokens, u.CacheWriteTokens
	if d := u.PromptTokensDetails; d != nil {
		read = max(read, d.CachedTokens)
		write = max(write, d.CacheWriteTokens)
	}
	return Usage{
		InputTokens:      max(u.PromptTokens-read-write, 0),
		OutputTokens:     u.CompletionTokens,
		CacheReadTokens:  read,
		CacheWriteTokens: write,
	}
}

// openAICall is a tool call of an answer, its arguments still the text
// the model wrote.
type openAICall struct {
	id, name, arguments string
}

// buildOpenAIAnswer assembles a Response from a decoded answer. The text
// comes first, then the tool calls: the format keeps no order between
// them. Arguments that are not a JSON object make the answer broken,
// except when the model ran out of tokens: then the call it did not finish
// is left out, so that it can never run, and the stop reason says why.
func buildOpenAIAnswer(id, model, text string, calls []openAICall, finish string, usage *openAIUsage) (*Response, error) {
	resp := &Response{
		ID:         id,
		Model:      model,
		Content:    make([]Part, 0, 1+len(calls)),
		StopReason: openAIStopReason(finish, len(calls) > 0),
		Usage:      usage.usage(),
	}
	if text != "" {
		resp.Content = append(resp.Content, TextPart(text))
	}
	for i, c := range calls {
		if c.id == "" || c.name == "" {
			return nil, fmt.Errorf("tool call %d has no id or no name", i)
		}
		input, err := objectOrEmpty(json.RawMessage(c.arguments))
		if err != nil {
			if resp.StopReason == StopMaxTokens {
				continue
			}
			return nil, fmt.Errorf("tool call %s (%s): arguments are not a JSON object", c.id, c.name)
		}
		resp.Content = append(resp.Content, ToolCallPart(ToolCall{ID: c.id, Name: c.name, Input: input}))
	}
	return resp, nil
}

// openAIStopReason maps a finish_reason. A turn with tool calls is a
// tool_use turn whatever the server says of it: OpenAI itself answers
// "stop" when tool_choice names the function, and older Ollama versions
// always did; only "length" keeps its meaning, because the last call may
// be incomplete.
func openAIStopReason(finish string, hasCalls bool) StopReason {
	switch finish {
	case "length":
		return StopMaxTokens
	case "content_filter":
		return StopRefusal
	}
	if hasCalls {
		return StopToolUse
	}
	switch finish {
	case "stop":
		return StopEndTurn
	case "tool_calls", "function_call":
		// Tool calls announced but none sent: nothing to run.
		return StopToolUse
	}
	return StopUnrecognized
}

// textContent reads a message's content: a string, null, or a list of
// parts whose text parts are joined.
func textContent(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("content is neither a string nor a list of parts")
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String(), nil
}

// argumentsText returns the text of a call's arguments: the JSON string's
// value, or the object itself when a server sent one.
func argumentsText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] == '{' {
		return string(raw), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("arguments are neither a string nor an object")
	}
	return s, nil
}

// decodeOpenAIResponse turns a whole 200 answer into a Response. An
// OpenRouter generation id in the body is the Response's RequestID, or
// the error's (see answerIDError), unless a header names one.
func decodeOpenAIResponse(body []byte) (*Response, error) {
	var wire openAIAnswer
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("decode completion: %w", err)
	}
	resp, err := buildOpenAIResponse(wire)
	if id := generationID(wire.ID); id != "" {
		if err != nil {
			return nil, &answerIDError{ID: id, Err: err}
		}
		resp.RequestID = id
	}
	return resp, err
}

func buildOpenAIResponse(wire openAIAnswer) (*Response, error) {
	if err := inBandError(wire.Error); err != nil {
		return nil, err
	}
	if len(wire.Choices) == 0 {
		return nil, errors.New("completion has no choices")
	}
	choice := wire.Choices[0]
	if choice.Message == nil {
		return nil, errors.New("completion's choice has no message")
	}
	text, err := textContent(choice.Message.Content)
	if err != nil {
		return nil, err
	}
	calls := make([]openAICall, 0, len(choice.Message.ToolCalls))
	for i, tc := range choice.Message.ToolCalls {
		args, err := argumentsText(tc.Function.Arguments)
		if err != nil {
			return nil, fmt.Errorf("tool call %d: %w", i, err)
		}
		calls = append(calls, openAICall{id: tc.ID, name: tc.Function.Name, arguments: args})
	}
	var finish string
	if choice.FinishReason != nil {
		finish = *choice.FinishReason
	}
	return buildOpenAIAnswer(wire.ID, wire.Model, text, calls, finish, wire.Usage)
}

// maxGenerationID bounds a generation id taken from a body; OpenRouter's
// are about 40 bytes ("gen-1754667632-NNYO7FUAFP6cwNW8jL7x").
const maxGenerationID = 128

// generationID returns id when it is an OpenRouter generation id ("gen-"
// and letters, digits, '-' or '_'), and "" otherwise. Other servers' body
// ids (chatcmpl-…) name the completion, not the request, and a body is
// not trusted to put arbitrary text into an error.
func generationID(id string) string {
	rest, ok := strings.CutPrefix(id, "gen-")
	if !ok || rest == "" || len(id) > maxGenerationID {
		return ""
	}
	for _, r := range rest {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return ""
		}
	}
	return id
}

// openAIErrorFields is the inside of the error envelope. type and code may
// be strings, numbers (OpenRouter's code is the HTTP status) or null.
type openAIErrorFields struct {
	Message  string          `json:"message"`
	Type     json.RawMessage `json:"type"`
	Code     json.RawMessage `json:"code"`
	Metadata *struct {
		Raw json.RawMessage `json:"raw"` // OpenRouter: the upstream provider's own words
	} `json:"metadata"`
}

// openAIProviderError is an error envelope read: what the transport needs,
// and the status the error stands for when it came inside an answer.
type openAIProviderError struct {
	providerError
	status int
}

// parseOpenAIError reads the error envelopes of the format's servers:
// {"error":{"message","type","param","code"}} (OpenAI, Ollama, vLLM,
// OpenRouter), {"error":"message"} (some proxies and llama.cpp builds),
// and vLLM's older {"object":"error","message","type","code"}. ok is false
// for anything else.
func parseOpenAIError(body []byte) (openAIProviderError, bool) {
	var env struct {
		Error json.RawMessage `json:"error"`
		openAIErrorFields
		Object string `json:"object"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return openAIProviderError{}, false
	}
	var f openAIErrorFields
	switch raw := bytes.TrimSpace(env.Error); {
	case len(raw) > 0 && raw[0] == '{':
		if err := json.Unmarshal(raw, &f); err != nil {
			return openAIProviderError{}, false
		}
	case len(raw) > 0 && raw[0] == '"':
		if err := json.Unmarshal(raw, &f.Message); err != nil {
			return openAIProviderError{}, false
		}
	case env.Object == "error":
		f = env.openAIErrorFields
	default:
		return openAIProviderError{}, false
	}
	errType, _ := jsonText(f.Type)
	code, codeIsString := jsonText(f.Code)
	status, _ := strconv.Atoi(code)
	if status < 400 || status > 599 {
		status = 0
	}
	out := openAIProviderError{providerError: providerError{Message: f.Message}}
	out.Type = errType
	if codeIsString && code != "" {
		out.Type = code
	}
	out.SpendLimit = mentionsSpendLimit(errType, code) || status == http.StatusPaymentRequired
	if f.Metadata != nil {
		if raw, isString := jsonText(f.Metadata.Raw); isString && raw != "" && !strings.Contains(out.Message, raw) {
			// OpenRouter's own message ("Provider returned error") says
			// little; the upstream's says what to do.
			out.Message = joinNonEmpty(out.Message, snippet(raw))
		}
	}
	if out.Type == "" && out.Message == "" {
		return openAIProviderError{}, false
	}
	out.status = status
	if out.status == 0 {
		out.status = openAIErrorStatus(code, errType)
	}
	return out, true
}

// jsonText returns a JSON string's value, or a number's text; isString
// tells which.
func jsonText(raw json.RawMessage) (text string, isString bool) {
	raw = bytes.TrimSpace(raw)
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), false
	}
	return "", false
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + ": " + b
}

// snippet shortens s to errorSnippetLen bytes, on a rune boundary.
func snippet(s string) string {
	if len(s) <= errorSnippetLen {
		return s
	}
	return strings.ToValidUTF8(s[:errorSnippetLen], "") + "…"
}

// openAIErrorStatus is the HTTP status that an error code or type stands
// for, for errors reported inside an answer. The code is more specific
// (invalid_api_key has type invalid_request_error), so it decides first.
// Unknown errors count as server errors, and are retried.
func openAIErrorStatus(code, errType string) int {
	for _, name := range []string{code, errType} {
		switch name {
		case "invalid_request_error", "context_length_exceeded", "invalid_value", "invalid_prompt":
			return http.StatusBadRequest
		case "invalid_api_key", "authentication_error", "invalid_authentication":
			return http.StatusUnauthorized
		case "insufficient_quota", "billing_error":
			// OpenAI sends its spent quota with 429; SpendLimit stops
			// the retry.
			return http.StatusTooManyRequests
		case "permission_error", "insufficient_permissions":
			return http.StatusForbidden
		case "model_not_found", "not_found_error":
			return http.StatusNotFound
		case "rate_limit_exceeded", "rate_limit_error", "requests", "tokens":
			return http.StatusTooManyRequests
		case "overloaded_error", "service_unavailable", "engine_overloaded":
			return http.StatusServiceUnavailable
		}
	}
	return http.StatusInternalServerError
}

// inBandError returns the *answerError of an "error" member of a 200
// answer or a stream chunk, or nil when there is none.
func inBandError(raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	perr, ok := parseOpenAIError(fmt.Appendf(nil, `{"error":%s}`, raw))
	if !ok {
		return fmt.Errorf("unreadable error in the answer: %s", snippet(string(raw)))
	}
	return &answerError{Status: perr.status, Err: perr.providerError}
}

// openAIWire reads Chat Completions answers for the transport: whole JSON
// answers, or event streams when stream is set.
type openAIWire struct {
	stream bool
}

var _ wireFormat = openAIWire{}

func (openAIWire) parseError(header http.Header, body []byte) providerError {
	if perr, ok := parseOpenAIError(body); ok {
		return perr.providerError
	}
	return providerError{Message: describeErrorBody(header.Get("content-type"), body)}
}

// decode reads a 2xx answer: an event stream when one was asked for and
// the server sent one, a JSON answer otherwise (a proxy may answer a
// stream request with a whole body).
func (w openAIWire) decode(header http.Header, body io.Reader) (*Response, error) {
	media, _, _ := mime.ParseMediaType(header.Get("content-type"))
	if w.stream && media == "text/event-stream" {
		return decodeOpenAIStream(body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return decodeOpenAIResponse(data)
}
