package tools

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// outputGrace is how long bash waits for the output pipe to close after the
// command's process group and its marked leftovers are gone. Only a process
// that escaped both (left the group and wiped its environment, or any
// escapee where markers cannot be seen) can still hold the pipe then; its
// later output is not worth hanging the run for.
const outputGrace = 500 * time.Millisecond

func (tb *Toolbox) bash(ctx context.Context, in bashInput) Result {
	summaryCmd := oneLine(in.Command, 60)
	fail := func(msg string) Result { return failure(fmt.Sprintf("%s: %s → %s", Bash, summaryCmd, msg), msg) }
	if strings.TrimSpace(in.Command) == "" {
		return failure(Bash+": empty command", "command is empty")
	}
	if tb.shell == "" {
		return fail("no bash or sh found on PATH; commands cannot run")
	}
	timeout := tb.timeout
	if in.TimeoutS != nil {
		// Capped first, so a huge timeout_s cannot overflow Duration.
		secs := math.Min(*in.TimeoutS, tb.timeout.Seconds())
		timeout = time.Duration(secs * float64(time.Second))
	}
	out := newCapBuffer(tb.maxOut)
	ran, err := tb.run(ctx, in.Command, timeout, out)
	if err != nil {
		return fail(fmt.Sprintf("could not start the command: %v", err))
	}
	state, timedOut := ran.state, ran.timedOut
	status, short := exitStatus(state)
	if ctx.Err() != nil {
		// The run is stopping: the group got SIGTERM, then SIGKILL if it
		// lingered. Whatever it answered, it was cut short.
		status = "stopped: the run was cancelled while the command ran (" + status + ")"
		short = "stopped (run cancelled)"
	} else if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL && timedOut {
		// A SIGKILL when the timeout passed is ours; one without is
		// reported like any other signal.
		status = fmt.Sprintf("killed by signal: KILL (timeout after %v)", timeout)
		short = fmt.Sprintf("killed (timeout after %v)", timeout)
	}
	var b strings.Builder
	b.WriteString(status)
	b.WriteByte('\n')
	if out.total == 0 {
		b.WriteString("(no output)\n")
	} else {
		b.WriteString(out.String())
	}
	if ran.leftovers > 0 {
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(leftoverNote(ran.leftovers))
		if ran.leftovers == 1 {
			short += ", 1 leftover killed"
		} else {
			short += fmt.Sprintf(", %d leftovers killed", ran.leftovers)
		}
	}
	return Result{
		Content: b.String(),
		IsError: !state.Success() || ctx.Err() != nil,
		Summary: fmt.Sprintf("%s: %s → %s", Bash, summaryCmd, short),
	}
}

// leftoverNote tells the model that processes its command left running
// were killed when the call ended, so it does not count on a background
// server it started.
func leftoverNote(n int) string {
	what := "1 process the command left running was"
	if n != 1 {
		what = fmt.Sprintf("%d processes the command left running were", n)
	}
	return "[" + what + " killed when the call ended (background jobs, setsid, nohup and daemons included): " +
		"nothing a command starts outlives its call, so start a server in the same command that uses it]\n"
}

// markerVar is the variable that marks every process a call starts with a
// random ID per call, so that the processes that escape the call's process
// group can still be found and killed after it (see killMarked). It is not
// a secret: knowing it only lets a process get itself killed.
//
// Its value is a comma-separated list of IDs: a runner that itself runs as
// a command of another runner adds its ID to the one it inherited, so the
// outer runner's hunt also finds what the inner one's commands left when
// the inner runner was killed before it could hunt them itself.
const markerVar = "SAFE_CODER_CALL"

// markerEntry returns the markerVar entry for a call with the given ID in
// environment env: the ID after those env already carries.
func markerEntry(env []string, id string) string {
	value := id
	for _, kv := range env {
		if inherited, ok := strings.CutPrefix(kv, markerVar+"="); ok && inherited != "" {
			value = inherited + "," + id
		}
	}
	return markerVar + "=" + value
}

// ranCommand is how a command that started ended.
type ranCommand struct {
	state *os.ProcessState
	// timedOut reports whether the timeout passed (not the run's context).
	timedOut bool
	// leftovers counts the processes still running when the shell had
	// exited that were killed by their marker.
	leftovers int
}

// run runs command in its own process group with stdout and stderr joined
// into out, and returns how it ended; an error means it never started.
// When ctx ends or the timeout passes, the whole group is killed.
//
// Every process the call starts carries a fresh marker in its environment
// (markerVar). When the shell has exited, whatever still carries it —
// background jobs, and processes that left the group with setsid, nohup
// and setsid, or a double fork — gets SIGTERM and, after stopGrace,
// SIGKILL (on Linux; see killMarked). When the run's context or the
// timeout ended the call, the group was already signalled and only the
// processes outside it are hunted and counted.
//
// The output goes through a pipe the toolbox reads itself rather than
// through exec's copying, so that the moment the shell exits the rest of
// its group (`sleep 30 &`) can be killed; only then is the pipe drained,
// for at most outputGrace, so a process that escaped the group and keeps
// the pipe open cannot hold the call.
func (tb *Toolbox) run(ctx context.Context, command string, timeout time.Duration, out io.Writer) (ranCommand, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return ranCommand{}, fmt.Errorf("create output pipe: %w", err)
	}
	defer r.Close()

	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, tb.shell, "-c", command)
	cmd.Dir = tb.rootPath
	// A nil Env would hand the runner's whole environment, secrets
	// included, to the command; an empty one hands nothing.
	callID := rand.Text()
	// Last, so it replaces the inherited entry it extends.
	cmd.Env = append(append([]string{}, tb.env...), markerEntry(tb.env, callID))
	cmd.Stdin = nil // exec connects /dev/null
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var cancelledAt atomic.Int64
	cmd.Cancel = func() error {
		cancelledAt.Store(time.Now().UnixNano())
		if ctx.Err() == nil {
			// The command's own timeout: nothing to wait for.
			return killGroup(cmd.Process.Pid)
		}
		// The run is stopping (a signal): the group gets SIGTERM, a
		// chance to clean up, then SIGKILL.
		return termThenKill(cmd.Process.Pid, stopGrace)
	}
	// Cancel already kills the whole group; WaitDelay is the backstop that
	// makes Wait kill the shell itself should Cancel ever fail.
	cmd.WaitDelay = stopGrace + outputGrace

	if err := cmd.Start(); err != nil {
		w.Close()
		return ranCommand{}, err
	}
	// The child has its copy; keeping ours would keep the pipe open forever.
	w.Close()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		// Read errors end the copy: either EOF, or the deadline set below.
		_, _ = io.Copy(out, r)
	}()

	// Wait's error repeats what ProcessState says (an exit status), or is
	// the error of Cancel or WaitDelay, whose effect the state shows too.
	_ = cmd.Wait()
	timedOut := errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	pgid := cmd.Process.Pid
	var leftovers int
	if at := cancelledAt.Load(); at != 0 {
		// Cancel signalled the group: finish it, then hunt the processes
		// outside it within what is left of the group's grace.
		_ = killGroup(pgid)
		leftovers = killMarked(callID, pgid, time.Unix(0, at).Add(stopGrace))
	} else {
		// The shell ended on its own: whatever still carries the marker,
		// in the group or not, was left running. The group kill after
		// it catches members that dropped the marker (and is all there
		// is where markers cannot be seen). The group ID cannot be
		// reused while the group has members, and when it has none the
		// kill finds nothing.
		leftovers = killMarked(callID, 0, time.Now().Add(stopGrace))
		_ = killGroup(pgid)
	}
	// The leftovers that held the pipe are dead, so it drains at once
	// unless a process that escaped the hunt still holds it.
	_ = r.SetReadDeadline(time.Now().Add(outputGrace))
	<-copied
	return ranCommand{state: cmd.ProcessState, timedOut: timedOut, leftovers: leftovers}, nil
}

// stopGrace is how long a command's group has between SIGTERM and SIGKILL
// when the run stops: long enough for a test runner to clean up, short
// enough for CI's ten seconds between its own SIGTERM and SIGKILL.
const stopGrace = 2 * time.Second

// termThenKill sends SIGTERM to the process group led by pid and SIGKILL
// after grace, unless the group is gone by then.
func termThenKill(pid int, grace time.Duration) error {
	err := syscall.Kill(-pid, syscall.SIGTERM)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	time.AfterFunc(grace, func() { _ = killGroup(pid) })
	return err
}

// killGroup sends SIGKILL to the process group led by pid. Once the leader
// has exited the group may be empty; that is not an error worth reporting.
func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// exitStatus describes how the process ended, for the model ("exit code:
// N", "signal: SEGV") and for the summary ("exit N", "signal SEGV").
func exitStatus(state *os.ProcessState) (status, short string) {
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		name := signalName(ws.Signal())
		return "signal: " + name, "signal " + name
	}
	code := state.ExitCode()
	return fmt.Sprintf("exit code: %d", code), fmt.Sprintf("exit %d", code)
}

// signalName returns the short name of a signal, as kill -l prints it.
func signalName(sig syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGHUP: "HUP", syscall.SIGINT: "INT", syscall.SIGQUIT: "QUIT", syscall.SIGILL: "ILL",
		syscall.SIGTRAP: "TRAP", syscall.SIGABRT: "ABRT", syscall.SIGBUS: "BUS", syscall.SIGFPE: "FPE",
		syscall.SIGKILL: "KILL", syscall.SIGUSR1: "USR1", syscall.SIGSEGV: "SEGV", syscall.SIGUSR2: "USR2",
		syscall.SIGPIPE: "PIPE", syscall.SIGALRM: "ALRM", syscall.SIGTERM: "TERM", syscall.SIGXCPU: "XCPU",
		syscall.SIGXFSZ: "XFSZ", syscall.SIGSYS: "SYS",
	}
	if name, ok := names[sig]; ok {
		return name
	}
	return sig.String()
}

// oneLine shortens a command to its first line and n characters for a
// summary.
func oneLine(s string, n int) string {
	s = strings.TrimSpace(s)
	first, _, multi := strings.Cut(s, "\n")
	r := []rune(first)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	if multi {
		return first + " …"
	}
	return first
}

// CommandResult is how a command started by RunCommand ended.
type CommandResult struct {
	// ExitCode is the command's exit code, or -1 when a signal killed it.
	ExitCode int
	// Status says how it ended, as bash reports it to the model:
	// "exit code: 1", "killed by signal: KILL (timeout after 10m0s)".
	Status string
	// Output is stdout and stderr interleaved, capped head and tail with
	// the dropped byte count.
	Output   string
	TimedOut bool
	// Leftovers counts the processes still running when the command had
	// ended, killed then; Output ends with a note saying so.
	Leftovers int
}

// RunCommand runs a command line of the task author's (a check) with the
// process rules of bash — scrubbed environment, stdin closed, own process
// group killed on timeout and after the call, whatever it leaves running
// killed by its marker (Leftovers), output capped — but its own
// timeout, not the bash tool's. The policy does not decide it: the task
// file, not the model, wrote it. An error means it could not start.
func (tb *Toolbox) RunCommand(ctx context.Context, command string, timeout time.Duration) (CommandResult, error) {
	if tb.shell == "" {
		return CommandResult{}, errors.New("no bash or sh found on PATH")
	}
	out := newCapBuffer(tb.maxOut)
	ran, err := tb.run(ctx, command, timeout, out)
	if err != nil {
		return CommandResult{}, err
	}
	status, _ := exitStatus(ran.state)
	if ran.timedOut {
		status = fmt.Sprintf("killed by signal: KILL (timeout after %v)", timeout)
	}
	res := CommandResult{
		ExitCode: ran.state.ExitCode(), Status: status, Output: out.String(),
		TimedOut: ran.timedOut, Leftovers: ran.leftovers,
	}
	if res.Output == "" {
		res.Output = "(no output)\n"
	}
	if ran.leftovers > 0 {
		if !strings.HasSuffix(res.Output, "\n") {
			res.Output += "\n"
		}
		res.Output += leftoverNote(ran.leftovers)
	}
	return res, nil
}
