package gitsafety

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// ReadFileAt returns the content of the repository-relative file rel as it
// is in commit, a full commit hash: for reading what a run's base commit
// says (instruction files a pull request must not rewrite) whatever the
// work tree holds now. It only reads objects. A path that is missing from
// the commit's tree returns an error wrapping fs.ErrNotExist; a directory,
// a symbolic link or a submodule is not a file and returns an error too.
func (r *Repo) ReadFileAt(ctx context.Context, commit, rel string) ([]byte, error) {
	data, _, err := r.ReadFileAtMost(ctx, commit, rel, -1)
	return data, err
}

// ReadFileAtMost is ReadFileAt reading at most limit bytes of the file (no
// limit when negative), with the file's full size: a huge blob a commit
// holds costs no more memory than a small one.
func (r *Repo) ReadFileAtMost(ctx context.Context, commit, rel string, limit int64) ([]byte, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	clean := path.Clean(rel)
	if path.IsAbs(rel) || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		return nil, 0, fmt.Errorf("read %s at %s: not a path inside the repository", rel, commit)
	}
	h := plumbing.NewHash(commit)
	if h.IsZero() || h.String() != strings.ToLower(commit) {
		return nil, 0, fmt.Errorf("read %s at %s: not a full commit hash", rel, commit)
	}
	c, err := r.peelToCommit(h)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s at %s: %w", rel, commit, err)
	}
	tree, err := r.commitTree(c)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s at %s: %w", rel, commit, err)
	}
	entry, err := r.lookupPath(tree, clean)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s at %s: %w", rel, commit, err)
	}
	switch {
	case entry == nil:
		return nil, 0, fmt.Errorf("read %s at %s: %w", rel, commit, fs.ErrNotExist)
	case entry.mode != filemode.Regular && entry.mode != filemode.Executable && entry.mode != filemode.Deprecated:
		return nil, 0, fmt.Errorf("read %s at %s: not a regular file (mode %s)", rel, commit, entry.mode)
	}
	data, size, err := r.readObjectAtMost(plumbing.BlobObject, entry.hash, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s at %s: %w", rel, commit, err)
	}
	return data, size, nil
}
