package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/safe-coder/safe-coder/report"
)

// Checks decide whether the agent's work is done. When the model answers
// the task's last prompt, every command of the task file's checks.commands
// runs, in order and all of them even after one fails, so the agent sees
// every failure at once. When all pass the task has succeeded. When one
// fails and the task has rounds of fixing left (checks.attempts), the model
// gets one message with the failures and the loop goes on under the same
// limits and budgets; when none are left the task ends with
// StatusChecksFailed.
//
// Check commands are the task author's, not the agent's, so the policy does
// not decide them; the Checker runs them like the bash tool runs its
// commands. Their output is redacted before the model or the store sees
// it. The runner commits nothing after the checks: files they create
// (build output, coverage) stay in the work tree, where the next step's
// commit would pick them up, so such files belong in .gitignore.

// Checker runs one check command. Run never returns a Go error: a command
// that cannot start, or that its timeout or ctx kills, comes back with Err
// set, and counts as a failed check. Implemented in the CLI with the
// toolbox's process rules: the scrubbed environment, stdin closed, its own
// process group killed as a group on timeout, output capped head and tail.
type Checker interface {
	Run(ctx context.Context, command string, timeout time.Duration) CheckResult
}

// CheckResult is how one check command ended.
type CheckResult struct {
	// ExitCode is the command's exit status; whatever the Checker reports
	// (-1 for a killed command) when Err is set.
	ExitCode int
	// Output is the command's stdout and stderr, capped head and tail as
	// the bash tool caps its output.
	Output   string
	Duration time.Duration
	// Err says why the command has no exit status of its own: it could
	// not start, or it timed out. nil when it ran to its exit.
	Err error
}

func (r CheckResult) passed() bool { return r.Err == nil && r.ExitCode == 0 }

// Bounds on check output shown to the model: each failing command gets at
// most maxCheckOutputEach bytes, and all of them together about
// maxToolOutput, the bound of one tool result, however many fail. Test
// runners print what failed at the end, so most of a cut output is its
// tail.
const (
	maxCheckOutputEach = 16 << 10
	minCheckOutputEach = 2 << 10
	checkOutputHead    = 4 << 10
)

// checkRun is one command of a round, its output and error redacted.
type checkRun struct {
	command string
	res     CheckResult
	errText string
}

// why says in a few words how a failed run failed.
func (c checkRun) why() string {
	if c.errText != "" {
		return c.errText
	}
	return fmt.Sprintf("exit %d", c.res.ExitCode)
}

// afterLastAnswer decides how the task goes on once the model has answered
// its last prompt. done is false when the checks failed and the model was
// asked to fix them: the loop continues with the next step.
func (l *loop) afterLastAnswer(ctx, keep context.Context, step int) (res Result, done bool) {
	checks := l.cfg.Task.Checks
	if len(checks.Commands) == 0 {
		return l.result(StatusSucceeded, step, nil), true
	}
	if l.deps.Checker == nil {
		return l.result(StatusError, step, errors.New("the task has checks but the runner has no Checker to run them")), true
	}
	if res, done := l.interrupted(ctx, step, "before the checks"); done {
		return res, true
	}
	l.checkRounds++
	round := l.checkRounds
	runs, stop := l.runChecks(ctx, keep, step, round)
	if stop != nil {
		return *stop, true
	}
	var failed, passed []checkRun
	for _, r := range runs {
		if r.res.passed() {
			passed = append(passed, r)
		} else {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		l.logf("checks round %d: %s passed", round, plural(len(runs), "command"))
		return l.result(StatusSucceeded, step, nil), true
	}
	// Round r follows r-1 rounds of fixing.
	left := checks.Attempts - (round - 1)
	if left <= 0 {
		return l.result(StatusChecksFailed, step, fmt.Errorf("checks failed after %s: %s", plural(round, "round"), failureList(failed))), true
	}
	l.logf("checks round %d: %d of %s failed; asking the model to fix them", round, len(failed), plural(len(runs), "command"))
	l.note(keep, step, checksFailedNote(failed, passed, left-1))
	return Result{}, false
}

// runChecks runs every check command once, recording each before it runs
// and after. stop is set when the round cannot go on: the intent of a
// command could not be recorded, or the task was cancelled or timed out.
func (l *loop) runChecks(ctx, keep context.Context, step, round int) (runs []checkRun, stop *Result) {
	cfg := l.cfg
	for i, command := range cfg.Task.Checks.Commands {
		seq := i + 1
		l.record(keep, report.CheckStarted{
			RunID: cfg.RunID, Task: cfg.Task.Name, Round: round, Seq: seq, Command: command, StartedAt: l.now(),
		})
		if l.recErr != nil {
			// The intent could not be recorded: do not act on it.
			res := l.result(StatusError, step, l.recErr)
			return nil, &res
		}
		res := l.deps.Checker.Run(ctx, command, cfg.Task.Checks.Timeout)
		run := checkRun{command: command, res: res}
		run.res.Output = l.redact(res.Output)
		if res.Err != nil {
			run.errText = l.redact(oneLine(res.Err.Error(), 200))
			if run.errText == "" {
				run.errText = "the command did not run to its exit"
			}
		}
		l.record(keep, report.CheckFinished{
			RunID: cfg.RunID, Task: cfg.Task.Name, Round: round, Seq: seq, FinishedAt: l.now(),
			ExitCode: res.ExitCode, Passed: res.passed(), Output: run.res.Output, Error: run.errText,
		})
		outcome := "passed"
		if !res.passed() {
			outcome = "failed: " + run.why()
		}
		l.logf("checks round %d: %s → %s (%s)", round, oneLine(command, 60), outcome, res.Duration.Round(time.Millisecond))
		runs = append(runs, run)
		if r, done := l.interrupted(ctx, step, fmt.Sprintf("while running check %q", oneLine(command, 60))); done {
			return nil, &r
		}
	}
	if l.recErr != nil {
		res := l.result(StatusError, step, l.recErr)
		return nil, &res
	}
	return runs, nil
}

// failureList names failed commands and how they failed, for errors and
// the model: `"go test ./..." (exit 1), "make lint" (timed out after 10m)`.
func failureList(failed []checkRun) string {
	parts := make([]string, len(failed))
	for i, f := range failed {
		parts[i] = fmt.Sprintf("%q (%s)", oneLine(f.command, 80), f.why())
	}
	return strings.Join(parts, ", ")
}

// checksFailedNote is the message that gives the model a round of fixing:
// what failed and each failure's output, what passed, and how many rounds
// are left after this one.
func checksFailedNote(failed, passed []checkRun, leftAfter int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The checks failed: %s; fix the code so they pass, then answer with a summary of what you changed.\n", failureList(failed))
	each := min(maxCheckOutputEach, max(maxToolOutput/len(failed), minCheckOutputEach))
	for _, f := range failed {
		fmt.Fprintf(&b, "\n$ %s\n", f.command)
		if f.errText != "" {
			fmt.Fprintf(&b, "did not run to its exit: %s (after %s)\n", f.errText, f.res.Duration.Round(time.Millisecond))
		} else {
			fmt.Fprintf(&b, "exit code: %d (after %s)\n", f.res.ExitCode, f.res.Duration.Round(time.Millisecond))
		}
		if f.res.Output == "" {
			b.WriteString("(no output)\n")
			continue
		}
		b.WriteString(strings.TrimSuffix(capCheckOutput(f.res.Output, each), "\n"))
		b.WriteString("\n")
	}
	if len(passed) > 0 {
		names := make([]string, len(passed))
		for i, p := range passed {
			names[i] = fmt.Sprintf("%q", oneLine(p.command, 80))
		}
		fmt.Fprintf(&b, "\nPassed: %s.\n", strings.Join(names, ", "))
	}
	switch leftAfter {
	case 0:
		b.WriteString("\nThe checks run again after your answer; this is the last round: if they still fail, the task fails.")
	default:
		fmt.Fprintf(&b, "\nThe checks run again after your answer; %s of fixing left after this one.", plural(leftAfter, "round"))
	}
	return b.String()
}

// capCheckOutput cuts s to about limit bytes, keeping a little of its head
// and mostly its tail, with a visible notice in between.
func capCheckOutput(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	head := validPrefix(s, min(checkOutputHead, limit/4))
	tail := validSuffix(s, limit-len(head))
	omitted := len(s) - len(head) - len(tail)
	return fmt.Sprintf("%s\n[… %d bytes of this output omitted by safe-coder …]\n%s", head, omitted, tail)
}
