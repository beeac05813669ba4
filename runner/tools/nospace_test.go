package tools

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// noSpaceEnv makes TestWriteNoSpace the child that runs under a file-size
// limit: the parent starts it through sh's ulimit -f, so every write past
// 64 KiB fails with EFBIG, which is how a full disk looks to the tools.
const noSpaceEnv = "SAFE_CODER_TEST_NOSPACE"

// TestWriteNoSpace writes past a real file-size limit: the model is told
// that there is no space (not that its content is "too large"), the file
// keeps its old content, no temporary file is left, and a small write
// afterwards works.
func TestWriteNoSpace(t *testing.T) {
	if os.Getenv(noSpaceEnv) == "" {
		t.Parallel()
		sh, err := exec.LookPath("sh")
		if err != nil {
			t.Skip("no sh to set ulimit -f")
		}
		// POSIX ulimit -f counts 512-byte blocks: 128 blocks = 64 KiB.
		cmd := exec.Command(sh, "-c", `ulimit -f 128 || exit 99; exec "$0" -test.run='^TestWriteNoSpace$' -test.v`, os.Args[0])
		cmd.Env = append(os.Environ(), noSpaceEnv+"=1")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 99 {
			t.Skip("ulimit -f is not available")
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: TestWriteNoSpace") {
			t.Fatalf("child under ulimit -f: %v\n%s", err, out)
		}
		return
	}
	root := newRepo(t)
	put(t, root, "keep.txt", "old\n")
	tb := newToolbox(t, Options{Root: root})
	big := strings.Repeat("x", 100<<10)
	const want = "no space left to write the file (the disk is full or a file-size limit is reached); the file is unchanged"

	mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "keep.txt"}))
	r := run(t, tb, WriteFile, map[string]any{"path": "keep.txt", "content": big})
	mustFail(t, r, "keep.txt: "+want)
	if strings.Contains(r.Content, root) || strings.Contains(r.Content, ".tmp") {
		t.Errorf("the model is shown the temporary file: %s", r.Content)
	}
	if got := read(t, root, "keep.txt"); got != "old\n" {
		t.Errorf("keep.txt = %q after a failed write, want the old content", got)
	}

	mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "keep.txt"}))
	mustFail(t, run(t, tb, EditFile, map[string]any{"path": "keep.txt", "old_string": "old", "new_string": big}), want)
	if got := read(t, root, "keep.txt"); got != "old\n" {
		t.Errorf("keep.txt = %q after a failed edit, want the old content", got)
	}

	mustFail(t, run(t, tb, WriteFile, map[string]any{"path": "new/big.txt", "content": big}), want)
	if got := entries(t, root, "."); !slices.Equal(got, []string{".git", "keep.txt", "new"}) {
		t.Errorf("repository holds %v, want no temporary file left", got)
	}
	if got := entries(t, root, "new"); len(got) != 0 {
		t.Errorf("new/ holds %v, want nothing", got)
	}
	mustSucceed(t, run(t, tb, WriteFile, map[string]any{"path": "small.txt", "content": "fits\n"}))
}
