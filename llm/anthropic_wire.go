package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
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
	System    string             `json:"system,omitempty"`
	Messages  []anthropicMessage `json:"messages"`
	Tools     []anthropicTool    `json:"tools,omitempty"`
}

type anthropicMessage struct {
	Role Role `json:"role"`
	// Content holds anthropicText, anthropicToolUse and anthropicToolResult
	// values; separate types keep each block free of fields it must not have.
	Content []any `json:"content"`
}

type anthropicText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type anthropicToolUse struct {
	Type  string          `json:"type"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

type anthropicToolResult struct {
	Type      string `json:"type"`
	ToolUseID string `json:"tool_use_id"`
	Content   string `json:"content"`
	IsError   bool   `json:"is_error,omitempty"`
}

type anthropicTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// encodeAnthropicRequest builds the Messages API body for req. It rejects
// requests the API would refuse for reasons only a programming error can
// cause (an unknown part type, a tool call without id), so they fail here
// with a precise message instead of as an HTTP 400.
func encodeAnthropicRequest(req *Request) ([]byte, error) {
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
		System:    req.System,
		Messages:  make([]anthropicMessage, 0, len(req.Messages)),
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
	body, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return body, nil
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
// text part, which the API would refuse.
func encodeAnthropicPart(role Role, p Part) (any, error) {
	switch p.Type {
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
	Type  string          `json:"type"`
	Text  string          `json:"text"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

type anthropicUsage struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
}

// decodeAnthropicResponse turns a 200 body into a Response. Unknown fields
// are ignored because the API keeps adding them; block types other than text
// and tool_use (thinking, server tools) carry nothing the runner can act on
// and are skipped.
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
	Type  string `json:"type"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// errorSnippetLen bounds how much of a non-JSON error body goes into an
// error message: enough to recognise a proxy's page, not enough to flood logs.
const errorSnippetLen = 200

// parseAnthropicError reads the error envelope of a non-2xx body. A body
// that is not an envelope (an HTML page from a proxy, a truncated answer)
// gives an empty type and a message quoting its start.
func parseAnthropicError(contentType string, body []byte) (errType, message, requestID string) {
	var env anthropicErrorEnvelope
	if err := json.Unmarshal(body, &env); err == nil && env.Error != nil && (env.Error.Type != "" || env.Error.Message != "") {
		return env.Error.Type, env.Error.Message, env.RequestID
	}
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
		return "", fmt.Sprintf("%s (%s), empty", kind, media), ""
	}
	return "", fmt.Sprintf("%s (%s): %s", kind, media, snippet), ""
}
