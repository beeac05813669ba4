package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

var allTools = []string{"read_file", "list_files", "grep", "write_file", "edit_file", "bash"}

func call(name string) llm.ToolCall {
	return llm.ToolCall{ID: "toolu_1", Name: name, Input: json.RawMessage(`{}`)}
}

// The approval table of the design, cell by cell.
func TestDecideApprovalTable(t *testing.T) {
	t.Parallel()
	want := map[Mode]map[string]bool{
		ModePlan:     {"read_file": true, "list_files": true, "grep": true, "write_file": false, "edit_file": false, "bash": false},
		ModeDefault:  {"read_file": true, "list_files": true, "grep": true, "write_file": false, "edit_file": false, "bash": false},
		ModeAutoEdit: {"read_file": true, "list_files": true, "grep": true, "write_file": true, "edit_file": true, "bash": false},
		ModeYolo:     {"read_file": true, "list_files": true, "grep": true, "write_file": true, "edit_file": true, "bash": true},
	}
	for mode, cells := range want {
		p, err := New(mode, allTools)
		if err != nil {
			t.Fatal(err)
		}
		for tool, allow := range cells {
			d := p.Decide(call(tool))
			if d.Allow != allow {
				t.Errorf("%s/%s: allow = %v, want %v (%s)", mode, tool, d.Allow, allow, d.Reason)
			}
			if d.Reason == "" {
				t.Errorf("%s/%s: empty reason", mode, tool)
			}
		}
	}
}

func TestOffered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode  Mode
		tools []string
		want  []string
	}{
		{ModePlan, allTools, []string{"read_file", "list_files", "grep"}},
		{ModeDefault, allTools, allTools},
		{ModeYolo, []string{"bash", "read_file"}, []string{"bash", "read_file"}},
		{ModeAutoEdit, []string{"read_file", "read_file"}, []string{"read_file"}},
	}
	for _, tt := range tests {
		p, err := New(tt.mode, tt.tools)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Offered(); !slices.Equal(got, tt.want) {
			t.Errorf("%s %v: offered %v, want %v", tt.mode, tt.tools, got, tt.want)
		}
	}
}

// A tool left out of the task's list is denied even in yolo, and an
// unknown tool is denied: the policy fails closed.
func TestDecideFailsClosed(t *testing.T) {
	t.Parallel()
	p, err := New(ModeYolo, []string{"read_file"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ tool, reason string }{
		{"bash", "not in this task's tools"},
		{"write_file", "not in this task's tools"},
		{"rm_rf", "unknown tool"},
		{"", "unknown tool"},
	} {
		d := p.Decide(call(tt.tool))
		if d.Allow || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("%q: %+v, want denial containing %q", tt.tool, d, tt.reason)
		}
	}
	// The allowed twin: the listed tool runs.
	if d := p.Decide(call("read_file")); !d.Allow {
		t.Errorf("read_file denied: %s", d.Reason)
	}

	plan, err := New(ModePlan, allTools)
	if err != nil {
		t.Fatal(err)
	}
	if d := plan.Decide(call("bash")); d.Allow || !strings.Contains(d.Reason, "plan offers read tools only") {
		t.Errorf("plan bash: %+v", d)
	}
}

func TestNewRejectsUnknown(t *testing.T) {
	t.Parallel()
	if _, err := New("ask", allTools); err == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := New(ModeYolo, []string{"read_file", "curl"}); err == nil {
		t.Error("unknown tool accepted")
	}
}
