// Package examples_test keeps the task files under examples/ valid: each
// is parsed as safe-coder would parse it and carries the schema comment
// editors use. The quickstart is also run end to end by
// cmd/safe-coder/testdata/scripts/quickstart.txtar; the workflows are
// checked by actionlint in the githubaction tests.
package examples_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/safe-coder/safe-coder/tasks"
)

// schemaComment is the first line of every example task file: it points
// yaml-language-server at the task-file schema, by URL so the line still
// works in a repository the file is copied to.
const schemaComment = "# yaml-language-server: $schema=https://raw.githubusercontent.com/safe-coder/safe-coder/main/schema/tasks.schema.json"

// isTaskFile reports whether a YAML document is a task file rather than a
// workflow or another YAML file: it has a top-level version and tasks.
func isTaskFile(t *testing.T, data []byte) bool {
	t.Helper()
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return false
	}
	_, hasVersion := top["version"]
	_, hasTasks := top["tasks"]
	return hasVersion && hasTasks
}

func TestExampleTaskFilesParse(t *testing.T) {
	t.Parallel()
	var found []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !isTaskFile(t, data) {
			if filepath.Ext(p) == ".yaml" {
				t.Errorf("%s is not a task file; task files end in .yaml, workflows in .yml", p)
			}
			return nil
		}
		found = append(found, filepath.ToSlash(p))
		first, _, _ := strings.Cut(string(data), "\n")
		if first != schemaComment {
			t.Errorf("%s: first line is %q; want the schema comment %q", p, first, schemaComment)
		}
		f, err := tasks.Load(p)
		if err != nil {
			t.Errorf("%s does not parse:\n%v", p, err)
			return nil
		}
		if len(f.Tasks) == 0 {
			t.Errorf("%s has no tasks", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"github/tasks.yaml", "quickstart/tasks.yaml"} {
		if !slices.Contains(found, want) {
			t.Errorf("task file %s not found among %q", want, found)
		}
	}
}

func TestSchemaCommentNamesTheRepositorysSchema(t *testing.T) {
	t.Parallel()
	const local = "../schema/tasks.schema.json"
	if !strings.HasSuffix(schemaComment, strings.TrimPrefix(local, "..")) {
		t.Fatalf("schema comment %q does not end with the schema's path %s", schemaComment, local)
	}
	if _, err := os.Stat(local); err != nil {
		t.Fatalf("the schema the comment names: %v", err)
	}
}
