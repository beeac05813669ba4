package report

import (
	"fmt"
	"strings"
)

// planLimit caps a plan in the Markdown and text reports; the JSON report
// has all of it.
const planLimit = 8000

// writePromptInfo writes what a task's prompts were made from: its
// instruction files and its prompts' commands.
func writePromptInfo(b *strings.Builder, t *TaskReport) {
	if len(t.Instructions) > 0 {
		parts := make([]string, len(t.Instructions))
		for i, in := range t.Instructions {
			parts[i] = code(in.Path) + " " + instructionNote(in)
		}
		fmt.Fprintf(b, "Instructions: %s\n\n", strings.Join(parts, ", "))
	}
	if len(t.PromptCommands) > 0 {
		b.WriteString("Prompt commands:\n\n")
		b.WriteString("| command | exit code | output | duration |\n")
		b.WriteString("| --- | ---: | ---: | ---: |\n")
		for _, c := range t.PromptCommands {
			exit := fmt.Sprint(c.ExitCode)
			if c.Error != "" {
				exit = "could not run: " + oneLineText(c.Error)
			}
			if c.Interrupted {
				exit = "interrupted, outcome unknown"
			}
			tableRow(b, code(truncate(c.Command, 120)), exit, plural(c.OutputBytes, "byte"), humanDuration(c.DurationMS))
		}
		b.WriteString("\n")
	}
}

// writePlan writes a plan-mode task's plan under its own heading.
func writePlan(b *strings.Builder, t *TaskReport) {
	if t.Plan == "" {
		return
	}
	b.WriteString("### Plan\n\n")
	b.WriteString(blockquote(truncate(t.Plan, planLimit)))
	b.WriteString("\n")
}

// instructionNote says where an instruction file came from, in brackets.
func instructionNote(in InstructionReport) string {
	var notes []string
	if in.Source == "base" {
		notes = append(notes, "from the base commit")
	}
	if in.Step > 0 {
		notes = append(notes, fmt.Sprintf("reached in step %d", in.Step))
	}
	notes = append(notes, plural(in.Bytes, "byte"))
	if in.Truncated {
		notes = append(notes, "cut")
	}
	return "(" + strings.Join(notes, ", ") + ")"
}

// writeTextPromptInfo is writePromptInfo for the text report.
func writeTextPromptInfo(b *strings.Builder, t *TaskReport) {
	for _, in := range t.Instructions {
		fmt.Fprintf(b, "instructions: %s %s\n", cell(in.Path), instructionNote(in))
	}
	for _, c := range t.PromptCommands {
		result := fmt.Sprintf("exit %d", c.ExitCode)
		if c.Error != "" {
			result = "could not run: " + c.Error
		}
		if c.Interrupted {
			result = "interrupted, outcome unknown"
		}
		fmt.Fprintf(b, "prompt command: %s (%s, %s, %s)\n", cell(truncate(c.Command, 120)), cell(result),
			plural(c.OutputBytes, "byte"), humanDuration(c.DurationMS))
	}
}
