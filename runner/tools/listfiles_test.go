package tools

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
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

// TestWalkSymlinkLoops: symlinks to directories, loops among them
// included, are listed as entries and never entered, so every walk ends
// and every file shows up once, under its real path.
func TestWalkSymlinkLoops(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "a/f.txt", "needle\n")
	link(t, root, ".", "loop")
	link(t, root, "..", "a/up")
	link(t, root, "../a", "a/self")
	link(t, root, "c", "b")
	link(t, root, "b", "c")
	tb := newToolbox(t, Options{Root: root})
	tests := []struct {
		tool  string
		input map[string]any
		want  string
	}{
		{ListFiles, map[string]any{}, "a/f.txt\na/self\na/up\nb\nc\nloop\n"},
		{ListFiles, map[string]any{"path": "a/up"}, "a/f.txt\na/self\na/up\nb\nc\nloop\n"},
		{ListFiles, map[string]any{"path": "loop/a/self"}, "a/f.txt\na/self\na/up\n"},
		{Grep, map[string]any{"pattern": "needle"}, "a/f.txt:1: needle\n"},
		{Grep, map[string]any{"pattern": "needle", "path": "a/self/up/loop"}, "a/f.txt:1: needle\n"},
	}
	for _, tt := range tests {
		r := mustSucceed(t, run(t, tb, tt.tool, tt.input))
		if r.Content != tt.want {
			t.Errorf("%s %v:\n%s\nwant:\n%s", tt.tool, tt.input, r.Content, tt.want)
		}
	}
	mustFail(t, run(t, tb, ListFiles, map[string]any{"path": "b"}), "b: too many levels of symbolic links")
}

// TestWalkTimeout: list_files and grep stop at WalkTimeout and return what
// they found so far with a notice, not an error; with time to spare they
// cover the whole tree without one.
func TestWalkTimeout(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	// 30 files of 1 MiB of short lines, each with one match on its first
	// line: searching them takes far longer than 20ms, and searching the
	// first one starts before the deadline.
	filler := strings.Repeat("no\n", (1<<20)/3-4)
	for i := range 30 {
		put(t, root, fmt.Sprintf("f%02d.txt", i), "match\n"+filler)
	}
	tests := []struct {
		name        string
		timeout     time.Duration
		tool        string
		input       map[string]any
		wantNotice  string
		wantSummary string
		wantAll     bool
	}{
		{"list at once", time.Nanosecond, ListFiles, map[string]any{},
			"… listing stopped after 1ns before the whole tree was seen; narrow path or pattern\n", "list_files .: 0 files (stopped at the time limit)", false},
		{"grep at once", time.Nanosecond, Grep, map[string]any{"pattern": "^match$"},
			"no matches\n… search stopped after 1ns before every file was searched; narrow the path or glob\n", `grep "^match$" in .: 0 matches (stopped at the time limit)`, false},
		{"grep part way", 20 * time.Millisecond, Grep, map[string]any{"pattern": "^match$"},
			"… search stopped after 20ms before every file was searched; narrow the path or glob\n", "", false},
		{"list with time to spare", time.Minute, ListFiles, map[string]any{}, "", "list_files .: 30 files", true},
		{"grep with time to spare", time.Minute, Grep, map[string]any{"pattern": "^match$"}, "", `grep "^match$" in .: 30 matches`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := newToolbox(t, Options{Root: root, WalkTimeout: tt.timeout})
			r := mustSucceed(t, run(t, tb, tt.tool, tt.input))
			if tt.wantSummary != "" && r.Summary != tt.wantSummary {
				t.Errorf("summary = %q, want %q", r.Summary, tt.wantSummary)
			}
			body, notice := r.Content, ""
			if tt.wantNotice != "" {
				var ok bool
				if body, ok = strings.CutSuffix(r.Content, tt.wantNotice); !ok {
					t.Fatalf("content %q does not end with notice %q", firstBytes(r.Content), tt.wantNotice)
				}
				notice = tt.wantNotice
			}
			var found []string
			for l := range strings.SplitSeq(strings.TrimSuffix(body, "\n"), "\n") {
				if l != "" {
					found = append(found, l)
				}
			}
			for i, l := range found {
				want := fmt.Sprintf("f%02d.txt", i)
				if tt.tool == Grep {
					want += ":1: match"
				}
				if l != want {
					t.Fatalf("line %d = %q, want %q (results so far, in order)", i, l, want)
				}
			}
			switch {
			case tt.wantAll && len(found) != 30:
				t.Errorf("found %d of 30 files", len(found))
			case !tt.wantAll && len(found) >= 30:
				t.Errorf("found all 30 files despite the notice %q", notice)
			case tt.timeout == 20*time.Millisecond && len(found) == 0:
				t.Errorf("nothing found before the deadline")
			}
		})
	}
}
