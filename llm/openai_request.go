package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// toolErrorPrefix starts the content of a tool message whose result is an
// error: the format has no is_error flag, and the model must still tell a
// denial or a failed command from output.
const toolErrorPrefix = "Error: "

type openAIRequest struct {
	Model    string          `json:"model"`
	Messages []openAIMessage `json:"messages"`
	Tools    []openAITool    `json:"tools,omitempty"`
	// One of the two carries Request.MaxTokens; 0 leaves both out.
	MaxTokens           int  `json:"max_tokens,omitempty"`
	MaxCompletionTokens int  `json:"max_completion_tokens,omitempty"`
	Stream              bool `json:"stream"`
	// StreamOptions asks for the usage chunk at the end of a stream;
	// without it a streamed answer has no token counts.
	StreamOptions *openAIStreamOptions `json:"stream_options,omitempty"`
}

type openAIStreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// openAIMessage is one message of the request. Content is a string,
// or null for an assistant message that only calls tools.
type openAIMessage struct {
	Role       string           `json:"role"`
	Content    *string          `json:"content"`
	ToolCalls  []openAIToolCall `json:"tool_calls,omitempty"`
	ToolCallID string           `json:"tool_call_id,omitempty"`
}

type openAIToolCall struct {
	ID       string             `json:"id"`
	Type     string             `json:"type"`
	Function openAIFunctionCall `json:"function"`
}

// openAIFunctionCall is a call's function; Arguments is the input object
// encoded as a JSON string, as the format wants it.
type openAIFunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type openAITool struct {
	Type     string         `json:"type"`
	Function openAIFunction `json:"function"`
}

type openAIFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

// openAIEncoding is how a client encodes its requests.
type openAIEncoding struct {
	stream         bool
	maxTokensField string // FieldMaxTokens or FieldMaxCompletionTokens
}

// encodeOpenAIRequest builds the Chat Completions body for req. Like the
// Anthropic encoder it refuses, with a precise message, requests that only
// a programming error can produce.
//
// The conversation maps onto the format's messages this way:
//   - the system prompt is the first message, role "system";
//   - an assistant message is one message: its text parts joined by blank
//     lines as content (null when it only calls tools) and its tool calls
//     as tool_calls, arguments encoded as a JSON string; its thinking parts
//     are dropped, and a message with nothing else is left out;
//   - a user message becomes one "tool" message per tool result, in order,
//     then one "user" message with its text parts, if it has any: the
//     format wants the tool messages right after the calls, and the runner
//     appends its notes to the results' message. An error result's content
//     starts with "Error: ".
func encodeOpenAIRequest(req *Request, enc openAIEncoding) ([]byte, error) {
	if req.Model == "" {
		return nil, errors.New("model is empty")
	}
	if req.MaxTokens < 0 {
		return nil, fmt.Errorf("max_tokens is %d, must not be negative", req.MaxTokens)
	}
	if len(req.Messages) == 0 {
		return nil, errors.New("no messages")
	}
	wire := openAIRequest{Model: req.Model, Stream: enc.stream}
	if enc.stream {
		wire.StreamOptions = &openAIStreamOptions{IncludeUsage: true}
	}
	if enc.maxTokensField == FieldMaxCompletionTokens {
		wire.MaxCompletionTokens = req.MaxTokens
	} else {
		wire.MaxTokens = req.MaxTokens
	}
	if req.System != "" {
		wire.Messages = append(wire.Messages, openAIMessage{Role: "system", Content: &req.System})
	}
	for i, m := range req.Messages {
		msgs, err := encodeOpenAIMessage(m)
		if err != nil {
			return nil, fmt.Errorf("messages.%d: %w", i, err)
		}
		wire.Messages = append(wire.Messages, msgs...)
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
			schema = json.RawMessage(emptySchema)
		}
		wire.Tools = append(wire.Tools, openAITool{
			Type:     "function",
			Function: openAIFunction{Name: t.Name, Description: t.Description, Parameters: schema},
		})
	}
	body, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return body, nil
}

// encodeOpenAIMessage returns the wire messages of m: none, one, or the
// tool messages and the user message of a user turn.
func encodeOpenAIMessage(m Message) ([]openAIMessage, error) {
	switch m.Role {
	case RoleAssistant:
		return encodeOpenAIAssistant(m)
	case RoleUser:
		return encodeOpenAIUser(m)
	}
	return nil, fmt.Errorf("unknown role %q", m.Role)
}

func encodeOpenAIAssistant(m Message) ([]openAIMessage, error) {
	var (
		texts    []string
		calls    []openAIToolCall
		thinking bool
	)
	for j, p := range m.Content {
		switch p.Type {
		case PartText:
			if p.Text != "" {
				texts = append(texts, p.Text)
			}
		case PartThinking:
			// Reasoning of another API cannot be verified by this one,
			// and the format has no field for it.
			thinking = true
		case PartToolCall:
			c := p.ToolCall
			switch {
			case c == nil:
				return nil, fmt.Errorf("content.%d: tool_call part without tool call", j)
			case c.ID == "" || c.Name == "":
				return nil, fmt.Errorf("content.%d: tool call %q (%s) needs an id and a name", j, c.ID, c.Name)
			}
			input, err := objectOrEmpty(c.Input)
			if err != nil {
				return nil, fmt.Errorf("content.%d: tool call %s input: %w", j, c.ID, err)
			}
			calls = append(calls, openAIToolCall{ID: c.ID, Type: "function", Function: openAIFunctionCall{Name: c.Name, Arguments: string(input)}})
		case PartToolResult:
			return nil, fmt.Errorf("content.%d: tool result in an assistant message", j)
		default:
			return nil, fmt.Errorf("content.%d: unknown part type %q", j, p.Type)
		}
	}
	if len(texts) == 0 && len(calls) == 0 {
		if thinking {
			// Only reasoning, which this format does not carry: the
			// turn said nothing the model can be shown.
			return nil, nil
		}
		return nil, errors.New("message has no content to send")
	}
	msg := openAIMessage{Role: "assistant", ToolCalls: calls}
	if len(texts) > 0 {
		content := strings.Join(texts, "\n\n")
		msg.Content = &content
	}
	return []openAIMessage{msg}, nil
}

func encodeOpenAIUser(m Message) ([]openAIMessage, error) {
	var (
		out   []openAIMessage
		texts []string
	)
	for j, p := range m.Content {
		switch p.Type {
		case PartText:
			if p.Text != "" {
				texts = append(texts, p.Text)
			}
		case PartToolResult:
			r := p.ToolResult
			switch {
			case r == nil:
				return nil, fmt.Errorf("content.%d: tool_result part without tool result", j)
			case r.CallID == "":
				return nil, fmt.Errorf("content.%d: tool result without call id", j)
			}
			content := r.Content
			switch {
			case r.IsError && content == "":
				content = strings.TrimSpace(toolErrorPrefix)
			case r.IsError:
				content = toolErrorPrefix + content
			}
			out = append(out, openAIMessage{Role: "tool", Content: &content, ToolCallID: r.CallID})
		case PartToolCall:
			return nil, fmt.Errorf("content.%d: tool call in a user message", j)
		case PartThinking:
			return nil, fmt.Errorf("content.%d: thinking in a user message", j)
		default:
			return nil, fmt.Errorf("content.%d: unknown part type %q", j, p.Type)
		}
	}
	if len(texts) > 0 {
		content := strings.Join(texts, "\n\n")
		out = append(out, openAIMessage{Role: "user", Content: &content})
	}
	if len(out) == 0 {
		return nil, errors.New("message has no content to send")
	}
	return out, nil
}
