package gitsafety

import (
	"errors"
	"testing"
)

func TestResolveRef(t *testing.T) {
	r := newTestRepo(t, map[string]string{"AGENTS.md": "rules\n"})
	first := r.git("rev-parse", "HEAD")
	r.write("AGENTS.md", "changed\n")
	r.git("commit", "-q", "-am", "second")
	second := r.git("rev-parse", "HEAD")
	r.git("update-ref", "refs/remotes/origin/main", first)
	r.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
	r.git("tag", "-a", "-m", "v1", "v1", first)
	r.git("pack-refs", "--all")
	r.git("update-ref", "refs/remotes/upstream/dev", second) // loose

	repo := r.open()
	for _, tc := range []struct{ name, want string }{
		{"refs/remotes/origin/main", first}, // packed
		{"refs/remotes/origin/HEAD", first}, // symbolic
		{"refs/tags/v1", first},             // annotated tag, peeled
		{"refs/remotes/upstream/dev", second},
		{"refs/heads/main", second},
	} {
		got, err := repo.ResolveRef(t.Context(), tc.name)
		if err != nil || got != tc.want {
			t.Errorf("ResolveRef(%s) = %q, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	for _, name := range []string{"refs/remotes/origin/gone", "refs/remotes/upstream/main"} {
		if got, err := repo.ResolveRef(t.Context(), name); !errors.Is(err, ErrNoRef) {
			t.Errorf("ResolveRef(%s) = %q, %v; want ErrNoRef", name, got, err)
		}
	}
	// Names from the environment are checked, never tried loosely.
	for _, name := range []string{"", "main", "origin/main", "refs/remotes/origin/../../HEAD", "refs/remotes/origin/a b", "refs/remotes/origin/x.lock", "refs//x"} {
		got, err := repo.ResolveRef(t.Context(), name)
		if err == nil || errors.Is(err, ErrNoRef) {
			t.Errorf("ResolveRef(%q) = %q, %v; want an invalid-name error", name, got, err)
		}
	}
	r.assertSound()
}
