package tools

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

func TestDefs(t *testing.T) {
	t.Parallel()
	names := []string{Bash, ReadFile, Grep}
	defs, err := Defs(names)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range defs {
		got = append(got, d.Name)
		if d.Description == "" {
			t.Errorf("%s has no description", d.Name)
		}
	}
	if !slices.Equal(got, names) {
		t.Errorf("Defs order = %v, want %v", got, names)
	}
	if _, err := Defs([]string{ReadFile, "rm_rf"}); !errors.Is(err, ErrUnknownTool) || !strings.Contains(err.Error(), `"rm_rf"`) {
		t.Errorf("Defs with an unknown name: %v", err)
	}
	if defs, err := Defs(nil); err != nil || len(defs) != 0 {
		t.Errorf("Defs(nil) = %v, %v", defs, err)
	}
}

// TestSchemasMatchInputs keeps the JSON Schema offered to the model, the
// strict decoder and the Go input structs in agreement.
func TestSchemasMatchInputs(t *testing.T) {
	t.Parallel()
	inputs := map[string]any{
		ReadFile: readFileInput{}, WriteFile: writeFileInput{}, EditFile: editFileInput{},
		ListFiles: listFilesInput{}, Grep: grepInput{}, Bash: bashInput{},
	}
	var all []string
	for _, s := range toolSpecs() {
		all = append(all, s.name)
	}
	defs, err := Defs(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		var schema struct {
			Type                 string                     `json:"type"`
			Properties           map[string]json.RawMessage `json:"properties"`
			Required             []string                   `json:"required"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
		}
		if err := json.Unmarshal(d.InputSchema, &schema); err != nil {
			t.Fatalf("%s schema: %v", d.Name, err)
		}
		if schema.Type != "object" || schema.AdditionalProperties == nil || *schema.AdditionalProperties {
			t.Errorf("%s schema is not a closed object: %s", d.Name, d.InputSchema)
		}
		var props []string
		for p := range schema.Properties {
			props = append(props, p)
		}
		var fields []string
		typ := reflect.TypeOf(inputs[d.Name])
		for i := range typ.NumField() {
			fields = append(fields, typ.Field(i).Tag.Get("json"))
		}
		slices.Sort(props)
		slices.Sort(fields)
		if !slices.Equal(props, fields) {
			t.Errorf("%s: schema properties %v, struct fields %v", d.Name, props, fields)
		}
		if kind, ok := KindOf(d.Name); !ok || kind == 0 {
			t.Errorf("KindOf(%s) = %v, %v", d.Name, kind, ok)
		}
	}
	if len(defs) != len(inputs) {
		t.Errorf("%d tools defined, %d input structs", len(defs), len(inputs))
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want Kind
		ok   bool
	}{
		{ReadFile, KindRead, true},
		{ListFiles, KindRead, true},
		{Grep, KindRead, true},
		{WriteFile, KindEdit, true},
		{EditFile, KindEdit, true},
		{Bash, KindExec, true},
		{"Bash", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		if got, ok := KindOf(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("KindOf(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if s := KindExec.String(); s != "exec" {
		t.Errorf("KindExec.String() = %q", s)
	}
}

func TestDecodeInput(t *testing.T) {
	t.Parallel()
	spec, _ := specByName(ReadFile)
	tests := []struct {
		raw     string
		want    readFileInput
		wantErr string
	}{
		{`{"path":"a"}`, readFileInput{Path: "a"}, ""},
		{`{"path":"a","offset":null}`, readFileInput{Path: "a"}, ""},
		{` {"path":"a","limit":7} `, readFileInput{Path: "a", Limit: ptrInt(7)}, ""},
		{`{"path":"a","pth":"b"}`, readFileInput{}, `unknown field "pth"; read_file accepts path (required), offset, limit`},
		{`{}`, readFileInput{}, `missing required field "path"`},
		{``, readFileInput{}, `missing required field "path"`},
		{`null`, readFileInput{}, `missing required field "path"`},
		{`{"path":null}`, readFileInput{}, `missing required field "path"`},
		{`{"path":3}`, readFileInput{}, `field "path" must be a string, got number`},
		{`{"path":"a","offset":"3"}`, readFileInput{}, `field "offset" must be an integer, got string`},
		{`{"path":"a","offset":1.5}`, readFileInput{}, `field "offset" must be an integer, got 1.5`},
		{`{"path":"a","offset":-1}`, readFileInput{}, `field "offset" must be at least 1, got -1`},
		{`{"path":"a","offset":99999999999999999999}`, readFileInput{}, `must be an integer`},
		{`["a"]`, readFileInput{}, "input must be a JSON object"},
		{`"a"`, readFileInput{}, "input must be a JSON object"},
		{`{"path":"a"`, readFileInput{}, "input must be a JSON object"},
	}
	for _, tt := range tests {
		var got readFileInput
		err := decodeInput(spec, json.RawMessage(tt.raw), &got)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("decode %s: error %v, want %q", tt.raw, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("decode %s = %+v, %v; want %+v", tt.raw, got, err, tt.want)
		}
	}
}

func ptrInt(n int) *int { return &n }

func TestExecUnknownAndClosed(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	put(t, root, "a.txt", "a\n")
	tb, err := New(Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	r := tb.Exec(t.Context(), llm.ToolCall{Name: "delete_repo", Input: json.RawMessage(`{}`)})
	mustFail(t, r, `unknown tool "delete_repo"; the tools are read_file, write_file, edit_file, list_files, grep, bash`)
	mustSucceed(t, run(t, tb, ReadFile, map[string]any{"path": "a.txt"}))
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ReadFile, Bash} {
		mustFail(t, run(t, tb, name, map[string]any{"path": "a.txt", "command": "true"}), "the toolbox is closed")
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	root := newRepo(t)
	tests := []struct {
		opts Options
		want string
	}{
		{Options{Root: "relative/dir"}, "not an absolute path"},
		{Options{Root: root + "/missing"}, "open repository root"},
		{Options{Root: root, BashTimeout: -1}, "negative bash timeout"},
		{Options{Root: root, MaxOutput: -1}, "negative output cap"},
	}
	for _, tt := range tests {
		if _, err := New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", tt.opts, err, tt.want)
		}
	}
	tb := newToolbox(t, Options{Root: root})
	if tb.timeout != DefaultBashTimeout || tb.maxOut != DefaultMaxOutput {
		t.Errorf("defaults: timeout %v, max output %d", tb.timeout, tb.maxOut)
	}
}
