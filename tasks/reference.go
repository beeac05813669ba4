package tasks

import (
	"strings"

	"github.com/safe-coder/safe-coder/runner/prompt"
)

//go:generate go run github.com/safe-coder/safe-coder/internal/gen -root ..

// KeyScope says where in a task file a key is written.
type KeyScope string

// The scopes of Reference's keys.
const (
	// ScopeRoot keys sit at the top level of the file.
	ScopeRoot KeyScope = "root"
	// ScopeTask keys sit only on an item of tasks.
	ScopeTask KeyScope = "task"
	// ScopeSetting keys sit under defaults and on an item of tasks; a
	// task's setting wins over the default one.
	ScopeSetting KeyScope = "setting"
)

// JSONType is a value's type as JSON Schema names it.
type JSONType string

// The JSON types a task file's values take.
const (
	TypeString  JSONType = "string"
	TypeInteger JSONType = "integer"
	TypeNumber  JSONType = "number"
	TypeBoolean JSONType = "boolean"
	TypeArray   JSONType = "array"
	TypeObject  JSONType = "object"
)

// Key documents one key of schema version 1: the reference page and the
// JSON Schema are generated from these, and tests hold them to what the
// parser accepts.
type Key struct {
	// Path is the dotted path within Scope: "model.pricing.input" is
	// written as defaults.model.pricing.input and tasks[].model.pricing.input.
	Path  string
	Scope KeyScope
	Type  JSONType
	// Items is the type of an array's items; "" for other types.
	Items JSONType
	// Enum lists the values a string (or each item of an array) may take.
	Enum []string
	// Pattern is a regular expression, valid in RE2 and ECMAScript, that a
	// string (or each item of an array) must match.
	Pattern string
	// Minimum, ExclusiveMinimum and Maximum bound a number; nil is no bound.
	Minimum, ExclusiveMinimum, Maximum *float64
	// MinItems is the fewest items an array takes; UniqueItems forbids
	// repeating one.
	MinItems    int
	UniqueItems bool
	// MaxLength bounds each string item of an array, in characters; 0 is
	// no bound.
	MaxLength int
	// Required lists the keys an object must have.
	Required []string
	// Default is the JSON value the parser applies when the key is absent;
	// nil when there is none or when it depends on other keys, which
	// DefaultNote then explains.
	Default     any
	DefaultNote string
	// Description is one sentence for people and editors.
	Description string
	// Example is a valid value, written in YAML.
	Example string
}

// Reference returns every key of schema version 1, parents before their
// children. The slice is fresh on every call.
func Reference() []Key {
	keys := []Key{
		{Path: "version", Scope: ScopeRoot, Type: TypeInteger, Minimum: num(1), Maximum: num(1),
			Description: "The schema version of the file; required, and 1 is the only one.", Example: "1"},
		{Path: "defaults", Scope: ScopeRoot, Type: TypeObject,
			Description: "Settings every task gets unless it sets them itself.",
			Example:     "{approval: auto-edit, limits: {max_steps: 20}}"},
		{Path: "tasks", Scope: ScopeRoot, Type: TypeArray, Items: TypeObject, MinItems: 1,
			Description: "The tasks, run in this order; required, with at least one task.",
			Example:     "[{name: fix-vet, prompt: Fix what go vet reports.}]"},

		{Path: "name", Scope: ScopeTask, Type: TypeString, Pattern: taskNamePattern.String(),
			Description: "The task's unique name, used in branch names, reports and --task; 1 to 64 letters, digits, '.', '_' or '-'.",
			Example:     "fix-vet"},
		{Path: "prompt", Scope: ScopeTask, Type: TypeString, Pattern: `\S`,
			Description: "What the agent is asked to do; a task has exactly one of prompt, prompts and command.",
			Example:     "Fix every warning go vet ./... prints."},
		{Path: "prompts", Scope: ScopeTask, Type: TypeArray, Items: TypeString, Pattern: `\S`, MinItems: 1,
			Description: "Several prompts, each sent when the agent has answered the one before.",
			Example:     "[Summarize the changes since the last tag., Add them to CHANGELOG.md.]"},
		{Path: "command", Scope: ScopeTask, Type: TypeString, Pattern: taskNamePattern.String(),
			Description: "A custom command to run instead of a prompt: NAME is the repository's .safe-coder/commands/NAME.md.",
			Example:     "update-docs"},
		{Path: "args", Scope: ScopeTask, Type: TypeString,
			Description: "The arguments of command, replacing {{args}} (and named placeholders, word by word) in its text; only with command.",
			Default:     "", Example: "install section"},

		{Path: "model", Scope: ScopeSetting, Type: TypeObject,
			Description: "Which model answers the task and how to reach it; merged with the defaults' model key by key.",
			Example:     "{provider: anthropic, name: claude-sonnet-5-5}"},
		{Path: "model.provider", Scope: ScopeSetting, Type: TypeString, Enum: providerEnum().values, Default: string(defaultProvider),
			Description: "The API the model is reached through; openai also covers any server speaking the OpenAI Chat Completions API.",
			Example:     "openai"},
		{Path: "model.name", Scope: ScopeSetting, Type: TypeString, Pattern: `\S`, DefaultNote: "none: required for every provider but replay",
			Description: "The model's name as the provider's API takes it.",
			Example:     "claude-sonnet-5-5"},
		{Path: "model.base_url", Scope: ScopeSetting, Type: TypeString, Pattern: `^(https?://[^/?#\s]+[^?#\s]*)?$`,
			DefaultNote: "anthropic: https://api.anthropic.com; openai: https://api.openai.com/v1; ollama: " + defaultOllamaBaseURL,
			Description: "The API's base URL, to which the client adds /v1/messages (anthropic) or /chat/completions (openai, ollama); not for replay.",
			Example:     "http://localhost:8000/v1"},
		{Path: "model.api_key_env", Scope: ScopeSetting, Type: TypeString, Pattern: `^$|` + envVarName.String(),
			DefaultNote: "anthropic: " + defaultAnthropicKeyEnv + "; openai: " + defaultOpenAIKeyEnv + "; ollama: none (no key is sent)",
			Description: "The NAME of the environment variable holding the API key, never the key; \"\" for a server that takes no key; not for replay.",
			Example:     "OPENROUTER_API_KEY"},
		{Path: "model.max_output_tokens", Scope: ScopeSetting, Type: TypeInteger, Minimum: num(1), Maximum: num(maxOutputTokensLimit),
			Default: defaultMaxOutputTokens, Description: "The most tokens the model may write in one turn.", Example: "4096"},
		{Path: "model.stream", Scope: ScopeSetting, Type: TypeBoolean, Default: defaultStream,
			Description: "Whether the provider streams its answers, which keeps slow turns from hitting proxy timeouts; not for replay.",
			Example:     "false"},
		{Path: "model.transcript", Scope: ScopeSetting, Type: TypeString, Pattern: `\S`, DefaultNote: "none: required for replay",
			Description: "replay only: the recorded session to answer from, relative to the task file's directory.",
			Example:     "transcript.jsonl"},
		{Path: "model.pricing", Scope: ScopeSetting, Type: TypeObject, Required: []string{"input", "output"},
			DefaultNote: "the built-in price table for the provider and name",
			Description: "The model's price in US dollars per million tokens, for the report's cost and limits.max_cost_usd.",
			Example:     "{input: 3, output: 15, cache_read: 0.3, cache_write: 3.75}"},
		{Path: "model.pricing.input", Scope: ScopeSetting, Type: TypeNumber, Minimum: num(0),
			Description: "US dollars per million input tokens; required in pricing.", Example: "3"},
		{Path: "model.pricing.output", Scope: ScopeSetting, Type: TypeNumber, Minimum: num(0),
			Description: "US dollars per million output tokens; required in pricing.", Example: "15"},
		{Path: "model.pricing.cache_read", Scope: ScopeSetting, Type: TypeNumber, Minimum: num(0), Default: 0,
			Description: "US dollars per million tokens read from the prompt cache.", Example: "0.3"},
		{Path: "model.pricing.cache_write", Scope: ScopeSetting, Type: TypeNumber, Minimum: num(0), Default: 0,
			Description: "US dollars per million tokens written to the prompt cache.", Example: "3.75"},
		{Path: "model.context_window", Scope: ScopeSetting, Type: TypeInteger, Minimum: num(minContextWindow), Maximum: num(maxContextWindow),
			DefaultNote: "the built-in table's window for the provider and name",
			Description: "The model's context window in tokens, which decides when older turns are compacted.",
			Example:     "32768"},

		{Path: "approval", Scope: ScopeSetting, Type: TypeString, Enum: approvalEnum().values, Default: string(defaultApproval),
			Description: "What the agent may do with nobody to ask: plan only reads, default edits and runs only what allow rules grant, auto-edit edits freely, yolo also runs any command.",
			Example:     "auto-edit"},
		{Path: "tools", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, Enum: toolEnum().values, MinItems: 1, UniqueItems: true,
			Default: ToolNames(), Description: "The tools offered to the model, in this order.", Example: "[read_file, grep, edit_file, bash]"},
		{Path: "allow", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, UniqueItems: true, Default: []string{},
			Description: "Rules tool(pattern) granting calls the approval mode does not; a task's list replaces the defaults'.",
			Example:     `["bash(go test ./...)", "edit_file(**/*.go)"]`},
		{Path: "deny", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, UniqueItems: true, Default: []string{},
			Description: "Rules tool(pattern) refusing calls in every mode; a task's list is added to the defaults'.",
			Example:     `["bash(git push *)", "read_file(**/.env)"]`},
		{Path: "env", Scope: ScopeSetting, Type: TypeObject,
			Description: "Which environment variables commands see beyond the scrubbed default.",
			Example:     "{pass: [GOPRIVATE_TOKEN], drop: [AWS_PROFILE]}"},
		{Path: "env.pass", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, Pattern: envVarName.String(), UniqueItems: true, Default: []string{},
			Description: "Variables let through although their names look secret; never a provider's key or the pull-request token; a task's list replaces the defaults'.",
			Example:     "[GOPRIVATE_TOKEN]"},
		{Path: "env.drop", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, Pattern: envVarName.String(), UniqueItems: true, Default: []string{},
			Description: "More variables to remove; a task's list is added to the defaults', and a name both passed and dropped is dropped.",
			Example:     "[AWS_PROFILE]"},
		{Path: "limits", Scope: ScopeSetting, Type: TypeObject,
			Description: "Bounds of one task's run; reaching one stops the task with status limit_reached.",
			Example:     "{max_steps: 40, timeout: 30m}"},
		{Path: "limits.max_steps", Scope: ScopeSetting, Type: TypeInteger, Minimum: num(1), Maximum: num(maxStepsLimit), Default: defaultMaxSteps,
			Description: "The most model turns.", Example: "60"},
		{Path: "limits.max_tokens", Scope: ScopeSetting, Type: TypeInteger, Minimum: num(1), DefaultNote: "no limit",
			Description: "The most tokens of every kind (input, output, cache reads and writes) over the whole task.",
			Example:     "2_000_000"},
		{Path: "limits.max_cost_usd", Scope: ScopeSetting, Type: TypeNumber, ExclusiveMinimum: num(0), DefaultNote: "no limit",
			Description: "The most the task's model turns may cost in US dollars; needs a known price (built in or model.pricing).",
			Example:     "2.50"},
		{Path: "limits.timeout", Scope: ScopeSetting, Type: TypeString, Pattern: durationPattern, DefaultNote: "no limit",
			Description: "The task's wall time, as a Go duration of at most " + formatDuration(maxTaskTimeout) + ".", Example: "30m"},
		{Path: "limits.bash_timeout", Scope: ScopeSetting, Type: TypeString, Pattern: durationPattern, Default: formatDuration(defaultBashTimeout),
			Description: "Each bash call's time, after which its process group is killed; at most " + formatDuration(maxBashTimeout) + ".",
			Example:     "90s"},
		{Path: "checks", Scope: ScopeSetting, Type: TypeObject,
			Description: "Commands that decide whether the task is done, run after the model's last answer; on a task it needs commands, its own or the defaults'.",
			Example:     `{commands: ["go test ./..."], attempts: 2}`},
		{Path: "checks.commands", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, Pattern: `\S`, MinItems: 1, DefaultNote: "none: the task succeeds when the model answers",
			Description: "Shell command lines run in order, all of them, outside the agent's approval rules (the task's author wrote them).",
			Example:     `["go vet ./...", "go test ./..."]`},
		{Path: "checks.attempts", Scope: ScopeSetting, Type: TypeInteger, Minimum: num(0), Default: defaultCheckAttempts,
			Description: "How many rounds of fixing the agent gets after the checks fail; 0 checks once.", Example: "3"},
		{Path: "checks.timeout", Scope: ScopeSetting, Type: TypeString, Pattern: durationPattern, Default: formatDuration(defaultCheckTimeout),
			Description: "Each check command's time; at most " + formatDuration(maxCheckTimeout) + ".", Example: "5m"},
		{Path: "on_failure", Scope: ScopeSetting, Type: TypeString, Enum: onFailureEnum().values, Default: string(defaultOnFailure),
			Description: "What happens to the run branch of a task that does not succeed: keep it for review, or roll it back to the start (the old tip stays under a backup ref).",
			Example:     "rollback"},
		{Path: "git", Scope: ScopeSetting, Type: TypeObject,
			Description: "The run branch and what is committed on it.", Example: "{branch: \"ai/{date}/{task}-{run}\", dirty: refuse}"},
		{Path: "git.branch", Scope: ScopeSetting, Type: TypeString, Pattern: `\{run\}`, Default: defaultBranch,
			Description: "The run branch's name template with {task}, {run} (required) and {date} (UTC, YYYYMMDD); it must expand to a valid branch name.",
			Example:     "ai/{date}/{task}-{run}"},
		{Path: "git.dirty", Scope: ScopeSetting, Type: TypeString, Enum: dirtyEnum().values, Default: defaultDirty,
			Description: "What to do with uncommitted changes at the start: commit them on the run branch as a snapshot, or refuse to start.",
			Example:     "refuse"},
		{Path: "git.return", Scope: ScopeSetting, Type: TypeBoolean, Default: false,
			Description: "Check the original branch out again when the task ends, leaving the run branch for review.", Example: "true"},
		{Path: "git.max_file_mb", Scope: ScopeSetting, Type: TypeInteger, Minimum: num(1), Maximum: num(maxFileMBLimit), Default: defaultMaxFileMB,
			Description: "The size in megabytes above which a file is not committed.", Example: "20"},
		{Path: "pr", Scope: ScopeSetting, Type: TypeObject,
			Description: "Whether and how the run branch is pushed and proposed as a pull request when the task ends; merged key by key.",
			Example:     "{open: true, labels: [safe-coder]}"},
		{Path: "pr.open", Scope: ScopeSetting, Type: TypeBoolean, Default: false,
			Description: "Push the branch and open (or update) a pull request when the task succeeds; --open-pr turns it on for a run.",
			Example:     "true"},
		{Path: "pr.title", Scope: ScopeSetting, Type: TypeString, Pattern: `^[^\r\n]*\S[^\r\n]*$`, Default: defaultPRTitle,
			Description: "The pull request's title template, one line, with {task}, {run} and {date}.", Example: "\"chore: {task} ({date})\""},
		{Path: "pr.draft", Scope: ScopeSetting, Type: TypeBoolean, Default: defaultPRDraft,
			Description: "Open a succeeded task's pull request as a draft; a failed task's is always a draft.", Example: "false"},
		{Path: "pr.labels", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, Pattern: `^[^\r\n]*\S[^\r\n]*$`, MaxLength: maxLabelLen, UniqueItems: true, Default: []string{},
			Description: "Labels added to the pull request.", Example: "[safe-coder, automated]"},
		{Path: "pr.reviewers", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, Pattern: githubLogin.String(), UniqueItems: true, Default: []string{},
			Description: "GitHub user logins asked to review the pull request.", Example: "[octocat]"},
		{Path: "pr.base", Scope: ScopeSetting, Type: TypeString, Default: "",
			Description: "The branch the pull request targets; empty for the repository's default branch.", Example: "main"},
		{Path: "pr.remote", Scope: ScopeSetting, Type: TypeString, Pattern: `\S`, Default: defaultPRRemote,
			Description: "The git remote the branch is pushed to.", Example: "upstream"},
		{Path: "pr.token_env", Scope: ScopeSetting, Type: TypeString, Pattern: envVarName.String(), Default: defaultPRTokenEnv,
			Description: "The NAME of the environment variable holding the GitHub token, which never reaches commands.",
			Example:     "SAFE_CODER_GITHUB_TOKEN"},
		{Path: "pr.on_failure", Scope: ScopeSetting, Type: TypeString, Enum: prOnFailureEnum().values, Default: string(defaultPROnFailure),
			Description: "Whether a task that does not succeed pushes its branch and opens a draft pull request; draft cannot go with on_failure: rollback.",
			Example:     "draft"},
		{Path: "pr.workflows", Scope: ScopeSetting, Type: TypeBoolean, Default: false,
			Description: "Allow pushing a branch that changes .github/workflows/; the token then needs the workflows permission.",
			Example:     "true"},

		{Path: "instructions", Scope: ScopeSetting, Type: TypeArray, Items: TypeString, Pattern: `\S`,
			DefaultNote: "the first present of " + instructionFilesText() + "; [] turns instruction files off",
			Description: "Repository-relative files, such as the project's conventions, that join the system prompt; each must exist.",
			Example:     "[AGENTS.md, docs/CONTRIBUTING.md]"},
		{Path: "instructions_from", Scope: ScopeSetting, Type: TypeString, Enum: instructionsFromEnum().values, Default: string(InstructionsWorktree),
			Description: "Read instruction files, nested AGENTS.md too, from the work tree as it is, or from a commit, so a dirty, agent-edited or pull-request-edited file cannot change them: the pull request's base branch when GITHUB_BASE_REF is set (it must be fetched, else the run refuses to start), else the run's base commit.",
			Example:     "base"},
	}
	return keys
}

// instructionFilesText lists the instruction files read when a task does
// not name its own, in the order they are looked for.
func instructionFilesText() string {
	return strings.Join(prompt.DefaultInstructionFiles(), ", ")
}

// durationPattern matches what time.ParseDuration reads, without a sign:
// the parser refuses durations that are not more than 0.
const durationPattern = `^(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`

// num returns a pointer to v, for the bounds of a Key.
func num[T int | float64](v T) *float64 {
	f := float64(v)
	return &f
}
