package tasks

import (
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// promptLayer is what one level says about the files and commands that
// make a task's prompts: its instruction files and where they are read.
type promptLayer struct {
	instructions opt[[]string]
	from         opt[string]
}

// promptSettings reads instructions and instructions_from among fs.
func (w *walker) promptSettings(fs fields) promptLayer {
	var l promptLayer
	if f, ok := fs["instructions"]; ok {
		l.instructions = w.instructionFiles(f)
	}
	if f, ok := fs["instructions_from"]; ok {
		l.from = w.oneOf(f, instructionsFromEnum())
	}
	return l
}

// instructionFiles reads a list of repository-relative paths. An empty
// list is valid: it turns instruction files off.
func (w *walker) instructionFiles(f field) opt[[]string] {
	items, node, ok := w.seq(f)
	o := opt[[]string]{set: true, key: f.key, node: node, path: f.path}
	if !ok {
		return o
	}
	valid := true
	files := make([]string, 0, len(items))
	for _, item := range items {
		p := w.text(item)
		if !p.ok {
			valid = false
			continue
		}
		if problem := repoPathProblem(p.v); problem != "" {
			w.errorf(p.node, item.path, "instruction file %s %s", quote(p.v), problem)
			valid = false
			continue
		}
		files = append(files, path.Clean(p.v))
	}
	o.v, o.ok = files, valid
	return o
}

// repoPathProblem says why p is not a path inside the repository, or "".
func repoPathProblem(p string) string {
	clean := path.Clean(p)
	switch {
	case path.IsAbs(p) || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':'):
		return "is absolute; write it relative to the repository root"
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return "leaves the repository; write it relative to the repository root"
	case clean == ".":
		return "is the repository itself; name a file"
	}
	for _, seg := range strings.Split(clean, "/") {
		if strings.EqualFold(seg, ".git") {
			return "is inside .git, which is never read"
		}
	}
	return ""
}

// promptTask merges the task's prompt settings over the defaults' and
// reads the task-only keys command and args.
func (w *walker) promptTask(t *Task, fs fields, task, defaults promptLayer) {
	if ins := task.instructions.or(defaults.instructions); ins.set && ins.ok {
		t.Instructions = append([]string{}, ins.v...)
		t.At.Instructions = at(ins.node)
	}
	t.InstructionsFrom = InstructionsFrom(task.from.or(defaults.from).get(string(InstructionsWorktree)))
	cmd, hasCmd := fs["command"]
	args, hasArgs := fs["args"]
	if hasCmd {
		if c := w.text(cmd); c.ok {
			if !validTaskName(c.v) {
				w.errorf(c.node, cmd.path, "invalid command name %s: it names .safe-coder/commands/<name>.md, so use letters, digits, \".\", \"_\" and \"-\"", quote(c.v))
			} else {
				t.Command = c.v
				t.At.Command = at(c.node)
			}
		}
		for _, other := range []string{"prompt", "prompts"} {
			if p, ok := fs[other]; ok {
				w.errorf(p.key, p.path, "set either \"command\" or %q, not both: a custom command is the task's first prompt", other)
			}
		}
	}
	if hasArgs {
		if a := w.str(args); a.ok {
			t.Args = a.v
		}
		if !hasCmd {
			w.errorf(args.key, args.path, "\"args\" needs \"command\": they are the arguments of a custom command")
		}
	}
	t.At.Prompts = promptPositions(fs)
}

// promptPositions returns where each prompt of fs is written.
func promptPositions(fs fields) []Position {
	if f, ok := fs["prompt"]; ok && f.value != nil {
		return []Position{at(f.value)}
	}
	f, ok := fs["prompts"]
	if !ok || f.value == nil {
		return nil
	}
	n := f.value
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	out := make([]Position, 0, len(n.Content))
	for _, item := range n.Content {
		out = append(out, at(item))
	}
	return out
}

func at(n *yaml.Node) Position {
	if n == nil {
		return Position{Line: 1, Col: 1}
	}
	return Position{Line: max(n.Line, 1), Col: max(n.Column, 1)}
}

func hasField(fs fields, key string) bool {
	_, ok := fs[key]
	return ok
}
