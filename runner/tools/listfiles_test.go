package tools

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// ignoreRepo builds a repository exercising root, nested and negated
// .gitignore patterns and .git/info/exclude.
func ignoreRepo(t *testing.T) string {
	t.Helper()
	root := newRepo(t)
	files := map[string]string{
		".gitignore":           "# comment\n*.log\nbuild/\n!keep.log\n/root-only.txt\n",
		".git/info/exclude":    "secret.env\n",
		"a.go":                 "package a\n",
		"b.log":                "",
		"keep.log":             "",
		"root-only.txt":        "",
		"sub/root-only.txt":    "",
		"build/out.bin":        "",
		"sub/build/x":          "",
		"sub/.gitignore":       "*.tmp\n!important.tmp\r\n",
		"sub/x.tmp":            "",
		"sub/important.tmp":    "",
		"sub/deep/y.tmp":       "",
		"sub/deep/z.go":        "package deep\n",
		"secret.env":           "",
		"sub/secret.env":       "",
		"docs/readme.md":       "",
		"docs/.gitignore":      "",
		"a dir/file name.txt":  "",
		"other/.gitignore":     "*\n!.gitignore\n",
		"other/hidden.txt":     "",
		"nested/sub/docs/x.md": "",
	}
	for rel, content := range files {
		put(t, root, rel, content)
	}
	link(t, root, "sub", "lnk")
	return root
}

// TestListFilesMatchesGit compares list_files with git's own view of the
// untracked, not ignored files.
func TestListFilesMatchesGit(t *testing.T) {
	t.Parallel()
	root := ignoreRepo(t)
	tb := newToolbox(t, Options{Root: root})
	r := mustSucceed(t, run(t, tb, ListFiles, map[string]any{}))
	got := strings.Split(strings.TrimSuffix(r.Content, "\n"), "\n")
	want := strings.Split(strings.TrimSuffix(gitCmd(t, root, "ls-files", "--others", "--exclude-standard", "-z"), "\x00"), "\x00")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("list_files:\n%s\ngit ls-files:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Summary != fmt.Sprintf("list_files .: %d files", len(want)) {
		t.Errorf("summary = %q", r.Summary)
	}
}

func TestListFiles(t *testing.T) {
	t.Parallel()
	root := ignoreRepo(t)
	tb := newToolbox(t, Options{Root: root})
	tests := []struct {
		name    string
		input   map[string]any
		want    string
		wantErr string
	}{
		{"subdirectory keeps parent rules", map[string]any{"path": "sub"},
			"sub/.gitignore\nsub/deep/z.go\nsub/important.tmp\nsub/root-only.txt\n", ""},
		{"pattern without slash matches base names", map[string]any{"pattern": "*.go"},
			"a.go\nsub/deep/z.go\n", ""},
		{"pattern with slash matches paths", map[string]any{"pattern": "sub/**"},
			"sub/.gitignore\nsub/deep/z.go\nsub/important.tmp\nsub/root-only.txt\n", ""},
		{"double star", map[string]any{"pattern": "**/docs/*.md"},
			"docs/readme.md\nnested/sub/docs/x.md\n", ""},
		{"symlinked directory is listed, not entered", map[string]any{"pattern": "lnk*"}, "lnk\n", ""},
		{"path through a symlink", map[string]any{"path": "lnk", "pattern": "*.go"}, "sub/deep/z.go\n", ""},
		{"a file", map[string]any{"path": "a.go"}, "a.go\n", ""},
		{"ignored directory", map[string]any{"path": "build"},
			"no files found under build (1 entries ignored by .gitignore)\n", ""},
		{"nothing matches", map[string]any{"pattern": "*.rs"},
			"no files found under . (matching \"*.rs\"; 9 entries ignored by .gitignore)\n", ""},
		{"bad pattern", map[string]any{"pattern": "[a"}, "", "bad glob pattern"},
		{"missing path", map[string]any{"path": "nope"}, "", "nope: no such file or directory"},
		{"unknown field", map[string]any{"glob": "*.go"}, "", `unknown field "glob"; list_files accepts path, pattern`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tb, ListFiles, tt.input)
			if tt.wantErr != "" {
				mustFail(t, r, tt.wantErr)
				return
			}
			mustSucceed(t, r)
			if r.Content != tt.want {
				t.Errorf("content:\n%s\nwant:\n%s", r.Content, tt.want)
			}
		})
	}
}

func TestListFilesBound(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	for i := range maxListEntries + 5 {
		put(t, root, fmt.Sprintf("d%d/f%04d.txt", i%7, i), "")
	}
	tb := newToolbox(t, Options{Root: root})
	r := mustSucceed(t, run(t, tb, ListFiles, map[string]any{}))
	lines := strings.Split(strings.TrimSuffix(r.Content, "\n"), "\n")
	if len(lines) != maxListEntries+1 {
		t.Fatalf("got %d lines, want %d", len(lines), maxListEntries+1)
	}
	if !slices.IsSorted(lines[:maxListEntries]) {
		t.Error("paths are not sorted")
	}
	if lines[0] != "d0/f0000.txt" {
		t.Errorf("first path = %q", lines[0])
	}
	if want := "… and 5 more; narrow path or pattern to see them"; lines[maxListEntries] != want {
		t.Errorf("notice = %q, want %q", lines[maxListEntries], want)
	}
}

func TestSmallest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n        int
		items    []string
		want     []string
		wantMore int
	}{
		{3, []string{"e", "d", "c", "b", "a", "f", "g"}, []string{"a", "b", "c"}, 4},
		{3, []string{"b", "a"}, []string{"a", "b"}, 0},
		{1, []string{"z", "y", "x", "w"}, []string{"w"}, 3},
		{2, nil, nil, 0},
	}
	for _, tt := range tests {
		s := smallest{n: tt.n}
		for _, it := range tt.items {
			s.add(it)
		}
		got, more := s.result()
		if !slices.Equal(got, tt.want) || more != tt.wantMore {
			t.Errorf("smallest(%d, %v) = %v, %d; want %v, %d", tt.n, tt.items, got, more, tt.want, tt.wantMore)
		}
	}
}
