package tasks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"gopkg.in/yaml.v3"

	"github.com/safe-coder/safe-coder/internal/safefile"
)

// CommandsDir is where a repository keeps its custom commands, one
// Markdown file each: .safe-coder/commands/review.md is /review.
const CommandsDir = ".safe-coder/commands"

// Command is a custom command: a prompt template with optional front matter
// (description, args, approval, tools), as interactive assistants keep them.
type Command struct {
	Name        string
	Path        string // repository-relative
	Description string
	// Args names the command's arguments, in order: {{name}} in Body takes
	// the argument at that position; {{args}} takes them all.
	Args []string
	// Approval and Tools, when set, narrow a task that uses the command:
	// the stricter approval wins and only the tools both list are offered
	// (see File.ApplyCommands). A command file can be changed by a pull
	// request, so it never widens what the task file allows.
	Approval Approval
	Tools    []string
	Body     string
}

// placeholder matches {{name}}.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// MaxCommandBytes caps one command file.
const MaxCommandBytes = 64 << 10

// LoadCommands reads every custom command of the repository at root. A
// repository without the directory has none. A malformed file is an error
// naming it.
//
// The files are read through an os.Root, so the directory (which may be a
// symlink, to .claude/commands say) stays inside the repository; a command
// file that is a symlink, a FIFO, a device or larger than MaxCommandBytes
// is an error: a pull request could otherwise point one at .git/config or
// a secret, or make loading it hang or exhaust memory.
func LoadCommands(root string) (map[string]Command, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("read custom commands: %w", err)
	}
	defer r.Close()
	dir, err := r.OpenFile(CommandsDir, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Command{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read custom commands: %w", err)
	}
	entries, err := dir.ReadDir(-1)
	dir.Close()
	if err != nil {
		return nil, fmt.Errorf("read custom commands: %w", err)
	}
	out := map[string]Command{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".md")
		rel := path.Join(CommandsDir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s: a command file must be a regular file, not a symbolic link", rel)
		}
		data, err := readCommandFile(r, rel)
		if err != nil {
			return nil, fmt.Errorf("read custom command %s: %w", name, err)
		}
		c, err := parseCommand(name, rel, data)
		if err != nil {
			return nil, err
		}
		out[name] = c
	}
	return out, nil
}

// readCommandFile reads the regular file rel of r, non-blocking so a FIFO
// swapped in is refused rather than waited on, and capped.
func readCommandFile(r *os.Root, rel string) ([]byte, error) {
	data, _, err := safefile.Read(r, rel, MaxCommandBytes+1)
	if errors.Is(err, safefile.ErrNotRegular) {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	}
	if errors.Is(err, safefile.ErrSymlink) {
		return nil, fmt.Errorf("%s: a command file must be a regular file, not a symbolic link", rel)
	}
	if err != nil {
		return nil, err
	}
	if len(data) > MaxCommandBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", rel, MaxCommandBytes)
	}
	return data, nil
}

// commandFront is a command file's front matter.
type commandFront struct {
	Description string   `yaml:"description"`
	Args        []string `yaml:"args"`
	Approval    string   `yaml:"approval"`
	Tools       []string `yaml:"tools"`
}

func parseCommand(name, rel string, data []byte) (Command, error) {
	c := Command{Name: name, Path: rel, Body: string(data)}
	if !validTaskName(name) {
		return Command{}, fmt.Errorf("%s: %q is not a command name: use letters, digits, '.', '_' and '-'", rel, name)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if rest, ok := strings.CutPrefix(text, "---\n"); ok {
		front, body, found := strings.Cut(rest, "\n---\n")
		if !found {
			return Command{}, fmt.Errorf("%s: the front matter that starts with --- on line 1 never ends; close it with a line holding only ---", rel)
		}
		var fm commandFront
		dec := yaml.NewDecoder(bytes.NewReader([]byte(front)))
		dec.KnownFields(true)
		if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) {
			return Command{}, fmt.Errorf("%s: front matter: %s", rel, frontMatterError(err))
		}
		c.Description, c.Args, c.Tools, c.Body = fm.Description, fm.Args, fm.Tools, body
		switch a := Approval(fm.Approval); a {
		case "", ApprovalPlan, ApprovalDefault, ApprovalAutoEdit, ApprovalYolo:
			c.Approval = a
		default:
			return Command{}, fmt.Errorf("%s: front matter: approval %q: expected one of plan, default, auto-edit, yolo", rel, fm.Approval)
		}
		for _, t := range c.Tools {
			if !isToolName(t) {
				return Command{}, fmt.Errorf("%s: front matter: unknown tool %q; tools are %s", rel, t, strings.Join(ToolNames(), ", "))
			}
		}
		seen := map[string]bool{"args": true}
		for _, a := range c.Args {
			if !placeholder.MatchString("{{" + a + "}}") {
				return Command{}, fmt.Errorf("%s: front matter: argument name %q: use letters, digits and _", rel, a)
			}
			if seen[a] {
				return Command{}, fmt.Errorf("%s: front matter: argument %q listed twice (or named args, which means all of them)", rel, a)
			}
			seen[a] = true
		}
	}
	for _, m := range placeholder.FindAllStringSubmatch(c.Body, -1) {
		if m[1] != "args" && !contains(c.Args, m[1]) {
			return Command{}, fmt.Errorf("%s: {{%s}} is not an argument of the command; list it under args: in the front matter", rel, m[1])
		}
	}
	return c, nil
}

// Expand fills the command's placeholders from args, split at white space
// ("quoted words" stay one): {{args}} is all of it, {{name}} the argument at
// name's position. A declared argument without a value is an error.
func (c Command) Expand(args string) (string, error) {
	words, err := splitArgs(args)
	if err != nil {
		return "", fmt.Errorf("/%s %s: %w", c.Name, args, err)
	}
	values := map[string]string{"args": strings.TrimSpace(args)}
	for i, name := range c.Args {
		if i >= len(words) {
			return "", fmt.Errorf("/%s needs %d argument(s) (%s) and got %d", c.Name, len(c.Args), strings.Join(c.Args, ", "), len(words))
		}
		values[name] = words[i]
	}
	return placeholder.ReplaceAllStringFunc(c.Body, func(m string) string {
		return values[placeholder.FindStringSubmatch(m)[1]]
	}), nil
}

// SlashCommand splits a prompt that starts with /name into the name and
// its arguments; ok is false for any other prompt.
func SlashCommand(prompt string) (name, args string, ok bool) {
	p := strings.TrimLeft(prompt, " \t")
	rest, found := strings.CutPrefix(p, "/")
	if !found {
		return "", "", false
	}
	name, args, _ = strings.Cut(strings.TrimRight(rest, "\n"), " ")
	if !validTaskName(name) {
		return "", "", false
	}
	return name, strings.TrimSpace(args), true
}

// CommandNames returns the names of commands, sorted.
func CommandNames(commands map[string]Command) []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// splitArgs splits at white space, keeping "double" or 'single' quoted
// words whole.
func splitArgs(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
				continue
			}
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("a %c quote is not closed", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func validTaskName(name string) bool { return taskNamePattern.MatchString(name) }

func isToolName(name string) bool { return contains(ToolNames(), name) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
