package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// ResolveRef returns the commit the full ref name (refs/remotes/origin/main)
// points at, following symbolic refs and peeling annotated tags. It only
// reads. A name that is not a valid full ref name is an error; a ref the
// repository does not have returns an error wrapping ErrNoRef.
func (r *Repo) ResolveRef(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	ref := plumbing.ReferenceName(name)
	if !strings.HasPrefix(name, "refs/") || ref.Validate() != nil {
		return "", fmt.Errorf("resolve %q: not a valid full ref name", name)
	}
	resolved, err := storer.ResolveReference(r.st, ref)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return "", fmt.Errorf("resolve %s: %w", name, ErrNoRef)
	}
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", name, err)
	}
	h, err := r.peelToCommit(resolved.Hash())
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", name, err)
	}
	return h.String(), nil
}
