package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// progressRun is a short run of one task: a step that writes and commits,
// a step whose bash call is denied, a check that passes.
func progressRun() []Event {
	const run, task = "20261126-231131-ab12", "fix"
	events := []Event{
		RunStarted{RunID: run, StartedAt: t0, RepoRoot: "/src/app", TaskFile: "tasks.yaml", Version: "1.0.0",
			BaseCommit: sha('a'), Tasks: []string{task}},
		TaskStarted{RunID: run, Task: task, StartedAt: at(time.Second), Approval: "auto-edit",
			Provider: "anthropic", Model: "claude", Branch: "safe-coder/fix"},
		MessageAdded{RunID: run, Task: task, Step: 0, At: at(time.Second), Role: "user", Content: message("user", "fix it")},
		StepStarted{RunID: run, Task: task, Step: 1, StartedAt: at(2 * time.Second)},
		ModelAnswered{RunID: run, Task: task, Step: 1, At: at(4 * time.Second), StopReason: "tool_use",
			Usage: Usage{InputTokens: 1200, OutputTokens: 340}, CostUSD: usd(0.0058), Attempts: 1},
		MessageAdded{RunID: run, Task: task, Step: 1, At: at(4 * time.Second), Role: "assistant", Content: message("assistant", "I will\nwrite greet.go.")},
	}
	events = append(events, toolCall(run, task, 1, 1, "write_file", OutcomeOK, "", at(4*time.Second))...)
	events = append(events,
		CommitStarted{RunID: run, Task: task, Step: 1, At: at(5 * time.Second)},
		StepFinished{RunID: run, Task: task, Step: 1, FinishedAt: at(5*time.Second + 300*time.Millisecond),
			Commit: sha('b'), Files: []string{"greet.go"}, Insertions: 10, Deletions: 2},
		StepStarted{RunID: run, Task: task, Step: 2, StartedAt: at(6 * time.Second)},
		ModelAnswered{RunID: run, Task: task, Step: 2, At: at(7 * time.Second), StopReason: "tool_use",
			Usage: Usage{InputTokens: 1500, OutputTokens: 60, CacheReadTokens: 900}, CostUSD: usd(0.0036), Attempts: 2},
	)
	events = append(events, toolCall(run, task, 2, 1, "bash", OutcomeDenied, "rm is denied", at(7*time.Second))...)
	events = append(events, StepFinished{RunID: run, Task: task, Step: 2, FinishedAt: at(8 * time.Second)})
	events = append(events, check(run, task, 1, 1, "go test ./...", at(9*time.Second), 1500*time.Millisecond, 0, "", "ok")...)
	events = append(events,
		TaskFinished{RunID: run, Task: task, FinishedAt: at(11 * time.Second), Status: "succeeded", HeadCommit: sha('b')},
		RunFinished{RunID: run, FinishedAt: at(12 * time.Second), Status: "succeeded", Reason: ReasonCompleted},
	)
	return events
}

// memRecorder keeps what it is given; fail makes it refuse one event type.
type memRecorder struct {
	mu     sync.Mutex
	events []Event
	fail   string
}

var errRefused = errors.New("refused")

func (r *memRecorder) Record(_ context.Context, ev Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name := fmt.Sprintf("%T", ev); name == r.fail {
		return fmt.Errorf("%s: %w", name, errRefused)
	}
	r.events = append(r.events, ev)
	return nil
}

// eventTime is the time an event carries.
func eventTime(ev Event) time.Time {
	v := reflect.ValueOf(ev)
	for _, name := range []string{"At", "StartedAt", "FinishedAt"} {
		if f := v.FieldByName(name); f.IsValid() {
			return f.Interface().(time.Time)
		}
	}
	panic(fmt.Sprintf("event %T has no time", ev))
}

// clockLag is how far the fake clock runs ahead of the last event
// recorded, so a live line shows a running time.
const clockLag = 600 * time.Millisecond

// showRun records events through a Progress with opts, writing to a
// buffer; the fake clock reads clockLag after the last event recorded.
// It returns the output and the wrapped recorder.
func showRun(t *testing.T, opts ProgressOptions, events []Event) (string, *memRecorder) {
	t.Helper()
	var out bytes.Buffer
	var now time.Time
	opts.Out = &out
	opts.Now = func() time.Time { return now }
	p, err := NewProgress(opts)
	if err != nil {
		t.Fatalf("NewProgress: %v", err)
	}
	next := &memRecorder{}
	rec := p.Wrap(next)
	for i, ev := range events {
		now = eventTime(ev).Add(clockLag)
		if err := rec.Record(t.Context(), ev); err != nil {
			t.Fatalf("Record event %d (%T): %v", i, ev, err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out.String(), next
}

func TestProgressPlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		verbose bool
		want    []string
	}{
		{
			name: "default",
			want: []string{
				`2026-11-26T23:11:31Z run_started run=20261126-231131-ab12 repo=/src/app task_file=tasks.yaml tasks=fix base=aaaaaaaaaaaa version=1.0.0`,
				`2026-11-26T23:11:32Z [fix] task_started branch=safe-coder/fix provider=anthropic model=claude approval=auto-edit max_steps=20`,
				`2026-11-26T23:11:36Z [fix] step_finished step=1 max_steps=20 tools=write_file tokens_in=1200 tokens_out=340 cost_usd=0.0058 elapsed=3.3s commit=bbbbbbbbbbbb files=1 insertions=10 deletions=2`,
				`2026-11-26T23:11:38Z [fix] tool_finished step=2 seq=1 tool=bash outcome=denied summary="bash rm -rf build" reason="rm is denied" rule="deny: bash(rm *)"`,
				`2026-11-26T23:11:39Z [fix] step_finished step=2 max_steps=20 tools=bash tokens_in=1500 tokens_out=60 cost_usd=0.0036 elapsed=2s`,
				`2026-11-26T23:11:41Z [fix] check_finished round=1 seq=1 command="go test ./..." passed=true exit_code=0 elapsed=1.5s`,
				`2026-11-26T23:11:42Z [fix] task_finished status=succeeded steps=2 tokens_in=2700 tokens_out=400 cost_usd=0.0094 elapsed=10s head=bbbbbbbbbbbb`,
				`2026-11-26T23:11:43Z run_finished run=20261126-231131-ab12 status=succeeded exit_code=0 reason=completed`,
			},
		},
		{
			name:    "verbose",
			verbose: true,
			want: []string{
				`2026-11-26T23:11:31Z run_started run=20261126-231131-ab12 repo=/src/app task_file=tasks.yaml tasks=fix base=aaaaaaaaaaaa version=1.0.0`,
				`2026-11-26T23:11:32Z [fix] task_started branch=safe-coder/fix provider=anthropic model=claude approval=auto-edit max_steps=20`,
				`2026-11-26T23:11:33Z [fix] step_started step=1 max_steps=20`,
				`2026-11-26T23:11:35Z [fix] model_answered step=1 stop_reason=tool_use tokens_in=1200 tokens_out=340 cost_usd=0.0058 attempts=1`,
				`2026-11-26T23:11:35Z [fix] message step=1 role=assistant text="I will write greet.go."`,
				`2026-11-26T23:11:35Z [fix] tool_started step=1 seq=1 tool=write_file input="{\"path\":\"greet.go\"}"`,
				`2026-11-26T23:11:35Z [fix] tool_finished step=1 seq=1 tool=write_file outcome=ok summary="write_file greet.go"`,
				`2026-11-26T23:11:36Z [fix] commit_started step=1`,
				`2026-11-26T23:11:36Z [fix] step_finished step=1 max_steps=20 tools=write_file tokens_in=1200 tokens_out=340 cost_usd=0.0058 elapsed=3.3s commit=bbbbbbbbbbbb files=1 insertions=10 deletions=2`,
				`2026-11-26T23:11:37Z [fix] step_started step=2 max_steps=20`,
				`2026-11-26T23:11:38Z [fix] model_answered step=2 stop_reason=tool_use tokens_in=1500 tokens_out=60 cache_read=900 cost_usd=0.0036 attempts=2`,
				`2026-11-26T23:11:38Z [fix] tool_started step=2 seq=1 tool=bash input="{\"command\":\"rm -rf build\"}"`,
				`2026-11-26T23:11:38Z [fix] tool_finished step=2 seq=1 tool=bash outcome=denied summary="bash rm -rf build" reason="rm is denied" rule="deny: bash(rm *)"`,
				`2026-11-26T23:11:39Z [fix] step_finished step=2 max_steps=20 tools=bash tokens_in=1500 tokens_out=60 cost_usd=0.0036 elapsed=2s`,
				`2026-11-26T23:11:40Z [fix] check_started round=1 seq=1 command="go test ./..."`,
				`2026-11-26T23:11:41Z [fix] check_finished round=1 seq=1 command="go test ./..." passed=true exit_code=0 elapsed=1.5s`,
				`2026-11-26T23:11:42Z [fix] task_finished status=succeeded steps=2 tokens_in=2700 tokens_out=400 cost_usd=0.0094 elapsed=10s head=bbbbbbbbbbbb`,
				`2026-11-26T23:11:43Z run_finished run=20261126-231131-ab12 status=succeeded exit_code=0 reason=completed`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, next := showRun(t, ProgressOptions{Mode: ProgressPlain, Verbose: tt.verbose, Color: true,
				MaxSteps: map[string]int{"fix": 20}}, progressRun())
			if want := strings.Join(tt.want, "\n") + "\n"; got != want {
				t.Errorf("output:\n%s\nwant:\n%s", got, want)
			}
			if strings.ContainsFunc(got, func(r rune) bool { return r != '\n' && needsEscape(r) }) {
				t.Errorf("plain output holds a control character: %q", got)
			}
			if len(next.events) != len(progressRun()) {
				t.Errorf("wrapped recorder got %d events, want %d", len(next.events), len(progressRun()))
			}
		})
	}
}

func TestProgressJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		verbose bool
		// lines are the expected JSON lines by index; the rest are only
		// checked to parse and to carry an event name.
		lines map[int]string
		names []string
	}{
		{
			name: "default",
			lines: map[int]string{
				0: `{"event":"run_started","time":"2026-11-26T23:11:31.000Z","run":"20261126-231131-ab12","repo":"/src/app","task_file":"tasks.yaml","tasks":["fix"],"base":"aaaaaaaaaaaa","version":"1.0.0"}`,
				4: `{"event":"tool_started","time":"2026-11-26T23:11:35.000Z","run":"20261126-231131-ab12","task":"fix","step":1,"seq":1,"tool":"write_file"}`,
				7: `{"event":"step_finished","time":"2026-11-26T23:11:36.300Z","run":"20261126-231131-ab12","task":"fix","step":1,"tools":["write_file"],"tokens_in":1200,"tokens_out":340,"cost_usd":0.0058,"elapsed_ms":3300,"commit":"bbbbbbbbbbbb","files":1,"insertions":10,"deletions":2}`,
			},
			names: []string{"run_started", "task_started", "step_started", "model_answered", "tool_started", "tool_finished", "commit_started",
				"step_finished", "step_started", "model_answered", "tool_started", "tool_finished", "step_finished",
				"check_started", "check_finished", "task_finished", "run_finished"},
		},
		{
			name:    "verbose",
			verbose: true,
			lines: map[int]string{
				4: `{"event":"message","time":"2026-11-26T23:11:35.000Z","run":"20261126-231131-ab12","task":"fix","step":1,"role":"assistant","text":"I will write greet.go."}`,
				5: `{"event":"tool_started","time":"2026-11-26T23:11:35.000Z","run":"20261126-231131-ab12","task":"fix","step":1,"seq":1,"tool":"write_file","input":"{\"path\":\"greet.go\"}"}`,
			},
			names: []string{"run_started", "task_started", "step_started", "model_answered", "message", "tool_started", "tool_finished",
				"commit_started", "step_finished", "step_started", "model_answered", "tool_started", "tool_finished", "step_finished",
				"check_started", "check_finished", "task_finished", "run_finished"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _ := showRun(t, ProgressOptions{Mode: ProgressJSON, Verbose: tt.verbose}, progressRun())
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			var names []string
			for i, line := range lines {
				var obj map[string]any
				if err := json.Unmarshal([]byte(line), &obj); err != nil {
					t.Fatalf("line %d is not JSON: %v\n%s", i, err, line)
				}
				name, _ := obj["event"].(string)
				names = append(names, name)
				if want, ok := tt.lines[i]; ok && line != want {
					t.Errorf("line %d:\n%s\nwant:\n%s", i, line, want)
				}
			}
			if strings.Join(names, " ") != strings.Join(tt.names, " ") {
				t.Errorf("events:\n%v\nwant:\n%v", names, tt.names)
			}
		})
	}
}

func TestProgressJSONUnknownCostIsNull(t *testing.T) {
	t.Parallel()
	events := progressRun()
	for i, ev := range events {
		if a, ok := ev.(ModelAnswered); ok && a.Step == 2 {
			a.CostUSD = nil
			events[i] = a
		}
	}
	got, _ := showRun(t, ProgressOptions{Mode: ProgressJSON}, events)
	var costs []any
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("not JSON: %v: %s", err, line)
		}
		if obj["event"] == "step_finished" || obj["event"] == "task_finished" {
			v, ok := obj["cost_usd"]
			if !ok {
				t.Fatalf("%s has no cost_usd: %s", obj["event"], line)
			}
			costs = append(costs, v)
		}
	}
	want := []any{0.0058, nil, nil}
	if fmt.Sprint(costs) != fmt.Sprint(want) {
		t.Errorf("costs of step 1, step 2, task = %v, want %v", costs, want)
	}
}

func TestProgressLive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts ProgressOptions
		want []string // the output split after each newline and erase
	}{
		{
			name: "no colour",
			opts: ProgressOptions{Width: 120, MaxSteps: map[string]int{"fix": 20}},
			want: []string{
				"run_started run=20261126-231131-ab12 repo=/src/app task_file=tasks.yaml tasks=fix base=aaaaaaaaaaaa version=1.0.0\n",
				"[fix] task_started branch=safe-coder/fix provider=anthropic model=claude approval=auto-edit max_steps=20\n",
				"<erase>[fix] step 1/20 · asking the model · 0 in/0 out · $0.0000 · 600ms …",
				"<erase>[fix] step 1/20 · no tools · 1200 in/340 out · $0.0058 · 2.6s …",
				"<erase>[fix] step 1/20 · no tools · 1200 in/340 out · $0.0058 · 2.6s …",
				"<erase>[fix] step 1/20 · write_file · 1200 in/340 out · $0.0058 · 2.6s …",
				"<erase>[fix] step 1/20 · write_file · 1200 in/340 out · $0.0058 · 2.7s …",
				"<erase>[fix] step 1/20 · write_file · 1200 in/340 out · $0.0058 · 3.6s …",
				"<erase>[fix] step 1/20 · write_file · 1200 in/340 out · $0.0058 · 3.3s · commit bbbbbbbbbbbb +10 -2\n",
				"<erase>[fix] step 2/20 · asking the model · 0 in/0 out · $0.0000 · 600ms …",
				"<erase>[fix] step 2/20 · no tools · 1500 in/60 out · $0.0036 · 1.6s …",
				"<erase>[fix] step 2/20 · bash · 1500 in/60 out · $0.0036 · 1.6s …",
				"<erase>[fix] tool_finished step=2 seq=1 tool=bash outcome=denied summary=\"bash rm -rf build\" reason=\"rm is denied\" rule=\"deny: bash(rm *)\"\n",
				"<erase>[fix] step 2/20 · bash · 1500 in/60 out · $0.0036 · 1.7s …",
				"<erase>[fix] step 2/20 · bash · 1500 in/60 out · $0.0036 · 2s\n",
				"[fix] check_finished round=1 seq=1 command=\"go test ./...\" passed=true exit_code=0 elapsed=1.5s\n",
				"[fix] task_finished status=succeeded steps=2 tokens_in=2700 tokens_out=400 cost_usd=0.0094 elapsed=10s head=bbbbbbbbbbbb\n",
				"run_finished run=20261126-231131-ab12 status=succeeded exit_code=0 reason=completed\n",
			},
		},
		{
			name: "colour",
			opts: ProgressOptions{Width: 120, Color: true},
			want: []string{
				"\x1b[1mrun_started\x1b[0m run=20261126-231131-ab12 repo=/src/app task_file=tasks.yaml tasks=fix base=aaaaaaaaaaaa version=1.0.0\n",
				"[fix] \x1b[1mtask_started\x1b[0m branch=safe-coder/fix provider=anthropic model=claude approval=auto-edit\n",
				"<erase>\x1b[1;36m[fix] step 1\x1b[0m · asking the model · 0 in/0 out · $0.0000 · 600ms …",
				"<erase>\x1b[1;36m[fix] step 1\x1b[0m · no tools · 1200 in/340 out · $0.0058 · 2.6s …",
				"<erase>\x1b[1;36m[fix] step 1\x1b[0m · no tools · 1200 in/340 out · $0.0058 · 2.6s …",
				"<erase>\x1b[1;36m[fix] step 1\x1b[0m · write_file · 1200 in/340 out · $0.0058 · 2.6s …",
				"<erase>\x1b[1;36m[fix] step 1\x1b[0m · write_file · 1200 in/340 out · $0.0058 · 2.7s …",
				"<erase>\x1b[1;36m[fix] step 1\x1b[0m · write_file · 1200 in/340 out · $0.0058 · 3.6s …",
				"<erase>\x1b[32m[fix] step 1\x1b[0m · write_file · 1200 in/340 out · $0.0058 · 3.3s · commit bbbbbbbbbbbb +10 -2\n",
				"<erase>\x1b[1;36m[fix] step 2\x1b[0m · asking the model · 0 in/0 out · $0.0000 · 600ms …",
				"<erase>\x1b[1;36m[fix] step 2\x1b[0m · no tools · 1500 in/60 out · $0.0036 · 1.6s …",
				"<erase>\x1b[1;36m[fix] step 2\x1b[0m · bash · 1500 in/60 out · $0.0036 · 1.6s …",
				"<erase>[fix] \x1b[33mtool_finished\x1b[0m step=2 seq=1 tool=bash outcome=denied summary=\"bash rm -rf build\" reason=\"rm is denied\" rule=\"deny: bash(rm *)\"\n",
				"<erase>\x1b[1;36m[fix] step 2\x1b[0m · bash · 1500 in/60 out · $0.0036 · 1.7s …",
				"<erase>\x1b[32m[fix] step 2\x1b[0m · bash · 1500 in/60 out · $0.0036 · 2s\n",
				"[fix] \x1b[32mcheck_finished\x1b[0m round=1 seq=1 command=\"go test ./...\" passed=true exit_code=0 elapsed=1.5s\n",
				"[fix] \x1b[32mtask_finished\x1b[0m status=succeeded steps=2 tokens_in=2700 tokens_out=400 cost_usd=0.0094 elapsed=10s head=bbbbbbbbbbbb\n",
				"\x1b[32mrun_finished\x1b[0m run=20261126-231131-ab12 status=succeeded exit_code=0 reason=completed\n",
			},
		},
		{
			name: "narrow verbose",
			opts: ProgressOptions{Width: 40, Verbose: true},
			want: []string{
				"run_started run=20261126-231131-ab12 repo=/src/app task_file=tasks.yaml tasks=fix base=aaaaaaaaaaaa version=1.0.0\n",
				"[fix] task_started branch=safe-coder/fix provider=anthropic model=claude approval=auto-edit\n",
				"<erase>[fix] step 1 · asking the model · 0 in…",
				"<erase>[fix] model_answered step=1 stop_reason=tool_use tokens_in=1200 tokens_out=340 cost_usd=0.0058 attempts=1\n",
				"<erase>[fix] step 1 · no tools · 1200 in/340 …",
				"<erase>[fix] message step=1 role=assistant text=\"I will write greet.go.\"\n",
				"<erase>[fix] step 1 · no tools · 1200 in/340 …",
				"<erase>[fix] tool_started step=1 seq=1 tool=write_file input=\"{\\\"path\\\":\\\"greet.go\\\"}\"\n",
				"<erase>[fix] step 1 · write_file · 1200 in/34…",
				"<erase>[fix] tool_finished step=1 seq=1 tool=write_file outcome=ok summary=\"write_file greet.go\"\n",
				"<erase>[fix] step 1 · write_file · 1200 in/34…",
				"<erase>[fix] commit_started step=1\n",
				"<erase>[fix] step 1 · write_file · 1200 in/34…",
				"<erase>[fix] step 1 · write_file · 1200 in/34…\n",
				"<erase>[fix] step 2 · asking the model · 0 in…",
				"<erase>[fix] model_answered step=2 stop_reason=tool_use tokens_in=1500 tokens_out=60 cache_read=900 cost_usd=0.0036 attempts=2\n",
				"<erase>[fix] step 2 · no tools · 1500 in/60 o…",
				"<erase>[fix] tool_started step=2 seq=1 tool=bash input=\"{\\\"command\\\":\\\"rm -rf build\\\"}\"\n",
				"<erase>[fix] step 2 · bash · 1500 in/60 out ·…",
				"<erase>[fix] tool_finished step=2 seq=1 tool=bash outcome=denied summary=\"bash rm -rf build\" reason=\"rm is denied\" rule=\"deny: bash(rm *)\"\n",
				"<erase>[fix] step 2 · bash · 1500 in/60 out ·…",
				"<erase>[fix] step 2 · bash · 1500 in/60 out ·…\n",
				"[fix] check_started round=1 seq=1 command=\"go test ./...\"\n",
				"[fix] check_finished round=1 seq=1 command=\"go test ./...\" passed=true exit_code=0 elapsed=1.5s\n",
				"[fix] task_finished status=succeeded steps=2 tokens_in=2700 tokens_out=400 cost_usd=0.0094 elapsed=10s head=bbbbbbbbbbbb\n",
				"run_finished run=20261126-231131-ab12 status=succeeded exit_code=0 reason=completed\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.Mode = ProgressLive
			got, _ := showRun(t, tt.opts, progressRun())
			parts := liveParts(got)
			if !reflect.DeepEqual(parts, tt.want) {
				t.Errorf("output:\n%q\nwant:\n%q", parts, tt.want)
			}
		})
	}
}

// liveParts splits live output into what each write left on screen: at
// every erase and after every newline.
func liveParts(s string) []string {
	var parts []string
	for _, chunk := range strings.SplitAfter(s, "\n") {
		for i, p := range strings.Split(chunk, eraseLine) {
			if i > 0 {
				p = "<erase>" + p
			}
			if p != "" {
				parts = append(parts, p)
			}
		}
	}
	return parts
}

func TestProgressLog(t *testing.T) {
	t.Parallel()
	step := StepStarted{RunID: "r", Task: "fix", Step: 1, StartedAt: t0}
	tests := []struct {
		name string
		mode ProgressMode
		want string
	}{
		{name: "plain passes lines through, escaped", mode: ProgressPlain,
			want: "[fix] step 1: bash \\x1b[31mred → exit 1\n[fix] no newline yet\n"},
		{name: "live prints above the live line", mode: ProgressLive,
			want: eraseLine + "[fix] step 1 · asking the model · 0 in/0 out · $0.0000 · 2s …" +
				eraseLine + "[fix] step 1: bash \\x1b[31mred → exit 1\n" +
				eraseLine + "[fix] step 1 · asking the model · 0 in/0 out · $0.0000 · 2s …" +
				eraseLine + "[fix] no newline yet\n" +
				eraseLine + "[fix] step 1 · asking the model · 0 in/0 out · $0.0000 · 2s …" +
				eraseLine + "[fix] step 1 · asking the model · 0 in/0 out · $0.0000 · 2s …\n"},
		{name: "json makes log events", mode: ProgressJSON,
			want: `{"event":"step_started","time":"2026-11-26T23:11:31.000Z","run":"r","task":"fix","step":1}` + "\n" +
				`{"event":"log","time":"2026-11-26T23:11:33.000Z","task":"fix","msg":"step 1: bash \u001b[31mred → exit 1"}` + "\n" +
				`{"event":"log","time":"2026-11-26T23:11:33.000Z","task":"fix","msg":"no newline yet"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			p, err := NewProgress(ProgressOptions{Out: &out, Mode: tt.mode, Now: func() time.Time { return at(2 * time.Second) }})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Wrap(&memRecorder{}).Record(t.Context(), step); err != nil {
				t.Fatal(err)
			}
			// The runner writes whole lines, other writers may not.
			for _, chunk := range []string{"[fix] step 1: bash \x1b[31mred", " → exit 1\r\n[fix] no newline yet"} {
				if n, err := p.Log().Write([]byte(chunk)); err != nil || n != len(chunk) {
					t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(chunk))
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("output:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

func TestProgressShowsOnlyWhatWasRecorded(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p, err := NewProgress(ProgressOptions{Out: &out, Mode: ProgressPlain})
	if err != nil {
		t.Fatal(err)
	}
	next := &memRecorder{fail: "report.RunFinished"}
	rec := p.Wrap(next)
	if err := rec.Record(t.Context(), RunResumed{RunID: "r", At: t0}); err != nil {
		t.Fatalf("Record RunResumed: %v", err)
	}
	err = rec.Record(t.Context(), RunFinished{RunID: "r", FinishedAt: t0, Status: "succeeded"})
	if !errors.Is(err, errRefused) {
		t.Fatalf("Record RunFinished = %v, want the wrapped recorder's error", err)
	}
	if got, want := out.String(), "2026-11-26T23:11:31Z run_resumed run=r\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	if len(next.events) != 1 {
		t.Errorf("wrapped recorder holds %d events, want 1", len(next.events))
	}
}

func TestProgressRefresh(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	now := at(1500 * time.Millisecond)
	p, err := NewProgress(ProgressOptions{Out: &out, Mode: ProgressLive, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	p.Refresh() // no step under way: nothing to draw
	if err := p.Wrap(&memRecorder{}).Record(t.Context(), StepStarted{RunID: "r", Task: "fix", Step: 1, StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	now = at(75 * time.Second)
	p.Refresh()
	want := eraseLine + "[fix] step 1 · asking the model · 0 in/0 out · $0.0000 · 1.5s …" +
		eraseLine + "[fix] step 1 · asking the model · 0 in/0 out · $0.0000 · 1m15s …"
	if got := out.String(); got != want {
		t.Errorf("output:\n%q\nwant:\n%q", got, want)
	}
}

func TestProgressEscapesControls(t *testing.T) {
	t.Parallel()
	const evil = "x\x1b]0;pwned\x07\u202ey\n"
	ev := TaskFinished{RunID: "r", Task: "t", FinishedAt: t0, Status: "error", Error: evil}
	tests := []struct {
		mode ProgressMode
		want string
	}{
		{ProgressPlain, `error="x\x1b]0;pwned\a\u202ey\n"`},
		{ProgressLive, `error="x\x1b]0;pwned\a\u202ey\n"`},
		{ProgressJSON, `"error":"x\u001b]0;pwned\u0007\u202ey\n"`},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			got, _ := showRun(t, ProgressOptions{Mode: tt.mode}, []Event{ev})
			if !strings.Contains(got, tt.want) {
				t.Errorf("output %q lacks %q", got, tt.want)
			}
			if strings.ContainsFunc(got, func(r rune) bool { return r != '\n' && needsEscape(r) }) {
				t.Errorf("output holds a raw control character: %q", got)
			}
		})
	}
}

func TestParseProgressMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ProgressMode
		err  bool
	}{
		{"live", ProgressLive, false},
		{"plain", ProgressPlain, false},
		{"json", ProgressJSON, false},
		{"auto", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseProgressMode(tt.in)
		if got != tt.want || (err != nil) != tt.err || (err != nil && !errors.Is(err, ErrProgressMode)) {
			t.Errorf("ParseProgressMode(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	if _, err := NewProgress(ProgressOptions{Mode: "fancy"}); !errors.Is(err, ErrProgressMode) {
		t.Errorf("NewProgress(fancy) = %v, want ErrProgressMode", err)
	}
}
