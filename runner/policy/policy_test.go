package policy

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// sampleArg is a harmless target for each tool.
func sampleArg(tool string) string {
	if tool == "bash" {
		return "go test ./..."
	}
	return "src/main.go"
}

// The approval table of the design, cell by cell, with no rules at all.
func TestDecideApprovalTable(t *testing.T) {
	t.Parallel()
	want := map[Mode]map[string]bool{
		ModePlan:     {"read_file": true, "list_files": true, "grep": true, "write_file": false, "edit_file": false, "bash": false},
		ModeDefault:  {"read_file": true, "list_files": true, "grep": true, "write_file": false, "edit_file": false, "bash": false},
		ModeAutoEdit: {"read_file": true, "list_files": true, "grep": true, "write_file": true, "edit_file": true, "bash": false},
		ModeYolo:     {"read_file": true, "list_files": true, "grep": true, "write_file": true, "edit_file": true, "bash": true},
	}
	for mode, cells := range want {
		p := mustNew(t, Options{Mode: mode, Tools: toolNames()})
		for tool, allow := range cells {
			d := p.Decide(call(t, tool, sampleArg(tool)))
			if d.Allow != allow || d.Reason == "" || d.Rule != "" {
				t.Errorf("%s/%s: %+v, want allow = %v with a reason and no rule", mode, tool, d, allow)
			}
		}
	}
}

// Allow rules open default mode cell by cell, auto-edit only for bash;
// plan never offers what they would allow.
func TestDecideAllowRulesPerMode(t *testing.T) {
	t.Parallel()
	allow := []string{"write_file(src/**)", "edit_file", "bash(go test *)"}
	want := map[Mode]map[string]bool{
		ModePlan:     {"write_file": false, "edit_file": false, "bash": false},
		ModeDefault:  {"write_file": true, "edit_file": true, "bash": true},
		ModeAutoEdit: {"write_file": true, "edit_file": true, "bash": true},
	}
	for mode, cells := range want {
		p := mustNew(t, Options{Mode: mode, Tools: toolNames(), Allow: allow})
		for tool, ok := range cells {
			d := p.Decide(call(t, tool, sampleArg(tool)))
			if d.Allow != ok {
				t.Errorf("%s/%s: %+v, want allow = %v", mode, tool, d, ok)
			}
			if mode == ModeDefault && !strings.HasPrefix(d.Rule, "allow: ") {
				t.Errorf("%s/%s: rule %q, want the allow rule that decided", mode, tool, d.Rule)
			}
		}
	}
	// A rule of one edit tool does not open the other.
	p := mustNew(t, Options{Mode: ModeDefault, Tools: toolNames(), Allow: []string{"edit_file(src/**)"}})
	if d := p.Decide(call(t, "write_file", "src/main.go")); d.Allow || !strings.Contains(d.Reason, "no write_file allow rule") {
		t.Errorf("write_file under an edit_file rule: %+v", d)
	}
	if d := p.Decide(call(t, "write_file", "src/main.go")); d.Rule != "" {
		t.Errorf("a mode denial names rule %q", d.Rule)
	}
}

func TestOffered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode  Mode
		tools []string
		want  []string
	}{
		{ModePlan, toolNames(), []string{"read_file", "list_files", "grep"}},
		{ModeDefault, toolNames(), toolNames()},
		{ModeYolo, []string{"bash", "read_file"}, []string{"bash", "read_file"}},
		{ModeAutoEdit, []string{"read_file", "read_file"}, []string{"read_file"}},
		{ModePlan, []string{"bash"}, nil},
	}
	for _, tt := range tests {
		p := mustNew(t, Options{Mode: tt.mode, Tools: tt.tools})
		if got := p.Offered(); !slices.Equal(got, tt.want) {
			t.Errorf("%s %v: offered %v, want %v", tt.mode, tt.tools, got, tt.want)
		}
		if p.Mode() != tt.mode {
			t.Errorf("Mode() = %q, want %q", p.Mode(), tt.mode)
		}
	}
}

// A tool left out of the task's list is denied even in yolo, and an
// unknown tool is denied: the policy fails closed.
func TestDecideFailsClosed(t *testing.T) {
	t.Parallel()
	p := mustNew(t, Options{Mode: ModeYolo, Tools: []string{"read_file"}})
	for _, tt := range []struct{ tool, reason string }{
		{"bash", "not in this task's tools"},
		{"write_file", "not in this task's tools"},
		{"rm_rf", "unknown tool"},
		{"", "unknown tool"},
	} {
		d := p.Decide(call(t, tt.tool, "x"))
		if d.Allow || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("%q: %+v, want denial containing %q", tt.tool, d, tt.reason)
		}
	}
	if d := p.Decide(call(t, "read_file", "x")); !d.Allow {
		t.Errorf("read_file denied: %s", d.Reason)
	}
	plan := mustNew(t, Options{Mode: ModePlan, Tools: toolNames(), Allow: []string{"bash"}})
	if d := plan.Decide(call(t, "bash", "ls")); d.Allow || !strings.Contains(d.Reason, "plan offers read tools only") {
		t.Errorf("plan bash: %+v", d)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		is   error
		msg  string
	}{
		{"unknown mode", Options{Mode: "ask", Tools: toolNames()}, ErrUnknownMode, `"ask"`},
		{"empty mode", Options{Tools: toolNames()}, ErrUnknownMode, "the modes are"},
		{"unknown tool", Options{Mode: ModeYolo, Tools: []string{"read_file", "curl"}}, ErrUnknownTool, `"curl"`},
		{"bad allow rule", Options{Mode: ModeDefault, Allow: []string{"bash(ls", "bash(ls)"}}, ErrBadRule, `allow: bad rule "bash(ls"`},
		{"bad deny rule", Options{Mode: ModeDefault, Deny: []string{"bash(ls)", "write_file(/etc/**)"}}, ErrBadRule, `deny: bad rule "write_file(/etc/**)"`},
	}
	for _, tt := range tests {
		_, err := New(tt.opts)
		if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %v, want one wrapping %v and containing %q", tt.name, err, tt.is, tt.msg)
		}
	}
}

// Edit and bash calls whose input cannot be read are denied; read calls
// pass, and the tool reports the problem.
func TestDecideInput(t *testing.T) {
	t.Parallel()
	p := mustNew(t, Options{Mode: ModeYolo, Tools: toolNames(), Allow: []string{"read_file(.env)"}})
	tests := []struct {
		tool, input string
		allow       bool
		reason      string
	}{
		{"bash", `{"command": 5}`, false, `cannot read the call's input: field "command" is not a string`},
		{"bash", `["ls"]`, false, "cannot read the call's input: the input is not a JSON object"},
		{"bash", `{}`, false, `cannot read the call's input: it has no "command"`},
		{"bash", `null`, false, `it has no "command"`},
		{"bash", `{"command": null}`, false, `it has no "command"`},
		{"bash", `{"command": "  \n"}`, false, "the command is empty"},
		{"bash", `{"command": "ls", "timeout_s": 5}`, true, "yolo"},
		{"write_file", `{"path": 1, "content": "x"}`, false, `field "path" is not a string`},
		{"edit_file", `not json`, false, "not a JSON object"},
		{"write_file", `{"content": "x"}`, false, `it has no "path"`},
		{"write_file", `{"path": "", "content": "x"}`, false, "the path is empty"},
		{"read_file", `{"path": 5}`, true, "the tool will report it"},
		{"read_file", `{}`, true, "the tool will report it"},
		{"read_file", `{"PATH": ".env"}`, true, "the tool will report it"},
		{"read_file", `{"path": ""}`, false, "the path is empty"},
		{"list_files", `{}`, true, "read tools"},
		{"list_files", `{"path": null}`, true, "read tools"},
		{"list_files", `{"path": ""}`, true, "read tools"},
		{"grep", `{"pattern": "x"}`, true, "read tools"},
		// The last of duplicate fields wins, as in the tools' decoder.
		{"write_file", `{"path": "docs/x", "path": ".github/workflows/ci.yml"}`, false, "is protected"},
		{"read_file", `{"path": ".env", "path": "README.md"}`, true, "read tools"},
	}
	for _, tt := range tests {
		d := p.Decide(rawCall(tt.tool, tt.input))
		if d.Allow != tt.allow || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("%s %s: %+v, want allow = %v and a reason containing %q", tt.tool, tt.input, d, tt.allow, tt.reason)
		}
	}
}

// In yolo a line that is not plain runs when no bash deny rule is in force,
// and is denied, saying why, when one is.
func TestYoloAndNotPlainLines(t *testing.T) {
	t.Parallel()
	open := mustNew(t, Options{Mode: ModeYolo, Tools: toolNames(), Deny: []string{"read_file(**/.env)"}})
	guarded := mustNew(t, Options{Mode: ModeYolo, Tools: toolNames(), Deny: []string{"bash(git push *)"}})
	for _, line := range []string{"echo $(id)", "sh -c 'make test'", "ls &&", "FOO=1 make", "for f in *; do echo $f; done", "cat <<EOF\nx\nEOF"} {
		if d := open.Decide(call(t, "bash", line)); !d.Allow {
			t.Errorf("yolo without bash deny rules denied %q: %s", line, d.Reason)
		}
		d := guarded.Decide(call(t, "bash", line))
		if d.Allow || !strings.Contains(d.Reason, "only when no bash deny rule is in force") || !strings.Contains(d.Reason, "bash(git push *)") || d.Rule != "" {
			t.Errorf("yolo with a bash deny rule on %q: %+v", line, d)
		}
	}
	if d := guarded.Decide(call(t, "bash", "git push origin main")); d.Allow || d.Rule != "deny: bash(git push *)" {
		t.Errorf("deny rule in yolo: %+v", d)
	}
	if d := guarded.Decide(call(t, "bash", "go test ./... && git status")); !d.Allow {
		t.Errorf("plain line in yolo: %+v", d)
	}
}

// A bare rule covers every call of its tool: a bare bash deny rule every
// line, a bare bash allow rule every plain line.
func TestBareRules(t *testing.T) {
	t.Parallel()
	deny := mustNew(t, Options{Mode: ModeYolo, Tools: toolNames(), Deny: []string{"bash", "write_file"}})
	for _, tt := range []struct{ tool, arg string }{{"bash", "ls"}, {"bash", "ls &&"}, {"write_file", "docs/x"}} {
		if d := deny.Decide(call(t, tt.tool, tt.arg)); d.Allow || d.Rule != "deny: "+tt.tool || !strings.Contains(d.Reason, "covers every") {
			t.Errorf("bare deny %s %q: %+v", tt.tool, tt.arg, d)
		}
	}
	allow := mustNew(t, Options{Mode: ModeDefault, Tools: toolNames(), Allow: []string{"bash", "write_file"}})
	tests := []struct {
		tool, arg string
		ok        bool
		reason    string
	}{
		{"bash", "make build && ./bin/app", true, "allow: bash"},
		{"bash", "echo $(id)", false, "command substitution"},
		{"bash", "sed -i s/a/b/ f", false, "a rule must name -i literally, as in bash(sed -i)"},
		{"write_file", "anything/at/all.txt", true, "allow: write_file"},
		{"write_file", ".gitmodules", false, "a bare write_file rule or a pattern like ** is not explicit enough"},
	}
	for _, tt := range tests {
		d := allow.Decide(call(t, tt.tool, tt.arg))
		if d.Allow != tt.ok || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("bare allow %s %q: %+v, want allow = %v, reason containing %q", tt.tool, tt.arg, d, tt.ok, tt.reason)
		}
	}
}

// Decision.Rule names every rule that allowed a line, once, in order.
func TestDecisionNamesRules(t *testing.T) {
	t.Parallel()
	p := mustNew(t, Options{Mode: ModeDefault, Tools: toolNames(), Allow: []string{"bash(go test *)", "bash(go vet ./...)", "write_file(docs/**)"}})
	tests := []struct {
		tool, arg, rule, reason string
	}{
		{"bash", "go test ./...", "allow: bash(go test *)", "it matches go test ./..."},
		{"bash", "go test ./... && go vet ./... && go test -race ./...", "allow: bash(go test *), bash(go vet ./...)", "each of its 3 commands matches an allow rule"},
		{"write_file", "./docs//guide.md", "allow: write_file(docs/**)", "write_file may change docs/guide.md"},
	}
	for _, tt := range tests {
		d := p.Decide(call(t, tt.tool, tt.arg))
		if !d.Allow || d.Rule != tt.rule || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("%s %q: %+v, want rule %q and reason containing %q", tt.tool, tt.arg, d, tt.rule, tt.reason)
		}
	}
	d := p.Decide(call(t, "bash", "go test ./...\ngo build"))
	if d.Allow || !strings.Contains(d.Reason, "no rule matches go build at line 2, column 1") {
		t.Errorf("unmatched second line: %+v", d)
	}
}

// The policy is shared by concurrent tool calls: decisions made at the
// same time are the ones made one by one.
func TestDecideConcurrently(t *testing.T) {
	t.Parallel()
	p := mustNew(t, attackOptions(ModeDefault))
	var calls []llm.ToolCall
	for _, tc := range attackCases() {
		calls = append(calls, call(t, tc.tool, tc.attack), call(t, tc.tool, tc.twin))
	}
	want := make([]Decision, len(calls))
	for i, c := range calls {
		want[i] = p.Decide(c)
	}
	const workers = 4
	got := make([]Decision, len(calls))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(calls); i += workers {
				got[i] = p.Decide(calls[i])
			}
		})
	}
	wg.Wait()
	for i := range calls {
		if got[i] != want[i] {
			t.Errorf("%s %s: concurrent %+v, sequential %+v", calls[i].Name, calls[i].Input, got[i], want[i])
		}
	}
}
