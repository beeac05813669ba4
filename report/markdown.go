package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// finalMessageLimit bounds the final message quoted in Markdown, in
// characters: a PR body has a size limit and the JSON report keeps it all.
const finalMessageLimit = 2000

// shortSHALen is how much of a commit id Markdown shows.
const shortSHALen = 12

// Markdown renders the report for people: a title, a summary table with a
// row per task, and a section per task with its diffstat, its steps (a
// table, and a Mermaid gantt chart of model, tool and commit time that
// GitHub draws), denials, checks and pull request. The output depends on
// the report alone, so rendering the same run twice gives the same bytes.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# safe-coder run %s: %s\n\n", inline(r.Run.ID), inline(r.Run.Status))
	writeRunLines(&b, r)
	writeSummary(&b, r)
	for i := range r.Tasks {
		writeTask(&b, &r.Tasks[i])
	}
	return b.String()
}

func writeRunLines(b *strings.Builder, r *Report) {
	run := []string{"started " + orDash(r.Run.StartedAt)}
	if r.Run.FinishedAt != "" {
		exit := fmt.Sprintf("exit code %d", r.Run.ExitCode)
		if r.Run.TerminalReason != "" {
			exit += " (" + code(r.Run.TerminalReason) + ")"
		}
		run = append(run, "took "+humanDuration(r.Run.DurationMS), exit)
	}
	if r.Run.Version != "" {
		run = append(run, "safe-coder "+inline(r.Run.Version))
	}
	if r.Run.TaskFile != "" {
		run = append(run, "tasks from "+code(r.Run.TaskFile))
	}
	b.WriteString(capitalize(strings.Join(run, " · ")) + "\n\n")

	repo := []string{"repository " + code(r.Repo.Root)}
	if r.Repo.BaseCommit != "" {
		repo = append(repo, "base "+code(short(r.Repo.BaseCommit)))
	}
	if r.Repo.OriginalBranch != "" {
		repo = append(repo, "branch "+code(r.Repo.OriginalBranch))
	} else {
		repo = append(repo, "detached HEAD")
	}
	b.WriteString(capitalize(strings.Join(repo, " · ")) + "\n\n")
	if r.Repo.RunBranch != "" {
		line := []string{"run branch " + code(r.Repo.RunBranch)}
		if r.Repo.Head != "" {
			line = append(line, "head "+code(short(r.Repo.Head)))
		}
		if r.Repo.Snapshot != "" {
			line = append(line, "snapshot "+code(short(r.Repo.Snapshot)))
		}
		b.WriteString(capitalize(strings.Join(line, " · ")) + "\n\n")
	}
	if r.Run.FinishedAt == "" {
		b.WriteString(notFinished + "\n\n")
	}
	writeError(b, r.Run.Error)
}

// notFinished explains a run without an end: the store cannot tell a run
// that is still going from one whose process died.
const notFinished = "Not finished: the run is still going, or its process was killed before it could record its end."

func writeSummary(b *strings.Builder, r *Report) {
	b.WriteString("| task | status | steps | messages | tool calls | denials | tokens in / out | cost | commits | files | lines | duration |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, t := range r.Tasks {
		writeStatsRow(b, t.Name, t.Status, t.Stats, taskDuration(&t))
	}
	if len(r.Tasks) > 1 {
		total := "—"
		if r.Run.FinishedAt != "" {
			total = humanDuration(r.Totals.DurationMS)
		}
		writeStatsRow(b, "**total**", "", r.Totals, total)
	}
	b.WriteString("\n")
}

func writeStatsRow(b *strings.Builder, name, status string, s Stats, duration string) {
	tableRow(b, name, status,
		fmt.Sprint(s.Steps), fmt.Sprint(s.Messages), fmt.Sprint(s.ToolCallsTotal), fmt.Sprint(s.Denials),
		tokens(s.Tokens), cost(s.CostUSD), fmt.Sprint(s.Commits), fmt.Sprint(s.FilesChanged), lineCounts(s.Insertions, s.Deletions), duration)
}

func writeTask(b *strings.Builder, t *TaskReport) {
	writeTaskWith(b, t, writePush)
}

// writeTaskWith writes a task's section with push writing its push and
// pull request lines.
func writeTaskWith(b *strings.Builder, t *TaskReport, push func(*strings.Builder, *TaskReport)) {
	fmt.Fprintf(b, "## %s\n\n", inline(t.Name))
	if t.StartedAt == "" {
		b.WriteString("Not started.\n\n")
		return
	}

	head := []string{"**" + inline(t.Status) + "**"}
	if t.Limit != "" {
		head = append(head, "limit "+code(t.Limit)+" reached")
	}
	if t.Approval != "" {
		head = append(head, "approval "+code(t.Approval))
	}
	if model := strings.Trim(t.Model.Provider+"/"+t.Model.Name, "/"); model != "" {
		head = append(head, "model "+code(model))
	}
	if t.FinishedAt != "" {
		head = append(head, humanDuration(t.DurationMS))
	}
	b.WriteString(strings.Join(head, " · ") + "\n\n")

	var refs []string
	if t.Branch != "" {
		refs = append(refs, "branch "+code(t.Branch))
	}
	for _, c := range []struct{ label, sha string }{
		{"base", t.BaseCommit}, {"start", t.StartCommit}, {"snapshot", t.SnapshotCommit}, {"head", t.HeadCommit},
	} {
		if c.sha != "" {
			refs = append(refs, c.label+" "+code(short(c.sha)))
		}
	}
	if len(refs) > 0 {
		b.WriteString(capitalize(strings.Join(refs, " · ")) + "\n\n")
	}
	writeRollback(b, t.Rollback)
	b.WriteString(diffstat(t.Stats) + "\n\n")
	push(b, t)
	writePromptInfo(b, t)

	if len(t.Steps) > 0 {
		b.WriteString("| step | tools | commit | lines | model · tools · commit | tokens in / out | cost | duration |\n")
		b.WriteString("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |\n")
		for _, s := range t.Steps {
			tools, commit, lines := "—", "—", "—"
			if len(s.Tools) > 0 {
				tools = toolList(s.Tools)
			}
			if s.Commit != "" {
				commit = code(short(s.Commit))
				lines = lineCounts(s.Insertions, s.Deletions)
			}
			used := tokens(s.Tokens)
			if s.Attempts > 1 {
				// Retries explain a slow step; one attempt is the norm
				// and not worth a word.
				used += fmt.Sprintf(" · %d attempts", s.Attempts)
			}
			tableRow(b, fmt.Sprint(s.Step), tools, commit, lines, stepTimes(s), used, cost(s.CostUSD), humanDuration(s.DurationMS))
		}
		b.WriteString("\n")
		writeGantt(b, t)
	}

	fmt.Fprintf(b, "Tool calls: %s\n\n", toolCallsLine(t.Stats))
	if len(t.Denied) > 0 {
		b.WriteString("Denied by policy:\n\n")
		for _, d := range t.Denied {
			by := d.Reason
			if d.Rule != "" {
				by = code(d.Rule)
			}
			fmt.Fprintf(b, "- step %d: %s %s — %s\n", d.Step, d.Tool, code(truncate(deniedTarget(d.Input), 120)), oneLineText(by))
		}
		b.WriteString("\n")
	}
	writeChecks(b, t)
	writePlan(b, t)
	if t.FinalMessage != "" && t.FinalMessage != t.Plan {
		b.WriteString("Final message:\n\n")
		b.WriteString(blockquote(truncate(t.FinalMessage, finalMessageLimit)))
		b.WriteString("\n")
	}
	writeError(b, t.Error)
}

func writeError(b *strings.Builder, msg string) {
	if msg == "" {
		return
	}
	b.WriteString("Error:\n\n")
	b.WriteString(fenced(msg))
	b.WriteString("\n")
}

// toolList names tools in order of first use, with a count after any used
// more than once: "read_file ×2, write_file".
func toolList(tools []string) string {
	counts := map[string]int{}
	var order []string
	for _, t := range tools {
		if counts[t] == 0 {
			order = append(order, t)
		}
		counts[t]++
	}
	return countList(order, counts)
}

func toolCallsLine(s Stats) string {
	if s.ToolCallsTotal == 0 {
		return "none"
	}
	names := make([]string, 0, len(s.ToolCalls))
	for name := range s.ToolCalls {
		names = append(names, name)
	}
	sort.Strings(names)
	calls := "calls"
	if s.ToolCallsTotal == 1 {
		calls = "call"
	}
	line := fmt.Sprintf("%s (%d %s", countList(names, s.ToolCalls), s.ToolCallsTotal, calls)
	if s.Denials > 0 {
		line += fmt.Sprintf(", %d denied", s.Denials)
	}
	return inline(line + ")")
}

func countList(names []string, counts map[string]int) string {
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name
		if n := counts[name]; n > 1 {
			parts[i] = fmt.Sprintf("%s ×%d", name, n)
		}
	}
	return strings.Join(parts, ", ")
}

func tokens(t Tokens) string { return fmt.Sprintf("%d / %d", t.Input, t.Output) }

// lineCounts prints lines added and removed as a diffstat does, with a
// true minus sign: +12 −3.
func lineCounts(ins, del int) string { return fmt.Sprintf("+%d −%d", ins, del) }

// diffstat sums up what a task's commits changed: "+12 −3 in 4 files".
func diffstat(s Stats) string {
	if s.FilesChanged == 0 {
		return "No files changed."
	}
	return lineCounts(s.Insertions, s.Deletions) + " in " + plural(s.FilesChanged, "file")
}

// plural counts a noun: "1 file", "4 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// stepTimes prints where a step's time went: model · tools · commit.
func stepTimes(s StepReport) string {
	return humanDuration(s.ModelMS) + " · " + humanDuration(s.ToolsMS) + " · " + humanDuration(s.CommitMS)
}

// cost prints US dollars to the hundredth of a cent, "—" when unknown. A
// cost too small to show is not printed as $0.0000, which would read as
// free.
func cost(usd *float64) string {
	switch {
	case usd == nil:
		return "—"
	case *usd > 0 && *usd < 0.00005:
		return "<$0.0001"
	}
	return fmt.Sprintf("$%.4f", *usd)
}

func taskDuration(t *TaskReport) string {
	if t.FinishedAt == "" {
		return "—"
	}
	return humanDuration(t.DurationMS)
}

// humanDuration prints milliseconds the way people read them: 850ms, 1.2s,
// 3m04s, 1h02m03s.
func humanDuration(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%dms", max(ms, 0))
	}
	if tenths := (ms + 50) / 100; tenths < 600 {
		return fmt.Sprintf("%d.%ds", tenths/10, tenths%10)
	}
	secs := (ms + 500) / 1000
	if secs < 3600 {
		return fmt.Sprintf("%dm%02ds", secs/60, secs%60)
	}
	return fmt.Sprintf("%dh%02dm%02ds", secs/3600, secs/60%60, secs%60)
}

// deniedTarget is what a denied call asked for, as people read it: the
// command or path of its input, or the input itself.
func deniedTarget(input json.RawMessage) string {
	var in map[string]any
	if json.Unmarshal(input, &in) == nil {
		for _, key := range []string{"command", "path", "pattern"} {
			if v, ok := in[key].(string); ok {
				return v
			}
		}
	}
	return string(input)
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }
