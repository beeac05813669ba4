package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/tasks"
)

// baseRefEnv is set by GitHub Actions for pull_request and
// pull_request_target events only: the name of the branch the pull request
// targets. In such a workflow HEAD is the pull request's own commit (or
// GitHub's merge commit), so instructions_from: base must read the target
// branch, or a pull request that edits AGENTS.md rewrites its own rules.
const baseRefEnv = "GITHUB_BASE_REF"

// instructionBases are the commits that instructions_from: base reads, by
// task name. A task that is not in it reads the run's base commit.
type instructionBases map[string]string

// resolveInstructionBases finds, when baseRef (GITHUB_BASE_REF) is set,
// the commit of refs/remotes/<pr.remote>/<baseRef> for every selected task
// that reads its instruction files from base. A ref the repository lacks
// is a repository error naming the fetch that brings it: the run must not
// fall back to HEAD, which the pull request wrote. It returns nil when
// baseRef is "" or no selected task reads from base, and when root is not
// a repository (validate outside one: there is no base to read).
func resolveInstructionBases(ctx context.Context, root string, selected []tasks.Task, baseRef string) (instructionBases, error) {
	baseRef = strings.TrimSpace(baseRef)
	if baseRef == "" {
		return nil, nil
	}
	var repo *gitsafety.Repo
	out := instructionBases{}
	for _, t := range selected {
		if t.InstructionsFrom != tasks.InstructionsBase {
			continue
		}
		if repo == nil {
			r, err := gitsafety.Open(ctx, root)
			if errors.Is(err, gitsafety.ErrNotRepo) {
				return nil, nil
			}
			if err != nil {
				return nil, exitWith(exitRepo, err)
			}
			repo = r
		}
		remote := t.PR.Remote
		if remote == "" {
			remote = "origin"
		}
		ref := "refs/remotes/" + remote + "/" + baseRef
		commit, err := repo.ResolveRef(ctx, ref)
		if errors.Is(err, gitsafety.ErrNoRef) {
			return nil, exitWith(exitRepo, fmt.Errorf("task %s: instructions_from: base reads the pull request's base branch (%s=%s), but this clone has no %s; fetch it before the run: a step `git fetch --depth=1 %s %s`, or `fetch-depth: 0` in actions/checkout", t.Name, baseRefEnv, baseRef, ref, remote, baseRef))
		}
		if err != nil {
			return nil, exitWith(exitRepo, fmt.Errorf("task %s: instructions_from: base with %s=%s: %w", t.Name, baseRefEnv, baseRef, err))
		}
		out[t.Name] = commit
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// describe writes, once per run, where instructions_from: base reads: one
// line per distinct commit, with the tasks that read it. runBase is the
// run's base commit, read by the tasks when b is empty (with baseRef,
// GITHUB_BASE_REF, set b holds every task that reads from base).
func (b instructionBases) describe(w io.Writer, selected []tasks.Task, runBase, baseRef string) {
	var commits []string
	byCommit := map[string][]string{}
	for _, t := range selected {
		if t.InstructionsFrom != tasks.InstructionsBase {
			continue
		}
		c, ok := b[t.Name]
		if !ok {
			c = runBase
		}
		if _, seen := byCommit[c]; !seen {
			commits = append(commits, c)
		}
		byCommit[c] = append(byCommit[c], t.Name)
	}
	for _, c := range commits {
		what := "the run's base commit"
		if len(b) > 0 {
			what = fmt.Sprintf("the pull request's base branch %s (%s)", strings.TrimSpace(baseRef), baseRefEnv)
		}
		fmt.Fprintf(w, "safe-coder: instructions_from: base: task(s) %s read instruction files at %s, %s\n",
			strings.Join(byCommit[c], ", "), c, what)
	}
}
