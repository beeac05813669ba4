package tools

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/safe-coder/safe-coder/llm"
)

// The tool names. They are part of the public contract: recorded transcripts
// and custom prompts use them.
const (
	ReadFile  = "read_file"
	WriteFile = "write_file"
	EditFile  = "edit_file"
	ListFiles = "list_files"
	Grep      = "grep"
	Bash      = "bash"
)

// Kind is what a tool does, which is what approval modes decide on.
type Kind int

// The kinds of tools. The zero Kind is not a kind.
const (
	KindRead Kind = iota + 1 // read_file, list_files, grep
	KindEdit                 // write_file, edit_file
	KindExec                 // bash
)

// String returns "read", "edit" or "exec".
func (k Kind) String() string {
	switch k {
	case KindRead:
		return "read"
	case KindEdit:
		return "edit"
	case KindExec:
		return "exec"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// KindOf returns the kind of the named tool, and false for an unknown name.
func KindOf(name string) (Kind, bool) {
	s, ok := specByName(name)
	return s.kind, ok
}

// JSON types of tool parameters, as JSON Schema names them.
const (
	typeString  = "string"
	typeInteger = "integer"
	typeNumber  = "number"
	typeBoolean = "boolean"
)

// param is one field of a tool's input object.
type param struct {
	name        string
	typ         string
	required    bool
	description string
	minimum     *float64
	// exclusiveMinimum makes minimum exclusive (timeout_s > 0).
	exclusiveMinimum bool
}

// toolSpec is the single source for a tool's definition and for the strict
// decoding of its input.
type toolSpec struct {
	name        string
	kind        Kind
	description string
	params      []param
}

func ptr(f float64) *float64 { return &f }

// toolSpecs lists the tools in the order they are usually offered. It is a
// function, not a variable, so no caller can change a definition for others.
func toolSpecs() []toolSpec {
	return []toolSpec{
		{
			name: ReadFile,
			kind: KindRead,
			description: "Read a text file of the repository. Lines come numbered like `cat -n` " +
				"(number, tab, text); the numbers are not part of the file. At most 2000 lines per call, " +
				"lines longer than 2000 characters are cut; use offset and limit to read a long file in parts. " +
				"Binary files and files over 10 MiB are not shown.",
			params: []param{
				{name: "path", typ: typeString, required: true, description: "File path relative to the repository root."},
				{name: "offset", typ: typeInteger, minimum: ptr(1), description: "First line to read, 1-based. Default 1."},
				{name: "limit", typ: typeInteger, minimum: ptr(1), description: "Number of lines to read. Default and maximum 2000."},
			},
		},
		{
			name: WriteFile,
			kind: KindEdit,
			description: "Create a file or replace its whole content. Parent directories are created. " +
				"An existing file must be read with read_file first, and keeps its permissions. " +
				"Prefer edit_file to change part of an existing file.",
			params: []param{
				{name: "path", typ: typeString, required: true, description: "File path relative to the repository root."},
				{name: "content", typ: typeString, required: true, description: "The complete new content of the file."},
			},
		},
		{
			name: EditFile,
			kind: KindEdit,
			description: "Replace an exact string in a file. old_string must occur exactly once in the file " +
				"(include enough surrounding lines to make it unique), unless replace_all is true. " +
				"Copy old_string from read_file output without the line-number prefix, keeping indentation exactly. " +
				"Returns the edited region with line numbers.",
			params: []param{
				{name: "path", typ: typeString, required: true, description: "File path relative to the repository root."},
				{name: "old_string", typ: typeString, required: true, description: "The exact text to replace; not empty."},
				{name: "new_string", typ: typeString, required: true, description: "The replacement text; must differ from old_string."},
				{name: "replace_all", typ: typeBoolean, description: "Replace every occurrence instead of exactly one. Default false."},
			},
		},
		{
			name: ListFiles,
			kind: KindRead,
			description: "List files under a directory of the repository, recursively, as sorted paths relative " +
				"to the repository root. Files ignored by .gitignore are left out. At most 1000 paths; a listing that " +
				"takes too long stops early and says so.",
			params: []param{
				{name: "path", typ: typeString, description: "Directory relative to the repository root. Default \".\"."},
				{name: "pattern", typ: typeString, description: "Glob the paths must match: * and ? stay within one path segment, " +
					"** matches any number of segments (\"**/*_test.go\", \"docs/**\"). A pattern without / matches the file name."},
			},
		},
		{
			name: Grep,
			kind: KindRead,
			description: "Search file contents with an RE2 regular expression, line by line, in the files list_files " +
				"would list. Prints path:line: text. Binary files and files over 1 MiB are skipped. At most 200 matches.",
			params: []param{
				{name: "pattern", typ: typeString, required: true, description: "RE2 regular expression, e.g. \"func \\\\w+Handler\"."},
				{name: "path", typ: typeString, description: "Directory or file to search, relative to the repository root. Default \".\"."},
				{name: "glob", typ: typeString, description: "Only search files whose path matches this glob (same syntax as list_files pattern)."},
			},
		},
		{
			name: Bash,
			kind: KindExec,
			description: "Run a shell command (bash -c) in the repository root. stdin is empty, there is no terminal, " +
				"pager or editor. Returns the exit code and the combined stdout and stderr; long output keeps its " +
				"beginning and end. The command and everything it started are killed at the timeout; whatever it " +
				"leaves running (background jobs, daemons) is killed when it returns, so start a server in the same " +
				"command that uses it.",
			params: []param{
				{name: "command", typ: typeString, required: true, description: "The command line."},
				{name: "timeout_s", typ: typeNumber, minimum: ptr(0), exclusiveMinimum: true,
					description: "Timeout in seconds. Default and maximum: the run's bash timeout."},
			},
		},
	}
}

func specByName(name string) (toolSpec, bool) {
	for _, s := range toolSpecs() {
		if s.name == name {
			return s, true
		}
	}
	return toolSpec{}, false
}

// joinNames lists the tool names for messages.
func joinNames() string {
	specs := toolSpecs()
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// Defs returns the definitions of the named tools, in the order given, for
// offering them to the model. An unknown name is an error wrapping
// ErrUnknownTool.
func Defs(names []string) ([]llm.ToolDef, error) {
	defs := make([]llm.ToolDef, 0, len(names))
	for _, name := range names {
		s, ok := specByName(name)
		if !ok {
			return nil, fmt.Errorf("%w %q (the tools are %s)", ErrUnknownTool, name, joinNames())
		}
		schema, err := s.schema()
		if err != nil {
			return nil, fmt.Errorf("tool %s: %w", name, err)
		}
		defs = append(defs, llm.ToolDef{Name: s.name, Description: s.description, InputSchema: schema})
	}
	return defs, nil
}

// schema builds the JSON Schema of the tool's input object.
func (s toolSpec) schema() (json.RawMessage, error) {
	type property struct {
		Type             string   `json:"type"`
		Description      string   `json:"description"`
		Minimum          *float64 `json:"minimum,omitempty"`
		ExclusiveMinimum *float64 `json:"exclusiveMinimum,omitempty"`
	}
	type object struct {
		Type                 string              `json:"type"`
		Properties           map[string]property `json:"properties"`
		Required             []string            `json:"required"`
		AdditionalProperties bool                `json:"additionalProperties"`
	}
	o := object{Type: "object", Properties: make(map[string]property, len(s.params)), Required: []string{}}
	for _, p := range s.params {
		prop := property{Type: p.typ, Description: p.description}
		if p.exclusiveMinimum {
			prop.ExclusiveMinimum = p.minimum
		} else {
			prop.Minimum = p.minimum
		}
		o.Properties[p.name] = prop
		if p.required {
			o.Required = append(o.Required, p.name)
		}
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encode input schema: %w", err)
	}
	return b, nil
}
