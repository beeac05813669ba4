package tasks

import (
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// File is a parsed, validated task file.
type File struct {
	Path    string // as given to Load or Parse
	Version int    // the schema version; always 1
	Tasks   []Task // in file order, defaults merged, validated
}

// Task is one unit of work, with the file's defaults already merged in.
type Task struct {
	Name     string
	Prompts  []string // `prompt: x` becomes []string{x}; verbatim, not trimmed
	Model    Model
	Approval Approval
	Tools    []string // tool names offered to the model, in the order given
	// Allow and Deny are the task's rules, each valid for
	// policy.ParseRule, in file order. A task's allow list replaces the
	// defaults' list; its deny list is added to the defaults', so a task
	// never loses a denial by adding one.
	Allow, Deny []string
	Env         Env
	Limits      Limits
	// Checks are the commands that decide whether the agent's work is
	// done; no commands means the task succeeds when the model answers.
	Checks Checks
	// OnFailure says what happens to the run branch when the task does
	// not succeed. The CLI carries it out, not the runner.
	OnFailure OnFailure
	Git       Git
	// PR says whether the run branch is pushed and proposed as a pull
	// request when the task ends. The CLI carries it out.
	PR PR
	// Instructions are the repository-relative instruction files joined
	// to the system prompt, each of which must exist. nil means the first
	// found of the default names (AGENTS.md, SAFE_CODER.md, CLAUDE.md,
	// GEMINI.md, QWEN.md); an empty list means none.
	Instructions []string
	// InstructionsFrom says where instruction files are read.
	InstructionsFrom InstructionsFrom
	// Command is the custom command the task runs (command:), "" when the
	// task writes its prompts; Args are its arguments as written. Once
	// File.ApplyCommands has run, Prompts holds the expanded command.
	Command, Args string
	// At is where the task's prompts and command are written, for
	// problems found after parsing (custom commands, @paths).
	At Positions
}

// Position is a place in the task file, 1-based.
type Position struct{ Line, Col int }

// Positions are where a task's prompt-making keys are written.
type Positions struct {
	// Prompts has one position per prompt: the prompt's value, or the
	// command: value for the prompt a custom command made.
	Prompts []Position
	// Command is the command: value; zero when there is none.
	Command Position
	// Instructions is the instructions value the task uses (its own or
	// the defaults'); zero when neither sets it.
	Instructions Position
}

// InstructionsFrom is where a task's instruction files are read.
type InstructionsFrom string

// The instructions_from values.
const (
	// InstructionsWorktree reads them from the work tree as the run
	// starts, uncommitted changes included.
	InstructionsWorktree InstructionsFrom = "worktree"
	// InstructionsBase reads them from the run's base commit, so changes
	// on the checked-out branch (a pull request) cannot rewrite the rules
	// the agent runs under.
	InstructionsBase InstructionsFrom = "base"
)

// Env says which environment variables commands run by the bash tool see
// beyond the scrubbed default.
type Env struct {
	// Pass lets variables through whose names look secret and would be
	// dropped (GOPRIVATE_TOKEN). A provider's key variable is never
	// among them. A task's list replaces the defaults'.
	Pass []string
	// Drop removes more variables. A task's list is added to the
	// defaults'; a name in both lists is dropped and left out of Pass.
	Drop []string
}

// Provider names the model API a task talks to.
type Provider string

// The providers this version implements.
const (
	// ProviderAnthropic is the Anthropic Messages API.
	ProviderAnthropic Provider = "anthropic"
	// ProviderOpenAI is the OpenAI Chat Completions API, or any server
	// that speaks it (vLLM, llama.cpp, LM Studio, OpenRouter).
	ProviderOpenAI Provider = "openai"
	// ProviderOllama is a local Ollama server, through its
	// OpenAI-compatible API.
	ProviderOllama Provider = "ollama"
	// ProviderReplay answers from a recorded transcript.
	ProviderReplay Provider = "replay"
)

// Model says which model answers a task and how to reach it.
type Model struct {
	Provider Provider
	Name     string // required except for replay
	// BaseURL is the API's base URL, not used by replay. "" means the
	// provider's own: https://api.anthropic.com for anthropic,
	// https://api.openai.com/v1 for openai; ollama's default is filled in.
	BaseURL string
	// APIKeyEnv is the NAME of the variable holding the key, never the
	// key. "" (the file's api_key_env: "", or ollama's default) means no
	// key is sent; always "" for replay.
	APIKeyEnv       string
	MaxOutputTokens int
	// Stream asks the provider to stream its answer; always false for
	// replay.
	Stream     bool
	Transcript string // replay only: absolute path of the recorded session
	// Pricing is the task file's price for the model; nil means the
	// built-in table applies (see Price).
	Pricing *Pricing
	// ContextWindow is the task file's context window in tokens; 0 means
	// the built-in table applies (see Window).
	ContextWindow int
}

// Pricing is a model's price as a task file gives it, in US dollars per
// million tokens.
type Pricing struct {
	Input, Output, CacheRead, CacheWrite float64
}

// Price returns what the model costs: the task file's pricing when it has
// one, else the built-in table's price for the provider and name. ok is
// false when neither knows, which is not the same as free.
func (m Model) Price() (price llm.Price, ok bool) {
	if p := m.Pricing; p != nil {
		return llm.Price{InputPerMTok: p.Input, OutputPerMTok: p.Output, CacheReadPerMTok: p.CacheRead, CacheWritePerMTok: p.CacheWrite}, true
	}
	return llm.LookupPrice(string(m.Provider), m.Name)
}

// Window returns the model's context window in tokens: the task file's
// when it sets one, else the built-in table's. ok is false when neither
// knows.
func (m Model) Window() (tokens int, ok bool) {
	if m.ContextWindow > 0 {
		return m.ContextWindow, true
	}
	return llm.ContextWindow(string(m.Provider), m.Name)
}

// Approval is how much the agent may do without a human, who is never
// present in a headless run.
type Approval string

// The approval modes, from the most to the least restrictive.
const (
	ApprovalPlan     Approval = "plan"
	ApprovalDefault  Approval = "default"
	ApprovalAutoEdit Approval = "auto-edit"
	ApprovalYolo     Approval = "yolo"
)

// Limits bound one task's run. A zero MaxTokens, MaxCostUSD or Timeout
// means no limit.
type Limits struct {
	MaxSteps int // model turns
	// MaxTokens bounds every token of the task: input, output, cache
	// reads and cache writes.
	MaxTokens int64
	// MaxCostUSD bounds what the task's model turns cost, in US dollars.
	// A task file that sets it always has a known price (Model.Price).
	MaxCostUSD  float64
	Timeout     time.Duration // the whole task's wall time
	BashTimeout time.Duration // per bash call
}

// Checks are the commands run after the model answers the task's last
// prompt. The task's author wrote them, not the agent, so they are not
// subject to the agent's approval mode or rules; they do run like the bash
// tool's commands, with the scrubbed environment, stdin closed, in their own
// process group, killed as a group on timeout, output capped. Files they
// create (build output, coverage) are not committed by the runner, but a
// later step's commit would pick them up: keep them in .gitignore.
type Checks struct {
	// Commands are shell command lines run in order, all of them even
	// after one fails, so the agent sees every failure at once. Empty
	// when the task has no checks.
	Commands []string
	// Attempts is how many rounds of fixing the agent gets after the
	// checks fail: 0 checks once and never retries.
	Attempts int
	// Timeout bounds each command.
	Timeout time.Duration
}

// OnFailure is what happens to a task's run branch when the task does not
// succeed.
type OnFailure string

// The on_failure values.
const (
	// OnFailureKeep leaves the branch as the agent left it, for review.
	OnFailureKeep OnFailure = "keep"
	// OnFailureRollback resets the branch to where the task started,
	// keeping the old tip under a backup ref.
	OnFailureRollback OnFailure = "rollback"
)

// The git.dirty values: what to do when the work tree has uncommitted
// changes at the start of a task.
const (
	// DirtySnapshot commits them on the run branch as "Snapshot:
	// session start" before the agent starts.
	DirtySnapshot = "snapshot"
	// DirtyRefuse stops with an error instead.
	DirtyRefuse = "refuse"
)

// Git holds a task's git settings.
type Git struct {
	Branch string // run branch template with {task}, {run} and {date}
	// Dirty is DirtySnapshot or DirtyRefuse.
	Dirty string
	// Return checks the original branch out again when the task ends,
	// leaving the run branch for review.
	Return bool
	// MaxFileMB is the size in megabytes above which a file is not
	// committed.
	MaxFileMB int
}

// PR holds a task's pull-request settings: whether the run branch is
// pushed and proposed when the task ends, and how.
type PR struct {
	// Open pushes the branch and opens (or updates) a pull request when
	// the task succeeds.
	Open bool
	// Title is the pull request's title template, with {task}, {run} and
	// {date} like git.branch; see Task.PRTitle.
	Title string
	// Draft opens the pull request of a succeeded task as a draft. A
	// failed task's pull request (OnFailure) is always a draft.
	Draft bool
	// Labels and Reviewers are added to the pull request; Reviewers are
	// GitHub user logins.
	Labels, Reviewers []string
	// Base is the branch the pull request targets; "" means the
	// repository's default branch.
	Base string
	// Remote names the git remote the branch is pushed to.
	Remote string
	// TokenEnv is the NAME of the variable holding the GitHub token,
	// never the token. The token never reaches commands.
	TokenEnv string
	// OnFailure says whether a task that does not succeed opens a draft
	// pull request.
	OnFailure PROnFailure
	// Workflows allows pushing a branch that changes files under
	// .github/workflows/; the token then needs the workflows permission.
	Workflows bool
}

// PROnFailure is what a task that does not succeed does about its pull
// request.
type PROnFailure string

// The pr.on_failure values.
const (
	// PROnFailureNone opens nothing for a failed task.
	PROnFailureNone PROnFailure = "none"
	// PROnFailureDraft pushes a failed task's branch and opens a draft
	// pull request, so people can see what the agent got to.
	PROnFailureDraft PROnFailure = "draft"
)

// ToolNames returns the names of the tools a task may offer, in the order
// they are offered by default. The slice is fresh on every call, so callers
// may keep or change it.
func ToolNames() []string {
	return []string{"read_file", "list_files", "grep", "write_file", "edit_file", "bash"}
}

// The values a task gets when neither the task nor the defaults set them.
const (
	defaultProvider        = ProviderAnthropic
	defaultAnthropicKeyEnv = "ANTHROPIC_API_KEY"
	defaultOpenAIKeyEnv    = "OPENAI_API_KEY"
	defaultOllamaBaseURL   = "http://localhost:11434/v1"
	defaultMaxOutputTokens = 8192
	defaultStream          = true
	defaultApproval        = ApprovalDefault
	defaultMaxSteps        = 40
	defaultBashTimeout     = 2 * time.Minute
	defaultBranch          = "safe-coder/{task}-{run}"
	defaultDirty           = DirtySnapshot
	defaultMaxFileMB       = 50
	defaultCheckAttempts   = 2
	defaultCheckTimeout    = 10 * time.Minute
	defaultOnFailure       = OnFailureKeep
	defaultPRTitle         = "safe-coder: {task}"
	defaultPRDraft         = true
	defaultPRRemote        = "origin"
	defaultPRTokenEnv      = "GITHUB_TOKEN"
	defaultPROnFailure     = PROnFailureNone
)
