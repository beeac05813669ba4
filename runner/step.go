package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/tools"
)

// turnKind is how a model turn went, for the loop's progress bounds.
type turnKind int

const (
	turnRanTools turnKind = iota // tool calls were decided (run or denied)
	turnAnswered                 // a final answer: no tool calls
	turnCutOff                   // cut off by max_output_tokens; nothing ran
	turnEmpty                    // nothing at all came back
	turnPaused                   // the provider paused a long turn
)

// stepOutcome is how a step ended: a kind, or a reason to stop the task.
type stepOutcome struct {
	kind turnKind
	stop *Result
}

func stopWith(status Status, err error) stepOutcome {
	return stepOutcome{stop: &Result{Status: status, Err: err}}
}

func stopAt(lim *limitError) stepOutcome {
	return stepOutcome{stop: &Result{Status: StatusLimitReached, Err: lim, Limit: lim.limit}}
}

// step is one model turn: ask the model, run its tool calls, commit, record.
func (l *loop) step(ctx, keep context.Context, step int) stepOutcome {
	cfg := l.cfg
	l.record(keep, report.StepStarted{RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, StartedAt: l.now()})
	finish := func(c gitsafety.Commit) {
		l.record(keep, report.StepFinished{
			RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, FinishedAt: l.now(),
			Commit: c.SHA, Files: c.Files,
		})
	}

	resp, err := l.ask(ctx)
	if err != nil {
		finish(gitsafety.Commit{})
		if res, done := l.interrupted(ctx, step, fmt.Sprintf("while waiting for the model in step %d", step)); done {
			return stepOutcome{stop: &res}
		}
		if llm.IsContextOverflow(err) {
			return stopWith(StatusError, fmt.Errorf("step %d: the conversation does not fit the model's context window, even after eliding old tool outputs: %w", step, err))
		}
		return stopWith(StatusProviderError, fmt.Errorf("step %d: %w", step, err))
	}

	cost := l.spent.add(resp.Usage)
	l.record(keep, report.ModelAnswered{
		RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, At: l.now(),
		StopReason: string(resp.StopReason), RequestID: resp.RequestID,
		Usage: report.Usage{
			InputTokens: resp.Usage.InputTokens, OutputTokens: resp.Usage.OutputTokens,
			CacheReadTokens: resp.Usage.CacheReadTokens, CacheWriteTokens: resp.Usage.CacheWriteTokens,
		},
		CostUSD: cost, Attempts: resp.Attempts,
	})
	msg := resp.Message()
	msg.Content = nonEmptyParts(msg.Content)
	if !saysSomething(msg) {
		// An answer with neither text nor tool calls (nothing, or only
		// thinking) is not a turn the conversation can build on: it stays
		// out of the history, and the model is asked again.
		finish(gitsafety.Commit{})
		if resp.StopReason == llm.StopRefusal {
			return stopWith(StatusError, fmt.Errorf("step %d: the model refused the task", step))
		}
		l.note(keep, step, "Your last answer was empty. Continue the task with the tools, or, if it is done, answer with a summary of what you changed.")
		return stepOutcome{kind: turnEmpty}
	}
	l.addMessage(keep, step, msg)
	l.ctxWin.observe(resp.Usage, historyBytes(l.history))
	if text := msg.Text(); text != "" {
		l.final = text
	}

	calls := msg.ToolCalls()
	if len(calls) == 0 {
		finish(gitsafety.Commit{})
		switch resp.StopReason {
		case llm.StopRefusal:
			return stopWith(StatusError, fmt.Errorf("step %d: the model refused the task", step))
		case llm.StopPauseTurn:
			// The provider paused a long turn; sending the conversation
			// back as it is lets the model continue it.
			return stepOutcome{kind: turnPaused}
		case llm.StopMaxTokens:
			l.note(keep, step, fmt.Sprintf("Your answer was cut off at max_output_tokens (%d). Continue where you stopped, in shorter pieces.", cfg.Task.Model.MaxOutputTokens))
			return stepOutcome{kind: turnCutOff}
		}
		return stepOutcome{kind: turnAnswered}
	}

	// A budget reached by this answer stops the task before its calls run:
	// the limit is the user's word on how far the agent may go.
	var skip string
	lim := l.spent.reached(cfg.Task.Limits)
	switch {
	case lim != nil:
		skip = fmt.Sprintf("not run: the task's %s was reached (%s)", lim.limit, lim.detail)
	case resp.StopReason == llm.StopMaxTokens:
		skip = fmt.Sprintf("not run: your answer was cut off at max_output_tokens (%d) while you wrote the tool calls, so this call may be incomplete and was not executed. Repeat it in smaller pieces (e.g. several edit_file calls instead of one large write_file).", cfg.Task.Model.MaxOutputTokens)
	}
	results, executed, lines, mayWrite := l.runCalls(ctx, keep, step, calls, skip)

	var commit gitsafety.Commit
	if mayWrite {
		commit, err = l.deps.Git.CommitStep(keep, gitsafety.StepCommit{Step: step, Tools: executed, Calls: lines})
		if err != nil {
			// The tool results never reach the model: the conversation
			// ends here, and the history stays consistent in the store.
			finish(gitsafety.Commit{})
			return stopWith(StatusRepoError, fmt.Errorf("commit step %d: %w", step, err))
		}
		if commit.SHA != "" {
			l.logf("step %d: commit %s (%s)", step, shortSHA(commit.SHA), plural(len(commit.Files), "file"))
		}
	}
	l.addMessage(keep, step, llm.Message{Role: llm.RoleUser, Content: results})
	finish(commit)

	if res, done := l.interrupted(ctx, step, fmt.Sprintf("during step %d", step)); done {
		return stepOutcome{stop: &res}
	}
	switch {
	case lim != nil:
		return stopAt(lim)
	case resp.StopReason == llm.StopMaxTokens:
		return stepOutcome{kind: turnCutOff}
	}
	return stepOutcome{kind: turnRanTools}
}

// ask sends the conversation to the model. When the provider says it does
// not fit the context window, old tool outputs are elided once and the
// question is asked again.
func (l *loop) ask(ctx context.Context) (*llm.Response, error) {
	cfg := l.cfg
	l.fitContext(requestFixedBytes(cfg.System, cfg.Tools))
	req := func() *llm.Request {
		return &llm.Request{
			Model:     cfg.Task.Model.Name,
			System:    cfg.System,
			Messages:  l.history,
			Tools:     cfg.Tools,
			MaxTokens: cfg.Task.Model.MaxOutputTokens,
		}
	}
	resp, err := l.deps.Model.Complete(ctx, req())
	if err != nil && llm.IsContextOverflow(err) && ctx.Err() == nil && l.compact() {
		resp, err = l.deps.Model.Complete(ctx, req())
	}
	return resp, err
}

// runCalls decides and runs the calls of one turn in order. When skip is
// set, no call runs and each gets skip as its error result. It returns the
// tool results for the model, the names of the tools that ran, one summary
// line per call, and whether a call that can change files ran.
func (l *loop) runCalls(ctx, keep context.Context, step int, calls []llm.ToolCall, skip string) (results []llm.Part, executed, lines []string, mayWrite bool) {
	cfg := l.cfg
	for i, call := range calls {
		seq := i + 1
		l.record(keep, report.ToolCallStarted{
			RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, Seq: seq,
			CallID: call.ID, Tool: call.Name, Input: call.Input, StartedAt: l.now(),
		})
		var (
			res     tools.Result
			outcome string
			reason  string
		)
		switch {
		case l.recErr != nil:
			// The intent could not be recorded: do not act on it.
			outcome = "not_run"
			res = tools.Result{IsError: true, Content: "not run: safe-coder could not record the call", Summary: describe(call) + ": not run"}
		case skip != "":
			outcome = "not_run"
			res = tools.Result{IsError: true, Content: skip, Summary: describe(call) + ": not run"}
		case ctx.Err() != nil:
			outcome = "not_run"
			res = tools.Result{IsError: true, Content: "not run: the run was stopped", Summary: describe(call) + ": not run (stopped)"}
		default:
			d := l.deps.Policy.Decide(call)
			if !d.Allow {
				outcome, reason = "denied", d.Reason
				res = tools.Result{IsError: true, Content: "denied by policy: " + d.Reason, Summary: describe(call) + ": denied"}
				break
			}
			res = l.deps.Tools.Exec(ctx, call)
			outcome = "ok"
			if res.IsError {
				outcome = "error"
			}
			executed = append(executed, call.Name)
			if kind, _ := tools.KindOf(call.Name); kind != tools.KindRead {
				mayWrite = true
			}
		}
		l.logf("step %d: %s", step, res.Summary)
		l.record(keep, report.ToolCallFinished{
			RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, Seq: seq, FinishedAt: l.now(),
			Outcome: outcome, Summary: res.Summary, Reason: reason,
		})
		lines = append(lines, res.Summary)
		results = append(results, llm.ToolResultPart(llm.ToolResult{CallID: call.ID, Content: capOutput(res.Content), IsError: res.IsError}))
	}
	return results, executed, lines, mayWrite
}

// nonEmptyParts drops text parts with nothing but white space: providers
// reject empty text blocks, and they say nothing.
func nonEmptyParts(parts []llm.Part) []llm.Part {
	var out []llm.Part
	for _, p := range parts {
		if p.Type == llm.PartText && strings.TrimSpace(p.Text) == "" {
			continue
		}
		out = append(out, p)
	}
	return out
}

// saysSomething reports whether msg has text or tool calls; thinking alone
// does not count.
func saysSomething(msg llm.Message) bool {
	for _, p := range msg.Content {
		if p.Type == llm.PartText || p.Type == llm.PartToolCall {
			return true
		}
	}
	return false
}
