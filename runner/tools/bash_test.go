package tools

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// testEnv is a scrubbed environment that still finds the usual programs.
func testEnv() []string {
	return CommandEnv([]string{"PATH=" + os.Getenv("PATH")}, EnvOptions{})
}

func TestBashExit(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "noexec.sh", "#!/bin/sh\necho no\n")
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	tests := []struct {
		command     string
		wantContent string
		wantError   bool
		wantSummary string
	}{
		{"echo hello", "exit code: 0\nhello\n", false, "bash: echo hello → exit 0"},
		{"true", "exit code: 0\n(no output)\n", false, "bash: true → exit 0"},
		{"echo out; echo err >&2; exit 1", "exit code: 1\nout\nerr\n", true, "bash: echo out; echo err >&2; exit 1 → exit 1"},
		{"./noexec.sh", "exit code: 126\n", true, "bash: ./noexec.sh → exit 126"},
		{"no-such-command-xyz", "exit code: 127\n", true, "bash: no-such-command-xyz → exit 127"},
		{"kill -SEGV $$", "signal: SEGV\n", true, "bash: kill -SEGV $$ → signal SEGV"},
		{"cat", "exit code: 0\n(no output)\n", false, "bash: cat → exit 0"},
		{"printf 'a\\377b'", "exit code: 0\na\uFFFDb", false, ""},
		{"echo one\necho two", "exit code: 0\none\ntwo\n", false, "bash: echo one … → exit 0"},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r := run(t, tb, Bash, map[string]any{"command": tt.command, "timeout_s": 5})
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			if !strings.HasPrefix(r.Content, tt.wantContent) {
				t.Errorf("content = %q, want prefix %q", r.Content, tt.wantContent)
			}
			if r.IsError != tt.wantError {
				t.Errorf("IsError = %v, want %v", r.IsError, tt.wantError)
			}
			if tt.wantSummary != "" && r.Summary != tt.wantSummary {
				t.Errorf("summary = %q, want %q", r.Summary, tt.wantSummary)
			}
			if !utf8.ValidString(r.Content) {
				t.Error("content is not valid UTF-8")
			}
		})
	}
}

func TestBashWorkingDirectory(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	r := mustSucceed(t, run(t, tb, Bash, map[string]any{"command": "pwd -P"}))
	want, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	if r.Content != "exit code: 0\n"+want+"\n" {
		t.Errorf("content = %q, want the root %s", r.Content, want)
	}
}

// alive reports whether pid is a running process. A zombie counts as
// gone: it has exited and only waits for a parent that may never reap it
// (PID 1 in a container often does not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// pidFrom reads a pid written by a test command.
func pidFrom(t *testing.T, root, rel string) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(read(t, root, rel)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitGone fails the test unless pid ends within a second.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	t.Errorf("process %d outlived the call", pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

func TestBashTimeoutKillsGroup(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	start := time.Now()
	r := run(t, tb, Bash, map[string]any{"command": "sleep 1000 & echo $! > bg.pid; echo started; sleep 1000", "timeout_s": 1})
	elapsed := time.Since(start)
	if elapsed < time.Second || elapsed > 3*time.Second {
		t.Errorf("returned after %v, want about 1s", elapsed)
	}
	mustFail(t, r, "killed by signal: KILL (timeout after 1s)\nstarted\n")
	if r.Summary != "bash: sleep 1000 & echo $! > bg.pid; echo started; sleep 1000 → killed (timeout after 1s)" {
		t.Errorf("summary = %q", r.Summary)
	}
	waitGone(t, pidFrom(t, root, "bg.pid"))
}

// TestBashTimeoutCapped proves timeout_s cannot exceed the configured
// maximum.
func TestBashTimeoutCapped(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv(), BashTimeout: 500 * time.Millisecond})
	start := time.Now()
	r := run(t, tb, Bash, map[string]any{"command": "sleep 30", "timeout_s": 1e300})
	if time.Since(start) > 2*time.Second {
		t.Errorf("returned after %v, want about 0.5s", time.Since(start))
	}
	mustFail(t, r, "killed by signal: KILL (timeout after 500ms)")
}

// TestBashBackgroundDoesNotHold checks that a background job holding the
// output pipe neither delays the result nor outlives the call, and that on
// Linux the model is told it was killed.
func TestBashBackgroundDoesNotHold(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	start := time.Now()
	r := mustSucceed(t, run(t, tb, Bash, map[string]any{"command": "sleep 30 & echo $! > bg.pid; echo done", "timeout_s": 10}))
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("returned after %v", elapsed)
	}
	if want := "exit code: 0\ndone\n" + linuxNote(1); r.Content != want {
		t.Errorf("content = %q, want %q", r.Content, want)
	}
	waitGone(t, pidFrom(t, root, "bg.pid"))
}

// linuxNote is the note on n killed leftovers where they can be counted.
func linuxNote(n int) string {
	if runtime.GOOS != "linux" {
		return ""
	}
	return leftoverNote(n)
}

// TestBashEscapedGrandchild: a process that left the group (setsid) cannot
// be killed with it, and holds the pipe; the call must still return. On
// Linux its marker gets it killed (leftovers_test.go tests that in depth).
func TestBashEscapedGrandchild(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	start := time.Now()
	r := mustSucceed(t, run(t, tb, Bash, map[string]any{"command": "setsid sleep 30 & echo $! > esc.pid; echo done", "timeout_s": 10}))
	t.Cleanup(func() { _ = syscall.Kill(pidFrom(t, root, "esc.pid"), syscall.SIGKILL) })
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %v", elapsed)
	}
	if want := "exit code: 0\ndone\n" + linuxNote(1); r.Content != want {
		t.Errorf("content = %q, want %q", r.Content, want)
	}
}

func TestBashCancelled(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	r := tb.Exec(ctx, callOf(t, Bash, map[string]any{"command": "sleep 30 & echo $! > bg.pid; sleep 30"}))
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %v", elapsed)
	}
	mustFail(t, r, "stopped: the run was cancelled while the command ran")
	waitGone(t, pidFrom(t, root, "bg.pid"))
}

// When the run stops, a command's group gets SIGTERM first, so it can
// clean up, and SIGKILL only if it lingers past the grace period.
func TestBashCancelledTermThenKill(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	r := tb.Exec(ctx, callOf(t, Bash, map[string]any{"command": "trap 'echo cleaned > cleaned.txt; exit 0' TERM; sleep 30 & wait"}))
	mustFail(t, r, "stopped: the run was cancelled")
	if data, err := os.ReadFile(filepath.Join(root, "cleaned.txt")); err != nil || string(data) != "cleaned\n" {
		t.Errorf("the command got no SIGTERM to clean up on: %q %v", data, err)
	}

	// The twin: a command that ignores SIGTERM is killed after the grace.
	ctx2, cancel2 := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel2)
	start := time.Now()
	r = tb.Exec(ctx2, callOf(t, Bash, map[string]any{"command": "trap '' TERM; echo $$ > stubborn.pid; while :; do sleep 0.1; done"}))
	mustFail(t, r, "signal: KILL")
	if elapsed := time.Since(start); elapsed < stopGrace {
		t.Errorf("killed after %v, before the %v grace", elapsed, stopGrace)
	}
	waitGone(t, pidFrom(t, root, "stubborn.pid"))
}

func TestBashOutputBounded(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv(), MaxOutput: 1000})
	// 5 MB on one line between two markers, written by several processes.
	cmd := "printf HEAD; head -c 5000000 /dev/zero | tr '\\0' x; printf TAIL"
	r := mustSucceed(t, run(t, tb, Bash, map[string]any{"command": cmd}))
	want := "exit code: 0\nHEAD" + strings.Repeat("x", 496) + "\n[… 4999008 bytes omitted …]\n" + strings.Repeat("x", 496) + "TAIL"
	if r.Content != want {
		t.Errorf("content = %q…%q (%d bytes), want %d bytes", firstBytes(r.Content)[:60], r.Content[max(0, len(r.Content)-60):], len(r.Content), len(want))
	}
}

func TestBashEnvironment(t *testing.T) {
	// Not parallel: it sets a variable in the test process's environment
	// to prove the command does not inherit it.
	t.Setenv("SAFE_CODER_TEST_INHERITED", "leak")
	root := newRepo(t)
	env := CommandEnv([]string{
		"PATH=" + os.Getenv("PATH"),
		"MY_API_KEY=s3cret-key",
		"DEPLOY_PASSWORD=s3cret-pw",
		"CUSTOM_CRED=s3cret-custom",
		"PAGER=less",
		"CI=false",
		"VISIBLE=yes",
	}, EnvOptions{Secrets: []string{"CUSTOM_CRED"}})
	tests := []struct {
		name   string
		env    []string
		want   []string
		absent []string
	}{
		{"scrubbed", env,
			[]string{"PAGER=cat", "GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=true", "CI=1", "VISIBLE=yes", "NO_COLOR=1"},
			[]string{"s3cret", "PAGER=less", "CI=\"false\"", "SAFE_CODER_TEST_INHERITED"}},
		{"nil means empty", nil, nil, []string{"SAFE_CODER_TEST_INHERITED", "VISIBLE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newToolbox(t, Options{Root: root, Env: tt.env, BashTimeout: 5 * time.Second})
			// export -p is a builtin, so it works without PATH.
			r := mustSucceed(t, run(t, tb, Bash, map[string]any{"command": "export -p"}))
			for _, w := range tt.want {
				k, v, _ := strings.Cut(w, "=")
				if !strings.Contains(r.Content, fmt.Sprintf("%s=%q", k, v)) {
					t.Errorf("%s missing from:\n%s", w, r.Content)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(r.Content, a) {
					t.Errorf("%s present in:\n%s", a, r.Content)
				}
			}
		})
	}
}

func TestBashRefuses(t *testing.T) {
	t.Parallel()
	tb := newToolbox(t, Options{Root: newRepo(t), Env: testEnv()})
	tests := []struct {
		input map[string]any
		want  string
	}{
		{map[string]any{"command": "  "}, "command is empty"},
		{map[string]any{"command": "true", "timeout_s": 0}, `field "timeout_s" must be greater than 0`},
		{map[string]any{"command": "true", "timeout_s": "5"}, `field "timeout_s" must be a number, got string`},
		{map[string]any{"cmd": "true"}, `unknown field "cmd"; bash accepts command (required), timeout_s`},
	}
	for _, tt := range tests {
		mustFail(t, run(t, tb, Bash, tt.input), tt.want)
	}
}

// TestBashGigabyteOutput streams 1 GB through the bash tool: the call
// returns within seconds, memory stays at the head and tail buffer (the
// bytes allocated while it runs are a tiny fraction of the output), and
// the count of dropped bytes is exact.
//
// Not parallel, so that the allocation count is this call's alone.
func TestBashGigabyteOutput(t *testing.T) {
	const size = 1_000_000_000
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv(), BashTimeout: 30 * time.Second})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := mustSucceed(t, run(t, tb, Bash, map[string]any{
		"command": fmt.Sprintf("printf HEAD; head -c %d /dev/zero | tr '\\0' x; printf TAIL", size),
	}))
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	t.Logf("1 GB of output in %v, %d bytes allocated", elapsed, after.TotalAlloc-before.TotalAlloc)
	if elapsed > 10*time.Second {
		t.Errorf("took %v", elapsed)
	}
	half := DefaultMaxOutput / 2
	want := "exit code: 0\nHEAD" + strings.Repeat("x", half-4) +
		fmt.Sprintf("\n[… %d bytes omitted …]\n", size+8-DefaultMaxOutput) +
		strings.Repeat("x", half-4) + "TAIL"
	if r.Content != want {
		t.Errorf("content = %q (%d bytes), want %q (%d bytes)", firstBytes(r.Content), len(r.Content), firstBytes(want), len(want))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d bytes for 1 GB of output; the buffer is not bounded", alloc)
	}
}

// TestBashStdinReaders: commands that read stdin see end of input at once
// instead of waiting for a terminal nobody is at.
func TestBashStdinReaders(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	tests := []struct {
		command, want string
		wantError     bool
	}{
		{"cat", "exit code: 0\n(no output)\n", false},
		{"read x; echo \"read: $? [$x]\"", "exit code: 0\nread: 1 []\n", false},
		{"head -n 1; echo done", "exit code: 0\ndone\n", false},
		{"read -p 'Continue? ' answer || exit 3", "exit code: 3\n", true},
		{"wc -c", "exit code: 0\n0\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r := run(t, tb, Bash, map[string]any{"command": tt.command, "timeout_s": 10})
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("returned after %v", elapsed)
			}
			if !strings.HasPrefix(r.Content, tt.want) || r.IsError != tt.wantError {
				t.Errorf("content = %q, IsError = %v; want prefix %q, %v", r.Content, r.IsError, tt.want, tt.wantError)
			}
		})
	}
}

// RunCommand runs a check with bash's process rules and its own timeout.
func TestRunCommand(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	box, err := New(Options{Root: root, BashTimeout: time.Second, Env: CommandEnv(os.Environ(), EnvOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	tests := []struct {
		command  string
		timeout  time.Duration
		exit     int
		timedOut bool
		output   string
	}{
		{"echo ok", time.Minute, 0, false, "ok\n"},
		{"echo bad >&2; exit 3", time.Minute, 3, false, "bad\n"},
		// Longer than the bash tool's own 1s: the check's timeout counts.
		{"sleep 1.5; echo late", time.Minute, 0, false, "late\n"},
		{"sleep 30", 200 * time.Millisecond, -1, true, "(no output)\n"},
		{"cat; echo stdin-closed", time.Minute, 0, false, "stdin-closed\n"},
	}
	for _, tt := range tests {
		res, err := box.RunCommand(t.Context(), tt.command, tt.timeout)
		if err != nil {
			t.Fatalf("%q: %v", tt.command, err)
		}
		if res.ExitCode != tt.exit || res.TimedOut != tt.timedOut || res.Output != tt.output {
			t.Errorf("%q: %+v, want exit %d timedOut %v output %q", tt.command, res, tt.exit, tt.timedOut, tt.output)
		}
	}
}
