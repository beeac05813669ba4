package report

import (
	"regexp"
	"strings"
	"testing"
)

func TestGanttText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"fix-vet", "fix-vet"},
		{"a: b; c # d %% e", "a b c d e"},
		{"docs/update_v2.1", "docs/update_v2.1"},
		{"::", "task"},
		{"ünï", "n"},
		{"ü", "task"},
	}
	for _, tt := range tests {
		if got := ganttText(tt.in); got != tt.want {
			t.Errorf("ganttText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// ganttLine is the grammar writeGantt keeps to: Mermaid gantt statements
// with a label of plain words and data of an id and two Unix-ms times.
var ganttLine = regexp.MustCompile(`^(gantt|    title [A-Za-z0-9 ._/-]+|    dateFormat x|    axisFormat %H:%M:%S|    section step \d+|    (model|tools|commit):(s\d+[mtc]), (\d+), (\d+))$`)

func TestGantt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []StepReport
		want  []string // the bar lines, in order; nil: no chart
	}{
		{"no steps", nil, nil},
		{"nothing measured", []StepReport{{Step: 1, StartedAt: "2026-01-01T00:00:00Z"}}, nil},
		{"bars laid end to end from the step's start", []StepReport{
			{Step: 1, StartedAt: "2026-01-01T00:00:00Z", ModelMS: 1500, ToolsMS: 250, CommitMS: 40},
			{Step: 2, StartedAt: "2026-01-01T00:00:02.5Z", ModelMS: 800},
		}, []string{
			"model:s1m, 1767225600000, 1767225601500",
			"tools:s1t, 1767225601500, 1767225601750",
			"commit:s1c, 1767225601750, 1767225601790",
			"model:s2m, 1767225602500, 1767225603300",
		}},
		{"a step without time is left out", []StepReport{
			{Step: 1, StartedAt: "2026-01-01T00:00:00Z"},
			{Step: 2, StartedAt: "2026-01-01T00:00:01Z", ToolsMS: 5},
		}, []string{"tools:s2t, 1767225601000, 1767225601005"}},
		{"a step without a start is left out", []StepReport{{Step: 1, ModelMS: 5}}, nil},
	}
	for _, tt := range tests {
		var b strings.Builder
		writeGantt(&b, &TaskReport{Name: "a: weird; name", Steps: tt.steps})
		out := b.String()
		if tt.want == nil {
			if out != "" {
				t.Errorf("%s: got a chart, want none:\n%s", tt.name, out)
			}
			continue
		}
		body, ok := strings.CutPrefix(out, "```mermaid\n")
		body, ok2 := strings.CutSuffix(body, "```\n\n")
		if !ok || !ok2 {
			t.Fatalf("%s: not a mermaid block:\n%s", tt.name, out)
		}
		var bars []string
		ids := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			m := ganttLine.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%s: line %q is not one writeGantt may write", tt.name, line)
				continue
			}
			if m[3] != "" {
				if ids[m[3]] {
					t.Errorf("%s: id %s used twice", tt.name, m[3])
				}
				ids[m[3]] = true
				bars = append(bars, strings.TrimSpace(line))
			}
		}
		if strings.Join(bars, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: bars\n%s\nwant\n%s", tt.name, strings.Join(bars, "\n"), strings.Join(tt.want, "\n"))
		}
		if !strings.Contains(body, "    title Time per step of a weird name\n") {
			t.Errorf("%s: title not sanitized:\n%s", tt.name, body)
		}
	}
}
