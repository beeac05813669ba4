package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Recorder stores the events of a run. Progress wraps one to show the
// events as they are stored; the runner's Recorder has the same method.
type Recorder interface {
	Record(ctx context.Context, ev Event) error
}

// ProgressMode says how Progress renders: as a live line on a terminal,
// as plain lines for logs, or as JSON lines for machines.
type ProgressMode string

// The progress modes, as --log-format names them.
const (
	// ProgressLive keeps one line per step rewritten in place (carriage
	// return and ANSI erase), in colour unless ProgressOptions.Color is
	// off; a finished step stays as a final line and other events are
	// printed above the live line. Only for a terminal.
	ProgressLive ProgressMode = "live"
	// ProgressPlain prints one line per event: time, task, event name and
	// key=value fields, with no colour and no control characters.
	ProgressPlain ProgressMode = "plain"
	// ProgressJSON prints one JSON object per event and line, with the
	// event's name under "event"; see Progress for the names.
	ProgressJSON ProgressMode = "json"
)

// ParseProgressMode returns the mode named s, or an error wrapping
// ErrProgressMode.
func ParseProgressMode(s string) (ProgressMode, error) {
	switch m := ProgressMode(s); m {
	case ProgressLive, ProgressPlain, ProgressJSON:
		return m, nil
	}
	return "", fmt.Errorf("%w %q: expected live, plain or json", ErrProgressMode, s)
}

// ErrProgressMode is returned by ParseProgressMode and NewProgress for a
// mode that does not exist.
var ErrProgressMode = errors.New("unknown progress mode")

// ProgressOptions configure a Progress.
type ProgressOptions struct {
	// Out receives the progress: stderr in the CLI, never the report's
	// stdout. Write errors are ignored: progress is best-effort and must
	// never stop a run.
	Out io.Writer
	// Mode is how events are rendered.
	Mode ProgressMode
	// Verbose adds the detail events to plain and live output (step and
	// tool call starts, model answers, check starts, commit and push
	// starts), the tools' inputs (truncated) and the model's text
	// (snippets) to every mode.
	Verbose bool
	// Color turns on ANSI colour in live mode; the other modes never
	// colour.
	Color bool
	// Width is the terminal's width in columns: the live line is cut to
	// fit, since a wrapped line can no longer be rewritten in place. 0
	// means 80.
	Width int
	// MaxSteps is each task's max_steps, to show "step 3/20"; a task
	// missing from it shows "step 3".
	MaxSteps map[string]int
	// Now returns the current time, for the live line's running clock and
	// the time of log lines; nil means time.Now. Events carry their own
	// times.
	Now func() time.Time
}

// Progress renders a run's events for people (live, plain) or machines
// (json) as the wrapped recorder stores them, and the runner's log lines
// alongside them (see Log). It is safe for concurrent use.
//
// The events, by their stable names (the "event" field in json mode);
// "detail" ones show in plain and live modes only with Verbose:
//
//	run_started       run, repo, task_file, tasks, base, version
//	run_resumed       run
//	run_finished      run, status, exit_code, reason, error
//	task_started      task, branch, provider, model, approval, max_steps
//	task_resumed      task, reopened
//	task_finished     task, status, steps, tokens_in, tokens_out, cost_usd, elapsed, head, limit, error
//	step_started      task, step, max_steps (detail)
//	model_answered    task, step, stop_reason, tokens_in, tokens_out, cache_read, cache_write, cost_usd, attempts (detail)
//	message           task, step, role, text (Verbose only: the model's words)
//	tool_started      task, step, seq, tool, input (detail; input only with Verbose)
//	tool_finished     task, step, seq, tool, outcome, summary, reason, rule (detail unless denied or not run)
//	commit_started    task, step (detail)
//	step_finished     task, step, max_steps, tools, tokens_in, tokens_out, cost_usd, elapsed, commit, files, insertions, deletions
//	check_started     task, round, seq, command (detail)
//	check_finished    task, round, seq, command, passed, exit_code, error, elapsed
//	task_rolled_back  task, from, to, backup
//	push_started      task, remote, branch, commit (detail)
//	push_finished     task, result, error, pr_url, pr_number
//	log               task, msg (a line of the runner's log)
//
// A resumed task's task_finished sums the whole task, as its report does,
// when the Progress was seeded with ResumeTask.
//
// Every JSON object also has "time" (RFC 3339, UTC, milliseconds) and,
// but for log, "run". Empty optional fields are left out; an unknown cost
// is null, never 0; durations are "elapsed_ms" in milliseconds.
type Progress struct {
	opts ProgressOptions

	mu    sync.Mutex
	tasks map[string]*taskProgress
	// live is the task whose step line is on screen in live mode; nil
	// when none is.
	live    *taskProgress
	partial []byte // a log line not yet ended by a newline
	closed  bool
}

// NewProgress returns a Progress rendering to opts.Out, or an error
// wrapping ErrProgressMode for an unknown mode.
func NewProgress(opts ProgressOptions) (*Progress, error) {
	if _, err := ParseProgressMode(string(opts.Mode)); err != nil {
		return nil, err
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Width <= 0 {
		opts.Width = defaultWidth
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Progress{opts: opts, tasks: map[string]*taskProgress{}}, nil
}

const defaultWidth = 80

// Wrap returns a Recorder that records each event through next and, once
// next has stored it, renders it. An event next refuses is not shown:
// the display never claims more than the record holds.
func (p *Progress) Wrap(next Recorder) Recorder {
	return progressRecorder{p: p, next: next}
}

type progressRecorder struct {
	p    *Progress
	next Recorder
}

func (r progressRecorder) Record(ctx context.Context, ev Event) error {
	if err := r.next.Record(ctx, ev); err != nil {
		return err
	}
	r.p.show(ev)
	return nil
}

// Log returns the writer for the runner's human log lines ("[task]
// message"): in plain mode they pass through with control characters
// escaped, in live mode they are printed above the live line, in json mode
// each becomes a "log" event. A line is shown once its newline is written.
func (p *Progress) Log() io.Writer { return progressLog{p: p} }

type progressLog struct{ p *Progress }

func (l progressLog) Write(b []byte) (int, error) {
	p := l.p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		line := string(bytes.TrimSuffix(p.partial[:i], []byte{'\r'}))
		p.partial = p.partial[i+1:]
		p.logLine(line)
	}
	return len(b), nil
}

// Refresh redraws the live line with the step's running time; a ticker in
// the CLI calls it. It does nothing outside live mode or between steps.
func (p *Progress) Refresh() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opts.Mode == ProgressLive && p.live != nil && !p.closed {
		p.drawLive()
	}
}

// Close ends the output: a log line still missing its newline is shown,
// and a live line still on screen is ended so what follows starts on a
// line of its own. It always returns nil; later writes are still shown.
func (p *Progress) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.partial) > 0 {
		line := string(p.partial)
		p.partial = nil
		p.logLine(line)
	}
	if p.opts.Mode == ProgressLive && p.live != nil {
		p.drawLive()
		p.write("\n")
		p.live = nil
	}
	p.closed = true
	return nil
}

// show tracks ev and renders it as the mode wants.
func (p *Progress) show(ev Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.track(ev)
	line, ok := p.describe(ev, t)
	if !ok {
		return
	}
	switch p.opts.Mode {
	case ProgressJSON:
		if line.level != levelVerbose || p.opts.Verbose {
			p.write(jsonLine(line))
		}
	case ProgressPlain:
		if line.level == levelDefault || p.opts.Verbose {
			p.write(plainLine(line))
		}
	case ProgressLive:
		p.showLive(ev, t, line)
	}
}

// logLine renders one line of the runner's log.
func (p *Progress) logLine(line string) {
	switch p.opts.Mode {
	case ProgressJSON:
		task, msg := splitTaskPrefix(line)
		l := eventLine{name: "log", at: p.opts.Now(), task: task, noRun: true}
		l.add("msg", msg)
		p.write(jsonLine(l))
	case ProgressPlain:
		p.write(escapeControls(line) + "\n")
	case ProgressLive:
		p.printAbove(escapeControls(line))
	}
}

// splitTaskPrefix splits "[task] message" into its task and message; a
// line without the prefix has no task.
func splitTaskPrefix(line string) (task, msg string) {
	if rest, ok := strings.CutPrefix(line, "["); ok {
		if i := strings.Index(rest, "] "); i > 0 {
			return rest[:i], rest[i+2:]
		}
	}
	return "", line
}

func (p *Progress) write(s string) {
	_, _ = io.WriteString(p.opts.Out, s)
}
