package tools

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// outputGrace is how long bash waits for the output pipe to close after the
// command's process group is gone. Only a process that left the group
// (setsid, a daemon) can still hold the pipe then; its later output is not
// worth hanging the run for.
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
	state, timedOut, err := tb.run(ctx, in.Command, timeout, out)
	if err != nil {
		return fail(fmt.Sprintf("could not start the command: %v", err))
	}
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
	return Result{
		Content: b.String(),
		IsError: !state.Success() || ctx.Err() != nil,
		Summary: fmt.Sprintf("%s: %s → %s", Bash, summaryCmd, short),
	}
}

// run runs command in its own process group with stdout and stderr joined
// into out, and returns the shell's final state and whether the timeout
// passed; an error means it never started. When ctx ends or the timeout
// passes, the whole group is killed.
//
// The output goes through a pipe the toolbox reads itself rather than
// through exec's copying, so that the moment the shell exits the rest of
// its group (`sleep 30 &`) can be killed; only then is the pipe drained,
// for at most outputGrace, so a process that escaped the group and keeps
// the pipe open cannot hold the call.
func (tb *Toolbox) run(ctx context.Context, command string, timeout time.Duration, out io.Writer) (*os.ProcessState, bool, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, false, fmt.Errorf("create output pipe: %w", err)
	}
	defer r.Close()

	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, tb.shell, "-c", command)
	cmd.Dir = tb.rootPath
	// A nil Env would hand the runner's whole environment, secrets
	// included, to the command; an empty one hands nothing.
	cmd.Env = append([]string{}, tb.env...)
	cmd.Stdin = nil // exec connects /dev/null
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
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
		return nil, false, err
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
	// Whatever the shell left running in its group dies with it. The
	// group ID cannot be reused while the group has members, and when it
	// has none the kill finds nothing.
	_ = killGroup(cmd.Process.Pid)
	_ = r.SetReadDeadline(time.Now().Add(outputGrace))
	<-copied
	return cmd.ProcessState, timedOut, nil
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
}

// RunCommand runs a command line of the task author's (a check) with the
// process rules of bash — scrubbed environment, stdin closed, own process
// group killed on timeout and after the call, output capped — but its own
// timeout, not the bash tool's. The policy does not decide it: the task
// file, not the model, wrote it. An error means it could not start.
func (tb *Toolbox) RunCommand(ctx context.Context, command string, timeout time.Duration) (CommandResult, error) {
	if tb.shell == "" {
		return CommandResult{}, errors.New("no bash or sh found on PATH")
	}
	out := newCapBuffer(tb.maxOut)
	state, timedOut, err := tb.run(ctx, command, timeout, out)
	if err != nil {
		return CommandResult{}, err
	}
	status, _ := exitStatus(state)
	if timedOut {
		status = fmt.Sprintf("killed by signal: KILL (timeout after %v)", timeout)
	}
	res := CommandResult{ExitCode: state.ExitCode(), Status: status, Output: out.String(), TimedOut: timedOut}
	if res.Output == "" {
		res.Output = "(no output)\n"
	}
	return res, nil
}
