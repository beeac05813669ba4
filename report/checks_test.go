package report

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestRecordCapsCheckOutput checks that the store keeps at most
// MaxCheckOutput bytes of a check's output, its head and its tail, and
// never cuts a character in two.
func TestRecordCapsCheckOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		output string
		capped bool
	}{
		{"empty", "", false},
		{"short", "ok\n", false},
		{"exactly the limit", strings.Repeat("x", MaxCheckOutput), false},
		{"one byte over", strings.Repeat("x", MaxCheckOutput+1), true},
		{"a megabyte", "HEAD" + strings.Repeat("x", 1<<20) + "TAIL", true},
		{"multi-byte characters at every boundary", strings.Repeat("é€😀", 10_000), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openStore(t)
			record(t, s, evRunStarted, evTaskStarted, evCheckStarted,
				CheckFinished{RunID: rid, Task: task, Round: 1, Seq: 1, FinishedAt: at(6 * time.Second), ExitCode: 1, Output: tt.output})
			r := buildReport(t, s, rid)
			got := r.Tasks[0].Checks[0].Output
			if !tt.capped {
				if got != tt.output {
					t.Errorf("output changed: %d bytes stored of %d", len(got), len(tt.output))
				}
				return
			}
			if len(got) > MaxCheckOutput {
				t.Errorf("stored %d bytes, want at most %d", len(got), MaxCheckOutput)
			}
			if len(got) < MaxCheckOutput-8 {
				t.Errorf("stored only %d bytes of the %d allowed", len(got), MaxCheckOutput)
			}
			if !utf8.ValidString(got) {
				t.Error("the capped output is not valid UTF-8")
			}
			head, tail, ok := strings.Cut(got, "\n[… ")
			if !ok || !strings.Contains(tail, " bytes omitted by safe-coder …]\n") {
				t.Fatalf("no notice in the capped output: %q…", got[:min(len(got), 80)])
			}
			_, tail, _ = strings.Cut(tail, "…]\n")
			if !strings.HasPrefix(tt.output, head) || !strings.HasSuffix(tt.output, tail) || len(head) == 0 || len(tail) == 0 {
				t.Errorf("stored head (%d bytes) and tail (%d bytes) are not the output's", len(head), len(tail))
			}
			if len(tail) <= len(head) {
				t.Errorf("tail %d bytes, head %d: the end of a failing run matters most", len(tail), len(head))
			}
		})
	}
}

func TestMarkdownChecks(t *testing.T) {
	t.Parallel()
	finished := func(c CheckReport) CheckReport {
		c.StartedAt, c.FinishedAt = "2026-01-01T00:00:00Z", "2026-01-01T00:00:01.5Z"
		c.DurationMS = 1500
		return c
	}
	task := func(checks ...CheckReport) *Report {
		st := Stats{ToolCalls: map[string]int{}, ChecksRun: len(checks)}
		for _, c := range checks {
			if c.FinishedAt != "" && !c.Passed {
				st.ChecksFailed++
			}
		}
		return &Report{Tasks: []TaskReport{{Name: "t", Status: "checks_failed", StartedAt: "x", Checks: checks, Stats: st}}}
	}
	tests := []struct {
		name    string
		report  *Report
		want    []string
		notWant []string
	}{
		{"no checks, no section", task(), nil, []string{"Checks:", "<details>"}},
		{"all passed: no output block",
			task(finished(CheckReport{Round: 1, Command: "make check", Passed: true, Output: "all good"})),
			[]string{"Checks: 1 run, 0 failed\n", "| 1 | `make check` | passed | 1.5s |\n"},
			[]string{"<details>", "all good"}},
		{"the last failure's output, command escaped as HTML",
			task(
				finished(CheckReport{Round: 1, Command: "go test ./...", ExitCode: 1, Output: "first failure"}),
				finished(CheckReport{Round: 2, Command: "test <a> && b | c", ExitCode: 2, Output: "```\nsecond failure\n"}),
				finished(CheckReport{Round: 2, Command: "go vet ./...", Passed: true})),
			[]string{
				"Checks: 3 runs, 2 failed\n",
				"| 1 | `go test ./...` | failed: exit 1 | 1.5s |\n",
				"| 2 | `test <a> && b \\| c` | failed: exit 2 | 1.5s |\n",
				"<details><summary>Output of <code>test &lt;a&gt; &amp;&amp; b | c</code>, round 2 (failed: exit 2)</summary>\n\n````\n```\nsecond failure\n````\n\n</details>\n",
			},
			[]string{"first failure"}},
		{"an error instead of an exit code, no output",
			task(finished(CheckReport{Round: 1, Command: "make", ExitCode: -1, Error: "timed out\nafter 10m0s"})),
			[]string{"| 1 | `make` | failed: timed out after 10m0s | 1.5s |\n", "(failed: timed out after 10m0s)</summary>\n\n```\n(no output)\n```\n"},
			nil},
		{"a check still running",
			task(CheckReport{Round: 1, Command: "make", StartedAt: "2026-01-01T00:00:00Z"}),
			[]string{"| 1 | `make` | running | — |\n", "Checks: 1 run, 0 failed\n"},
			[]string{"<details>"}},
		{"rollback",
			&Report{Tasks: []TaskReport{{Name: "t", StartedAt: "x", Branch: "b",
				Rollback: RollbackInfo{BackupRef: "refs/safe-coder/backup/t", To: sha('d')}}}},
			[]string{"Branch `b`\n\nRolled back to `dddddddddddd`; the previous tip is kept as `refs/safe-coder/backup/t`\n\n"},
			nil},
		{"no rollback, no line", task(), nil, []string{"Rolled back"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			md := tt.report.Markdown()
			for _, w := range tt.want {
				if !strings.Contains(md, w) {
					t.Errorf("Markdown lacks %q:\n%s", w, md)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(md, w) {
					t.Errorf("Markdown has %q:\n%s", w, md)
				}
			}
		})
	}
}

func TestMarkdownCheckOutputKeepsTheEnd(t *testing.T) {
	t.Parallel()
	out := "START" + strings.Repeat("é", 2*checkOutputMarkdownLimit) + "--- FAIL: TestX"
	r := &Report{Tasks: []TaskReport{{Name: "t", StartedAt: "x", Stats: Stats{ChecksRun: 1, ChecksFailed: 1},
		Checks: []CheckReport{{Round: 1, Command: "go test", StartedAt: "a", FinishedAt: "b", ExitCode: 1, Output: out}}}}}
	md := r.Markdown()
	_, block, ok := strings.Cut(md, "```\n")
	if !ok {
		t.Fatalf("no output block:\n%s", md)
	}
	block, _, _ = strings.Cut(block, "\n```")
	if strings.Contains(block, "START") || !strings.HasSuffix(block, "--- FAIL: TestX") || !strings.HasPrefix(block, "…") {
		t.Errorf("the block does not keep the end of the output with a mark: %q…%q", block[:20], block[len(block)-20:])
	}
	if n := utf8.RuneCountInString(block); n != checkOutputMarkdownLimit+1 {
		t.Errorf("block has %d characters, want %d and a mark", n, checkOutputMarkdownLimit)
	}
}
