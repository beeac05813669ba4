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

func (s signalCause) Error() string { return "interrupted by " + s.sig.String() }

func (s signalCause) exitCode() int {
	if s.sig == syscall.SIGTERM {
		return 143
	}
	return 130
}

// notifySignals returns a context cancelled by the first SIGINT or SIGTERM,
// with the signal as its cause, so the run stops asking the model and
// finishes the step and the report. A second signal aborts at once: the
// user (or CI) has run out of patience, and state on disk stays consistent
// because every write is a transaction or an atomic rename.
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
		select {
		case sig := <-ch:
			fmt.Fprintf(stderr, "safe-coder: %s received; finishing the current step (send it again to abort)\n", sig)
			cancel(signalCause{sig})
		case <-done:
			return
		}
		select {
		case sig := <-ch:
			fmt.Fprintf(stderr, "safe-coder: second %s; aborting\n", sig)
			os.Exit(signalCause{sig}.exitCode())
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}
