package report

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode"
)

// Text renders the report for a terminal: the run, a table of its tasks,
// and per task its steps with where their time went, its denials, checks,
// push and final message, in aligned columns of plain text. Everything the
// run wrote (task names, commands, the model's words) is printed with
// control and bidirectional-override characters escaped, so that nothing
// in a report can move the cursor, recolour the terminal or reorder what
// the reader sees. Like Markdown, the output depends on the report alone.
func (r *Report) Text() string {
	var b strings.Builder
	writeTextRun(&b, r)
	b.WriteString("\n")
	writeTextSummary(&b, r)
	for i := range r.Tasks {
		b.WriteString("\n")
		writeTextTask(&b, &r.Tasks[i])
	}
	return b.String()
}

func writeTextRun(b *strings.Builder, r *Report) {
	fmt.Fprintf(b, "safe-coder run %s: %s\n", cell(r.Run.ID), cell(r.Run.Status))
	run := []string{"started " + orDash(cell(r.Run.StartedAt))}
	if r.Run.FinishedAt != "" {
		exit := fmt.Sprintf("exit code %d", r.Run.ExitCode)
		if r.Run.TerminalReason != "" {
			exit += " (" + cell(r.Run.TerminalReason) + ")"
		}
		run = append(run, "took "+humanDuration(r.Run.DurationMS), exit)
	} else {
		run = append(run, "not finished: still going, or its process was killed")
	}
	if r.Run.Version != "" {
		run = append(run, "safe-coder "+cell(r.Run.Version))
	}
	if r.Run.TaskFile != "" {
		run = append(run, "tasks from "+cell(r.Run.TaskFile))
	}
	b.WriteString(strings.Join(run, ", ") + "\n")

	repo := []string{"repository " + cell(r.Repo.Root)}
	if r.Repo.BaseCommit != "" {
		repo = append(repo, "base "+short(cell(r.Repo.BaseCommit)))
	}
	if r.Repo.OriginalBranch != "" {
		repo = append(repo, "branch "+cell(r.Repo.OriginalBranch))
	} else {
		repo = append(repo, "detached HEAD")
	}
	b.WriteString(strings.Join(repo, ", ") + "\n")
	if r.Repo.RunBranch != "" {
		line := []string{"run branch " + cell(r.Repo.RunBranch)}
		if r.Repo.Head != "" {
			line = append(line, "head "+short(cell(r.Repo.Head)))
		}
		if r.Repo.Snapshot != "" {
			line = append(line, "snapshot "+short(cell(r.Repo.Snapshot)))
		}
		b.WriteString(strings.Join(line, ", ") + "\n")
	}
	writeTextBlock(b, "error", r.Run.Error)
}

func writeTextSummary(b *strings.Builder, r *Report) {
	tw := newTable(b)
	tw.row("TASK", "STATUS", "STEPS", "CALLS", "DENIED", "TOKENS IN/OUT", "COST", "COMMITS", "FILES", "LINES", "DURATION")
	for i := range r.Tasks {
		t := &r.Tasks[i]
		tw.statsRow(cell(t.Name), cell(t.Status), t.Stats, taskDuration(t))
	}
	if len(r.Tasks) > 1 {
		total := "—"
		if r.Run.FinishedAt != "" {
			total = humanDuration(r.Totals.DurationMS)
		}
		tw.statsRow("total", "", r.Totals, total)
	}
	tw.flush()
}

func writeTextTask(b *strings.Builder, t *TaskReport) {
	fmt.Fprintf(b, "== %s: %s\n", cell(t.Name), cell(t.Status))
	if t.StartedAt == "" {
		return
	}
	var head []string
	if t.Limit != "" {
		head = append(head, "limit "+cell(t.Limit)+" reached")
	}
	if t.Approval != "" {
		head = append(head, "approval "+cell(t.Approval))
	}
	if model := strings.Trim(t.Model.Provider+"/"+t.Model.Name, "/"); model != "" {
		head = append(head, "model "+cell(model))
	}
	if t.FinishedAt != "" {
		head = append(head, "took "+humanDuration(t.DurationMS))
	}
	if len(head) > 0 {
		b.WriteString(strings.Join(head, ", ") + "\n")
	}
	var refs []string
	if t.Branch != "" {
		refs = append(refs, "branch "+cell(t.Branch))
	}
	for _, c := range []struct{ label, sha string }{
		{"base", t.BaseCommit}, {"start", t.StartCommit}, {"snapshot", t.SnapshotCommit}, {"head", t.HeadCommit},
	} {
		if c.sha != "" {
			refs = append(refs, c.label+" "+short(cell(c.sha)))
		}
	}
	if len(refs) > 0 {
		b.WriteString(strings.Join(refs, ", ") + "\n")
	}
	if rb := t.Rollback; rb.To != "" {
		fmt.Fprintf(b, "rolled back to %s; the previous tip is kept as %s\n", short(cell(rb.To)), cell(rb.BackupRef))
	}
	if t.Stats.FilesChanged > 0 {
		fmt.Fprintf(b, "%s in %s\n", textLines(t.Stats.Insertions, t.Stats.Deletions), plural(t.Stats.FilesChanged, "file"))
	} else {
		b.WriteString("no files changed\n")
	}
	writeTextPush(b, t)
	writeTextPromptInfo(b, t)
	writeTextSteps(b, t)
	if len(t.Denied) > 0 {
		b.WriteString("\n")
		for _, d := range t.Denied {
			by := d.Reason
			if d.Rule != "" {
				by = d.Rule
			}
			fmt.Fprintf(b, "denied: step %d %s %s (%s)\n", d.Step, cell(d.Tool), cell(truncate(deniedTarget(d.Input), 120)), cell(by))
		}
	}
	writeTextChecks(b, t)
	if t.Plan != "" {
		b.WriteString("\n")
		writeTextBlock(b, "plan", truncate(t.Plan, planLimit))
	}
	if t.FinalMessage != "" && t.FinalMessage != t.Plan {
		b.WriteString("\n")
		writeTextBlock(b, "final message", truncate(t.FinalMessage, finalMessageLimit))
	}
	if t.Error != "" {
		b.WriteString("\n")
		writeTextBlock(b, "error", t.Error)
	}
}

func writeTextPush(b *strings.Builder, t *TaskReport) {
	if pr := t.PR; pr != nil {
		fmt.Fprintf(b, "pull request #%d (%s): %s\n", pr.Number, cell(pr.State), cell(pr.URL))
	}
	if p := t.Push; p != nil {
		result := cell(p.Result)
		switch {
		case p.Result == "":
			result = "not finished"
		case p.Error != "":
			result += ": " + cell(truncate(p.Error, 200))
		}
		fmt.Fprintf(b, "push of %s to %s %s: %s\n", short(cell(p.Commit)), cell(p.Remote), cell(p.Branch), result)
	}
}

func writeTextSteps(b *strings.Builder, t *TaskReport) {
	if len(t.Steps) == 0 {
		return
	}
	b.WriteString("\n")
	tw := newTable(b)
	tw.row("STEP", "TOOLS", "COMMIT", "LINES", "MODEL", "TOOLS", "COMMIT", "TOKENS IN/OUT", "COST", "DURATION")
	for _, s := range t.Steps {
		tools, commit, lines := "—", "—", "—"
		if len(s.Tools) > 0 {
			tools = cell(toolList(s.Tools))
		}
		if s.Commit != "" {
			commit = short(cell(s.Commit))
			lines = textLines(s.Insertions, s.Deletions)
		}
		used := textTokens(s.Tokens)
		if s.Attempts > 1 {
			used += fmt.Sprintf(" (%d attempts)", s.Attempts)
		}
		tw.row(fmt.Sprint(s.Step), tools, commit, lines, humanDuration(s.ModelMS), humanDuration(s.ToolsMS),
			humanDuration(s.CommitMS), used, cost(s.CostUSD), humanDuration(s.DurationMS))
	}
	tw.flush()
}

func writeTextChecks(b *strings.Builder, t *TaskReport) {
	if len(t.Checks) == 0 {
		return
	}
	fmt.Fprintf(b, "\nchecks: %s\n", checksLine(t.Stats))
	tw := newTable(b)
	tw.row("ROUND", "COMMAND", "RESULT", "DURATION")
	for i := range t.Checks {
		c := &t.Checks[i]
		duration := "—"
		if c.FinishedAt != "" {
			duration = humanDuration(c.DurationMS)
		}
		tw.row(fmt.Sprint(c.Round), cell(truncate(c.Command, 120)), cell(checkResult(c)), duration)
	}
	tw.flush()
}

// writeTextBlock prints a labelled multi-line value, each line indented.
func writeTextBlock(b *strings.Builder, label, text string) {
	if text == "" {
		return
	}
	b.WriteString(label + ":\n")
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		line = strings.ReplaceAll(strings.TrimRight(line, "\r"), "\t", "    ")
		line = strings.TrimRight(escapeControls(line), " ")
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + line + "\n")
	}
}

func textLines(ins, del int) string { return fmt.Sprintf("+%d -%d", ins, del) }

func textTokens(t Tokens) string { return fmt.Sprintf("%d/%d", t.Input, t.Output) }

// table aligns rows of cells; cells must not hold tabs or line breaks,
// which cell removes.
type table struct {
	b  *strings.Builder
	tw *tabwriter.Writer
}

func newTable(b *strings.Builder) *table {
	return &table{b: b, tw: tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)}
}

func (t *table) row(cells ...string) {
	// Writes to a strings.Builder cannot fail.
	_, _ = fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) statsRow(name, status string, s Stats, duration string) {
	t.row(name, status, fmt.Sprint(s.Steps), fmt.Sprint(s.ToolCallsTotal), fmt.Sprint(s.Denials),
		textTokens(s.Tokens), cost(s.CostUSD), fmt.Sprint(s.Commits), fmt.Sprint(s.FilesChanged),
		textLines(s.Insertions, s.Deletions), duration)
}

func (t *table) flush() { _ = t.tw.Flush() }

// cell makes a value safe for one cell of a terminal table: on one line,
// without tabs, with control characters escaped.
func cell(s string) string { return escapeControls(inline(s)) }

// escapeControls writes control characters (C0, DEL, C1) and the
// invisible characters that reorder text (bidirectional overrides,
// isolates and marks) as Go escapes, \x1b or \u202e, so a terminal shows
// them instead of obeying them. Line breaks are left to the caller.
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !needsEscape(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func needsEscape(r rune) bool {
	switch {
	case r == '\n':
		return false
	case unicode.IsControl(r):
		return true
	}
	switch r {
	case '\u200e', '\u200f', // left-to-right and right-to-left marks
		'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', // embeddings and overrides
		'\u2066', '\u2067', '\u2068', '\u2069': // isolates
		return true
	}
	return false
}
