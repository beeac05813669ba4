package tasks

import (
	"errors"
	"os/exec"
	"testing"
	"time"
)

func TestBranchName(t *testing.T) {
	t.Parallel()
	// 23:30 on Dec 31 in New York is already Jan 1 in UTC.
	ny := time.FixedZone("EST", -5*60*60)
	tests := []struct {
		name     string
		template string
		task     string
		run      string
		now      time.Time
		want     string
	}{
		{"default template", "safe-coder/{task}-{run}", "fix-vet", "20260314-101500-9f3c", time.Date(2026, 3, 14, 10, 15, 0, 0, time.UTC), "safe-coder/fix-vet-20260314-101500-9f3c"},
		{"date in UTC", "ai/{date}/{task}-{run}", "docs", "r1", time.Date(2025, 12, 31, 23, 30, 0, 0, ny), "ai/20260101/docs-r1"},
		{"placeholders repeated", "{task}/{run}/{task}", "a", "r", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), "a/r/a"},
		{"no placeholders but run", "bots/{run}", "a", "r9", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), "bots/r9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			task := Task{Name: tc.task, Git: Git{Branch: tc.template}}
			if got := task.BranchName(tc.run, tc.now); got != tc.want {
				t.Errorf("BranchName(%q, %v) = %q; want %q", tc.run, tc.now, got, tc.want)
			}
		})
	}
}

// TestCheckBranchNameAgreesWithGit runs every name through the real
// `git check-ref-format --branch`, the rule the check reimplements.
func TestCheckBranchNameAgreesWithGit(t *testing.T) {
	t.Parallel()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("git is needed to check branch names: %v", err)
	}
	names := []string{
		"safe-coder/fix-vet-20260101-000000-abcd", "a", "a/b/c", "a-b_c.d", "a@b", "a{b}", "é/ü",
		"HEAD", "a/HEAD", "-a", "a/-b", "a.", "a/.b", ".a", "a.lock", "a.lock/b", "a/b.lock", "a.locks",
		"a..b", "a//b", "/a", "a/", "a@{b", "a b", "a\tb", "a\x7fb", `a\b`, "a~b", "a^b", "a:b", "a?b",
		"a*b", "a[b", "a]b", "a/./b", "a/../b",
	}
	dir := t.TempDir()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), git, "check-ref-format", "--branch", name)
			// Outside a repository, so @{-1} and friends are not
			// resolved against anything.
			cmd.Dir = dir
			err := cmd.Run()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatalf("run git: %v", err)
			}
			gitOK := err == nil
			problem := checkBranchName(name)
			if gitOK != (problem == "") {
				t.Errorf("checkBranchName(%q) = %q; git check-ref-format --branch accepts it: %v", name, problem, gitOK)
			}
		})
	}
}
