package llmtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// streamEvents renders msg as the Messages API streams it, following the
// recorded streams: message_start with the input and cache usage and an
// early output count; per block a content_block_start, deltas and a
// content_block_stop, text split into a few text_delta events, tool input
// into an empty then several input_json_delta fragments, thinking into a
// few thinking_delta events then one signature_delta (a redacted_thinking
// block comes whole in its content_block_start); a ping after the first
// block starts; message_delta with the stop reason and the final usage;
// message_stop. Each data line is padded with trailing spaces, as the real
// API pads them.
func streamEvents(msg wireMessage) [][]byte {
	var events [][]byte
	add := func(name string, payload any) {
		data, err := json.Marshal(payload)
		if err != nil {
			panic(fmt.Sprintf("llmtest: encode %s event: %v", name, err))
		}
		pad := strings.Repeat(" ", 1+len(events)*7%13)
		events = append(events, fmt.Appendf(nil, "event: %s\ndata: %s%s\n\n", name, data, pad))
	}
	ping := func() { events = append(events, []byte("event: ping\ndata: {\"type\": \"ping\"}\n\n")) }

	start := msg
	start.Content = []any{}
	start.StopReason = nil
	start.Usage.OutputTokens = min(start.Usage.OutputTokens, 1)
	add("message_start", messageStart{Type: "message_start", Message: start})
	if len(msg.Content) == 0 {
		ping()
	}
	for i, block := range msg.Content {
		switch b := block.(type) {
		case wireText:
			add("content_block_start", blockEvent{Type: "content_block_start", Index: i, ContentBlock: wireText{Type: "text", Text: ""}})
			if i == 0 {
				ping()
			}
			for _, piece := range split(b.Text, 3) {
				add("content_block_delta", blockEvent{Type: "content_block_delta", Index: i, Delta: textDelta{Type: "text_delta", Text: piece}})
			}
		case wireToolUse:
			add("content_block_start", blockEvent{Type: "content_block_start", Index: i,
				ContentBlock: wireToolUse{Type: "tool_use", ID: b.ID, Name: b.Name, Input: json.RawMessage("{}")}})
			if i == 0 {
				ping()
			}
			fragments := []string{""}
			if input := string(b.Input); input != "{}" {
				fragments = append(fragments, split(input, 4)...)
			}
			for _, f := range fragments {
				add("content_block_delta", blockEvent{Type: "content_block_delta", Index: i, Delta: jsonDelta{Type: "input_json_delta", PartialJSON: f}})
			}
		case wireThinking:
			add("content_block_start", blockEvent{Type: "content_block_start", Index: i, ContentBlock: thinkingStart{Type: "thinking", Thinking: ""}})
			if i == 0 {
				ping()
			}
			for _, piece := range split(b.Thinking, 3) {
				add("content_block_delta", blockEvent{Type: "content_block_delta", Index: i, Delta: thinkingDelta{Type: "thinking_delta", Thinking: piece}})
			}
			add("content_block_delta", blockEvent{Type: "content_block_delta", Index: i, Delta: signatureDelta{Type: "signature_delta", Signature: b.Signature}})
		case wireRedactedThinking:
			add("content_block_start", blockEvent{Type: "content_block_start", Index: i, ContentBlock: b})
			if i == 0 {
				ping()
			}
		}
		add("content_block_stop", blockEvent{Type: "content_block_stop", Index: i})
	}
	add("message_delta", messageDelta{
		Type:  "message_delta",
		Delta: stopDelta{StopReason: *msg.StopReason},
		Usage: deltaUsage{
			InputTokens:              msg.Usage.InputTokens,
			CacheCreationInputTokens: msg.Usage.CacheCreationInputTokens,
			CacheReadInputTokens:     msg.Usage.CacheReadInputTokens,
			OutputTokens:             msg.Usage.OutputTokens,
		},
	})
	add("message_stop", typeOnly{Type: "message_stop"})
	return events
}

type typeOnly struct {
	Type string `json:"type"`
}

type messageStart struct {
	Type    string      `json:"type"`
	Message wireMessage `json:"message"`
}

type blockEvent struct {
	Type         string `json:"type"`
	Index        int    `json:"index"`
	ContentBlock any    `json:"content_block,omitempty"`
	Delta        any    `json:"delta,omitempty"`
}

type textDelta struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// thinkingStart is the content_block_start of a thinking block, which
// carries no signature: that comes last, in a signature_delta.
type thinkingStart struct {
	Type     string `json:"type"`
	Thinking string `json:"thinking"`
}

type thinkingDelta struct {
	Type     string `json:"type"`
	Thinking string `json:"thinking"`
}

type signatureDelta struct {
	Type      string `json:"type"`
	Signature string `json:"signature"`
}

type jsonDelta struct {
	Type        string `json:"type"`
	PartialJSON string `json:"partial_json"`
}

type messageDelta struct {
	Type  string     `json:"type"`
	Delta stopDelta  `json:"delta"`
	Usage deltaUsage `json:"usage"`
}

type stopDelta struct {
	StopReason   string  `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
}

type deltaUsage struct {
	InputTokens              int64 `json:"input_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
}

// split cuts s into at most n non-empty pieces of about equal length, on
// rune boundaries, so each piece is valid UTF-8 for its JSON string.
func split(s string, n int) []string {
	runes := utf8.RuneCountInString(s)
	if runes == 0 {
		return nil
	}
	n = min(n, runes)
	pieces := make([]string, 0, n)
	for i := range n {
		size := runes / n
		if i < runes%n {
			size++
		}
		end := 0
		for range size {
			_, w := utf8.DecodeRuneInString(s[end:])
			end += w
		}
		pieces = append(pieces, s[:end])
		s = s[end:]
	}
	return pieces
}
