package llmtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// MessagesRequest is a request the fake accepted, decoded from the wire.
type MessagesRequest struct {
	Model     string    `json:"model"`
	MaxTokens int       `json:"max_tokens"`
	System    string    `json:"system,omitempty"` // a block-array system prompt is joined with "\n\n"
	Messages  []Message `json:"messages"`
	Tools     []Tool    `json:"tools,omitempty"`
	// Stream is the request's "stream" field: the answer is an event
	// stream.
	Stream bool `json:"stream,omitempty"`
	// CacheControl lists where the request marks prompt-cache breakpoints,
	// as paths in the body: "cache_control" (the top-level one),
	// "system.0", "tools.3", "messages.2.content.1",
	// "messages.2.content.0.content.1" (a block inside a tool result).
	CacheControl []string `json:"cache_control,omitempty"`
	// Header holds the HTTP request headers, API key included.
	Header http.Header `json:"-"`
	// Body is the request body exactly as it arrived.
	Body []byte `json:"-"`
}

// Message is one message of a MessagesRequest. String content arrives as a
// single text block.
type Message struct {
	Role    string  `json:"role"`
	Content []Block `json:"content"`
}

// Block is one content block. Which fields are set depends on Type: text
// (Text), tool_use (ID, Name, Input), tool_result (ToolUseID, Content,
// IsError), thinking (Text holds the thinking, Signature its signature),
// redacted_thinking (Data). Image and document blocks only carry their
// Type.
type Block struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   string          `json:"content,omitempty"` // tool_result text; a block array is joined with "\n\n"
	IsError   bool            `json:"is_error,omitempty"`
	Signature string          `json:"signature,omitempty"`
	Data      string          `json:"data,omitempty"`
}

// Tool is one tool definition of a MessagesRequest.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// ToolUses returns the tool_use blocks of m.
func (m Message) ToolUses() []Block {
	var out []Block
	for _, b := range m.Content {
		if b.Type == "tool_use" {
			out = append(out, b)
		}
	}
	return out
}

// topLevelFields are the fields the Messages API accepts. Anything else is
// refused, as the real API refuses extra inputs.
func topLevelFields() []string {
	return []string{
		"model", "messages", "max_tokens", "system", "tools", "tool_choice", "temperature",
		"top_p", "top_k", "stop_sequences", "metadata", "stream", "thinking", "cache_control",
		"service_tier",
	}
}

// blockTypes are the content block types the fake knows, sorted.
func blockTypes() []string {
	return []string{"document", "image", "redacted_thinking", "text", "thinking", "tool_result", "tool_use"}
}

// blockFields lists the fields a block of type typ may carry; decodeBlock
// checks which of them are required.
func blockFields(typ string) []string {
	switch typ {
	case "text":
		return []string{"type", "text", "cache_control", "citations"}
	case "image":
		return []string{"type", "source", "cache_control"}
	case "document":
		return []string{"type", "source", "title", "context", "citations", "cache_control"}
	case "tool_use":
		return []string{"type", "id", "name", "input", "cache_control"}
	case "tool_result":
		return []string{"type", "tool_use_id", "content", "is_error", "cache_control"}
	case "thinking":
		return []string{"type", "thinking", "signature"}
	case "redacted_thinking":
		return []string{"type", "data"}
	}
	return nil
}

// isIdentifier reports whether s is 1 to maxLen characters from
// [a-zA-Z0-9_-], the alphabet of tool names and tool_use ids.
func isIdentifier(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

// badRequest is a request the real API would answer with 400
// invalid_request_error; its text is the message the fake sends.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func bad(format string, args ...any) error {
	return &badRequest{msg: fmt.Sprintf(format, args...)}
}

// decodeRequest decodes and validates a Messages request body the way the
// API does: shape first (fields, types), then the conversation rules.
func decodeRequest(body []byte) (*MessagesRequest, error) {
	top, err := decodeObject("", body)
	if err != nil {
		return nil, bad("There was an issue with the request body: it is not a JSON object")
	}
	if err := top.only(topLevelFields()...); err != nil {
		return nil, err
	}
	req := &MessagesRequest{}
	if req.Model, err = top.str("model", true); err != nil {
		return nil, err
	}
	if req.Model == "" {
		return nil, bad("model: String should have at least 1 character")
	}
	if req.MaxTokens, err = top.integer("max_tokens", true); err != nil {
		return nil, err
	}
	if req.MaxTokens < 1 {
		return nil, bad("max_tokens: Input should be greater than or equal to 1")
	}
	if req.Stream, err = top.boolean("stream"); err != nil {
		return nil, err
	}
	if req.System, err = decodeSystem(top); err != nil {
		return nil, err
	}
	rawMessages, err := top.array("messages", true)
	if err != nil {
		return nil, err
	}
	if len(rawMessages) == 0 {
		return nil, bad("messages: at least one message is required")
	}
	for i, raw := range rawMessages {
		m, err := decodeMessage(fmt.Sprintf("messages.%d", i), raw)
		if err != nil {
			return nil, err
		}
		req.Messages = append(req.Messages, m)
	}
	if err := checkConversation(req.Messages); err != nil {
		return nil, err
	}
	if req.Tools, err = decodeTools(top); err != nil {
		return nil, err
	}
	if req.CacheControl, err = cacheBreakpoints(top); err != nil {
		return nil, err
	}
	return req, nil
}

// maxCacheBreakpoints is the API's limit of blocks with cache_control.
const maxCacheBreakpoints = 4

// cacheBreakpoints finds and checks every cache_control of a request that
// passed the other checks, so the shapes it walks are known to be right.
// A breakpoint is {"type":"ephemeral"} with an optional "ttl" of "5m" or
// "1h"; at most four are allowed.
func cacheBreakpoints(top object) ([]string, error) {
	var paths []string
	// visit checks the cache_control of o, if it has one, and records
	// where it is: o's path, or "cache_control" for the top level.
	visit := func(o object) error {
		raw, ok := o.fields["cache_control"]
		if !ok {
			return nil
		}
		field := o.field("cache_control")
		cc, err := decodeObject(field, raw)
		if err != nil {
			return err
		}
		if err := cc.only("type", "ttl"); err != nil {
			return err
		}
		if typ, err := cc.str("type", true); err != nil {
			return err
		} else if typ != "ephemeral" {
			return bad("%s.type: Input should be 'ephemeral'", field)
		}
		if ttl, err := cc.str("ttl", false); err != nil {
			return err
		} else if ttl != "" && ttl != "5m" && ttl != "1h" {
			return bad("%s.ttl: Input should be '5m' or '1h'", field)
		}
		paths = append(paths, cmp.Or(o.path, "cache_control"))
		return nil
	}
	// visitBlocks visits the objects of the array parent.key, when it is
	// an array (content may be a string), and their own "content" arrays
	// when nested is set (the blocks of a tool result).
	var visitBlocks func(parent object, key string, nested bool) error
	visitBlocks = func(parent object, key string, nested bool) error {
		items, err := parent.array(key, false)
		if err != nil {
			return nil
		}
		for i, raw := range items {
			o, err := decodeObject(fmt.Sprintf("%s.%d", parent.field(key), i), raw)
			if err != nil {
				return err
			}
			if err := visit(o); err != nil {
				return err
			}
			if nested {
				if err := visitBlocks(o, "content", false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := visit(top); err != nil {
		return nil, err
	}
	if err := visitBlocks(top, "system", false); err != nil {
		return nil, err
	}
	if err := visitBlocks(top, "tools", false); err != nil {
		return nil, err
	}
	messages, _ := top.array("messages", true)
	for i, raw := range messages {
		m, _ := decodeObject(fmt.Sprintf("messages.%d", i), raw)
		if err := visitBlocks(m, "content", true); err != nil {
			return nil, err
		}
	}
	if len(paths) > maxCacheBreakpoints {
		return nil, bad("A maximum of %d blocks with cache_control may be provided. Found %d.", maxCacheBreakpoints, len(paths))
	}
	return paths, nil
}

func decodeSystem(top object) (string, error) {
	raw, ok := top.fields["system"]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var blocks []json.RawMessage
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", bad("system: Input should be a valid string or a list of text blocks")
	}
	texts := make([]string, 0, len(blocks))
	for i, rb := range blocks {
		b, err := decodeBlock(fmt.Sprintf("system.%d", i), rb)
		if err != nil {
			return "", err
		}
		if b.Type != "text" {
			return "", bad("system.%d.type: Input should be 'text'", i)
		}
		texts = append(texts, b.Text)
	}
	return strings.Join(texts, "\n\n"), nil
}

func decodeMessage(path string, raw json.RawMessage) (Message, error) {
	obj, err := decodeObject(path, raw)
	if err != nil {
		return Message{}, err
	}
	if err := obj.only("role", "content"); err != nil {
		return Message{}, err
	}
	role, err := obj.str("role", true)
	if err != nil {
		return Message{}, err
	}
	if role != "user" && role != "assistant" {
		return Message{}, bad("%s.role: Input should be 'user' or 'assistant'", path)
	}
	m := Message{Role: role}
	rawContent, ok := obj.fields["content"]
	if !ok {
		return Message{}, bad("%s.content: Field required", path)
	}
	var text string
	if err := json.Unmarshal(rawContent, &text); err == nil {
		if text == "" {
			return Message{}, bad("%s: all messages must have non-empty content except for the optional final assistant message", path)
		}
		m.Content = []Block{{Type: "text", Text: text}}
		return m, nil
	}
	blocks, err := obj.array("content", true)
	if err != nil {
		return Message{}, bad("%s.content: Input should be a valid string or a list of content blocks", path)
	}
	for j, rb := range blocks {
		b, err := decodeBlock(fmt.Sprintf("%s.content.%d", path, j), rb)
		if err != nil {
			return Message{}, err
		}
		m.Content = append(m.Content, b)
	}
	return m, nil
}

func decodeBlock(path string, raw json.RawMessage) (Block, error) {
	obj, err := decodeObject(path, raw)
	if err != nil {
		return Block{}, err
	}
	typ, err := obj.str("type", true)
	if err != nil {
		return Block{}, err
	}
	allowed := blockFields(typ)
	if allowed == nil {
		return Block{}, bad("%s: Input tag '%s' found using 'type' does not match any of the expected tags: '%s'",
			path, typ, strings.Join(blockTypes(), "', '"))
	}
	if err := obj.only(allowed...); err != nil {
		return Block{}, err
	}
	b := Block{Type: typ}
	switch typ {
	case "text":
		if b.Text, err = obj.str("text", true); err != nil {
			return Block{}, err
		}
		if b.Text == "" {
			return Block{}, bad("%s: text content blocks must be non-empty", path)
		}
	case "image", "document":
		if _, err := obj.object("source", true); err != nil {
			return Block{}, err
		}
	case "tool_use":
		if b.ID, err = obj.str("id", true); err != nil {
			return Block{}, err
		}
		if !isIdentifier(b.ID, len(b.ID)) {
			return Block{}, bad("%s.id: String should match pattern '^[a-zA-Z0-9_-]+$'", path)
		}
		if b.Name, err = obj.str("name", true); err != nil {
			return Block{}, err
		}
		if b.Name == "" {
			return Block{}, bad("%s.name: String should have at least 1 character", path)
		}
		if b.Input, err = obj.object("input", true); err != nil {
			return Block{}, err
		}
	case "tool_result":
		if b.ToolUseID, err = obj.str("tool_use_id", true); err != nil {
			return Block{}, err
		}
		if b.IsError, err = obj.boolean("is_error"); err != nil {
			return Block{}, err
		}
		if b.Content, err = decodeToolResultContent(path, obj); err != nil {
			return Block{}, err
		}
	case "thinking":
		if b.Text, err = obj.str("thinking", true); err != nil {
			return Block{}, err
		}
		if b.Signature, err = obj.str("signature", true); err != nil {
			return Block{}, err
		}
	case "redacted_thinking":
		if b.Data, err = obj.str("data", true); err != nil {
			return Block{}, err
		}
	}
	return b, nil
}

// decodeToolResultContent accepts the two forms of tool_result content: a
// string, or a list of text and image blocks.
func decodeToolResultContent(path string, obj object) (string, error) {
	raw, ok := obj.fields["content"]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	blocks, err := obj.array("content", false)
	if err != nil {
		return "", bad("%s.content: Input should be a valid string or a list of content blocks", path)
	}
	var texts []string
	for i, rb := range blocks {
		b, err := decodeBlock(fmt.Sprintf("%s.content.%d", path, i), rb)
		if err != nil {
			return "", err
		}
		switch b.Type {
		case "text":
			texts = append(texts, b.Text)
		case "image", "document":
		default:
			return "", bad("%s.content.%d.type: `%s` blocks cannot be nested in a `tool_result` block", path, i, b.Type)
		}
	}
	return strings.Join(texts, "\n\n"), nil
}

// checkConversation enforces the rules that span messages: who speaks
// first, alternation, and the pairing of tool_use with tool_result.
func checkConversation(msgs []Message) error {
	if msgs[0].Role != "user" {
		return bad(`messages: first message must use the "user" role`)
	}
	seenToolUse := make(map[string]bool)
	for i, m := range msgs {
		if i > 0 && m.Role == msgs[i-1].Role {
			return bad(`messages: roles must alternate between "user" and "assistant", but found multiple %q roles in a row`, m.Role)
		}
		if len(m.Content) == 0 && (m.Role == "user" || i != len(msgs)-1) {
			return bad("messages.%d: all messages must have non-empty content except for the optional final assistant message", i)
		}
		for j, b := range m.Content {
			switch {
			case b.Type == "tool_result" && m.Role != "user":
				return bad("messages.%d.content.%d: `tool_result` blocks can only appear in `user` messages", i, j)
			case b.Type == "tool_use" && m.Role != "assistant":
				return bad("messages.%d.content.%d: `tool_use` blocks can only appear in `assistant` messages", i, j)
			case b.Type == "tool_use" && seenToolUse[b.ID]:
				return bad("messages.%d.content.%d: `tool_use` ids must be unique", i, j)
			case b.Type == "tool_use":
				seenToolUse[b.ID] = true
			}
		}
		if m.Role != "user" {
			continue
		}
		var prev []Block
		if i > 0 {
			prev = msgs[i-1].ToolUses()
		}
		if err := checkToolResults(i, prev, m); err != nil {
			return err
		}
	}
	if last := len(msgs) - 1; msgs[last].Role == "assistant" {
		if uses := msgs[last].ToolUses(); len(uses) > 0 {
			return bad("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. "+
				"Each `tool_use` block must have a corresponding `tool_result` block in the next message.", last, joinIDs(uses))
		}
	}
	return nil
}

// checkToolResults checks that user message i answers each of the
// preceding assistant message's tool uses exactly once, before any other
// content, and answers nothing else.
func checkToolResults(i int, uses []Block, m Message) error {
	want := make(map[string]bool, len(uses))
	for _, u := range uses {
		want[u.ID] = true
	}
	answered := make(map[string]bool, len(uses))
	var late []Block // tool uses answered after other content
	otherContent := false
	for j, b := range m.Content {
		if b.Type != "tool_result" {
			otherContent = true
			continue
		}
		switch {
		case len(uses) == 0:
			return bad("messages.%d: `tool_result` block(s) provided when previous message does not contain any `tool_use` blocks", i)
		case !want[b.ToolUseID]:
			return bad("messages.%d.content.%d: unexpected `tool_use_id` found in `tool_result` blocks: %s. "+
				"Each `tool_result` block must have a corresponding `tool_use` block in the previous message.", i, j, b.ToolUseID)
		case answered[b.ToolUseID]:
			return bad("messages.%d.content.%d: each `tool_use` must have a single result. Found multiple `tool_result` blocks with id: %s", i, j, b.ToolUseID)
		}
		answered[b.ToolUseID] = true
		if otherContent {
			late = append(late, Block{ID: b.ToolUseID})
		}
	}
	var missing []Block
	for _, u := range uses {
		if !answered[u.ID] {
			missing = append(missing, u)
		}
	}
	// The API wants the results first in the message; results after text
	// count as missing, and it says so in the same words.
	missing = append(missing, late...)
	if len(missing) > 0 {
		return bad("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. "+
			"Each `tool_use` block must have a corresponding `tool_result` block in the next message.", i, joinIDs(missing))
	}
	return nil
}

func joinIDs(blocks []Block) string {
	ids := make([]string, len(blocks))
	for i, b := range blocks {
		ids[i] = b.ID
	}
	return strings.Join(ids, ", ")
}

func decodeTools(top object) ([]Tool, error) {
	raw, err := top.array("tools", false)
	if err != nil {
		return nil, err
	}
	var tools []Tool
	names := make(map[string]bool, len(raw))
	for i, rt := range raw {
		path := fmt.Sprintf("tools.%d", i)
		obj, err := decodeObject(path, rt)
		if err != nil {
			return nil, err
		}
		if err := obj.only("type", "name", "description", "input_schema", "cache_control"); err != nil {
			return nil, err
		}
		if typ, err := obj.str("type", false); err != nil {
			return nil, err
		} else if typ != "" && typ != "custom" {
			return nil, bad("%s.type: llmtest serves custom tools only, not %q", path, typ)
		}
		var t Tool
		if t.Name, err = obj.str("name", true); err != nil {
			return nil, err
		}
		if !isIdentifier(t.Name, 128) {
			return nil, bad("%s.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'", path)
		}
		if names[t.Name] {
			return nil, bad("tools: Tool names must be unique.")
		}
		names[t.Name] = true
		if t.Description, err = obj.str("description", false); err != nil {
			return nil, err
		}
		if t.InputSchema, err = obj.object("input_schema", true); err != nil {
			return nil, err
		}
		schema, _ := decodeObject(path+".input_schema", t.InputSchema)
		if typ, err := schema.str("type", true); err != nil {
			return nil, err
		} else if typ != "object" {
			return nil, bad("%s.input_schema.type: Input should be 'object'", path)
		}
		tools = append(tools, t)
	}
	return tools, nil
}

// object is a decoded JSON object whose fields are decoded on demand, so
// errors can name the exact path the way the API's validator does.
type object struct {
	path   string
	fields map[string]json.RawMessage
}

func decodeObject(path string, raw []byte) (object, error) {
	trimmed := bytes.TrimSpace(raw)
	var fields map[string]json.RawMessage
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &fields) != nil {
		return object{}, bad("%s: Input should be a valid dictionary", strings.TrimPrefix(path, "."))
	}
	return object{path: path, fields: fields}, nil
}

func (o object) field(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// only refuses fields outside allowed, naming the first in sorted order so
// the message does not depend on map order.
func (o object) only(allowed ...string) error {
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
	return bad("%s: Extra inputs are not permitted", o.field(extra[0]))
}

// get returns the raw value of key; a missing required key is an error.
func (o object) get(key string, required bool) (json.RawMessage, bool, error) {
	raw, ok := o.fields[key]
	if !ok {
		if required {
			return nil, false, bad("%s: Field required", o.field(key))
		}
		return nil, false, nil
	}
	return raw, true, nil
}

func (o object) str(key string, required bool) (string, error) {
	raw, ok, err := o.get(key, required)
	if !ok {
		return "", err
	}
	var s string
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &s) != nil {
		return "", bad("%s: Input should be a valid string", o.field(key))
	}
	return s, nil
}

func (o object) integer(key string, required bool) (int, error) {
	raw, ok, err := o.get(key, required)
	if !ok {
		return 0, err
	}
	var n int
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &n) != nil {
		return 0, bad("%s: Input should be a valid integer", o.field(key))
	}
	return n, nil
}

func (o object) boolean(key string) (bool, error) {
	raw, ok, _ := o.get(key, false)
	if !ok {
		return false, nil
	}
	var v bool
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &v) != nil {
		return false, bad("%s: Input should be a valid boolean", o.field(key))
	}
	return v, nil
}

func (o object) object(key string, required bool) (json.RawMessage, error) {
	raw, ok, err := o.get(key, required)
	if !ok {
		return nil, err
	}
	if _, err := decodeObject(o.field(key), raw); err != nil {
		return nil, err
	}
	return raw, nil
}

func (o object) array(key string, required bool) ([]json.RawMessage, error) {
	raw, ok, err := o.get(key, required)
	if !ok {
		return nil, err
	}
	var items []json.RawMessage
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '[' || json.Unmarshal(trimmed, &items) != nil {
		return nil, bad("%s: Input should be a valid list", o.field(key))
	}
	return items, nil
}
