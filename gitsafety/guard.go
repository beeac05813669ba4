package gitsafety

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/config"
)

// Guarded tells whether the repo-relative path rel is one the agent's file
// tools must not write, and why: it is inside a submodule (a gitlink in
// the index, or a path listed in .gitmodules), inside a nested repository,
// or has a filter attribute (Git LFS's filter=lfs, or another clean/smudge
// filter). safe-coder never commits such paths, since only git can run a
// filter and a submodule is another repository; refusing the write up
// front keeps the agent from making changes that could not be committed.
//
// reason is a sentence for the model, naming the path. When the answer
// cannot be determined (an unreadable .gitattributes, say), the path is
// reported guarded: a refused write is recoverable, a lost one is not.
// Guarded reads the work tree and the index; like every Session method it
// is not safe for concurrent use.
func (s *Session) Guarded(ctx context.Context, rel string) (reason string, bad bool) {
	if err := ctx.Err(); err != nil {
		return fmt.Sprintf("cannot check %s: %v", rel, err), true
	}
	p := path.Clean(filepath.ToSlash(rel))
	if !filepath.IsLocal(p) || p == "." {
		return fmt.Sprintf("%s is not a path inside the repository", rel), true
	}
	idx, err := s.currentIndex()
	if err != nil {
		return fmt.Sprintf("cannot check %s: %v", p, err), true
	}
	if sub := gitlinkAbove(idx, p); sub != "" {
		return submoduleReason(p, sub), true
	}
	listed, err := s.repo.gitmodulesPaths()
	if err != nil {
		return fmt.Sprintf("cannot check %s: %v", p, err), true
	}
	for _, sub := range listed {
		if p == sub || strings.HasPrefix(p, sub+"/") {
			return submoduleReason(p, sub), true
		}
	}
	if nested, err := s.repo.nestedRepoAbove(p); err != nil {
		return fmt.Sprintf("cannot check %s: %v", p, err), true
	} else if nested != "" {
		return fmt.Sprintf("%s is inside %s, a separate git repository; safe-coder only commits to this one", p, nested), true
	}
	cfg, err := s.repo.loadConfig()
	if err != nil {
		return fmt.Sprintf("cannot check %s: %v", p, err), true
	}
	attrs, err := s.repo.loadFilterAttrs(cfg)
	if err != nil {
		return fmt.Sprintf("cannot check %s: %v", p, err), true
	}
	filter, err := attrs.filter(p)
	if err != nil {
		return fmt.Sprintf("cannot check %s: %v", p, err), true
	}
	if filter != "" {
		if filter == "lfs" {
			return fmt.Sprintf("%s is tracked by Git LFS (filter=lfs): only git with git-lfs can commit it, so safe-coder does not write it", p), true
		}
		return fmt.Sprintf("%s has the attribute filter=%s, whose clean step only git can run, so safe-coder does not write it", p, filter), true
	}
	return "", false
}

func submoduleReason(p, sub string) string {
	if p == sub {
		return fmt.Sprintf("%s is a submodule; safe-coder never changes submodules", p)
	}
	return fmt.Sprintf("%s is inside the submodule %s; safe-coder never changes submodules", p, sub)
}

// gitlinkAbove returns the gitlink (submodule) entry that is p or one of
// its parents, "" when there is none.
func gitlinkAbove(idx *indexState, p string) string {
	for prefix := p; ; {
		if i, ok := idx.find(prefix); ok && idx.entries[i].mode == filemode.Submodule {
			return prefix
		}
		slash := strings.LastIndexByte(prefix, '/')
		if slash < 0 {
			return ""
		}
		prefix = prefix[:slash]
	}
}

// gitmodulesPaths lists the submodule paths that the work tree's
// .gitmodules declares. A symlinked .gitmodules is not followed, as git
// does not follow it.
func (r *Repo) gitmodulesPaths() ([]string, error) {
	file := filepath.Join(r.root, ".gitmodules")
	data, err := readSmallFile(file, inWorkTree)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	cfg := config.New()
	if err := config.NewDecoder(bytes.NewReader(data)).Decode(cfg); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	var paths []string
	for _, sub := range cfg.Section("submodule").Subsections {
		if p := sub.Options.Get("path"); p != "" {
			paths = append(paths, path.Clean(strings.TrimSuffix(p, "/")))
		}
	}
	return paths, nil
}

// nestedRepoAbove returns the parent directory of p that holds its own
// .git, "" when none does.
func (r *Repo) nestedRepoAbove(p string) (string, error) {
	dir := p
	for {
		slash := strings.LastIndexByte(dir, '/')
		if slash < 0 {
			return "", nil
		}
		dir = dir[:slash]
		_, exists, err := lstatPath(filepath.Join(r.abs(dir), ".git"))
		if err != nil {
			return "", err
		}
		if exists {
			return dir, nil
		}
	}
}

// submoduleHead returns the commit checked out in the submodule at the
// work-tree directory dir. ok is false for a submodule that is not
// checked out (an empty directory, as after a clone without
// --recurse-submodules) or whose HEAD cannot be resolved simply; git
// leaves those alone too.
func submoduleHead(dir string) (h plumbing.Hash, ok bool) {
	gitPath := filepath.Join(dir, ".git")
	st, exists, err := lstatPath(gitPath)
	if err != nil || !exists {
		return plumbing.ZeroHash, false
	}
	gitDir := gitPath
	if st.kind == kindRegular {
		if gitDir, err = readGitFile(gitPath); err != nil {
			return plumbing.ZeroHash, false
		}
	}
	head, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return plumbing.ZeroHash, false
	}
	line := strings.TrimSpace(string(head))
	if plumbing.IsHash(line) {
		return plumbing.NewHash(line), true
	}
	target, isRef := strings.CutPrefix(line, "ref: ")
	if !isRef || !strings.HasPrefix(target, "refs/") {
		return plumbing.ZeroHash, false
	}
	common, err := readCommonDir(gitDir)
	if err != nil {
		return plumbing.ZeroHash, false
	}
	if b, err := os.ReadFile(filepath.Join(common, filepath.FromSlash(target))); err == nil {
		if v := strings.TrimSpace(string(b)); plumbing.IsHash(v) {
			return plumbing.NewHash(v), true
		}
		return plumbing.ZeroHash, false
	}
	f, err := os.Open(filepath.Join(common, "packed-refs"))
	if err != nil {
		return plumbing.ZeroHash, false
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		hex, name, found := strings.Cut(sc.Text(), " ")
		if found && name == target && plumbing.IsHash(hex) {
			return plumbing.NewHash(hex), true
		}
	}
	return plumbing.ZeroHash, false
}
