package report

import (
	"encoding/json"
	"time"
)

// Event is one thing that happened during a run. The set of events is
// closed: only the types of this package implement it, so Record can store
// every event it is given.
type Event interface{ event() }

// RunStarted opens a run. Tasks lists the tasks the run intends to run, in
// order; a task that never starts appears in the report as "not_started".
type RunStarted struct {
	RunID     string
	StartedAt time.Time
	RepoRoot  string
	TaskFile  string
	Version   string
	// BaseCommit is the commit HEAD pointed at when the run began.
	BaseCommit string
	// OriginalBranch is the branch checked out when the run began; ""
	// when HEAD was detached.
	OriginalBranch string
	Tasks          []string
}

// RunFinished closes a run with its final status and exit code.
type RunFinished struct {
	RunID      string
	FinishedAt time.Time
	Status     string
	ExitCode   int
	Error      string
}

// TaskStarted opens a task of a started run.
type TaskStarted struct {
	RunID, Task    string
	StartedAt      time.Time
	Approval       string
	Provider       string
	Model          string
	Branch         string
	BaseCommit     string
	StartCommit    string
	SnapshotCommit string
}

// TaskFinished closes a task with its status, the tip of its branch and
// the model's last words.
type TaskFinished struct {
	RunID, Task  string
	FinishedAt   time.Time
	Status       string
	HeadCommit   string
	FinalMessage string
	Error        string
	// Limit names the limit that stopped the task: LimitMaxSteps,
	// LimitMaxTokens, LimitMaxCostUSD or LimitTimeout; "" when no limit
	// did.
	Limit string
}

// The limits of a task file that can stop a task, as TaskFinished.Limit
// takes them: the names of their keys under limits:.
const (
	LimitMaxSteps   = "max_steps"
	LimitMaxTokens  = "max_tokens"
	LimitMaxCostUSD = "max_cost_usd"
	LimitTimeout    = "timeout"
)

// StepStarted opens step Step (1-based) of a task: one model turn.
type StepStarted struct {
	RunID, Task string
	Step        int
	StartedAt   time.Time
}

// ModelAnswered records the model's answer to a step: why it stopped and
// what the turn cost.
type ModelAnswered struct {
	RunID, Task string
	Step        int
	At          time.Time
	StopReason  string
	Usage       Usage
	// RequestID is the provider's id of the HTTP request, kept for support
	// tickets.
	RequestID string
	// CostUSD is what the answer cost in US dollars; nil when the model's
	// price is unknown, which reports show as unknown, never as free.
	CostUSD *float64
	// Attempts is how many HTTP attempts the answer took, retries
	// included; 0 for providers that make no HTTP requests (replay).
	Attempts int
}

// StepFinished closes a step. Commit is the step's commit, "" when the step
// changed nothing; Files are the paths that commit touched.
type StepFinished struct {
	RunID, Task string
	Step        int
	FinishedAt  time.Time
	Commit      string
	Files       []string
}

// MessageAdded stores one message of a task's conversation. Step 0 holds
// the initial prompt; Content is an llm.Message encoded as JSON.
type MessageAdded struct {
	RunID, Task string
	Step        int
	At          time.Time
	Role        string
	Content     json.RawMessage
}

// ToolCallStarted records the intent to run call Seq (1-based, in the
// order of the model's answer) of a step, before the tool runs.
type ToolCallStarted struct {
	RunID, Task string
	Step, Seq   int
	CallID      string
	Tool        string
	// Input is the call's arguments as the model sent them; it is stored
	// verbatim, even when the model sent something that is not JSON.
	Input     json.RawMessage
	StartedAt time.Time
}

// Tool call outcomes, as ToolCallFinished.Outcome takes them.
const (
	OutcomeOK     = "ok"
	OutcomeError  = "error"
	OutcomeDenied = "denied"
	OutcomeNotRun = "not_run"
)

// ToolCallFinished records how a tool call ended. Outcome is one of
// OutcomeOK, OutcomeError, OutcomeDenied or OutcomeNotRun; Reason says why
// a call was denied or not run, and Rule names the policy rule that denied
// it ("" when the approval mode or a built-in default decided).
type ToolCallFinished struct {
	RunID, Task string
	Step, Seq   int
	FinishedAt  time.Time
	Outcome     string
	Summary     string
	Reason      string
	Rule        string
}

// CheckStarted records the intent to run one check command, before it
// runs. Round counts the times the task's checks ran, from 1: round 1
// follows the model's first final answer, each later round a round of
// fixing. Seq is the command's position in the task file's
// checks.commands, from 1.
type CheckStarted struct {
	RunID, Task string
	Round, Seq  int
	Command     string
	StartedAt   time.Time
}

// CheckFinished records how a check command ended. Passed means it exited
// with 0 and Error is empty; a failed check has a non-zero ExitCode or an
// Error saying why it has no exit code of its own (it could not start, or
// its timeout killed it). Output is the command's redacted output; the
// store keeps at most MaxCheckOutput bytes of it, head and tail.
type CheckFinished struct {
	RunID, Task string
	Round, Seq  int
	FinishedAt  time.Time
	ExitCode    int
	Passed      bool
	Output      string
	Error       string
}

// TaskRolledBack records that a task's run branch was reset: moved from
// commit From back to commit To, with the old tip kept under BackupRef so
// nothing is lost. The CLI records it when on_failure: rollback resets a
// failed task, or when a user rolls a task back later, so it is accepted
// for a task that has finished, in a run that has finished.
type TaskRolledBack struct {
	RunID, Task string
	At          time.Time
	BackupRef   string
	From, To    string
}

// Usage counts the tokens of one model turn. InputTokens excludes cached
// tokens, which are counted in CacheReadTokens and CacheWriteTokens.
type Usage struct {
	InputTokens, OutputTokens, CacheReadTokens, CacheWriteTokens int64
}

func (RunStarted) event()       {}
func (RunFinished) event()      {}
func (TaskStarted) event()      {}
func (TaskFinished) event()     {}
func (StepStarted) event()      {}
func (ModelAnswered) event()    {}
func (StepFinished) event()     {}
func (MessageAdded) event()     {}
func (ToolCallStarted) event()  {}
func (ToolCallFinished) event() {}
func (CheckStarted) event()     {}
func (CheckFinished) event()    {}
func (TaskRolledBack) event()   {}
