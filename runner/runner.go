package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
)

// Bounds on turns that make no progress. A model that keeps writing calls
// too big for max_output_tokens, keeps answering nothing, or keeps pausing
// will not converge; the task stops instead of burning the budget.
const (
	maxCutoffs = 3
	maxEmpty   = 3
	maxPauses  = 5
)

// Run runs one task to its end: it records the task's start, loops over
// model turns until the model answers without tool calls (after the last of
// the task's prompts), a limit is reached, the context is cancelled or
// something fails, and records the end. Run never panics on a model's
// output and always returns a Result with a Status.
func Run(ctx context.Context, cfg Config, deps Deps) Result {
	l := newLoop(cfg, deps)
	// Records and commits must land even when ctx is cancelled: the step
	// that was under way is finished, not lost.
	keep := context.WithoutCancel(ctx)
	if t := cfg.Task.Limits.Timeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, t, errTaskTimeout)
		defer cancel()
	}
	m := cfg.Task.Model
	l.record(keep, report.TaskStarted{
		RunID: cfg.RunID, Task: cfg.Task.Name, StartedAt: l.now(),
		Approval: string(cfg.Task.Approval), Provider: string(m.Provider), Model: m.Name,
		Branch: cfg.Branch, BaseCommit: cfg.BaseCommit, StartCommit: cfg.StartCommit,
		SnapshotCommit: cfg.SnapshotCommit,
	})
	if res, ok := l.preparePrompts(ctx, keep, nil); !ok {
		return l.finishTask(keep, res)
	}
	return l.finishTask(keep, l.loop(ctx, keep))
}

type loop struct {
	cfg     Config
	deps    Deps
	now     func() time.Time
	log     io.Writer
	history []llm.Message
	// prompts are the task's prompts as the model gets them: expanded
	// when the task started, or as recorded then for a resumed task.
	prompts []string
	// known are the instruction files the model has been given, by
	// path; nil until the first nested lookup.
	known  map[string]bool
	final  string
	spent  budget
	ctxWin contextWindow
	// checkRounds counts the times the task's checks ran.
	checkRounds int
	// recErr is the first failure to record; once set, no tool runs,
	// because its intent could not be written down first.
	recErr error
}

func newLoop(cfg Config, deps Deps) *loop {
	l := &loop{cfg: cfg, deps: deps, now: deps.Now, log: deps.Log}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = io.Discard
	}
	l.spent.price, l.spent.priced = cfg.Task.Model.Price()
	l.ctxWin.size, _ = cfg.Task.Model.Window()
	return l
}

// fault marks a point where a crash must be survivable; see Deps.Fault.
func (l *loop) fault(point string) {
	if l.deps.Fault != nil {
		l.deps.Fault(point)
	}
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

// addMessage appends msg to the history and records it. Consecutive user
// messages (tool results, then a note from safe-coder) are merged in the
// history, as the providers themselves merge them, so every request keeps
// strictly alternating roles; the store keeps them as recorded.
func (l *loop) addMessage(ctx context.Context, step int, msg llm.Message) {
	l.appendHistory(msg)
	// The store gets the message with secret values redacted: a model that
	// somehow learned one must not make the state database a copy of it.
	content, err := json.Marshal(l.redactMessage(msg))
	if err != nil {
		l.recErr = fmt.Errorf("encode message: %w", err)
		return
	}
	l.record(ctx, report.MessageAdded{
		RunID: l.cfg.RunID, Task: l.cfg.Task.Name, Step: step, At: l.now(),
		Role: string(msg.Role), Content: content,
	})
}

// appendHistory adds msg to the conversation sent to the model, merging a
// user message into a user message before it.
func (l *loop) appendHistory(msg llm.Message) {
	if n := len(l.history); n > 0 && msg.Role == llm.RoleUser && l.history[n-1].Role == llm.RoleUser {
		last := &l.history[n-1]
		last.Content = append(last.Content[:len(last.Content):len(last.Content)], msg.Content...)
		return
	}
	l.history = append(l.history, msg)
}

// note tells the model something about the run itself (a cut-off or empty
// answer), as a user message that says who is speaking.
func (l *loop) note(ctx context.Context, step int, text string) {
	l.addMessage(ctx, step, userText("(safe-coder) "+text))
}

func (l *loop) result(status Status, steps int, err error) Result {
	return Result{Status: status, Steps: steps, FinalMessage: l.final, Err: err}
}

func (l *loop) limitResult(steps int, lim *limitError) Result {
	return Result{Status: StatusLimitReached, Steps: steps, FinalMessage: l.final, Err: lim, Limit: lim.limit}
}

// interrupted reports how the task ends when ctx is done: the task's own
// timeout is a limit, anything else (a signal) is a cancellation.
func (l *loop) interrupted(ctx context.Context, steps int, where string) (Result, bool) {
	if ctx.Err() == nil {
		return Result{}, false
	}
	cause := context.Cause(ctx)
	if errors.Is(cause, errTaskTimeout) {
		return l.limitResult(steps, &limitError{limit: "timeout", detail: fmt.Sprintf("timeout %s", l.cfg.Task.Limits.Timeout)}), true
	}
	return l.result(StatusCancelled, steps, fmt.Errorf("cancelled %s: %w", where, cause)), true
}

func (l *loop) loop(ctx, keep context.Context) Result {
	l.addMessage(keep, 0, userText(l.prompts[0]))
	return l.run(ctx, keep, 1, 1, false)
}

// run turns the loop from step on. nextPrompt is the index of the task's
// next prompt to send; answered says that the step before step ended with
// the model's answer, whose consequences (the next prompt, or the checks)
// are still to come — where a resumed task may pick up.
func (l *loop) run(ctx, keep context.Context, step, nextPrompt int, answered bool) Result {
	task := l.cfg.Task
	if answered {
		if res, done := l.afterAnswer(ctx, keep, step-1, &nextPrompt); done {
			return res
		}
	}
	var cutoffs, empties, pauses int
	for ; ; step++ {
		if l.recErr != nil {
			return l.result(StatusError, step-1, l.recErr)
		}
		if res, done := l.interrupted(ctx, step-1, fmt.Sprintf("before step %d", step)); done {
			return res
		}
		if step > task.Limits.MaxSteps {
			return l.limitResult(step-1, &limitError{limit: "max_steps", detail: fmt.Sprintf("max_steps %d", task.Limits.MaxSteps)})
		}
		if lim := l.spent.reached(task.Limits); lim != nil {
			return l.limitResult(step-1, lim)
		}

		out := l.step(ctx, keep, step)
		if out.stop != nil {
			out.stop.Steps = step
			out.stop.FinalMessage = l.final
			return *out.stop
		}
		if out.kind != turnCutOff {
			cutoffs = 0
		}
		if out.kind != turnEmpty {
			empties = 0
		}
		if out.kind != turnPaused {
			pauses = 0
		}
		switch out.kind {
		case turnCutOff:
			if cutoffs++; cutoffs >= maxCutoffs {
				return l.result(StatusError, step, fmt.Errorf("the model's answer was cut off by max_output_tokens (%d) %d turns in a row; raise model.max_output_tokens or split the task", task.Model.MaxOutputTokens, cutoffs))
			}
		case turnEmpty:
			if empties++; empties >= maxEmpty {
				return l.result(StatusError, step, fmt.Errorf("the model gave %d empty answers in a row", empties))
			}
		case turnPaused:
			if pauses++; pauses >= maxPauses {
				return l.result(StatusError, step, fmt.Errorf("the model paused its turn %d times in a row", pauses))
			}
		case turnAnswered:
			if res, done := l.afterAnswer(ctx, keep, step, &nextPrompt); done {
				return res
			}
		}
	}
}

// afterAnswer follows the model's answer to a prompt: the task's next
// prompt continues the conversation, and after the last one the checks
// decide whether the task is done or gets a round of fixing.
func (l *loop) afterAnswer(ctx, keep context.Context, step int, nextPrompt *int) (Result, bool) {
	if *nextPrompt == len(l.prompts) {
		return l.afterLastAnswer(ctx, keep, step)
	}
	l.addMessage(keep, step, userText(l.prompts[*nextPrompt]))
	*nextPrompt++
	return Result{}, false
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
