package tasks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// prLayer is the pr mapping of one level.
type prLayer struct {
	open      opt[bool]
	title     opt[string]
	draft     opt[bool]
	labels    opt[[]string]
	reviewers opt[[]string]
	base      opt[string]
	remote    opt[string]
	tokenEnv  opt[string]
	onFailure opt[string]
	workflows opt[bool]
}

// maxLabelLen is GitHub's limit on a label's name, in characters.
const maxLabelLen = 50

// githubLogin is a GitHub user login: letters, digits and hyphens, not
// starting with a hyphen, at most 39 characters.
var githubLogin = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}$`)

// pr reads the pr mapping.
func (w *walker) pr(f field) prLayer {
	fs, _, ok := w.mapping(f.value, f.path, prKeys())
	if !ok {
		return prLayer{}
	}
	var p prLayer
	if f, ok := fs["open"]; ok {
		p.open = w.boolean(f)
	}
	if f, ok := fs["title"]; ok {
		p.title = w.prTitle(f)
	}
	if f, ok := fs["draft"]; ok {
		p.draft = w.boolean(f)
	}
	if f, ok := fs["labels"]; ok {
		p.labels = w.names(f, "label", func(s string) string {
			switch {
			case strings.ContainsAny(s, "\r\n"):
				return "a label is one line"
			case len([]rune(s)) > maxLabelLen:
				return "GitHub takes label names of at most 50 characters"
			}
			return ""
		})
	}
	if f, ok := fs["reviewers"]; ok {
		p.reviewers = w.names(f, "reviewer", func(s string) string {
			if !githubLogin.MatchString(s) {
				return "expected a GitHub user login such as octocat (letters, digits and -, at most 39)"
			}
			return ""
		})
	}
	if f, ok := fs["base"]; ok {
		p.base = w.refName(f, true, "the branch the pull request targets, such as main; \"\" for the repository's default branch")
	}
	if f, ok := fs["remote"]; ok {
		p.remote = w.refName(f, false, "the name of a git remote, such as origin")
	}
	if f, ok := fs["token_env"]; ok {
		p.tokenEnv = w.str(f)
		switch {
		case !p.tokenEnv.ok:
		case !envVarName.MatchString(p.tokenEnv.v):
			// The value is not repeated: it may be the token itself.
			w.errorf(p.tokenEnv.node, f.path, "expected the name of the environment variable holding the GitHub token (letters, digits and _, not starting with a digit); if this is the token itself, remove it from the file and revoke it")
			p.tokenEnv.ok = false
		default:
			w.noteTokenEnv(p.tokenEnv.v)
		}
	}
	if f, ok := fs["on_failure"]; ok {
		p.onFailure = w.oneOf(f, prOnFailureEnum())
	}
	if f, ok := fs["workflows"]; ok {
		p.workflows = w.boolean(f)
	}
	return p
}

// prTitle reads a title template: one line, known placeholders.
func (w *walker) prTitle(f field) opt[string] {
	o := w.text(f)
	if !o.ok {
		return o
	}
	problem := checkPlaceholders(o.v)
	if strings.ContainsAny(o.v, "\r\n") {
		problem = "a pull request title is one line"
	}
	if problem != "" {
		w.errorf(o.node, f.path, "%s", problem)
		o.ok = false
	}
	return o
}

// names reads a list of distinct, non-blank strings, each checked by
// problem ("" when fine); noun names one item in messages.
func (w *walker) names(f field, noun string, problem func(string) string) opt[[]string] {
	items, node, ok := w.seq(f)
	o := opt[[]string]{set: true, key: f.key, node: node, path: f.path}
	if !ok {
		return o
	}
	o.v, _, o.ok = w.distinct(items, func(item field) opt[string] {
		s := w.text(item)
		if s.ok {
			if msg := problem(s.v); msg != "" {
				w.errorf(s.node, item.path, "%s, got %s", msg, quote(s.v))
				s.ok = false
			}
		}
		return s
	}, func(v string, firstLine int) string {
		return fmt.Sprintf("duplicate %s %s (first at line %d); list each once", noun, quote(v), firstLine)
	})
	return o
}

// refName reads a branch or remote name that git accepts; empty is
// allowed only where it means a default.
func (w *walker) refName(f field, emptyOK bool, what string) opt[string] {
	o := w.str(f)
	if !o.ok || (emptyOK && o.v == "") {
		return o
	}
	if problem := checkBranchName(o.v); problem != "" {
		w.errorf(o.node, f.path, "expected %s; %s is not a valid name: %s", what, quote(o.v), problem)
		o.ok = false
	}
	return o
}

// mergePR merges the task's pr settings over the defaults' key by key;
// lists are replaced, not added to.
func mergePR(task, defaults prLayer) PR {
	return PR{
		Open:      task.open.or(defaults.open).get(false),
		Title:     task.title.or(defaults.title).get(defaultPRTitle),
		Draft:     task.draft.or(defaults.draft).get(defaultPRDraft),
		Labels:    nonEmpty(slices.Clone(task.labels.or(defaults.labels).get(nil))),
		Reviewers: nonEmpty(slices.Clone(task.reviewers.or(defaults.reviewers).get(nil))),
		Base:      task.base.or(defaults.base).get(""),
		Remote:    task.remote.or(defaults.remote).get(defaultPRRemote),
		TokenEnv:  task.tokenEnv.or(defaults.tokenEnv).get(defaultPRTokenEnv),
		OnFailure: PROnFailure(task.onFailure.or(defaults.onFailure).get(string(defaultPROnFailure))),
		Workflows: task.workflows.or(defaults.workflows).get(false),
	}
}

// checkDraftAfterRollback reports a task that would open a draft pull
// request of a branch its on_failure: rollback has just emptied. The
// problem is reported at the task's own setting of either key, or else at
// the defaults' pr.on_failure, once.
func (w *walker) checkDraftAfterRollback(s scope, task, defaults layer, t Task) {
	if t.OnFailure != OnFailureRollback || t.PR.OnFailure != PROnFailureDraft {
		return
	}
	at := where(task.pr.onFailure)
	if !at.set {
		at = where(task.onFailure)
	}
	if !at.set {
		at = where(defaults.pr.onFailure)
	}
	if !at.set {
		at = written{set: true, key: s.node, path: s.path}
	}
	const msg = "pr.on_failure: draft would open a draft of a branch that on_failure: rollback has reset to its start; set on_failure: keep, or pr.on_failure: none"
	for _, e := range w.errs {
		if e.Msg == msg && e.Field == at.path && e.Line == at.key.Line && e.Col == at.key.Column {
			return
		}
	}
	w.errorf(at.key, at.path, "%s", msg)
}
