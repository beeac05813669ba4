package llm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxSSELine bounds one line of a server-sent event stream, and the data of
// one event. A model's largest event is a tool input fragment of a few
// kilobytes; 16 MiB leaves room for a whole file in one fragment while
// keeping a broken server from exhausting memory.
const maxSSELine = 16 << 20

// sseEvent is one event of a text/event-stream body.
type sseEvent struct {
	// Name is the value of the event's "event:" field; "" when the server
	// sent none (OpenAI-style streams name no events).
	Name string
	// Data is the event's "data:" lines joined with "\n". Trailing spaces
	// and tabs of each line are removed: providers send JSON there, where a
	// line cannot end inside a string, and Anthropic pads its lines.
	// Sentinels such as OpenAI's "[DONE]" are passed through as they are.
	Data []byte
}

// sseReader reads server-sent events (the WHATWG EventSource format) from a
// response body. It is the stream reader of every provider: Anthropic's
// named events and OpenAI's unnamed "data:" chunks alike.
//
// Lines end in LF, CRLF or CR. Comment lines (starting with ':', such as
// OpenRouter's ": OPENROUTER PROCESSING") and the id and retry fields are
// ignored. A blank line ends an event; an event without data is dropped, as
// the format says. The last event is delivered even when the body ends
// without the blank line after it, so a decoder sees everything the server
// sent and decides itself whether the stream was complete.
type sseReader struct {
	sc     *bufio.Scanner
	events int // events returned so far, for error messages
	first  bool
}

func newSSEReader(r io.Reader) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxSSELine)
	sc.Split(scanSSELine)
	return &sseReader{sc: sc, first: true}
}

// next returns the next event, or io.EOF when the body ended cleanly after
// the last one. Any other error (a connection cut, a line or event longer
// than 16 MiB) ends the stream.
func (s *sseReader) next() (sseEvent, error) {
	var (
		ev      sseEvent
		data    []byte
		hasData bool
	)
	for s.sc.Scan() {
		line := s.sc.Bytes()
		if s.first {
			// A byte order mark may open the stream.
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
			s.first = false
		}
		if len(line) == 0 {
			if hasData {
				ev.Data = data
				s.events++
				return ev, nil
			}
			ev = sseEvent{}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			ev.Name = string(value)
		case "data":
			value = bytes.TrimRight(value, " \t")
			if len(data)+len(value)+1 > maxSSELine {
				return sseEvent{}, fmt.Errorf("server-sent event %d: data exceeds %d bytes", s.events+1, maxSSELine)
			}
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			if data == nil {
				data = []byte{} // "data" with no value is an event with empty data
			}
			hasData = true
		}
	}
	if err := s.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return sseEvent{}, fmt.Errorf("server-sent event %d: a line exceeds %d bytes", s.events+1, maxSSELine)
		}
		return sseEvent{}, fmt.Errorf("read event stream after %d events: %w", s.events, err)
	}
	if hasData {
		ev.Data = data
		s.events++
		return ev, nil
	}
	return sseEvent{}, io.EOF
}

// scanSSELine is a bufio.SplitFunc for lines ending in LF, CRLF or CR.
func scanSSELine(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		switch {
		case i+1 < len(data) && data[i+1] == '\n':
			return i + 2, data[:i], nil
		case i+1 < len(data) || atEOF:
			return i + 1, data[:i], nil
		}
		// A CR at the end of what was read so far: an LF may follow.
		return 0, nil, nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}
