package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/safe-coder/safe-coder/llm"
)

// chatCreated is the "created" time of every answer: a fixed time keeps
// rendered answers, like the ids, a function of the script and the order
// of requests.
const chatCreated = 1767225600 // 2026-01-01T00:00:00Z

// chatFingerprint is the system_fingerprint of every answer.
const chatFingerprint = "fp_llmtest"

// chatAnswer is a scripted answer resolved for the Chat Completions
// format: ids filled in, parts mapped onto the format's fields.
type chatAnswer struct {
	id, model string
	content   *string // nil when the answer only calls tools
	calls     []chatCall
	finish    string
	usage     chatUsage
}

type chatCall struct {
	id, name, arguments string
}

// newChatAnswer resolves resp for a request for model. Text parts are
// joined by blank lines into the content, which the format keeps apart
// from the tool calls; thinking parts are left out, as the format has no
// place for them.
func newChatAnswer(resp *llm.Response, model string, newID func(prefix string) string) chatAnswer {
	a := chatAnswer{id: resp.ID, model: resp.Model}
	if a.id == "" {
		a.id = newID("chatcmpl-")
	}
	if a.model == "" {
		a.model = model
	}
	var texts []string
	for _, p := range resp.Content {
		switch p.Type {
		case llm.PartText:
			if p.Text != "" {
				texts = append(texts, p.Text)
			}
		case llm.PartToolCall:
			id := p.ToolCall.ID
			if id == "" {
				id = newID("call_")
			}
			input := bytes.TrimSpace(p.ToolCall.Input)
			if len(input) == 0 || string(input) == "null" {
				input = []byte("{}")
			}
			a.calls = append(a.calls, chatCall{id: id, name: p.ToolCall.Name, arguments: string(input)})
		}
	}
	if len(texts) > 0 || len(a.calls) == 0 {
		content := strings.Join(texts, "\n\n")
		a.content = &content
	}
	a.finish = chatFinishReason(resp.StopReason, len(a.calls) > 0)
	u := resp.Usage
	prompt := u.InputTokens + u.CacheReadTokens + u.CacheWriteTokens
	a.usage = chatUsage{
		PromptTokens:     prompt,
		CompletionTokens: u.OutputTokens,
		TotalTokens:      prompt + u.OutputTokens,
		PromptTokensDetails: chatPromptDetails{
			CachedTokens:     u.CacheReadTokens,
			CacheWriteTokens: u.CacheWriteTokens,
		},
	}
	return a
}

// chatFinishReason is the finish_reason for a stop reason. Stop reasons
// the format has no word for (pause_turn, unrecognized) are sent as they
// are, which a client sees as a finish_reason it does not know.
func chatFinishReason(stop llm.StopReason, hasCalls bool) string {
	switch stop {
	case "":
		if hasCalls {
			return "tool_calls"
		}
		return "stop"
	case llm.StopEndTurn, llm.StopSequence:
		return "stop"
	case llm.StopToolUse:
		return "tool_calls"
	case llm.StopMaxTokens:
		return "length"
	case llm.StopRefusal:
		return "content_filter"
	}
	return string(stop)
}

// The wire types, fields in the API's order.

type chatCompletion struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	Choices           []chatChoice `json:"choices"`
	Usage             chatUsage    `json:"usage"`
	ServiceTier       string       `json:"service_tier"`
	SystemFingerprint string       `json:"system_fingerprint"`
}

type chatChoice struct {
	Index        int         `json:"index"`
	Message      chatMessage `json:"message"`
	Logprobs     *struct{}   `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type chatMessage struct {
	Role        string         `json:"role"`
	Content     *string        `json:"content"`
	ToolCalls   []chatToolCall `json:"tool_calls,omitempty"`
	Refusal     *string        `json:"refusal"`
	Annotations []struct{}     `json:"annotations"`
}

type chatToolCall struct {
	Index    *int         `json:"index,omitempty"` // streams only
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function chatFunction `json:"function"`
}

type chatFunction struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type chatUsage struct {
	PromptTokens            int64                 `json:"prompt_tokens"`
	CompletionTokens        int64                 `json:"completion_tokens"`
	TotalTokens             int64                 `json:"total_tokens"`
	PromptTokensDetails     chatPromptDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails chatCompletionDetails `json:"completion_tokens_details"`
}

// chatPromptDetails breaks prompt_tokens down. cache_write_tokens is sent
// only when there are some, as the API does.
type chatPromptDetails struct {
	CachedTokens     int64 `json:"cached_tokens"`
	AudioTokens      int64 `json:"audio_tokens"`
	CacheWriteTokens int64 `json:"cache_write_tokens,omitempty"`
}

type chatCompletionDetails struct {
	ReasoningTokens          int64 `json:"reasoning_tokens"`
	AudioTokens              int64 `json:"audio_tokens"`
	AcceptedPredictionTokens int64 `json:"accepted_prediction_tokens"`
	RejectedPredictionTokens int64 `json:"rejected_prediction_tokens"`
}

// body renders the answer as one chat.completion object.
func (a chatAnswer) body() []byte {
	msg := chatMessage{Role: "assistant", Content: a.content, Annotations: []struct{}{}}
	for _, c := range a.calls {
		msg.ToolCalls = append(msg.ToolCalls, chatToolCall{ID: c.id, Type: "function", Function: chatFunction{Name: c.name, Arguments: c.arguments}})
	}
	return mustJSON("answer", chatCompletion{
		ID: a.id, Object: "chat.completion", Created: chatCreated, Model: a.model,
		Choices: []chatChoice{{Message: msg, FinishReason: a.finish}},
		Usage:   a.usage, ServiceTier: "default", SystemFingerprint: chatFingerprint,
	})
}

// chatChunk is one chunk of a stream. Usage is null on every chunk but the
// last when the request asked for usage, and absent otherwise.
type chatChunk struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Created           int64             `json:"created"`
	Model             string            `json:"model"`
	ServiceTier       string            `json:"service_tier"`
	SystemFingerprint string            `json:"system_fingerprint"`
	Usage             *json.RawMessage  `json:"usage,omitempty"`
	Choices           []chatChunkChoice `json:"choices"`
}

type chatChunkChoice struct {
	Index        int       `json:"index"`
	Delta        chatDelta `json:"delta"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

type chatDelta struct {
	Role string `json:"role,omitempty"`
	// Content is a JSON string, or null in the role delta of an answer
	// that only calls tools, as the API sends it.
	Content   json.RawMessage `json:"content,omitempty"`
	ToolCalls []chatToolCall  `json:"tool_calls,omitempty"`
}

// events renders the answer as the API streams it, following the recorded
// streams: a role delta first (content "" before text, null before tool
// calls), the text in a few content fragments, each tool call as a
// fragment with its index, id and name then its arguments in several
// fragments, a chunk with the finish_reason and an empty delta, when
// includeUsage a chunk with no choices and the usage, then data: [DONE].
// It returns the events and how many of them make the answer complete for
// a client that accepts a clean end after the usage chunk.
func (a chatAnswer) events(includeUsage bool) (events [][]byte, whole int) {
	null := json.RawMessage("null")
	add := func(delta chatDelta, finish *string) {
		c := chatChunk{ID: a.id, Object: "chat.completion.chunk", Created: chatCreated, Model: a.model,
			ServiceTier: "default", SystemFingerprint: chatFingerprint,
			Choices: []chatChunkChoice{{Delta: delta, FinishReason: finish}}}
		if includeUsage {
			c.Usage = &null
		}
		events = append(events, fmt.Appendf(nil, "data: %s\n\n", mustJSON("chunk", c)))
	}
	if a.content == nil {
		add(chatDelta{Role: "assistant", Content: null}, nil)
	} else {
		add(chatDelta{Role: "assistant", Content: json.RawMessage(`""`)}, nil)
		for _, piece := range split(*a.content, 3) {
			add(chatDelta{Content: mustJSON("content", piece)}, nil)
		}
	}
	for i, c := range a.calls {
		index := i
		add(chatDelta{ToolCalls: []chatToolCall{{Index: &index, ID: c.id, Type: "function", Function: chatFunction{Name: c.name}}}}, nil)
		for _, piece := range split(c.arguments, 4) {
			add(chatDelta{ToolCalls: []chatToolCall{{Index: &index, Function: chatFunction{Arguments: piece}}}}, nil)
		}
	}
	finish := a.finish
	add(chatDelta{}, &finish)
	if includeUsage {
		usage := json.RawMessage(mustJSON("usage", a.usage))
		last := chatChunk{ID: a.id, Object: "chat.completion.chunk", Created: chatCreated, Model: a.model,
			ServiceTier: "default", SystemFingerprint: chatFingerprint, Usage: &usage, Choices: []chatChunkChoice{}}
		events = append(events, fmt.Appendf(nil, "data: %s\n\n", mustJSON("chunk", last)))
	}
	events = append(events, []byte("data: [DONE]\n\n"))
	whole = len(events)
	if includeUsage {
		whole--
	}
	return events, whole
}

// chatErrorEnvelope is the API's error body. Code is a string or null.
type chatErrorEnvelope struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// chatError renders the error envelope for status. errType, when set, is
// a type when it ends in "_error" (invalid_request_error, server_error) and
// a code otherwise (invalid_api_key, insufficient_quota), as the API names
// them; what is left empty takes the API's usual value for status.
func chatError(status int, errType, message string) []byte {
	var env chatErrorEnvelope
	e := &env.Error
	e.Type = chatErrorType(status)
	switch {
	case errType == "":
		if code := chatErrorCode(status); code != "" {
			e.Code = &code
		}
	case strings.HasSuffix(errType, "_error"):
		e.Type = errType
	default:
		e.Code = &errType
		if errType == "insufficient_quota" {
			// The API names a spent quota by type too.
			e.Type = errType
		}
	}
	e.Message = message
	if e.Message == "" {
		e.Message = chatErrorMessage(status)
	}
	return mustJSON("error answer", env)
}

// chatErrorType is the error type the API sends with status.
func chatErrorType(status int) string {
	switch {
	case status == 429:
		return "requests"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

// chatErrorCode is the code the API sends with status, or "" for null.
func chatErrorCode(status int) string {
	switch status {
	case 401:
		return "invalid_api_key"
	case 429:
		return "rate_limit_exceeded"
	}
	return ""
}

// chatErrorMessage is a message in the API's words for status.
func chatErrorMessage(status int) string {
	switch status {
	case 401:
		return "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
	case 429:
		return "Rate limit reached for requests. Please try again in 1s."
	case 500:
		return "The server had an error while processing your request. Sorry about that!"
	case 503:
		return "The server is overloaded or not ready yet."
	}
	return defaultErrorMessage(status)
}

func mustJSON(what string, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		// Every wire type marshals; tool inputs were checked to be JSON
		// objects when the script was loaded.
		panic(fmt.Sprintf("llmtest: encode %s: %v", what, err))
	}
	return data
}
