package llmtest

import (
	"sync"
)

// thinkingLog remembers the Anthropic answers the fake rendered with
// thinking blocks, so that a later request can be checked the way the API
// checks it: an assistant turn that thought and called tools must come
// back with its thinking blocks unchanged, in their original position.
// Answers without thinking are not remembered, and their turns are not
// checked. It is safe for concurrent use.
type thinkingLog struct {
	mu sync.Mutex
	// byToolUse maps the id of every tool_use of a remembered answer to
	// that answer's outline.
	byToolUse map[string][]outlineBlock
}

func newThinkingLog() *thinkingLog {
	return &thinkingLog{byToolUse: make(map[string][]outlineBlock)}
}

// outlineBlock is a block as the outline of a turn compares it.
type outlineBlock struct {
	Type, Text, Signature, Data, ID string
}

// outlined reports whether b is part of what must come back of an answer,
// and returns it as compared: a thinking block by text and signature, a
// redacted one by data, a tool use by id. Text blocks are left out, so
// that a client may drop an empty one.
func outlined(b Block) (outlineBlock, bool) {
	switch b.Type {
	case "thinking":
		return outlineBlock{Type: b.Type, Text: b.Text, Signature: b.Signature}, true
	case "redacted_thinking":
		return outlineBlock{Type: b.Type, Data: b.Data}, true
	case "tool_use":
		return outlineBlock{Type: b.Type, ID: b.ID}, true
	}
	return outlineBlock{}, false
}

// record remembers a rendered answer if it has thinking blocks and tool
// uses to find it by.
func (l *thinkingLog) record(content []any) {
	var blocks []outlineBlock
	thought := false
	for _, c := range content {
		switch b := c.(type) {
		case wireThinking:
			thought = true
			blocks = append(blocks, outlineBlock{Type: b.Type, Text: b.Thinking, Signature: b.Signature})
		case wireRedactedThinking:
			thought = true
			blocks = append(blocks, outlineBlock{Type: b.Type, Data: b.Data})
		case wireToolUse:
			blocks = append(blocks, outlineBlock{Type: b.Type, ID: b.ID})
		}
	}
	if !thought {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range blocks {
		if b.Type == "tool_use" {
			l.byToolUse[b.ID] = blocks
		}
	}
}

// check returns the API's 400 for the first assistant message of msgs
// that answers a remembered turn without its thinking intact.
func (l *thinkingLog) check(msgs []Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, m := range msgs {
		if m.Role != "assistant" {
			continue
		}
		var want []outlineBlock
		for _, u := range m.ToolUses() {
			if want = l.byToolUse[u.ID]; want != nil {
				break
			}
		}
		if want == nil {
			continue
		}
		if err := checkThinking(i, m, want); err != nil {
			return err
		}
	}
	return nil
}

// checkThinking compares the outline of message i with want, the outline
// of the answer it repeats, and words the first difference as the API
// does.
func checkThinking(i int, m Message, want []outlineBlock) error {
	var (
		got []outlineBlock
		at  []int // content index of each block of got
	)
	for j, b := range m.Content {
		if o, ok := outlined(b); ok {
			got = append(got, o)
			at = append(at, j)
		}
	}
	if isThinking(want[0].Type) && (len(m.Content) == 0 || !isThinking(m.Content[0].Type)) {
		found := "nothing"
		if len(m.Content) > 0 {
			found = m.Content[0].Type
		}
		return bad("messages.%d.content.0.type: Expected `thinking` or `redacted_thinking`, but found `%s`. "+
			"When `thinking` is enabled, a final `assistant` message must start with a thinking block "+
			"(preceeding the lastmost set of `tool_use` and `tool_result` blocks). "+
			"We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. "+
			"Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking", i, found)
	}
	for k := range max(len(want), len(got)) {
		pos := len(m.Content)
		if k < len(got) {
			pos = at[k]
		}
		switch {
		case k >= len(got):
			return bad("messages.%d.content.%d: Expected `%s`, but the message ends. "+
				"Thinking blocks must be passed back unchanged, in their original position.", i, pos, want[k].Type)
		case k >= len(want):
			return bad("messages.%d.content.%d.type: Found `%s` after the last block of the original turn. "+
				"Thinking blocks must be passed back unchanged, in their original position.", i, pos, got[k].Type)
		case got[k] == want[k]:
			continue
		case got[k].Type == "thinking" && want[k].Type == "thinking":
			return bad("messages.%d.content.%d: Invalid `signature` in `thinking` block", i, pos)
		case got[k].Type == "redacted_thinking" && want[k].Type == "redacted_thinking":
			return bad("messages.%d.content.%d: Invalid `data` in `redacted_thinking` block", i, pos)
		case got[k].Type == "tool_use" && want[k].Type == "tool_use":
			return bad("messages.%d.content.%d: Expected `tool_use` %s, but found `tool_use` %s. "+
				"The blocks of a turn with thinking must be passed back unchanged, in their original order.", i, pos, want[k].ID, got[k].ID)
		}
		return bad("messages.%d.content.%d.type: Expected `%s`, but found `%s`. "+
			"Thinking blocks must be passed back unchanged, in their original position.", i, pos, want[k].Type, got[k].Type)
	}
	return nil
}

func isThinking(typ string) bool { return typ == "thinking" || typ == "redacted_thinking" }
