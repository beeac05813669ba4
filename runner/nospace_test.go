package runner

import (
	"errors"
	"fmt"
	"slices"
	"syscall"
	"testing"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/tasks"
)

// A task stopped for lack of space is left open in the state database, so
// that resume continues it once space is freed: no TaskFinished, and a
// commit that did not fit leaves its step open after CommitStarted, as a
// kill there would. Any other failure still finishes the task (the twin).
func TestRunOutOfSpaceLeavesTaskOpen(t *testing.T) {
	t.Parallel()
	write := callsTurn(llm.StopToolUse, call("c1", "write_file", map[string]any{"path": "a", "content": "a"}))
	dbFull := fmt.Errorf("%w: state.db: disk I/O error (778)", report.ErrNoSpace)
	repoFull := fmt.Errorf("%w: write object: %w", gitsafety.ErrNoSpace, syscall.EFBIG)
	tests := []struct {
		name       string
		gitErr     error
		recErr     error
		status     Status
		open       bool
		lastEvents []string
	}{
		{"repository full", repoFull, nil, StatusRepoError, true, []string{"ToolCallFinished", "CommitStarted"}},
		{"repository broken", errors.New("write object: input/output error"), nil, StatusRepoError, false, []string{"StepFinished", "TaskFinished"}},
		// Events: TaskStarted, MessageAdded, StepStarted, ModelAnswered,
		// MessageAdded, ToolCallStarted ← fails, and so does every later one.
		{"state db full", nil, dbFull, StatusError, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tasks.ApprovalYolo, 10, write)
			f.git.err = tt.gitErr
			if tt.recErr != nil {
				f.rec.failAt, f.rec.failWith = 6, tt.recErr
			}
			res := f.run(t, t.Context())
			if res.Status != tt.status || OutOfSpace(res.Err) != tt.open {
				t.Fatalf("result %+v, want %s, out of space %v", res, tt.status, tt.open)
			}
			kinds := f.rec.kinds()
			if got := slices.Contains(kinds, "TaskFinished"); got == tt.open {
				t.Errorf("TaskFinished recorded: %v, want %v; events %v", got, !tt.open, kinds)
			}
			if n := len(tt.lastEvents); n > 0 && !slices.Equal(kinds[len(kinds)-n:], tt.lastEvents) {
				t.Errorf("events end %v, want %v", kinds, tt.lastEvents)
			}
		})
	}
}
