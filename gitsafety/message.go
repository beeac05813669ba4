package gitsafety

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Trailer keys written on every commit of a run; rollback and reports find
// a run's commits by them.
const (
	trailerRun  = "Safe-Coder-Run"
	trailerTask = "Safe-Coder-Task"
	trailerStep = "Safe-Coder-Step"
)

const (
	// maxLineRunes caps one call line of a step message: the body is a
	// summary, and the full call is in the run's report.
	maxLineRunes = 200
	// maxSubjectRunes caps the subject, which lists tool names only.
	maxSubjectRunes = 200
)

const snapshotBody = "Uncommitted changes found when safe-coder started, committed so the run starts from them and can be rolled back to them."

// snapshotMessage is the message of the "session start" commit.
func snapshotMessage(run, task string) string {
	var b strings.Builder
	b.WriteString("Snapshot: session start\n\n")
	b.WriteString(snapshotBody)
	b.WriteString("\n\n")
	writeTrailers(&b, run, task, 0)
	return b.String()
}

// stepMessage is the message of one step's commit: the tools in the
// subject (each once, in order of first use), one line per call in the
// body, then the trailer block as the last paragraph so that
// `git interpret-trailers --parse` reads it.
func stepMessage(run, task string, c StepCommit) string {
	var tools []string
	seen := map[string]bool{}
	for _, t := range c.Tools {
		t = oneLine(t, maxSubjectRunes)
		if t != "" && !seen[t] {
			seen[t] = true
			tools = append(tools, t)
		}
	}
	subject := "AI executed: (no tool calls)"
	if len(tools) > 0 {
		subject = oneLine("AI executed: "+strings.Join(tools, ", "), maxSubjectRunes)
	}

	var b strings.Builder
	b.WriteString(subject)
	b.WriteString("\n\n")
	if len(c.Calls) > 0 {
		for _, call := range c.Calls {
			line := oneLine(call, maxLineRunes)
			if line == "" {
				line = "(empty)"
			}
			// Every body line starts with "- ", so none can pass for a
			// trailer or for the "---" that ends a message.
			b.WriteString("- ")
			b.WriteString(line)
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	writeTrailers(&b, run, task, c.Step)
	return b.String()
}

func writeTrailers(b *strings.Builder, run, task string, step int) {
	b.WriteString(trailerRun + ": " + run + "\n")
	b.WriteString(trailerTask + ": " + task + "\n")
	b.WriteString(trailerStep + ": " + strconv.Itoa(step) + "\n")
}

// oneLine makes s safe for one line of a commit message: the ends are
// trimmed, inner line breaks are shown as \n, other control characters and
// invalid UTF-8 are replaced, and the result is cut to limit runes with an
// ellipsis.
func oneLine(s string, limit int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.TrimSpace(b.String())
	if utf8.RuneCountInString(out) <= limit {
		return out
	}
	runes := []rune(out)
	return strings.TrimSpace(string(runes[:limit-1])) + "…"
}
