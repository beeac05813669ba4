package llm

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// readAllEvents reads events until the reader stops.
func readAllEvents(r io.Reader) ([]sseEvent, error) {
	sr := newSSEReader(r)
	var out []sseEvent
	for {
		ev, err := sr.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func TestSSEReader(t *testing.T) {
	t.Parallel()
	ev := func(name, data string) sseEvent { return sseEvent{Name: name, Data: []byte(data)} }
	tests := []struct {
		name  string
		input string
		want  []sseEvent
	}{
		{"named events, LF", "event: a\ndata: {\"x\":1}\n\nevent: b\ndata: 2\n\n", []sseEvent{ev("a", `{"x":1}`), ev("b", "2")}},
		{"CRLF", "event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n", []sseEvent{ev("a", "1"), ev("", "2")}},
		{"bare CR", "event: a\rdata: 1\r\rdata: 2\r\r", []sseEvent{ev("a", "1"), ev("", "2")}},
		{"Anthropic's padding", "event: message_stop\ndata: {\"type\":\"message_stop\"}     \n\n", []sseEvent{ev("message_stop", `{"type":"message_stop"}`)}},
		{"multi-line data", "data: {\"a\":\ndata: 1}\n\n", []sseEvent{ev("", "{\"a\":\n1}")}},
		{"no space after the colon", "event:x\ndata:1\n\n", []sseEvent{ev("x", "1")}},
		{"only one leading space is dropped", "data:  1\n\n", []sseEvent{ev("", " 1")}},
		{"comments ignored", ": OPENROUTER PROCESSING\n\n: ping\ndata: 1\n\n", []sseEvent{ev("", "1")}},
		{"id and retry ignored", "id: 7\nretry: 100\ndata: 1\n\n", []sseEvent{ev("", "1")}},
		{"unknown fields ignored", "foo: bar\ndata: 1\n\n", []sseEvent{ev("", "1")}},
		{"event without data dropped", "event: a\n\ndata: 1\n\n", []sseEvent{ev("", "1")}},
		{"empty data kept", "data\n\n", []sseEvent{ev("", "")}},
		{"DONE passed through", "data: {\"choices\":[]}\n\ndata: [DONE]\n\n", []sseEvent{ev("", `{"choices":[]}`), ev("", "[DONE]")}},
		{"final event without blank line", "data: 1\n\ndata: 2", []sseEvent{ev("", "1"), ev("", "2")}},
		{"final event with one newline", "event: e\ndata: 2\n", []sseEvent{ev("e", "2")}},
		{"byte order mark", "\xef\xbb\xbfdata: 1\n\n", []sseEvent{ev("", "1")}},
		{"blank lines between events", "\n\n\ndata: 1\n\n\n\n", []sseEvent{ev("", "1")}},
		{"empty stream", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// One byte at a time as well: a CR at the end of a read must
			// wait for a possible LF.
			for _, r := range []io.Reader{strings.NewReader(tt.input), iotest.OneByteReader(strings.NewReader(tt.input))} {
				got, err := readAllEvents(r)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("events = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestSSEReaderErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", maxSSELine+1)
	tests := []struct {
		name    string
		r       io.Reader
		wantErr string
		events  int // complete events before the error
	}{
		{"line too long", strings.NewReader("data: 1\n\ndata: " + long + "\n\n"), "server-sent event 2: a line exceeds 16777216 bytes", 1},
		{"event too large", strings.NewReader(strings.Repeat("data: "+strings.Repeat("y", 1<<20)+"\n", 17) + "\n"), "server-sent event 1: data exceeds 16777216 bytes", 0},
		{"read error", io.MultiReader(strings.NewReader("data: 1\n\ndata: par"), iotest.ErrReader(io.ErrUnexpectedEOF)), "read event stream after 1 events: unexpected EOF", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAllEvents(tt.r)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if len(got) != tt.events {
				t.Errorf("got %d events before the error, want %d: a partial event must not be delivered", len(got), tt.events)
			}
		})
	}
}
