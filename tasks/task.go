package tasks

import (
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// taskNamePattern keeps task names usable in branch names, file names and
// command lines.
var taskNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// task reads one item of tasks and merges the defaults into it. ok is false
// when the item is not a mapping at all.
func (w *walker) task(f field, defaults layer, seen map[string]*yaml.Node) (Task, bool) {
	fs, node, ok := w.mapping(f.value, f.path, taskKeys())
	if !ok {
		return Task{}, false
	}
	name := w.taskName(f, fs, node, seen)
	prompts := w.prompts(f, fs, node)
	settings := w.layer(fs)
	t := Task{Name: name.v, Prompts: prompts}
	s := scope{node: node, path: f.path}
	model, known := w.mergeModel(s, settings, defaults)
	t.Model = model
	t.Approval = Approval(settings.approval.or(defaults.approval).get(string(defaultApproval)))
	t.Tools = append([]string(nil), settings.tools.or(defaults.tools).get(ToolNames())...)
	t.Allow = mergeAllow(settings.allow, defaults.allow)
	t.Deny = mergeDeny(settings.deny, defaults.deny)
	t.Env = mergeEnv(settings.env, defaults.env)
	tl, dl := settings.limits, defaults.limits
	maxCost := tl.maxCostUSD.or(dl.maxCostUSD)
	t.Limits = Limits{
		MaxSteps:    tl.maxSteps.or(dl.maxSteps).get(defaultMaxSteps),
		MaxTokens:   int64(tl.maxTokens.or(dl.maxTokens).get(0)),
		MaxCostUSD:  maxCost.get(0),
		Timeout:     tl.timeout.or(dl.timeout).get(0),
		BashTimeout: tl.bashTimeout.or(dl.bashTimeout).get(defaultBashTimeout),
	}
	if known {
		w.checkBudget(t.Model, maxCost)
	}
	t.Checks = w.mergeChecks(settings.checks, defaults.checks)
	t.OnFailure = OnFailure(settings.onFailure.or(defaults.onFailure).get(string(defaultOnFailure)))
	tg, dg := settings.git, defaults.git
	branch := tg.branch.or(dg.branch)
	t.Git = Git{
		Branch:    branch.get(defaultBranch),
		Dirty:     tg.dirty.or(dg.dirty).get(defaultDirty),
		Return:    tg.ret.or(dg.ret).get(false),
		MaxFileMB: tg.maxFileMB.or(dg.maxFileMB).get(defaultMaxFileMB),
	}
	t.PR = mergePR(settings.pr, defaults.pr)
	w.promptTask(&t, fs, settings.prompt, defaults.prompt)
	w.checkDraftAfterRollback(s, settings, defaults, t)
	if name.ok && (!branch.set || branch.ok) {
		// The template was checked with a sample name; the real one can
		// still break it ("a..b", or "x.lock" at the end).
		sample := expandBranch(t.Git.Branch, t.Name, sampleRun, sampleDate)
		if problem := checkBranchName(sample); problem != "" {
			w.errorf(name.node, name.path, "with this name the run branch would be %s, which is not a valid git branch name: %s; rename the task or change git.branch", quote(sample), problem)
		}
	}
	return t, true
}

// mergeChecks merges the task's checks over the defaults' key by key. A
// task that writes a checks mapping must end up with commands, its own or
// the defaults': attempts or a timeout alone check nothing. Defaults may
// set attempts or a timeout without commands, for the tasks that add
// their own.
func (w *walker) mergeChecks(task, defaults checksLayer) Checks {
	commands := task.commands.or(defaults.commands)
	if task.node != nil && !commands.set {
		w.errorf(task.node, task.path, "missing required key \"commands\": the command lines to run after the agent finishes, e.g. commands: [\"go test ./...\"]")
	}
	return Checks{
		Commands: nonEmpty(slices.Clone(commands.get(nil))),
		Attempts: task.attempts.or(defaults.attempts).get(defaultCheckAttempts),
		Timeout:  task.timeout.or(defaults.timeout).get(defaultCheckTimeout),
	}
}

// taskName reads the required, unique task name.
func (w *walker) taskName(f field, fs fields, node *yaml.Node, seen map[string]*yaml.Node) opt[string] {
	nf, ok := fs["name"]
	if !ok {
		w.errorf(node, f.path, "missing required key \"name\"")
		return opt[string]{}
	}
	o := w.str(nf)
	if !o.ok {
		return o
	}
	if !taskNamePattern.MatchString(o.v) {
		w.errorf(o.node, nf.path, "invalid task name %s: use 1 to 64 letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit", quote(o.v))
		o.ok = false
		return o
	}
	if first, dup := seen[o.v]; dup {
		at := o.node
		if at == first {
			// The same node reached twice through an alias: point at the
			// second use instead.
			at = f.value
		}
		w.errorf(at, nf.path, "duplicate task name %q (first at line %d); task names must be unique", o.v, first.Line)
		o.ok = false
		return o
	}
	seen[o.v] = o.node
	return o
}

// prompts reads exactly one of prompt and prompts.
func (w *walker) prompts(f field, fs fields, node *yaml.Node) []string {
	one, hasOne := fs["prompt"]
	many, hasMany := fs["prompts"]
	switch {
	case hasOne && hasMany:
		later := many
		if before(many.key, one.key) {
			later = one
		}
		w.errorf(later.key, later.path, "set either \"prompt\" or \"prompts\", not both")
	case !hasOne && !hasMany && !hasField(fs, "command"):
		w.errorf(node, f.path, "missing required key \"prompt\" (or \"prompts\" for several)")
	}
	var out []string
	if hasOne {
		if o := w.text(one); o.ok {
			out = append(out, o.v)
		}
	}
	if hasMany {
		items, seqNode, ok := w.seq(many)
		if ok && len(items) == 0 {
			w.errorf(seqNode, many.path, "must list at least one prompt")
		}
		for _, item := range items {
			if o := w.text(item); o.ok {
				out = append(out, o.v)
			}
		}
	}
	return out
}

// before reports whether node a comes before node b in the file.
func before(a, b *yaml.Node) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Column < b.Column
}

// scope is the task a merged setting belongs to, for messages.
type scope struct {
	node *yaml.Node // the task mapping
	path string     // "tasks[1]"
}
