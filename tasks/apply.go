package tasks

import (
	"fmt"
	"slices"
	"strings"
)

// ApplyCommands turns the custom commands a file's tasks use into their
// prompts: a task's command: with its args becomes its first (and only)
// prompt, and any prompt that starts with /name args becomes the command's
// body with the arguments filled in. commands are the repository's, from
// LoadCommands.
//
// A command file lives in the work tree, where a pull request can change
// it, so it may only narrow what the task allows: the task's approval
// becomes the stricter of the two, its tools the ones both list.
//
// Unknown commands and missing arguments are Errors at the command: or
// prompt value. The tasks and prompts without a problem are expanded even
// when others have one, so that the checks after this one (the @paths of
// the expanded prompts) can report their problems in the same pass; a file
// for which ApplyCommands returned Errors must not run.
func (f *File) ApplyCommands(commands map[string]Command) error {
	var errs Errors
	out := slices.Clone(f.Tasks)
	for i := range out {
		errs = append(errs, f.applyTask(&out[i], fmt.Sprintf("tasks[%d]", i), commands)...)
	}
	f.Tasks = out
	if len(errs) > 0 {
		errs.SortByPosition()
		return errs
	}
	return nil
}

func (f *File) applyTask(t *Task, field string, commands map[string]Command) Errors {
	var errs Errors
	fail := func(pos Position, field, format string, args ...any) {
		errs = append(errs, &Error{File: f.Path, Line: pos.Line, Col: pos.Col, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if t.Command != "" {
		c, ok := commands[t.Command]
		if !ok {
			fail(t.At.Command, field+".command", "%s", unknownCommand(t.Command, commands))
			return errs
		}
		body, err := c.Expand(t.Args)
		if err != nil {
			fail(t.At.Command, field+".command", "%v", err)
			return errs
		}
		t.Prompts = []string{body}
		t.At.Prompts = []Position{t.At.Command}
		if msg := t.narrow(c); msg != "" {
			fail(t.At.Command, field+".command", "%s", msg)
		}
		return errs
	}
	prompts := slices.Clone(t.Prompts)
	for i, p := range prompts {
		name, args, ok := SlashCommand(p)
		if !ok {
			continue
		}
		pos := Position{Line: 1, Col: 1}
		if i < len(t.At.Prompts) {
			pos = t.At.Prompts[i]
		}
		c, found := commands[name]
		if !found {
			fail(pos, promptField(field, len(t.Prompts), i), "%s", unknownCommand(name, commands))
			continue
		}
		body, err := c.Expand(args)
		if err != nil {
			fail(pos, promptField(field, len(t.Prompts), i), "%v", err)
			continue
		}
		prompts[i] = body
		if msg := t.narrow(c); msg != "" {
			fail(pos, promptField(field, len(t.Prompts), i), "%s", msg)
		}
	}
	t.Prompts = prompts
	return errs
}

// narrow applies a command's approval and tools to the task, keeping the
// stricter approval and the tools both allow. It returns a problem when no
// tool is left.
func (t *Task) narrow(c Command) string {
	if c.Approval != "" && approvalRank(c.Approval) < approvalRank(t.Approval) {
		t.Approval = c.Approval
	}
	if len(c.Tools) == 0 {
		return ""
	}
	var kept []string
	for _, tool := range t.Tools {
		if slices.Contains(c.Tools, tool) {
			kept = append(kept, tool)
		}
	}
	if len(kept) == 0 {
		return fmt.Sprintf("the command /%s allows the tools %s and the task %s: no tool is left", c.Name, strings.Join(c.Tools, ", "), strings.Join(t.Tools, ", "))
	}
	t.Tools = kept
	return ""
}

// approvalRank orders the approval modes from the most restrictive.
func approvalRank(a Approval) int {
	switch a {
	case ApprovalPlan:
		return 0
	case ApprovalDefault:
		return 1
	case ApprovalAutoEdit:
		return 2
	}
	return 3
}

func unknownCommand(name string, commands map[string]Command) string {
	msg := fmt.Sprintf("unknown custom command /%s: there is no %s/%s.md", name, CommandsDir, name)
	names := CommandNames(commands)
	if s, ok := suggest(name, names); ok {
		return msg + fmt.Sprintf("; did you mean /%s?", s)
	}
	if len(names) == 0 {
		return msg + " and the repository has no custom commands (a prompt that starts with a path like /usr/bin/x is not a command)"
	}
	return msg + "; the repository's commands are /" + strings.Join(names, ", /")
}

// promptField is the dotted path of prompt i of n.
func promptField(task string, n, i int) string {
	if n == 1 {
		return task + ".prompt"
	}
	return fmt.Sprintf("%s.prompts[%d]", task, i)
}
