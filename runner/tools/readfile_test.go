package tools

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"
)

// numbered renders lines first..last of the "line N" fixture as read_file
// shows them.
func numbered(first, last int) string {
	var b strings.Builder
	for i := first; i <= last; i++ {
		fmt.Fprintf(&b, "%6d\tline %d\n", i, i)
	}
	return b.String()
}

func linesFile(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "ten.txt", linesFile(10))
	put(t, root, "long.txt", linesFile(2500))
	put(t, root, "noeol.txt", "a\nb")
	put(t, root, "crlf.txt", "a\r\nb\r\n")
	put(t, root, "empty.txt", "")
	put(t, root, "wide.txt", strings.Repeat("x", 2500)+"\n")
	put(t, root, "bin.dat", "GIF89a\x00\x01\x02")
	put(t, root, "latin1.txt", "caf\xe9\n")
	put(t, root, "dir/f.txt", "x")
	tb := newToolbox(t, Options{Root: root})

	tests := []struct {
		name    string
		input   map[string]any
		want    string
		wantErr string
	}{
		{"whole file", map[string]any{"path": "ten.txt"}, numbered(1, 10), ""},
		{"offset and limit", map[string]any{"path": "ten.txt", "offset": 3, "limit": 2},
			numbered(3, 4) + "… file has 10 lines; showing 3-4; use offset to read more\n", ""},
		{"offset to the end", map[string]any{"path": "ten.txt", "offset": 9},
			numbered(9, 10) + "… file has 10 lines; showing 9-10\n", ""},
		{"default limit", map[string]any{"path": "long.txt"},
			numbered(1, 2000) + "… file has 2500 lines; showing 1-2000; use offset to read more\n", ""},
		{"limit capped", map[string]any{"path": "long.txt", "offset": 2, "limit": 5000},
			numbered(2, 2001) + "… file has 2500 lines; showing 2-2001; use offset to read more\n", ""},
		{"no final newline", map[string]any{"path": "noeol.txt"}, "     1\ta\n     2\tb\n", ""},
		{"crlf", map[string]any{"path": "crlf.txt"}, "     1\ta\n     2\tb\n", ""},
		{"long line cut", map[string]any{"path": "wide.txt"},
			"     1\t" + strings.Repeat("x", 2000) + "… [line cut: 500 more characters]\n", ""},
		{"empty", map[string]any{"path": "empty.txt"}, "empty.txt is empty (0 bytes)", ""},
		{"binary", map[string]any{"path": "bin.dat"}, "bin.dat: binary file, 9 bytes; not shown", ""},
		{"not utf-8", map[string]any{"path": "latin1.txt"}, "     1\tcaf\uFFFD\n", ""},
		{"offset past end", map[string]any{"path": "ten.txt", "offset": 11}, "", "offset 11 is past the end of the file, which has 10 lines"},
		{"offset zero", map[string]any{"path": "ten.txt", "offset": 0}, "", `field "offset" must be at least 1`},
		{"limit zero", map[string]any{"path": "ten.txt", "limit": 0}, "", `field "limit" must be at least 1`},
		{"directory", map[string]any{"path": "dir"}, "", "dir: is a directory; use list_files"},
		{"missing", map[string]any{"path": "missing.go"}, "", "missing.go: no such file or directory"},
		{"missing path", map[string]any{}, "", `missing required field "path"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tb, ReadFile, tt.input)
			if tt.wantErr != "" {
				mustFail(t, r, tt.wantErr)
				return
			}
			mustSucceed(t, r)
			if r.Content != tt.want {
				t.Errorf("content = %q\nwant %q", firstBytes(r.Content), firstBytes(tt.want))
			}
			if !utf8.ValidString(r.Content) {
				t.Error("content is not valid UTF-8")
			}
			if r.Touched != nil {
				t.Errorf("read_file touched %v", r.Touched)
			}
		})
	}
}

func firstBytes(s string) string {
	if len(s) > 300 {
		return s[:150] + "…" + s[len(s)-150:]
	}
	return s
}

func TestReadFileSummary(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "ten.txt", linesFile(10))
	tb := newToolbox(t, Options{Root: root})
	tests := []struct {
		path, want string
	}{
		{"ten.txt", "read_file ten.txt (lines 1-10 of 10)"},
		{"missing.go", "read_file missing.go: no such file or directory"},
	}
	for _, tt := range tests {
		if r := run(t, tb, ReadFile, map[string]any{"path": tt.path}); r.Summary != tt.want {
			t.Errorf("summary = %q, want %q", r.Summary, tt.want)
		}
	}
}

func TestReadFileHuge(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	f, err := os.Create(filepath.Join(root, "huge.bin"))
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 11 MiB of size without 11 MiB of disk.
	if err := f.Truncate(11 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tb := newToolbox(t, Options{Root: root})
	r := run(t, tb, ReadFile, map[string]any{"path": "huge.bin"})
	mustFail(t, r, "huge.bin: file is too large to read (11534336 bytes, the limit is 10485760)")
	if r.Summary != "read_file huge.bin: too large (11534336 bytes)" {
		t.Errorf("summary = %q", r.Summary)
	}
}

// TestReadFileFIFO proves a FIFO in the repository is refused at once
// instead of blocking the run on an open that waits for a writer.
func TestReadFileFIFO(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	put(t, root, "file", "x\n")
	tb := newToolbox(t, Options{Root: root})
	mustFail(t, run(t, tb, ReadFile, map[string]any{"path": "pipe"}), "pipe: is not a regular file but a named pipe")
	mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "file"}))
}
