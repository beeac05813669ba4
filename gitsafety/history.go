package gitsafety

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// commitInfo is the part of a commit object this package reads.
type commitInfo struct {
	tree    plumbing.Hash
	parents []plumbing.Hash
	message string
}

func (r *Repo) readCommit(h plumbing.Hash) (commitInfo, error) {
	b, err := r.readObject(plumbing.CommitObject, h)
	if err != nil {
		return commitInfo{}, err
	}
	header, message, _ := strings.Cut(string(b), "\n\n")
	var c commitInfo
	for line := range strings.SplitSeq(header, "\n") {
		key, value, _ := strings.Cut(line, " ")
		switch key {
		case "tree":
			if !plumbing.IsHash(value) {
				return commitInfo{}, fmt.Errorf("commit %s: malformed tree line %q", h, line)
			}
			c.tree = plumbing.NewHash(value)
		case "parent":
			if !plumbing.IsHash(value) {
				return commitInfo{}, fmt.Errorf("commit %s: malformed parent line %q", h, line)
			}
			c.parents = append(c.parents, plumbing.NewHash(value))
		}
	}
	if c.tree.IsZero() {
		return commitInfo{}, fmt.Errorf("commit %s has no tree", h)
	}
	c.message = message
	return c, nil
}

// trailers returns the "Key: value" lines of a message's last paragraph,
// where this package writes its trailers.
func trailers(message string) map[string]string {
	paragraphs := strings.Split(strings.TrimRight(message, "\n"), "\n\n")
	last := paragraphs[len(paragraphs)-1]
	out := map[string]string{}
	for line := range strings.SplitSeq(last, "\n") {
		key, value, ok := strings.Cut(line, ": ")
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			continue
		}
		out[key] = strings.TrimSpace(value)
	}
	return out
}

// runHistory is a run's part of a branch: the commits that carry its
// trailers, from the tip down to the first commit that does not.
type runHistory struct {
	commits  []plumbing.Hash // tip first
	base     plumbing.Hash   // where the run started: the parent of its first commit
	snapshot plumbing.Hash   // the "Snapshot: session start" commit, zero if none
	steps    map[int]plumbing.Hash
}

// start is where the agent began: the snapshot, or the base.
func (h *runHistory) start() plumbing.Hash {
	if !h.snapshot.IsZero() {
		return h.snapshot
	}
	return h.base
}

// maxRunCommits bounds the walk down a branch; no run makes that many.
const maxRunCommits = 100000

// runHistory walks the first-parent chain from tip while the commits
// carry run's and task's trailers. With none, commits is empty and base is
// tip.
func (r *Repo) runHistory(ctx context.Context, tip plumbing.Hash, run, task string) (*runHistory, error) {
	h := &runHistory{steps: map[int]plumbing.Hash{}}
	at := tip
	for range maxRunCommits {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := r.readCommit(at)
		if err != nil {
			return nil, err
		}
		t := trailers(c.message)
		if t[trailerRun] != run || t[trailerTask] != task {
			h.base = at
			return h, nil
		}
		h.commits = append(h.commits, at)
		if n, err := strconv.Atoi(t[trailerStep]); err == nil {
			if _, seen := h.steps[n]; !seen {
				// Seen from the tip: a step committed again after a
				// rollback is found at its latest commit.
				h.steps[n] = at
			}
			if n == 0 {
				h.snapshot = at
			}
		}
		if len(c.parents) == 0 {
			return nil, fmt.Errorf("commit %s of run %s has no parent: the run's start is missing", at, run)
		}
		at = c.parents[0]
	}
	return nil, fmt.Errorf("run %s: more than %d commits on its branch", run, maxRunCommits)
}
