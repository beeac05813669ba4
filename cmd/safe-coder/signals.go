package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// signalCause is the cancellation cause of the run context when a signal
// arrived; Main turns it into exit code 130 (SIGINT) or 143 (SIGTERM).
type signalCause struct{ sig os.Signal }

func (s signalCause) Error() string { return "interrupted by " + signalName(s.sig) }

func (s signalCause) exitCode() int {
	if s.sig == syscall.SIGTERM {
		return 143
	}
	return 130
}

// notifySignals returns a context cancelled by the first SIGINT or SIGTERM,
// with the signal as its cause, so the run stops asking the model and
// finishes the step and the report. The same signal again aborts at once:
// the user pressed Ctrl-C twice, and state on disk stays consistent
// because every write is a transaction or an atomic rename. The other
// signal does not: GitHub Actions cancels a job with SIGINT and then,
// 7.5 s later, SIGTERM, and the run must go on finishing its report
// through that (SIGKILL, later still, is the real deadline).
//
// SIGPIPE is ignored: when whoever reads stdout or stderr goes away
// (`safe-coder run … | head`), writes fail with EPIPE instead of killing the
// process in the middle of a step with its lock held and its run unrecorded.
func notifySignals(parent context.Context, stderr io.Writer) (context.Context, func()) {
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		var first os.Signal
		select {
		case first = <-ch:
			fmt.Fprintf(stderr, "safe-coder: %s received; finishing the current step (send %s again to abort)\n", signalName(first), signalName(first))
			cancel(signalCause{first})
		case <-done:
			return
		}
		for {
			select {
			case sig := <-ch:
				if sig != first {
					fmt.Fprintf(stderr, "safe-coder: %s received; still finishing the current step\n", signalName(sig))
					continue
				}
				fmt.Fprintf(stderr, "safe-coder: second %s; aborting\n", signalName(sig))
				os.Exit(signalCause{sig}.exitCode())
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// signalName is the name people type and CI logs print: SIGINT, SIGTERM.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
