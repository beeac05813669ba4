package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
)

// Repo is an open git work tree.
type Repo struct {
	root      string // work-tree root
	gitDir    string // per-work-tree git directory: HEAD, index, locks
	commonDir string // shared git directory: objects, refs, config
	st        *filesystem.Storage
	// zlibWriters recycles the compressors of loose objects: a new one
	// allocates about a megabyte, several times per commit.
	zlibWriters sync.Pool
}

// Head is what HEAD points at.
type Head struct {
	Commit string // full hex SHA of the commit HEAD resolves to
	Branch string // short branch name ("main"); "" when HEAD is detached
}

// Open finds the work tree that contains dir, looking for .git in dir and
// its parents as git does. Linked work trees (a .git file) are supported;
// bare repositories are not, because a run needs a work tree. When no work
// tree is found the error wraps ErrNotRepo.
func Open(ctx context.Context, dir string) (*Repo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	}
	// Resolve symlinks so Root is the path git itself reports.
	start, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	}
	root, gitDir, err := findGitDir(start)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	}
	commonDir, err := readCommonDir(gitDir)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	}
	dotFS := osfs.New(gitDir)
	if commonDir != gitDir {
		// HEAD and the index are per work tree; objects and refs shared.
		dotFS = dotgit.NewRepositoryFilesystem(dotFS, osfs.New(commonDir))
	}
	st := filesystem.NewStorage(dotFS, cache.NewObjectLRUDefault())
	return &Repo{root: root, gitDir: gitDir, commonDir: commonDir, st: st}, nil
}

// findGitDir walks up from start to the first directory holding a .git
// directory or a .git file ("gitdir: <path>", as in linked work trees).
func findGitDir(start string) (root, gitDir string, err error) {
	if fi, err := os.Stat(start); err == nil && !fi.IsDir() {
		start = filepath.Dir(start)
	}
	for dir := start; ; {
		candidate := filepath.Join(dir, ".git")
		fi, err := os.Lstat(candidate)
		switch {
		case err == nil && fi.IsDir():
			if isGitDir(candidate) {
				return dir, candidate, nil
			}
		case err == nil && fi.Mode().IsRegular():
			target, err := readGitFile(candidate)
			if err != nil {
				return "", "", err
			}
			if isGitDir(target) {
				return dir, target, nil
			}
			return "", "", fmt.Errorf("%s points to %s, which is not a git directory: %w", candidate, target, ErrNotRepo)
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return "", "", fmt.Errorf("look for %s: %w", candidate, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", fmt.Errorf("%s: %w (no .git here or in any parent directory); run safe-coder inside a repository or point --repo at one; for a new project, git init (or safe-coder run --init) makes one", start, ErrNotRepo)
		}
		dir = parent
	}
}

// readGitFile reads a ".git" file of a linked work tree or submodule.
func readGitFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	line := strings.TrimSpace(string(b))
	target, ok := strings.CutPrefix(line, "gitdir:")
	if !ok {
		return "", fmt.Errorf("%s has no gitdir line: %w", path, ErrNotRepo)
	}
	target = strings.TrimSpace(target)
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return filepath.Clean(target), nil
}

// isGitDir applies git's own test: a HEAD file and an objects directory,
// the latter possibly reached through a commondir file.
func isGitDir(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		return false
	}
	common, err := readCommonDir(dir)
	if err != nil {
		return false
	}
	fi, err := os.Stat(filepath.Join(common, "objects"))
	return err == nil && fi.IsDir()
}

// readCommonDir returns the directory holding objects and refs: gitDir
// itself, or the target of its commondir file in a linked work tree.
func readCommonDir(gitDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(gitDir, "commondir"))
	if errors.Is(err, fs.ErrNotExist) {
		return gitDir, nil
	}
	if err != nil {
		return "", fmt.Errorf("read commondir: %w", err)
	}
	common := strings.TrimSpace(string(b))
	if !filepath.IsAbs(common) {
		common = filepath.Join(gitDir, common)
	}
	return filepath.Clean(common), nil
}

// Root returns the absolute path of the work tree's top directory.
func (r *Repo) Root() string { return r.root }

// GitDir returns the absolute path of the work tree's git directory (the
// .git directory, or .git/worktrees/<name> for a linked work tree).
func (r *Repo) GitDir() string { return r.gitDir }

// Head reports the commit HEAD resolves to and the branch it names. A
// detached HEAD has an empty Branch. When HEAD names a branch without
// commits the error wraps ErrNoCommits.
func (r *Repo) Head(ctx context.Context) (Head, error) {
	if err := ctx.Err(); err != nil {
		return Head{}, err
	}
	raw, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return Head{}, fmt.Errorf("read HEAD: %w", err)
	}
	if raw.Type() == plumbing.HashReference {
		if err := r.checkCommit(raw.Hash()); err != nil {
			return Head{}, fmt.Errorf("read HEAD: %w", err)
		}
		return Head{Commit: raw.Hash().String()}, nil
	}
	target := raw.Target()
	ref, err := r.st.Reference(target)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return Head{}, fmt.Errorf("%w: HEAD points to %s, which has no commit; make an initial commit first (git add -A && git commit -m \"Initial commit\", or git commit --allow-empty -m \"Initial commit\"); safe-coder never makes it for you", ErrNoCommits, target)
	}
	if err != nil {
		return Head{}, fmt.Errorf("read %s: %w", target, err)
	}
	if ref.Type() != plumbing.HashReference {
		return Head{}, fmt.Errorf("read HEAD: %s is a symbolic ref to %s; safe-coder needs HEAD to name a branch directly", target, ref.Target())
	}
	if err := r.checkCommit(ref.Hash()); err != nil {
		return Head{}, fmt.Errorf("read %s: %w", target, err)
	}
	branch := ""
	if target.IsBranch() {
		branch = target.Short()
	}
	return Head{Commit: ref.Hash().String(), Branch: branch}, nil
}

func (r *Repo) checkCommit(h plumbing.Hash) error {
	_, err := r.readObject(plumbing.CommitObject, h)
	return err
}
