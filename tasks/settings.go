package tasks

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// layer is the settings written at one level: the defaults, or one task.
// Each is read and checked on its own; combining them is merge's job.
type layer struct {
	broken    bool // the level is present but not a mapping; its settings are unknown
	model     modelLayer
	approval  opt[string]
	tools     opt[[]string]
	allow     opt[[]string]
	deny      opt[[]string]
	env       envLayer
	limits    limitsLayer
	checks    checksLayer
	onFailure opt[string]
	git       gitLayer
	pr        prLayer
	prompt    promptLayer
}

type modelLayer struct {
	node            *yaml.Node // the model mapping; nil when absent
	broken          bool       // model is present but not a mapping
	provider        opt[string]
	name            opt[string]
	baseURL         opt[string]
	apiKeyEnv       opt[string]
	maxOutputTokens opt[int]
	stream          opt[bool]
	transcript      opt[string] // absolute path once valid
	pricing         opt[Pricing]
	contextWindow   opt[int]
}

type limitsLayer struct {
	maxSteps    opt[int]
	maxTokens   opt[int]
	maxCostUSD  opt[float64]
	timeout     opt[time.Duration]
	bashTimeout opt[time.Duration]
}

// checksLayer is the checks mapping of one level.
type checksLayer struct {
	node     *yaml.Node // the checks mapping; nil when absent or not a mapping
	path     string
	commands opt[[]string]
	attempts opt[int]
	timeout  opt[time.Duration]
}

type gitLayer struct {
	branch    opt[string]
	dirty     opt[string]
	ret       opt[bool]
	maxFileMB opt[int]
}

// layer reads the settings among fs.
func (w *walker) layer(fs fields) layer {
	var l layer
	if f, ok := fs["model"]; ok {
		l.model = w.model(f)
	}
	if f, ok := fs["approval"]; ok {
		l.approval = w.oneOf(f, approvalEnum())
	}
	if f, ok := fs["tools"]; ok {
		l.tools = w.tools(f)
	}
	if f, ok := fs["allow"]; ok {
		l.allow = w.rules(f)
	}
	if f, ok := fs["deny"]; ok {
		l.deny = w.rules(f)
	}
	if f, ok := fs["env"]; ok {
		l.env = w.env(f)
	}
	if f, ok := fs["limits"]; ok {
		l.limits = w.limits(f)
	}
	if f, ok := fs["checks"]; ok {
		l.checks = w.checks(f)
	}
	if f, ok := fs["on_failure"]; ok {
		l.onFailure = w.oneOf(f, onFailureEnum())
	}
	if f, ok := fs["git"]; ok {
		l.git = w.git(f)
	}
	if f, ok := fs["pr"]; ok {
		l.pr = w.pr(f)
	}
	l.prompt = w.promptSettings(fs)
	return l
}

func (w *walker) model(f field) modelLayer {
	fs, node, ok := w.mapping(f.value, f.path, modelKeys())
	if !ok {
		return modelLayer{broken: true}
	}
	m := modelLayer{node: node}
	if f, ok := fs["provider"]; ok {
		m.provider = w.oneOf(f, providerEnum())
	}
	if f, ok := fs["name"]; ok {
		m.name = w.text(f)
	}
	if f, ok := fs["base_url"]; ok {
		m.baseURL = w.baseURL(f)
	}
	if f, ok := fs["api_key_env"]; ok {
		m.apiKeyEnv = w.keyEnvName(f)
		if m.apiKeyEnv.ok && m.apiKeyEnv.v != "" {
			w.noteKeyEnv(m.apiKeyEnv.v)
		}
	}
	if f, ok := fs["max_output_tokens"]; ok {
		m.maxOutputTokens = w.intRange(f, 1, maxOutputTokensLimit)
	}
	if f, ok := fs["stream"]; ok {
		m.stream = w.boolean(f)
	}
	if f, ok := fs["transcript"]; ok {
		m.transcript = w.transcript(f)
	}
	if f, ok := fs["pricing"]; ok {
		m.pricing = w.pricing(f)
	}
	if f, ok := fs["context_window"]; ok {
		m.contextWindow = w.intRange(f, minContextWindow, maxContextWindow)
	}
	return m
}

// pricing reads a model's price in US dollars per million tokens: input
// and output are required, the cache prices default to 0, and none is
// negative.
func (w *walker) pricing(f field) opt[Pricing] {
	fs, node, ok := w.mapping(f.value, f.path, pricingKeys())
	o := opt[Pricing]{set: true, key: f.key, node: node, path: f.path}
	if !ok {
		return o
	}
	valid := true
	var p Pricing
	for _, price := range []struct {
		key      string
		dst      *float64
		required bool
	}{
		{"input", &p.Input, true},
		{"output", &p.Output, true},
		{"cache_read", &p.CacheRead, false},
		{"cache_write", &p.CacheWrite, false},
	} {
		pf, present := fs[price.key]
		if !present {
			if price.required {
				w.errorf(node, f.path, "missing required key %q: the price of a million %s tokens in US dollars", price.key, price.key)
				valid = false
			}
			continue
		}
		n := w.number(pf)
		if n.ok && n.v < 0 {
			w.errorf(n.node, pf.path, "must be 0 or more, got %s", clip(n.node.Value))
			n.ok = false
		}
		if !n.ok {
			valid = false
			continue
		}
		*price.dst = n.v
	}
	o.v, o.ok = p, valid
	return o
}

// baseURL reads an API base URL: "" (the provider's own) or an absolute
// http(s) URL without query, fragment or credentials, because the client
// appends the endpoint path to it and keys belong in api_key_env.
func (w *walker) baseURL(f field) opt[string] {
	o := w.str(f)
	if !o.ok || o.v == "" {
		return o
	}
	// A URL with an "@" may carry a password or token: never repeat it.
	got := ", got " + quote(o.v)
	if strings.Contains(o.v, "@") {
		got = ""
	}
	u, err := url.Parse(o.v)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		w.errorf(o.node, f.path, "expected an absolute http or https URL such as https://api.anthropic.com%s", got)
	case u.User != nil:
		w.errorf(o.node, f.path, "expected a URL without credentials; put the key in the variable named by api_key_env, and rotate it if it was committed")
	case u.RawQuery != "" || u.ForceQuery:
		w.errorf(o.node, f.path, "expected a URL without a query (?...)%s", got)
	case u.Fragment != "" || strings.HasSuffix(o.v, "#"):
		w.errorf(o.node, f.path, "expected a URL without a fragment (#...)%s", got)
	default:
		return o
	}
	o.ok = false
	return o
}

// envVarName is a portable environment variable name.
var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envName reads the name (never the value) of an environment variable.
// keyEnvName reads model.api_key_env: a variable's name, or "" for a
// server that takes no key (a local vLLM or llama.cpp behind provider
// openai), which then gets no Authorization header.
func (w *walker) keyEnvName(f field) opt[string] {
	if o := w.str(f); o.ok && o.v == "" {
		return o
	}
	return w.envName(f)
}

func (w *walker) envName(f field) opt[string] {
	o := w.str(f)
	if o.ok && !envVarName.MatchString(o.v) {
		// The value is not repeated: it may be the key itself.
		w.errorf(o.node, f.path, "expected the name of the environment variable holding the key (letters, digits and _, not starting with a digit); if this is the key itself, remove it from the file and rotate it")
		o.ok = false
	}
	return o
}

// transcript reads a replay transcript path, resolved against the task
// file's directory so the file works from any working directory. A missing
// file is reported at the key, where the user will look for the setting.
func (w *walker) transcript(f field) opt[string] {
	o := w.text(f)
	if !o.ok {
		return o
	}
	p := o.v
	if !filepath.IsAbs(p) {
		p = filepath.Join(w.dir, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		w.errorf(f.key, f.path, "cannot resolve transcript path %s: %s", quote(o.v), oneLine(err.Error()))
		o.ok = false
		return o
	}
	where := ""
	if abs != o.v {
		where = fmt.Sprintf(" (looked for %s)", oneLine(abs))
	}
	info, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.errorf(f.key, f.path, "transcript file %s does not exist%s; relative paths start at the task file's directory", quote(o.v), where)
		o.ok = false
	case err != nil:
		w.errorf(f.key, f.path, "cannot read transcript file %s%s: %s", quote(o.v), where, oneLine(err.Error()))
		o.ok = false
	case !info.Mode().IsRegular():
		w.errorf(f.key, f.path, "transcript %s%s is not a regular file", quote(o.v), where)
		o.ok = false
	default:
		o.v = abs
	}
	return o
}

// tools reads the tools offered to the model: known names, each once.
func (w *walker) tools(f field) opt[[]string] {
	items, node, ok := w.seq(f)
	o := opt[[]string]{set: true, key: f.key, node: node, path: f.path}
	if !ok {
		return o
	}
	if len(items) == 0 {
		w.errorf(node, f.path, "must list at least one tool; known tools are %s", strings.Join(ToolNames(), ", "))
		return o
	}
	o.v, _, o.ok = w.distinct(items, func(item field) opt[string] {
		return w.oneOf(item, toolEnum())
	}, func(v string, firstLine int) string {
		return fmt.Sprintf("duplicate tool %q (first at line %d); list each tool once", v, firstLine)
	})
	return o
}

func (w *walker) limits(f field) limitsLayer {
	fs, _, ok := w.mapping(f.value, f.path, limitsKeys())
	if !ok {
		return limitsLayer{}
	}
	var l limitsLayer
	if f, ok := fs["max_steps"]; ok {
		l.maxSteps = w.intRange(f, 1, maxStepsLimit)
	}
	if f, ok := fs["max_tokens"]; ok {
		l.maxTokens = w.intAtLeast(f, 1)
	}
	if f, ok := fs["max_cost_usd"]; ok {
		l.maxCostUSD = w.number(f)
		if c := l.maxCostUSD; c.ok && c.v <= 0 {
			w.errorf(c.node, f.path, "must be more than 0, got %s; remove the key for no cost limit", clip(c.node.Value))
			l.maxCostUSD.ok = false
		}
	}
	if f, ok := fs["timeout"]; ok {
		l.timeout = w.duration(f, maxTaskTimeout)
	}
	if f, ok := fs["bash_timeout"]; ok {
		l.bashTimeout = w.duration(f, maxBashTimeout)
	}
	return l
}

// checks reads the checks mapping: the command lines to run after the
// agent, how many rounds of fixing a failure gets and each command's
// timeout. Whether commands are present at all is only known once the
// defaults are merged in.
func (w *walker) checks(f field) checksLayer {
	fs, node, ok := w.mapping(f.value, f.path, checksKeys())
	if !ok {
		return checksLayer{}
	}
	c := checksLayer{node: node, path: f.path}
	if f, ok := fs["commands"]; ok {
		c.commands = w.commands(f)
	}
	if f, ok := fs["attempts"]; ok {
		c.attempts = w.intAtLeast(f, 0)
	}
	if f, ok := fs["timeout"]; ok {
		c.timeout = w.duration(f, maxCheckTimeout)
	}
	return c
}

// commands reads a non-empty list of command lines, none of them blank.
func (w *walker) commands(f field) opt[[]string] {
	items, node, ok := w.seq(f)
	o := opt[[]string]{set: true, key: f.key, node: node, path: f.path}
	if !ok {
		return o
	}
	if len(items) == 0 {
		w.errorf(node, f.path, "must list at least one command, e.g. [\"go test ./...\"]; remove checks for no checks")
		return o
	}
	valid := true
	out := make([]string, 0, len(items))
	for _, item := range items {
		s := w.text(item)
		if !s.ok {
			valid = false
			continue
		}
		out = append(out, s.v)
	}
	o.v, o.ok = out, valid
	return o
}

func (w *walker) git(f field) gitLayer {
	fs, _, ok := w.mapping(f.value, f.path, gitKeys())
	if !ok {
		return gitLayer{}
	}
	var g gitLayer
	if f, ok := fs["branch"]; ok {
		g.branch = w.text(f)
		if g.branch.ok {
			if problem := checkTemplate(g.branch.v); problem != "" {
				w.errorf(g.branch.node, f.path, "%s", problem)
				g.branch.ok = false
			}
		}
	}
	if f, ok := fs["dirty"]; ok {
		g.dirty = w.oneOf(f, dirtyEnum())
	}
	if f, ok := fs["return"]; ok {
		g.ret = w.boolean(f)
	}
	if f, ok := fs["max_file_mb"]; ok {
		g.maxFileMB = w.intRange(f, 1, maxFileMBLimit)
	}
	return g
}
