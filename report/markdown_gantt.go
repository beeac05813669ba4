package report

import (
	"fmt"
	"strings"
	"time"
)

// writeGantt draws where the time of a task's steps went as a Mermaid
// gantt chart, which GitHub renders in pull requests and step summaries:
// a section per step with a bar each for the model, the tools and the
// commit. Each section starts at its step's real start; its bars are laid
// end to end in that order, so the moments between them (recording,
// building the next request) are not drawn. Times are Unix milliseconds
// (dateFormat x) and the axis shows the reader's local clock. Bars of 0 ms
// are left out, and a task with none gets no chart.
func writeGantt(b *strings.Builder, t *TaskReport) {
	var body strings.Builder
	for _, s := range t.Steps {
		start, err := time.Parse(time.RFC3339Nano, s.StartedAt)
		if err != nil {
			continue
		}
		at := start.UnixMilli()
		var bars []string
		for _, bar := range []struct {
			label, id string
			ms        int64
		}{
			{"model", "m", s.ModelMS}, {"tools", "t", s.ToolsMS}, {"commit", "c", s.CommitMS},
		} {
			if bar.ms <= 0 {
				continue
			}
			// Ids are unique within the chart: one chart per task.
			bars = append(bars, fmt.Sprintf("    %s:s%d%s, %d, %d\n", bar.label, s.Step, bar.id, at, at+bar.ms))
			at += bar.ms
		}
		if len(bars) == 0 {
			continue
		}
		fmt.Fprintf(&body, "    section step %d\n", s.Step)
		for _, bar := range bars {
			body.WriteString(bar)
		}
	}
	if body.Len() == 0 {
		return
	}
	b.WriteString("```mermaid\ngantt\n")
	fmt.Fprintf(b, "    title Time per step of %s\n", ganttText(t.Name))
	b.WriteString("    dateFormat x\n")
	b.WriteString("    axisFormat %H:%M:%S\n")
	b.WriteString(body.String())
	b.WriteString("```\n\n")
}

// ganttText keeps the characters of s that mean nothing to Mermaid's
// gantt syntax (a colon starts a task's data, # and % start comments and
// directives, ; ends a statement) and turns the others into spaces.
func ganttText(s string) string {
	mapped := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case strings.ContainsRune("-_./ ", r):
			return r
		}
		return ' '
	}, s)
	if out := inline(mapped); out != "" {
		return out
	}
	return "task"
}
