package gitsafety

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// A submodule's recorded commit is never rewritten, and a repository the
// agent created inside the work tree is never added as a gitlink.
func TestCommitStepLeavesSubmodulesAndNestedRepos(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	sub := initTestRepo(t)
	sub.write("lib.go", "package lib\n")
	sub.git("add", "-A")
	sub.git("commit", "-q", "-m", "lib")
	pinned := sub.git("rev-parse", "HEAD")
	r.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.dir, "vendor/lib")
	r.git("commit", "-q", "-m", "add submodule")

	s := r.begin(testOptions("safe-coder/sub"))
	// The submodule moves on; the agent also clones a repository.
	subWT := &testRepo{t: t, dir: r.path("vendor/lib")}
	subWT.write("lib.go", "package lib // changed\n")
	subWT.git("-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-q", "-am", "moved")
	nested := &testRepo{t: t, dir: r.path("third_party/tool")}
	if err := os.MkdirAll(nested.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nested.git("init", "-q")
	nested.write("tool.go", "package tool\n")
	r.write("b.txt", "b\n")

	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"bash"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Files, []string{"b.txt"}) {
		t.Errorf("Files = %v, want [b.txt]", c.Files)
	}
	wantSkipped := map[string]string{
		"third_party/tool": "separate git repository",
		"vendor/lib":       "submodule checked out at " + subWT.git("rev-parse", "HEAD") + " but recorded at " + pinned,
	}
	assertSkipped(t, c.Skipped, wantSkipped)
	if got := r.git("ls-tree", c.SHA, "vendor/lib"); !strings.HasPrefix(got, "160000 commit "+pinned) {
		t.Errorf("submodule entry = %q, want it still pinned at %s", got, pinned)
	}
	if got := r.git("ls-tree", "-r", "--name-only", c.SHA); strings.Contains(got, "third_party") {
		t.Errorf("nested repository committed:\n%s", got)
	}
	if out, errOut, err := r.tryGit("fsck", "--full", "--no-dangling", "--strict"); err != nil || out != "" {
		t.Errorf("git fsck: %v\n%s%s", err, out, errOut)
	}
	r.assertNoLocks()
}

// Paths with a filter attribute (Git LFS) need git's clean filter before
// they are stored; they are never re-staged, while deleting them is fine.
func TestCommitStepLeavesFilteredPaths(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{
		".gitattributes":        "*.bin filter=lfs diff=lfs merge=lfs -text\nplain.bin -filter\n",
		"model.bin":             "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 3\n",
		"gone.bin":              "pointer\n",
		"plain.bin":             "not filtered\n",
		"assets/.gitattributes": "*.png filter=lfs\n",
		"assets/logo.png":       "pointer\n",
	})
	blobBefore := r.git("rev-parse", "HEAD:model.bin")
	s := r.begin(testOptions("safe-coder/lfs"))
	r.write("model.bin", "the real, large content\n")
	r.write("new.bin", "new large content\n")
	r.write("plain.bin", "changed\n")
	r.write("assets/logo.png", "real image\n")
	r.remove("gone.bin")
	r.write("code.go", "package x\n")

	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"bash"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"code.go", "gone.bin", "plain.bin"}; !slices.Equal(c.Files, want) {
		t.Errorf("Files = %v, want %v", c.Files, want)
	}
	assertSkipped(t, c.Skipped, map[string]string{
		"assets/logo.png": "Git LFS",
		"model.bin":       "Git LFS",
		"new.bin":         "Git LFS",
	})
	if r.read("model.bin") != "the real, large content\n" || r.read("new.bin") != "new large content\n" {
		t.Error("skipped changes did not stay in the work tree")
	}
	if got := r.git("rev-parse", c.SHA+":model.bin"); got != blobBefore {
		t.Errorf("model.bin rewritten: %s, want %s", got, blobBefore)
	}
	if out, errOut, err := r.tryGit("fsck", "--full", "--no-dangling", "--strict"); err != nil || out != "" {
		t.Errorf("git fsck: %v\n%s%s", err, out, errOut)
	}
	r.assertNoLocks()
}

// Conflict stages left in the index without an operation in progress are
// resolved to the work-tree content, as `git add -A` resolves them.
func TestSnapshotResolvesLeftoverConflicts(t *testing.T) {
	t.Parallel()
	r := conflictRepo(t)
	if _, _, err := r.tryGit("merge", "other"); err == nil {
		t.Fatal("merge did not conflict")
	}
	r.remove(".git/MERGE_HEAD")
	r.remove(".git/MERGE_MSG")
	r.remove(".git/MERGE_MODE")
	r.remove(".git/AUTO_MERGE")
	if stages := r.git("ls-files", "--stage", "f.txt"); len(lines(stages)) != 3 {
		t.Fatalf("expected three conflict stages:\n%s", stages)
	}
	wantTree := r.addAllTree()

	s := r.begin(testOptions("safe-coder/conflict"))

	if s.Snapshot() == "" {
		t.Fatal("no snapshot of the conflicted tree")
	}
	if got := r.git("rev-parse", s.Snapshot()+"^{tree}"); got != wantTree {
		t.Errorf("tree %s, want %s (what git add -A makes)", got, wantTree)
	}
	r.assertSound()
}

// Entries added with `git add -N` (intent to add) are staged for real.
func TestSnapshotStagesIntentToAdd(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	r.write("later.txt", "added with -N\n")
	r.git("add", "-N", "later.txt")
	wantTree := r.addAllTree()

	s := r.begin(testOptions("safe-coder/ita"))

	if got := r.git("rev-parse", s.Snapshot()+"^{tree}"); got != wantTree {
		t.Errorf("tree %s, want %s (what git add -A makes)", got, wantTree)
	}
	r.assertSound()
}

// With core.fileMode false the executable bit in the work tree means
// nothing: tracked files keep their recorded mode.
func TestCommitStepHonoursFileModeFalse(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"run.sh": "#!/bin/sh\n", "a.txt": "a\n"})
	r.git("config", "core.fileMode", "false")
	s := r.begin(testOptions("safe-coder/filemode"))
	r.chmod("run.sh", 0o755)
	r.write("a.txt", "changed\n")
	wantTree := r.addAllTree()

	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"bash"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Files, []string{"a.txt"}) {
		t.Errorf("Files = %v, want [a.txt]", c.Files)
	}
	if got := r.git("rev-parse", c.SHA+"^{tree}"); got != wantTree {
		t.Errorf("tree %s, want %s (what git add -A makes)", got, wantTree)
	}
	r.assertSound()
}

// Index files written by git in other formats are read and written back in
// the same version, and git keeps trusting them.
func TestCommitStepKeepsIndexFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   [][]string
		version string
	}{
		{"version 4", [][]string{{"update-index", "--index-version", "4"}}, "4"},
		{"untracked cache extension", [][]string{{"config", "core.untrackedCache", "true"}, {"update-index", "--untracked-cache"}, {"status"}}, "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"a.txt": "a\n", "d/b.txt": "b\n"})
			for _, args := range tt.setup {
				r.git(args...)
			}
			s := r.begin(testOptions("safe-coder/format"))
			r.write("d/c.txt", "c\n")
			r.write("a.txt", "changed\n")
			wantTree := r.addAllTree()
			c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.git("rev-parse", c.SHA+"^{tree}"); got != wantTree {
				t.Errorf("tree %s, want %s (what git add -A makes)", got, wantTree)
			}
			if got := indexVersion(t, r); got != tt.version {
				t.Errorf("index version %s, want %s", got, tt.version)
			}
			r.assertSound()
		})
	}
}

func indexVersion(t *testing.T, r *testRepo) string {
	t.Helper()
	b := []byte(r.read(".git/index"))
	if len(b) < 8 || string(b[:4]) != "DIRC" {
		t.Fatalf("not an index file: %q", b[:min(len(b), 8)])
	}
	return string(rune('0' + b[7]))
}

// assertSkipped checks that skipped names exactly the paths of want, each
// with a reason containing the given fragment.
func assertSkipped(t *testing.T, skipped []Skip, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, sk := range skipped {
		got[sk.Path] = sk.Reason
	}
	for p, frag := range want {
		reason, ok := got[p]
		if !ok {
			t.Errorf("%s not reported as skipped (skipped: %+v)", p, skipped)
			continue
		}
		if !strings.Contains(reason, frag) {
			t.Errorf("skip reason for %s = %q, want it to mention %q", p, reason, frag)
		}
	}
	for p, reason := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s reported as skipped (%s), want it not to be", p, reason)
		}
	}
}
