package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/tools"
)

// Resume is where an interrupted task picks up: what the state database
// recorded of it. The CLI builds it; ResumeRun reconciles it with the
// repository and goes on.
type Resume struct {
	// Messages are the task's recorded messages, in order.
	Messages []llm.Message
	// LastStep is the highest step number recorded; 0 when none was.
	LastStep int
	// Open is the step that was under way when the run stopped: started
	// and not finished. nil when every recorded step finished.
	Open *OpenStep
	// Commits are the recorded steps' commits by step number.
	Commits map[int]string
	// Usage is what the recorded answers used, so budgets go on from it.
	Usage llm.Usage
	// PromptsSent counts the task's prompts already in the conversation.
	PromptsSent int
	// Prompts are the task's prompts as recorded when it started
	// (expanded); nil when none were recorded, and then the task's own
	// are expanded again only if no prompt was sent yet.
	Prompts []string
	// PromptCommands are the prompts' !`commands` recorded as started (and
	// maybe finished) when the prompts were not recorded yet, by Seq: a
	// started one is not run again.
	PromptCommands []report.PromptCommandRun
	// CheckRounds counts the rounds of checks already run.
	CheckRounds int
	// Reopened says that the task had been recorded as finished
	// (cancelled by a signal) and is taken up again.
	Reopened bool
}

// OpenStep is a step that was under way when the run stopped.
type OpenStep struct {
	Step int
	// Answered says the model's answer was recorded (it is the last
	// assistant message of Messages).
	Answered bool
	// Calls are the answer's tool calls in order, with how far each got.
	Calls []OpenCall
	// ResultsRecorded says the tool results were recorded: only the
	// step's commit and its end are missing.
	ResultsRecorded bool
	// CommitStarted says the commit's intent was recorded.
	CommitStarted bool
}

// OpenCall is one tool call of an open step.
type OpenCall struct {
	Call llm.ToolCall
	// Started: its intent was recorded, so it may have run. Finished: its
	// end was recorded too, with Outcome and Summary.
	Started, Finished bool
	Outcome, Summary  string
}

// ResumeRun continues a task that a crash, a kill or a signal stopped. It
// never runs again a tool call that may have had side effects: a call that
// was under way gets an "interrupted, outcome unknown" result, a call that
// had not started is not run, and the model is told. The open step's
// changes are reconciled with the branch (a commit the database missed is
// adopted; changes not yet committed are committed as that step), then the
// loop goes on from the next step with the recorded conversation, usage
// and check rounds.
func ResumeRun(ctx context.Context, cfg Config, deps Deps, r Resume) Result {
	l := newLoop(cfg, deps)
	keep := context.WithoutCancel(ctx)
	if t := cfg.Task.Limits.Timeout; t > 0 {
		// The timeout counts again from the resume: the time the run was
		// dead is not the task's.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, t, errTaskTimeout)
		defer cancel()
	}
	for _, m := range r.Messages {
		l.appendHistory(m)
		if m.Role == llm.RoleAssistant {
			if text := m.Text(); text != "" {
				l.final = text
			}
		}
	}
	l.spent.addRecorded(r.Usage)
	l.checkRounds = r.CheckRounds
	l.record(keep, report.TaskResumed{RunID: cfg.RunID, Task: cfg.Task.Name, At: l.now(), Reopened: r.Reopened})
	l.logf("resuming after step %d", r.LastStep)

	if r.Open != nil {
		if res, done := l.closeOpenStep(ctx, keep, r); done {
			return l.finishTask(keep, res)
		}
	}
	answered := false
	if n := len(l.history); n > 0 && l.history[n-1].Role == llm.RoleAssistant && len(l.history[n-1].ToolCalls()) == 0 {
		// The last answer had no tool calls: its consequences (the next
		// prompt, the checks) had not happened yet.
		answered = true
	}
	if len(l.history) == 0 && r.Prompts == nil {
		// The task stopped before its prompts were recorded: nothing
		// was sent, so they are expanded now. Their commands that had
		// not started run; those recorded as started are not run again.
		if res, ok := l.preparePrompts(ctx, keep, r.PromptCommands); !ok {
			return l.finishTask(keep, res)
		}
		return l.finishTask(keep, l.loop(ctx, keep))
	}
	if len(l.history) == 0 {
		// Stopped after the prompts were recorded but before the first
		// was in the conversation: send it now, as recorded, without
		// running its commands again.
		l.prompts = r.Prompts
		return l.finishTask(keep, l.loop(ctx, keep))
	}
	l.prompts = r.Prompts
	if l.prompts == nil {
		// Recorded before prompts were: they were sent as written.
		l.prompts = cfg.Task.Prompts
	}
	prompts := max(r.PromptsSent, 1)
	return l.finishTask(keep, l.run(ctx, keep, r.LastStep+1, prompts, answered))
}

// closeOpenStep ends the step that was under way: results for its calls,
// its changes committed (or adopted), its end recorded.
func (l *loop) closeOpenStep(ctx, keep context.Context, r Resume) (Result, bool) {
	open := r.Open
	cfg := l.cfg
	finish := func(c gitsafety.Commit) {
		l.record(keep, report.StepFinished{
			RunID: cfg.RunID, Task: cfg.Task.Name, Step: open.Step, FinishedAt: l.now(),
			Commit: c.SHA, Files: c.Files, Insertions: c.Insertions, Deletions: c.Deletions,
		})
	}
	if !open.Answered {
		// The model's answer was lost with the process: the step ends
		// without one, and the next step asks again.
		finish(gitsafety.Commit{})
		return Result{}, false
	}

	var executed []string
	var lines []string
	mayWrite := false
	if !open.ResultsRecorded {
		var results []llm.Part
		for i, c := range open.Calls {
			seq := i + 1
			var content, outcome, summary string
			switch {
			case c.Finished:
				// It ran to its end; its output went down with the
				// process, its summary did not.
				content = fmt.Sprintf("(safe-coder) This call ran before safe-coder was interrupted (outcome: %s): %s. Its full output was not kept; run a read-only call again if you need it.", c.Outcome, c.Summary)
				outcome, summary = "", c.Summary
			case c.Started:
				content = "(safe-coder) interrupted, outcome unknown: safe-coder was stopped while this call ran, so it may or may not have taken effect. Look at the repository before you repeat it."
				outcome, summary = "error", describe(c.Call)+": interrupted, outcome unknown"
			default:
				content = "(safe-coder) not run: safe-coder was interrupted before this call ran. Call it again if you still need it."
				outcome, summary = "not_run", describe(c.Call)+": not run (interrupted)"
				l.record(keep, report.ToolCallStarted{
					RunID: cfg.RunID, Task: cfg.Task.Name, Step: open.Step, Seq: seq,
					CallID: c.Call.ID, Tool: c.Call.Name, Input: l.redactJSON(c.Call.Input), StartedAt: l.now(),
				})
			}
			if outcome != "" {
				l.record(keep, report.ToolCallFinished{
					RunID: cfg.RunID, Task: cfg.Task.Name, Step: open.Step, Seq: seq, FinishedAt: l.now(),
					Outcome: outcome, Summary: summary,
				})
			}
			if c.Started && c.Outcome != "denied" && c.Outcome != "not_run" {
				executed = append(executed, c.Call.Name)
				if kind, _ := tools.KindOf(c.Call.Name); kind != tools.KindRead {
					mayWrite = true
				}
			}
			lines = append(lines, summary)
			results = append(results, llm.ToolResultPart(llm.ToolResult{CallID: c.Call.ID, Content: content, IsError: !c.Finished || c.Outcome != "ok"}))
		}
		l.addMessage(keep, open.Step, llm.Message{Role: llm.RoleUser, Content: results})
	} else {
		for _, c := range open.Calls {
			if c.Started && c.Outcome != "denied" && c.Outcome != "not_run" {
				executed = append(executed, c.Call.Name)
				if kind, _ := tools.KindOf(c.Call.Name); kind != tools.KindRead {
					mayWrite = true
				}
			}
			lines = append(lines, c.Summary)
		}
	}

	// The step's changes: on the branch already (the commit was made and
	// the database missed it), or in the work tree, to commit now.
	onBranch, err := l.deps.Git.Steps(keep)
	if err != nil {
		finish(gitsafety.Commit{})
		return stopWith(StatusRepoError, fmt.Errorf("resume step %d: %w", open.Step, err)).result(open.Step), true
	}
	var commit gitsafety.Commit
	switch sha, ok := onBranch[open.Step]; {
	case ok && r.Commits[open.Step] != sha:
		commit.SHA = sha
		l.logf("step %d: adopted commit %s, made before the interruption", open.Step, shortSHA(sha))
	case mayWrite:
		if !open.CommitStarted {
			l.record(keep, report.CommitStarted{RunID: cfg.RunID, Task: cfg.Task.Name, Step: open.Step, At: l.now()})
		}
		commit, err = l.deps.Git.CommitStep(keep, gitsafety.StepCommit{
			Step: open.Step, Tools: executed, Calls: lines, Check: l.secretCheck,
			MaxFileBytes: int64(cfg.Task.Git.MaxFileMB) << 20,
		})
		if err != nil {
			finish(gitsafety.Commit{})
			return stopWith(StatusRepoError, fmt.Errorf("commit step %d on resume: %w", open.Step, err)).result(open.Step), true
		}
		if commit.SHA != "" {
			l.logf("step %d: committed its changes on resume: %s", open.Step, shortSHA(commit.SHA))
		}
	}
	finish(commit)
	return Result{}, false
}

// result turns a stop outcome into the task's result after step.
func (o stepOutcome) result(step int) Result {
	r := *o.stop
	r.Steps = step
	return r
}

// OutOfSpace reports whether err stopped a task for lack of space in the
// state database (report.ErrNoSpace) or the repository
// (gitsafety.ErrNoSpace). Such a task is left open, not finished, so that
// resume continues it once space is freed; its branch must not be rolled
// back meanwhile.
func OutOfSpace(err error) bool {
	return errors.Is(err, report.ErrNoSpace) || errors.Is(err, gitsafety.ErrNoSpace)
}

// finishTask records the end of a resumed task, as Run does.
func (l *loop) finishTask(keep context.Context, res Result) Result {
	if res.Status == "" {
		res.Status = StatusError
	}
	res.FinalMessage = l.redact(res.FinalMessage)
	l.recordPlan(keep, res)
	recErr := l.recErr
	if OutOfSpace(recErr) || OutOfSpace(res.Err) {
		// The state database or the repository is out of space: the task
		// stays open in the database, so that once space is freed resume
		// continues it from the last record instead of finding a task
		// that ended in error.
		return res
	}
	l.recErr = nil
	fin := report.TaskFinished{
		RunID: l.cfg.RunID, Task: l.cfg.Task.Name, FinishedAt: l.now(),
		Status: string(res.Status), HeadCommit: l.deps.Git.Head(), FinalMessage: res.FinalMessage,
		Limit: res.Limit,
	}
	if res.Err != nil {
		fin.Error = res.Err.Error()
	}
	l.record(keep, fin)
	if recErr == nil {
		recErr = l.recErr
	}
	if recErr != nil && res.Status == StatusSucceeded {
		res = Result{Status: StatusError, Steps: res.Steps, FinalMessage: res.FinalMessage, Err: recErr}
	}
	return res
}
