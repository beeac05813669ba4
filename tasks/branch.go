package tasks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// BranchName expands the task's branch template: {task} becomes the task
// name, {run} the run id and {date} now's UTC date as YYYYMMDD.
func (t Task) BranchName(run string, now time.Time) string {
	return expandBranch(t.Git.Branch, t.Name, run, now.UTC().Format("20060102"))
}

// PRTitle expands the task's pull-request title template like BranchName:
// {task} becomes the task name, {run} the run id and {date} now's UTC date
// as YYYYMMDD.
func (t Task) PRTitle(run string, now time.Time) string {
	return expandBranch(t.PR.Title, t.Name, run, now.UTC().Format("20060102"))
}

func expandBranch(tmpl, task, run, date string) string {
	return strings.NewReplacer("{task}", task, "{run}", run, "{date}", date).Replace(tmpl)
}

// Sample values a template is expanded with to check that it yields valid
// branch names; they have the shape of the real ones.
const (
	sampleTask = "task"
	sampleRun  = "20260101-000000-abcd"
	sampleDate = "20260101"
)

// placeholderPattern matches one {...} in a template.
var placeholderPattern = regexp.MustCompile(`\{[^{}]*\}`)

func placeholders() []string { return []string{"{task}", "{run}", "{date}"} }

// checkPlaceholders returns what is wrong with the placeholders of a
// template (branch or pull-request title), or "".
func checkPlaceholders(tmpl string) string {
	for _, p := range placeholderPattern.FindAllString(tmpl, -1) {
		if !slices.Contains(placeholders(), p) {
			msg := fmt.Sprintf("unknown placeholder %s; use {task}, {run} or {date}", clip(p))
			if s, ok := suggest(p, placeholders()); ok {
				msg = fmt.Sprintf("unknown placeholder %s; did you mean %s?", clip(p), s)
			}
			return msg
		}
	}
	if strings.ContainsAny(placeholderPattern.ReplaceAllString(tmpl, ""), "{}") {
		return fmt.Sprintf("unmatched brace in %s; braces only surround {task}, {run} and {date}", quote(tmpl))
	}
	return ""
}

// checkTemplate returns what is wrong with a branch template, or "".
func checkTemplate(tmpl string) string {
	if problem := checkPlaceholders(tmpl); problem != "" {
		return problem
	}
	if !strings.Contains(tmpl, "{run}") {
		return fmt.Sprintf("%s must contain {run}; without it two runs of the same task would use the same branch", quote(tmpl))
	}
	name := expandBranch(tmpl, sampleTask, sampleRun, sampleDate)
	if problem := checkBranchName(name); problem != "" {
		return fmt.Sprintf("%s expands to %s, which is not a valid git branch name: %s", quote(tmpl), quote(name), problem)
	}
	return ""
}

// checkBranchName returns why name is not a valid branch name by the rules
// of `git check-ref-format --branch`, or "".
func checkBranchName(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case name == "HEAD":
		return `it is "HEAD"`
	case strings.HasPrefix(name, "-"):
		return `it starts with "-"`
	case strings.HasPrefix(name, "/"):
		return `it starts with "/"`
	case strings.HasSuffix(name, "/"):
		return `it ends with "/"`
	case strings.HasSuffix(name, "."):
		return `it ends with "."`
	}
	for _, bad := range []string{"..", "//", "@{"} {
		if strings.Contains(name, bad) {
			return fmt.Sprintf("it contains %q", bad)
		}
	}
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f:
			return "it contains a control character"
		case r == ' ':
			return "it contains a space"
		case strings.ContainsRune(`~^:?*[\`, r):
			return fmt.Sprintf("it contains %q", string(r))
		}
	}
	for _, c := range strings.Split(name, "/") {
		if strings.HasPrefix(c, ".") {
			return fmt.Sprintf("component %q starts with \".\"", c)
		}
		if strings.HasSuffix(c, ".lock") {
			return fmt.Sprintf("component %q ends with \".lock\"", c)
		}
	}
	return ""
}
