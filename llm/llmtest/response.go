package llmtest

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"

	"github.com/safe-coder/safe-coder/llm"
)

// wireMessage is a Messages API success body, fields in the API's order.
type wireMessage struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	Role         string    `json:"role"`
	Model        string    `json:"model"`
	Content      []any     `json:"content"`
	StopReason   *string   `json:"stop_reason"` // null in a stream's message_start
	StopSequence *string   `json:"stop_sequence"`
	Usage        wireUsage `json:"usage"`
}

type wireText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type wireToolUse struct {
	Type  string          `json:"type"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

type wireThinking struct {
	Type      string `json:"type"`
	Thinking  string `json:"thinking"`
	Signature string `json:"signature"`
}

type wireRedactedThinking struct {
	Type string `json:"type"`
	Data string `json:"data"`
}

type wireUsage struct {
	InputTokens              int64             `json:"input_tokens"`
	CacheCreationInputTokens int64             `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64             `json:"cache_read_input_tokens"`
	CacheCreation            wireCacheCreation `json:"cache_creation"`
	OutputTokens             int64             `json:"output_tokens"`
	ServiceTier              string            `json:"service_tier"`
}

type wireCacheCreation struct {
	Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
	Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
}

type wireError struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// messageBody renders resp as the API would send it. newID supplies the ids
// the script left empty.
func messageBody(resp *llm.Response, requestModel string, newID func(prefix string) string) wireMessage {
	msg := wireMessage{
		ID:      resp.ID,
		Type:    "message",
		Role:    "assistant",
		Model:   resp.Model,
		Content: make([]any, 0, len(resp.Content)),
		Usage: wireUsage{
			InputTokens:              resp.Usage.InputTokens,
			CacheCreationInputTokens: resp.Usage.CacheWriteTokens,
			CacheReadInputTokens:     resp.Usage.CacheReadTokens,
			CacheCreation:            wireCacheCreation{Ephemeral5m: resp.Usage.CacheWriteTokens},
			OutputTokens:             resp.Usage.OutputTokens,
			ServiceTier:              "standard",
		},
	}
	if msg.ID == "" {
		msg.ID = newID("msg_01")
	}
	if msg.Model == "" {
		msg.Model = requestModel
	}
	hasCalls := false
	for _, p := range resp.Content {
		switch p.Type {
		case llm.PartText:
			msg.Content = append(msg.Content, wireText{Type: "text", Text: p.Text})
		case llm.PartToolCall:
			hasCalls = true
			id := p.ToolCall.ID
			if id == "" {
				id = newID("toolu_01")
			}
			input := json.RawMessage(bytes.TrimSpace(p.ToolCall.Input))
			if len(input) == 0 || string(input) == "null" {
				input = json.RawMessage("{}")
			}
			msg.Content = append(msg.Content, wireToolUse{Type: "tool_use", ID: id, Name: p.ToolCall.Name, Input: input})
		case llm.PartThinking:
			msg.Content = append(msg.Content, thinkingBlock(*p.Thinking))
		}
	}
	stop := string(resp.StopReason)
	if stop == "" {
		stop = string(llm.StopEndTurn)
		if hasCalls {
			stop = string(llm.StopToolUse)
		}
	}
	msg.StopReason = &stop
	return msg
}

// thinkingBlock renders a scripted thinking part: a redacted_thinking block
// when it has redacted data, a thinking block otherwise, signed with the
// script's signature or, when it has none, one derived from the text, so
// that every rendering of the answer (a fault's partial one included)
// carries the same signature.
func thinkingBlock(t llm.Thinking) any {
	if t.Redacted != "" {
		return wireRedactedThinking{Type: "redacted_thinking", Data: t.Redacted}
	}
	sig := t.Signature
	if sig == "" {
		sum := sha512.Sum512([]byte("llmtest thinking signature\x00" + t.Text))
		sig = base64.StdEncoding.EncodeToString(sum[:])
	}
	return wireThinking{Type: "thinking", Thinking: t.Text, Signature: sig}
}

// errorBody renders the API's error envelope.
func errorBody(errType, message, requestID string) wireError {
	var e wireError
	e.Type = "error"
	e.Error.Type = errType
	e.Error.Message = message
	e.RequestID = requestID
	return e
}

// base62 is the alphabet of the API's ids.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// idSuffix turns a counter into 22 base62 characters that look random but
// depend only on n, so golden files that contain ids stay stable.
func idSuffix(n uint64) string {
	out := make([]byte, 0, 22)
	a, b := splitmix64(n), splitmix64(n^0x9e3779b97f4a7c15)
	for _, x := range []uint64{a, b} {
		for range 11 {
			out = append(out, base62[x%62])
			x /= 62
		}
	}
	return string(out)
}

// splitmix64 is a bijective 64-bit mixer (Steele, Lea, Flood 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
