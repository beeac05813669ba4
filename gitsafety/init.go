package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// InitialCommitMessage is the message of the empty commit Init records.
const InitialCommitMessage = "Initial commit (safe-coder --init)\n"

// Init creates a git repository in dir, made when missing, as `git init -b
// main` would, and records on main an empty commit with
// InitialCommitMessage, so that a run has a base to branch from and roll
// back to. Files already in dir stay untracked: the first run's snapshot
// commits them. safe-coder only calls Init when asked (--init); Open never
// creates a repository.
//
// Init refuses with ErrAlreadyRepo when dir is already inside a work tree,
// so a repository is never nested by accident. The repository is
// assembled in a temporary directory inside dir and renamed to .git in one
// step: an interrupted Init leaves no half-made repository behind.
func Init(ctx context.Context, dir string) (*Repo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o777); err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	if root, _, err := findGitDir(abs); err == nil {
		return nil, fmt.Errorf("init %s: %w: %s is a work tree; run safe-coder there without --init", dir, ErrAlreadyRepo, root)
	} else if !errors.Is(err, ErrNotRepo) {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	dotGit := filepath.Join(abs, ".git")
	if _, err := os.Lstat(dotGit); err == nil {
		return nil, fmt.Errorf("init %s: %s exists but is not a git directory; move it away first", dir, dotGit)
	}

	tmp, err := os.MkdirTemp(abs, ".git-safe-coder-init-")
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	if err := populateGitDir(ctx, abs, tmp); err != nil {
		return nil, errors.Join(fmt.Errorf("init %s: %w", dir, err), os.RemoveAll(tmp))
	}
	if err := os.Rename(tmp, dotGit); err != nil {
		return nil, errors.Join(fmt.Errorf("init %s: %w", dir, err), os.RemoveAll(tmp))
	}
	return Open(ctx, abs)
}

// populateGitDir lays out a git directory at gitDir for the work tree
// root, with main holding one empty commit.
func populateGitDir(ctx context.Context, root, gitDir string) error {
	// MkdirTemp made it private; a git directory is as readable as the
	// work tree around it.
	if err := os.Chmod(gitDir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"hooks", "info", "objects/info", "objects/pack", "refs/heads", "refs/tags"} {
		if err := os.MkdirAll(filepath.Join(gitDir, filepath.FromSlash(d)), 0o777); err != nil {
			return err
		}
	}
	files := []struct{ name, content string }{
		{"HEAD", "ref: refs/heads/main\n"},
		{"config", "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n"},
		{"description", "Unnamed repository; edit this file 'description' to name the repository.\n"},
		{"info/exclude", "# Patterns ignored in this clone only, like .gitignore but never committed.\n"},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(gitDir, filepath.FromSlash(f.name)), []byte(f.content), 0o666); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &Repo{root: root, gitDir: gitDir, commonDir: gitDir, st: filesystem.NewStorage(osfs.New(gitDir), cache.NewObjectLRUDefault())}
	tree, err := r.storeBytes(plumbing.TreeObject, nil)
	if err != nil {
		return err
	}
	now := time.Now()
	commit, err := r.storeBytes(plumbing.CommitObject, encodeCommit(tree, nil, defaultSignature, now, InitialCommitMessage))
	if err != nil {
		return err
	}
	// The config above sets logallrefupdates; logged as git's first commit.
	lg := &reflog{mode: logRefsNormal, who: defaultSignature, now: func() time.Time { return now }}
	subject, _, _ := strings.Cut(InitialCommitMessage, "\n")
	return r.moveCheckedOutRef(plumbing.NewBranchReferenceName("main"), commit, plumbing.ZeroHash, lg, "commit (initial): "+subject)
}
