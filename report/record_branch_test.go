package report

import (
	"errors"
	"testing"
	"time"
)

// A task's branch is named before it exists: the task is not started, but
// the report and the resume state carry its branch and start point, and
// TaskStarted then starts it on that branch.
func TestBranchStartedNamesTheBranchOfATaskNotStarted(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	intent := BranchStarted{RunID: rid, Task: task, At: at(time.Second / 2), Branch: "safe-coder/fix-r1", From: sha('a')}
	record(t, s, evRunStarted, intent)

	st, err := s.RunState(t.Context(), rid)
	if err != nil {
		t.Fatalf("RunState: %v", err)
	}
	got := st.Tasks[0]
	if got.Started || got.Branch != intent.Branch || got.BaseCommit != intent.From || got.Status != StatusNotStarted {
		t.Errorf("task state = started %v, branch %q, base %q, status %q; want not started on %q from %q",
			got.Started, got.Branch, got.BaseCommit, got.Status, intent.Branch, intent.From)
	}
	r := buildReport(t, s, rid)
	if r.Tasks[0].Branch != intent.Branch || r.Tasks[0].StartedAt != "" {
		t.Errorf("report task = branch %q, started_at %q; want %q, not started", r.Tasks[0].Branch, r.Tasks[0].StartedAt, intent.Branch)
	}

	// A resumed run names it again before adopting it: allowed until
	// the task starts, refused after.
	record(t, s, intent)
	started := evTaskStarted
	started.Branch, started.BaseCommit, started.StartCommit = intent.Branch, intent.From, intent.From
	record(t, s, started)
	if err := s.Record(t.Context(), intent); !errors.Is(err, ErrDuplicate) {
		t.Errorf("BranchStarted of a started task: err = %v, want ErrDuplicate", err)
	}
}

func TestBranchStartedRefusals(t *testing.T) {
	t.Parallel()
	valid := BranchStarted{RunID: rid, Task: task, At: t0, Branch: "b", From: sha('a')}
	for _, tc := range []struct {
		name  string
		prior []Event
		ev    BranchStarted
		want  error
	}{
		{"unknown run", nil, valid, ErrNotStarted},
		{"finished run", []Event{evRunStarted, evRunFinished}, valid, ErrFinished},
		{"no branch", []Event{evRunStarted}, BranchStarted{RunID: rid, Task: task, At: t0}, ErrInvalidEvent},
		{"no task", []Event{evRunStarted}, BranchStarted{RunID: rid, At: t0, Branch: "b"}, ErrInvalidEvent},
		{"no time", []Event{evRunStarted}, BranchStarted{RunID: rid, Task: task, Branch: "b"}, ErrInvalidEvent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openStore(t)
			record(t, s, tc.prior...)
			if err := s.Record(t.Context(), tc.ev); !errors.Is(err, tc.want) {
				t.Errorf("Record = %v, want %v", err, tc.want)
			}
		})
	}
}

// A task the run did not announce is appended, as TaskStarted does.
func TestBranchStartedAppendsAnUnannouncedTask(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, evRunStarted, BranchStarted{RunID: rid, Task: "extra", At: t0, Branch: "b"})
	st, err := s.RunState(t.Context(), rid)
	if err != nil {
		t.Fatalf("RunState: %v", err)
	}
	if n := len(st.Tasks); n != 3 || st.Tasks[2].Name != "extra" || st.Tasks[2].Branch != "b" {
		t.Errorf("tasks = %+v, want the planned two and extra on b", st.Tasks)
	}
}
