package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/runner/tools"
	"github.com/safe-coder/safe-coder/tasks"
)

// preparePrompts expands the task's prompts once, when it starts: @paths
// and !`commands` (through Deps.Prompts), secrets redacted. It records
// the prompts with the commands' runs, then the system prompt's
// instruction files. ok is false when a prompt cannot be expanded, with
// the result that ends the task.
//
// Each command's intent is recorded before it runs and its run after, so
// a command is never run twice: prior are the runs an interrupted start
// recorded (see Resume.PromptCommands); a finished one is taken from the
// record, one only started is not run again and its place in the prompt
// says its outcome is unknown.
func (l *loop) preparePrompts(ctx, keep context.Context, prior []report.PromptCommandRun) (Result, bool) {
	cfg := l.cfg
	l.prompts = make([]string, len(cfg.Task.Prompts))
	var runs []report.PromptCommand
	j := &promptJournal{l: l, keep: keep, prior: map[int]report.PromptCommandRun{}}
	for _, p := range prior {
		j.prior[p.Seq] = p
	}
	for i, p := range cfg.Task.Prompts {
		if l.deps.Prompts == nil {
			l.prompts[i] = p
			continue
		}
		exp, err := l.deps.Prompts.Expand(ctx, p, j)
		if err != nil {
			return l.result(StatusError, 0, fmt.Errorf("prompt %d of the task: %w", i+1, err)), false
		}
		l.prompts[i] = l.redact(exp.Text)
		for _, c := range exp.Commands {
			runs = append(runs, report.PromptCommand{
				Command: l.redact(c.Command), ExitCode: c.ExitCode, Duration: c.Duration,
				OutputBytes: len(c.Output), Error: l.redact(c.Err), Interrupted: c.Interrupted,
			})
			if c.Interrupted {
				l.logf("prompt command %q: interrupted before, outcome unknown; not run again", oneLine(l.redact(c.Command), 80))
				continue
			}
			l.logf("prompt command %q: exit code %d", oneLine(l.redact(c.Command), 80), c.ExitCode)
		}
	}
	l.record(keep, report.PromptsPrepared{RunID: cfg.RunID, Task: cfg.Task.Name, At: l.now(), Prompts: l.prompts, Commands: runs})
	if len(cfg.Instructions) > 0 {
		l.record(keep, report.InstructionsLoaded{
			RunID: cfg.RunID, Task: cfg.Task.Name, Step: 0, At: l.now(),
			Files: instructionFiles(cfg.Instructions, l.source(), l.cfg.InstructionsCommit),
		})
	}
	return Result{}, true
}

// promptJournal records the task's prompt commands as they run, and
// answers for those an earlier, interrupted start recorded.
type promptJournal struct {
	l     *loop
	keep  context.Context
	prior map[int]report.PromptCommandRun
	seq   int // the current command's, over all the task's prompts
}

var _ prompt.Journal = (*promptJournal)(nil)

// errPromptNotRecorded stops a prompt command whose intent could not be
// recorded: run, it could be run again on resume.
var errPromptNotRecorded = errors.New("prompt command not run: its start could not be recorded")

func (j *promptJournal) Start(ctx context.Context, command string) (*prompt.CommandRun, error) {
	l := j.l
	j.seq++
	if p, ok := j.prior[j.seq]; ok {
		// Commands are matched by their place: the task's prompts are
		// those of the recorded run, so the same command is at the same
		// place.
		cr := prompt.CommandRun{Command: command, Interrupted: !p.Finished}
		if p.Finished {
			cr.ExitCode, cr.Output, cr.Duration, cr.Err = p.ExitCode, p.Output, p.Duration, p.Error
		}
		return &cr, nil
	}
	l.record(j.keep, report.PromptCommandStarted{RunID: l.cfg.RunID, Task: l.cfg.Task.Name, Seq: j.seq, Command: l.redact(command), At: l.now()})
	if l.recErr != nil {
		return nil, errPromptNotRecorded
	}
	return nil, nil
}

func (j *promptJournal) Finish(ctx context.Context, cr prompt.CommandRun) error {
	l := j.l
	l.fault("after-prompt-command")
	l.record(j.keep, report.PromptCommandFinished{
		RunID: l.cfg.RunID, Task: l.cfg.Task.Name, Seq: j.seq, At: l.now(),
		ExitCode: cr.ExitCode, Duration: cr.Duration, Output: l.redact(cr.Output), Error: l.redact(cr.Err),
	})
	return nil
}

// source is where the task's instruction files are read.
func (l *loop) source() string {
	if l.cfg.InstructionsSource != "" {
		return l.cfg.InstructionsSource
	}
	return string(tasks.InstructionsWorktree)
}

func instructionFiles(ins []prompt.Instruction, source, commit string) []report.InstructionFile {
	out := make([]report.InstructionFile, len(ins))
	for i, in := range ins {
		out[i] = report.InstructionFile{Path: in.Path, Bytes: in.Bytes, Truncated: in.Truncated, Source: source, Commit: commit}
	}
	return out
}

// knownInstructions are the instruction files the model has been given:
// the system prompt's, and any nested ones already in the conversation
// (a resumed task finds them in its recorded notes).
func (l *loop) knownInstructions() map[string]bool {
	known := map[string]bool{}
	for _, in := range l.cfg.Instructions {
		known[in.Path] = true
	}
	for _, m := range l.history {
		if m.Role != llm.RoleUser {
			continue
		}
		for _, p := range m.Content {
			if p.Type != llm.PartText || !strings.HasPrefix(p.Text, "(safe-coder) ") {
				continue
			}
			for _, sub := range givenInstructions.FindAllStringSubmatch(p.Text, -1) {
				var rel string
				if err := json.Unmarshal([]byte(sub[1]), &rel); err == nil {
					known[rel] = true
				}
			}
		}
	}
	return known
}

// givenInstructions finds the files of a nested-instructions note.
var givenInstructions = regexp.MustCompile(`<instructions path=("(?:[^"\\]|\\.)*")>`)

// reachedPath returns the directory a successful file call worked in, as
// a path below it, for prompt.NestedInstructions; "" for other calls.
func reachedPath(call llm.ToolCall) string {
	var in struct {
		Path string `json:"path"`
	}
	if err := json.Unmarshal(call.Input, &in); err != nil {
		return ""
	}
	rel := path.Clean(strings.TrimPrefix(in.Path, "./"))
	switch call.Name {
	case tools.ReadFile, tools.WriteFile, tools.EditFile:
		if in.Path == "" {
			return ""
		}
		return rel
	case tools.ListFiles:
		// A listing works in the directory itself.
		return path.Join(rel, "_")
	}
	return ""
}

// nestedNote gives the model the AGENTS.md files of the directories the
// step's file calls reached that it has not seen, root-first, as a note
// after the step's tool results, and records them.
func (l *loop) nestedNote(keep context.Context, step int, reached []string) {
	if l.deps.Nested == nil || len(reached) == 0 {
		return
	}
	if l.known == nil {
		l.known = l.knownInstructions()
	}
	var found []prompt.Instruction
	for _, rel := range reached {
		found = append(found, prompt.NestedInstructions(l.deps.Nested, rel, l.known)...)
	}
	if len(found) == 0 {
		return
	}
	for i := range found {
		found[i].Content = l.redact(found[i].Content)
	}
	l.note(keep, step, prompt.NestedSection(found))
	names := make([]string, len(found))
	for i, in := range found {
		names[i] = in.Path
	}
	l.logf("step %d: instructions of %s", step, strings.Join(names, ", "))
	l.record(keep, report.InstructionsLoaded{
		RunID: l.cfg.RunID, Task: l.cfg.Task.Name, Step: step, At: l.now(),
		Files: instructionFiles(found, l.source(), l.cfg.InstructionsCommit),
	})
}

// recordPlan stores a plan-mode task's final answer as its plan.
func (l *loop) recordPlan(keep context.Context, res Result) {
	if l.cfg.Task.Approval != tasks.ApprovalPlan || res.FinalMessage == "" {
		return
	}
	l.record(keep, report.PlanRecorded{RunID: l.cfg.RunID, Task: l.cfg.Task.Name, At: l.now(), Plan: res.FinalMessage})
}
