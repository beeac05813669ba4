package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"
)

// anthropicVersion is the API version this adapter speaks; the wire types
// below follow it.
const anthropicVersion = "2023-06-01"

// emptyObject is sent for tool inputs and schemas the caller left empty: the
// API requires a JSON object in both places.
const emptyObject = "{}"

// emptySchema is the input schema of a tool that takes no parameters.
const emptySchema = `{"type":"object"}`

type anthropicRequest struct {
	Model     string             `json:"model"`
	MaxTokens int                `json:"max_tokens"`
	System    []anthropicText    `json:"system,omitempty"`
	Messages  []anthropicMessage `json:"messages"`
	Tools     []anthropicTool    `json:"tools,omitempty"`
	Stream    bool               `json:"stream,omitempty"`
}

// anthropicCacheControl marks a prompt-cache breakpoint: the API caches the
// prompt prefix that ends with the marked block.
type anthropicCacheControl struct {
	Type string `json:"type"`
}

// ephemeral is the only cache type the API has; its default lifetime of
// five minutes outlasts the gap between two turns of a run.
func ephemeral() *anthropicCacheControl { return &anthropicCacheControl{Type: "ephemeral"} }

type anthropicMessage struct {
	Role Role `json:"role"`
	// Content holds anthropicText, anthropicToolUse, anthropicToolResult,
	// anthropicThinking and anthropicRedactedThinking values; separate
	// types keep each block free of fields it must not have.
	Content []any `json:"content"`
}

type anthropicText struct {
	Type         string                 `json:"type"`
	Text         string                 `json:"text"`
	CacheControl *anthropicCacheControl `json:"cache_control,omitempty"`
}

type anthropicToolUse struct {
	Type         string                 `json:"type"`
	ID           string                 `json:"id"`
	Name         string                 `json:"name"`
	Input        json.RawMessage        `json:"input"`
	CacheControl *anthropicCacheControl `json:"cache_control,omitempty"`
}

type anthropicToolResult struct {
	Type         string                 `json:"type"`
	ToolUseID    string                 `json:"tool_use_id"`
	Content      string                 `json:"content"`
	IsError      bool                   `json:"is_error,omitempty"`
	CacheControl *anthropicCacheControl `json:"cache_control,omitempty"`
}

// anthropicThinking is a thinking block sent back as the API gave it. It
// has no cache_control: the API refuses one on thinking blocks.
type anthropicThinking struct {
	Type      string `json:"type"`
	Thinking  string `json:"thinking"`
	Signature string `json:"signature"`
}

// anthropicRedactedThinking is a redacted_thinking block sent back as the
// API gave it.
type anthropicRedactedThinking struct {
	Type string `json:"type"`
	Data string `json:"data"`
}

// anthropicProvider is the Thinking.Provider of the blocks this adapter
// reads, and the only one it sends back.
const anthropicProvider = "anthropic"

type anthropicTool struct {
	Name         string                 `json:"name"`
	Description  string                 `json:"description,omitempty"`
	InputSchema  json.RawMessage        `json:"input_schema"`
	CacheControl *anthropicCacheControl `json:"cache_control,omitempty"`
}

// encodeAnthropicRequest builds the Messages API body for req, asking for
// a stream when stream is set. It rejects requests the API would refuse for
// reasons only a programming error can cause (an unknown part type, a tool
// call without id), so they fail here with a precise message instead of as
// an HTTP 400.
//
// It marks three prompt-cache breakpoints (the API allows four): the system
// prompt, the last tool and the last block of the last message that is not
// a thinking block (the API refuses cache_control there). The API caches in
// the order tools, system, messages, so the first two cache the stable part
// of every request, and the last one caches the whole conversation, which
// the next turn extends and reads back.
//
// Thinking parts made by this adapter are sent back verbatim, where the
// message has them; those of other providers are dropped.
func encodeAnthropicRequest(req *Request, stream bool) ([]byte, error) {
	if req.Model == "" {
		return nil, errors.New("model is empty")
	}
	if req.MaxTokens < 1 {
		return nil, fmt.Errorf("max_tokens is %d, must be at least 1", req.MaxTokens)
	}
	if len(req.Messages) == 0 {
		return nil, errors.New("no messages")
	}
	wire := anthropicRequest{
		Model:     req.Model,
		MaxTokens: req.MaxTokens,
		Messages:  make([]anthropicMessage, 0, len(req.Messages)),
		Stream:    stream,
	}
	if req.System != "" {
		wire.System = []anthropicText{{Type: "text", Text: req.System, CacheControl: ephemeral()}}
	}
	for i, m := range req.Messages {
		wm, err := encodeAnthropicMessage(m)
		if err != nil {
			return nil, fmt.Errorf("messages.%d: %w", i, err)
		}
		wire.Messages = append(wire.Messages, wm)
	}
	for i, t := range req.Tools {
		if t.Name == "" {
			return nil, fmt.Errorf("tools.%d: name is empty", i)
		}
		schema, err := objectOrEmpty(t.InputSchema)
		if err != nil {
			return nil, fmt.Errorf("tools.%d (%s): input schema: %w", i, t.Name, err)
		}
		if string(schema) == emptyObject {
			// The API requires the schema's type; a tool without
			// parameters is an object without properties.
			schema = json.RawMessage(emptySchema)
		}
		wire.Tools = append(wire.Tools, anthropicTool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	if n := len(wire.Tools); n > 0 {
		wire.Tools[n-1].CacheControl = ephemeral()
	}
	last := wire.Messages[len(wire.Messages)-1].Content
	for i := len(last) - 1; i >= 0; i-- {
		if marked, ok := withCacheControl(last[i]); ok {
			last[i] = marked
			break
		}
	}
	body, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return body, nil
}

// withCacheControl returns block, one of the types encodeAnthropicPart
// makes, with a cache breakpoint; ok is false for thinking blocks, which
// cannot carry one.
func withCacheControl(block any) (marked any, ok bool) {
	switch b := block.(type) {
	case anthropicText:
		b.CacheControl = ephemeral()
		return b, true
	case anthropicToolUse:
		b.CacheControl = ephemeral()
		return b, true
	case anthropicToolResult:
		b.CacheControl = ephemeral()
		return b, true
	case anthropicThinking, anthropicRedactedThinking:
		return block, false
	}
	panic(fmt.Sprintf("llm: no cache_control for block type %T", block))
}

func encodeAnthropicMessage(m Message) (anthropicMessage, error) {
	if m.Role != RoleUser && m.Role != RoleAssistant {
		return anthropicMessage{}, fmt.Errorf("unknown role %q", m.Role)
	}
	wm := anthropicMessage{Role: m.Role, Content: make([]any, 0, len(m.Content))}
	for j, p := range m.Content {
		block, err := encodeAnthropicPart(m.Role, p)
		if err != nil {
			return anthropicMessage{}, fmt.Errorf("content.%d: %w", j, err)
		}
		if block != nil {
			wm.Content = append(wm.Content, block)
		}
	}
	if len(wm.Content) == 0 {
		// The API refuses empty messages; sending one would only trade this
		// message for a less precise HTTP 400.
		return anthropicMessage{}, errors.New("message has no content to send")
	}
	return wm, nil
}

// encodeAnthropicPart returns the wire block for p, or nil for an empty
// text part, which the API would refuse, and for another provider's
// thinking, which it could not verify.
func encodeAnthropicPart(role Role, p Part) (any, error) {
	switch p.Type {
	case PartThinking:
		t := p.Thinking
		switch {
		case t == nil:
			return nil, errors.New("thinking part without thinking")
		case role != RoleAssistant:
			return nil, errors.New("thinking in a user message")
		case t.Provider != anthropicProvider:
			return nil, nil
		case t.Redacted != "":
			return anthropicRedactedThinking{Type: "redacted_thinking", Data: t.Redacted}, nil
		}
		return anthropicThinking{Type: "thinking", Thinking: t.Text, Signature: t.Signature}, nil
	case PartText:
		if p.Text == "" {
			return nil, nil
		}
		return anthropicText{Type: "text", Text: p.Text}, nil
	case PartToolCall:
		c := p.ToolCall
		switch {
		case c == nil:
			return nil, errors.New("tool_call part without tool call")
		case role != RoleAssistant:
			return nil, errors.New("tool call in a user message")
		case c.ID == "" || c.Name == "":
			return nil, fmt.Errorf("tool call %q (%s) needs an id and a name", c.ID, c.Name)
		}
		input, err := objectOrEmpty(c.Input)
		if err != nil {
			return nil, fmt.Errorf("tool call %s input: %w", c.ID, err)
		}
		return anthropicToolUse{Type: "tool_use", ID: c.ID, Name: c.Name, Input: input}, nil
	case PartToolResult:
		r := p.ToolResult
		switch {
		case r == nil:
			return nil, errors.New("tool_result part without tool result")
		case role != RoleUser:
			return nil, errors.New("tool result in an assistant message")
		case r.CallID == "":
			return nil, errors.New("tool result without call id")
		}
		return anthropicToolResult{Type: "tool_result", ToolUseID: r.CallID, Content: r.Content, IsError: r.IsError}, nil
	default:
		return nil, fmt.Errorf("unknown part type %q", p.Type)
	}
}

// objectOrEmpty returns raw when it is a JSON object and {} when it is empty
// or null.
func objectOrEmpty(raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return json.RawMessage(emptyObject), nil
	}
	if !isJSONObject(trimmed) {
		return nil, errors.New("not a JSON object")
	}
	return trimmed, nil
}

// isJSONObject reports whether raw is a single valid JSON object.
func isJSONObject(raw []byte) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed)
}

type anthropicResponse struct {
	ID         string                   `json:"id"`
	Type       string                   `json:"type"`
	Role       string                   `json:"role"`
	Model      string                   `json:"model"`
	Content    []anthropicResponseBlock `json:"content"`
	StopReason string                   `json:"stop_reason"`
	Usage      anthropicUsage           `json:"usage"`
}

type anthropicResponseBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	Thinking  string          `json:"thinking"`  // thinking
	Signature string          `json:"signature"` // thinking
	Data      string          `json:"data"`      // redacted_thinking
}

type anthropicUsage struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
}

// decodeAnthropicResponse turns a 200 body into a Response. Unknown fields
// are ignored because the API keeps adding them. Thinking and
// redacted_thinking blocks are kept, in order, to be sent back; other block
// types (server tools) carry nothing the runner can act on and are skipped.
func decodeAnthropicResponse(body []byte) (*Response, error) {
	var wire anthropicResponse
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("decode message: %w", err)
	}
	switch {
	case wire.Type != "message":
		return nil, fmt.Errorf("body has type %q, want \"message\"", wire.Type)
	case wire.Role != string(RoleAssistant):
		return nil, fmt.Errorf("message has role %q, want \"assistant\"", wire.Role)
	case wire.Content == nil:
		return nil, errors.New("message has no content array")
	}
	resp := &Response{
		ID:         wire.ID,
		Model:      wire.Model,
		Content:    make([]Part, 0, len(wire.Content)),
		StopReason: anthropicStopReason(wire.StopReason),
		Usage: Usage{
			InputTokens:      wire.Usage.InputTokens,
			OutputTokens:     wire.Usage.OutputTokens,
			CacheReadTokens:  wire.Usage.CacheReadInputTokens,
			CacheWriteTokens: wire.Usage.CacheCreationInputTokens,
		},
	}
	for i, b := range wire.Content {
		switch b.Type {
		case "text":
			if b.Text != "" {
				resp.Content = append(resp.Content, TextPart(b.Text))
			}
		case "tool_use":
			if b.ID == "" || b.Name == "" {
				return nil, fmt.Errorf("content.%d: tool_use block without id or name", i)
			}
			input, err := objectOrEmpty(b.Input)
			if err != nil {
				return nil, fmt.Errorf("content.%d: tool_use %s input: %w", i, b.ID, err)
			}
			resp.Content = append(resp.Content, ToolCallPart(ToolCall{ID: b.ID, Name: b.Name, Input: input}))
		case "thinking":
			resp.Content = append(resp.Content, ThinkingPart(Thinking{Provider: anthropicProvider, Text: b.Thinking, Signature: b.Signature}))
		case "redacted_thinking":
			if b.Data == "" {
				return nil, fmt.Errorf("content.%d: redacted_thinking block without data", i)
			}
			resp.Content = append(resp.Content, ThinkingPart(Thinking{Provider: anthropicProvider, Redacted: b.Data}))
		}
	}
	return resp, nil
}

func anthropicStopReason(s string) StopReason {
	switch r := StopReason(s); r {
	case StopEndTurn, StopToolUse, StopMaxTokens, StopSequence, StopRefusal, StopPauseTurn:
		return r
	default:
		return StopUnrecognized
	}
}

type anthropicErrorEnvelope struct {
	Type      string              `json:"type"`
	Error     *anthropicErrorBody `json:"error"`
	RequestID string              `json:"request_id"`
}

// anthropicErrorBody is the error object of an envelope or an error event.
// Details.ErrorCode refines the type: a rate_limit_error whose code is
// enforced_spend_limit_reached is the monthly spend cap, not a rate limit.
type anthropicErrorBody struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Details *struct {
		ErrorCode string `json:"error_code"`
	} `json:"details"`
}

func (e *anthropicErrorBody) code() string {
	if e.Details == nil {
		return ""
	}
	return e.Details.ErrorCode
}

// anthropicWire reads the Messages API's answers for the transport: whole
// JSON messages, or event streams when stream is set.
type anthropicWire struct {
	stream bool
}

var _ wireFormat = anthropicWire{}

// parseError reads the API's error envelope. A body that is not an envelope
// (an HTML page from a proxy, a truncated answer) gives an empty type and a
// message quoting its start.
func (anthropicWire) parseError(header http.Header, body []byte) providerError {
	var env anthropicErrorEnvelope
	if err := json.Unmarshal(body, &env); err == nil && env.Error != nil && (env.Error.Type != "" || env.Error.Message != "") {
		return providerError{
			Type:       env.Error.Type,
			Message:    env.Error.Message,
			RequestID:  env.RequestID,
			SpendLimit: mentionsSpendLimit(env.Error.Type, env.Error.code()),
		}
	}
	return providerError{Message: describeErrorBody(header.Get("content-type"), body)}
}

// decode reads a 2xx answer: an event stream when one was asked for and
// the server sent one, a JSON message otherwise. The content type decides,
// because a proxy may answer a stream request with a whole body.
func (w anthropicWire) decode(header http.Header, body io.Reader) (*Response, error) {
	media, _, _ := mime.ParseMediaType(header.Get("content-type"))
	if w.stream && media == "text/event-stream" {
		return decodeAnthropicStream(body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return decodeAnthropicResponse(data)
}

// rateLimitWait suggests nothing: the API sends Retry-After with every
// 429, and a 429 without one falls back to backoff rather than guess from
// the anthropic-ratelimit-*-reset times.
func (anthropicWire) rateLimitWait(http.Header) (time.Duration, bool) { return 0, false }

// anthropicErrorStatus is the HTTP status the API uses for an error type,
// for errors that arrive as a stream's error event.
func anthropicErrorStatus(errType string) int {
	switch errType {
	case "invalid_request_error":
		return http.StatusBadRequest
	case "authentication_error":
		return http.StatusUnauthorized
	case "billing_error":
		return http.StatusPaymentRequired
	case "permission_error":
		return http.StatusForbidden
	case "not_found_error":
		return http.StatusNotFound
	case "request_too_large":
		return http.StatusRequestEntityTooLarge
	case "rate_limit_error":
		return http.StatusTooManyRequests
	case "timeout_error":
		return http.StatusGatewayTimeout
	case "overloaded_error":
		return 529
	}
	return http.StatusInternalServerError
}
