package runner

import (
	"context"
	"io"
	"time"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/policy"
	"github.com/safe-coder/safe-coder/runner/prompt"
	"github.com/safe-coder/safe-coder/runner/tools"
)

// Model answers one turn. Implemented by every llm.Client.
type Model interface {
	Complete(ctx context.Context, req *llm.Request) (*llm.Response, error)
}

// Committer turns the files a step changed into a commit on the run branch.
// CommitStep returns a Commit with an empty SHA when nothing changed; an
// error means the repository is in trouble (HEAD moved, disk full) and the
// run must stop. Head returns the current tip of the run branch. Steps
// returns the run's commits on the branch by step number, read from their
// trailers, for a resumed task to reconcile with what was recorded.
type Committer interface {
	CommitStep(ctx context.Context, c gitsafety.StepCommit) (gitsafety.Commit, error)
	Head() string
	Steps(ctx context.Context) (map[int]string, error)
}

// Recorder stores what happened, as it happens. An error means the state
// can no longer be trusted and the run stops.
type Recorder interface {
	Record(ctx context.Context, ev report.Event) error
}

// Toolbox runs an allowed tool call. Problems the model can fix come back
// as a Result with IsError, never as a Go error.
type Toolbox interface {
	Exec(ctx context.Context, call llm.ToolCall) tools.Result
}

// PromptExpander brings a prompt's @paths and !`commands` in (see
// prompt.Expand). A *prompt.Error means the prompt refers to something it
// may not or cannot have; the task does not start. journal must see every
// !`command` before and after it runs (prompt.Journal): the runner records
// each, and on resume does not run again one that may have run.
type PromptExpander interface {
	Expand(ctx context.Context, text string, journal prompt.Journal) (prompt.Expansion, error)
}

// Policy decides whether a tool call may run.
type Policy interface {
	Decide(call llm.ToolCall) policy.Decision
}

// Secrets keeps secret values out of what the run hands on. Redact
// replaces known secret values and token-shaped strings in tool output
// before the model, the store or a log sees it; Find reports whether file
// content holds a known secret value, and describes it without quoting it.
type Secrets interface {
	Redact(s string) string
	Find(data []byte) (string, bool)
}

// Guard fingerprints what no command may change unseen: .git/config, the
// hooks, the protected paths. Diff of two fingerprints lists what changed.
type Guard interface {
	Fingerprint(ctx context.Context) (gitsafety.Fingerprint, error)
}

// Deps are the outside world of one task run.
type Deps struct {
	Model    Model
	Git      Committer
	Recorder Recorder
	Tools    Toolbox
	Policy   Policy
	// Secrets redacts tool output and refuses commits holding secrets;
	// nil redacts nothing.
	Secrets Secrets
	// Guard is checked around every bash call; nil checks nothing.
	Guard Guard
	// Checker runs the task's checks after the model's last answer;
	// required when the task has checks.
	Checker Checker
	// Prompts brings the task's @paths and !`commands` in when the task
	// starts; nil sends the prompts as written.
	Prompts PromptExpander
	// Nested reads the AGENTS.md files of the directories the agent's
	// file calls reach; nil adds none.
	Nested prompt.Source
	// Fault, when set, is called at each named point of a step where a
	// crash must be survivable ("model-answered", "before-tool",
	// "after-tool", "before-commit", "after-commit", and
	// "after-prompt-command" when a prompt's !`command` ran, its end not
	// yet recorded); the CLI's fault injection kills the process there.
	// nil does nothing.
	Fault func(point string)
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Log receives progress lines for people (stderr in the CLI); nil
	// discards them.
	Log io.Writer
}
