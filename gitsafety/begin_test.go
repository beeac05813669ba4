package gitsafety

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestBeginCleanStart(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"main.go": "package main\n", ".gitignore": "*.log\n"})
	r.write("debug.log", "ignored\n")
	mainBefore := r.git("rev-parse", "main")
	indexBefore := r.read(".git/index")

	s := r.begin(testOptions("safe-coder/fix-vet-20261126-231131-ab12"))

	if s.Branch() != "safe-coder/fix-vet-20261126-231131-ab12" {
		t.Errorf("Branch() = %q", s.Branch())
	}
	if s.Base() != mainBefore || s.Start() != mainBefore || s.Head() != mainBefore {
		t.Errorf("Base/Start/Head = %s/%s/%s, want all %s", s.Base(), s.Start(), s.Head(), mainBefore)
	}
	if s.Snapshot() != "" {
		t.Errorf("Snapshot() = %q on a clean tree, want empty", s.Snapshot())
	}
	if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/safe-coder/fix-vet-20261126-231131-ab12" {
		t.Errorf("HEAD = %s", got)
	}
	if got := r.git("rev-parse", "safe-coder/fix-vet-20261126-231131-ab12"); got != mainBefore {
		t.Errorf("run branch at %s, want %s", got, mainBefore)
	}
	if got := r.git("rev-parse", "main"); got != mainBefore {
		t.Errorf("main moved to %s", got)
	}
	if r.read(".git/index") != indexBefore {
		t.Error("the index was rewritten although the branch starts at HEAD on a clean tree")
	}
	if !r.exists("debug.log") {
		t.Error("ignored file removed")
	}
	r.assertSound()
}

func TestBeginDirtySnapshot(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{
		"keep.txt":    "keep\n",
		"modify.txt":  "old\n",
		"delete.txt":  "bye\n",
		"staged.txt":  "old staged\n",
		".gitignore":  "*.log\nbuild/\n",
		"sub/lib.txt": "lib\n",
	})
	mainBefore := r.git("rev-parse", "main")
	r.write("modify.txt", "new\n")
	r.remove("delete.txt")
	r.write("untracked.txt", "new file\n")
	r.write("sub/new.txt", "nested new\n")
	r.write("staged.txt", "new staged\n")
	r.git("add", "staged.txt")
	r.write("debug.log", "ignored\n")
	r.write("build/out.bin", "ignored too\n")
	wantTree := r.addAllTree()

	s := r.begin(testOptions("safe-coder/snap"))

	if s.Snapshot() == "" {
		t.Fatal("Snapshot() is empty for a dirty tree")
	}
	if s.Start() != s.Snapshot() || s.Head() != s.Snapshot() || s.Base() != mainBefore {
		t.Errorf("Base/Start/Head/Snapshot = %s/%s/%s/%s", s.Base(), s.Start(), s.Head(), s.Snapshot())
	}
	if got := r.git("rev-parse", s.Snapshot()+"^{tree}"); got != wantTree {
		t.Errorf("snapshot tree %s, want %s (what git add -A makes)", got, wantTree)
	}
	if got := r.git("rev-parse", s.Snapshot()+"^"); got != mainBefore {
		t.Errorf("snapshot parent %s, want %s", got, mainBefore)
	}
	wantMsg := "Snapshot: session start\n\n" + snapshotBody + "\n\n" +
		"Safe-Coder-Run: 20261126-231131-ab12\nSafe-Coder-Task: fix-vet\nSafe-Coder-Step: 0"
	if got := r.git("log", "-1", "--format=%B", s.Snapshot()); got != wantMsg {
		t.Errorf("snapshot message:\n%s\nwant:\n%s", got, wantMsg)
	}
	if got := r.git("log", "-1", "--format=%(trailers:key=Safe-Coder-Step,valueonly)", s.Snapshot()); got != "0" {
		t.Errorf("Safe-Coder-Step trailer = %q, want 0", got)
	}
	if got := r.git("log", "-1", "--format=%an <%ae> %at", s.Snapshot()); got != "safe-coder <safe-coder@localhost> "+itoa(fixedNow().Unix()) {
		t.Errorf("author = %q", got)
	}
	equalLines(t, "snapshot changes", r.git("show", "--name-status", "--format=", s.Snapshot()), []string{
		"D\tdelete.txt",
		"M\tmodify.txt",
		"M\tstaged.txt",
		"A\tsub/new.txt",
		"A\tuntracked.txt",
	})
	if files := r.git("ls-tree", "-r", "--name-only", s.Snapshot()); strings.Contains(files, "debug.log") || strings.Contains(files, "build/") {
		t.Errorf("ignored files committed:\n%s", files)
	}
	if got := r.git("rev-parse", "main"); got != mainBefore {
		t.Errorf("main moved to %s", got)
	}
	if ignored := r.git("status", "--porcelain", "--ignored"); !strings.Contains(ignored, "!! debug.log") || !strings.Contains(ignored, "!! build/") {
		t.Errorf("ignored files not left in place:\n%s", ignored)
	}
	r.assertSound()
}

// With DirtyRefuse a dirty tree stops Begin with the paths and the fix,
// and changes nothing; a clean tree (ignored files aside) starts as usual.
func TestBeginDirtyRefuse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  func(r *testRepo)
		wantErr bool
		listed  []string
	}{
		{name: "modified", change: func(r *testRepo) { r.write("a.txt", "changed by the user\n") }, wantErr: true, listed: []string{"a.txt"}},
		{name: "untracked", change: func(r *testRepo) { r.write("b.txt", "new\n") }, wantErr: true, listed: []string{"b.txt"}},
		{name: "deleted", change: func(r *testRepo) { r.remove("a.txt") }, wantErr: true, listed: []string{"a.txt"}},
		{name: "staged only", change: func(r *testRepo) { r.write("a.txt", "staged\n"); r.git("add", "a.txt"); r.write("a.txt", "a\n") }, wantErr: true, listed: []string{"a.txt"}},
		{name: "many paths", change: func(r *testRepo) {
			for _, n := range []string{"n1", "n2", "n3", "n4", "n5", "n6", "n7"} {
				r.write(n, n)
			}
		}, wantErr: true, listed: []string{"n1", "n5", "and 2 more"}},
		{name: "ignored only", change: func(r *testRepo) { r.write("debug.log", "ignored\n") }},
		{name: "touched only", change: func(r *testRepo) {
			later := time.Now().Add(2 * time.Second)
			if err := os.Chtimes(r.path("a.txt"), later, later); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"a.txt": "a\n", ".gitignore": "*.log\n"})
			mainBefore := r.git("rev-parse", "main")
			tt.change(r)
			statusBefore := r.git("status", "--porcelain")
			opts := testOptions("safe-coder/refuse")
			opts.Dirty = DirtyRefuse
			s, err := r.open().Begin(t.Context(), opts)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Begin on a clean tree: %v", err)
				}
				if s.Snapshot() != "" || s.Start() != mainBefore {
					t.Errorf("Snapshot/Start = %q/%s, want none/%s", s.Snapshot(), s.Start(), mainBefore)
				}
				r.assertSound()
				return
			}
			if !errors.Is(err, ErrDirty) {
				t.Fatalf("Begin = %v, want ErrDirty", err)
			}
			for _, frag := range append(tt.listed, "git.dirty: snapshot", "commit or stash") {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not mention %q", err, frag)
				}
			}
			if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/main" {
				t.Errorf("HEAD = %s", got)
			}
			if _, _, err := r.tryGit("rev-parse", "--verify", "-q", "refs/heads/safe-coder/refuse"); err == nil {
				t.Error("run branch created")
			}
			if got := r.git("status", "--porcelain"); got != statusBefore {
				t.Errorf("status changed:\n%s\nwant:\n%s", got, statusBefore)
			}
			if got := r.git("rev-parse", "main"); got != mainBefore {
				t.Errorf("main moved to %s", got)
			}
			r.assertNoLocks()
		})
	}
}

func TestBeginRejectsUnknownDirtyPolicy(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	opts := testOptions("safe-coder/policy")
	opts.Dirty = "stash"
	if _, err := r.open().Begin(t.Context(), opts); err == nil || !strings.Contains(err.Error(), `"stash"`) {
		t.Fatalf("Begin with dirty policy stash = %v, want an error naming it", err)
	}
}

func TestBeginDetachedHead(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	r.write("a.txt", "second\n")
	r.git("commit", "-q", "-am", "second")
	mainBefore := r.git("rev-parse", "main")
	r.git("checkout", "-q", "--detach", "HEAD~1")
	detached := r.git("rev-parse", "HEAD")

	s := r.begin(testOptions("safe-coder/pr-123"))

	if s.Base() != detached || s.Head() != detached {
		t.Errorf("Base/Head = %s/%s, want %s", s.Base(), s.Head(), detached)
	}
	if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/safe-coder/pr-123" {
		t.Errorf("HEAD = %s", got)
	}
	if got := r.git("rev-parse", "main"); got != mainBefore {
		t.Errorf("main moved to %s", got)
	}
	if r.read("a.txt") != "a\n" {
		t.Error("work tree changed")
	}
	r.assertSound()
}

func TestBeginRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(r *testRepo)
		opts    func(BeginOptions) BeginOptions
		wantErr error
		wantMsg string
	}{
		{
			name:    "no commits",
			setup:   func(r *testRepo) { r.git("reset", "-q", "--hard"); r.git("update-ref", "-d", "refs/heads/main") },
			wantErr: ErrNoCommits,
			wantMsg: "make an initial commit",
		},
		{
			name:    "branch exists",
			setup:   func(r *testRepo) { r.git("branch", "safe-coder/run") },
			wantErr: ErrBranchExists,
			wantMsg: "safe-coder/run",
		},
		{
			name:    "packed branch exists",
			setup:   func(r *testRepo) { r.git("branch", "safe-coder/run"); r.git("pack-refs", "--all") },
			wantErr: ErrBranchExists,
			wantMsg: "safe-coder/run",
		},
		{
			name:    "branch name blocked by an existing ref",
			setup:   func(r *testRepo) { r.git("branch", "safe-coder") },
			wantMsg: "refs/heads/safe-coder",
		},
		{
			name:    "invalid branch name",
			opts:    func(o BeginOptions) BeginOptions { o.Branch = "safe-coder/a..b"; return o },
			wantMsg: "not a valid branch name",
		},
		{
			name:    "full ref given as branch",
			opts:    func(o BeginOptions) BeginOptions { o.Branch = "refs/heads/x"; return o },
			wantMsg: "without refs/heads/",
		},
		{
			name:    "empty run id",
			opts:    func(o BeginOptions) BeginOptions { o.RunID = ""; return o },
			wantMsg: "run id is empty",
		},
		{
			name:    "task with a line break",
			opts:    func(o BeginOptions) BeginOptions { o.Task = "fix\nSafe-Coder-Step: 9"; return o },
			wantMsg: "line break",
		},
		{
			name: "author email with brackets",
			opts: func(o BeginOptions) BeginOptions {
				o.Author = Signature{Name: "x", Email: "a>b"}
				return o
			},
			wantMsg: "author email",
		},
		{
			name:    "unknown start commit",
			opts:    func(o BeginOptions) BeginOptions { o.From = "no-such-ref"; return o },
			wantMsg: "no-such-ref",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
			if tt.setup != nil {
				tt.setup(r)
			}
			opts := testOptions("safe-coder/run")
			if tt.opts != nil {
				opts = tt.opts(opts)
			}
			headBefore := r.git("symbolic-ref", "HEAD")
			refsBefore := r.git("for-each-ref")
			_, err := r.open().Begin(t.Context(), opts)
			if err == nil {
				t.Fatal("Begin succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Begin() = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if got := r.git("symbolic-ref", "HEAD"); got != headBefore {
				t.Errorf("HEAD moved to %s", got)
			}
			if got := r.git("for-each-ref"); got != refsBefore {
				t.Errorf("refs changed:\n%s\nwant:\n%s", got, refsBefore)
			}
			r.assertNoLocks()
		})
	}
}

// A later task of the same run starts from the run's start point: the work
// tree must come back to the files as they were there.
func TestBeginFromStartRestoresWorkTree(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{
		"a.txt":       "a\n",
		"b.txt":       "b\n",
		"dir/c.txt":   "c\n",
		"tool.sh":     "#!/bin/sh\n",
		"link":        "",
		".gitignore":  "*.log\n",
		"gone/x.txt":  "x\n",
		"file-or-dir": "file\n",
	})
	r.remove("link")
	r.symlink("a.txt", "link")
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "with a link")
	mainBefore := r.git("rev-parse", "main")
	r.write("a.txt", "user's uncommitted change\n")

	first := r.begin(testOptions("safe-coder/task-one"))
	start := first.Start()
	startFiles := r.git("ls-tree", "-r", start)

	// The agent changes a lot.
	r.write("a.txt", "agent\n")
	r.remove("b.txt")
	r.write("dir/c.txt", "agent c\n")
	r.write("dir/new.txt", "agent new\n")
	r.chmod("tool.sh", 0o755)
	r.remove("link")
	r.symlink("b.txt", "link")
	r.remove("gone")
	r.remove("file-or-dir")
	r.write("file-or-dir/inside.txt", "now a directory\n")
	r.write("agent.log", "ignored, stays\n")
	if _, err := first.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"bash"}, Calls: []string{"bash: ./refactor.sh"}}); err != nil {
		t.Fatal(err)
	}
	r.assertSound()

	opts := testOptions("safe-coder/task-two")
	opts.Task = "changelog"
	opts.From = start
	second := r.begin(opts)

	if second.Base() != start || second.Start() != start || second.Snapshot() != "" {
		t.Errorf("Base/Start/Snapshot = %s/%s/%q, want %s/%s/none", second.Base(), second.Start(), second.Snapshot(), start, start)
	}
	if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/safe-coder/task-two" {
		t.Errorf("HEAD = %s", got)
	}
	if got := r.git("ls-tree", "-r", "HEAD"); got != startFiles {
		t.Errorf("HEAD tree:\n%s\nwant:\n%s", got, startFiles)
	}
	if got := r.git("diff", "--stat", start); got != "" {
		t.Errorf("work tree differs from the start point:\n%s", got)
	}
	for name, want := range map[string]string{"a.txt": "user's uncommitted change\n", "b.txt": "b\n", "dir/c.txt": "c\n", "gone/x.txt": "x\n", "file-or-dir": "file\n", "agent.log": "ignored, stays\n"} {
		if got := r.read(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if r.exists("dir/new.txt") {
		t.Error("dir/new.txt still exists")
	}
	if fi, err := os.Stat(r.path("tool.sh")); err != nil || fi.Mode()&0o100 != 0 {
		t.Errorf("tool.sh mode not restored: %v %v", fi, err)
	}
	if target, err := os.Readlink(r.path("link")); err != nil || target != "a.txt" {
		t.Errorf("link -> %q (%v), want a.txt", target, err)
	}
	if got := r.git("rev-parse", "main"); got != mainBefore {
		t.Errorf("main moved to %s", got)
	}
	if got := r.git("rev-parse", "safe-coder/task-one"); got != first.Head() {
		t.Errorf("first run branch moved to %s", got)
	}
	r.assertSound()

	// The second session commits on top of the start point.
	r.write("CHANGELOG.md", "# Changes\n")
	c, err := second.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}, Calls: []string{"write_file CHANGELOG.md"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.git("rev-parse", c.SHA+"^"); got != start {
		t.Errorf("parent of the second session's first commit = %s, want %s", got, start)
	}
	r.assertSound()
}

func TestBeginFromRefusesDirtyTree(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n", ".gitignore": "*.log\n"})
	base := r.git("rev-parse", "HEAD")
	r.write("a.txt", "second\n")
	r.git("commit", "-q", "-am", "second")
	r.write("a.txt", "uncommitted\n")
	r.write("new.txt", "untracked\n")
	r.write("x.log", "ignored\n")
	headBefore := r.git("symbolic-ref", "HEAD")
	indexBefore := r.read(".git/index")

	opts := testOptions("safe-coder/from")
	opts.From = base
	_, err := r.open().Begin(t.Context(), opts)
	if !errors.Is(err, ErrDirty) {
		t.Fatalf("Begin() = %v, want ErrDirty", err)
	}
	for _, frag := range []string{"a.txt", "new.txt"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q does not list %s", err, frag)
		}
	}
	if strings.Contains(err.Error(), "x.log") {
		t.Errorf("error %q lists an ignored file", err)
	}
	if got := r.git("symbolic-ref", "HEAD"); got != headBefore {
		t.Errorf("HEAD moved to %s", got)
	}
	if _, _, err := r.tryGit("rev-parse", "--verify", "-q", "safe-coder/from"); err == nil {
		t.Error("run branch created")
	}
	if r.read("a.txt") != "uncommitted\n" || r.read(".git/index") != indexBefore {
		t.Error("work tree or index touched")
	}
	r.assertNoLocks()
}
