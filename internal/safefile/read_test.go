package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outside := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("small.txt", "hello\n")
	write("big.txt", strings.Repeat("x", 1000))
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("small.txt", filepath.Join(dir, "in")); err != nil {
		t.Fatal(err)
	}
	write("sub/inner.txt", "inner\n")
	if err := os.Symlink("sub", filepath.Join(dir, "subl")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	tests := []struct {
		name     string
		file     string
		limit    int64
		want     string
		wantSize int64
		wantErr  error // nil: no error
		anyErr   bool  // an error whatever its kind
	}{
		{name: "a small file whole", file: "small.txt", limit: 100, want: "hello\n", wantSize: 6},
		{name: "a big file capped, its size told", file: "big.txt", limit: 10, want: strings.Repeat("x", 10), wantSize: 1000},
		{name: "a symlink is refused, even inside the root", file: "in", limit: 100, wantErr: ErrSymlink},
		{name: "a symlinked directory on the way is followed within the root", file: "subl/inner.txt", limit: 100, want: "inner\n", wantSize: 6},
		{name: "a FIFO is refused without blocking", file: "fifo", limit: 100, wantErr: ErrNotRegular},
		{name: "a directory is refused", file: "sub", limit: 100, wantErr: ErrNotRegular},
		{name: "a missing file", file: "nope", limit: 100, wantErr: fs.ErrNotExist},
		{name: "a symlink out of the root", file: "out", limit: 100, wantErr: ErrSymlink},
		{name: "a path out of the root", file: "../" + filepath.Base(outside) + "/secret", limit: 100, anyErr: true},
		{name: "a zero limit reads nothing", file: "small.txt", limit: 0, want: "", wantSize: 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				data []byte
				size int64
				err  error
			}
			done := make(chan result, 1)
			go func() {
				data, size, err := Read(root, tc.file, tc.limit)
				done <- result{data, size, err}
			}()
			var got result
			select {
			case got = <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("Read(%q) blocked", tc.file)
			}
			switch {
			case tc.wantErr != nil || tc.anyErr:
				if got.err == nil {
					t.Fatalf("Read(%q) = %q, nil; want an error", tc.file, got.data)
				}
				if tc.wantErr != nil && !errors.Is(got.err, tc.wantErr) {
					t.Fatalf("Read(%q) error = %v; want %v", tc.file, got.err, tc.wantErr)
				}
				if got.data != nil {
					t.Errorf("Read(%q) returned %q with its error", tc.file, got.data)
				}
			case got.err != nil:
				t.Fatalf("Read(%q): %v", tc.file, got.err)
			default:
				if string(got.data) != tc.want || got.size != tc.wantSize {
					t.Errorf("Read(%q) = %q, %d; want %q, %d", tc.file, got.data, got.size, tc.want, tc.wantSize)
				}
			}
		})
	}
}
