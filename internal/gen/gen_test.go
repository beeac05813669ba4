package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/safe-coder/safe-coder/tasks"
)

// repoRoot is the repository, seen from this package's directory.
const repoRoot = "../.."

func TestGeneratedFilesAreCurrent(t *testing.T) {
	t.Parallel()
	outs, err := outputs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		committed, err := os.ReadFile(filepath.Join(repoRoot, o.path))
		if err != nil {
			t.Errorf("%s: %v; run `go generate ./tasks` (or make generate)", o.path, err)
			continue
		}
		if !bytes.Equal(committed, o.data) {
			t.Errorf("%s is stale: run `go generate ./tasks` (or make generate) and commit the result", o.path)
		}
	}
}

func TestGenerateWritesEveryOutput(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, p := range []string{reportSchema, reportsPath} {
		data, err := os.ReadFile(filepath.Join(repoRoot, p))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"-root", root}, &stderr); code != 0 {
		t.Fatalf("run = %d; stderr: %s", code, stderr.String())
	}
	outs, err := outputs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		got, err := os.ReadFile(filepath.Join(root, o.path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, o.data) {
			t.Errorf("%s differs from what outputs renders", o.path)
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, "docs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestSpliceNeedsMarkers(t *testing.T) {
	t.Parallel()
	schema, err := os.ReadFile(filepath.Join(repoRoot, reportSchema))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		page string
		ok   bool
	}{
		{"both markers", "# R\n" + beginFields + "old\n" + endFields + "after\n", true},
		{"no markers", "# R\n", false},
		{"only begin", beginFields, false},
		{"reversed", endFields + beginFields, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := spliceReportFields([]byte(tt.page), schema)
			if (err == nil) != tt.ok {
				t.Fatalf("spliceReportFields error = %v; want ok=%t", err, tt.ok)
			}
			if tt.ok && (strings.Contains(string(got), "old\n") || !strings.HasSuffix(string(got), endFields+"after\n") ||
				!strings.Contains(string(got), "| `run.status` |")) {
				t.Errorf("spliced page:\n%s", got)
			}
		})
	}
}

// compileSchema compiles the generated task-file schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := taskSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaID)
	if err != nil {
		t.Fatalf("compile task-file schema: %v", err)
	}
	return s
}

// yamlAsJSON reads a YAML document as the JSON value a schema validator
// takes, the way yaml-language-server sees the file.
func yamlAsJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("read YAML: %v", err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("YAML to JSON: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// taskFiles returns the task files under dir: YAML files with a top-level
// version and tasks (workflows and other YAML are skipped).
func taskFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
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
		var top map[string]any
		if yaml.Unmarshal(data, &top) == nil && top["version"] != nil && top["tasks"] != nil {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSchemaAgreesWithParser(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t)
	files := append(taskFiles(t, filepath.Join(repoRoot, "examples")), taskFiles(t, "testdata/agree")...)
	files = append(files, filepath.Join(repoRoot, "tasks/testdata/valid.yaml"))
	if len(files) < 16 {
		t.Fatalf("found only %d task files: %q", len(files), files)
	}
	for _, p := range files {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			_, parseErr := tasks.Parse(p, data)
			schemaErr := schema.Validate(yamlAsJSON(t, data))
			var verr *jsonschema.ValidationError
			if schemaErr != nil && !errors.As(schemaErr, &verr) {
				t.Fatalf("validate: %v", schemaErr)
			}
			if (parseErr == nil) != (schemaErr == nil) {
				t.Errorf("parser and schema disagree:\nparser: %v\nschema: %v", parseErr, schemaErr)
			}
			if wantValid := !strings.Contains(p, "testdata/agree/") || strings.HasPrefix(filepath.Base(p), "valid-"); wantValid != (parseErr == nil) {
				t.Errorf("Parse = %v; want valid=%t", parseErr, wantValid)
			}
		})
	}
}

func TestSchemaAcceptsEveryReferenceExample(t *testing.T) {
	t.Parallel()
	// Each example is checked on its own against its key's schema: the
	// schema document's definitions are compiled one key at a time.
	data, err := taskSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range tasks.Reference() {
		if k.Scope == tasks.ScopeRoot {
			continue
		}
		ptr := "#/$defs/task/properties/" + strings.ReplaceAll(k.Path, ".", "/properties/")
		if k.Scope == tasks.ScopeSetting {
			first, rest, nested := strings.Cut(k.Path, ".")
			ptr = "#/$defs/" + first
			if nested {
				ptr += "/properties/" + strings.ReplaceAll(rest, ".", "/properties/")
			}
		}
		s, err := c.Compile(schemaID + ptr)
		if err != nil {
			t.Errorf("%s: compile %s: %v", k.Path, ptr, err)
			continue
		}
		v, err := yamlValue(k.Example)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(yamlAsJSON(t, []byte(k.Example))); err != nil {
			t.Errorf("%s: example %s (%v) is refused by its schema: %v", k.Path, k.Example, v, err)
		}
	}
}
