package tasks

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadWithin runs LoadCommands and fails the test if it does not return.
func loadWithin(t *testing.T, root string) (map[string]Command, error) {
	t.Helper()
	type result struct {
		cmds map[string]Command
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := LoadCommands(root)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.cmds, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("LoadCommands hangs")
		return nil, nil
	}
}

// A pull request shapes the command files: none may lead to .git, a
// secret or outside the repository, hang the load or exhaust memory.
func TestLoadCommandsRefusesHostileFiles(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "secret.md")
	if err := os.WriteFile(outside, []byte("the secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, root, dir string)
		want  string
	}{
		{"symlink into .git", func(t *testing.T, root, dir string) {
			mustSymlink(t, "../../.git/config", filepath.Join(dir, "x.md"))
		}, "symbolic link"},
		{"symlink out", func(t *testing.T, root, dir string) {
			mustSymlink(t, outside, filepath.Join(dir, "x.md"))
		}, "symbolic link"},
		{"symlink to a device", func(t *testing.T, root, dir string) {
			mustSymlink(t, "/dev/zero", filepath.Join(dir, "x.md"))
		}, "symbolic link"},
		{"fifo", func(t *testing.T, root, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "x.md"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"huge", func(t *testing.T, root, dir string) {
			f, err := os.Create(filepath.Join(dir, "x.md"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(1 << 30); err != nil {
				t.Fatal(err)
			}
		}, "larger than"},
		{"directory symlinked out", func(t *testing.T, root, dir string) {
			if err := os.Remove(dir); err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, filepath.Dir(outside), dir)
		}, "read custom commands"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := writeCommands(t, map[string]string{})
			if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, ".git", "config"), []byte("[core]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, root, filepath.Join(root, filepath.FromSlash(CommandsDir)))
			cmds, err := loadWithin(t, root)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error with %q", cmds, err, tt.want)
			}
			if strings.Contains(err.Error(), "the secret") {
				t.Errorf("error leaks the file: %v", err)
			}
		})
	}
}

// The allowed twins: a commands directory that is a symlink inside the
// repository (to .claude/commands, say) and a file at the cap.
func TestLoadCommandsAllowedTwins(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	shared := filepath.Join(root, ".claude", "commands")
	if err := os.MkdirAll(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, "review.md"), []byte("Review it.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, "big.md"), []byte(strings.Repeat("x", MaxCommandBytes)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, ".safe-coder"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustSymlink(t, "../.claude/commands", filepath.Join(root, filepath.FromSlash(CommandsDir)))
	cmds, err := loadWithin(t, root)
	if err != nil || cmds["review"].Body != "Review it.\n" || len(cmds["big"].Body) != MaxCommandBytes {
		t.Fatalf("%v %v", cmds["review"], err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
