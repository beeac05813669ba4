package gitsafety

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// testRepo is a real repository in a temp dir, driven and checked with the
// git CLI.
type testRepo struct {
	t   *testing.T
	dir string
}

// newTestRepo makes a repository on main with one commit holding files.
func newTestRepo(t *testing.T, files map[string]string) *testRepo {
	t.Helper()
	r := initTestRepo(t)
	for name, content := range files {
		r.write(name, content)
	}
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "initial")
	return r
}

// initTestRepo makes an empty repository on main.
func initTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &testRepo{t: t, dir: dir}
	r.git("init", "-q", "-b", "main")
	// Written directly: three git config processes per repository add up
	// over the hundreds of repositories the tests make.
	f, err := os.OpenFile(r.path(".git/config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("[user]\n\tname = Test User\n\temail = test@example.com\n[commit]\n\tgpgsign = false\n")
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// git runs a git command that must succeed and returns its trimmed stdout.
func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	out, errOut, err := r.tryGit(args...)
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// tryGit runs a git command that may fail.
func (r *testRepo) tryGit(args ...string) (stdout, stderr string, err error) {
	r.t.Helper()
	cmd := r.gitCmd(args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return strings.TrimRight(o.String(), "\n"), e.String(), err
}

// gitCmd prepares a git command in the repository, with no prompts,
// editors or localized messages.
func (r *testRepo) gitCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "GIT_EDITOR=true", "GIT_MERGE_AUTOEDIT=no")
	return cmd
}

func (r *testRepo) path(name string) string {
	return filepath.Join(r.dir, filepath.FromSlash(name))
}

func (r *testRepo) write(name, content string) {
	r.t.Helper()
	p := r.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) read(name string) string {
	r.t.Helper()
	b, err := os.ReadFile(r.path(name))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func (r *testRepo) exists(name string) bool {
	_, err := os.Lstat(r.path(name))
	return err == nil
}

func (r *testRepo) remove(name string) {
	r.t.Helper()
	if err := os.RemoveAll(r.path(name)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) chmod(name string, mode os.FileMode) {
	r.t.Helper()
	if err := os.Chmod(r.path(name), mode); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) symlink(target, name string) {
	r.t.Helper()
	p := r.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) open() *Repo {
	r.t.Helper()
	repo, err := Open(r.t.Context(), r.dir)
	if err != nil {
		r.t.Fatalf("Open: %v", err)
	}
	return repo
}

// fixedNow is a deterministic clock for commit times.
func fixedNow() time.Time {
	return time.Date(2026, 11, 26, 23, 11, 31, 0, time.UTC)
}

func testOptions(branch string) BeginOptions {
	return BeginOptions{
		RunID:  "20261126-231131-ab12",
		Task:   "fix-vet",
		Branch: branch,
		Now:    fixedNow,
	}
}

func (r *testRepo) begin(opts BeginOptions) *Session {
	r.t.Helper()
	s, err := r.open().Begin(r.t.Context(), opts)
	if err != nil {
		r.t.Fatalf("Begin: %v", err)
	}
	return s
}

// addAllTree is the tree `git add -A` makes of the work tree as it is now,
// computed in a copy so the repository under test is not touched.
func (r *testRepo) addAllTree() string {
	r.t.Helper()
	c := r.copyRepo()
	c.git("add", "-A")
	return c.git("write-tree")
}

// assertSound checks the invariants that must hold after every operation:
// fsck clean, nothing left to commit, no lock file left behind.
func (r *testRepo) assertSound() {
	r.t.Helper()
	if out, errOut, err := r.tryGit("fsck", "--full", "--no-dangling", "--strict"); err != nil || out != "" {
		r.t.Errorf("git fsck: %v\n%s%s", err, out, errOut)
	}
	if st := r.git("status", "--porcelain"); st != "" {
		r.t.Errorf("git status --porcelain not empty:\n%s", st)
	}
	r.assertNoLocks()
}

func (r *testRepo) assertNoLocks() {
	r.t.Helper()
	err := filepath.WalkDir(filepath.Join(r.dir, ".git"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(d.Name(), ".lock") {
			r.t.Errorf("lock file left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// lines splits git output into lines, dropping empty ones.
func lines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func equalLines(t *testing.T, what string, got string, want []string) {
	t.Helper()
	if g := lines(got); !slices.Equal(g, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, g, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func hash(s string) plumbing.Hash { return plumbing.NewHash(s) }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
