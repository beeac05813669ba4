package policy

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// allModes lists the modes in the order verdict strings spell them.
func allModes() []Mode { return []Mode{ModePlan, ModeDefault, ModeAutoEdit, ModeYolo} }

// call builds a tool call whose target is arg: the path of a file tool or
// the command of bash.
func call(t testing.TB, tool, arg string) llm.ToolCall {
	t.Helper()
	field := "path"
	if tool == "bash" {
		field = "command"
	}
	in, err := json.Marshal(map[string]string{field: arg})
	if err != nil {
		t.Fatal(err)
	}
	return llm.ToolCall{ID: "toolu_1", Name: tool, Input: in}
}

// rawCall builds a tool call with the input as given.
func rawCall(tool, input string) llm.ToolCall {
	return llm.ToolCall{ID: "toolu_1", Name: tool, Input: json.RawMessage(input)}
}

// errRefused is what the test resolver returns for paths the toolbox
// would refuse.
var errRefused = errors.New("the path escapes the repository through a symlink")

// mapResolver resolves the paths in links as the toolbox would follow
// symlinks, refuses those in refused, and cleans the others.
func mapResolver(links map[string]string, refused ...string) func(string) (string, error) {
	return func(p string) (string, error) {
		for _, r := range refused {
			if p == r {
				return "", errRefused
			}
		}
		if to, ok := links[p]; ok {
			return to, nil
		}
		clean, problem := cleanRel(p)
		if problem != "" {
			return "", errors.New(problem)
		}
		return clean, nil
	}
}

// mustNew builds a policy, failing the test on an error.
func mustNew(t testing.TB, opts Options) *Policy {
	t.Helper()
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
