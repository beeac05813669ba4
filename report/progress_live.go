package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ANSI sequences of live mode: back to the line's start and erase it, so
// the next text replaces the live line; and the few colours it uses.
const (
	eraseLine  = "\r\x1b[2K"
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiCyan   = "\x1b[1;36m"
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
)

// showLive renders an event in live mode: a step's events rewrite its
// line, the step's end leaves the line as it ended, and any other event
// shown is printed above the live line.
func (p *Progress) showLive(ev Event, t *taskProgress, line eventLine) {
	switch e := ev.(type) {
	case StepStarted:
		if p.live != nil && p.live != t {
			p.endLive()
		}
		p.live = t
		p.drawLive()
		return
	case StepFinished:
		text := p.stepText(t, e.Step, e.FinishedAt, &e)
		if p.live == t {
			p.write(eraseLine + text + "\n")
			p.live = nil
			return
		}
		// A step closed on resume was never live in this process.
		p.printAbove(text)
		return
	case ModelAnswered:
		t.step.answered = true
	}
	if line.level == levelDefault || p.opts.Verbose {
		p.printAbove(p.liveEventText(line))
		return
	}
	if p.live != nil {
		p.drawLive()
	}
}

// printAbove prints a whole line where the live line is and draws the live
// line again below it.
func (p *Progress) printAbove(text string) {
	if p.live != nil {
		p.write(eraseLine)
	}
	p.write(text + "\n")
	if p.live != nil {
		p.drawLive()
	}
}

// drawLive rewrites the live line with the step's running time.
func (p *Progress) drawLive() {
	p.write(eraseLine + p.stepText(p.live, p.live.step.n, p.opts.Now(), nil))
}

// endLive leaves the live line on screen as it is and moves below it.
func (p *Progress) endLive() {
	p.write("\n")
	p.live = nil
}

// stepText is a step's line: "[task] step 3/20 · read_file, bash · 1200 in/340
// out · $0.0030 · 4.2s", with the commit once fin says the step
// finished. It is cut to the terminal's width so it never wraps, which
// would leave copies of it behind when rewritten.
func (p *Progress) stepText(t *taskProgress, step int, now time.Time, fin *StepFinished) string {
	head := fmt.Sprintf("[%s] step %d", escapeControls(inline(t.name)), step)
	if n := p.opts.MaxSteps[t.name]; n > 0 {
		head += fmt.Sprintf("/%d", n)
	}
	s := t.step
	tools := "asking the model"
	switch {
	case len(s.tools) > 0:
		tools = escapeControls(inline(strings.Join(s.tools, ", ")))
	case s.answered || fin != nil:
		tools = "no tools"
	}
	parts := []string{tools, fmt.Sprintf("%d in/%d out", s.usage.InputTokens, s.usage.OutputTokens), liveCost(s.cost)}
	if !s.started.IsZero() {
		parts = append(parts, liveElapsed(now.Sub(s.started)))
	}
	if fin != nil && fin.Commit != "" {
		parts = append(parts, fmt.Sprintf("commit %s %s", short(fin.Commit), textLines(fin.Insertions, fin.Deletions)))
	}
	rest := " · " + strings.Join(parts, " · ")
	if fin == nil {
		rest += " …"
	}
	room := p.opts.Width - 1 - utf8.RuneCountInString(head)
	switch {
	case room <= 1:
		head, rest = truncateRunes(head, p.opts.Width-1), ""
	case utf8.RuneCountInString(rest) > room:
		rest = truncateRunes(rest, room)
	}
	colour := ansiCyan
	if fin != nil {
		colour = ansiGreen
	}
	return p.paint(colour, head) + rest
}

// liveEventText is an event other than a step's, for a line of its own:
// "[task] name key=value…", the name coloured by how things went.
func (p *Progress) liveEventText(l eventLine) string {
	return taskTag(l.task) + p.paint(eventColour(l), l.name) + plainFields(l)
}

// eventColour is red for what went wrong (a denial, a failed check or
// task, a failed push), green for what went well, else bold.
func eventColour(l eventLine) string {
	for _, f := range l.fields {
		switch v := f.value.(type) {
		case string:
			switch {
			case f.key == "outcome" && (v == OutcomeDenied || v == OutcomeNotRun):
				return ansiYellow
			case f.key == "status" && v != "succeeded":
				return ansiRed
			case f.key == "status", f.key == "result" && (v == PushPushed || v == PushUpToDate):
				return ansiGreen
			case f.key == "result":
				return ansiRed
			}
		case bool:
			if f.key == "passed" && v {
				return ansiGreen
			}
			if f.key == "passed" {
				return ansiRed
			}
		}
	}
	return ansiBold
}

func (p *Progress) paint(colour, s string) string {
	if !p.opts.Color {
		return s
	}
	return colour + s + ansiReset
}

func liveCost(c costSum) string {
	if c.unknown {
		return "$?"
	}
	return fmt.Sprintf("$%.4f", c.usd)
}

// liveElapsed rounds a running time to what a person reads at a glance;
// a clock set back shows 0, not a negative time.
func liveElapsed(d time.Duration) string {
	d = max(d, 0)
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// truncateRunes cuts s to n runes, the last one an ellipsis.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
