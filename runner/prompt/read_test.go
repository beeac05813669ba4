package prompt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/runner/tools"
)

// hostileTree is a work tree a pull request could have shaped: symlinks
// into .git, to a secret and out of the repository, a FIFO and a huge
// sparse file, next to their harmless twins.
func hostileTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, rel string) {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			t.Fatal(err)
		}
	}
	write(".git/config", "[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n")
	write(".env", "TOKEN=hunter2\n")
	write("README.md", "read me\n")
	write("docs/guide.md", "guide\n")
	link(".git/config", "notes.md")
	link(".git", "gitdir")
	link(".env", "env.md")
	link("README.md", "readme-link.md")
	link("../docs/guide.md", "docs/sub-guide.md")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	link("../.git/config", "sub/AGENTS.md")
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	big, err := os.Create(filepath.Join(dir, "big.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 1 GiB of zeros on no disk. Text, so it is shown, capped.
	if _, err := big.WriteString("start\n"); err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	big.Close()
	return dir
}

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// hostileFiles returns RootFiles over hostileTree with the toolbox's
// resolver (as run and validate wire it), or with none.
func hostileFiles(t *testing.T, withResolver bool) RootFiles {
	t.Helper()
	dir := hostileTree(t)
	f := RootFiles{Root: openRoot(t, dir), Readable: func(rel string) bool { return !strings.HasPrefix(filepath.Base(rel), ".env") }}
	if withResolver {
		box, err := tools.New(tools.Options{Root: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { box.Close() })
		f.Resolve = box.Resolve
	}
	return f
}

// noRun fails the test if a command runs.
type noRun struct{ t *testing.T }

func (r noRun) Run(context.Context, string) (string, int, error) {
	r.t.Error("a command ran")
	return "", 0, nil
}

func TestExpandRefusesWhatSymlinksAndSpecialFilesLeadTo(t *testing.T) {
	t.Parallel()
	for _, withResolver := range []bool{true, false} {
		t.Run(fmt.Sprintf("resolver=%v", withResolver), func(t *testing.T) {
			t.Parallel()
			f := hostileFiles(t, withResolver)
			for _, ref := range []string{"notes.md", "gitdir", "gitdir/config", "env.md", "pipe.md"} {
				done := make(chan struct{})
				var exp Expansion
				var err error
				go func() {
					defer close(done)
					exp, err = Expand(t.Context(), "look at @"+ref, f, noRun{t}, nil)
				}()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("@%s: Expand hangs", ref)
				}
				var perr *Error
				if !errors.As(err, &perr) {
					t.Errorf("@%s: brought in: %q (err %v)", ref, exp.Text, err)
					continue
				}
				if strings.Contains(exp.Text, "extraheader") || strings.Contains(exp.Text, "hunter2") {
					t.Errorf("@%s: leaked %q", ref, exp.Text)
				}
				if cerr := Check("look at @"+ref, f); cerr == nil {
					t.Errorf("@%s: Check passes what Expand refuses", ref)
				}
			}
		})
	}
}

func TestExpandFollowsHarmlessSymlinksWithResolver(t *testing.T) {
	t.Parallel()
	f := hostileFiles(t, true)
	for ref, want := range map[string]string{"readme-link.md": "read me", "docs/sub-guide.md": "guide"} {
		exp, err := Expand(t.Context(), "@"+ref, f, noRun{t}, nil)
		if err != nil || !strings.Contains(exp.Text, want) {
			t.Errorf("@%s: %q %v", ref, exp.Text, err)
		}
	}
	// Without a resolver nothing proves where a symlink leads: refused.
	f.Resolve = nil
	if _, err := Expand(t.Context(), "@readme-link.md", f, noRun{t}, nil); err == nil {
		t.Error("symlink followed without a resolver")
	}
}

func TestExpandHugeFileIsReadBounded(t *testing.T) {
	t.Parallel()
	f := hostileFiles(t, true)
	exp, err := Expand(t.Context(), "@big.txt", f, noRun{t}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Zero bytes make it binary, with its real size.
	if !strings.Contains(exp.Text, fmt.Sprintf("binary file of %d bytes", 1<<30)) {
		t.Errorf("huge file: %.300q", exp.Text)
	}
	if len(exp.Text) > MaxFileBytes+1024 {
		t.Errorf("huge file brought in %d bytes", len(exp.Text))
	}
}

func TestExpandLargeTextFileNoticeHasRealSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A multi-byte rune straddles the read cap.
	text := strings.Repeat("é", MaxFileBytes) // 2 bytes each
	if err := os.WriteFile(filepath.Join(dir, "long.md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f := RootFiles{Root: openRoot(t, dir)}
	exp, err := Expand(t.Context(), "@long.md", f, noRun{t}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(exp.Text, "binary") || !strings.Contains(exp.Text, fmt.Sprintf("long.md has %d bytes; only the first %d are shown", len(text), MaxFileBytes)) {
		t.Errorf("notice: %.200q", exp.Text[len(exp.Text)-200:])
	}
	ins, err := LoadInstructions(RootSource{Root: f.Root}, []string{"long.md"})
	if err != nil || len(ins) != 1 || ins[0].Bytes != len(text) || !ins[0].Truncated || len(ins[0].Content) != MaxInstructionBytes {
		t.Errorf("instruction: bytes %d truncated %v len %d, %v", ins[0].Bytes, ins[0].Truncated, len(ins[0].Content), err)
	}
}

func TestInstructionsRefuseSymlinksToGitAndSecretsAndFIFOs(t *testing.T) {
	t.Parallel()
	f := hostileFiles(t, true)
	src := RootSource{Root: f.Root, Resolve: f.Resolve, Readable: f.Readable}
	for _, name := range []string{"notes.md", "env.md", "pipe.md", "gitdir/config"} {
		done := make(chan struct{})
		var ins []Instruction
		var err error
		go func() {
			defer close(done)
			ins, err = LoadInstructions(src, []string{name})
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: LoadInstructions hangs", name)
		}
		if err == nil {
			t.Errorf("%s: loaded %+v", name, ins)
		}
	}
	// The allowed twin.
	if ins, err := LoadInstructions(src, []string{"readme-link.md"}); err != nil || ins[0].Content != "read me\n" {
		t.Errorf("harmless symlink: %+v %v", ins, err)
	}
	// A nested AGENTS.md that leads into .git is skipped, not read.
	if got := NestedInstructions(src, "sub/x.go", map[string]bool{}); len(got) != 0 {
		t.Errorf("nested: %+v", got)
	}
}
