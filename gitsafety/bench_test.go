package gitsafety

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchRepo makes a repository with n committed files in 10 directories.
func benchRepo(b *testing.B, n int) string {
	b.Helper()
	dir, err := filepath.EvalSymlinks(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("pkg%d", i%10), fmt.Sprintf("file%d.go", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, fmt.Appendf(nil, "package pkg\n\n// File %d.\nvar V%d = %d\n", i, i, i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"-c", "user.name=b", "-c", "user.email=b@example.invalid", "add", "-A"},
		{"-c", "user.name=b", "-c", "user.email=b@example.invalid", "commit", "-q", "-m", "initial"},
	} {
		benchGit(b, dir, args...)
	}
	return dir
}

func benchGit(b *testing.B, dir string, args ...string) {
	b.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// BenchmarkCommitStep measures one step commit (one file changed in a
// repository of 2,000 files) against the baseline of `git add -A && git
// commit` on an identical repository: the cost of a step, relative to what
// git itself needs for the same work.
func BenchmarkCommitStep(b *testing.B) {
	const files = 2000
	b.Run("ours", func(b *testing.B) {
		dir := benchRepo(b, files)
		repo, err := Open(b.Context(), dir)
		if err != nil {
			b.Fatal(err)
		}
		sess, err := repo.Begin(b.Context(), BeginOptions{RunID: "bench", Task: "t", Branch: "safe-coder/bench", Snapshot: true})
		if err != nil {
			b.Fatal(err)
		}
		target := filepath.Join(dir, "pkg3", "file3.go")
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if err := os.WriteFile(target, fmt.Appendf(nil, "package pkg\n\nvar V3 = %d\n", i), 0o644); err != nil {
				b.Fatal(err)
			}
			c, err := sess.CommitStep(b.Context(), StepCommit{Step: i + 1, Tools: []string{"write_file"}, Calls: []string{"write_file pkg3/file3.go"}})
			if err != nil || c.SHA == "" {
				b.Fatalf("commit: %v %+v", err, c)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		dir := benchRepo(b, files)
		target := filepath.Join(dir, "pkg3", "file3.go")
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if err := os.WriteFile(target, fmt.Appendf(nil, "package pkg\n\nvar V3 = %d\n", i), 0o644); err != nil {
				b.Fatal(err)
			}
			benchGit(b, dir, "add", "-A")
			benchGit(b, dir, "-c", "user.name=b", "-c", "user.email=b@example.invalid", "commit", "-q", "-m", "step")
		}
	})
}
