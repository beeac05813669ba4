package tasks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// nestedKeySets maps each setting that is a mapping to the keys the parser
// takes in it, so the coverage test can walk the whole schema.
func nestedKeySets() map[string]keySet {
	return map[string]keySet{
		"model":         modelKeys(),
		"model.pricing": pricingKeys(),
		"env":           envKeys(),
		"limits":        limitsKeys(),
		"checks":        checksKeys(),
		"git":           gitKeys(),
		"pr":            prKeys(),
	}
}

// parserKeys returns every key path the parser accepts, by scope.
func parserKeys(t *testing.T) map[KeyScope][]string {
	t.Helper()
	out := map[KeyScope][]string{ScopeRoot: rootKeys().known}
	settings := defaultsKeys().known
	for _, k := range taskKeys().known {
		if !slices.Contains(settings, k) {
			out[ScopeTask] = append(out[ScopeTask], k)
		}
	}
	for _, k := range settings {
		if !slices.Contains(taskKeys().known, k) {
			t.Errorf("setting %q is taken in defaults but not on a task", k)
		}
	}
	nested := nestedKeySets()
	var walk func(prefix string, keys []string)
	walk = func(prefix string, keys []string) {
		for _, k := range keys {
			p := joinPath(prefix, k)
			out[ScopeSetting] = append(out[ScopeSetting], p)
			if ks, ok := nested[p]; ok {
				walk(p, ks.known)
			}
		}
	}
	walk("", settings)
	return out
}

func TestReferenceCoversExactlyTheParsersKeys(t *testing.T) {
	t.Parallel()
	want := parserKeys(t)
	got := map[KeyScope][]string{}
	for _, k := range Reference() {
		got[k.Scope] = append(got[k.Scope], k.Path)
	}
	for _, scope := range []KeyScope{ScopeRoot, ScopeTask, ScopeSetting} {
		for _, p := range want[scope] {
			if !slices.Contains(got[scope], p) {
				t.Errorf("the parser takes %s key %q but Reference has no entry for it; document it in tasks/reference.go", scope, p)
			}
		}
		for _, p := range got[scope] {
			if !slices.Contains(want[scope], p) {
				t.Errorf("Reference documents %s key %q, which the parser does not take", scope, p)
			}
		}
	}
	for _, k := range Reference() {
		_, nested := nestedKeySets()[k.Path]
		if k.Scope == ScopeSetting && (k.Type == TypeObject) != nested {
			t.Errorf("%s: Type %s, but nestedKeySets says nested=%t; a mapping setting needs its keySet listed there", k.Path, k.Type, nested)
		}
	}
}

func TestReferenceEntriesAreComplete(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, k := range Reference() {
		id := string(k.Scope) + ":" + k.Path
		if seen[id] {
			t.Errorf("%s is listed twice", id)
		}
		seen[id] = true
		if k.Description == "" || k.Example == "" {
			t.Errorf("%s: needs a description and an example", id)
		}
		if !strings.HasSuffix(k.Description, ".") {
			t.Errorf("%s: description %q is not a sentence ending in a period", id, k.Description)
		}
		if (k.Type == TypeArray) != (k.Items != "") {
			t.Errorf("%s: Items must be set exactly for arrays", id)
		}
		if k.Default != nil && k.DefaultNote != "" {
			t.Errorf("%s: has both Default and DefaultNote", id)
		}
		if parent, _, ok := cutLast(k.Path); ok && !seen[string(k.Scope)+":"+parent] {
			t.Errorf("%s is listed before its parent %s", id, parent)
		}
	}
}

// cutLast splits a dotted path at its last dot.
func cutLast(p string) (parent, key string, ok bool) {
	i := strings.LastIndex(p, ".")
	if i < 0 {
		return "", p, false
	}
	return p[:i], p[i+1:], true
}

func TestReferenceEnumsAreTheParsers(t *testing.T) {
	t.Parallel()
	enums := map[string]enum{
		"model.provider":    providerEnum(),
		"approval":          approvalEnum(),
		"tools":             toolEnum(),
		"on_failure":        onFailureEnum(),
		"git.dirty":         dirtyEnum(),
		"pr.on_failure":     prOnFailureEnum(),
		"instructions_from": instructionsFromEnum(),
	}
	for _, k := range Reference() {
		e, ok := enums[k.Path]
		if !ok {
			if k.Enum != nil {
				t.Errorf("%s: Reference lists an enum, but the test knows no parser enum for it; add it to this test", k.Path)
			}
			continue
		}
		if !slices.Equal(k.Enum, e.values) {
			t.Errorf("%s: Reference enum %q, parser enum %q", k.Path, k.Enum, e.values)
		}
		delete(enums, k.Path)
	}
	for p := range enums {
		t.Errorf("parser enum of %s has no Reference key", p)
	}
}

// exampleFile returns a valid task file whose key k is set to value, a YAML
// text, with what the key needs around it (a model name, a transcript
// file, check commands).
func exampleFile(t *testing.T, dir string, k Key, value string) []byte {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(value), &v); err != nil {
		t.Fatalf("%s: value %q is not YAML: %v", k.Path, value, err)
	}
	model := map[string]any{"provider": "anthropic", "name": "claude-sonnet-4-5"}
	task := map[string]any{"name": "t", "prompt": "p", "model": model}
	root := map[string]any{"version": 1, "tasks": []any{task}}
	switch k.Scope {
	case ScopeRoot:
		root[k.Path] = v
		if k.Path == "tasks" {
			root["defaults"] = map[string]any{"model": map[string]any{"name": "claude-sonnet-4-5"}}
		}
	case ScopeTask:
		if k.Path == "prompts" || k.Path == "command" {
			delete(task, "prompt")
		}
		if k.Path == "args" {
			delete(task, "prompt")
			task["command"] = "update-docs"
		}
		task[k.Path] = v
	case ScopeSetting:
		m := task
		parts := strings.Split(k.Path, ".")
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
		if strings.HasPrefix(k.Path, "checks.") && k.Path != "checks.commands" {
			task["checks"].(map[string]any)["commands"] = []any{"true"}
		}
		if strings.HasPrefix(k.Path, "model.pricing.") {
			pricing := model["pricing"].(map[string]any)
			for _, req := range []string{"input", "output"} {
				if _, ok := pricing[req]; !ok {
					pricing[req] = 1
				}
			}
		}
		if k.Path == "model.transcript" || (k.Path == "model.provider" && v == "replay") {
			model["provider"] = "replay"
			if k.Path != "model.transcript" {
				model["transcript"] = "session.jsonl"
			}
			name, _ := model["transcript"].(string)
			if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	data, err := yaml.Marshal(root)
	if err != nil {
		t.Fatalf("%s: %v", k.Path, err)
	}
	return data
}

func TestReferenceExamplesParse(t *testing.T) {
	t.Parallel()
	for _, k := range Reference() {
		t.Run(string(k.Scope)+":"+k.Path, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			data := exampleFile(t, dir, k, k.Example)
			if _, err := Parse(filepath.Join(dir, "tasks.yaml"), data); err != nil {
				t.Errorf("example %s does not parse:\n%s\n%v", k.Example, data, err)
			}
		})
	}
}

func TestReferenceEnumValuesParse(t *testing.T) {
	t.Parallel()
	for _, k := range Reference() {
		if k.Enum == nil {
			continue
		}
		for _, value := range append(slices.Clone(k.Enum), "not-a-value") {
			t.Run(k.Path+"="+value, func(t *testing.T) {
				t.Parallel()
				written := value
				if k.Type == TypeArray {
					written = "[" + value + "]"
				}
				dir := t.TempDir()
				_, err := Parse(filepath.Join(dir, "tasks.yaml"), exampleFile(t, dir, k, written))
				if valid := value != "not-a-value"; valid != (err == nil) {
					t.Errorf("Parse(%s: %s) = %v; want valid=%t", k.Path, written, err, valid)
				}
			})
		}
	}
}

// taskValues returns, for each key with a default, the merged Task's
// value of it.
func taskValues(t Task) map[string]any {
	return map[string]any{
		"args":                      t.Args,
		"model.provider":            string(t.Model.Provider),
		"model.max_output_tokens":   t.Model.MaxOutputTokens,
		"model.stream":              t.Model.Stream,
		"model.pricing.cache_read":  t.Model.Pricing.CacheRead,
		"model.pricing.cache_write": t.Model.Pricing.CacheWrite,
		"approval":                  string(t.Approval),
		"tools":                     t.Tools,
		"allow":                     t.Allow,
		"deny":                      t.Deny,
		"env.pass":                  t.Env.Pass,
		"env.drop":                  t.Env.Drop,
		"limits.max_steps":          t.Limits.MaxSteps,
		"limits.bash_timeout":       t.Limits.BashTimeout,
		"checks.attempts":           t.Checks.Attempts,
		"checks.timeout":            t.Checks.Timeout,
		"on_failure":                string(t.OnFailure),
		"git.branch":                t.Git.Branch,
		"git.dirty":                 t.Git.Dirty,
		"git.return":                t.Git.Return,
		"git.max_file_mb":           t.Git.MaxFileMB,
		"pr.open":                   t.PR.Open,
		"pr.title":                  t.PR.Title,
		"pr.draft":                  t.PR.Draft,
		"pr.labels":                 t.PR.Labels,
		"pr.reviewers":              t.PR.Reviewers,
		"pr.base":                   t.PR.Base,
		"pr.remote":                 t.PR.Remote,
		"pr.token_env":              t.PR.TokenEnv,
		"pr.on_failure":             string(t.PR.OnFailure),
		"pr.workflows":              t.PR.Workflows,
		"instructions_from":         string(t.InstructionsFrom),
	}
}

// normalize turns a value into its JSON form, durations into the way a
// task file writes them and nil lists into empty ones, so a Task's value
// compares with a Key's Default.
func normalize(t *testing.T, v any) string {
	t.Helper()
	switch x := v.(type) {
	case time.Duration:
		v = formatDuration(x)
	case []string:
		if x == nil {
			v = []string{}
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestReferenceDefaultsAreTheParsers(t *testing.T) {
	t.Parallel()
	// The smallest file, but for a price whose cache prices default.
	f := mustParse(t, "tasks.yaml", lines(
		"version: 1",
		"tasks:",
		"  - name: t",
		"    prompt: p",
		"    model: {name: claude-sonnet-4-5, pricing: {input: 1, output: 2}}",
	))
	got := taskValues(f.Tasks[0])
	for _, k := range Reference() {
		if k.Default == nil || k.Scope == ScopeRoot {
			continue
		}
		v, ok := got[k.Path]
		if !ok {
			t.Errorf("%s has Default %v, but the test cannot read it from a Task; add it to taskValues", k.Path, k.Default)
			continue
		}
		if g, w := normalize(t, v), normalize(t, k.Default); g != w {
			t.Errorf("%s: parser default %s, Reference default %s", k.Path, g, w)
		}
		delete(got, k.Path)
	}
	for p := range got {
		t.Errorf("taskValues reads %s, which has no Default in Reference", p)
	}
}
