package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/safe-coder/safe-coder/runner/tools"
	"github.com/safe-coder/safe-coder/tasks"
)

// toolDoc renders docs/tools.md from the definitions the model is offered,
// so the page says exactly what a recorded transcript or a custom prompt
// may rely on.
func toolDoc() ([]byte, error) {
	defs, err := tools.Defs(tasks.ToolNames())
	if err != nil {
		return nil, fmt.Errorf("tool definitions: %w", err)
	}
	var b strings.Builder
	b.WriteString(toolDocIntro)
	for _, d := range defs {
		kind, _ := tools.KindOf(d.Name)
		var schema struct {
			Properties map[string]struct {
				Type        string `json:"type"`
				Description string `json:"description"`
			} `json:"properties"`
			Required []string `json:"required"`
		}
		if err := json.Unmarshal(d.InputSchema, &schema); err != nil {
			return nil, fmt.Errorf("tool %s: input schema: %w", d.Name, err)
		}
		fmt.Fprintf(&b, "\n## `%s` (%s)\n\n%s\n\n", d.Name, kind, d.Description)
		b.WriteString("| input | type | required | meaning |\n|---|---|---|---|\n")
		names := make([]string, 0, len(schema.Properties))
		for name := range schema.Properties {
			names = append(names, name)
		}
		// Required inputs first, then the rest, each by name.
		slices.SortFunc(names, func(a, b string) int {
			ra, rb := slices.Contains(schema.Required, a), slices.Contains(schema.Required, b)
			if ra != rb {
				if ra {
					return -1
				}
				return 1
			}
			return strings.Compare(a, b)
		})
		for _, name := range names {
			p := schema.Properties[name]
			req := "no"
			if slices.Contains(schema.Required, name) {
				req = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", name, p.Type, req, cell(p.Description))
		}
	}
	return []byte(b.String()), nil
}

const toolDocIntro = `<!-- Generated from runner/tools/specs.go by ` + "`go generate ./tasks`" + `; do not edit. -->
# Tools

The tools the model is offered, with the descriptions and inputs it sees.
Their names and inputs are a public contract: recorded transcripts
([replay.md](replay.md)), custom commands and allow/deny rules name them.
Which ones a task offers is ` + "`tools`" + ` in the task file and its approval
mode ([security.md](security.md)): read tools everywhere, edit tools from
` + "`auto-edit`" + ` (or where an allow rule matches), bash only where allow rules
match or in ` + "`yolo`" + `. Paths are relative to the repository root and never
leave it.
`
