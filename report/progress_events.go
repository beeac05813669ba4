package report

import (
	"encoding/json"
	"time"
)

// taskProgress is what Progress remembers of a task to sum up its steps:
// the events carry one turn or one call each.
type taskProgress struct {
	name    string
	started time.Time
	steps   int
	usage   Usage
	cost    costSum
	step    stepProgress
	// checks maps a check's round and seq to its command and start.
	checks map[[2]int]checkProgress
}

// stepProgress is the step under way, or the last one.
type stepProgress struct {
	n       int
	started time.Time
	tools   []string
	calls   map[int]string // seq → tool
	usage   Usage
	cost    costSum
	// answered says the model has answered the step, so a step without
	// tools shows "no tools" instead of "asking the model".
	answered bool
}

type checkProgress struct {
	command string
	started time.Time
}

// cost sums prices; one unknown price makes the sum unknown, as in
// reports.
type costSum struct {
	usd     float64
	unknown bool
}

func (c costSum) add(usd *float64) costSum {
	if usd == nil {
		return costSum{unknown: true}
	}
	if c.unknown {
		return c
	}
	return costSum{usd: c.usd + *usd}
}

// Detail levels of an event line.
const (
	levelDefault = iota // always shown
	levelDetail         // plain and live show it with Verbose; json always
	levelVerbose        // every mode shows it only with Verbose
)

// track updates what Progress remembers with ev and returns the event's
// task, nil for run events.
func (p *Progress) track(ev Event) *taskProgress {
	switch e := ev.(type) {
	case TaskStarted:
		t := &taskProgress{name: e.Task, started: e.StartedAt, checks: map[[2]int]checkProgress{}}
		p.tasks[e.Task] = t
		return t
	case TaskResumed:
		t := p.task(e.Task)
		if t.started.IsZero() {
			// Not seeded by ResumeTask: the time since the resume is
			// all this Progress knows.
			t.started = e.At
		}
		return t
	case StepStarted:
		t := p.task(e.Task)
		t.steps = max(t.steps, e.Step)
		t.step = stepProgress{n: e.Step, started: e.StartedAt, calls: map[int]string{}}
		return t
	case ModelAnswered:
		t := p.task(e.Task)
		t.usage = addUsage(t.usage, e.Usage)
		t.cost = t.cost.add(e.CostUSD)
		t.step.usage = addUsage(t.step.usage, e.Usage)
		t.step.cost = t.step.cost.add(e.CostUSD)
		return t
	case ToolCallStarted:
		t := p.task(e.Task)
		t.step.tools = append(t.step.tools, e.Tool)
		t.step.calls[e.Seq] = e.Tool
		return t
	case CheckStarted:
		t := p.task(e.Task)
		t.checks[[2]int{e.Round, e.Seq}] = checkProgress{command: e.Command, started: e.StartedAt}
		return t
	case TaskFinished:
		return p.task(e.Task)
	case ToolCallFinished:
		return p.task(e.Task)
	case CommitStarted:
		return p.task(e.Task)
	case StepFinished:
		return p.task(e.Task)
	case MessageAdded:
		return p.task(e.Task)
	case CheckFinished:
		return p.task(e.Task)
	case TaskRolledBack:
		return p.task(e.Task)
	case PushStarted:
		return p.task(e.Task)
	case PushFinished:
		return p.task(e.Task)
	}
	return nil
}

// task returns what is remembered of a task, starting afresh for one
// whose start this Progress did not see (a rollback recorded later).
func (p *Progress) task(name string) *taskProgress {
	t, ok := p.tasks[name]
	if !ok {
		t = &taskProgress{name: name, checks: map[[2]int]checkProgress{}}
		t.step.calls = map[int]string{}
		p.tasks[name] = t
	}
	return t
}

// ResumeTask seeds what Progress remembers of a task with its report as
// the state database held it before a resume: the task's task_finished
// line then sums the whole task (steps, tokens, cost, and the time since
// it first started), as its report does, not only what happened since the
// resume. Call it before the task's TaskResumed is recorded.
func (p *Progress) ResumeTask(r TaskReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.task(r.Name)
	for _, st := range r.Steps {
		t.steps = max(t.steps, st.Step)
	}
	tok := r.Stats.Tokens
	t.usage = Usage{InputTokens: tok.Input, OutputTokens: tok.Output, CacheReadTokens: tok.CacheRead, CacheWriteTokens: tok.CacheWrite}
	t.cost = costSum{}
	for _, st := range r.Steps {
		t.cost = t.cost.add(st.CostUSD)
	}
	if started, err := time.Parse(time.RFC3339Nano, r.StartedAt); err == nil {
		t.started = started
	}
}

func addUsage(a, b Usage) Usage {
	return Usage{
		InputTokens: a.InputTokens + b.InputTokens, OutputTokens: a.OutputTokens + b.OutputTokens,
		CacheReadTokens: a.CacheReadTokens + b.CacheReadTokens, CacheWriteTokens: a.CacheWriteTokens + b.CacheWriteTokens,
	}
}

// Lengths past which values are cut in progress lines: a line per event
// must stay a line, and the report holds the whole text.
const (
	progressInputLen = 120
	progressTextLen  = 200
	progressErrorLen = 300
)

// describe turns ev into its line; ok is false for an event that is not
// shown at all (a message without text for people).
func (p *Progress) describe(ev Event, t *taskProgress) (eventLine, bool) {
	switch e := ev.(type) {
	case RunStarted:
		l := newLine("run_started", e.StartedAt, e.RunID, "", levelDefault)
		l.add("repo", e.RepoRoot)
		l.opt("task_file", e.TaskFile)
		l.add("tasks", e.Tasks)
		l.opt("base", short(e.BaseCommit))
		l.opt("version", e.Version)
		return l, true
	case RunResumed:
		return newLine("run_resumed", e.At, e.RunID, "", levelDefault), true
	case RunFinished:
		l := newLine("run_finished", e.FinishedAt, e.RunID, "", levelDefault)
		l.add("status", e.Status)
		l.add("exit_code", e.ExitCode)
		l.opt("reason", e.Reason)
		l.opt("error", truncate(e.Error, progressErrorLen))
		return l, true
	case TaskStarted:
		l := newLine("task_started", e.StartedAt, e.RunID, e.Task, levelDefault)
		l.opt("branch", e.Branch)
		l.opt("provider", e.Provider)
		l.opt("model", e.Model)
		l.opt("approval", e.Approval)
		p.maxSteps(&l, e.Task)
		return l, true
	case TaskResumed:
		l := newLine("task_resumed", e.At, e.RunID, e.Task, levelDefault)
		l.add("reopened", e.Reopened)
		return l, true
	case TaskFinished:
		l := newLine("task_finished", e.FinishedAt, e.RunID, e.Task, levelDefault)
		l.add("status", e.Status)
		l.add("steps", t.steps)
		l.add("tokens_in", t.usage.InputTokens)
		l.add("tokens_out", t.usage.OutputTokens)
		l.add("cost_usd", t.cost)
		if !t.started.IsZero() {
			l.add("elapsed", e.FinishedAt.Sub(t.started))
		}
		l.opt("head", short(e.HeadCommit))
		l.opt("limit", e.Limit)
		l.opt("error", truncate(e.Error, progressErrorLen))
		return l, true
	case StepStarted:
		l := newLine("step_started", e.StartedAt, e.RunID, e.Task, levelDetail)
		l.add("step", e.Step)
		p.maxSteps(&l, e.Task)
		return l, true
	case ModelAnswered:
		l := newLine("model_answered", e.At, e.RunID, e.Task, levelDetail)
		l.add("step", e.Step)
		l.opt("stop_reason", e.StopReason)
		l.add("tokens_in", e.Usage.InputTokens)
		l.add("tokens_out", e.Usage.OutputTokens)
		l.opt("cache_read", e.Usage.CacheReadTokens)
		l.opt("cache_write", e.Usage.CacheWriteTokens)
		l.add("cost_usd", costSum{}.add(e.CostUSD))
		l.opt("attempts", int64(e.Attempts))
		return l, true
	case MessageAdded:
		text := messageText(e.Content)
		if e.Role != "assistant" || text == "" {
			return eventLine{}, false
		}
		l := newLine("message", e.At, e.RunID, e.Task, levelVerbose)
		l.add("step", e.Step)
		l.add("role", e.Role)
		l.add("text", truncate(inline(text), progressTextLen))
		return l, true
	case ToolCallStarted:
		l := newLine("tool_started", e.StartedAt, e.RunID, e.Task, levelDetail)
		l.add("step", e.Step)
		l.add("seq", e.Seq)
		l.add("tool", e.Tool)
		if p.opts.Verbose {
			l.add("input", truncate(inline(string(e.Input)), progressInputLen))
		}
		return l, true
	case ToolCallFinished:
		level := levelDetail
		if e.Outcome == OutcomeDenied || e.Outcome == OutcomeNotRun {
			level = levelDefault
		}
		l := newLine("tool_finished", e.FinishedAt, e.RunID, e.Task, level)
		l.add("step", e.Step)
		l.add("seq", e.Seq)
		l.opt("tool", t.step.calls[e.Seq])
		l.add("outcome", e.Outcome)
		l.opt("summary", truncate(inline(e.Summary), progressTextLen))
		l.opt("reason", truncate(inline(e.Reason), progressTextLen))
		l.opt("rule", e.Rule)
		return l, true
	case CommitStarted:
		l := newLine("commit_started", e.At, e.RunID, e.Task, levelDetail)
		l.add("step", e.Step)
		return l, true
	case StepFinished:
		l := newLine("step_finished", e.FinishedAt, e.RunID, e.Task, levelDefault)
		l.add("step", e.Step)
		p.maxSteps(&l, e.Task)
		l.add("tools", append([]string{}, t.step.tools...))
		l.add("tokens_in", t.step.usage.InputTokens)
		l.add("tokens_out", t.step.usage.OutputTokens)
		l.add("cost_usd", t.step.cost)
		if !t.step.started.IsZero() {
			l.add("elapsed", e.FinishedAt.Sub(t.step.started))
		}
		if e.Commit != "" {
			l.add("commit", short(e.Commit))
			l.add("files", len(e.Files))
			l.add("insertions", e.Insertions)
			l.add("deletions", e.Deletions)
		}
		return l, true
	case CheckStarted:
		l := newLine("check_started", e.StartedAt, e.RunID, e.Task, levelDetail)
		l.add("round", e.Round)
		l.add("seq", e.Seq)
		l.add("command", truncate(inline(e.Command), progressTextLen))
		return l, true
	case CheckFinished:
		l := newLine("check_finished", e.FinishedAt, e.RunID, e.Task, levelDefault)
		l.add("round", e.Round)
		l.add("seq", e.Seq)
		c := t.checks[[2]int{e.Round, e.Seq}]
		l.opt("command", truncate(inline(c.command), progressTextLen))
		l.add("passed", e.Passed)
		l.add("exit_code", e.ExitCode)
		l.opt("error", truncate(inline(e.Error), progressErrorLen))
		if !c.started.IsZero() {
			l.add("elapsed", e.FinishedAt.Sub(c.started))
		}
		return l, true
	case TaskRolledBack:
		l := newLine("task_rolled_back", e.At, e.RunID, e.Task, levelDefault)
		l.add("from", short(e.From))
		l.add("to", short(e.To))
		l.add("backup", e.BackupRef)
		return l, true
	case PushStarted:
		l := newLine("push_started", e.At, e.RunID, e.Task, levelDetail)
		l.add("remote", e.Remote)
		l.add("branch", e.Branch)
		l.add("commit", short(e.Commit))
		return l, true
	case PushFinished:
		l := newLine("push_finished", e.At, e.RunID, e.Task, levelDefault)
		l.add("result", e.Result)
		l.opt("error", truncate(inline(e.Error), progressErrorLen))
		if e.PR != nil {
			l.add("pr_url", e.PR.URL)
			l.add("pr_number", e.PR.Number)
		}
		return l, true
	}
	return eventLine{}, false
}

func (p *Progress) maxSteps(l *eventLine, task string) {
	if n := p.opts.MaxSteps[task]; n > 0 {
		l.add("max_steps", n)
	}
}

// messageText is the text of a recorded message (an llm.Message as JSON),
// its parts joined; "" when it has none or is not a message.
func messageText(content json.RawMessage) string {
	var msg struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	if json.Unmarshal(content, &msg) != nil {
		return ""
	}
	var text string
	for _, part := range msg.Content {
		if part.Type != "text" || part.Text == "" {
			continue
		}
		if text != "" {
			text += " "
		}
		text += part.Text
	}
	return text
}
