package tools

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		setup       func(t *testing.T, root string)
		path        string
		wantTouched string
		wantMode    os.FileMode
	}{
		{"new file with parents", nil, "a/b/c.txt", "a/b/c.txt", 0o644},
		{"replace keeps mode", func(t *testing.T, root string) {
			put(t, root, "run.sh", "#!/bin/sh\n")
			if err := os.Chmod(filepath.Join(root, "run.sh"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "run.sh", "run.sh", 0o755},
		{"replace keeps restrictive mode", func(t *testing.T, root string) {
			put(t, root, "private.txt", "x")
			if err := os.Chmod(filepath.Join(root, "private.txt"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "private.txt", "private.txt", 0o600},
		{"through a directory symlink", func(t *testing.T, root string) {
			put(t, root, "real/keep", "")
			link(t, root, "real", "alias")
		}, "alias/new.txt", "real/new.txt", 0o644},
		{"backslash is a name character on unix", nil, `a\b.txt`, `a\b.txt`, 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := newRepo(t)
			if tt.setup != nil {
				tt.setup(t, root)
			}
			tb := newToolbox(t, Options{Root: root})
			if _, err := os.Lstat(filepath.Join(root, tt.wantTouched)); err == nil {
				// Replacing needs a read first (TestWriteFileReadFirst).
				mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": tt.path}))
			}
			r := mustSucceed(t, run(t, tb, WriteFile, map[string]any{"path": tt.path, "content": "hello"}))
			if want := "wrote 5 bytes to " + tt.wantTouched; r.Content != want {
				t.Errorf("content = %q, want %q", r.Content, want)
			}
			if want := "write_file " + tt.wantTouched + " (5 bytes)"; r.Summary != want {
				t.Errorf("summary = %q, want %q", r.Summary, want)
			}
			if !slices.Equal(r.Touched, []string{tt.wantTouched}) {
				t.Errorf("touched = %v, want [%s]", r.Touched, tt.wantTouched)
			}
			if got := read(t, root, tt.wantTouched); got != "hello" {
				t.Errorf("file content = %q", got)
			}
			fi, err := os.Stat(filepath.Join(root, tt.wantTouched))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.wantMode {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), tt.wantMode)
			}
			dir := filepath.Dir(filepath.Join(root, tt.wantTouched))
			for _, name := range entries(t, dir, ".") {
				if strings.Contains(name, ".tmp") {
					t.Errorf("temporary file left behind: %s", name)
				}
			}
			untracked := strings.Split(gitCmd(t, root, "ls-files", "--others", "-z"), "\x00")
			if !slices.Contains(untracked, tt.wantTouched) {
				t.Errorf("git does not see %s; it sees %q", tt.wantTouched, untracked)
			}
		})
	}
}

func TestWriteFileRefuses(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "dir/f.txt", "keep")
	put(t, root, "target.txt", "target")
	put(t, root, "file", "plain")
	link(t, root, "target.txt", "inner_link")
	tb := newToolbox(t, Options{Root: root})
	tests := []struct{ path, want string }{
		{"dir", "dir: is a directory"},
		{"inner_link", "inner_link: is a symlink; write_file does not follow symlinks"},
		{"file/sub.txt", "file/sub.txt: not a directory"},
		{"", "path is empty"},
		{"newdir/", "newdir/: ends with '/', so it names a directory"},
		{"file", "file: the file exists and you have not read it; read it with read_file"},
	}
	for _, tt := range tests {
		mustFail(t, run(t, tb, WriteFile, map[string]any{"path": tt.path, "content": "x"}), tt.want)
	}
	if fi, err := os.Lstat(filepath.Join(root, "inner_link")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("inner_link is no longer a symlink: %v %v", fi, err)
	}
	if got := read(t, root, "target.txt"); got != "target" {
		t.Errorf("symlink target written: %q", got)
	}
	if got := read(t, root, "file"); got != "plain" {
		t.Errorf("unread file written: %q", got)
	}
	// The allowed twin: the symlink's target itself, once read.
	mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "target.txt"}))
	mustSucceed(t, run(t, tb, WriteFile, map[string]any{"path": "target.txt", "content": "new"}))
	if got := read(t, root, "inner_link"); got != "new" {
		t.Errorf("target content through link = %q", got)
	}
}

// TestWriteFileAtomic checks that a reader holding the old file keeps the
// old content: the new content arrives by rename, not by rewriting in place.
func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "f.txt", "old content")
	old, err := os.Open(filepath.Join(root, "f.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	before, err := old.Stat()
	if err != nil {
		t.Fatal(err)
	}
	tb := newToolbox(t, Options{Root: root})
	mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.txt"}))
	mustSucceed(t, run(t, tb, WriteFile, map[string]any{"path": "f.txt", "content": "new"}))
	buf := make([]byte, 64)
	n, _ := old.Read(buf)
	if string(buf[:n]) != "old content" {
		t.Errorf("old descriptor reads %q: the file was rewritten in place", buf[:n])
	}
	after, err := os.Stat(filepath.Join(root, "f.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("the file was not replaced by rename")
	}
	if names := entries(t, root, "."); !slices.Equal(names, []string{".git", "f.txt"}) {
		t.Errorf("directory holds %v", names)
	}
}

// TestWriteFileReadFirst: an existing file is replaced only when the model
// has seen its current content; what counts as seeing it is each case's
// setup. Every refused case has an allowed twin.
func TestWriteFileReadFirst(t *testing.T) {
	t.Parallel()
	const notRead = "f.txt: the file exists and you have not read it"
	const changed = "f.txt: the file changed on disk since you last read or wrote it; read it again"
	tests := []struct {
		name    string
		setup   func(t *testing.T, tb *Toolbox, root string)
		path    string
		wantErr string // "" means the write succeeds
	}{
		{"never read", nil, "f.txt", notRead},
		{"read", func(t *testing.T, tb *Toolbox, _ string) {
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.txt"}))
		}, "f.txt", ""},
		{"read in part", func(t *testing.T, tb *Toolbox, _ string) {
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.txt", "offset": 2, "limit": 1}))
		}, "f.txt", ""},
		{"read through a symlink", func(t *testing.T, tb *Toolbox, root string) {
			link(t, root, "f.txt", "alias.txt")
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "alias.txt"}))
		}, "f.txt", ""},
		{"edited", func(t *testing.T, tb *Toolbox, _ string) {
			mustSucceed(t, run(t, tb, EditFile, map[string]any{"path": "f.txt", "old_string": "two", "new_string": "2"}))
		}, "f.txt", ""},
		{"only another file read", func(t *testing.T, tb *Toolbox, root string) {
			put(t, root, "g.txt", "g\n")
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "g.txt"}))
		}, "f.txt", notRead},
		{"read, then changed on disk", func(t *testing.T, tb *Toolbox, root string) {
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.txt"}))
			put(t, root, "f.txt", "one\ntwo\nthree\nfour\n")
		}, "f.txt", changed},
		{"read, changed, read again", func(t *testing.T, tb *Toolbox, root string) {
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.txt"}))
			put(t, root, "f.txt", "one\ntwo\nthree\nfour\n")
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.txt"}))
		}, "f.txt", ""},
		{"read, then grew past the read limit", func(t *testing.T, tb *Toolbox, root string) {
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.txt"}))
			if err := os.Truncate(filepath.Join(root, "f.txt"), maxReadSize+1); err != nil {
				t.Fatal(err)
			}
		}, "f.txt", changed},
		{"too large to read", func(t *testing.T, _ *Toolbox, root string) {
			if err := os.Truncate(filepath.Join(root, "f.txt"), maxReadSize+1); err != nil {
				t.Fatal(err)
			}
		}, "f.txt", "f.txt: the file exists and is too large to read (10485761 bytes)"},
		{"read, then deleted: a new file", func(t *testing.T, tb *Toolbox, root string) {
			mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.txt"}))
			if err := os.Remove(filepath.Join(root, "f.txt")); err != nil {
				t.Fatal(err)
			}
		}, "f.txt", ""},
		{"new file", nil, "new.txt", ""},
		{"own earlier write", func(t *testing.T, tb *Toolbox, _ string) {
			mustSucceed(t, run(t, tb, WriteFile, map[string]any{"path": "new.txt", "content": "first"}))
		}, "new.txt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := newRepo(t)
			put(t, root, "f.txt", "one\ntwo\nthree\n")
			tb := newToolbox(t, Options{Root: root})
			if tt.setup != nil {
				tt.setup(t, tb, root)
			}
			var before string
			if b, err := os.ReadFile(filepath.Join(root, tt.path)); err == nil {
				before = string(b)
			}
			r := run(t, tb, WriteFile, map[string]any{"path": tt.path, "content": "replaced\n"})
			if tt.wantErr != "" {
				mustFail(t, r, tt.wantErr)
				if got := read(t, root, tt.path); got != before {
					t.Errorf("refused write changed the file to %q", got)
				}
				return
			}
			mustSucceed(t, r)
			if got := read(t, root, tt.path); got != "replaced\n" {
				t.Errorf("file = %q", got)
			}
		})
	}
}

// Paths git must handle itself (Git LFS, submodules) are refused before
// anything is written; the twin, an ordinary path, is written.
func TestGuardedPathsRefused(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	box, err := New(Options{Root: root, Guarded: func(rel string) (string, bool) {
		if strings.HasPrefix(rel, "assets/") {
			return rel + " is tracked by Git LFS, which safe-coder does not write", true
		}
		return "", false
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	if err := os.MkdirAll(filepath.Join(root, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "assets", "logo.png"), []byte("pointer"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := run(t, box, ReadFile, map[string]any{"path": "assets/logo.png"})
	if read.IsError {
		t.Fatalf("read: %s", read.Content)
	}
	for _, c := range []struct {
		tool  string
		input map[string]any
	}{
		{WriteFile, map[string]any{"path": "assets/new.png", "content": "x"}},
		{EditFile, map[string]any{"path": "assets/logo.png", "old_string": "pointer", "new_string": "blob"}},
	} {
		res := run(t, box, c.tool, c.input)
		if !res.IsError || !strings.Contains(res.Content, "tracked by Git LFS") {
			t.Errorf("%s: %+v", c.tool, res)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "assets", "new.png")); !os.IsNotExist(err) {
		t.Errorf("guarded file written: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "assets", "logo.png")); string(data) != "pointer" {
		t.Errorf("guarded file edited: %q", data)
	}
	if res := run(t, box, WriteFile, map[string]any{"path": "docs/new.md", "content": "x"}); res.IsError {
		t.Errorf("ordinary write refused: %s", res.Content)
	}
}
