package gitsafety

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// workflowDir is where GitHub reads workflows from; a push that changes a
// file under it needs the `workflows` permission.
const workflowDir = ".github/workflows/"

// vetPush checks the commits Base..tip before anything is sent: their
// messages and the content they add through opts.Check, and their paths
// for workflow files.
func (r *Repo) vetPush(ctx context.Context, opts PushOptions, tip plumbing.Hash) error {
	if !plumbing.IsHash(opts.Base) {
		return fmt.Errorf("base %q is not a full commit hash: the commit the run started from is needed to know which commits to check", opts.Base)
	}
	base := plumbing.NewHash(opts.Base)
	commits, err := r.commitsBetween(ctx, base, tip)
	if err != nil {
		return err
	}
	workflows := map[string]bool{}
	checked := map[plumbing.Hash]bool{}
	for _, h := range commits {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := r.readCommit(h)
		if err != nil {
			return err
		}
		if opts.Check != nil {
			if err := opts.Check("message of commit "+h.String(), []byte(c.message)); err != nil {
				return fmt.Errorf("%w: the message of commit %s: %w; nothing was pushed", ErrRefused, h, err)
			}
		}
		parentTree := plumbing.ZeroHash
		if len(c.parents) > 0 {
			// Against the first parent: what a merge brings in from its
			// other parents is sent too and must be checked.
			p, err := r.readCommit(c.parents[0])
			if err != nil {
				return err
			}
			parentTree = p.tree
		}
		changes, err := r.diffTrees(ctx, parentTree, c.tree)
		if err != nil {
			return fmt.Errorf("diff commit %s: %w", h, err)
		}
		for _, ch := range changes {
			if strings.HasPrefix(ch.name, workflowDir) {
				workflows[ch.name] = true
			}
			if opts.Check == nil || ch.to == nil || ch.to.mode == filemode.Submodule || checked[ch.to.hash] {
				continue
			}
			if ch.from != nil && ch.from.hash == ch.to.hash {
				continue // a mode change: the content was there before
			}
			data, err := r.readObject(plumbing.BlobObject, ch.to.hash)
			if err != nil {
				return fmt.Errorf("read %s of commit %s: %w", ch.name, h, err)
			}
			if err := opts.Check(ch.name, data); err != nil {
				return fmt.Errorf("%w: %s in commit %s: %w; nothing was pushed", ErrRefused, ch.name, h, err)
			}
			checked[ch.to.hash] = true
		}
	}
	if len(workflows) > 0 && !opts.AllowWorkflows {
		names := make([]string, 0, len(workflows))
		for n := range workflows {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("%w: the commits change %s; GitHub refuses such a push unless the token has the `workflows` permission, which a workflow's GITHUB_TOKEN never has. Either keep the run away from %s (protect the path), or push with a token that has it (a fine-grained token with Workflows: write, or a GitHub App token with workflows: write) and set pr.workflows: true; nothing was pushed",
			ErrWorkflowPermission, strings.Join(names, ", "), workflowDir)
	}
	return nil
}

// commitsBetween lists the commits reachable from tip and not from base,
// tip first. The walk stops at base, so base must be an ancestor of tip, as
// a run's start is of its branch.
func (r *Repo) commitsBetween(ctx context.Context, base, tip plumbing.Hash) ([]plumbing.Hash, error) {
	var out []plumbing.Hash
	seen := map[plumbing.Hash]bool{base: true}
	queue := []plumbing.Hash{tip}
	foundBase := tip == base
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(out) >= maxRunCommits {
			return nil, fmt.Errorf("more than %d commits between %s and %s", maxRunCommits, base, tip)
		}
		h := queue[0]
		queue = queue[1:]
		if seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
		c, err := r.readCommit(h)
		if err != nil {
			return nil, err
		}
		for _, p := range c.parents {
			if p == base {
				foundBase = true
			}
			if !seen[p] {
				queue = append(queue, p)
			}
		}
	}
	if !foundBase {
		return nil, fmt.Errorf("base %s is not an ancestor of the branch tip %s, so the commits the run made cannot be told from older history", base, tip)
	}
	return out, nil
}
