// Package docs_test keeps the documentation honest where a test can: every
// relative link resolves, and the GitHub Action guide names every input and
// output of action.yml.
package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// mdLink matches the target of a Markdown link: [text](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

func TestRelativeLinksResolve(t *testing.T) {
	t.Parallel()
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"README.md", "task-file.md", "prompts.md", "git.md", "cli.md", "tools.md", "security.md", "reports.md", "providers.md", "github-action.md", "cron.md", "faq.md"} {
		if !slices.Contains(pages, want) {
			t.Errorf("docs/%s is missing", want)
		}
	}
	// The repository's README links into docs/ and examples/ from the root.
	pages = append(pages, "../README.md")
	for _, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			if _, err := os.Stat(filepath.Join(filepath.Dir(page), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", page, m[1])
			}
		}
	}
}

func TestActionGuideNamesEveryInputAndOutput(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs  map[string]any `yaml:"inputs"`
		Outputs map[string]any `yaml:"outputs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	if len(action.Inputs) == 0 || len(action.Outputs) == 0 {
		t.Fatalf("action.yml has %d inputs and %d outputs; want some of each", len(action.Inputs), len(action.Outputs))
	}
	guide, err := os.ReadFile("github-action.md")
	if err != nil {
		t.Fatal(err)
	}
	for kind, names := range map[string]map[string]any{"input": action.Inputs, "output": action.Outputs} {
		for name := range names {
			if !strings.Contains(string(guide), "| `"+name+"` |") {
				t.Errorf("docs/github-action.md has no table row for %s %q", kind, name)
			}
		}
	}
}
