package docs_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/tasks"
)

// allStatuses are the run statuses a report and the action's status output
// can hold.
var allStatuses = []runner.Status{
	runner.StatusSucceeded, runner.StatusChecksFailed, runner.StatusLimitReached,
	runner.StatusCancelled, runner.StatusProviderError, runner.StatusPolicyViolation,
	runner.StatusRepoError, runner.StatusError,
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// tableRow returns the Markdown table row whose first cell is first.
func tableRow(t *testing.T, doc, page, first string) string {
	t.Helper()
	for line := range strings.SplitSeq(doc, "\n") {
		if strings.HasPrefix(line, "| "+first+" |") {
			return line
		}
	}
	t.Fatalf("%s has no table row for %s", page, first)
	return ""
}

// TestStatusListsAreComplete: the pages that list the statuses a run can
// end with name every one of them, and give each its exit code.
func TestStatusListsAreComplete(t *testing.T) {
	t.Parallel()
	row := tableRow(t, readDoc(t, "github-action.md"), "docs/github-action.md", "`status`")
	reports := readDoc(t, "reports.md")
	_, codes, ok := strings.Cut(reports, "map to exit codes:")
	if !ok {
		t.Fatal("docs/reports.md no longer maps statuses to exit codes")
	}
	codes = strings.Join(strings.Fields(codes), " ")
	for _, st := range allStatuses {
		if !strings.Contains(row, "`"+string(st)+"`") {
			t.Errorf("docs/github-action.md's status output does not name %s", st)
		}
		want := fmt.Sprintf("`%s` %d", st, st.ExitCode())
		if st == runner.StatusCancelled {
			want = "`cancelled` 130/143"
		}
		if !strings.Contains(codes, want) {
			t.Errorf("docs/reports.md does not map %s to its exit code (want %q)", st, want)
		}
	}
}

// TestExitCodeTablesAgree: README.md and docs/cli.md carry the same exit
// code table, word for word, and it has a row for every status's code.
func TestExitCodeTablesAgree(t *testing.T) {
	t.Parallel()
	table := func(page string) string {
		doc := readDoc(t, page)
		start := strings.Index(doc, "| code | meaning |")
		if start < 0 {
			t.Fatalf("%s has no exit code table", page)
		}
		end := strings.Index(doc[start:], "\n\n")
		if end < 0 {
			end = len(doc) - start
		}
		return doc[start : start+end]
	}
	readme, cli := table("../README.md"), table("cli.md")
	if readme != cli {
		t.Errorf("the exit code tables of README.md and docs/cli.md differ:\nREADME.md:\n%s\ndocs/cli.md:\n%s", readme, cli)
	}
	for _, st := range allStatuses {
		code := fmt.Sprint(st.ExitCode())
		if st == runner.StatusCancelled {
			code = "130 / 143"
		}
		if !strings.Contains(readme, "\n| "+code+" |") {
			t.Errorf("the exit code table has no row for %s's code %s", st, code)
		}
	}
}

// TestDocumentedCapsMatchTheCode: the byte caps the pages state are the
// ones the code enforces.
func TestDocumentedCapsMatchTheCode(t *testing.T) {
	t.Parallel()
	kib := func(n int) string { return fmt.Sprintf("%d KiB", n>>10) }
	for _, c := range []struct {
		page, context string
		size          int
	}{
		{"prompts.md", "each cut\n  at %s", prompt.MaxInstructionBytes},
		{"prompts.md", "(%s at most, cut with a notice", prompt.MaxFileBytes},
		{"prompts.md", "share %s in all", prompt.MaxTotalBytes},
		{"prompts.md", "of at most %s", tasks.MaxCommandBytes},
		{"reports.md", "at most %s of it", report.MaxCheckOutput},
	} {
		doc := strings.Join(strings.Fields(readDoc(t, c.page)), " ")
		want := strings.Join(strings.Fields(fmt.Sprintf(c.context, kib(c.size))), " ")
		if !strings.Contains(doc, want) {
			t.Errorf("docs/%s does not say %q", c.page, want)
		}
	}
	if report.MaxStepSummaryBytes != 1<<20 || !strings.Contains(readDoc(t, "github-action.md"), "GitHub's 1 MiB limit") {
		t.Errorf("docs/github-action.md's step summary cap (1 MiB) and report.MaxStepSummaryBytes (%d) disagree", report.MaxStepSummaryBytes)
	}
}

// usesLine matches a `uses:` line of a YAML snippet.
var usesLine = regexp.MustCompile(`uses:\s*(\S+)`)

// TestWorkflowSnippetsAreSafeToCopy: a workflow in the docs is copied as
// it is, so it pins actions to a commit and keeps the checkout's token out
// of .git/config, where any command the agent runs could read it.
func TestWorkflowSnippetsAreSafeToCopy(t *testing.T) {
	t.Parallel()
	fullSHA := regexp.MustCompile(`@[0-9a-f]{40}$`)
	for _, page := range []string{"../README.md", "github-action.md", "cron.md", "faq.md"} {
		doc := readDoc(t, page)
		for _, block := range strings.Split(doc, "```yaml")[1:] {
			block, _, _ = strings.Cut(block, "```")
			for _, m := range usesLine.FindAllStringSubmatch(block, -1) {
				ref := m[1]
				switch {
				case strings.HasPrefix(ref, "safe-coder/safe-coder@"):
					if !strings.HasSuffix(ref, "@<full") && !fullSHA.MatchString(ref) {
						t.Errorf("%s: %s is not pinned to a commit", page, ref)
					}
				case !fullSHA.MatchString(ref):
					t.Errorf("%s: %s is not pinned to a full commit SHA", page, ref)
				}
				if strings.HasPrefix(ref, "actions/checkout@") && !strings.Contains(block, "persist-credentials: false") {
					t.Errorf("%s: a snippet checks out with persisted credentials; add persist-credentials: false", page)
				}
			}
		}
	}
}
