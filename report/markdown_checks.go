package report

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// checkOutputMarkdownLimit bounds the failing output quoted in Markdown,
// in characters: the report often becomes a pull request body, which has a
// size limit, and the JSON report keeps everything the store has.
const checkOutputMarkdownLimit = 8000

// writeChecks writes a task's check runs as a table, and the output of the
// last failing run in a collapsed block: the one the agent could not fix,
// or the one it was still fixing when the task stopped.
func writeChecks(b *strings.Builder, t *TaskReport) {
	if len(t.Checks) == 0 {
		return
	}
	fmt.Fprintf(b, "Checks: %s\n\n", checksLine(t.Stats))
	b.WriteString("| round | command | result | duration |\n")
	b.WriteString("| ---: | --- | --- | ---: |\n")
	var lastFailed *CheckReport
	for i := range t.Checks {
		c := &t.Checks[i]
		duration := "—"
		if c.FinishedAt != "" {
			duration = humanDuration(c.DurationMS)
		}
		tableRow(b, fmt.Sprint(c.Round), code(truncate(c.Command, 120)), checkResult(c), duration)
		if c.FinishedAt != "" && !c.Passed {
			lastFailed = c
		}
	}
	b.WriteString("\n")
	if lastFailed == nil {
		return
	}
	// GitHub renders Markdown inside <details> only after a blank line;
	// the summary itself is HTML, so the command is escaped as HTML.
	fmt.Fprintf(b, "<details><summary>Output of <code>%s</code>, round %d (%s)</summary>\n\n",
		html.EscapeString(inline(truncate(lastFailed.Command, 120))), lastFailed.Round, html.EscapeString(checkResult(lastFailed)))
	out := lastFailed.Output
	if out == "" {
		out = "(no output)"
	}
	b.WriteString(fenced(lastOf(out, checkOutputMarkdownLimit)))
	b.WriteString("\n</details>\n\n")
}

// checkResult says how a check run ended, in a few words.
func checkResult(c *CheckReport) string {
	switch {
	case c.FinishedAt == "":
		return "running"
	case c.Passed:
		return "passed"
	case c.Error != "":
		return "failed: " + oneLineText(truncate(c.Error, 120))
	}
	return fmt.Sprintf("failed: exit %d", c.ExitCode)
}

func checksLine(s Stats) string {
	runs := "runs"
	if s.ChecksRun == 1 {
		runs = "run"
	}
	return fmt.Sprintf("%d %s, %d failed", s.ChecksRun, runs, s.ChecksFailed)
}

// lastOf keeps the last limit characters of s and marks the cut: failures
// are printed at the end of a test run.
func lastOf(s string, limit int) string {
	n := utf8.RuneCountInString(s)
	if n <= limit {
		return s
	}
	return "…" + string([]rune(s)[n-limit:])
}

// writeRollback says where a rollback left the task's branch.
func writeRollback(b *strings.Builder, rb RollbackInfo) {
	if rb.To == "" {
		return
	}
	fmt.Fprintf(b, "Rolled back to %s; the previous tip is kept as %s\n\n", code(short(rb.To)), code(rb.BackupRef))
}
