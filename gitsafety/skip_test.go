package gitsafety

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// Files above the size limit are not committed, by either kind of step,
// and are reported with their size and the limit; a big file that was only
// touched is no change. The twin small files are committed.
func TestCommitStepSizeLimit(t *testing.T) {
	t.Parallel()
	const limit = 1000
	big := strings.Repeat("x", 1500) + "\n"
	for _, mode := range []string{"scan", "paths"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"tracked-big.bin": big, "touched-big.bin": big, "small.txt": "small\n"})
			s := r.begin(testOptions("safe-coder/size"))
			r.write("new-big.bin", "new "+big)
			r.write("tracked-big.bin", big+"more\n")
			later := time.Now().Add(2 * time.Second)
			if err := os.Chtimes(r.path("touched-big.bin"), later, later); err != nil {
				t.Fatal(err)
			}
			r.write("small.txt", "changed\n")
			r.write("new-small.txt", "new\n")
			sc := StepCommit{Step: 1, Tools: []string{"write_file"}, MaxFileBytes: limit}
			if mode == "paths" {
				sc.Paths = []string{"new-big.bin", "tracked-big.bin", "touched-big.bin", "small.txt", "new-small.txt"}
			}
			c, err := s.CommitStep(t.Context(), sc)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"new-small.txt", "small.txt"}; !slices.Equal(c.Files, want) {
				t.Errorf("Files = %v, want %v", c.Files, want)
			}
			assertSkipped(t, c.Skipped, map[string]string{
				"new-big.bin":     "1.5 KiB, above the 1000 bytes limit",
				"tracked-big.bin": "above the 1000 bytes limit",
			})
			equalLines(t, "status", r.git("status", "--porcelain"), []string{" M tracked-big.bin", "?? new-big.bin"})
			if r.read("tracked-big.bin") != big+"more\n" {
				t.Error("a skipped file was changed in the work tree")
			}
			if _, _, err := r.tryGit("cat-file", "-e", r.git("hash-object", "new-big.bin")); err == nil {
				t.Error("the skipped file was stored")
			}
			// Still there, still reported, still not committed.
			again, err := s.CommitStep(t.Context(), StepCommit{Step: 2, MaxFileBytes: limit, Paths: sc.Paths})
			if err != nil || again.SHA != "" || len(again.Skipped) != 2 {
				t.Errorf("second step = %+v, %v; want no commit and the two files skipped again", again, err)
			}
		})
	}
}

func TestCommitStepRejectsNegativeLimit(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a": "a\n"})
	s := r.begin(testOptions("safe-coder/negative"))
	r.write("b", "b\n")
	if _, err := s.CommitStep(t.Context(), StepCommit{Step: 1, MaxFileBytes: -1}); err == nil {
		t.Fatal("a negative size limit was accepted")
	}
}

// A file tool that wrote into a filtered path, a submodule or a nested
// repository anyway gets the write reported, not committed.
func TestCommitStepPathsSkipsGuardedPaths(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{
		".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n",
		"model.bin":      "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 3\n",
		"a.txt":          "a\n",
	})
	sub := initTestRepo(t)
	sub.write("lib.go", "package lib\n")
	sub.git("add", "-A")
	sub.git("commit", "-q", "-m", "lib")
	r.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.dir, "vendor/lib")
	r.git("commit", "-q", "-m", "add submodule")
	s := r.begin(testOptions("safe-coder/guarded"))
	r.write("model.bin", "real content\n")
	r.write("vendor/lib/lib.go", "package lib // changed\n")
	nested := &testRepo{t: t, dir: r.path("tools/nested")}
	if err := os.MkdirAll(nested.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nested.git("init", "-q")
	nested.write("x.go", "package x\n")
	r.write("a.txt", "changed\n")

	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"model.bin", "vendor/lib/lib.go", "tools/nested/x.go", "a.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Files, []string{"a.txt"}) {
		t.Errorf("Files = %v, want [a.txt]", c.Files)
	}
	assertSkipped(t, c.Skipped, map[string]string{
		"model.bin":         "Git LFS",
		"vendor/lib/lib.go": "inside the submodule vendor/lib",
		"tools/nested/x.go": "inside tools/nested, a separate git repository",
	})
	if out, errOut, err := r.tryGit("fsck", "--full", "--no-dangling", "--strict"); err != nil || out != "" {
		t.Errorf("git fsck: %v\n%s%s", err, out, errOut)
	}
	r.assertNoLocks()
}

// The snapshot leaves out what a step would and says so.
func TestSnapshotSkipped(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	r.write("huge.dat", strings.Repeat("h", 3000))
	r.write("b.txt", "b\n")
	opts := testOptions("safe-coder/snap-skip")
	opts.MaxFileBytes = 2048
	s := r.begin(opts)
	if s.Snapshot() == "" {
		t.Fatal("no snapshot")
	}
	assertSkipped(t, s.SnapshotSkipped(), map[string]string{"huge.dat": "2.9 KiB, above the 2.0 KiB limit"})
	if got := r.git("ls-tree", "-r", "--name-only", s.Snapshot()); got != "a.txt\nb.txt" {
		t.Errorf("snapshot holds:\n%s", got)
	}
}

func TestGuarded(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{
		".gitattributes":        "*.bin filter=lfs diff=lfs merge=lfs -text\n[attr]crypted filter=crypt\n*.secret crypted\n",
		"assets/.gitattributes": "*.png filter=lfs\nplain.png -filter\n",
		"model.bin":             "pointer\n",
		"a.txt":                 "a\n",
		"assets/x.png":          "pointer\n",
		"assets/plain.png":      "png\n",
	})
	sub := initTestRepo(t)
	sub.write("lib.go", "package lib\n")
	sub.git("add", "-A")
	sub.git("commit", "-q", "-m", "lib")
	r.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.dir, "vendor/lib")
	r.git("commit", "-q", "-m", "add submodule")
	// A submodule declared but not (yet) in the index still counts.
	r.write(".gitmodules", r.read(".gitmodules")+"[submodule \"declared\"]\n\tpath = third/declared\n\turl = https://example.invalid/x\n")
	nested := &testRepo{t: t, dir: r.path("tools/nested")}
	if err := os.MkdirAll(nested.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nested.git("init", "-q")
	s := r.begin(testOptions("safe-coder/guard"))

	tests := []struct {
		path string
		want string // "" means not guarded
	}{
		{"a.txt", ""},
		{"new/file.go", ""},
		{"model.bin", "tracked by Git LFS"},
		{"deep/new.bin", "tracked by Git LFS"},
		{"assets/x.png", "tracked by Git LFS"},
		{"assets/plain.png", ""},
		{"keys.secret", "filter=crypt"},
		{"vendor/lib", "is a submodule"},
		{"vendor/lib/lib.go", "inside the submodule vendor/lib"},
		{"vendor/library.go", ""},
		{"third/declared/x.go", "inside the submodule third/declared"},
		{"tools/nested/x.go", "inside tools/nested, a separate git repository"},
		{"../outside", "not a path inside the repository"},
	}
	for _, tt := range tests {
		reason, bad := s.Guarded(t.Context(), tt.path)
		if bad != (tt.want != "") {
			t.Errorf("Guarded(%s) = %q, %v; want guarded %v", tt.path, reason, bad, tt.want != "")
			continue
		}
		if !strings.Contains(reason, tt.want) {
			t.Errorf("Guarded(%s) reason %q does not mention %q", tt.path, reason, tt.want)
		}
		if bad && !strings.Contains(reason, strings.TrimPrefix(tt.path, "../")) {
			t.Errorf("Guarded(%s) reason %q does not name the path", tt.path, reason)
		}
	}
}
