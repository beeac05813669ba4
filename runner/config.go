package runner

import (
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/tasks"
)

// Config is one task of one run, ready to go: the task as loaded, the tools
// offered to the model, and where its branch starts.
type Config struct {
	RunID string
	Task  tasks.Task
	// System is the system prompt; see SystemPrompt.
	System string
	// Tools are the definitions offered to the model.
	Tools []llm.ToolDef
	// Instructions are the instruction files already in System, recorded
	// when the task starts; their paths are never given again as nested
	// instructions.
	Instructions []prompt.Instruction
	// InstructionsSource says where they were read: "worktree" or "base".
	InstructionsSource string
	// InstructionsCommit is the commit "base" read them at (the run's
	// base commit, or a pull request's base branch); "" for the work tree.
	InstructionsCommit string

	// The run branch, as gitsafety.Begin made it; recorded, not acted on.
	Branch         string
	BaseCommit     string
	StartCommit    string
	SnapshotCommit string
}

// Result is how one task ended.
type Result struct {
	Status Status
	// Steps is the number of model turns taken.
	Steps int
	// FinalMessage is the model's last text answer.
	FinalMessage string
	// Err explains every status but succeeded.
	Err error
	// Limit names the limit that stopped the task (max_steps, max_tokens,
	// max_cost_usd, timeout) when Status is StatusLimitReached.
	Limit string
}
