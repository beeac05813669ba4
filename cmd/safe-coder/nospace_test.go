package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/report"
)

// noSpaceEnv makes TestReportNoSpace the child that runs under sh's
// ulimit -f (64 KiB), where a write past the limit fails with EFBIG as a
// write to a full disk fails with ENOSPC.
const noSpaceEnv = "SAFE_CODER_TEST_NOSPACE"

// TestReportNoSpace writes a report that does not fit: the error says
// where to free space and what to run then, the old report is kept whole
// and no temporary file is left.
func TestReportNoSpace(t *testing.T) {
	if os.Getenv(noSpaceEnv) == "" {
		t.Parallel()
		sh, err := exec.LookPath("sh")
		if err != nil {
			t.Skip("no sh to set ulimit -f")
		}
		cmd := exec.Command(sh, "-c", `ulimit -f 128 || exit 99; exec "$0" -test.run='^TestReportNoSpace$' -test.v`, os.Args[0])
		cmd.Env = append(os.Environ(), noSpaceEnv+"=1")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 99 {
			t.Skip("ulimit -f is not available")
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: TestReportNoSpace") {
			t.Fatalf("child under ulimit -f: %v\n%s", err, out)
		}
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeFileAtomic(path, []byte(strings.Repeat(" ", 100<<10)))
	if !isNoSpace(err) {
		t.Fatalf("writeFileAtomic past the limit = %v, want a no-space error", err)
	}
	got := noSpaceHint(err, "/x/state.db", "do this").Error()
	if want := "\nfree space on the file system of " + dir + " (or raise the file-size limit, ulimit -f), then do this"; !strings.HasSuffix(got, want) {
		t.Errorf("hint = %q, want it to end %q", got, want)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "{}\n" {
		t.Errorf("report.json = %q, %v; want the old one", b, err)
	}
	if des, _ := os.ReadDir(dir); len(des) != 1 {
		t.Errorf("%s holds %d files, want no temporary file left", dir, len(des))
	}
}

func TestNoSpaceHint(t *testing.T) {
	t.Parallel()
	db := errors.Join(report.ErrNoSpace, errors.New("disk I/O error (778)"))
	if got, want := noSpaceHint(db, "/r/.git/safe-coder/state.db", "resume").Error(), "free space on the file system of /r/.git/safe-coder (or raise the file-size limit, ulimit -f), then resume"; !strings.HasSuffix(got, want) {
		t.Errorf("state db hint = %q, want it to end %q", got, want)
	}
	other := errors.New("permission denied")
	if got := noSpaceHint(other, "/r/state.db", "resume"); got != other {
		t.Errorf("hint for another error = %v, want it unchanged", got)
	}
	if noSpaceHint(nil, "", "") != nil {
		t.Error("hint for nil is not nil")
	}
}
