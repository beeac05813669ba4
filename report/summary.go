package report

// summarize fills each task's stats from its steps (the message count is
// already there), then the totals, the repository's run branch and the
// run's terminal reason.
func (l *loaded) summarize() {
	r := l.report
	for i := range r.Tasks {
		t := &r.Tasks[i]
		st := Stats{DurationMS: t.DurationMS, Steps: len(t.Steps), Messages: t.Stats.Messages,
			ToolCalls: map[string]int{}, Tools: l.tools[i], CostUSD: knownCost(0)}
		files := map[string]bool{}
		for _, step := range t.Steps {
			for _, tool := range step.Tools {
				st.ToolCalls[tool]++
			}
			st.ToolCallsTotal += len(step.Tools)
			st.Denials += step.Denials
			st.Tokens = st.Tokens.add(step.Tokens)
			st.CostUSD = addCost(st.CostUSD, step.CostUSD)
			st.Attempts += step.Attempts
			st.ModelMS += step.ModelMS
			st.ToolsMS += step.ToolsMS
			st.CommitMS += step.CommitMS
			if step.Commit != "" {
				st.Commits++
				st.Insertions += step.Insertions
				st.Deletions += step.Deletions
				for _, f := range step.Files {
					files[f] = true
				}
			}
		}
		st.FilesChanged = len(files)
		st.ChecksRun = len(t.Checks)
		for _, c := range t.Checks {
			if c.FinishedAt != "" && !c.Passed {
				st.ChecksFailed++
			}
		}
		t.Stats = st
	}
	r.Totals = totalsOf(r.Tasks)
	l.summarizeRepo()
	r.Run.TerminalReason = terminalReason(r, l.reason)
}

// totalsOf sums the tasks' stats. FilesChanged counts the distinct paths
// of all the tasks' step commits, so a file two tasks changed counts once.
func totalsOf(tasks []TaskReport) Stats {
	totals := Stats{ToolCalls: map[string]int{}, Tools: map[string]ToolStats{}, CostUSD: knownCost(0)}
	allFiles := map[string]bool{}
	for i := range tasks {
		st := tasks[i].Stats
		for _, step := range tasks[i].Steps {
			if step.Commit == "" {
				continue
			}
			for _, f := range step.Files {
				allFiles[f] = true
			}
		}
		totals.DurationMS += st.DurationMS
		totals.Steps += st.Steps
		totals.Messages += st.Messages
		for tool, n := range st.ToolCalls {
			totals.ToolCalls[tool] += n
		}
		for tool, ts := range st.Tools {
			totals.Tools[tool] = totals.Tools[tool].add(ts)
		}
		totals.Insertions += st.Insertions
		totals.Deletions += st.Deletions
		totals.ModelMS += st.ModelMS
		totals.ToolsMS += st.ToolsMS
		totals.CommitMS += st.CommitMS
		totals.ToolCallsTotal += st.ToolCallsTotal
		totals.Denials += st.Denials
		totals.Tokens = totals.Tokens.add(st.Tokens)
		totals.CostUSD = addCost(totals.CostUSD, st.CostUSD)
		totals.Attempts += st.Attempts
		totals.Commits += st.Commits
		totals.ChecksRun += st.ChecksRun
		totals.ChecksFailed += st.ChecksFailed
	}
	totals.FilesChanged = len(allFiles)
	return totals
}

// summarizeRepo fills the repository's run branch, head and snapshot from
// its tasks: the branch and head of the task that started last, and the
// first snapshot.
func (l *loaded) summarizeRepo() {
	r := l.report
	last := -1
	for i := range r.Tasks {
		if l.started[i] != 0 && (last < 0 || l.started[i] >= l.started[last]) {
			last = i
		}
		if r.Repo.Snapshot == "" {
			r.Repo.Snapshot = r.Tasks[i].SnapshotCommit
		}
	}
	if last < 0 {
		return
	}
	t := &r.Tasks[last]
	r.Repo.RunBranch = t.Branch
	r.Repo.Head = taskTip(t)
}

// taskTip is where a task's branch points as far as the store knows.
func taskTip(t *TaskReport) string {
	if t.Rollback.To != "" {
		return t.Rollback.To
	}
	if t.HeadCommit != "" {
		return t.HeadCommit
	}
	for i := len(t.Steps) - 1; i >= 0; i-- {
		if c := t.Steps[i].Commit; c != "" {
			return c
		}
	}
	return t.StartCommit
}

// terminalReason is the reason the run recorded or, for a finished run
// without one, the one deriveReason gives.
func terminalReason(r *Report, recorded string) string {
	limit := ""
	for _, t := range r.Tasks {
		if t.Limit != "" {
			limit = t.Limit
			break
		}
	}
	return deriveReason(recorded, r.Run.FinishedAt != "", r.Run.Status, r.Run.ExitCode, limit)
}

// deriveReason is the terminal reason a run recorded or, for a run that
// finished without one (recorded before reasons existed, or by a caller
// that left it to the report), the reason its status implies: the limit
// of its first limited task (firstLimit), the signal its exit code names.
// A run that has not finished has none yet.
func deriveReason(recorded string, finished bool, status string, exitCode int, firstLimit string) string {
	switch {
	case recorded != "":
		return recorded
	case !finished:
		return ""
	}
	switch status {
	case "succeeded":
		return ReasonCompleted
	case "limit_reached":
		if firstLimit != "" {
			return LimitReason(firstLimit)
		}
	case "cancelled":
		// The CLI's exit codes for the two signals it handles.
		switch exitCode {
		case 130:
			return SignalReason("SIGINT")
		case 143:
			return SignalReason("SIGTERM")
		}
		return ReasonCancelled
	}
	return status
}
