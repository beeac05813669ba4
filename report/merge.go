package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// exitFailure is the exit code of a run that failed for a reason the
// exit-code table has no row for.
const exitFailure = 1

// ParseJSON reads a JSON report: data must conform to the report's JSON
// Schema (ValidateJSON), so a file that merely looks like a report is
// refused with every place where it does not.
func ParseJSON(data []byte) (*Report, error) {
	if err := ValidateJSON(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	return &r, nil
}

// MergeOptions tell Merge what it cannot know by itself.
type MergeOptions struct {
	// Worse returns the more severe of two run statuses. The runner
	// defines the statuses and their order, and the report does not
	// import the runner; required.
	Worse func(a, b string) string
}

// Merge combines the reports of runs that are parts of one logical run,
// such as the shards of a task file run by the jobs of a CI matrix, into
// one report:
//   - the tasks are concatenated in the order of reports; a task name in
//     two reports is an error, since each task belongs to one shard;
//   - the totals are recomputed from the tasks (files changed counts
//     distinct paths across all of them);
//   - the run's id is the ids joined with "+" in the order given, so
//     merging merged reports gives the same id as merging their parts at
//     once; its status is the worst by opts.Worse, its exit code and
//     terminal reason those of the first run with that status, which
//     recorded them by the exit-code table; it starts at the earliest
//     start and finishes at the latest finish;
//   - the runs must share their base commit: runs of different code are
//     not one run. The repository's root, the task file and the version
//     are the runs' (the distinct values joined with ", " when they
//     differ); its run branch and head are those of the task that
//     started last, as in any report;
//   - the runs' errors are kept, one after the other on their own lines
//     (they name their tasks already).
//
// Every report must be of a finished run: a run still going (or killed)
// has no end to merge. The reports given are not changed. Errors wrap
// ErrCannotMerge.
func Merge(reports []*Report, opts MergeOptions) (*Report, error) {
	if opts.Worse == nil {
		return nil, fmt.Errorf("%w: MergeOptions.Worse is required", ErrCannotMerge)
	}
	if len(reports) == 0 {
		return nil, fmt.Errorf("%w: no report given", ErrCannotMerge)
	}
	if err := checkMergeable(reports); err != nil {
		return nil, err
	}
	first := reports[0]
	out := &Report{SchemaVersion: SchemaVersion, Tasks: []TaskReport{}}
	var (
		ids, roots, files, versions, errs []string
		start, end                        time.Time
		status                            string
	)
	for _, r := range reports {
		ids = append(ids, r.Run.ID)
		roots = appendDistinct(roots, r.Repo.Root)
		files = appendDistinct(files, r.Run.TaskFile)
		versions = appendDistinct(versions, r.Run.Version)
		if r.Run.Error != "" {
			errs = append(errs, r.Run.Error)
		}
		// checkMergeable parsed both times already.
		s, _ := time.Parse(time.RFC3339Nano, r.Run.StartedAt)
		e, _ := time.Parse(time.RFC3339Nano, r.Run.FinishedAt)
		if start.IsZero() || s.Before(start) {
			start = s
		}
		if e.After(end) {
			end = e
		}
		if status == "" {
			status = r.Run.Status
		} else {
			status = opts.Worse(status, r.Run.Status)
		}
		if out.Repo.OriginalBranch == "" {
			out.Repo.OriginalBranch = r.Repo.OriginalBranch
		}
		if out.Repo.Snapshot == "" {
			out.Repo.Snapshot = r.Repo.Snapshot
		}
		for _, t := range r.Tasks {
			out.Tasks = append(out.Tasks, cloneTask(t))
		}
	}
	// The first run that ended with the worst status recorded the exit
	// code and reason that go with it (130 or 143 for a cancelled run).
	// Worse may also name a status none of the runs has (an unknown one
	// counts as an error): its exit code is then the one of an error.
	exitCode, reason := exitFailure, status
	for _, r := range reports {
		if r.Run.Status == status {
			exitCode, reason = r.Run.ExitCode, r.Run.TerminalReason
			break
		}
	}
	out.Run = RunInfo{
		ID:             strings.Join(ids, "+"),
		Status:         status,
		ExitCode:       exitCode,
		TerminalReason: reason,
		StartedAt:      start.UTC().Format(time.RFC3339Nano),
		FinishedAt:     end.UTC().Format(time.RFC3339Nano),
		DurationMS:     max(end.Sub(start).Milliseconds(), 0),
		TaskFile:       strings.Join(files, ", "),
		Version:        strings.Join(versions, ", "),
		Error:          strings.Join(errs, "\n"),
	}
	out.Repo.Root = strings.Join(roots, ", ")
	out.Repo.BaseCommit = first.Repo.BaseCommit
	if last := lastStarted(out.Tasks); last != nil {
		out.Repo.RunBranch = last.Branch
		out.Repo.Head = taskTip(last)
	}
	out.Totals = totalsOf(out.Tasks)
	return out, nil
}

// checkMergeable refuses reports that are not parts of one finished run.
func checkMergeable(reports []*Report) error {
	ids := map[string]bool{}
	taskRun := map[string]string{}
	base := reports[0].Repo.BaseCommit
	for _, r := range reports {
		if r.SchemaVersion != SchemaVersion {
			return fmt.Errorf("%w: run %s has schema_version %d; this safe-coder merges version %d", ErrCannotMerge, r.Run.ID, r.SchemaVersion, SchemaVersion)
		}
		if ids[r.Run.ID] {
			return fmt.Errorf("%w: run %s is given twice", ErrCannotMerge, r.Run.ID)
		}
		ids[r.Run.ID] = true
		if r.Run.FinishedAt == "" || r.Run.Status == StatusRunning {
			return fmt.Errorf("%w: run %s has not finished (it is still going, or was killed); merge the reports of finished runs, or resume it first", ErrCannotMerge, r.Run.ID)
		}
		for _, at := range []string{r.Run.StartedAt, r.Run.FinishedAt} {
			if _, err := time.Parse(time.RFC3339Nano, at); err != nil {
				return fmt.Errorf("%w: run %s has a time that is not RFC 3339: %q", ErrCannotMerge, r.Run.ID, at)
			}
		}
		if r.Repo.BaseCommit != base {
			return fmt.Errorf("%w: run %s started from commit %s and run %s from %s; only runs of the same code are parts of one run",
				ErrCannotMerge, reports[0].Run.ID, short(base), r.Run.ID, short(r.Repo.BaseCommit))
		}
		for _, t := range r.Tasks {
			if other, dup := taskRun[t.Name]; dup {
				return fmt.Errorf("%w: task %s is in run %s and in run %s; each task of a logical run belongs to one of its parts", ErrCannotMerge, t.Name, other, r.Run.ID)
			}
			taskRun[t.Name] = r.Run.ID
		}
	}
	return nil
}

// lastStarted returns the task that started last, nil when none started.
// Reports of one run are merged, so their times compare.
func lastStarted(tasks []TaskReport) *TaskReport {
	var (
		last *TaskReport
		at   time.Time
	)
	for i := range tasks {
		s, err := time.Parse(time.RFC3339Nano, tasks[i].StartedAt)
		if err != nil {
			continue // not started
		}
		if last == nil || !s.Before(at) {
			last, at = &tasks[i], s
		}
	}
	return last
}

func appendDistinct(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// cloneTask copies a task deeply enough that the merged report shares no
// slice, map or pointer with its parts.
func cloneTask(t TaskReport) TaskReport {
	t.Steps = slices.Clone(t.Steps)
	for i := range t.Steps {
		t.Steps[i].Tools = slices.Clone(t.Steps[i].Tools)
		t.Steps[i].Files = slices.Clone(t.Steps[i].Files)
		t.Steps[i].CostUSD = clonePtr(t.Steps[i].CostUSD)
	}
	t.Denied = slices.Clone(t.Denied)
	for i := range t.Denied {
		t.Denied[i].Input = slices.Clone(t.Denied[i].Input)
	}
	t.Checks = slices.Clone(t.Checks)
	t.Push = clonePtr(t.Push)
	t.PR = clonePtr(t.PR)
	st := t.Stats
	st.ToolCalls = cloneMap(st.ToolCalls)
	st.Tools = cloneMap(st.Tools)
	st.CostUSD = clonePtr(st.CostUSD)
	t.Stats = st
	return t
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
