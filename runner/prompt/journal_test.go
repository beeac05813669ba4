package prompt

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// fakeJournal answers for the commands in prior, by their order, and
// records the others.
type fakeJournal struct {
	prior    map[int]*CommandRun
	startErr error
	n        int
	started  []string
	finished []CommandRun
}

func (j *fakeJournal) Start(_ context.Context, command string) (*CommandRun, error) {
	j.n++
	if j.startErr != nil {
		return nil, j.startErr
	}
	if p := j.prior[j.n]; p != nil {
		return p, nil
	}
	j.started = append(j.started, command)
	return nil, nil
}

func (j *fakeJournal) Finish(_ context.Context, cr CommandRun) error {
	j.finished = append(j.finished, cr)
	return nil
}

func TestExpandJournal(t *testing.T) {
	t.Parallel()
	run := &fakeRunner{}
	j := &fakeJournal{prior: map[int]*CommandRun{
		1: {Command: "one", Interrupted: true},
		2: {Command: "two", ExitCode: 1, Output: "recorded two\n"},
	}}
	exp, err := Expand(t.Context(), "A !`one` B !`two` C !`three`", nil, run, j)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(run.runs, []string{"three"}) || !slices.Equal(j.started, []string{"three"}) ||
		len(j.finished) != 1 || j.finished[0].Output != "output of three\n" {
		t.Errorf("ran %q, started %q, finished %+v", run.runs, j.started, j.finished)
	}
	for _, want := range []string{"$ one\n" + InterruptedNotice + "\n", "recorded two\n```\n(exit code 1)", "output of three\n```\n(exit code 3)"} {
		if !strings.Contains(exp.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, exp.Text)
		}
	}
	if len(exp.Commands) != 3 || !exp.Commands[0].Interrupted || exp.Commands[1].Output != "recorded two\n" {
		t.Errorf("commands %+v", exp.Commands)
	}
}

func TestExpandJournalStartFails(t *testing.T) {
	t.Parallel()
	run := &fakeRunner{}
	stop := errors.New("cannot record")
	if _, err := Expand(t.Context(), "A !`one`", nil, run, &fakeJournal{startErr: stop}); !errors.Is(err, stop) || len(run.runs) != 0 {
		t.Errorf("err %v, ran %q; want the journal's error and no run", err, run.runs)
	}
}
