package main

import (
	"fmt"
	"strings"

	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
)

// quietLine is the one line `run --quiet` prints: for cron mail and CI
// logs that only need the outcome, e.g.
//
//	safe-coder: run 20261127-010203-3fa2 checks_failed (exit 1): 3 tasks: 2 succeeded, 1 checks_failed (lint)
//
// Statuses come in the order their first task has in the run; the tasks
// of every status but succeeded are named, as they are the ones to look at.
func quietLine(rep *report.Report) string {
	var order []string
	names := map[string][]string{}
	for _, t := range rep.Tasks {
		if _, seen := names[t.Status]; !seen {
			order = append(order, t.Status)
		}
		names[t.Status] = append(names[t.Status], t.Name)
	}
	parts := make([]string, len(order))
	for i, st := range order {
		parts[i] = fmt.Sprintf("%d %s", len(names[st]), st)
		if st != string(runner.StatusSucceeded) {
			parts[i] += " (" + strings.Join(names[st], ", ") + ")"
		}
	}
	summary := "no task"
	if n := len(rep.Tasks); n > 0 {
		summary = fmt.Sprintf("%d %s: %s", n, plural(n, "task", "tasks"), strings.Join(parts, ", "))
	}
	return fmt.Sprintf("safe-coder: run %s %s (exit %d): %s\n", rep.Run.ID, rep.Run.Status, rep.Run.ExitCode, oneLine(summary))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// oneLine keeps a line one line whatever a task's name holds.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
