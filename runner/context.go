package runner

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/safe-coder/safe-coder/llm"
)

// Tool outputs are capped before they enter the conversation: one huge file
// or log must not crowd out everything else. The head and the tail are kept,
// since errors tend to be at the end and context at the start.
const (
	maxToolOutput  = 64 << 10
	toolOutputHead = 48 << 10
)

// When the estimated prompt passes elideAbove of the model's context
// window, the oldest tool outputs are elided until it is under elideBelow.
// Eliding in one large batch, not one output per turn, keeps the prompt's
// prefix stable for the provider's cache most of the time.
const (
	elideAbove = 0.80
	elideBelow = 0.60
	// bytesPerToken is a deliberately low estimate (real text averages
	// about 4 bytes a token), so the estimate errs towards eliding early.
	bytesPerToken = 3
)

// elidedNotice replaces a tool output removed to save context. The model
// can always ask again.
const elidedNotice = "[safe-coder elided this tool output (%d bytes) to keep the conversation within the model's context window; call the tool again if you still need it]"

// capOutput cuts s to maxToolOutput bytes with a visible notice.
func capOutput(s string) string {
	if len(s) <= maxToolOutput {
		return s
	}
	head := validPrefix(s, toolOutputHead)
	tail := validSuffix(s, maxToolOutput-toolOutputHead)
	omitted := len(s) - len(head) - len(tail)
	return fmt.Sprintf("%s\n[… %d bytes of this tool output omitted by safe-coder: results are capped at %d bytes; ask for less, e.g. with offset/limit or a narrower command …]\n%s", head, omitted, maxToolOutput, tail)
}

func validPrefix(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func validSuffix(s string, n int) string {
	i := len(s) - n
	for i < len(s) && i > 0 && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}

// contextWindow tracks how full the model's context is, from the provider's
// own token counts plus an estimate of what was added since.
type contextWindow struct {
	size int // tokens; 0 when unknown: nothing is elided ahead of time
	// lastPrompt is the prompt size the provider reported for the last
	// answer (input + cache read + cache write) plus that answer's output.
	lastPrompt int64
	// bytesAtLast is the history size in bytes when lastPrompt was measured.
	bytesAtLast int
}

// observe records the provider's count after an answer; historyBytes is the
// size of the history including that answer.
func (c *contextWindow) observe(u llm.Usage, historyBytes int) {
	c.lastPrompt = u.InputTokens + u.CacheReadTokens + u.CacheWriteTokens + u.OutputTokens
	c.bytesAtLast = historyBytes
}

// estimate returns the expected prompt tokens for a history of n bytes.
func (c *contextWindow) estimate(historyBytes, fixedBytes int) int64 {
	if c.lastPrompt == 0 {
		return int64((historyBytes + fixedBytes) / bytesPerToken)
	}
	return c.lastPrompt + int64((historyBytes-c.bytesAtLast)/bytesPerToken)
}

// historyBytes approximates the size of the conversation as sent.
func historyBytes(msgs []llm.Message) int {
	n := 0
	for _, m := range msgs {
		for _, p := range m.Content {
			switch {
			case p.ToolCall != nil:
				n += len(p.ToolCall.Name) + len(p.ToolCall.Input) + len(p.ToolCall.ID)
			case p.ToolResult != nil:
				n += len(p.ToolResult.Content) + len(p.ToolResult.CallID)
			default:
				n += len(p.Text)
			}
			n += 16 // per-part framing
		}
	}
	return n
}

// elide replaces tool outputs in msgs, oldest first and never in the last
// message (the results the model is about to read), until want bytes are
// saved (want < 0: all of them). It returns the outputs elided and the
// bytes saved. Short outputs are left: eliding them saves nothing.
func elide(msgs []llm.Message, want int) (count, saved int) {
	for i := 0; i < len(msgs)-1; i++ {
		if want >= 0 && saved >= want {
			break
		}
		for j, p := range msgs[i].Content {
			if p.ToolResult == nil || strings.HasPrefix(p.ToolResult.Content, "[safe-coder elided") {
				continue
			}
			old := len(p.ToolResult.Content)
			notice := fmt.Sprintf(elidedNotice, old)
			if old <= len(notice)+64 {
				continue
			}
			r := *p.ToolResult
			r.Content = notice
			// Copy on write: earlier requests may still hold the slice.
			content := append([]llm.Part(nil), msgs[i].Content...)
			content[j] = llm.ToolResultPart(r)
			msgs[i].Content = content
			count++
			saved += old - len(notice)
		}
	}
	return count, saved
}

// fitContext elides old tool outputs when the next request would come near
// the context window. fixedBytes is the size of the system prompt and tools.
func (l *loop) fitContext(fixedBytes int) {
	if l.ctxWin.size == 0 {
		return
	}
	hb := historyBytes(l.history)
	est := l.ctxWin.estimate(hb, fixedBytes)
	if float64(est) < elideAbove*float64(l.ctxWin.size) {
		return
	}
	wantTokens := est - int64(elideBelow*float64(l.ctxWin.size))
	count, saved := elide(l.history, int(wantTokens)*bytesPerToken)
	if count > 0 {
		// The provider's count no longer describes the history.
		l.ctxWin.lastPrompt -= int64(saved / bytesPerToken)
		l.ctxWin.bytesAtLast -= saved
		l.logf("context: elided %s (%d bytes) to stay within the %d-token window", plural(count, "old tool output"), saved, l.ctxWin.size)
	}
}

// compact elides every old tool output after the provider said the
// conversation does not fit; it reports whether anything changed.
func (l *loop) compact() bool {
	count, saved := elide(l.history, -1)
	if count == 0 {
		return false
	}
	l.ctxWin.lastPrompt = 0
	l.logf("context: the provider refused the conversation as too long; elided %s (%d bytes) and asking again", plural(count, "tool output"), saved)
	return true
}

func requestFixedBytes(system string, defs []llm.ToolDef) int {
	n := len(system)
	for _, d := range defs {
		n += len(d.Name) + len(d.Description) + len(d.InputSchema)
	}
	return n
}
