package tools

import (
	"fmt"
	"path"
	"strings"
	"testing"
)

func TestGrep(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, ".gitignore", "*.log\n")
	put(t, root, "main.go", "package main\n\nfunc Handler() {}\nfunc other() {}\n")
	put(t, root, "sub/util.go", "package sub\n\nfunc UtilHandler() {}\n")
	put(t, root, "notes.md", "Handler docs\n")
	put(t, root, "debug.log", "func LogHandler\n")
	put(t, root, "blob.bin", "func BinHandler\x00\n")
	put(t, root, "big.txt", strings.Repeat("func BigHandler\n", (1<<20)/16+1))
	put(t, root, "wide.txt", "Handler"+strings.Repeat("y", 400)+"\n")
	put(t, root, "crlf.txt", "func CRLFHandler\r\n")
	put(t, root, "many.txt", strings.Repeat("match\n", 250))
	tb := newToolbox(t, Options{Root: root})

	manyWant := func() string {
		var b strings.Builder
		for i := 1; i <= maxGrepMatches; i++ {
			fmt.Fprintf(&b, "many.txt:%d: match\n", i)
		}
		return b.String() + "… stopped at 200 matches; narrow the pattern, path or glob\n"
	}()
	tests := []struct {
		name    string
		input   map[string]any
		want    string
		wantErr string
	}{
		{"regexp over the tree", map[string]any{"pattern": `func \w+Handler`},
			"crlf.txt:1: func CRLFHandler\nsub/util.go:3: func UtilHandler() {}\n" +
				"(2 binary or larger than 1 MiB files skipped)\n", ""},
		{"glob", map[string]any{"pattern": "Handler", "glob": "*.go"},
			"main.go:3: func Handler() {}\nsub/util.go:3: func UtilHandler() {}\n", ""},
		{"glob with a path", map[string]any{"pattern": "Handler", "glob": "sub/*.go"},
			"sub/util.go:3: func UtilHandler() {}\n", ""},
		{"one directory", map[string]any{"pattern": "Handler", "path": "sub"},
			"sub/util.go:3: func UtilHandler() {}\n", ""},
		{"one file, even ignored", map[string]any{"pattern": "Handler", "path": "debug.log"},
			"debug.log:1: func LogHandler\n", ""},
		{"line cut", map[string]any{"pattern": "Handler", "path": "wide.txt"},
			"wide.txt:1: Handler" + strings.Repeat("y", 293) + "… [line cut: 107 more characters]\n", ""},
		{"bounded", map[string]any{"pattern": "^match$", "path": "many.txt"}, manyWant, ""},
		{"no matches", map[string]any{"pattern": "nothing-like-this"}, "no matches\n(2 binary or larger than 1 MiB files skipped)\n", ""},
		{"no matches in a clean directory", map[string]any{"pattern": "nothing-like-this", "path": "sub"}, "no matches\n", ""},
		{"bad regexp", map[string]any{"pattern": "func ("}, "", "bad regular expression (RE2 syntax)"},
		{"perl syntax RE2 lacks", map[string]any{"pattern": `(?<=x)y`}, "", "bad regular expression"},
		{"bad glob", map[string]any{"pattern": "x", "glob": "a//b"}, "", "bad glob pattern"},
		{"missing pattern", map[string]any{"path": "."}, "", `missing required field "pattern"; grep accepts pattern (required), path, glob`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tb, Grep, tt.input)
			if tt.wantErr != "" {
				mustFail(t, r, tt.wantErr)
				return
			}
			mustSucceed(t, r)
			if r.Content != tt.want {
				t.Errorf("content:\n%s\nwant:\n%s", firstBytes(r.Content), firstBytes(tt.want))
			}
		})
	}
}

// TestGrepCanRead: files the policy keeps from read_file are not searched
// either, and the model is told how many were skipped; the same tree with
// no policy is searched whole (the allowed twin).
func TestGrepCanRead(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "app.go", "token := load()\n")
	put(t, root, ".env", "token=ghp_secret\n")
	put(t, root, "config/.env", "token=other\n")
	put(t, root, "config/prod.pem", "token in a key file\n")
	noEnv := func(rel string) bool {
		return path.Base(rel) != ".env" && !strings.HasSuffix(rel, ".pem")
	}
	tests := []struct {
		name    string
		canRead func(string) bool
		input   map[string]any
		want    string
	}{
		{"policy denies some", noEnv, map[string]any{"pattern": "token"},
			"app.go:1: token := load()\n(3 files skipped: the policy does not allow reading them)\n"},
		{"one file denied", noEnv, map[string]any{"pattern": "token", "path": ".env"},
			"no matches\n(1 file skipped: the policy does not allow reading them)\n"},
		{"glob filters before the policy counts", noEnv, map[string]any{"pattern": "token", "glob": "*.go"},
			"app.go:1: token := load()\n"},
		{"no policy", nil, map[string]any{"pattern": "token"},
			".env:1: token=ghp_secret\napp.go:1: token := load()\nconfig/.env:1: token=other\nconfig/prod.pem:1: token in a key file\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := newToolbox(t, Options{Root: root, CanRead: tt.canRead})
			r := mustSucceed(t, run(t, tb, Grep, tt.input))
			if r.Content != tt.want {
				t.Errorf("content:\n%s\nwant:\n%s", r.Content, tt.want)
			}
		})
	}
}
