package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// ChatRequest is a Chat Completions request the fake accepted, decoded
// from the wire.
type ChatRequest struct {
	Model    string        `json:"model"`
	Messages []ChatMessage `json:"messages"`
	Tools    []ChatTool    `json:"tools,omitempty"`
	// MaxTokens and MaxCompletionTokens are the two fields that bound the
	// answer; 0 when the request does not have it.
	MaxTokens           int `json:"max_tokens,omitempty"`
	MaxCompletionTokens int `json:"max_completion_tokens,omitempty"`
	// Stream is the request's "stream" field: the answer is an event
	// stream.
	Stream bool `json:"stream,omitempty"`
	// IncludeUsage is stream_options.include_usage: the stream ends with
	// a chunk that carries the usage.
	IncludeUsage bool `json:"include_usage,omitempty"`
	// Header holds the HTTP request headers, API key included.
	Header http.Header `json:"-"`
	// Body is the request body exactly as it arrived.
	Body []byte `json:"-"`
}

// ChatMessage is one message of a ChatRequest.
type ChatMessage struct {
	// Role is system, developer, user, assistant or tool.
	Role string `json:"role"`
	// Content is the message's text; a list of text parts is joined with
	// "\n\n".
	Content string `json:"content"`
	// NullContent is set when content was null or missing, as in an
	// assistant message that only calls tools.
	NullContent bool           `json:"null_content,omitempty"`
	ToolCalls   []ChatToolCall `json:"tool_calls,omitempty"`
	// ToolCallID is the call a tool message answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
}

// ChatToolCall is one tool call of an assistant message.
type ChatToolCall struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Arguments is function.arguments as it was sent: the input object
	// encoded as JSON text.
	Arguments string `json:"arguments"`
}

// ChatTool is one function tool definition of a ChatRequest.
type ChatTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// chatTopLevelFields are the request fields the API knows; anything else
// is refused, as the API refuses it.
func chatTopLevelFields() []string {
	return []string{
		"model", "messages", "tools", "tool_choice", "parallel_tool_calls", "max_tokens", "max_completion_tokens",
		"stream", "stream_options", "temperature", "top_p", "n", "stop", "presence_penalty", "frequency_penalty",
		"logit_bias", "logprobs", "top_logprobs", "user", "seed", "response_format", "service_tier", "store",
		"metadata", "reasoning_effort", "modalities", "prediction", "audio", "web_search_options",
		"prompt_cache_key", "safety_identifier", "verbosity",
	}
}

// chatRoles are the message roles the fake accepts, as the API lists them
// in its error (without the deprecated "function").
func chatRoles() []string { return []string{"system", "assistant", "user", "tool", "developer"} }

// chatObject is a decoded JSON object whose fields are checked on demand,
// errors naming the parameter the way the API does: messages[1].content.
type chatObject struct {
	param  string
	fields map[string]json.RawMessage
}

func decodeChatObject(param string, raw json.RawMessage) (chatObject, error) {
	trimmed := bytes.TrimSpace(raw)
	var fields map[string]json.RawMessage
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &fields) != nil {
		return chatObject{}, wrongType(param, "an object", raw)
	}
	return chatObject{param: param, fields: fields}, nil
}

func (o chatObject) field(key string) string {
	if o.param == "" {
		return key
	}
	return o.param + "." + key
}

// only refuses fields outside allowed, naming the first in sorted order.
func (o chatObject) only(allowed ...string) error {
	var extra []string
	for k := range o.fields {
		if !slices.Contains(allowed, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	if o.param == "" {
		return bad("Unrecognized request argument supplied: %s", extra[0])
	}
	return bad("Additional properties are not allowed ('%s' was unexpected) - '%s'", extra[0], o.param)
}

// has reports whether key is present and not null.
func (o chatObject) has(key string) bool {
	raw, ok := o.fields[key]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func (o chatObject) str(key string, required bool) (string, error) {
	raw, ok := o.fields[key]
	if !ok {
		if required {
			return "", bad("Missing required parameter: '%s'.", o.field(key))
		}
		return "", nil
	}
	var s string
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &s) != nil {
		return "", wrongType(o.field(key), "a string", raw)
	}
	return s, nil
}

func (o chatObject) array(key string) ([]json.RawMessage, error) {
	raw := bytes.TrimSpace(o.fields[key])
	var items []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, wrongType(o.field(key), "an array", raw)
	}
	return items, nil
}

// positiveInt reads an optional integer that must be at least 1.
func (o chatObject) positiveInt(key string) (int, error) {
	raw, ok := o.fields[key]
	if !ok {
		return 0, nil
	}
	var n int
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &n) != nil {
		return 0, wrongType(o.field(key), "an integer", raw)
	}
	if n < 1 {
		return 0, bad("Invalid '%s': integer below minimum value. Expected a value >= 1, but got %d instead.", o.field(key), n)
	}
	return n, nil
}

func (o chatObject) boolean(key string) (bool, error) {
	raw, ok := o.fields[key]
	if !ok {
		return false, nil
	}
	var v bool
	if json.Unmarshal(raw, &v) != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return false, wrongType(o.field(key), "a boolean", raw)
	}
	return v, nil
}

// wrongType is the API's message for a value of the wrong JSON type.
func wrongType(param, want string, raw json.RawMessage) error {
	return bad("Invalid type for '%s': expected %s, but got %s instead.", param, want, jsonKind(raw))
}

// jsonKind names the JSON type of raw as the API's messages do.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "a decimal"
	}
	return "an integer"
}

// decodeChatRequest decodes and validates a Chat Completions body the way
// the API does: shape first, then the rules that span messages.
func decodeChatRequest(body []byte) (*ChatRequest, error) {
	top, err := decodeChatObject("", body)
	if err != nil {
		return nil, bad("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. " +
			"The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)")
	}
	if err := top.only(chatTopLevelFields()...); err != nil {
		return nil, err
	}
	req := &ChatRequest{}
	if req.Model, err = top.str("model", false); err != nil {
		return nil, err
	}
	if req.Model == "" {
		return nil, bad("you must provide a model parameter")
	}
	if _, ok := top.fields["messages"]; !ok {
		return nil, bad("Missing required parameter: 'messages'.")
	}
	rawMessages, err := top.array("messages")
	if err != nil {
		return nil, err
	}
	if len(rawMessages) == 0 {
		return nil, bad("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")
	}
	for i, raw := range rawMessages {
		m, err := decodeChatMessage(fmt.Sprintf("messages[%d]", i), raw)
		if err != nil {
			return nil, err
		}
		req.Messages = append(req.Messages, m)
	}
	if err := checkChatConversation(req.Messages); err != nil {
		return nil, err
	}
	if top.has("tools") {
		if req.Tools, err = decodeChatTools(top); err != nil {
			return nil, err
		}
	}
	if req.MaxTokens, err = top.positiveInt("max_tokens"); err != nil {
		return nil, err
	}
	if req.MaxCompletionTokens, err = top.positiveInt("max_completion_tokens"); err != nil {
		return nil, err
	}
	if req.Stream, err = top.boolean("stream"); err != nil {
		return nil, err
	}
	if top.has("stream_options") {
		if !req.Stream {
			return nil, bad("The 'stream_options' parameter is only allowed when 'stream' is enabled.")
		}
		opts, err := decodeChatObject("stream_options", top.fields["stream_options"])
		if err != nil {
			return nil, err
		}
		if err := opts.only("include_usage", "include_obfuscation"); err != nil {
			return nil, err
		}
		if req.IncludeUsage, err = opts.boolean("include_usage"); err != nil {
			return nil, err
		}
	}
	return req, nil
}

func decodeChatMessage(param string, raw json.RawMessage) (ChatMessage, error) {
	obj, err := decodeChatObject(param, raw)
	if err != nil {
		return ChatMessage{}, err
	}
	role, err := obj.str("role", true)
	if err != nil {
		return ChatMessage{}, err
	}
	m := ChatMessage{Role: role}
	switch role {
	case "system", "developer", "user":
		err = obj.only("role", "content", "name")
	case "assistant":
		err = obj.only("role", "content", "name", "tool_calls", "refusal", "audio")
	case "tool":
		err = obj.only("role", "content", "tool_call_id")
	default:
		return ChatMessage{}, bad("Invalid value: '%s'. Supported values are: '%s'. - '%s'",
			role, strings.Join(chatRoles(), "', '"), obj.field("role"))
	}
	if err != nil {
		return ChatMessage{}, err
	}
	if m.Content, m.NullContent, err = decodeChatContent(obj, role); err != nil {
		return ChatMessage{}, err
	}
	switch role {
	case "assistant":
		if obj.has("tool_calls") {
			if m.ToolCalls, err = decodeChatToolCalls(obj); err != nil {
				return ChatMessage{}, err
			}
		}
		if m.NullContent && len(m.ToolCalls) == 0 {
			return ChatMessage{}, bad("Invalid value for 'content': expected a string, got null. - '%s'", obj.field("content"))
		}
	case "tool":
		if m.ToolCallID, err = obj.str("tool_call_id", true); err != nil {
			return ChatMessage{}, err
		}
	}
	return m, nil
}

// decodeChatContent reads a message's content: a string or a list of
// parts. Only an assistant message may have none (null or missing).
func decodeChatContent(obj chatObject, role string) (text string, null bool, err error) {
	param := obj.field("content")
	if !obj.has("content") {
		if role == "assistant" {
			return "", true, nil
		}
		if _, present := obj.fields["content"]; present {
			return "", false, wrongType(param, "one of a string or array of objects", obj.fields["content"])
		}
		return "", false, bad("Missing required parameter: '%s'.", param)
	}
	raw := obj.fields["content"]
	if err := json.Unmarshal(raw, &text); err == nil {
		return text, false, nil
	}
	parts, err := obj.array("content")
	if err != nil {
		return "", false, wrongType(param, "one of a string or array of objects", raw)
	}
	allowed := map[string][]string{
		"system": {"text"}, "developer": {"text"}, "tool": {"text"}, "assistant": {"text", "refusal"},
		"user": {"text", "image_url", "input_audio", "file"},
	}[role]
	var texts []string
	for i, rp := range parts {
		part, err := decodeChatObject(fmt.Sprintf("%s[%d]", param, i), rp)
		if err != nil {
			return "", false, err
		}
		typ, err := part.str("type", true)
		if err != nil {
			return "", false, err
		}
		if !slices.Contains(allowed, typ) {
			return "", false, bad("Invalid value: '%s'. Supported values are: '%s'. - '%s'", typ, strings.Join(allowed, "', '"), part.field("type"))
		}
		if typ == "text" {
			t, err := part.str("text", true)
			if err != nil {
				return "", false, err
			}
			texts = append(texts, t)
		}
	}
	return strings.Join(texts, "\n\n"), false, nil
}

func decodeChatToolCalls(obj chatObject) ([]ChatToolCall, error) {
	items, err := obj.array("tool_calls")
	if err != nil {
		return nil, err
	}
	calls := make([]ChatToolCall, 0, len(items))
	for i, raw := range items {
		tc, err := decodeChatObject(fmt.Sprintf("%s[%d]", obj.field("tool_calls"), i), raw)
		if err != nil {
			return nil, err
		}
		if err := tc.only("id", "type", "function"); err != nil {
			return nil, err
		}
		var c ChatToolCall
		if c.ID, err = tc.str("id", true); err != nil {
			return nil, err
		}
		if typ, err := tc.str("type", true); err != nil {
			return nil, err
		} else if typ != "function" {
			return nil, bad("Invalid value: '%s'. Supported values are: 'function'. - '%s'", typ, tc.field("type"))
		}
		if _, ok := tc.fields["function"]; !ok {
			return nil, bad("Missing required parameter: '%s'.", tc.field("function"))
		}
		fn, err := decodeChatObject(tc.field("function"), tc.fields["function"])
		if err != nil {
			return nil, err
		}
		if err := fn.only("name", "arguments"); err != nil {
			return nil, err
		}
		if c.Name, err = fn.str("name", true); err != nil {
			return nil, err
		}
		if c.Arguments, err = fn.str("arguments", true); err != nil {
			return nil, err
		}
		calls = append(calls, c)
	}
	return calls, nil
}

// checkChatConversation enforces the pairing of tool calls and tool
// messages: the calls of an assistant message are each answered by one
// tool message before the next message of another role, and a tool
// message answers a call of the assistant message before it.
func checkChatConversation(msgs []ChatMessage) error {
	var (
		pending  []string // calls of the last assistant message not yet answered
		answered map[string]bool
	)
	unanswered := func() error {
		if len(pending) == 0 {
			return nil
		}
		return bad("An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "+
			"The following tool_call_ids did not have response messages: %s", strings.Join(pending, ", "))
	}
	for i, m := range msgs {
		if m.Role == "tool" {
			if answered == nil || answered[m.ToolCallID] || !slices.Contains(pending, m.ToolCallID) {
				return bad("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. - 'messages[%d].role'", i)
			}
			answered[m.ToolCallID] = true
			pending = slices.DeleteFunc(pending, func(id string) bool { return id == m.ToolCallID })
			continue
		}
		if err := unanswered(); err != nil {
			return err
		}
		pending, answered = nil, nil
		if len(m.ToolCalls) > 0 {
			answered = make(map[string]bool)
			for _, c := range m.ToolCalls {
				pending = append(pending, c.ID)
			}
		}
	}
	return unanswered()
}

func decodeChatTools(top chatObject) ([]ChatTool, error) {
	items, err := top.array("tools")
	if err != nil {
		return nil, err
	}
	tools := make([]ChatTool, 0, len(items))
	for i, raw := range items {
		obj, err := decodeChatObject(fmt.Sprintf("tools[%d]", i), raw)
		if err != nil {
			return nil, err
		}
		if err := obj.only("type", "function"); err != nil {
			return nil, err
		}
		if typ, err := obj.str("type", true); err != nil {
			return nil, err
		} else if typ != "function" {
			return nil, bad("Invalid value: '%s'. Supported values are: 'function'. - '%s'", typ, obj.field("type"))
		}
		if _, ok := obj.fields["function"]; !ok {
			return nil, bad("Missing required parameter: '%s'.", obj.field("function"))
		}
		fn, err := decodeChatObject(obj.field("function"), obj.fields["function"])
		if err != nil {
			return nil, err
		}
		if err := fn.only("name", "description", "parameters", "strict"); err != nil {
			return nil, err
		}
		var t ChatTool
		if t.Name, err = fn.str("name", true); err != nil {
			return nil, err
		}
		if !isIdentifier(t.Name, 64) {
			return nil, bad("Invalid '%s': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.", fn.field("name"))
		}
		if t.Description, err = fn.str("description", false); err != nil {
			return nil, err
		}
		if fn.has("parameters") {
			if _, err := decodeChatObject(fn.field("parameters"), fn.fields["parameters"]); err != nil {
				return nil, err
			}
			t.Parameters = fn.fields["parameters"]
		}
		if _, err := fn.boolean("strict"); err != nil {
			return nil, err
		}
		tools = append(tools, t)
	}
	return tools, nil
}
