package gitsafety

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/runner/glob"
)

var protected = []string{".github/workflows/**", ".gitmodules", ".gitattributes", "**/.env"}

// newFingerprintRepo makes a repository with protected and unprotected
// files, and a known set of hooks instead of git's samples.
func newFingerprintRepo(t *testing.T) *testRepo {
	t.Helper()
	r := newTestRepo(t, map[string]string{
		".github/workflows/ci.yml":  "on: push\njobs: {}\n",
		".github/ISSUE_TEMPLATE.md": "template\n",
		".gitmodules":               "",
		".gitignore":                ".env\n",
		"src/main.go":               "package main\n",
	})
	r.remove(".git/hooks")
	r.write(".git/hooks/pre-push", "#!/bin/sh\nexit 0\n")
	r.chmod(".git/hooks/pre-push", 0o755)
	r.write(".git/info/exclude", "# local excludes\n")
	r.write("src/.env", "LOCAL=1\n")
	return r
}

func (r *testRepo) fingerprint(patterns []string) Fingerprint {
	r.t.Helper()
	f, err := r.open().Fingerprint(r.t.Context(), patterns)
	if err != nil {
		r.t.Fatalf("Fingerprint: %v", err)
	}
	return f
}

// keepTimes sets name's times back to what they were in fi, as a command
// covering its tracks would.
func (r *testRepo) keepTimes(name string, fi os.FileInfo) {
	r.t.Helper()
	if err := os.Chtimes(r.path(name), fi.ModTime(), fi.ModTime()); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) lstat(name string) os.FileInfo {
	r.t.Helper()
	fi, err := os.Lstat(r.path(name))
	if err != nil {
		r.t.Fatal(err)
	}
	return fi
}

// TestFingerprintCovers lists what a fingerprint records, and checks that
// taking it twice without a change shows no difference.
func TestFingerprintCovers(t *testing.T) {
	t.Parallel()
	r := newFingerprintRepo(t)
	f := r.fingerprint(protected)
	var got []string
	for p := range f.files {
		got = append(got, p)
	}
	slices.Sort(got)
	want := []string{".git/config", ".git/hooks/pre-push", ".git/info/exclude", ".github/workflows/ci.yml", ".gitmodules", "src/.env"}
	if !slices.Equal(got, want) {
		t.Errorf("fingerprint records %q, want %q", got, want)
	}
	if d := f.Diff(r.fingerprint(protected)); d != nil {
		t.Errorf("Diff without a change = %q", d)
	}
	if d := (Fingerprint{}).Diff(f); !slices.Equal(d, want) {
		t.Errorf("Diff from the zero Fingerprint = %q, want every path", d)
	}
}

// TestFingerprintDiff makes one change per case between two fingerprints,
// with git and with plain file writes. Changes to what is not protected
// are the allowed twins and show no difference.
func TestFingerprintDiff(t *testing.T) {
	t.Parallel()
	later := time.Now().Add(time.Hour)
	tests := []struct {
		name   string
		setup  func(r *testRepo)
		change func(r *testRepo)
		want   []string
	}{
		{name: "git config", change: func(r *testRepo) { r.git("config", "core.hooksPath", "/nonexistent/hooks") },
			want: []string{".git/config"}},
		{name: "config touched only", change: func(r *testRepo) {
			if err := os.Chtimes(r.path(".git/config"), later, later); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "config rewritten with the same bytes", change: func(r *testRepo) { r.write(".git/config", r.read(".git/config")) }},
		{name: "config.worktree added", change: func(r *testRepo) { r.write(".git/config.worktree", "[core]\n\tsshCommand = evil\n") },
			want: []string{".git/config.worktree"}},
		{name: "new hook", change: func(r *testRepo) { r.write(".git/hooks/pre-commit", "#!/bin/sh\ncurl evil\n") },
			want: []string{".git/hooks/pre-commit"}},
		{name: "hook made executable", setup: func(r *testRepo) { r.write(".git/hooks/post-checkout.sample", "#!/bin/sh\n") },
			change: func(r *testRepo) { r.chmod(".git/hooks/post-checkout.sample", 0o755) },
			want:   []string{".git/hooks/post-checkout.sample"}},
		{name: "sample renamed into a hook", setup: func(r *testRepo) { r.write(".git/hooks/pre-commit.sample", "#!/bin/sh\n") },
			change: func(r *testRepo) {
				if err := os.Rename(r.path(".git/hooks/pre-commit.sample"), r.path(".git/hooks/pre-commit")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{".git/hooks/pre-commit", ".git/hooks/pre-commit.sample"}},
		{name: "hook helper in a subdirectory", change: func(r *testRepo) { r.write(".git/hooks/lib/x.sh", "evil\n") },
			want: []string{".git/hooks/lib/x.sh"}},
		{name: "hook content, same size and times", change: func(r *testRepo) {
			fi := r.lstat(".git/hooks/pre-push")
			r.write(".git/hooks/pre-push", "#!/bin/sh\nexit 1\n")
			r.chmod(".git/hooks/pre-push", 0o755)
			r.keepTimes(".git/hooks/pre-push", fi)
		}, want: []string{".git/hooks/pre-push"}},
		{name: "hooks directory swapped for a symlink", change: func(r *testRepo) {
			if err := os.Rename(r.path(".git/hooks"), r.path(".git/hooks-old")); err != nil {
				t.Fatal(err)
			}
			r.symlink("hooks-old", ".git/hooks")
		}, want: []string{".git/hooks", ".git/hooks/pre-push"}},
		{name: "info/exclude", change: func(r *testRepo) { r.write(".git/info/exclude", "!.env\n") },
			want: []string{".git/info/exclude"}},
		{name: "info/attributes added", change: func(r *testRepo) { r.write(".git/info/attributes", "* diff=evil\n") },
			want: []string{".git/info/attributes"}},
		{name: "alternates added", change: func(r *testRepo) { r.write(".git/objects/info/alternates", "/tmp/objects\n") },
			want: []string{".git/objects/info/alternates"}},
		{name: "workflow added", change: func(r *testRepo) { r.write(".github/workflows/evil.yml", "on: push\n") },
			want: []string{".github/workflows/evil.yml"}},
		{name: "workflow changed, same size and times", change: func(r *testRepo) {
			fi := r.lstat(".github/workflows/ci.yml")
			r.write(".github/workflows/ci.yml", "on: pull\njobs: {}\n")
			r.keepTimes(".github/workflows/ci.yml", fi)
		}, want: []string{".github/workflows/ci.yml"}},
		{name: "large workflow changed, same size and times",
			setup: func(r *testRepo) { r.write(".github/workflows/big.yml", strings.Repeat("a", 2<<20)) },
			change: func(r *testRepo) {
				fi := r.lstat(".github/workflows/big.yml")
				r.write(".github/workflows/big.yml", strings.Repeat("b", 2<<20))
				r.keepTimes(".github/workflows/big.yml", fi)
			}, want: []string{".github/workflows/big.yml"}},
		{name: ".gitmodules removed", change: func(r *testRepo) { r.remove(".gitmodules") },
			want: []string{".gitmodules"}},
		{name: ".gitattributes added", change: func(r *testRepo) { r.write(".gitattributes", "* filter=evil\n") },
			want: []string{".gitattributes"}},
		{name: "ignored .env added deep", change: func(r *testRepo) { r.write("src/deep/.env", "TOKEN=x\n") },
			want: []string{"src/deep/.env"}},
		{name: ".github swapped for a symlink", change: func(r *testRepo) {
			r.remove(".github")
			r.symlink("src", ".github")
		}, want: []string{".github", ".github/workflows/ci.yml"}},
		{name: "workflows directory created as a symlink", setup: func(r *testRepo) { r.remove(".github/workflows") },
			change: func(r *testRepo) { r.symlink("../src", ".github/workflows") },
			want:   []string{".github/workflows"}},
		{name: "hooksPath in the work tree",
			setup: func(r *testRepo) {
				r.git("config", "core.hooksPath", ".husky")
				r.write(".husky/pre-commit", "#!/bin/sh\n")
			},
			change: func(r *testRepo) { r.write(".husky/pre-push", "#!/bin/sh\ncurl evil\n") },
			want:   []string{".husky/pre-push"}},
		// The allowed twins: nothing protected changes.
		{name: "source edited", change: func(r *testRepo) { r.write("src/main.go", "package main\n\nfunc main() {}\n") }},
		{name: "unprotected file next to protected ones", change: func(r *testRepo) { r.write(".github/ISSUE_TEMPLATE.md", "changed\n") }},
		{name: "git add and commit", change: func(r *testRepo) {
			r.write("src/new.go", "package main\n")
			r.git("add", "-A")
			r.git("commit", "-q", "-m", "more")
			r.git("status", "--porcelain")
		}},
		{name: "hooks outside hooksPath are not protected twice", setup: func(r *testRepo) { r.git("config", "core.hooksPath", ".husky") },
			change: func(r *testRepo) { r.write("src/husky-notes.txt", "x\n") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newFingerprintRepo(t)
			if tt.setup != nil {
				tt.setup(r)
			}
			before := r.fingerprint(protected)
			tt.change(r)
			after := r.fingerprint(protected)
			if got := before.Diff(after); !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %q, want %q", got, tt.want)
			}
			if got := after.Diff(before); !slices.Equal(got, tt.want) {
				t.Errorf("reverse Diff = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFingerprintFixedPath: without a whole-tree pattern, each pattern's
// fixed directories are descended with lstat; what stands in their way
// (a symlink, a file) is recorded, whether the pattern matches it or not.
func TestFingerprintFixedPath(t *testing.T) {
	t.Parallel()
	patterns := []string{".github/workflows/*.yml", ".gitmodules", "deploy/keys/*.pem"}
	tests := []struct {
		name   string
		change func(r *testRepo)
		want   []string
	}{
		{"parent swapped for a symlink", func(r *testRepo) { r.remove(".github"); r.symlink("src", ".github") },
			[]string{".github", ".github/workflows/ci.yml"}},
		{"parent swapped for a file", func(r *testRepo) { r.remove(".github"); r.write(".github", "x\n") },
			[]string{".github", ".github/workflows/ci.yml"}},
		{"directory swapped for a symlink", func(r *testRepo) { r.remove(".github/workflows"); r.symlink("../src", ".github/workflows") },
			[]string{".github/workflows", ".github/workflows/ci.yml"}},
		{"missing directory created as a symlink", func(r *testRepo) { r.symlink("src", "deploy") },
			[]string{"deploy"}},
		{"missing directory created with a match", func(r *testRepo) { r.write("deploy/keys/prod.pem", "key\n") },
			[]string{"deploy/keys/prod.pem"}},
		{"literal path swapped for a symlink", func(r *testRepo) { r.remove(".gitmodules"); r.symlink("src/main.go", ".gitmodules") },
			[]string{".gitmodules"}},
		// The allowed twins.
		{"file beside the pattern", func(r *testRepo) { r.write(".github/workflows/README.md", "docs\n") }, nil},
		{"missing directory created without a match", func(r *testRepo) { r.write("deploy/keys/README", "x\n") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newFingerprintRepo(t)
			before := r.fingerprint(patterns)
			tt.change(r)
			if got := before.Diff(r.fingerprint(patterns)); !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFingerprintSymlinkLoops: a walk of the whole tree records symlinks,
// loops among them included, and never follows them.
func TestFingerprintSymlinkLoops(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a/f.txt": "f\n"})
	r.symlink(".", "loop")
	r.symlink("..", "a/up")
	r.symlink("c", "b")
	r.symlink("b", "c")
	f := r.fingerprint([]string{"**"})
	var work []string
	for p := range f.files {
		if !strings.HasPrefix(p, ".git/") {
			work = append(work, p)
		}
	}
	slices.Sort(work)
	if want := []string{"a/f.txt", "a/up", "b", "c", "loop"}; !slices.Equal(work, want) {
		t.Errorf("work-tree paths = %q, want %q", work, want)
	}
	r.remove("loop")
	r.symlink("a", "loop")
	if got := f.Diff(r.fingerprint([]string{"**"})); !slices.Equal(got, []string{"loop"}) {
		t.Errorf("retargeted symlink: Diff = %q", got)
	}
}

func TestFingerprintBadPattern(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a": "a\n"})
	for _, p := range []string{"", "/abs", "a//b", "[x"} {
		if _, err := r.open().Fingerprint(t.Context(), []string{".gitmodules", p}); !errors.Is(err, glob.ErrBadPattern) {
			t.Errorf("Fingerprint(%q) error = %v, want ErrBadPattern", p, err)
		}
	}
}

// TestFingerprintLinkedWorktree: in a linked work tree the shared config
// and hooks live in the main repository's git directory, named by their
// absolute paths, and the work tree's own files by relative ones.
func TestFingerprintLinkedWorktree(t *testing.T) {
	t.Parallel()
	r := newFingerprintRepo(t)
	wtDir := filepath.Join(filepath.Dir(r.dir), "linked")
	r.git("worktree", "add", "-q", wtDir)
	wt := &testRepo{t: t, dir: wtDir}
	before := wt.fingerprint(protected)
	wt.git("config", "user.name", "Changed Through The Worktree")
	wt.write(".github/workflows/evil.yml", "on: push\n")
	got := before.Diff(wt.fingerprint(protected))
	want := []string{".github/workflows/evil.yml", filepath.ToSlash(filepath.Join(r.dir, ".git", "config"))}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
}

// TestFingerprintUnreadableDir: a protected directory that can no longer
// be listed is a change, not an error and not a blind spot.
func TestFingerprintUnreadableDir(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads directories whatever their mode")
	}
	r := newFingerprintRepo(t)
	before := r.fingerprint(protected)
	r.chmod(".github/workflows", 0o000)
	t.Cleanup(func() { _ = os.Chmod(r.path(".github/workflows"), 0o755) })
	want := []string{".github/workflows", ".github/workflows/ci.yml"}
	if got := before.Diff(r.fingerprint(protected)); !slices.Equal(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
}
