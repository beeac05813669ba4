package tasks

import "time"

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
	Limits   Limits
	Git      Git
}

// Provider names the model API a task talks to.
type Provider string

// The providers this version implements.
const (
	ProviderAnthropic Provider = "anthropic"
	ProviderReplay    Provider = "replay"
)

// Model says which model answers a task and how to reach it.
type Model struct {
	Provider        Provider
	Name            string // required for anthropic; optional for replay
	BaseURL         string // anthropic only; "" means https://api.anthropic.com
	APIKeyEnv       string // anthropic only: the NAME of the variable holding the key, never the key
	MaxOutputTokens int
	Transcript      string // replay only: absolute path of the recorded session
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

// Limits bound one task's run.
type Limits struct {
	MaxSteps    int           // model turns
	BashTimeout time.Duration // per bash call
}

// Git holds a task's git settings.
type Git struct {
	Branch string // run branch template with {task}, {run} and {date}
}

// ToolNames returns the names of the tools a task may offer, in the order
// they are offered by default. The slice is fresh on every call, so callers
// may keep or change it.
func ToolNames() []string {
	return []string{"read_file", "list_files", "grep", "write_file", "edit_file", "bash"}
}

// The values a task gets when neither the task nor the defaults set them.
const (
	defaultProvider        = ProviderAnthropic
	defaultAPIKeyEnv       = "ANTHROPIC_API_KEY"
	defaultMaxOutputTokens = 8192
	defaultApproval        = ApprovalDefault
	defaultMaxSteps        = 40
	defaultBashTimeout     = 2 * time.Minute
	defaultBranch          = "safe-coder/{task}-{run}"
)
