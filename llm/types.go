package llm

import (
	"context"
	"encoding/json"
	"strings"
)

// Client sends one conversation turn to a model.
//
// Complete returns the model's complete answer to req. Retries of transient
// failures happen inside Complete; an error means the provider failed for
// good (an *APIError when the provider answered with an error status) or ctx
// was cancelled. Complete must not modify req.
type Client interface {
	Complete(ctx context.Context, req *Request) (*Response, error)
}

// Role is who speaks a message.
type Role string

// The roles of a conversation. Tool results travel in user messages.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// PartType says which field of a Part is set.
type PartType string

// The kinds of content a message carries.
const (
	PartText       PartType = "text"
	PartToolCall   PartType = "tool_call"
	PartToolResult PartType = "tool_result"
	PartThinking   PartType = "thinking"
)

// Message is one turn of the conversation.
type Message struct {
	Role    Role   `json:"role"`
	Content []Part `json:"content"`
}

// Part is one piece of a message: text, a tool call (assistant), a tool
// result (user) or a model's thinking (assistant). Exactly the field named
// by Type is set.
type Part struct {
	Type       PartType    `json:"type"`
	Text       string      `json:"text,omitempty"`
	ToolCall   *ToolCall   `json:"tool_call,omitempty"`
	ToolResult *ToolResult `json:"tool_result,omitempty"`
	Thinking   *Thinking   `json:"thinking,omitempty"`
}

// ToolCall is the model asking to run a tool.
type ToolCall struct {
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

// ToolResult answers the tool call with the same ID. IsError marks results
// the model should treat as a failure (a denial, a bad path, a non-match).
type ToolResult struct {
	CallID  string `json:"call_id"`
	Content string `json:"content"`
	IsError bool   `json:"is_error,omitempty"`
}

// Thinking is a block of a model's reasoning, kept so it can be sent back.
//
// It is opaque: one provider produced it (Provider names the adapter, e.g.
// "anthropic"), and only that provider's adapter ever sends it back, byte
// for byte, in the position the answer had it; other adapters drop it.
// Anthropic requires the thinking blocks of a turn that called tools to
// come back unchanged with that turn, and checks them against Signature.
// Nothing else reads it: Message.Text leaves it out, and the runner must
// not act on it.
type Thinking struct {
	Provider string `json:"provider,omitempty"`
	// Text is the reasoning as the provider showed it (possibly a summary,
	// possibly empty).
	Text string `json:"text,omitempty"`
	// Signature is the provider's seal over the block.
	Signature string `json:"signature,omitempty"`
	// Redacted is the encrypted data of a block the provider would not
	// show (Anthropic's redacted_thinking); Text and Signature are then
	// empty.
	Redacted string `json:"redacted,omitempty"`
}

// ToolDef describes a tool offered to the model. InputSchema is a JSON
// Schema object.
type ToolDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// Request is what the runner asks of a model for one turn.
type Request struct {
	Model     string    `json:"model"`
	System    string    `json:"system,omitempty"`
	Messages  []Message `json:"messages"`
	Tools     []ToolDef `json:"tools,omitempty"`
	MaxTokens int       `json:"max_tokens"`
}

// StopReason says why the model stopped producing output.
type StopReason string

// Stop reasons, named as the Anthropic API names them. Adapters for other
// wire formats map onto these.
const (
	StopEndTurn      StopReason = "end_turn"
	StopToolUse      StopReason = "tool_use"
	StopMaxTokens    StopReason = "max_tokens"
	StopSequence     StopReason = "stop_sequence"
	StopRefusal      StopReason = "refusal"
	StopPauseTurn    StopReason = "pause_turn"
	StopUnrecognized StopReason = "unrecognized"
)

// Usage counts the tokens of one turn. InputTokens excludes the cached
// tokens, which are counted in CacheReadTokens and CacheWriteTokens.
type Usage struct {
	InputTokens      int64 `json:"input_tokens"`
	OutputTokens     int64 `json:"output_tokens"`
	CacheReadTokens  int64 `json:"cache_read_tokens,omitempty"`
	CacheWriteTokens int64 `json:"cache_write_tokens,omitempty"`
}

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		InputTokens:      u.InputTokens + v.InputTokens,
		OutputTokens:     u.OutputTokens + v.OutputTokens,
		CacheReadTokens:  u.CacheReadTokens + v.CacheReadTokens,
		CacheWriteTokens: u.CacheWriteTokens + v.CacheWriteTokens,
	}
}

// Response is a model's complete answer to one Request. It is also the
// format of one line of a replay transcript.
type Response struct {
	ID         string     `json:"id,omitempty"`
	Model      string     `json:"model,omitempty"`
	Content    []Part     `json:"content"`
	StopReason StopReason `json:"stop_reason"`
	Usage      Usage      `json:"usage"`
	// RequestID is the provider's id of the HTTP request, for support
	// tickets and error messages: for OpenRouter, its generation id (the
	// x-generation-id header, or the answer's "gen-…" id).
	RequestID string `json:"request_id,omitempty"`
	// Attempts is how many HTTP attempts the answer took (1 when the first
	// one succeeded); 0 for providers that make no HTTP requests.
	Attempts int `json:"attempts,omitempty"`
}

// Message returns the answer as an assistant message for the history.
func (r *Response) Message() Message {
	return Message{Role: RoleAssistant, Content: r.Content}
}

// TextPart returns a text part.
func TextPart(s string) Part { return Part{Type: PartText, Text: s} }

// ToolCallPart returns a tool-call part.
func ToolCallPart(c ToolCall) Part { return Part{Type: PartToolCall, ToolCall: &c} }

// ToolResultPart returns a tool-result part.
func ToolResultPart(r ToolResult) Part { return Part{Type: PartToolResult, ToolResult: &r} }

// ThinkingPart returns a thinking part.
func ThinkingPart(t Thinking) Part { return Part{Type: PartThinking, Thinking: &t} }

// ToolCalls returns the tool calls of m in order.
func (m Message) ToolCalls() []ToolCall {
	var calls []ToolCall
	for _, p := range m.Content {
		if p.Type == PartToolCall && p.ToolCall != nil {
			calls = append(calls, *p.ToolCall)
		}
	}
	return calls
}

// Text returns the text parts of m joined by blank lines; thinking is not
// text.
func (m Message) Text() string {
	var texts []string
	for _, p := range m.Content {
		if p.Type == PartText && p.Text != "" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n\n")
}
