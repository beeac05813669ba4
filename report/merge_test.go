package report

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// worse ranks statuses as the runner's exit-code table does, most severe
// first; an unknown status counts as an error. The report package cannot
// import the runner, which imports it.
func worse(a, b string) string {
	order := []string{"cancelled", "repo_error", "provider_error", "policy_violation", "error", "checks_failed", "limit_reached", "succeeded"}
	rank := func(s string) int {
		if i := slices.Index(order, s); i >= 0 {
			return i
		}
		return slices.Index(order, "error")
	}
	if rank(b) < rank(a) {
		return order[rank(b)]
	}
	return order[rank(a)]
}

// shardRun records a finished run of one shard: each task makes one step
// whose commit changes files, and ends with status; the run ends with
// runStatus and exit. offset shifts its times, so shards overlap.
type shardRun struct {
	id        string
	offset    time.Duration
	base      string
	tasks     []shardTask
	runStatus string
	exit      int
	reason    string
	err       string
}

type shardTask struct {
	name, status string
	files        []string
	cost         *float64
}

func (s shardRun) events() []Event {
	var evs []Event
	names := make([]string, len(s.tasks))
	for i, t := range s.tasks {
		names[i] = t.name
	}
	start := at(s.offset)
	evs = append(evs, RunStarted{RunID: s.id, StartedAt: start, RepoRoot: "/work/repo", TaskFile: "tasks.yaml",
		Version: "v0.1.0", BaseCommit: s.base, OriginalBranch: "main", Tasks: names})
	for i, t := range s.tasks {
		ts := start.Add(time.Duration(i+1) * 10 * time.Second)
		branch := "safe-coder/" + t.name + "-" + s.id
		evs = append(evs,
			TaskStarted{RunID: s.id, Task: t.name, StartedAt: ts, Approval: "auto-edit", Provider: "anthropic",
				Model: "claude-sonnet-4-5", Branch: branch, BaseCommit: s.base, StartCommit: s.base},
			StepStarted{RunID: s.id, Task: t.name, Step: 1, StartedAt: ts.Add(time.Second)},
			ModelAnswered{RunID: s.id, Task: t.name, Step: 1, At: ts.Add(2 * time.Second), StopReason: "tool_use",
				Usage: Usage{InputTokens: 100, OutputTokens: 10}, CostUSD: t.cost, Attempts: 1},
		)
		evs = append(evs, toolCall(s.id, t.name, 1, 1, "write_file", OutcomeOK, "", ts.Add(2*time.Second))...)
		evs = append(evs,
			CommitStarted{RunID: s.id, Task: t.name, Step: 1, At: ts.Add(3 * time.Second)},
			StepFinished{RunID: s.id, Task: t.name, Step: 1, FinishedAt: ts.Add(4 * time.Second),
				Commit: sha(t.name[0]), Files: t.files, Insertions: 2 * len(t.files), Deletions: len(t.files)},
			TaskFinished{RunID: s.id, Task: t.name, FinishedAt: ts.Add(5 * time.Second), Status: t.status, HeadCommit: sha(t.name[0])},
		)
	}
	evs = append(evs, RunFinished{RunID: s.id, FinishedAt: start.Add(time.Minute), Status: s.runStatus,
		ExitCode: s.exit, Reason: s.reason, Error: s.err})
	return evs
}

// shardReports records runs in one store and returns their reports.
func shardReports(t *testing.T, runs ...shardRun) []*Report {
	t.Helper()
	s, _ := openStore(t)
	out := make([]*Report, len(runs))
	for i, r := range runs {
		record(t, s, r.events()...)
		out[i] = buildReport(t, s, r.id)
	}
	return out
}

func twoShards() []shardRun {
	return []shardRun{
		{id: "20261126-231131-aaaa", offset: 5 * time.Second, base: sha('0'), runStatus: "succeeded", reason: ReasonCompleted,
			tasks: []shardTask{
				{name: "lint", status: "succeeded", files: []string{"a.go"}, cost: usd(0.01)},
				{name: "build", status: "succeeded", files: []string{"Makefile", "shared.go"}, cost: usd(0.02)},
			}},
		{id: "20261126-231130-bbbb", base: sha('0'), runStatus: "checks_failed", exit: 1, reason: ReasonChecksFailed,
			err: "task docs: checks failed", tasks: []shardTask{
				{name: "docs", status: "checks_failed", files: []string{"README.md", "shared.go"}, cost: usd(0.03)},
			}},
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	parts := shardReports(t, twoShards()...)
	before, err := parts[0].JSON()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(parts, MergeOptions{Worse: worse})
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	checkSchema(t, m)
	if after, _ := parts[0].JSON(); string(after) != string(before) {
		t.Errorf("Merge changed a report it was given")
	}

	want := RunInfo{
		ID:             "20261126-231131-aaaa+20261126-231130-bbbb",
		Status:         "checks_failed",
		ExitCode:       1,
		TerminalReason: ReasonChecksFailed,
		StartedAt:      "2026-11-26T23:11:31Z",
		FinishedAt:     "2026-11-26T23:12:36Z",
		DurationMS:     65000,
		TaskFile:       "tasks.yaml",
		Version:        "v0.1.0",
		Error:          "task docs: checks failed",
	}
	if m.Run != want {
		t.Errorf("run =\n%+v\nwant\n%+v", m.Run, want)
	}
	var names []string
	for _, task := range m.Tasks {
		names = append(names, task.Name)
	}
	if !slices.Equal(names, []string{"lint", "build", "docs"}) {
		t.Errorf("tasks = %q; want lint, build, docs in the order of the reports", names)
	}
	// build started last (5 s + 20 s, docs at 10 s).
	if m.Repo.RunBranch != "safe-coder/build-20261126-231131-aaaa" || m.Repo.Head != sha('b') || m.Repo.BaseCommit != sha('0') {
		t.Errorf("repo = %+v; want build's branch and head, base %s", m.Repo, sha('0'))
	}

	tot := m.Totals
	if tot.Steps != 3 || tot.Commits != 3 || tot.ToolCallsTotal != 3 || tot.ToolCalls["write_file"] != 3 ||
		tot.Tools["write_file"].OK != 3 || tot.Tokens.Input != 300 || tot.Tokens.Output != 30 {
		t.Errorf("totals = %+v; want 3 steps, commits and write_file calls, 300/30 tokens", tot)
	}
	// shared.go was changed by two tasks of different shards: one file.
	if tot.FilesChanged != 4 || tot.Insertions != 10 || tot.Deletions != 5 {
		t.Errorf("files, lines = %d, +%d -%d; want 4 distinct files, +10 -5", tot.FilesChanged, tot.Insertions, tot.Deletions)
	}
	if tot.CostUSD == nil || *tot.CostUSD != 0.06 {
		t.Errorf("cost = %v; want 0.06", tot.CostUSD)
	}
	if sum := parts[0].Totals.DurationMS + parts[1].Totals.DurationMS; tot.DurationMS != sum {
		t.Errorf("duration = %d; want the tasks' sum %d", tot.DurationMS, sum)
	}

	md := m.Markdown()
	for _, s := range []string{"# safe-coder run 20261126-231131-aaaa+20261126-231130-bbbb: checks_failed", "## lint", "## build", "## docs", "| **total** |"} {
		if !strings.Contains(md, s) {
			t.Errorf("Markdown lacks %q", s)
		}
	}

	// The merged report shares nothing with its parts.
	m.Tasks[0].Steps[0].Files[0] = "changed"
	m.Tasks[0].Stats.ToolCalls["write_file"] = 99
	if parts[0].Tasks[0].Steps[0].Files[0] != "a.go" || parts[0].Tasks[0].Stats.ToolCalls["write_file"] != 1 {
		t.Errorf("the merged report shares slices or maps with its parts")
	}
}

// Merging merged reports gives what merging the parts at once gives.
func TestMergeIsAssociative(t *testing.T) {
	t.Parallel()
	runs := append(twoShards(), shardRun{id: "20261126-231200-cccc", offset: 2 * time.Minute, base: sha('0'),
		runStatus: "limit_reached", exit: 3, reason: LimitReason(LimitMaxSteps),
		tasks: []shardTask{{name: "test", status: "limit_reached", files: []string{"x_test.go"}}}})
	parts := shardReports(t, runs...)
	opts := MergeOptions{Worse: worse}
	all, err := Merge(parts, opts)
	if err != nil {
		t.Fatal(err)
	}
	ab, err := Merge(parts[:2], opts)
	if err != nil {
		t.Fatal(err)
	}
	nested, err := Merge([]*Report{ab, parts[2]}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, nested) {
		t.Errorf("merge of all =\n%+v\nmerge of a merge =\n%+v", all, nested)
	}
	// An unknown cost in any task makes the totals' cost unknown.
	if all.Totals.CostUSD != nil {
		t.Errorf("cost = %v; want null, test's price is unknown", *all.Totals.CostUSD)
	}
	if all.Run.Status != "checks_failed" || all.Run.ExitCode != 1 {
		t.Errorf("status = %s (exit %d); checks_failed is worse than limit_reached", all.Run.Status, all.Run.ExitCode)
	}
}

func TestMergeKeepsTheWorstRunsExitCode(t *testing.T) {
	t.Parallel()
	runs := []shardRun{
		{id: "r1", base: sha('0'), runStatus: "succeeded", reason: ReasonCompleted,
			tasks: []shardTask{{name: "a", status: "succeeded", files: []string{"a"}}}},
		{id: "r2", base: sha('0'), runStatus: "cancelled", exit: 143, reason: SignalReason("SIGTERM"),
			tasks: []shardTask{{name: "b", status: "cancelled", files: []string{"b"}}}},
		{id: "r3", base: sha('0'), runStatus: "cancelled", exit: 130, reason: SignalReason("SIGINT"),
			tasks: []shardTask{{name: "c", status: "cancelled", files: []string{"c"}}}},
	}
	m, err := Merge(shardReports(t, runs...), MergeOptions{Worse: worse})
	if err != nil {
		t.Fatal(err)
	}
	if m.Run.Status != "cancelled" || m.Run.ExitCode != 143 || m.Run.TerminalReason != "cancelled:SIGTERM" {
		t.Errorf("run = %+v; want the first cancelled run's exit code 143 and reason", m.Run)
	}
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	finished := func(id, base string, tasks ...string) shardRun {
		r := shardRun{id: id, base: base, runStatus: "succeeded", reason: ReasonCompleted}
		for _, name := range tasks {
			r.tasks = append(r.tasks, shardTask{name: name, status: "succeeded", files: []string{name}})
		}
		return r
	}
	s, _ := openStore(t)
	for _, r := range []shardRun{finished("r1", sha('0'), "a"), finished("r2", sha('0'), "a", "b"), finished("r3", sha('9'), "c")} {
		record(t, s, r.events()...)
	}
	record(t, s, RunStarted{RunID: "r4", StartedAt: t0, RepoRoot: "/work/repo", BaseCommit: sha('0'), Tasks: []string{"d"}})
	rep := func(id string) *Report { return buildReport(t, s, id) }

	tests := []struct {
		name    string
		reports []*Report
		opts    MergeOptions
		want    string
	}{
		{"nothing", nil, MergeOptions{Worse: worse}, "no report given"},
		{"no ranking", []*Report{rep("r1")}, MergeOptions{}, "MergeOptions.Worse is required"},
		{"a task twice", []*Report{rep("r1"), rep("r2")}, MergeOptions{Worse: worse}, "task a is in run r1 and in run r2"},
		{"a run twice", []*Report{rep("r1"), rep("r1")}, MergeOptions{Worse: worse}, "run r1 is given twice"},
		{"other code", []*Report{rep("r1"), rep("r3")}, MergeOptions{Worse: worse}, "run r1 started from commit 000000000000 and run r3 from 999999999999"},
		{"unfinished", []*Report{rep("r1"), rep("r4")}, MergeOptions{Worse: worse}, "run r4 has not finished"},
	}
	for _, tc := range tests {
		_, err := Merge(tc.reports, tc.opts)
		if !errors.Is(err, ErrCannotMerge) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Merge error = %v; want %q wrapping ErrCannotMerge", tc.name, err, tc.want)
		}
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, fullRun()...)
	r := buildReport(t, s, fullRunID)
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseJSON(js)
	if err != nil {
		t.Fatalf("ParseJSON: %v", err)
	}
	again, err := got.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(js) {
		t.Errorf("a report read back renders differently:\n%s\nwant\n%s", again, js)
	}

	bad := []struct {
		name, data, want string
	}{
		{"not JSON", "{", "parse report"},
		{"not a report", `{"tasks": []}`, "does not match its schema"},
		{"a field too many", strings.Replace(string(js), `"schema_version": 1,`, `"schema_version": 1, "extra": true,`, 1), "does not match its schema"},
	}
	for _, tc := range bad {
		if _, err := ParseJSON([]byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseJSON error = %v; want %q", tc.name, err, tc.want)
		}
	}
}

func TestTaskMarkdown(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, fullRun()...)
	r := buildReport(t, s, fullRunID)

	got, ok := r.TaskMarkdown("fix-vet")
	if !ok {
		t.Fatal("TaskMarkdown(fix-vet) found no task")
	}
	head := "# safe-coder task fix-vet: succeeded\n\nRun `" + fullRunID + "` · safe-coder v0.1.0 · tasks from `tasks.yaml`\n\n"
	if !strings.HasPrefix(got, head) {
		t.Fatalf("TaskMarkdown starts\n%q\nwant\n%q", got[:min(len(got), len(head))], head)
	}
	// The section is the full report's, less the lines about the pull
	// request the body is for.
	full := r.Markdown()
	start := strings.Index(full, "## fix-vet\n")
	end := strings.Index(full, "## changelog\n")
	section := full[start:end]
	for _, line := range []string{
		"Pull request #42 (draft): <https://github.com/example/greet/pull/42>\n\n",
		"Push of `cccccccccccc` to `origin` `safe-coder/fix-vet-" + fullRunID + "`: pushed\n\n",
	} {
		if !strings.Contains(section, line) {
			t.Fatalf("the full report's section lacks %q", line)
		}
		section = strings.Replace(section, line, "", 1)
	}
	if body := strings.TrimPrefix(got, head); body != section {
		t.Errorf("TaskMarkdown's section =\n%s\nwant\n%s", body, section)
	}

	if md, ok := r.TaskMarkdown("docs"); !ok || !strings.Contains(md, "# safe-coder task docs: not_started") || !strings.Contains(md, "Not started.") {
		t.Errorf("TaskMarkdown(docs) = %q, %t; want a not-started section", md, ok)
	}
	if md, ok := r.TaskMarkdown("nope"); ok || md != "" {
		t.Errorf("TaskMarkdown(nope) = %q, %t; want nothing", md, ok)
	}
}
