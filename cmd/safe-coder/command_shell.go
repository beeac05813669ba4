package main

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/runner/policy"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/tasks"
)

// commandShellProblems checks the !`commands` that custom command files
// put into the tasks' prompts (file after ApplyCommands, before holding
// each task's prompts as written). A command file lives in the work tree,
// where a pull request can change it, so a !`command` it holds is not the
// task author's: it runs only when the task's own rules let bash run it
// unattended, as an interactive assistant runs a custom command's !`cmd`
// only when its allowed tools permit it. The !`commands` the task file
// itself holds are the author's and are not checked.
func commandShellProblems(file *tasks.File, before [][]string) tasks.Errors {
	var problems tasks.Errors
	for i, t := range file.Tasks {
		var written []string
		if i < len(before) {
			written = before[i]
		}
		for j, p := range t.Prompts {
			if t.Command == "" && j < len(written) && written[j] == p {
				continue // not made by a command file
			}
			_, commands := prompt.Refs(p)
			if len(commands) == 0 {
				continue
			}
			// Only the task's rules decide: default mode runs nothing
			// unattended that no allow rule covers, and the deny rules and
			// built-in denials win.
			pol, err := policy.New(policy.Options{Mode: policy.ModeDefault, Tools: []string{"bash"}, Allow: t.Allow, Deny: t.Deny})
			if err != nil {
				continue // the task's rules are reported where they are parsed
			}
			for _, c := range commands {
				if allowedUnattended(pol, c) {
					continue
				}
				at := promptAt(t, j)
				problems = append(problems, &tasks.Error{File: file.Path, Line: at.Line, Col: at.Col, Field: promptField(file, t, j),
					Msg: fmt.Sprintf("the custom command's !`%s` would run a command that the task file does not allow: a command file can be changed by a pull request, so its commands run only when the task's allow rules let bash run them (add \"bash(%s)\" to allow:, or move the command into the task's prompt)", c, c)})
			}
		}
	}
	return problems
}

func allowedUnattended(pol *policy.Policy, command string) bool {
	input, err := json.Marshal(map[string]string{"command": command})
	if err != nil {
		return false
	}
	return pol.Decide(llm.ToolCall{Name: "bash", Input: input}).Allow
}

// promptsAsWritten copies the tasks' prompts before custom commands are
// applied, for commandShellProblems.
func promptsAsWritten(file *tasks.File) [][]string {
	out := make([][]string, len(file.Tasks))
	for i, t := range file.Tasks {
		out[i] = slices.Clone(t.Prompts)
	}
	return out
}
