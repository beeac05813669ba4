package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "a", "b", "tasks.yaml")
	if err := writeNew(target, []byte("one\n")); err != nil {
		t.Fatalf("writeNew: %v", err)
	}
	// A file in place, as when one appears after init's check, is never
	// replaced.
	if err := writeNew(target, []byte("two\n")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second writeNew error = %v; want fs.ErrExist", err)
	}
	got, err := os.ReadFile(target)
	if err != nil || string(got) != "one\n" {
		t.Errorf("file = %q, %v; want the first content", got, err)
	}
	info, err := os.Stat(target)
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v; want 0644", info.Mode(), err)
	}
	entries, err := os.ReadDir(filepath.Dir(target))
	if err != nil || len(entries) != 1 {
		t.Errorf("directory holds %d entries (%v); want only the file, no temp files", len(entries), err)
	}
}
