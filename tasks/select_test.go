package tasks

import (
	"errors"
	"slices"
	"testing"
)

func TestSelect(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "ci/tasks.yaml", lines(
		"version: 1",
		"defaults: {model: {name: m}}",
		"tasks:",
		"  - {name: lint, prompt: p}",
		"  - {name: test, prompt: p}",
		"  - {name: docs, prompt: p}",
	))
	tests := []struct {
		name    string
		names   []string
		want    []string
		wantErr string
	}{
		{"nil selects all", nil, []string{"lint", "test", "docs"}, ""},
		{"empty selects all", []string{}, []string{"lint", "test", "docs"}, ""},
		{"one", []string{"test"}, []string{"test"}, ""},
		{"file order wins over argument order", []string{"docs", "lint"}, []string{"lint", "docs"}, ""},
		{"repeated names select once", []string{"docs", "docs"}, []string{"docs"}, ""},
		{"unknown name", []string{"build"}, nil, `unknown task "build"; ci/tasks.yaml defines lint, test, docs`},
		{"unknown names among known ones", []string{"Lint", "test", "x", "x"}, nil, `unknown task "Lint" (did you mean "lint"?), "x"; ci/tasks.yaml defines lint, test, docs`},
		{"misspelled name suggests the closest", []string{"tset"}, nil, `unknown task "tset" (did you mean "test"?); ci/tasks.yaml defines lint, test, docs`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := f.Select(tc.names)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrUnknownTask) || err.Error() != tc.wantErr {
					t.Fatalf("Select(%q) error = %v; want %q wrapping ErrUnknownTask", tc.names, err, tc.wantErr)
				}
				if got != nil {
					t.Errorf("Select(%q) returned tasks with its error", tc.names)
				}
				return
			}
			if err != nil {
				t.Fatalf("Select(%q): %v", tc.names, err)
			}
			var names []string
			for _, task := range got {
				names = append(names, task.Name)
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("Select(%q) = %q; want %q", tc.names, names, tc.want)
			}
		})
	}
}

func TestSelectAllDoesNotAliasTheFile(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines("version: 1", "tasks: [{name: a, prompt: p, model: {name: m}}]"))
	got, err := f.Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	got[0].Name = "changed"
	if f.Tasks[0].Name != "a" {
		t.Errorf("changing a selected task changed the File")
	}
}

func TestToolNamesIsFresh(t *testing.T) {
	t.Parallel()
	names := ToolNames()
	want := []string{"read_file", "list_files", "grep", "write_file", "edit_file", "bash"}
	if !slices.Equal(names, want) {
		t.Fatalf("ToolNames() = %q; want %q", names, want)
	}
	names[0] = "changed"
	if ToolNames()[0] != "read_file" {
		t.Errorf("ToolNames returns a shared slice")
	}
}
