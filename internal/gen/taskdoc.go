package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/safe-coder/safe-coder/tasks"
)

// taskDoc renders docs/task-file.md from tasks.Reference.
func taskDoc() []byte {
	keys := tasks.Reference()
	var b bytes.Buffer
	b.WriteString(taskDocIntro)
	for _, sec := range []struct {
		scope        tasks.KeyScope
		title, intro string
		prefix       string
	}{
		{tasks.ScopeRoot, "Top level", "", ""},
		{tasks.ScopeTask, "Task keys", "Written only on an item of `tasks:`.", "tasks[]."},
		{tasks.ScopeSetting, "Settings", "Written under `defaults:` (for every task) or on an item of `tasks:` (for that task); see [Merging](#merging).", ""},
	} {
		fmt.Fprintf(&b, "\n## %s\n\n", sec.title)
		if sec.intro != "" {
			b.WriteString(sec.intro + "\n\n")
		}
		b.WriteString("| Key | Type | Default | Description | Example |\n|---|---|---|---|---|\n")
		for _, k := range keys {
			if k.Scope != sec.scope {
				continue
			}
			fmt.Fprintf(&b, "| `%s%s` | %s | %s | %s | %s |\n",
				sec.prefix, k.Path, cell(typeText(k)), cell(defaultText(k)), cell(k.Description), cell(code(k.Example)))
		}
	}
	b.WriteString(taskDocMerging)
	return b.Bytes()
}

// typeText describes a key's type and bounds for people.
func typeText(k tasks.Key) string {
	var t string
	switch k.Type {
	case tasks.TypeArray:
		t = "list of " + itemText(k, k.Items)
		if k.MinItems > 0 {
			t += fmt.Sprintf(", at least %d", k.MinItems)
		}
		if k.UniqueItems {
			t += ", no repeats"
		}
		return t
	case tasks.TypeObject:
		t = "mapping"
		if len(k.Required) > 0 {
			t += " (requires " + strings.Join(k.Required, ", ") + ")"
		}
		return t
	}
	return itemText(k, k.Type)
}

// itemText describes one value of type t with k's constraints.
func itemText(k tasks.Key, t tasks.JSONType) string {
	switch t {
	case tasks.TypeString:
		switch {
		case k.Enum != nil:
			return "one of " + strings.Join(codes(k.Enum), ", ")
		case strings.Contains(k.Pattern, "(ns|us|"):
			return "duration (`90s`, `30m`, `1h30m`)"
		}
		if k.MaxLength > 0 {
			return fmt.Sprintf("string (at most %d characters)", k.MaxLength)
		}
		return "string"
	case tasks.TypeInteger, tasks.TypeNumber:
		name := string(t)
		switch {
		case k.Minimum != nil && k.Maximum != nil && *k.Minimum == *k.Maximum:
			return fmt.Sprintf("%s, %s", name, number(*k.Minimum))
		case k.Minimum != nil && k.Maximum != nil:
			return fmt.Sprintf("%s, %s to %s", name, number(*k.Minimum), number(*k.Maximum))
		case k.Minimum != nil:
			return fmt.Sprintf("%s, at least %s", name, number(*k.Minimum))
		case k.ExclusiveMinimum != nil:
			return fmt.Sprintf("%s, more than %s", name, number(*k.ExclusiveMinimum))
		}
		return name
	case tasks.TypeObject:
		return "mapping"
	}
	return string(t)
}

// defaultText writes a key's default for people.
func defaultText(k tasks.Key) string {
	if k.DefaultNote != "" {
		return k.DefaultNote
	}
	if k.Default == nil {
		return "—"
	}
	if s, ok := k.Default.(string); ok && s == "" {
		return `""`
	}
	data, err := json.Marshal(k.Default)
	if err != nil {
		return fmt.Sprint(k.Default)
	}
	s := string(data)
	if str, ok := k.Default.(string); ok {
		s = str
	}
	return code(s)
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func code(s string) string { return "`" + s + "`" }

func codes(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = code(s)
	}
	return out
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

const taskDocIntro = `<!-- Generated from tasks/reference.go by ` + "`go generate ./tasks`" + `; do not edit. -->
# Task file reference

A task file is YAML, schema version 1: what the agent is asked to do, which
model answers, and what it may touch. ` + "`safe-coder validate FILE`" + ` checks one
without running anything; ` + "`safe-coder run FILE`" + ` refuses a file with any
problem (exit 2) and names every problem as ` + "`file:line:col: field: message`" + `.

The parser is strict: an unknown or misspelled key is an error (with the
closest known key suggested), and so is a value of the wrong type. Numbers
are decimal; durations are Go durations with a unit (` + "`90s`, `2m`, `1h30m`" + `;
a bare ` + "`90`" + ` is an error). Booleans are ` + "`true`" + ` and ` + "`false`" + ` only:
YAML 1.1 words such as ` + "`yes`" + ` and ` + "`on`" + ` are refused where a boolean or a
word from a fixed set is expected, because other tools read them as booleans.
Merge keys (` + "`<<`" + `) are not supported; use ` + "`defaults:`" + `.

Editors that use yaml-language-server (VS Code's YAML extension, and
others) validate and complete a task file that starts with

` + "```yaml" + `
# yaml-language-server: $schema=https://raw.githubusercontent.com/safe-coder/safe-coder/main/schema/tasks.schema.json
` + "```" + `

The schema (` + "[`schema/tasks.schema.json`](../schema/tasks.schema.json)" + `) is
generated from the same table as this page. It checks each key and value on
its own; ` + "`safe-coder validate`" + ` also checks what depends on several keys
(a key that does not apply to the provider, a cost limit without a price,
rule syntax, branch names), so it is the authority.

` + "```yaml" + `
version: 1
defaults:
  model: {provider: anthropic, name: claude-sonnet-5-5}
  approval: auto-edit
  allow: ["bash(go test ./...)"]
  checks: {commands: ["go test ./..."]}
tasks:
  - name: fix-vet
    prompt: Fix every warning go vet ./... prints.
` + "```" + `
`

const taskDocMerging = `
## Merging

Each task gets the defaults' settings, overridden by its own:

- ` + "`model`, `limits`, `checks`, `git`, `env` and `pr`" + ` merge key by key; a
  list inside them (` + "`checks.commands`, `pr.labels`" + `, ...) is replaced, not added to.
- Lists that grant are replaced by a task's list: ` + "`allow`" + ` (an empty list on a task
  clears the defaults' rules), ` + "`tools`, `env.pass`, `instructions`" + `.
- Lists that restrict are added to: a task's ` + "`deny`" + ` rules and ` + "`env.drop`" + `
  names join the defaults', so a task never loses a denial by adding one. A
  variable both passed and dropped is dropped.
- A task inherits the endpoint (` + "`model.base_url`, `model.api_key_env`" + `) only when
  it uses the defaults' provider, so a key is never sent to another provider's
  server, and the model's description (` + "`model.pricing`, `model.context_window`" + `)
  only when it also uses the defaults' model name, so a price never applies to
  another model.
- ` + "`base_url`, `api_key_env` and `stream`" + ` apply to anthropic, openai and ollama;
  ` + "`transcript`" + ` only to replay. Setting one where it does not apply is an error.
- ` + "`limits.max_cost_usd`" + ` needs a known price for the task's model (built in, or
  ` + "`model.pricing`" + `): a budget that cannot be measured is a file error.
- A task with a ` + "`checks`" + ` mapping needs check commands, its own or the
  defaults'. ` + "`pr.on_failure: draft`" + ` cannot go with ` + "`on_failure: rollback`" + `.
- ` + "`env.pass`" + ` never names a provider's key variable (any ` + "`api_key_env`" + ` of the
  file, ` + "`ANTHROPIC_API_KEY`, `OPENAI_API_KEY`" + `) or a ` + "`pr.token_env`" + ` variable.

Templates: ` + "`git.branch`" + ` and ` + "`pr.title`" + ` take ` + "`{task}`" + ` (the task's name),
` + "`{run}`" + ` (the run id) and ` + "`{date}`" + ` (UTC, ` + "`YYYYMMDD`" + `); the branch template
must contain ` + "`{run}`" + ` so two runs never share a branch.

Prompts: ` + "`@path`" + ` in a prompt brings in a file's content (or a directory's
listing) and ` + "``!`cmd` ``" + ` runs a command of the author's and brings in its
output; a prompt starting with ` + "`/NAME`" + ` runs the custom command
` + "`.safe-coder/commands/NAME.md`" + ` like ` + "`command:`" + ` does.
`
