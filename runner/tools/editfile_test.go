package tools

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const goFile = `package main

import "fmt"

func main() {
	fmt.Println("hello")
	fmt.Println("hello")
}

func other() {
	fmt.Println("bye")
}
`

func TestEditFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		input      map[string]any
		wantFile   string
		wantResult string
	}{
		{
			name:     "one match",
			input:    map[string]any{"old_string": `"bye"`, "new_string": `"goodbye"`},
			wantFile: strings.Replace(goFile, `"bye"`, `"goodbye"`, 1),
			wantResult: "edited f.go: replaced 1 occurrence\n" +
				"     8\t}\n     9\t\n    10\tfunc other() {\n    11\t\tfmt.Println(\"goodbye\")\n    12\t}\n",
		},
		{
			name:     "replace all",
			input:    map[string]any{"old_string": `"hello"`, "new_string": `"hi"`, "replace_all": true},
			wantFile: strings.ReplaceAll(goFile, `"hello"`, `"hi"`),
			wantResult: "edited f.go: replaced 2 occurrences\n" +
				"     3\timport \"fmt\"\n     4\t\n     5\tfunc main() {\n" +
				"     6\t\tfmt.Println(\"hi\")\n     7\t\tfmt.Println(\"hi\")\n" +
				"     8\t}\n     9\t\n    10\tfunc other() {\n",
		},
		{
			name:     "multi-line replacement",
			input:    map[string]any{"old_string": "package main\n", "new_string": "// Command x.\npackage main\n"},
			wantFile: "// Command x.\n" + goFile,
			wantResult: "edited f.go: replaced 1 occurrence\n" +
				"     1\t// Command x.\n     2\tpackage main\n     3\t\n     4\timport \"fmt\"\n     5\t\n",
		},
		{
			name:     "deletion",
			input:    map[string]any{"old_string": "\nfunc other() {\n\tfmt.Println(\"bye\")\n}\n", "new_string": ""},
			wantFile: strings.TrimSuffix(goFile, "\nfunc other() {\n\tfmt.Println(\"bye\")\n}\n"),
			wantResult: "edited f.go: replaced 1 occurrence\n" +
				"     6\t\tfmt.Println(\"hello\")\n     7\t\tfmt.Println(\"hello\")\n     8\t}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := newRepo(t)
			put(t, root, "f.go", goFile)
			if err := os.Chmod(filepath.Join(root, "f.go"), 0o755); err != nil {
				t.Fatal(err)
			}
			tb := newToolbox(t, Options{Root: root})
			tt.input["path"] = "f.go"
			r := mustSucceed(t, run(t, tb, EditFile, tt.input))
			if r.Content != tt.wantResult {
				t.Errorf("result:\n%s\nwant:\n%s", r.Content, tt.wantResult)
			}
			if got := read(t, root, "f.go"); got != tt.wantFile {
				t.Errorf("file:\n%s\nwant:\n%s", got, tt.wantFile)
			}
			if !slices.Equal(r.Touched, []string{"f.go"}) {
				t.Errorf("touched = %v", r.Touched)
			}
			fi, err := os.Stat(filepath.Join(root, "f.go"))
			if err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("mode after edit = %v, %v; want 0755", fi.Mode().Perm(), err)
			}
			if names := entries(t, root, "."); !slices.Equal(names, []string{".git", "f.go"}) {
				t.Errorf("directory holds %v", names)
			}
		})
	}
}

func TestEditFileRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  []string
	}{
		{"no match", map[string]any{"old_string": "goodbye", "new_string": "x"},
			[]string{"f.go: old_string not found", "check whitespace, indentation"}},
		{"no match, indentation", map[string]any{"old_string": "    fmt.Println(\"bye\")", "new_string": "x"},
			[]string{"matches at line 11 when leading and trailing whitespace is ignored"}},
		{"no match, line numbers copied", map[string]any{"old_string": "    11\tfmt.Println(\"bye\")", "new_string": "x"},
			[]string{"line-number prefix"}},
		{"two matches", map[string]any{"old_string": `fmt.Println("hello")`, "new_string": "x"},
			[]string{"old_string occurs 2 times (at lines 6, 7)", "replace_all"}},
		{"empty old_string", map[string]any{"old_string": "", "new_string": "x"},
			[]string{"old_string is empty"}},
		{"same strings", map[string]any{"old_string": "main", "new_string": "main"},
			[]string{"old_string and new_string are the same"}},
		{"missing new_string", map[string]any{"old_string": "main"},
			[]string{`missing required field "new_string"`}},
		{"missing file", map[string]any{"path": "nope.go", "old_string": "a", "new_string": "b"},
			[]string{"nope.go: no such file or directory; use write_file"}},
		{"binary", map[string]any{"path": "bin", "old_string": "a", "new_string": "b"},
			[]string{"bin: binary file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := newRepo(t)
			put(t, root, "f.go", goFile)
			put(t, root, "bin", "a\x00b")
			tb := newToolbox(t, Options{Root: root})
			if _, ok := tt.input["path"]; !ok {
				tt.input["path"] = "f.go"
			}
			r := run(t, tb, EditFile, tt.input)
			mustFail(t, r, tt.want...)
			if r.Touched != nil {
				t.Errorf("failed edit touched %v", r.Touched)
			}
			if got := read(t, root, "f.go"); got != goFile {
				t.Errorf("failed edit changed the file:\n%s", got)
			}
		})
	}
}

func TestEditFileCRLFHint(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "w.txt", "one\r\ntwo\r\n")
	tb := newToolbox(t, Options{Root: root})
	mustFail(t, run(t, tb, EditFile, map[string]any{"path": "w.txt", "old_string": "one\ntwo", "new_string": "x"}), "CRLF")
	mustSucceed(t, run(t, tb, EditFile, map[string]any{"path": "w.txt", "old_string": "one\r\ntwo", "new_string": "x"}))
}

// TestEditFileStale proves an edit is refused when the file changed on disk
// after the model read it, and allowed again after a fresh read.
func TestEditFileStale(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "f.go", goFile)
	tb := newToolbox(t, Options{Root: root})
	edit := map[string]any{"path": "f.go", "old_string": `"bye"`, "new_string": `"ciao"`}

	mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.go"}))
	put(t, root, "f.go", goFile+"// changed by a formatter\n")
	mustFail(t, run(t, tb, EditFile, edit), "f.go: the file changed on disk since you last read or wrote it")
	if got := read(t, root, "f.go"); got != goFile+"// changed by a formatter\n" {
		t.Fatalf("refused edit changed the file")
	}
	mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "f.go"}))
	mustSucceed(t, run(t, tb, EditFile, edit))
	// The toolbox's own edit updates its view: a second edit needs no read.
	mustSucceed(t, run(t, tb, EditFile, map[string]any{"path": "f.go", "old_string": `"ciao"`, "new_string": `"tschüss"`}))
	// So does its own write.
	mustSucceed(t, run(t, tb, WriteFile, map[string]any{"path": "f.go", "content": "x := 1\n"}))
	mustSucceed(t, run(t, tb, EditFile, map[string]any{"path": "f.go", "old_string": "1", "new_string": "2"}))
	if got := read(t, root, "f.go"); got != "x := 2\n" {
		t.Errorf("file = %q", got)
	}
}

// TestEditFileThroughSymlink edits the target of a symlink inside the
// repository and leaves the symlink a symlink.
func TestEditFileThroughSymlink(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "real/f.txt", "alpha\n")
	link(t, root, "../real/f.txt", "docs/f.txt")
	tb := newToolbox(t, Options{Root: root})
	r := mustSucceed(t, run(t, tb, EditFile, map[string]any{"path": "docs/f.txt", "old_string": "alpha", "new_string": "beta"}))
	if !slices.Equal(r.Touched, []string{"real/f.txt"}) {
		t.Errorf("touched = %v, want [real/f.txt]", r.Touched)
	}
	if got := read(t, root, "real/f.txt"); got != "beta\n" {
		t.Errorf("target = %q", got)
	}
	if fi, err := os.Lstat(filepath.Join(root, "docs/f.txt")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced")
	}
}
