package tools

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needMarkers skips tests of the leftover hunt where it cannot work.
func needMarkers(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("leftovers are found through /proc/<pid>/environ, which only Linux has; elsewhere a process that leaves the group survives the call (docs/security.md)")
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid on PATH to make a process leave its group")
	}
}

// markedPids returns the live processes whose environment holds the entry
// marker, read from /proc independently of the code under test.
func markedPids(t *testing.T, marker string) []int {
	t.Helper()
	if !strings.HasPrefix(marker, markerVar+"=") || len(marker) < len(markerVar)+20 {
		t.Fatalf("marker %q is not %s=<random id>", marker, markerVar)
	}
	names, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, d := range names {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + d.Name() + "/environ")
		if err != nil {
			continue
		}
		if slices.ContainsFunc(bytes.Split(env, []byte{0}), func(e []byte) bool { return string(e) == marker }) && alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// markerOf reads the marker a test command saved with
// `echo $SAFE_CODER_CALL > marker`.
func markerOf(t *testing.T, root string) string {
	t.Helper()
	return markerVar + "=" + strings.TrimSpace(read(t, root, "marker"))
}

// noneMarked fails the test if a process of the call survived it, and
// kills those that did.
func noneMarked(t *testing.T, marker string) {
	t.Helper()
	for _, pid := range markedPids(t, marker) {
		t.Errorf("process %d with %s outlived the call", pid, marker)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// TestBashLeftoversKilled: processes that leave the command's process group
// (setsid, nohup and setsid, a double-forking daemon) or stay in it in the
// background are killed by their marker when the call ends, and the model
// is told.
func TestBashLeftoversKilled(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	tests := []struct {
		name, command string
		// exact is the exact number of leftovers, or 0 for "at least one"
		// where a shell may or may not fork before exec.
		exact int
	}{
		{"setsid", "setsid sleep 300 & echo $! > esc.pid", 1},
		{"nohup", "nohup sh -c 'sleep 300' >/dev/null 2>&1 & echo $! > esc.pid", 0},
		{"nohup setsid", "nohup setsid sh -c 'sleep 300' >/dev/null 2>&1 & echo $! > esc.pid", 0},
		// The classic daemon: fork, setsid, fork again, the middle exits,
		// the grandchild is adopted by init in a session of its own. The
		// command waits for its pid so the daemon is surely running.
		{"double fork", "( setsid sh -c 'sleep 300 & echo $! > esc.pid' & ); while [ ! -s esc.pid ]; do sleep 0.01; done", 0},
		// Escapees holding the output pipe: the call neither waits for
		// them nor lets them live.
		{"setsid holding the pipe", "setsid sh -c 'echo $$ > esc.pid; exec sleep 300' & while [ ! -s esc.pid ]; do sleep 0.01; done", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := newRepo(t)
			tb := newToolbox(t, Options{Root: root, Env: testEnv()})
			start := time.Now()
			r := mustSucceed(t, run(t, tb, Bash, map[string]any{
				"command": "echo $SAFE_CODER_CALL > marker; " + tt.command + "; echo done", "timeout_s": 10,
			}))
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("returned after %v", elapsed)
			}
			marker := markerOf(t, root)
			noneMarked(t, marker)
			if pid := pidFrom(t, root, "esc.pid"); alive(pid) {
				t.Errorf("escaped process %d is alive", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			if !strings.HasPrefix(r.Content, "exit code: 0\ndone\n[") {
				t.Errorf("content = %q", r.Content)
			}
			if tt.exact != 0 {
				want := "exit code: 0\ndone\n" + leftoverNote(tt.exact)
				if r.Content != want {
					t.Errorf("content = %q, want %q", r.Content, want)
				}
				if !strings.HasSuffix(r.Summary, "→ exit 0, 1 leftover killed") {
					t.Errorf("summary = %q", r.Summary)
				}
			} else if !strings.Contains(r.Content, "the command left running w") {
				t.Errorf("content does not tell of the leftovers: %q", r.Content)
			}
			if strings.Contains(r.Content, marker) {
				t.Errorf("content shows the marker: %q", r.Content)
			}
		})
	}
}

// TestBashLeftoverRespawns: a leftover that answers SIGTERM by starting a
// new escapee does not outlast the hunt: it ends in SIGKILL.
func TestBashLeftoverRespawns(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	root := newRepo(t)
	// On SIGTERM it starts a copy of itself in a new session and exits
	// only once the copy has set its own trap (and written its pid), so
	// every SIGTERM of the hunt meets a ready successor.
	put(t, root, "respawn.sh", `trap 'n=$(wc -l < pids); setsid sh ./respawn.sh & while [ "$(wc -l < pids)" -le "$n" ]; do sleep 0.005; done; exit 0' TERM
echo $$ >> pids
while :; do sleep 0.01; done
`)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	start := time.Now()
	r := mustSucceed(t, run(t, tb, Bash, map[string]any{
		"command": "echo $SAFE_CODER_CALL > marker; setsid sh ./respawn.sh & while [ ! -s pids ]; do sleep 0.01; done; echo done",
	}))
	if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
		t.Errorf("returned after %v", elapsed)
	}
	if !strings.HasPrefix(r.Content, "exit code: 0\ndone\n") || !strings.Contains(r.Content, "processes the command left running were killed") {
		t.Errorf("content = %q", r.Content)
	}
	noneMarked(t, markerOf(t, root))
	for pid := range strings.FieldsSeq(read(t, root, "pids")) {
		if n, _ := strconv.Atoi(pid); alive(n) {
			t.Errorf("respawned process %d is alive", n)
			_ = syscall.Kill(n, syscall.SIGKILL)
		}
	}
}

// TestBashNoLeftovers is the twin: a command whose processes all ended
// kills nothing and says nothing about leftovers.
func TestBashNoLeftovers(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	for _, cmd := range []string{
		"echo done",
		"sleep 0.05 & wait; echo done",
		"setsid sh -c 'exit 0' & wait; echo done",
	} {
		r := mustSucceed(t, run(t, tb, Bash, map[string]any{"command": "echo $SAFE_CODER_CALL > marker; " + cmd}))
		if r.Content != "exit code: 0\ndone\n" || strings.Contains(r.Summary, "leftover") {
			t.Errorf("%q: content = %q, summary = %q", cmd, r.Content, r.Summary)
		}
		noneMarked(t, markerOf(t, root))
	}
}

// TestBashLeftoversAfterTimeout: when the timeout kills the group, the
// processes outside it are hunted too, and only they are counted.
func TestBashLeftoversAfterTimeout(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	start := time.Now()
	r := run(t, tb, Bash, map[string]any{
		"command":   "echo $SAFE_CODER_CALL > marker; setsid sleep 300 & sleep 300 & echo started; sleep 300",
		"timeout_s": 0.5,
	})
	if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
		t.Errorf("returned after %v, want about 0.5s", elapsed)
	}
	mustFail(t, r, "killed by signal: KILL (timeout after 500ms)\nstarted\n"+leftoverNote(1))
	noneMarked(t, markerOf(t, root))
}

// TestBashLeftoversAfterCancel: when the run stops, escapees die too.
func TestBashLeftoversAfterCancel(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	r := tb.Exec(ctx, callOf(t, Bash, map[string]any{"command": "echo $SAFE_CODER_CALL > marker; setsid sleep 300 & sleep 30"}))
	if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
		t.Errorf("returned after %v", elapsed)
	}
	mustFail(t, r, "stopped: the run was cancelled", leftoverNote(1))
	noneMarked(t, markerOf(t, root))
}

// TestBashLeftoversNested: a runner running as another runner's command
// adds its call ID to the inherited marker instead of replacing it, so the
// outer runner still finds what the inner one's commands leave.
func TestBashLeftoversNested(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	root := newRepo(t)
	env := append(testEnv(), markerVar+"=OUTERCALLID")
	tb := newToolbox(t, Options{Root: root, Env: env})
	r := mustSucceed(t, run(t, tb, Bash, map[string]any{"command": "echo $SAFE_CODER_CALL > marker; setsid sleep 300 & echo done"}))
	if r.Content != "exit code: 0\ndone\n"+leftoverNote(1) {
		t.Errorf("content = %q", r.Content)
	}
	marker := markerOf(t, root)
	if !strings.HasPrefix(marker, markerVar+"=OUTERCALLID,") {
		t.Errorf("marker %q lost the outer call's ID", marker)
	}
	noneMarked(t, marker)
}

// TestLeftoversSparesOthers is the twin of the hunt: processes of the same
// user without the call's marker — none at all, or another call's — are
// never touched, even when they left their group too.
func TestLeftoversSparesOthers(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	var bystanders []*exec.Cmd
	for _, env := range [][]string{
		{"PATH=" + os.Getenv("PATH")},
		{"PATH=" + os.Getenv("PATH"), markerVar + "=another-call"},
		{"PATH=" + os.Getenv("PATH"), markerVar + "=outer-call,another-call"},
	} {
		c := exec.Command("sleep", "300")
		c.Env = env
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
		bystanders = append(bystanders, c)
	}
	root := newRepo(t)
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	r := mustSucceed(t, run(t, tb, Bash, map[string]any{"command": "setsid sleep 300 & echo done"}))
	if r.Content != "exit code: 0\ndone\n"+leftoverNote(1) {
		t.Errorf("content = %q", r.Content)
	}
	for _, c := range bystanders {
		if !alive(c.Process.Pid) {
			t.Errorf("bystander %d (env %q) was killed", c.Process.Pid, c.Env)
		}
	}
}

// TestKillMarkedEscalates: a leftover that ignores SIGTERM gets SIGKILL at
// the deadline.
func TestKillMarkedEscalates(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	id := rand.Text()
	c := exec.Command("sh", "-c", "trap '' TERM; echo ready; while :; do :; done")
	c.Env = []string{"PATH=" + os.Getenv("PATH"), markerVar + "=outer," + id}
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	// Wait for the trap to be set.
	if _, err := out.Read(make([]byte, 6)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if n := killMarked(id, 0, start.Add(200*time.Millisecond)); n != 1 {
		t.Errorf("killMarked = %d, want 1", n)
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond || elapsed > time.Second {
		t.Errorf("took %v, want the 200ms grace and a little", elapsed)
	}
	_ = c.Wait()
	if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("ended with %v, want SIGKILL", c.ProcessState)
	}
}

// TestKillMarkedStopped: a stopped leftover acts on SIGTERM only once
// continued; it is continued at once rather than killed after the grace.
// (Tested here, with a child of the test that the kernel does not continue
// itself: a stopped process in a group that loses its shell gets SIGHUP and
// SIGCONT from the kernel anyway.)
func TestKillMarkedStopped(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	id := rand.Text()
	c := exec.Command("sleep", "300")
	c.Env = []string{markerVar + "=" + id}
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	if err := c.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Second); !stopped(c.Process.Pid); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the process did not stop")
		}
	}
	start := time.Now()
	if n := killMarked(id, 0, start.Add(time.Second)); n != 1 {
		t.Errorf("killMarked = %d, want 1", n)
	}
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
		t.Errorf("took %v: the stopped process waited for the grace", elapsed)
	}
	_ = c.Wait()
	if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("ended with %v, want SIGTERM", c.ProcessState)
	}
}

// stopped reports whether pid is in the stopped state.
func stopped(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'T'
}

// TestRunCommandLeftovers: checks and prompt commands follow the same rule.
func TestRunCommandLeftovers(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	root := t.TempDir()
	tb := newToolbox(t, Options{Root: root, Env: testEnv()})
	res, err := tb.RunCommand(t.Context(), "echo $SAFE_CODER_CALL > marker; setsid sleep 300 & echo ok", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || res.Leftovers != 1 || res.Output != "ok\n"+leftoverNote(1) {
		t.Errorf("%+v, want exit 0, 1 leftover and the note", res)
	}
	noneMarked(t, markerOf(t, root))
	// The twin.
	res, err = tb.RunCommand(t.Context(), "echo ok", time.Minute)
	if err != nil || res.Leftovers != 0 || res.Output != "ok\n" {
		t.Errorf("%+v, %v: want no leftovers", res, err)
	}
}
