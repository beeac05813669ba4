package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// errStreamTruncated is the decode error of a stream that ended before its
// message_stop event.
var errStreamTruncated = errors.New("stream ended before message_stop")

// anthropicStreamEvent is the union of the Messages stream's event payloads;
// the type field says which fields are set.
type anthropicStreamEvent struct {
	Type         string                  `json:"type"`
	Message      *anthropicResponse      `json:"message"`       // message_start
	Index        *int                    `json:"index"`         // content_block_*
	ContentBlock *anthropicResponseBlock `json:"content_block"` // content_block_start
	Delta        *anthropicStreamDelta   `json:"delta"`         // content_block_delta, message_delta
	Usage        *anthropicUsage         `json:"usage"`         // message_delta
	Error        *anthropicErrorBody     `json:"error"`         // error
}

// anthropicStreamDelta holds both kinds of delta: a content block's
// (text_delta, input_json_delta, thinking_delta, signature_delta) and the
// message's (stop_reason).
type anthropicStreamDelta struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	PartialJSON string `json:"partial_json"`
	Thinking    string `json:"thinking"`
	Signature   string `json:"signature"`
	StopReason  string `json:"stop_reason"`
}

// streamBlock is a content block being assembled.
type streamBlock struct {
	// kind is "text", "tool_use", "thinking", "redacted_thinking", or ""
	// for block types that are skipped.
	kind      string
	text      strings.Builder // text, or the thinking of a thinking block
	signature strings.Builder // thinking
	data      string          // redacted_thinking
	id        string
	name      string
	start     json.RawMessage // tool input of content_block_start, {} in practice
	partial   strings.Builder // concatenated input_json_delta fragments
	stopped   bool
	input     json.RawMessage // set at content_block_stop; nil when the JSON is incomplete
}

// anthropicStream assembles a Response from the events of one stream.
type anthropicStream struct {
	resp    *Response // nil until message_start
	blocks  map[int]*streamBlock
	stop    string
	usage   anthropicUsage
	stopped bool // message_stop seen
}

// decodeAnthropicStream reads a Messages event stream and returns the
// complete answer. Any sign that the stream is not the whole answer is an
// error, so the transport retries it and the partial answer is dropped: no
// message_stop before the body ends, a delta for a block that never
// started, a block never stopped, a tool input that is not a JSON object,
// an event that does not parse. An error event becomes an *answerError
// with the status of its type. Unknown event, block and delta types are
// skipped, as the API's versioning policy asks.
func decodeAnthropicStream(body io.Reader) (*Response, error) {
	sse := newSSEReader(body)
	s := &anthropicStream{blocks: make(map[int]*streamBlock)}
	for n := 1; ; n++ {
		ev, err := sse.next()
		if errors.Is(err, io.EOF) {
			return nil, errStreamTruncated
		}
		if err != nil {
			return nil, err
		}
		if err := s.apply(ev.Data); err != nil {
			return nil, fmt.Errorf("event %d (%s): %w", n, orNone(ev.Name), err)
		}
		if s.stopped {
			return s.finish()
		}
	}
}

func (s *anthropicStream) apply(data []byte) error {
	var ev anthropicStreamEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	switch ev.Type {
	case "ping":
		return nil
	case "error":
		if ev.Error == nil {
			return errors.New("error event without an error")
		}
		return &answerError{
			Status: anthropicErrorStatus(ev.Error.Type),
			Err: providerError{
				Type:       ev.Error.Type,
				Message:    ev.Error.Message,
				SpendLimit: mentionsSpendLimit(ev.Error.Type, ev.Error.code()),
			},
		}
	case "message_start":
		if s.resp != nil {
			return errors.New("second message_start")
		}
		if ev.Message == nil {
			return errors.New("message_start without a message")
		}
		s.resp = &Response{ID: ev.Message.ID, Model: ev.Message.Model}
		s.usage = ev.Message.Usage
		return nil
	}
	if s.resp == nil {
		if isKnownStreamEvent(ev.Type) {
			return errors.New("event before message_start")
		}
		return nil
	}
	switch ev.Type {
	case "content_block_start":
		return s.startBlock(ev)
	case "content_block_delta":
		return s.delta(ev)
	case "content_block_stop":
		return s.stopBlock(ev)
	case "message_delta":
		if ev.Delta != nil && ev.Delta.StopReason != "" {
			s.stop = ev.Delta.StopReason
		}
		if ev.Usage != nil {
			// message_delta carries the final output count; newer API
			// versions repeat the input and cache counts there too.
			s.usage.InputTokens = lastNonZero(s.usage.InputTokens, ev.Usage.InputTokens)
			s.usage.OutputTokens = lastNonZero(s.usage.OutputTokens, ev.Usage.OutputTokens)
			s.usage.CacheReadInputTokens = lastNonZero(s.usage.CacheReadInputTokens, ev.Usage.CacheReadInputTokens)
			s.usage.CacheCreationInputTokens = lastNonZero(s.usage.CacheCreationInputTokens, ev.Usage.CacheCreationInputTokens)
		}
	case "message_stop":
		s.stopped = true
	}
	return nil
}

func isKnownStreamEvent(typ string) bool {
	switch typ {
	case "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop":
		return true
	}
	return false
}

func lastNonZero(old, v int64) int64 {
	if v != 0 {
		return v
	}
	return old
}

func (s *anthropicStream) block(ev anthropicStreamEvent) (*streamBlock, error) {
	if ev.Index == nil {
		return nil, errors.New("no block index")
	}
	b := s.blocks[*ev.Index]
	if b == nil {
		return nil, fmt.Errorf("block %d was never started", *ev.Index)
	}
	if b.stopped {
		return nil, fmt.Errorf("block %d already stopped", *ev.Index)
	}
	return b, nil
}

func (s *anthropicStream) startBlock(ev anthropicStreamEvent) error {
	if ev.Index == nil || ev.ContentBlock == nil {
		return errors.New("content_block_start without index or block")
	}
	if _, dup := s.blocks[*ev.Index]; dup {
		return fmt.Errorf("block %d started twice", *ev.Index)
	}
	b := &streamBlock{}
	switch cb := ev.ContentBlock; cb.Type {
	case "text":
		b.kind = "text"
		b.text.WriteString(cb.Text)
	case "tool_use":
		if cb.ID == "" || cb.Name == "" {
			return fmt.Errorf("block %d: tool_use without id or name", *ev.Index)
		}
		b.kind, b.id, b.name, b.start = "tool_use", cb.ID, cb.Name, cb.Input
	case "thinking":
		b.kind = "thinking"
		b.text.WriteString(cb.Thinking)
		b.signature.WriteString(cb.Signature)
	case "redacted_thinking":
		if cb.Data == "" {
			return fmt.Errorf("block %d: redacted_thinking without data", *ev.Index)
		}
		b.kind, b.data = "redacted_thinking", cb.Data
	}
	s.blocks[*ev.Index] = b
	return nil
}

func (s *anthropicStream) delta(ev anthropicStreamEvent) error {
	b, err := s.block(ev)
	if err != nil {
		return err
	}
	if ev.Delta == nil {
		return errors.New("content_block_delta without a delta")
	}
	switch {
	case b.kind == "text" && ev.Delta.Type == "text_delta":
		b.text.WriteString(ev.Delta.Text)
	case b.kind == "tool_use" && ev.Delta.Type == "input_json_delta":
		if b.partial.Len()+len(ev.Delta.PartialJSON) > maxSSELine {
			return fmt.Errorf("block %d: tool input exceeds %d bytes", *ev.Index, maxSSELine)
		}
		b.partial.WriteString(ev.Delta.PartialJSON)
	case b.kind == "thinking" && ev.Delta.Type == "thinking_delta":
		b.text.WriteString(ev.Delta.Thinking)
	case b.kind == "thinking" && ev.Delta.Type == "signature_delta":
		b.signature.WriteString(ev.Delta.Signature)
	}
	return nil
}

// stopBlock completes a block. A tool input that does not parse is kept
// as nil: it is legitimate only in an answer that stops for max_tokens,
// which finish checks once the stop reason is known.
func (s *anthropicStream) stopBlock(ev anthropicStreamEvent) error {
	b, err := s.block(ev)
	if err != nil {
		return err
	}
	b.stopped = true
	if b.kind != "tool_use" {
		return nil
	}
	raw := json.RawMessage(strings.TrimSpace(b.partial.String()))
	if len(raw) == 0 {
		raw = b.start
	}
	input, err := objectOrEmpty(raw)
	if err == nil {
		b.input = input
	}
	return nil
}

// finish builds the Response once message_stop arrived.
func (s *anthropicStream) finish() (*Response, error) {
	resp := s.resp
	resp.StopReason = anthropicStopReason(s.stop)
	resp.Usage = Usage{
		InputTokens:      s.usage.InputTokens,
		OutputTokens:     s.usage.OutputTokens,
		CacheReadTokens:  s.usage.CacheReadInputTokens,
		CacheWriteTokens: s.usage.CacheCreationInputTokens,
	}
	resp.Content = make([]Part, 0, len(s.blocks))
	for _, i := range slices.Sorted(maps.Keys(s.blocks)) {
		b := s.blocks[i]
		if !b.stopped {
			return nil, fmt.Errorf("message_stop before block %d stopped", i)
		}
		switch b.kind {
		case "text":
			if b.text.Len() > 0 {
				resp.Content = append(resp.Content, TextPart(b.text.String()))
			}
		case "tool_use":
			if b.input == nil {
				if resp.StopReason == StopMaxTokens {
					// The model ran out of tokens inside this call: its
					// input is incomplete and the call must never run.
					// The stop reason tells the runner the turn was cut.
					continue
				}
				return nil, fmt.Errorf("block %d: tool_use %s input is not a complete JSON object", i, b.id)
			}
			resp.Content = append(resp.Content, ToolCallPart(ToolCall{ID: b.id, Name: b.name, Input: b.input}))
		case "thinking":
			resp.Content = append(resp.Content, ThinkingPart(Thinking{Provider: anthropicProvider, Text: b.text.String(), Signature: b.signature.String()}))
		case "redacted_thinking":
			resp.Content = append(resp.Content, ThinkingPart(Thinking{Provider: anthropicProvider, Redacted: b.data}))
		}
	}
	return resp, nil
}
