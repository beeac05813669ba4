package gitsafety

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchSizes are the repository sizes every commit benchmark runs at.
var benchSizes = []int{1000, 20000, 50000}

// benchRepos holds one generated repository per size for the whole test
// process: generating 50,000 files takes longer than the benchmarks that
// use them. Benchmarks only ever add commits, so each can continue from
// whatever the previous one left.
var benchRepos struct {
	sync.Mutex
	dirs map[int]string
	root string
}

// TestMain removes the generated benchmark repositories, which outlive any
// one benchmark's temp dir.
func TestMain(m *testing.M) {
	code := m.Run()
	benchRepos.Lock()
	if benchRepos.root != "" {
		_ = os.RemoveAll(benchRepos.root)
	}
	benchRepos.Unlock()
	os.Exit(code)
}

// benchRepo returns a repository with n committed files of a few bytes, in
// directories of 100 files grouped ten to a parent (d000/s0/f0.txt), packed
// as a clone would be.
func benchRepo(b *testing.B, n int) string {
	b.Helper()
	benchRepos.Lock()
	defer benchRepos.Unlock()
	if dir, ok := benchRepos.dirs[n]; ok {
		return dir
	}
	if benchRepos.root == "" {
		root, err := os.MkdirTemp("", "gitsafety-bench-")
		if err != nil {
			b.Fatal(err)
		}
		if benchRepos.root, err = filepath.EvalSymlinks(root); err != nil {
			b.Fatal(err)
		}
		benchRepos.dirs = map[int]string{}
	}
	dir := filepath.Join(benchRepos.root, strconv.Itoa(n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	// git fast-import writes the commit straight into a pack, as a clone
	// would have it; git add would write loose objects that a repack then
	// deletes by the tens of thousands, and on a filesystem mounted with
	// discard that keeps every file creation slow for a long while.
	var stream bytes.Buffer
	stream.WriteString("commit refs/heads/main\ncommitter b <b@example.invalid> 1700000000 +0000\ndata 8\ninitial\n")
	for i := range n {
		content := fmt.Sprintf("file %d\n", i)
		fmt.Fprintf(&stream, "M 100644 inline %s\ndata %d\n%s\n", benchFile(i), len(content), content)
	}
	benchGit(b, dir, "init", "-q", "-b", "main")
	benchGit(b, dir, "config", "gc.auto", "0")
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
	cmd.Stdin = &stream
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git fast-import: %v\n%s", err, out)
	}
	benchGit(b, dir, "reset", "-q", "--hard", "main")
	syscall.Sync()
	benchRepos.dirs[n] = dir
	return dir
}

func benchFile(i int) string {
	leaf := i / 100
	return fmt.Sprintf("d%03d/s%d/f%d.txt", leaf/10, leaf%10, i)
}

func benchGit(b *testing.B, dir string, args ...string) {
	b.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=b", "-c", "user.email=b@example.invalid"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// benchSession starts a run on the repository as it is, on a branch of its
// own.
func benchSession(b *testing.B, dir string) *Session {
	b.Helper()
	repo, err := Open(b.Context(), dir)
	if err != nil {
		b.Fatal(err)
	}
	branch := fmt.Sprintf("safe-coder/bench-%d", time.Now().UnixNano())
	s, err := repo.Begin(b.Context(), BeginOptions{RunID: "bench", Task: "t", Branch: branch})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// touchFile gives file i of the repository new content.
func touchFile(b *testing.B, dir string, i, round int) string {
	b.Helper()
	rel := benchFile(i)
	// The time makes every round's content new, across benchmarks too.
	if err := os.WriteFile(filepath.Join(dir, rel), fmt.Appendf(nil, "file %d, round %d at %d\n", i, round, time.Now().UnixNano()), 0o644); err != nil {
		b.Fatal(err)
	}
	return rel
}

// reportMedian adds the median of the measured commit times, which the
// target for file-tool steps is stated in.
func reportMedian(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkCommitStepFileTool measures a step whose only change came from
// a file tool (one file rewritten): ours commits the given path without
// scanning; the baseline is the git CLI doing the same one-path step, `git
// add <path> && git commit`. The target is a median of 10 ms or less at
// every size.
func BenchmarkCommitStepFileTool(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := benchRepo(b, n)
			b.Run("ours", func(b *testing.B) {
				s := benchSession(b, dir)
				var times []time.Duration
				for i := 0; b.Loop(); i++ {
					rel := touchFile(b, dir, (i*7919)%n, i)
					start := time.Now()
					c, err := s.CommitStep(b.Context(), StepCommit{Step: i + 1, Tools: []string{"write_file"}, Paths: []string{rel}})
					times = append(times, time.Since(start))
					if err != nil || c.SHA == "" {
						b.Fatalf("commit: %v %+v", err, c)
					}
				}
				reportMedian(b, times)
			})
			b.Run("baseline", func(b *testing.B) {
				var times []time.Duration
				for i := 0; b.Loop(); i++ {
					rel := touchFile(b, dir, (i*7919)%n, i)
					start := time.Now()
					benchGit(b, dir, "add", "--", rel)
					benchGit(b, dir, "commit", "-q", "-m", "step")
					times = append(times, time.Since(start))
				}
				reportMedian(b, times)
			})
		})
	}
}

// BenchmarkCommitStepBash measures a step after a command ran (one file
// changed, but anything could have): ours scans the work tree against the
// index by stat data; the baseline is `git add -A && git commit`. The
// target is a ratio of 1.5 or less.
func BenchmarkCommitStepBash(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := benchRepo(b, n)
			b.Run("ours", func(b *testing.B) {
				s := benchSession(b, dir)
				var times []time.Duration
				for i := 0; b.Loop(); i++ {
					touchFile(b, dir, (i*7919)%n, i)
					start := time.Now()
					c, err := s.CommitStep(b.Context(), StepCommit{Step: i + 1, Tools: []string{"bash"}})
					times = append(times, time.Since(start))
					if err != nil || c.SHA == "" {
						b.Fatalf("commit: %v %+v", err, c)
					}
				}
				reportMedian(b, times)
			})
			b.Run("baseline", func(b *testing.B) {
				var times []time.Duration
				for i := 0; b.Loop(); i++ {
					touchFile(b, dir, (i*7919)%n, i)
					start := time.Now()
					benchGit(b, dir, "add", "-A")
					benchGit(b, dir, "commit", "-q", "-m", "step")
					times = append(times, time.Since(start))
				}
				reportMedian(b, times)
			})
		})
	}
}

// BenchmarkIndexWrite isolates the part of a file-tool step that cannot be
// proportional to the change: rewriting the whole index. Ours encodes and
// writes it under index.lock and renames it; the baseline is `git
// update-index` of one path, which reads and rewrites the same index.
func BenchmarkIndexWrite(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := benchRepo(b, n)
			repo, err := Open(b.Context(), dir)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("ours", func(b *testing.B) {
				idx, err := repo.readIndex()
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					lf, err := repo.lockIndex()
					if err != nil {
						b.Fatal(err)
					}
					if _, err := writeIndex(lf, idx); err != nil {
						b.Fatal(err)
					}
					if err := lf.commit(); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("baseline", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					rel := touchFile(b, dir, (i*7919)%n, i)
					benchGit(b, dir, "update-index", "--", rel)
				}
			})
		})
	}
}
