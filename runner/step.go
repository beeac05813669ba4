package runner

import (
	"context"
	"encoding/json"
	"errors"
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
			Commit: c.SHA, Files: c.Files, Insertions: c.Insertions, Deletions: c.Deletions,
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

	l.fault("model-answered")
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
	ran := l.runCalls(ctx, keep, step, calls, skip)
	if ran.violation != nil {
		// Something no command may touch changed: nothing of this step
		// is committed, and the run stops for a human to look.
		finish(gitsafety.Commit{})
		return stopWith(StatusPolicyViolation, fmt.Errorf("step %d: %w; nothing of this step was committed", step, ran.violation))
	}

	var commit gitsafety.Commit
	if ran.mayWrite {
		// The commit's intent is recorded first; a crash between the two
		// leaves a step that a resume knows was committing.
		l.record(keep, report.CommitStarted{RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, At: l.now()})
		if l.recErr != nil {
			finish(gitsafety.Commit{})
			return stopWith(StatusError, fmt.Errorf("step %d: %w", step, l.recErr))
		}
		l.fault("before-commit")
		commit, err = l.deps.Git.CommitStep(keep, gitsafety.StepCommit{
			Step: step, Tools: ran.executed, Calls: ran.lines, Check: l.secretCheck,
			Paths: ran.touched, MaxFileBytes: int64(cfg.Task.Git.MaxFileMB) << 20,
		})
		l.fault("after-commit")
		if errors.Is(err, gitsafety.ErrRefused) {
			finish(gitsafety.Commit{})
			return stopWith(StatusPolicyViolation, fmt.Errorf("step %d: %w; the changes stay uncommitted in the work tree", step, err))
		}
		if errors.Is(err, gitsafety.ErrNoSpace) {
			// Nothing was committed and the repository is as it was: the
			// step stays open after its CommitStarted, as after a kill
			// there, so that once space is freed resume commits it and
			// goes on (finishTask leaves the task open too).
			return stopWith(StatusRepoError, fmt.Errorf("commit step %d: %w", step, err))
		}
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
	l.addMessage(keep, step, llm.Message{Role: llm.RoleUser, Content: ran.results})
	l.nestedNote(keep, step, ran.reached)
	if len(commit.Skipped) > 0 {
		l.note(keep, step, skippedNote(commit.Skipped))
		l.logf("step %d: %s", step, skippedNote(commit.Skipped))
	}
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

// callsRun is what running one turn's calls produced: the results for the
// model, the names of the tools that ran, one summary line per call,
// whether a call that can change files ran, and a guard violation when a
// command changed what no command may change.
type callsRun struct {
	results   []llm.Part
	executed  []string
	lines     []string
	mayWrite  bool
	violation error
	// touched lists the paths the file tools wrote, when only file tools
	// changed anything; nil once a command ran, since it may have changed
	// anything. The commit then needs to look at these paths only.
	touched []string
	// reached lists the paths the file calls that ran worked in, for
	// nested instructions.
	reached []string
}

// runCalls decides and runs the calls of one turn in order. When skip is
// set, no call runs and each gets skip as its error result. After a guard
// violation the remaining calls do not run.
func (l *loop) runCalls(ctx, keep context.Context, step int, calls []llm.ToolCall, skip string) callsRun {
	cfg := l.cfg
	out := callsRun{touched: []string{}}
	for i, call := range calls {
		seq := i + 1
		l.record(keep, report.ToolCallStarted{
			RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, Seq: seq,
			CallID: call.ID, Tool: call.Name, Input: l.redactJSON(call.Input), StartedAt: l.now(),
		})
		var (
			res          tools.Result
			outcome      string
			reason, rule string
		)
		switch {
		case l.recErr != nil:
			// The intent could not be recorded: do not act on it.
			outcome = "not_run"
			res = tools.Result{IsError: true, Content: "not run: safe-coder could not record the call", Summary: describe(call) + ": not run"}
		case skip != "":
			outcome = "not_run"
			res = tools.Result{IsError: true, Content: skip, Summary: describe(call) + ": not run"}
		case out.violation != nil:
			outcome = "not_run"
			res = tools.Result{IsError: true, Content: "not run: the run stopped after a policy violation", Summary: describe(call) + ": not run (policy violation)"}
		case ctx.Err() != nil:
			outcome = "not_run"
			res = tools.Result{IsError: true, Content: "not run: the run was stopped", Summary: describe(call) + ": not run (stopped)"}
		default:
			d := l.deps.Policy.Decide(call)
			if !d.Allow {
				outcome, reason, rule = "denied", d.Reason, d.Rule
				res = tools.Result{IsError: true, Content: "denied by policy: " + d.Reason, Summary: describe(call) + ": denied"}
				break
			}
			res, out.violation = l.exec(ctx, call)
			outcome = "ok"
			if res.IsError {
				outcome = "error"
			} else if p := reachedPath(call); p != "" {
				out.reached = append(out.reached, p)
			}
			out.executed = append(out.executed, call.Name)
			switch kind, _ := tools.KindOf(call.Name); kind {
			case tools.KindEdit:
				out.mayWrite = true
				if out.touched != nil {
					out.touched = append(out.touched, res.Touched...)
				}
			case tools.KindExec:
				out.mayWrite = true
				out.touched = nil
			}
		}
		res.Content, res.Summary = l.redact(res.Content), l.redact(res.Summary)
		l.logf("step %d: %s", step, res.Summary)
		l.record(keep, report.ToolCallFinished{
			RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, Seq: seq, FinishedAt: l.now(),
			Outcome: outcome, Summary: res.Summary, Reason: reason, Rule: rule,
		})
		out.lines = append(out.lines, res.Summary)
		out.results = append(out.results, llm.ToolResultPart(llm.ToolResult{CallID: call.ID, Content: capOutput(res.Content), IsError: res.IsError}))
	}
	return out
}

// exec runs an allowed call. A bash call runs between two fingerprints of
// what no command may change; a difference is a violation.
func (l *loop) exec(ctx context.Context, call llm.ToolCall) (tools.Result, error) {
	l.fault("before-tool")
	defer l.fault("after-tool")
	if call.Name != tools.Bash || l.deps.Guard == nil {
		return l.deps.Tools.Exec(ctx, call), nil
	}
	before, err := l.deps.Guard.Fingerprint(ctx)
	if err != nil {
		return tools.Result{IsError: true, Content: "not run: safe-coder could not fingerprint the repository before the command", Summary: describe(call) + ": not run"},
			fmt.Errorf("fingerprint before %s: %w", describe(call), err)
	}
	res := l.deps.Tools.Exec(ctx, call)
	after, err := l.deps.Guard.Fingerprint(context.WithoutCancel(ctx))
	if err != nil {
		return res, fmt.Errorf("fingerprint after %s: %w", describe(call), err)
	}
	if changed := before.Diff(after); len(changed) > 0 {
		return res, fmt.Errorf("command %q changed %s, which no command may change", oneLine(describe(call), 120), strings.Join(changed, ", "))
	}
	return res, nil
}

func (l *loop) redact(s string) string {
	if l.deps.Secrets == nil {
		return s
	}
	return l.deps.Secrets.Redact(s)
}

// redactJSON redacts the strings inside a JSON value, keeping it valid
// JSON; input that is not JSON is redacted as text, then quoted.
func (l *loop) redactJSON(raw json.RawMessage) json.RawMessage {
	if l.deps.Secrets == nil {
		return raw
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		b, _ := json.Marshal(l.redact(string(raw)))
		return b
	}
	out, err := json.Marshal(l.redactValue(v))
	if err != nil {
		return raw
	}
	return out
}

func (l *loop) redactValue(v any) any {
	switch x := v.(type) {
	case string:
		return l.redact(x)
	case []any:
		for i := range x {
			x[i] = l.redactValue(x[i])
		}
	case map[string]any:
		for k, e := range x {
			x[k] = l.redactValue(e)
		}
	}
	return v
}

// redactMessage returns msg with secrets redacted in its text, tool inputs
// and tool results, for the store; msg itself is not changed.
func (l *loop) redactMessage(msg llm.Message) llm.Message {
	if l.deps.Secrets == nil {
		return msg
	}
	out := llm.Message{Role: msg.Role, Content: make([]llm.Part, len(msg.Content))}
	for i, p := range msg.Content {
		switch {
		case p.ToolCall != nil:
			c := *p.ToolCall
			c.Input = l.redactJSON(c.Input)
			p.ToolCall = &c
		case p.ToolResult != nil:
			r := *p.ToolResult
			r.Content = l.redact(r.Content)
			p.ToolResult = &r
		case p.Thinking != nil:
			th := *p.Thinking
			th.Text = l.redact(th.Text)
			p.Thinking = &th
		default:
			p.Text = l.redact(p.Text)
		}
		out.Content[i] = p
	}
	return out
}

// secretCheck refuses to commit a file that holds a known secret value.
func (l *loop) secretCheck(path string, data []byte) error {
	if l.deps.Secrets == nil {
		return nil
	}
	if what, found := l.deps.Secrets.Find(data); found {
		return fmt.Errorf("%s holds %s", path, what)
	}
	return nil
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

// skippedNote tells the model which changes were not committed and why.
func skippedNote(skipped []gitsafety.Skip) string {
	parts := make([]string, len(skipped))
	for i, sk := range skipped {
		parts[i] = sk.Path + " (" + sk.Reason + ")"
	}
	return "Not committed, and left as they are in the work tree: " + strings.Join(parts, "; ") + "."
}
