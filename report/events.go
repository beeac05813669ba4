package report

import (
	"encoding/json"
	"time"
)

// Event is one thing that happened during a run. The set of events is
// closed: only the types of this package implement it, so Record can store
// every event it is given.
//
// The runner records events in this order, each intent before the side
// effect it announces and each result after it, so that a process killed
// at any point leaves rows that say what was under way:
//
//	RunStarted
//	  for each task, in order:
//	    BranchStarted                 intent: right before gitsafety's Begin makes the task's branch
//	    TaskStarted
//	    for each !`cmd` of the prompts, in order:
//	      PromptCommandStarted        intent: right before the command runs
//	      PromptCommandFinished       result
//	    PromptsPrepared               the prompts as expanded (custom commands, @paths, !`cmd`)
//	    InstructionsLoaded (step 0)   the system prompt's instruction files, when any
//	    MessageAdded (step 0: the prompt)
//	    for each step, from 1:
//	      StepStarted                 intent: the model is about to be asked
//	      ModelAnswered               result: the answer (ends the model time)
//	      MessageAdded                the answer
//	      for each tool call, in the answer's order:
//	        ToolCallStarted           intent: before the policy decides and the tool runs
//	        ToolCallFinished          result
//	      CommitStarted               intent: right before gitsafety's CommitStep
//	      MessageAdded                the tool results, and any note
//	      InstructionsLoaded          nested AGENTS.md files the step's calls reached
//	      StepFinished                result: the commit, its files and lines
//	    after the model's last answer, for each round and command:
//	      CheckStarted, CheckFinished  a failed round: MessageAdded, more steps
//	    PlanRecorded                  a plan-mode task's final answer
//	    TaskFinished
//	    TaskRolledBack                when on_failure: rollback reset the branch
//	    PushStarted, PushFinished     when the branch is pushed (and a PR opened)
//	RunFinished
//
// A step that asks for no commit (no tool that can write ran) records no
// CommitStarted; its StepFinished follows its tool results. A step whose
// model call failed records StepFinished right after StepStarted. Model
// time is StepStarted → ModelAnswered, tool time the sum of the tool
// calls' own durations, commit time CommitStarted → StepFinished.
// TaskRolledBack and the push events may also come after the task and the
// run finished: `safe-coder rollback` and `safe-coder pr` record them later.
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
	// TaskFileData is the task file as the run read it, kept so a resumed
	// run runs the same tasks; nil when the run has no file to keep.
	TaskFileData []byte
	// Options are the command-line settings that shaped the run's tasks,
	// in a form the CLI chooses (JSON), kept so a resumed run applies them
	// again; "" when there were none. The store does not read them.
	Options string
}

// RunFinished closes a run with its final status and exit code.
type RunFinished struct {
	RunID      string
	FinishedAt time.Time
	Status     string
	ExitCode   int
	Error      string
	// Reason says in one machine word what ended the run: one of the
	// Reason constants, LimitReason(limit) or SignalReason(signal). ""
	// leaves it to the report, which derives it from the status, the
	// exit code and the tasks' limits (see Report.Run.TerminalReason).
	Reason string
}

// Terminal reasons, as RunFinished.Reason takes them besides LimitReason
// and SignalReason. They refine the run's status: the status says how the
// run went, the reason what ended it.
const (
	// ReasonCompleted: every task ran to its end and succeeded.
	ReasonCompleted = "completed"
	// ReasonChecksFailed: the tasks ran to their end; checks still failed.
	ReasonChecksFailed = "checks_failed"
	// ReasonCancelled: the run was cancelled by something other than a
	// signal it could name.
	ReasonCancelled = "cancelled"
	// ReasonProviderError: the model provider failed after retries.
	ReasonProviderError = "provider_error"
	// ReasonPolicyViolation: a command changed what no command may, or a
	// step's content was refused; the run stopped for a human to look.
	ReasonPolicyViolation = "policy_violation"
	// ReasonRepoError: the repository or GitHub failed the run.
	ReasonRepoError = "repo_error"
	// ReasonError: anything else, such as an internal error.
	ReasonError = "error"
)

// LimitReason is the terminal reason of a run stopped by a task's limit,
// named as TaskFinished.Limit names it: "limit:max_steps".
func LimitReason(limit string) string { return limitReasonPrefix + limit }

// SignalReason is the terminal reason of a run stopped by a signal, named
// as Unix names it: "cancelled:SIGTERM".
func SignalReason(signal string) string { return signalReasonPrefix + signal }

const (
	limitReasonPrefix  = "limit:"
	signalReasonPrefix = "cancelled:"
)

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

// BranchStarted records the intent to create a task's run branch, right
// before gitsafety's Begin creates it (or adopts it, for a task a killed
// run had announced) and checks it out; TaskStarted is its result. A run
// killed between the two leaves a task that is not started but whose
// branch is recorded, so that rollback and resume find the branch. From
// is the commit the branch starts at, "" when it was unknown.
type BranchStarted struct {
	RunID, Task string
	At          time.Time
	Branch      string
	From        string
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

// CommitStarted records the intent to commit a step's changes, right
// before the commit is attempted; the step's StepFinished is its result.
// Commit time runs from here to StepFinished.
type CommitStarted struct {
	RunID, Task string
	Step        int
	At          time.Time
}

// StepFinished closes a step. Commit is the step's commit, "" when the step
// changed nothing; Files are the paths that commit touched, and Insertions
// and Deletions the lines it added and removed (gitsafety.Commit's).
type StepFinished struct {
	RunID, Task string
	Step        int
	FinishedAt  time.Time
	Commit      string
	Files       []string
	Insertions  int
	Deletions   int
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

// PushStarted records the intent to push a task's run branch, before the
// push. A task may be pushed more than once (by the run, then by
// `safe-coder pr`); each push is kept, and the report shows the last.
type PushStarted struct {
	RunID, Task string
	At          time.Time
	// Remote is the remote's name ("origin"), Branch the branch pushed,
	// and Commit the tip pushed.
	Remote, Branch, Commit string
}

// Push results, as PushFinished.Result takes them.
const (
	PushPushed   = "pushed"
	PushUpToDate = "up_to_date"
	PushRejected = "rejected"
	PushFailed   = "failed"
)

// PushFinished records how the task's last push ended: Result is one of
// PushPushed, PushUpToDate (the remote had the commit already),
// PushRejected (the remote refused it) or PushFailed (it could not be
// done), and Error says why for the last two. PR is the pull request the
// push opened or updated; nil when none was asked for or it failed.
type PushFinished struct {
	RunID, Task string
	At          time.Time
	Result      string
	Error       string
	PR          *PullRequest
}

// PullRequest identifies a pull request on the forge: its number, its web
// URL and its state as the forge reports it (open, draft, closed, merged).
type PullRequest struct {
	Number int
	URL    string
	State  string
}

// Usage counts the tokens of one model turn. InputTokens excludes cached
// tokens, which are counted in CacheReadTokens and CacheWriteTokens.
type Usage struct {
	InputTokens, OutputTokens, CacheReadTokens, CacheWriteTokens int64
}

func (RunStarted) event()       {}
func (RunFinished) event()      {}
func (TaskStarted) event()      {}
func (BranchStarted) event()    {}
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
func (CommitStarted) event()    {}
func (PushStarted) event()      {}
func (PushFinished) event()     {}
func (RunResumed) event()       {}
func (TaskResumed) event()      {}

// RunResumed takes a run up again (safe-coder resume): a run recorded as
// finished (cancelled by a signal) is open again until its next
// RunFinished; a run that died unfinished just counts the resume.
type RunResumed struct {
	RunID string
	At    time.Time
}

// TaskResumed takes a started task up again within a resumed run. Reopened
// says that the task had been recorded as finished (cancelled): its end is
// cleared until its next TaskFinished.
type TaskResumed struct {
	RunID, Task string
	At          time.Time
	Reopened    bool
}
