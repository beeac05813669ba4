package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/secrets"
	"github.com/safe-coder/safe-coder/tasks"
)

// scriptedChecker answers check commands from a script, in order. It fails
// the test when a command is not the one expected, when a command comes
// after the script ended, and when a scripted command never came.
type scriptedChecker struct {
	t      *testing.T
	script []checkTurn
	mu     sync.Mutex
	calls  []checkCall
}

type checkTurn struct {
	command string
	result  CheckResult
	// during runs while the command "runs", e.g. to cancel the run.
	during func(ctx context.Context)
}

type checkCall struct {
	command string
	timeout time.Duration
}

func newChecker(t *testing.T, script ...checkTurn) *scriptedChecker {
	c := &scriptedChecker{t: t, script: script}
	t.Cleanup(func() {
		if n := len(c.calls); n < len(c.script) {
			t.Errorf("checker: %d scripted commands, only %d run", len(c.script), n)
		}
	})
	return c
}

func (c *scriptedChecker) Run(ctx context.Context, command string, timeout time.Duration) CheckResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, checkCall{command: command, timeout: timeout})
	i := len(c.calls) - 1
	if i >= len(c.script) {
		c.t.Errorf("checker: command %d (%q) beyond the script", i+1, command)
		return CheckResult{ExitCode: -1, Err: errors.New("no scripted result")}
	}
	turn := c.script[i]
	if command != turn.command {
		c.t.Errorf("checker: command %d is %q, want %q", i+1, command, turn.command)
	}
	if turn.during != nil {
		turn.during(ctx)
	}
	return turn.result
}

func passes(command string) checkTurn {
	return checkTurn{command: command, result: CheckResult{Output: "ok\n", Duration: time.Second}}
}

func exits(command string, code int, output string) checkTurn {
	return checkTurn{command: command, result: CheckResult{ExitCode: code, Output: output, Duration: 2 * time.Second}}
}

func errs(command string, err error, output string) checkTurn {
	return checkTurn{command: command, result: CheckResult{ExitCode: -1, Err: err, Output: output, Duration: time.Second}}
}

// withChecks gives the fixture's task check commands.
func (f *fixture) withChecks(attempts int, commands ...string) *fixture {
	f.cfg.Task.Checks = tasks.Checks{Commands: commands, Attempts: attempts, Timeout: 3 * time.Minute}
	return f
}

// checkRecords renders the recorded check runs as "round.seq command:
// passed" or "round.seq command: failed exit N / error".
func (r *memRecorder) checkRecords() []string {
	var out []string
	commands := map[[2]int]string{}
	for _, ev := range r.events {
		switch e := ev.(type) {
		case report.CheckStarted:
			commands[[2]int{e.Round, e.Seq}] = e.Command
		case report.CheckFinished:
			what := "passed"
			if !e.Passed {
				what = fmt.Sprintf("failed exit %d", e.ExitCode)
				if e.Error != "" {
					what += " / " + e.Error
				}
			}
			out = append(out, fmt.Sprintf("%d.%d %s: %s", e.Round, e.Seq, commands[[2]int{e.Round, e.Seq}], what))
		}
	}
	return out
}

// lastUserText is the text of the last message of request i.
func (m *scriptedModel) lastUserText(t *testing.T, i int) string {
	t.Helper()
	if i >= len(m.reqs) {
		t.Fatalf("only %d requests", len(m.reqs))
	}
	msgs := m.reqs[i].Messages
	last := msgs[len(msgs)-1]
	if last.Role != llm.RoleUser {
		t.Fatalf("request %d ends with a %s message", i+1, last.Role)
	}
	return last.Text()
}

func writeTurn(id string) modelTurn {
	return callsTurn(llm.StopToolUse, call(id, "write_file", map[string]any{"path": id, "content": id}))
}

func TestChecksDecideSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		attempts int
		commands []string
		turns    []modelTurn
		script   []checkTurn
		steps    int
		records  []string
		// notes are the rounds-left phrases of the fix messages, in order.
		notes []string
	}{
		{
			name: "pass the first time", attempts: 2, commands: []string{"go vet ./...", "go test ./..."},
			turns:  []modelTurn{writeTurn("a"), answer("done")},
			script: []checkTurn{passes("go vet ./..."), passes("go test ./...")},
			steps:  2,
			records: []string{
				"1.1 go vet ./...: passed",
				"1.2 go test ./...: passed",
			},
		},
		{
			// Every command runs even after the first one failed, so
			// the model sees all failures of a round at once.
			name: "fail, then fixed within attempts", attempts: 2, commands: []string{"go test ./...", "go vet ./..."},
			turns: []modelTurn{answer("done"), writeTurn("fix"), answer("fixed")},
			script: []checkTurn{
				exits("go test ./...", 1, "--- FAIL: TestGreet\n    greet_test.go:9: got \"hi\", want \"hello\"\nFAIL\n"),
				passes("go vet ./..."),
				passes("go test ./..."), passes("go vet ./..."),
			},
			steps: 3,
			records: []string{
				"1.1 go test ./...: failed exit 1",
				"1.2 go vet ./...: passed",
				"2.1 go test ./...: passed",
				"2.2 go vet ./...: passed",
			},
			notes: []string{"1 round of fixing left after this one"},
		},
		{
			name: "fixed in the last round", attempts: 2, commands: []string{"make check"},
			turns: []modelTurn{answer("done"), answer("done again"), answer("done at last")},
			script: []checkTurn{
				exits("make check", 2, "lint: 3 problems\n"),
				errs("make check", errors.New("timed out after 3m0s"), "=== RUN TestSlow\n"),
				passes("make check"),
			},
			steps: 3,
			records: []string{
				"1.1 make check: failed exit 2",
				"2.1 make check: failed exit -1 / timed out after 3m0s",
				"3.1 make check: passed",
			},
			notes: []string{"1 round of fixing left after this one", "this is the last round"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tasks.ApprovalAutoEdit, 10, tt.turns...).withChecks(tt.attempts, tt.commands...)
			checker := newChecker(t, tt.script...)
			res := f.runDeps(t, t.Context(), Deps{Checker: checker})
			if res.Status != StatusSucceeded || res.Err != nil || res.Steps != tt.steps {
				t.Fatalf("result %+v", res)
			}
			if got := f.rec.checkRecords(); !slices.Equal(got, tt.records) {
				t.Errorf("check records\n got %q\nwant %q", got, tt.records)
			}
			for _, c := range checker.calls {
				if c.timeout != 3*time.Minute {
					t.Errorf("%s ran with timeout %v, want the task's 3m", c.command, c.timeout)
				}
			}
			// Each failed round sent one message, right after the
			// answer the checks judged.
			var notes []string
			for i, req := range f.model.reqs[1:] {
				if last := req.Messages[len(req.Messages)-1]; last.Role == llm.RoleUser && strings.HasPrefix(last.Text(), "(safe-coder) The checks failed: ") {
					notes = append(notes, f.model.lastUserText(t, i+1))
				}
			}
			if len(notes) != len(tt.notes) {
				t.Fatalf("%d fix messages, want %d: %q", len(notes), len(tt.notes), notes)
			}
			for i, want := range tt.notes {
				if !strings.Contains(notes[i], want) {
					t.Errorf("fix message %d lacks %q:\n%s", i+1, want, notes[i])
				}
			}
			kinds := f.rec.kinds()
			if kinds[len(kinds)-3] != "CheckStarted" || kinds[len(kinds)-2] != "CheckFinished" || kinds[len(kinds)-1] != "TaskFinished" {
				t.Errorf("the last check is not recorded right before the task's end: %v", kinds)
			}
		})
	}
}

// The message of a failed round names every failing command with its exit
// code and output, and the passing ones by name only.
func TestChecksFailedMessage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalAutoEdit, 10, answer("done"), answer("fixed")).
		withChecks(1, "go test ./...", "go vet ./...", "make lint")
	checker := newChecker(t,
		exits("go test ./...", 1, "--- FAIL: TestGreet\nFAIL\n"),
		passes("go vet ./..."),
		errs("make lint", errors.New("could not start: no bash or sh found on PATH"), ""),
		passes("go test ./..."), passes("go vet ./..."), passes("make lint"),
	)
	if res := f.runDeps(t, t.Context(), Deps{Checker: checker}); res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	note := f.model.lastUserText(t, 1)
	want := `(safe-coder) The checks failed: "go test ./..." (exit 1), "make lint" (could not start: no bash or sh found on PATH); fix the code so they pass, then answer with a summary of what you changed.

$ go test ./...
exit code: 1 (after 2s)
--- FAIL: TestGreet
FAIL

$ make lint
did not run to its exit: could not start: no bash or sh found on PATH (after 1s)
(no output)

Passed: "go vet ./...".

The checks run again after your answer; this is the last round: if they still fail, the task fails.`
	if note != want {
		t.Errorf("message\n%s\nwant\n%s", note, want)
	}
	// The message is stored like any other.
	var stored bool
	for _, ev := range f.rec.events {
		if m, ok := ev.(report.MessageAdded); ok && m.Step == 1 && strings.Contains(string(m.Content), "The checks failed") {
			stored = true
		}
	}
	if !stored {
		t.Error("the fix message was not recorded")
	}
}

func TestChecksStillFailing(t *testing.T) {
	t.Parallel()
	fail := exits("go test ./...", 1, "FAIL\n")
	tests := []struct {
		name     string
		attempts int
		turns    []modelTurn
		script   []checkTurn
		errText  string
		records  int
	}{
		{"attempts 0: checked once, never retried", 0, []modelTurn{answer("done")},
			[]checkTurn{fail, passes("go vet ./...")},
			`checks failed after 1 round: "go test ./..." (exit 1)`, 2},
		{"attempts 1: one round of fixing", 1, []modelTurn{answer("done"), answer("still done")},
			[]checkTurn{fail, passes("go vet ./..."), fail, passes("go vet ./...")},
			`checks failed after 2 rounds: "go test ./..." (exit 1)`, 4},
		{"a timeout is a failure with its reason", 0, []modelTurn{answer("done")},
			[]checkTurn{errs("go test ./...", errors.New("timed out after 3m0s"), "=== RUN TestSlow\n"), exits("go vet ./...", 2, "vet: bad\n")},
			`checks failed after 1 round: "go test ./..." (timed out after 3m0s), "go vet ./..." (exit 2)`, 2},
		{"a command that cannot start is a failure with its reason", 0, []modelTurn{answer("done")},
			[]checkTurn{errs("go test ./...", errors.New("could not start: exec: \"bash\": not found"), ""), passes("go vet ./...")},
			`checks failed after 1 round: "go test ./..." (could not start: exec: "bash": not found)`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tasks.ApprovalAutoEdit, 10, tt.turns...).withChecks(tt.attempts, "go test ./...", "go vet ./...")
			res := f.runDeps(t, t.Context(), Deps{Checker: newChecker(t, tt.script...)})
			if res.Status != StatusChecksFailed || res.Err == nil || res.Err.Error() != tt.errText {
				t.Fatalf("result %+v, want checks_failed with %q", res, tt.errText)
			}
			if res.Status.ExitCode() != 1 {
				t.Errorf("checks_failed exits %d, want 1", res.Status.ExitCode())
			}
			if res.Steps != len(tt.turns) || res.FinalMessage != tt.turns[len(tt.turns)-1].resp.Message().Text() {
				t.Errorf("steps %d, final message %q", res.Steps, res.FinalMessage)
			}
			if got := len(f.rec.checkRecords()); got != tt.records {
				t.Errorf("%d check records, want %d", got, tt.records)
			}
			fin := f.rec.events[len(f.rec.events)-1].(report.TaskFinished)
			if fin.Status != string(StatusChecksFailed) || fin.Error != tt.errText {
				t.Errorf("finish %+v", fin)
			}
			for _, ev := range f.rec.events {
				if e, ok := ev.(report.CheckFinished); ok && e.Seq == 1 && e.Passed {
					t.Errorf("a failed check recorded as passed: %+v", e)
				}
			}
		})
	}
}

// A round of fixing is a normal part of the loop: steps, budgets and the
// task's timeout still stop it.
func TestChecksFixRoundUnderLimits(t *testing.T) {
	t.Parallel()
	fail := exits("go test ./...", 1, "FAIL\n")
	tests := []struct {
		name    string
		limits  func(l *tasks.Limits)
		turns   []modelTurn
		script  []checkTurn
		limit   string
		steps   int
		commits int
	}{
		{"budget reached by the fixing answer", func(l *tasks.Limits) { l.MaxTokens = 25 },
			// 12 tokens, then 15: the fixing calls reach the budget and
			// do not run.
			[]modelTurn{answer("done"), writeTurn("fix")}, []checkTurn{fail}, "max_tokens", 2, 0},
		{"steps run out while fixing", func(l *tasks.Limits) { l.MaxSteps = 2 },
			[]modelTurn{answer("done"), writeTurn("fix")}, []checkTurn{fail}, "max_steps", 2, 1},
		{"the task's timeout ends the checks", func(l *tasks.Limits) { l.Timeout = 50 * time.Millisecond },
			[]modelTurn{answer("done")},
			[]checkTurn{{command: "go test ./...", during: func(ctx context.Context) { <-ctx.Done() },
				result: CheckResult{ExitCode: -1, Err: errors.New("killed (run cancelled)")}}},
			"timeout", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tasks.ApprovalAutoEdit, 10, tt.turns...).withChecks(3, "go test ./...")
			tt.limits(&f.cfg.Task.Limits)
			res := f.runDeps(t, t.Context(), Deps{Checker: newChecker(t, tt.script...)})
			if res.Status != StatusLimitReached || res.Limit != tt.limit || res.Steps != tt.steps {
				t.Fatalf("result %+v, want limit %s after %d steps", res, tt.limit, tt.steps)
			}
			if len(f.git.commits) != tt.commits {
				t.Errorf("%d commits, want %d", len(f.git.commits), tt.commits)
			}
			fin := f.rec.events[len(f.rec.events)-1].(report.TaskFinished)
			if fin.Status != string(StatusLimitReached) || fin.Limit != tt.limit {
				t.Errorf("finish %+v", fin)
			}
		})
	}
}

// A signal while a check runs ends the task as cancelled: the running
// check is recorded as it ended and no later check starts.
func TestChecksCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	f := newFixture(t, tasks.ApprovalAutoEdit, 10, answer("done")).withChecks(2, "go test ./...", "go vet ./...")
	checker := newChecker(t, checkTurn{command: "go test ./...",
		during: func(context.Context) { cancel(errors.New("SIGINT")) },
		result: CheckResult{ExitCode: -1, Err: errors.New("killed (run cancelled)")}})
	res := f.runDeps(t, ctx, Deps{Checker: checker})
	if res.Status != StatusCancelled || !strings.Contains(res.Err.Error(), `while running check "go test ./..."`) {
		t.Fatalf("result %+v", res)
	}
	if got, want := f.rec.checkRecords(), []string{"1.1 go test ./...: failed exit -1 / killed (run cancelled)"}; !slices.Equal(got, want) {
		t.Errorf("check records %q, want %q", got, want)
	}
	if len(f.model.reqs) != 1 {
		t.Errorf("the model was asked again after the signal: %d requests", len(f.model.reqs))
	}
}

// Check output and errors pass the redactor before the model, the store or
// the error sees them.
func TestChecksRedacted(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-very-secret-value"
	f := newFixture(t, tasks.ApprovalAutoEdit, 10, answer("done"), answer("still done")).withChecks(1, "make deploy-check")
	leak := errs("make deploy-check", errors.New("could not start: token "+secret+" rejected"), "curl: using token "+secret+"\nFAIL\n")
	res := f.runDeps(t, t.Context(), Deps{Checker: newChecker(t, leak, leak), Secrets: secrets.NewRedactor([]string{secret})})
	if res.Status != StatusChecksFailed {
		t.Fatalf("result %+v", res)
	}
	note := f.model.lastUserText(t, 1)
	if strings.Contains(note, secret) || !strings.Contains(note, "curl: using token "+secrets.Marker) {
		t.Errorf("the model saw:\n%s", note)
	}
	if strings.Contains(res.Err.Error(), secret) {
		t.Errorf("the error holds the secret: %v", res.Err)
	}
	var finished int
	for _, ev := range f.rec.events {
		if s := fmt.Sprintf("%+v", ev); strings.Contains(s, secret) {
			t.Errorf("recorded %T holds the secret: %s", ev, s)
		}
		if e, ok := ev.(report.CheckFinished); ok {
			finished++
			if !strings.Contains(e.Output, secrets.Marker) || !strings.Contains(e.Error, secrets.Marker) {
				t.Errorf("check record not redacted as expected: %+v", e)
			}
		}
	}
	if finished != 2 {
		t.Errorf("%d checks recorded, want 2", finished)
	}
}

// What the model is shown of failing checks stays bounded: each output is
// cut to its head and mostly its tail, and many failures share the budget
// of one tool result.
func TestChecksOutputCappedForTheModel(t *testing.T) {
	t.Parallel()
	big := "HEAD\n" + strings.Repeat("x", 1<<20) + "\nTAIL: --- FAIL: TestBig\n"
	tests := []struct {
		name     string
		failures int
		maxNote  int
	}{
		{"one huge output", 1, maxCheckOutputEach + 2<<10},
		{"twenty huge outputs share the budget", 20, maxToolOutput + 8<<10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var commands []string
			var script []checkTurn
			for i := range tt.failures {
				cmd := fmt.Sprintf("check-%d", i)
				commands = append(commands, cmd)
				script = append(script, exits(cmd, 1, big))
			}
			f := newFixture(t, tasks.ApprovalAutoEdit, 10, answer("done"), answer("fixed")).withChecks(1, commands...)
			for _, cmd := range commands {
				script = append(script, passes(cmd))
			}
			if res := f.runDeps(t, t.Context(), Deps{Checker: newChecker(t, script...)}); res.Status != StatusSucceeded {
				t.Fatalf("result %+v", res)
			}
			note := f.model.lastUserText(t, 1)
			if len(note) > tt.maxNote {
				t.Errorf("message is %d bytes, want at most %d", len(note), tt.maxNote)
			}
			if n := strings.Count(note, "TAIL: --- FAIL: TestBig"); n != tt.failures {
				t.Errorf("%d outputs keep their tail, want %d", n, tt.failures)
			}
			if n := strings.Count(note, "bytes of this output omitted by safe-coder"); n != tt.failures {
				t.Errorf("%d cut notices, want %d", n, tt.failures)
			}
		})
	}
}

func TestChecksWiringFailures(t *testing.T) {
	t.Parallel()
	t.Run("no checker", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, tasks.ApprovalAutoEdit, 10, answer("done")).withChecks(2, "go test ./...")
		res := f.runDeps(t, t.Context(), Deps{})
		if res.Status != StatusError || !strings.Contains(res.Err.Error(), "no Checker") {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("the intent cannot be recorded", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, tasks.ApprovalAutoEdit, 10, answer("done")).withChecks(2, "go test ./...")
		// Events: TaskStarted, MessageAdded, StepStarted, ModelAnswered,
		// MessageAdded, StepFinished, CheckStarted ← fails.
		f.rec.failAt = 7
		checker := newChecker(t)
		res := f.runDeps(t, t.Context(), Deps{Checker: checker})
		if res.Status != StatusError || !strings.Contains(res.Err.Error(), "disk full") {
			t.Fatalf("result %+v", res)
		}
		if len(checker.calls) != 0 {
			t.Errorf("a check ran without its intent recorded: %+v", checker.calls)
		}
	})
	t.Run("no checks, no checker needed", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, tasks.ApprovalAutoEdit, 10, answer("done"))
		if res := f.runDeps(t, t.Context(), Deps{}); res.Status != StatusSucceeded {
			t.Fatalf("result %+v", res)
		}
		if got := f.rec.checkRecords(); len(got) != 0 {
			t.Errorf("check records without checks: %q", got)
		}
	})
}
