package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/safe-coder/safe-coder/report"
)

// faultEnv names the fault-injection point of a test run:
// SAFE_CODER_FAULT=after-commit kills the process with SIGKILL the first
// time a step has committed; "after-commit@2" the second time. Points:
// after-branch (a task's branch made and checked out, its start not yet
// recorded), model-answered, before-tool, after-tool, before-commit,
// after-commit (the runner's), after-prompt-command (a prompt's !`command`
// ran, its end not yet recorded), before-record:<Event>, after-record:<Event> (around the
// state database's writes, e.g. after-record:ToolCallStarted), and report
// (between writing the JSON and the Markdown report). It exists so tests
// can prove that a run killed at any of these points can be resumed.
const faultEnv = "SAFE_CODER_FAULT"

// newFault returns the fault function for spec ("" disables it) or an
// error for a malformed spec.
func newFault(spec string) (func(point string), error) {
	if spec == "" {
		return func(string) {}, nil
	}
	point, nth, hasN := strings.Cut(spec, "@")
	n := 1
	if hasN {
		var err error
		if n, err = strconv.Atoi(nth); err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q: the count after @ must be a positive number", faultEnv, spec)
		}
	}
	seen := 0
	return func(at string) {
		if at != point {
			return
		}
		if seen++; seen == n {
			// As abrupt as a kill -9 from outside: no defer runs, no
			// buffer is flushed.
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}, nil
}

// faultRecorder marks the points around every state write.
type faultRecorder struct {
	store *report.Store
	fault func(point string)
}

func (f faultRecorder) Record(ctx context.Context, ev report.Event) error {
	name := strings.TrimPrefix(fmt.Sprintf("%T", ev), "report.")
	f.fault("before-record:" + name)
	err := f.store.Record(ctx, ev)
	f.fault("after-record:" + name)
	return err
}
