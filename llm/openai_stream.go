package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// openAIDone is the data of the event that ends a Chat Completions stream.
var openAIDone = []byte("[DONE]")

// openAIStream assembles a Response from the chunks of one stream.
type openAIStream struct {
	id, model string
	text      strings.Builder
	calls     []*openAIStreamCall // in order of appearance
	byIndex   map[int]*openAIStreamCall
	finish    string       // the first non-empty finish_reason
	usage     *openAIUsage // the last usage sent
	done      bool         // data: [DONE] seen
}

// openAIStreamCall is a tool call being assembled from its fragments.
type openAIStreamCall struct {
	id, name  string
	arguments strings.Builder
}

// decodeOpenAIStream reads a Chat Completions event stream and returns the
// complete answer.
//
// The answer is complete when a finish_reason has arrived and then either
// "data: [DONE]" or, for servers that end their streams without it, a
// clean end of the body after the usage chunk (the last chunk before
// [DONE] when include_usage is asked for, as the client always does).
// Anything else is an error, so the transport retries it and the partial
// answer is dropped: a body that ends before a finish_reason, or after one
// without the usage chunk, a connection cut, [DONE] before a finish_reason,
// a chunk that does not parse, a tool call fragment that fits no call,
// arguments that are not a JSON object. An {"error":…} chunk becomes an
// *answerError with the status of its code or type.
//
// Comment lines, repeated role deltas, chunks without choices and fields
// the client does not know are skipped; the finish_reason: null of chunks
// after the one that finished does not undo it.
//
// An OpenRouter generation id in the chunks is the Response's RequestID,
// or the error's (see answerIDError), unless a header names one.
func decodeOpenAIStream(body io.Reader) (*Response, error) {
	s := &openAIStream{byIndex: make(map[int]*openAIStreamCall)}
	resp, err := s.read(body)
	if id := generationID(s.id); id != "" {
		if err != nil {
			return nil, &answerIDError{ID: id, Err: err}
		}
		resp.RequestID = id
	}
	return resp, err
}

func (s *openAIStream) read(body io.Reader) (*Response, error) {
	sse := newSSEReader(body)
	for n := 1; ; n++ {
		ev, err := sse.next()
		if errors.Is(err, io.EOF) {
			switch {
			case s.finish == "":
				return nil, errors.New("stream ended before a finish_reason")
			case s.usage == nil:
				return nil, errors.New("stream ended after its finish_reason without its usage or data: [DONE]")
			}
			return s.answer()
		}
		if err != nil {
			return nil, err
		}
		if err := s.apply(ev.Data); err != nil {
			return nil, fmt.Errorf("chunk %d: %w", n, err)
		}
		if s.done {
			if s.finish == "" {
				return nil, errors.New("data: [DONE] before a finish_reason")
			}
			return s.answer()
		}
	}
}

func (s *openAIStream) apply(data []byte) error {
	if bytes.Equal(data, openAIDone) {
		s.done = true
		return nil
	}
	var chunk openAIAnswer
	if err := json.Unmarshal(data, &chunk); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	// The id first: an error chunk's id names the failed generation.
	if s.id == "" {
		s.id = chunk.ID
	}
	if err := inBandError(chunk.Error); err != nil {
		return err
	}
	if s.model == "" {
		s.model = chunk.Model
	}
	if chunk.Usage != nil {
		s.usage = chunk.Usage
	}
	if len(chunk.Choices) == 0 {
		return nil
	}
	choice := chunk.Choices[0]
	if choice.FinishReason != nil && *choice.FinishReason != "" && s.finish == "" {
		s.finish = *choice.FinishReason
	}
	if choice.Delta == nil {
		return nil
	}
	text, err := textContent(choice.Delta.Content)
	if err != nil {
		return err
	}
	s.text.WriteString(text)
	for _, tc := range choice.Delta.ToolCalls {
		if err := s.toolFragment(tc); err != nil {
			return err
		}
	}
	return nil
}

// toolFragment adds one fragment to its call: the one with its index, or,
// from a server that sends no index, a new call when the fragment has a
// new id and the last call otherwise. The id and the name arrive in a
// call's first fragment (some servers repeat them); the arguments are the
// concatenation of every fragment's.
func (s *openAIStream) toolFragment(tc openAIAnswerToolCall) error {
	var c *openAIStreamCall
	switch {
	case tc.Index != nil:
		c = s.byIndex[*tc.Index]
		if c == nil {
			c = &openAIStreamCall{}
			s.byIndex[*tc.Index] = c
			s.calls = append(s.calls, c)
		}
	case tc.ID != "" && (len(s.calls) == 0 || s.calls[len(s.calls)-1].id != tc.ID):
		c = &openAIStreamCall{}
		s.calls = append(s.calls, c)
	case len(s.calls) > 0:
		c = s.calls[len(s.calls)-1]
	default:
		return errors.New("tool call fragment with neither index nor id")
	}
	if tc.ID != "" {
		if c.id != "" && c.id != tc.ID {
			return fmt.Errorf("tool call %s continued with id %s", c.id, tc.ID)
		}
		c.id = tc.ID
	}
	if c.name == "" {
		c.name = tc.Function.Name
	}
	args, err := argumentsText(tc.Function.Arguments)
	if err != nil {
		return fmt.Errorf("tool call %s: %w", c.id, err)
	}
	c.arguments.WriteString(args)
	return nil
}

func (s *openAIStream) answer() (*Response, error) {
	calls := make([]openAICall, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, openAICall{id: c.id, name: c.name, arguments: c.arguments.String()})
	}
	return buildOpenAIAnswer(s.id, s.model, s.text.String(), calls, s.finish, s.usage)
}
