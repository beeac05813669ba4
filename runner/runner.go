package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/tools"
)

// maxCutoffs bounds how many turns in a row may be cut off by the output
// token limit before the task gives up: a model that keeps writing calls too
// big for max_output_tokens will not converge.
const maxCutoffs = 3

// Run runs one task to its end: it records the task's start, loops over
// model turns until the model answers without tool calls (after the last of
// the task's prompts), a limit is reached, the context is cancelled or
// something fails, and records the end. Run never panics on a model's
// output and always returns a Result with a Status.
func Run(ctx context.Context, cfg Config, deps Deps) Result {
	l := &loop{cfg: cfg, deps: deps, now: deps.Now, log: deps.Log}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = io.Discard
	}
	// Records and commits must land even when ctx is cancelled: the step
	// that was under way is finished, not lost.
	keep := context.WithoutCancel(ctx)
	m := cfg.Task.Model
	l.record(keep, report.TaskStarted{
		RunID: cfg.RunID, Task: cfg.Task.Name, StartedAt: l.now(),
		Approval: string(cfg.Task.Approval), Provider: string(m.Provider), Model: m.Name,
		Branch: cfg.Branch, BaseCommit: cfg.BaseCommit, StartCommit: cfg.StartCommit,
		SnapshotCommit: cfg.SnapshotCommit,
	})
	res := l.loop(ctx, keep)
	if res.Status == "" {
		res.Status = StatusError
	}
	if l.recErr != nil && res.Status == StatusSucceeded {
		res = Result{Status: StatusError, Steps: res.Steps, FinalMessage: res.FinalMessage, Err: l.recErr}
	}
	fin := report.TaskFinished{
		RunID: cfg.RunID, Task: cfg.Task.Name, FinishedAt: l.now(),
		Status: string(res.Status), HeadCommit: deps.Git.Head(), FinalMessage: res.FinalMessage,
	}
	if res.Err != nil {
		fin.Error = res.Err.Error()
	}
	l.recErr = nil // the finish record is attempted even after an earlier failure
	l.record(keep, fin)
	if l.recErr != nil && res.Status == StatusSucceeded {
		res = Result{Status: StatusError, Steps: res.Steps, FinalMessage: res.FinalMessage, Err: l.recErr}
	}
	return res
}

type loop struct {
	cfg     Config
	deps    Deps
	now     func() time.Time
	log     io.Writer
	history []llm.Message
	final   string
	// recErr is the first failure to record; once set, no tool runs,
	// because its intent could not be written down first.
	recErr error
}

func (l *loop) record(ctx context.Context, ev report.Event) {
	if l.recErr != nil {
		return
	}
	if err := l.deps.Recorder.Record(ctx, ev); err != nil {
		l.recErr = fmt.Errorf("record state: %w", err)
	}
}

func (l *loop) logf(format string, args ...any) {
	fmt.Fprintf(l.log, "[%s] "+format+"\n", append([]any{l.cfg.Task.Name}, args...)...)
}

// addMessage appends msg to the history and records it.
func (l *loop) addMessage(ctx context.Context, step int, msg llm.Message) {
	l.history = append(l.history, msg)
	content, err := json.Marshal(msg)
	if err != nil {
		l.recErr = fmt.Errorf("encode message: %w", err)
		return
	}
	l.record(ctx, report.MessageAdded{
		RunID: l.cfg.RunID, Task: l.cfg.Task.Name, Step: step, At: l.now(),
		Role: string(msg.Role), Content: content,
	})
}

func (l *loop) result(status Status, steps int, err error) Result {
	return Result{Status: status, Steps: steps, FinalMessage: l.final, Err: err}
}

func (l *loop) loop(ctx, keep context.Context) Result {
	task := l.cfg.Task
	l.addMessage(keep, 0, userText(task.Prompts[0]))
	nextPrompt := 1
	cutoffs := 0
	for step := 1; ; step++ {
		if l.recErr != nil {
			return l.result(StatusError, step-1, l.recErr)
		}
		if ctx.Err() != nil {
			return l.result(StatusCancelled, step-1, fmt.Errorf("cancelled before step %d: %w", step, context.Cause(ctx)))
		}
		if step > task.Limits.MaxSteps {
			return l.result(StatusLimitReached, step-1, fmt.Errorf("limit reached: max_steps %d", task.Limits.MaxSteps))
		}

		out := l.step(ctx, keep, step)
		switch {
		case out.stop != nil:
			out.stop.Steps = step
			out.stop.FinalMessage = l.final
			return *out.stop
		case out.cutOff:
			cutoffs++
			if cutoffs >= maxCutoffs {
				return l.result(StatusError, step, fmt.Errorf("the model's answer was cut off by max_output_tokens (%d) %d turns in a row; raise model.max_output_tokens or split the task", task.Model.MaxOutputTokens, cutoffs))
			}
		case out.answered:
			cutoffs = 0
			if nextPrompt == len(task.Prompts) {
				return l.result(StatusSucceeded, step, nil)
			}
			// The model finished this prompt; the task's next prompt
			// continues the same conversation.
			l.addMessage(keep, step, userText(task.Prompts[nextPrompt]))
			nextPrompt++
		default:
			cutoffs = 0
		}
	}
}

// stepOutcome says how a step ended: with a final answer (no tool calls),
// with tool calls whose turn was cut off, with tool calls run, or with a
// reason to stop the task.
type stepOutcome struct {
	answered bool
	cutOff   bool
	stop     *Result
}

func stopWith(status Status, err error) stepOutcome {
	return stepOutcome{stop: &Result{Status: status, Err: err}}
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

	resp, err := l.deps.Model.Complete(ctx, &llm.Request{
		Model:     cfg.Task.Model.Name,
		System:    cfg.System,
		Messages:  l.history,
		Tools:     cfg.Tools,
		MaxTokens: cfg.Task.Model.MaxOutputTokens,
	})
	if err != nil {
		finish(gitsafety.Commit{})
		if ctx.Err() != nil {
			return stopWith(StatusCancelled, fmt.Errorf("cancelled while waiting for the model in step %d: %w", step, context.Cause(ctx)))
		}
		return stopWith(StatusProviderError, fmt.Errorf("step %d: %w", step, err))
	}

	msg := resp.Message()
	l.addMessage(keep, step, msg)
	l.record(keep, report.ModelAnswered{
		RunID: cfg.RunID, Task: cfg.Task.Name, Step: step, At: l.now(),
		StopReason: string(resp.StopReason), RequestID: resp.RequestID,
		Usage: report.Usage{
			InputTokens: resp.Usage.InputTokens, OutputTokens: resp.Usage.OutputTokens,
			CacheReadTokens: resp.Usage.CacheReadTokens, CacheWriteTokens: resp.Usage.CacheWriteTokens,
		},
	})
	if text := msg.Text(); text != "" {
		l.final = text
	}

	calls := msg.ToolCalls()
	if len(calls) == 0 {
		finish(gitsafety.Commit{})
		if resp.StopReason == llm.StopRefusal {
			return stopWith(StatusError, fmt.Errorf("step %d: the model refused the task", step))
		}
		return stepOutcome{answered: true}
	}

	cutOff := resp.StopReason == llm.StopMaxTokens
	results, executed, lines, mayWrite := l.runCalls(ctx, keep, step, calls, cutOff)

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

	if ctx.Err() != nil {
		return stopWith(StatusCancelled, fmt.Errorf("cancelled during step %d: %w", step, context.Cause(ctx)))
	}
	return stepOutcome{cutOff: cutOff}
}

// runCalls decides and runs the calls of one turn in order. It returns the
// tool results for the model, the names of the tools that ran, one summary
// line per call, and whether a call that can change files ran.
func (l *loop) runCalls(ctx, keep context.Context, step int, calls []llm.ToolCall, cutOff bool) (results []llm.Part, executed, lines []string, mayWrite bool) {
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
		case cutOff:
			outcome = "not_run"
			res = tools.Result{
				IsError: true,
				Content: fmt.Sprintf("not run: your answer was cut off at max_output_tokens (%d) while you wrote the tool calls, so this call may be incomplete and was not executed. Repeat it in smaller pieces (e.g. several edit_file calls instead of one large write_file).", cfg.Task.Model.MaxOutputTokens),
				Summary: describe(call) + ": not run (answer cut off)",
			}
		case ctx.Err() != nil:
			outcome = "not_run"
			res = tools.Result{IsError: true, Content: "not run: the run was cancelled", Summary: describe(call) + ": not run (cancelled)"}
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
		results = append(results, llm.ToolResultPart(llm.ToolResult{CallID: call.ID, Content: res.Content, IsError: res.IsError}))
	}
	return results, executed, lines, mayWrite
}

func userText(s string) llm.Message {
	return llm.Message{Role: llm.RoleUser, Content: []llm.Part{llm.TextPart(s)}}
}

// describe names a call by its tool and main argument, for summaries of
// calls that did not run.
func describe(call llm.ToolCall) string {
	var in map[string]any
	if err := json.Unmarshal(call.Input, &in); err == nil {
		for _, key := range []string{"path", "command", "pattern"} {
			if v, ok := in[key].(string); ok && v != "" {
				return call.Name + " " + oneLine(v, 80)
			}
		}
	}
	return call.Name
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
