package tools

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixture is a repository with symlinks of every kind next to an outside
// directory holding a secret and a sibling directory sharing the repo's
// name as a prefix.
type fixture struct {
	root, outside, sibling string
}

const secret = "needle TOP SECRET\n"

func newFixture(t *testing.T) fixture {
	t.Helper()
	root := newRepo(t)
	parent := filepath.Dir(root)
	f := fixture{root: root, outside: filepath.Join(parent, "outside"), sibling: root + "-sibling"}
	put(t, parent, "outside/secret.txt", secret)
	put(t, parent, "repo-sibling/f.txt", secret)
	put(t, root, "a.txt", "needle a\n")
	put(t, root, "sub/b.txt", "needle b\n")
	put(t, root, ".gitignore", "*.log\n")
	put(t, root, ".github/x", "needle github\n")
	put(t, root, "sub/.git/x", "needle nested git\n")
	link(t, root, "../a.txt", "docs/link.txt")
	link(t, root, "sub", "in_dir")
	link(t, root, "missing.txt", "in_dangling")
	link(t, root, "../outside", "out_dir")
	link(t, root, "../outside/secret.txt", "out_file")
	link(t, root, filepath.Join(f.outside, "secret.txt"), "out_abs")
	link(t, root, "../outside/missing.txt", "out_dangling")
	link(t, root, "../repo-sibling", "sibling_link")
	link(t, root, ".git", "git_link")
	link(t, root, "sub/../.GIT", "git_link2")
	link(t, root, "loop", "loop")
	return f
}

// snapshot records every file outside the repository and in its .git, so a
// test can prove that nothing there changed.
func (f fixture) snapshot(t *testing.T) map[string]string {
	t.Helper()
	files := make(map[string]string)
	for _, dir := range []string{f.outside, f.sibling, filepath.Join(f.root, ".git"), filepath.Join(f.root, "sub/.git")} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				files[p] = "dir"
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files[p] = string(b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func TestResolve(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tb := newToolbox(t, Options{Root: f.root})
	tests := []struct {
		path    string
		mode    followMode
		want    string
		wantErr error
	}{
		// Denied, each followed by its allowed twin.
		{path: "", wantErr: errEmptyPath},
		{path: ".", want: "."},
		{path: "a\x00b", wantErr: errNULByte},
		{path: "a.txt", want: "a.txt"},
		{path: "../x", wantErr: errPathEscapes},
		{path: "sub/../x", want: "x"},
		{path: "sub/../../x", wantErr: errPathEscapes},
		{path: "sub/../a.txt", want: "a.txt"},
		{path: "/etc/passwd", wantErr: errAbsolutePath},
		{path: "etc/passwd", want: "etc/passwd"},
		{path: "/proc/self/environ", wantErr: errAbsolutePath},
		{path: "proc/self/environ", want: "proc/self/environ"},
		{path: filepath.Join(f.root, "a.txt"), wantErr: errAbsolutePath},
		{path: f.sibling + "/f.txt", wantErr: errAbsolutePath},
		{path: "../repo-sibling/f.txt", wantErr: errPathEscapes},
		{path: "sibling_link/f.txt", wantErr: errPathEscapes},
		{path: "./sub//b.txt", want: "sub/b.txt"},
		{path: "out_dir/secret.txt", wantErr: errPathEscapes},
		{path: "out_dir", wantErr: errPathEscapes},
		{path: "in_dir/b.txt", want: "sub/b.txt"},
		{path: "in_dir", want: "sub"},
		{path: "out_file", wantErr: errPathEscapes},
		{path: "out_abs", wantErr: errPathEscapes},
		{path: "docs/link.txt", want: "a.txt"},
		{path: "docs/link.txt", mode: keepFinal, want: "docs/link.txt"},
		{path: "out_dangling", wantErr: errPathEscapes},
		{path: "out_dangling/x", mode: keepFinal, wantErr: errPathEscapes},
		{path: "out_dangling", mode: keepFinal, want: "out_dangling"},
		{path: "in_dangling", want: "missing.txt"},
		{path: "in_dangling", mode: keepFinal, want: "in_dangling"},
		{path: "git_link", wantErr: errInsideGit},
		{path: "git_link/config", wantErr: errInsideGit},
		{path: "git_link/config", mode: keepFinal, wantErr: errInsideGit},
		{path: "git_link2/config", wantErr: errInsideGit},
		{path: ".git", wantErr: errInsideGit},
		{path: ".git/config", wantErr: errInsideGit},
		{path: ".GIT/config", wantErr: errInsideGit},
		{path: ".Git/hooks/pre-commit", wantErr: errInsideGit},
		{path: "sub/.git/x", wantErr: errInsideGit},
		{path: "sub/.git/../b.txt", wantErr: errInsideGit},
		{path: ".git./config", wantErr: errInsideGit},
		{path: ".git /config", wantErr: errInsideGit},
		{path: "GIT~1/config", wantErr: errInsideGit},
		{path: ".g\u200cit/config", wantErr: errInsideGit},
		{path: ".gitignore", want: ".gitignore"},
		{path: ".github/x", want: ".github/x"},
		{path: ".git-blame-ignore-revs", want: ".git-blame-ignore-revs"},
		{path: "sub/.gitkeep", want: "sub/.gitkeep"},
		{path: "git/config", want: "git/config"},
		{path: "loop", wantErr: errSymlinkLoop},
		{path: "loop", mode: keepFinal, want: "loop"},
		{path: "sub/", want: "sub"},
	}
	for _, tt := range tests {
		got, err := tb.resolve(tt.path, tt.mode)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("resolve(%q, %v) = %q, %v; want error %v", tt.path, tt.mode, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolve(%q, %v) = %q, %v; want %q", tt.path, tt.mode, got, err, tt.want)
		}
	}
}

func TestResolveMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tb := newToolbox(t, Options{Root: f.root})
	tests := []struct{ path, want string }{
		{"../x", "../x: path escapes the repository"},
		{"out_dir/secret.txt", "out_dir/secret.txt: path escapes the repository (through symlink out_dir -> ../outside)"},
		{".git/config", ".git/config: path is inside .git, which tools never touch"},
		{"git_link/config", "git_link/config: path is inside .git, which tools never touch (it resolves into .git through symlink git_link -> .git)"},
		{"a\x00b", `"a\x00b": path contains a NUL byte`},
		{"/etc/passwd", "/etc/passwd: path is absolute; paths are relative to the repository root"},
	}
	for _, tt := range tests {
		_, err := tb.resolve(tt.path, followFinal)
		if err == nil || err.Error() != tt.want {
			t.Errorf("resolve(%q) error = %v, want %q", tt.path, err, tt.want)
		}
	}
}

// deniedPaths are refused by every file tool; want is in the message, and
// wantWrite replaces it for write_file, which does not follow a final
// symlink and refuses the symlink itself.
var deniedPaths = []struct{ path, want, wantWrite string }{
	{"../x", "escapes the repository", ""},
	{"/etc/passwd", "path is absolute", ""},
	{"/proc/self/environ", "path is absolute", ""},
	{"a\x00b", "NUL byte", ""},
	{"../repo-sibling/f.txt", "escapes the repository", ""},
	{"sibling_link/f.txt", "escapes the repository", ""},
	{"out_dir/secret.txt", "escapes the repository", ""},
	{"out_file", "escapes the repository", "is a symlink"},
	{"out_abs", "escapes the repository", "is a symlink"},
	{"out_dangling", "escapes the repository", "is a symlink"},
	{"git_link", "inside .git", "is a symlink"},
	{"git_link/config", "inside .git", ""},
	{".git/config", "inside .git", ""},
	{".GIT/config", "inside .git", ""},
	{"sub/.git/x", "inside .git", ""},
}

func TestToolsConfined(t *testing.T) {
	t.Parallel()
	tools := []struct {
		name    string
		input   func(p string) map[string]any
		allowed []string
	}{
		{ReadFile, func(p string) map[string]any { return map[string]any{"path": p} },
			[]string{"a.txt", "docs/link.txt", "in_dir/b.txt", ".gitignore", ".github/x", "sub/../a.txt"}},
		{WriteFile, func(p string) map[string]any { return map[string]any{"path": p, "content": "pwned"} },
			[]string{"a.txt", "in_dir/new.txt", "new/dir/f.txt", ".gitignore", ".github/x", "sub/../c.txt"}},
		{EditFile, func(p string) map[string]any {
			return map[string]any{"path": p, "old_string": "needle", "new_string": "pwned"}
		},
			[]string{"docs/link.txt", "in_dir/b.txt", ".github/x"}},
		{ListFiles, func(p string) map[string]any { return map[string]any{"path": p} },
			[]string{".", "sub", "in_dir", ".github", "a.txt"}},
		{Grep, func(p string) map[string]any { return map[string]any{"pattern": "needle", "path": p} },
			[]string{".", "sub", "in_dir", ".github/x", "docs/link.txt"}},
	}
	for _, tool := range tools {
		t.Run(tool.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			tb := newToolbox(t, Options{Root: f.root})
			before := f.snapshot(t)
			for _, d := range deniedPaths {
				want := d.want
				if tool.name == WriteFile && d.wantWrite != "" {
					want = d.wantWrite
				}
				r := run(t, tb, tool.name, tool.input(d.path))
				mustFail(t, r, want)
				if strings.Contains(r.Content, "TOP SECRET") || strings.Contains(r.Content, "repositoryformatversion") {
					t.Errorf("%s %q leaked content: %s", tool.name, d.path, r.Content)
				}
			}
			for _, p := range tool.allowed {
				if tool.name == WriteFile {
					// Replacing an existing file needs a read first;
					// for a new file the read fails and changes nothing.
					run(t, tb, ReadFile, map[string]any{"path": p})
				}
				r := run(t, tb, tool.name, tool.input(p))
				if r.IsError {
					t.Errorf("%s %q: %s", tool.name, p, r.Content)
				}
			}
			after := f.snapshot(t)
			for p, content := range before {
				if after[p] != content {
					t.Errorf("%s changed %s", tool.name, p)
				}
			}
			for p := range after {
				if _, ok := before[p]; !ok {
					t.Errorf("%s created %s", tool.name, p)
				}
			}
		})
	}
}

// TestGrepAndListSkipGit proves that walks never show .git, in any
// spelling and at any depth, while files that merely start with .git are
// listed.
func TestGrepAndListSkipGit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tb := newToolbox(t, Options{Root: f.root})
	put(t, f.root, ".GIT/y", "needle upper\n")
	list := mustSucceed(t, run(t, tb, ListFiles, map[string]any{}))
	for _, bad := range []string{".git/", ".GIT/", "sub/.git"} {
		if strings.Contains(list.Content, bad) {
			t.Errorf("list_files shows %s:\n%s", bad, list.Content)
		}
	}
	for _, good := range []string{".gitignore\n", ".github/x\n", "git_link\n", "out_dir\n"} {
		if !strings.Contains(list.Content, good) {
			t.Errorf("list_files misses %s:\n%s", good, list.Content)
		}
	}
	g := mustSucceed(t, run(t, tb, Grep, map[string]any{"pattern": "needle|repositoryformatversion"}))
	want := ".github/x:1: needle github\na.txt:1: needle a\nsub/b.txt:1: needle b\n"
	if g.Content != want {
		t.Errorf("grep content = %q, want %q (no .git, no symlink targets)", g.Content, want)
	}
}

func FuzzResolve(f *testing.F) {
	root := filepath.Join(f.TempDir(), "repo")
	for _, d := range []string{"sub/deeper", ".git", "outside"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	links := map[string]string{
		"up": "..", "sub/up2": "../..", "sub/self": ".", "g": ".git", "sub/g": "../.GIT",
		"abs": "/etc", "loop": "loop", "sub/deeper/back": "../../sub", "dangle": "nowhere/../x",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			f.Fatal(err)
		}
	}
	tb, err := New(Options{Root: root})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { tb.Close() })
	for _, seed := range []string{"a", "../a", "sub/self/self/up", "sub/deeper/back/g/x", "up/repo/a", "dangle", ".GiT", "sub/./..//a", "abs/passwd", "C:\\x", "\x00"} {
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, p string, keep bool) {
		mode := followFinal
		if keep {
			mode = keepFinal
		}
		got, err := tb.resolve(p, mode)
		if err != nil {
			var pe *pathError
			if !errors.As(err, &pe) {
				t.Fatalf("resolve(%q) returned %T %v, want a *pathError", p, err, err)
			}
			return
		}
		if got != "." && (!filepath.IsLocal(got) || path.Clean(got) != got) {
			t.Fatalf("resolve(%q) = %q, not a clean local path", p, got)
		}
		if slices.ContainsFunc(strings.Split(got, "/"), isGitName) {
			t.Fatalf("resolve(%q) = %q, names .git", p, got)
		}
		// The kernel's view, where the path exists: it must be inside root.
		// With keepFinal the last component is used as it is, a link or not.
		check := filepath.Join(root, got)
		if keep && got != "." {
			check = filepath.Dir(check)
		}
		if real, err := filepath.EvalSymlinks(check); err == nil {
			rootReal, _ := filepath.EvalSymlinks(root)
			if rel, err := filepath.Rel(rootReal, real); err != nil || !filepath.IsLocal(rel) && rel != "." {
				t.Fatalf("resolve(%q) = %q, which the kernel resolves to %s outside the root", p, got, real)
			}
		}
	})
}

// TestResolveExported checks the policy's view of a path: symlinks inside
// the repository are followed to the file the tools act on, the final
// component included, and refusals carry the message the model would see.
func TestResolveExported(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tb := newToolbox(t, Options{Root: f.root})
	tests := []struct {
		path, want, wantErr string
	}{
		{path: "a.txt", want: "a.txt"},
		{path: "docs/link.txt", want: "a.txt"},
		{path: "in_dir/b.txt", want: "sub/b.txt"},
		{path: "in_dangling", want: "missing.txt"},
		{path: "./sub//../a.txt", want: "a.txt"},
		{path: ".", want: "."},
		{path: "new/file.txt", want: "new/file.txt"},
		{path: "out_file", wantErr: "out_file: path escapes the repository (through symlink out_file -> ../outside/secret.txt)"},
		{path: "git_link/config", wantErr: "git_link/config: path is inside .git, which tools never touch"},
		{path: "/etc/passwd", wantErr: "/etc/passwd: path is absolute"},
		{path: "loop", wantErr: "loop: too many levels of symbolic links"},
	}
	for _, tt := range tests {
		got, err := tb.Resolve(tt.path)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Resolve(%q) = %q, %v; want error %q", tt.path, got, err, tt.wantErr)
			}
			// The tool refuses the same path with the same words.
			r := run(t, tb, ReadFile, map[string]any{"path": tt.path})
			mustFail(t, r, tt.wantErr)
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
}
