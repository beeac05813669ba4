package llm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
)

// maxTranscriptLine bounds one transcript line; a recorded turn with a large
// file write in its tool input can be a few megabytes.
const maxTranscriptLine = 64 << 20

// Replay is a Client that answers from a recorded transcript instead of a
// model, so a run can be reproduced without network or keys.
type Replay struct {
	mu    sync.Mutex
	name  string
	turns []Response
	next  int
	// synced says the first request has set where the transcript stands.
	synced bool
}

var _ Client = (*Replay)(nil)

// NewReplay reads and parses the transcript at path (see ParseTranscript)
// before returning, so a bad file fails before the run starts.
func NewReplay(path string) (*Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open transcript: %w", err)
	}
	defer f.Close()
	turns, err := ParseTranscript(path, f)
	if err != nil {
		return nil, err
	}
	return &Replay{name: path, turns: turns}, nil
}

// Complete answers with the next recorded turn, as a deep copy the caller
// may modify.
//
// Before answering a turn that follows one with tool calls, it checks that
// req continues the recording: its last message must be a user message
// holding exactly one tool result (error or not) for each of those calls and
// none for other ids. Otherwise it returns ErrTranscriptDiverged, wrapped
// with what differs, and the turn stays unanswered. After the last turn it
// returns ErrTranscriptExhausted.
//
// The first request decides where the transcript starts: a fresh run's
// holds no answer, so it gets turn 1; a resumed run's first request holds
// the answers recorded before the interruption, and the turn after them
// answers it.
func (r *Replay) Complete(ctx context.Context, req *Request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if req == nil {
		return nil, errors.New("replay: nil request")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next == 0 && !r.synced {
		// A resumed run's first request already holds the answers of
		// the turns before it: the transcript goes on from there.
		r.next = min(countAssistant(req.Messages), len(r.turns))
	}
	r.synced = true
	if r.next >= len(r.turns) {
		return nil, fmt.Errorf("replay %s: %w: all %d turns were answered", r.name, ErrTranscriptExhausted, len(r.turns))
	}
	if r.next > 0 {
		prev := r.turns[r.next-1].Message().ToolCalls()
		if err := checkToolResults(prev, req.Messages); err != nil {
			return nil, fmt.Errorf("replay %s: turn %d: %w: %w", r.name, r.next+1, ErrTranscriptDiverged, err)
		}
	}
	resp := cloneResponse(r.turns[r.next])
	r.next++
	return &resp, nil
}

// checkToolResults verifies that the last of msgs answers exactly calls.
func checkToolResults(calls []ToolCall, msgs []Message) error {
	if len(calls) == 0 {
		return nil
	}
	if len(msgs) == 0 {
		return errors.New("the request has no messages, want the results of the recorded tool calls")
	}
	last := msgs[len(msgs)-1]
	if last.Role != RoleUser {
		return fmt.Errorf("the last message is from %q, want the user's tool results", last.Role)
	}
	want := make(map[string]bool, len(calls))
	for _, c := range calls {
		want[c.ID] = true
	}
	seen := make(map[string]bool, len(calls))
	var problems []string
	for _, p := range last.Content {
		if p.Type != PartToolResult || p.ToolResult == nil {
			continue
		}
		id := p.ToolResult.CallID
		switch {
		case !want[id]:
			problems = append(problems, fmt.Sprintf("result for unrecorded call %q", id))
		case seen[id]:
			problems = append(problems, fmt.Sprintf("second result for call %q", id))
		}
		seen[id] = true
	}
	for _, c := range calls {
		if !seen[c.ID] {
			problems = append(problems, fmt.Sprintf("no result for call %q (%s)", c.ID, c.Name))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// ParseTranscript reads a replay transcript; name is used in error messages.
// It reads everything before returning, and any error wraps
// ErrTranscriptInvalid and names the line: "name:LINE: …".
//
// # Format
//
// A transcript is JSON Lines. Each line is one model turn, the JSON form of
// Response; the run's N-th request is answered by the N-th turn. Lines that
// are blank or whose first non-space character is '#' are comments. A
// two-turn transcript:
//
//	# turn 1: read the file before editing it
//	{"content":[{"type":"text","text":"Let me read it first."},{"type":"tool_call","tool_call":{"id":"call_1","name":"read_file","input":{"path":"main.go"}}}],"stop_reason":"tool_use","usage":{"input_tokens":1200,"output_tokens":40}}
//
//	# turn 2: answers the request that carries the result of call_1
//	{"content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn"}
//
// Fields of a turn (unknown fields are an error):
//   - content: the parts, in order. A part is {"type":"text","text":"…"}
//     (text non-empty), {"type":"tool_call","tool_call":{"id","name","input"}}
//     with a non-empty id, unique in the transcript, a non-empty name and an
//     input that is a JSON object ({} for none), or a thinking part as a
//     provider returned it (see Thinking), kept so that a recorded
//     conversation can be sent back as the provider requires:
//     {"type":"thinking","thinking":{"provider":"anthropic","text":"…","signature":"…"}}
//     or, for a redacted block, {"type":"thinking","thinking":{"provider":"anthropic","redacted":"…"}}.
//     A thinking part needs a text, a signature or redacted data, and not
//     redacted data together with the others. Tool results are sent by the
//     run, so they never appear in a turn.
//   - stop_reason: end_turn, tool_use, max_tokens, stop_sequence, refusal,
//     pause_turn or unrecognized. When omitted it is tool_use if the turn
//     has tool calls and end_turn otherwise. A turn needs content or a
//     stop_reason.
//   - usage: input_tokens, output_tokens, cache_read_tokens,
//     cache_write_tokens; non-negative, all optional (default 0).
//   - id, model, request_id: optional strings, returned as recorded.
//
// When a turn has tool calls, the next request must end with a user message
// carrying one tool result for each of them (see Replay.Complete).
func ParseTranscript(name string, r io.Reader) ([]Response, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxTranscriptLine)
	var turns []Response
	callLines := make(map[string]int) // tool call id → line that made it
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		resp, err := parseTranscriptLine(text, callLines, line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %w", name, line, ErrTranscriptInvalid, err)
		}
		turns = append(turns, resp)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: read transcript: %w", name, line+1, err)
	}
	if len(turns) == 0 {
		return nil, fmt.Errorf("%s: %w: no turns", name, ErrTranscriptInvalid)
	}
	return turns, nil
}

// parseTranscriptLine decodes and checks one turn. callLines records the tool
// call ids seen so far, to reject reuse across turns.
func parseTranscriptLine(text []byte, callLines map[string]int, line int) (Response, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	var resp Response
	if err := dec.Decode(&resp); err != nil {
		return Response{}, fmt.Errorf("decode turn: %w", err)
	}
	if rest := bytes.TrimSpace(text[dec.InputOffset():]); len(rest) > 0 {
		return Response{}, errors.New("text after the turn's JSON object (one turn per line)")
	}
	if len(resp.Content) == 0 && resp.StopReason == "" {
		return Response{}, errors.New("turn has neither content nor a stop_reason")
	}
	hasCalls := false
	for i, p := range resp.Content {
		if err := checkTranscriptPart(p); err != nil {
			return Response{}, fmt.Errorf("content.%d: %w", i, err)
		}
		if p.Type != PartToolCall {
			continue
		}
		hasCalls = true
		id := p.ToolCall.ID
		if prev, dup := callLines[id]; dup {
			return Response{}, fmt.Errorf("content.%d: tool call id %q already used on line %d", i, id, prev)
		}
		callLines[id] = line
	}
	switch resp.StopReason {
	case "":
		resp.StopReason = StopEndTurn
		if hasCalls {
			resp.StopReason = StopToolUse
		}
	case StopEndTurn, StopToolUse, StopMaxTokens, StopSequence, StopRefusal, StopPauseTurn, StopUnrecognized:
	default:
		return Response{}, fmt.Errorf("unknown stop_reason %q", resp.StopReason)
	}
	u := resp.Usage
	if u.InputTokens < 0 || u.OutputTokens < 0 || u.CacheReadTokens < 0 || u.CacheWriteTokens < 0 {
		return Response{}, errors.New("usage has a negative token count")
	}
	if resp.Content == nil {
		resp.Content = []Part{}
	}
	return resp, nil
}

func checkTranscriptPart(p Part) error {
	switch p.Type {
	case PartText:
		if p.Text == "" || p.ToolCall != nil || p.ToolResult != nil || p.Thinking != nil {
			return errors.New(`a text part needs a non-empty "text" and nothing else`)
		}
	case PartToolCall:
		c := p.ToolCall
		if c == nil || p.Text != "" || p.ToolResult != nil || p.Thinking != nil {
			return errors.New(`a tool_call part needs a "tool_call" object and nothing else`)
		}
		if c.ID == "" || c.Name == "" {
			return errors.New("a tool call needs an id and a name")
		}
		if !isJSONObject(c.Input) {
			return fmt.Errorf("tool call %q: input must be a JSON object", c.ID)
		}
	case PartThinking:
		th := p.Thinking
		if th == nil || p.Text != "" || p.ToolCall != nil || p.ToolResult != nil {
			return errors.New(`a thinking part needs a "thinking" object and nothing else`)
		}
		if th.Text == "" && th.Signature == "" && th.Redacted == "" {
			return errors.New("a thinking part needs a text, a signature or redacted data")
		}
		if th.Redacted != "" && (th.Text != "" || th.Signature != "") {
			return errors.New("a redacted thinking part has neither text nor signature")
		}
	case PartToolResult:
		return errors.New("tool results are sent by the run, not recorded in a turn")
	default:
		return fmt.Errorf("unknown part type %q", p.Type)
	}
	return nil
}

// cloneResponse returns a copy of r that shares no memory with it.
func cloneResponse(r Response) Response {
	out := r
	out.Content = make([]Part, len(r.Content))
	for i, p := range r.Content {
		if p.ToolCall != nil {
			c := *p.ToolCall
			c.Input = slices.Clone(c.Input)
			p.ToolCall = &c
		}
		if p.ToolResult != nil {
			res := *p.ToolResult
			p.ToolResult = &res
		}
		if p.Thinking != nil {
			th := *p.Thinking
			p.Thinking = &th
		}
		out.Content[i] = p
	}
	return out
}

// countAssistant counts the model's answers in a conversation.
func countAssistant(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		if m.Role == RoleAssistant {
			n++
		}
	}
	return n
}
