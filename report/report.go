package report

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// SchemaVersion is the version of the JSON report's shape, described by
// schema.json. It changes when a field is renamed or removed or changes
// meaning; adding a field does not.
const SchemaVersion = 1

// Statuses the report itself assigns; every other status is the one the
// runner recorded.
const (
	// StatusRunning marks a run or task that started and never finished:
	// it is still going, or the process died.
	StatusRunning = "running"
	// StatusNotStarted marks a task the run planned but never started.
	StatusNotStarted = "not_started"
)

// Report is the JSON report of one run (schema_version 1). Times are
// RFC 3339 in UTC, "" when the event never happened; durations are
// milliseconds, 0 for what never finished. Slices and maps are never nil.
type Report struct {
	SchemaVersion int          `json:"schema_version"`
	Run           RunInfo      `json:"run"`
	Repo          RepoInfo     `json:"repo"`
	Tasks         []TaskReport `json:"tasks"`
	// Totals sums the tasks' stats; FilesChanged counts distinct paths
	// across all tasks.
	Totals Stats `json:"totals"`
}

// RunInfo describes the run as a whole.
type RunInfo struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	ExitCode int    `json:"exit_code"`
	// TerminalReason says in one machine word what ended the run
	// ("completed", "limit:max_steps", "cancelled:SIGTERM", …): the one
	// the runner recorded, or else one derived from the status, the exit
	// code and the tasks' limits. "" while the run has not finished.
	TerminalReason string `json:"terminal_reason"`
	StartedAt      string `json:"started_at"`
	FinishedAt     string `json:"finished_at"`
	DurationMS     int64  `json:"duration_ms"`
	TaskFile       string `json:"task_file"`
	Version        string `json:"version"`
	Error          string `json:"error"`
}

// RepoInfo describes the repository the run worked on.
type RepoInfo struct {
	Root       string `json:"root"`
	BaseCommit string `json:"base_commit"`
	// OriginalBranch is "" when HEAD was detached.
	OriginalBranch string `json:"original_branch"`
	// RunBranch is the branch of the task that started last: the one the
	// run left checked out (unless git.return took the user back). Each
	// task has its own branch; tasks[].branch names them all.
	RunBranch string `json:"run_branch"`
	// Head is where RunBranch points as far as the store knows: its last
	// rollback's target, else its task's head commit, else the task's
	// last step commit, else its start.
	Head string `json:"head"`
	// Snapshot is the commit that saved the dirty work tree the run began
	// with; "" when it began clean. Only a run's first task can make one;
	// later tasks start from it.
	Snapshot string `json:"snapshot"`
}

// TaskReport describes one task of the run.
type TaskReport struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// Limit names the limit that stopped the task (max_steps, max_tokens,
	// max_cost_usd, timeout); "" when none did.
	Limit          string       `json:"limit"`
	Approval       string       `json:"approval"`
	Model          ModelInfo    `json:"model"`
	Branch         string       `json:"branch"`
	BaseCommit     string       `json:"base_commit"`
	StartCommit    string       `json:"start_commit"`
	SnapshotCommit string       `json:"snapshot_commit"`
	HeadCommit     string       `json:"head_commit"`
	StartedAt      string       `json:"started_at"`
	FinishedAt     string       `json:"finished_at"`
	DurationMS     int64        `json:"duration_ms"`
	Steps          []StepReport `json:"steps"`
	// Denied lists every call the policy denied, with what it asked for
	// and the rule or reason that refused it.
	Denied []DeniedCall `json:"denied_calls"`
	// Checks lists every run of a check command, by round, then by the
	// command's place in the task file.
	Checks []CheckReport `json:"checks"`
	// Rollback is the task's last rollback; its fields are "" when the
	// task was never rolled back.
	Rollback RollbackInfo `json:"rollback"`
	// Push is the last push of the task's branch; nil when it was never
	// pushed.
	Push *PushInfo `json:"push"`
	// PR is the pull request the task's pushes last opened or updated;
	// nil when there is none.
	PR           *PRInfo `json:"pr"`
	Stats        Stats   `json:"stats"`
	FinalMessage string  `json:"final_message"`
	Error        string  `json:"error"`
	// Instructions lists the instruction files given to the model: the
	// system prompt's, then nested AGENTS.md files as the agent reached
	// them.
	Instructions []InstructionReport `json:"instructions"`
	// PromptCommands lists the !`commands` of the task's prompts, run
	// before the model saw them.
	PromptCommands []PromptCommandReport `json:"prompt_commands"`
	// Plan is a plan-mode task's final answer; "" for other tasks.
	Plan string `json:"plan"`
}

// InstructionReport is one instruction file given to the model.
type InstructionReport struct {
	Path string `json:"path"`
	// Step is 0 for the system prompt's files, else the step whose calls
	// reached the file's directory.
	Step      int    `json:"step"`
	Bytes     int    `json:"bytes"`
	Truncated bool   `json:"truncated"`
	Source    string `json:"source"`
	// Commit is the commit a "base" file was read at: the run's base
	// commit, or a pull request's base branch; "" for the work tree.
	Commit string `json:"commit"`
}

// PromptCommandReport is one !`command` of a task's prompts.
type PromptCommandReport struct {
	Command     string `json:"command"`
	ExitCode    int    `json:"exit_code"`
	DurationMS  int64  `json:"duration_ms"`
	OutputBytes int    `json:"output_bytes"`
	// Error says why the command could not run; "" when it ran.
	Error string `json:"error"`
	// Interrupted says the command was under way when safe-coder was
	// stopped: its outcome is unknown, and resume did not run it again.
	Interrupted bool `json:"interrupted"`
}

// CheckReport is one run of one check command.
type CheckReport struct {
	// Round counts the times the task's checks ran, from 1.
	Round      int    `json:"round"`
	Command    string `json:"command"`
	StartedAt  string `json:"started_at"`
	FinishedAt string `json:"finished_at"`
	// ExitCode is the command's exit code; 0 while it runs, and whatever
	// the runner recorded (-1 for a killed command) when Error is set.
	ExitCode   int   `json:"exit_code"`
	Passed     bool  `json:"passed"`
	DurationMS int64 `json:"duration_ms"`
	// Output is the command's redacted output, at most MaxCheckOutput
	// bytes of it, head and tail.
	Output string `json:"output"`
	// Error says why a failed check has no exit code of its own: it could
	// not start, or its timeout killed it.
	Error string `json:"error"`
}

// PushInfo is one push of a task's run branch.
type PushInfo struct {
	Remote     string `json:"remote"`
	Branch     string `json:"branch"`
	Commit     string `json:"commit"`
	StartedAt  string `json:"started_at"`
	FinishedAt string `json:"finished_at"`
	// Result is PushPushed, PushUpToDate, PushRejected or PushFailed; ""
	// while the push is under way, or when its process died.
	Result string `json:"result"`
	Error  string `json:"error"`
}

// PRInfo is a pull request a push opened or updated.
type PRInfo struct {
	Number int    `json:"number"`
	URL    string `json:"url"`
	State  string `json:"state"`
}

// RollbackInfo is where a rollback left a task's run branch.
type RollbackInfo struct {
	// BackupRef keeps the tip the branch had before, so nothing is lost.
	BackupRef string `json:"backup_ref"`
	// To is the commit the branch was reset to.
	To string `json:"to"`
}

// DeniedCall is one tool call the policy refused.
type DeniedCall struct {
	Step int    `json:"step"`
	Seq  int    `json:"seq"`
	Tool string `json:"tool"`
	// Input is the call's input as the model sent it, e.g.
	// {"command":"git push origin main"}.
	Input json.RawMessage `json:"input"`
	// Rule is the deny or allow rule that decided; "" when the approval
	// mode or a built-in default did.
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// ModelInfo names the model a task talked to.
type ModelInfo struct {
	Provider string `json:"provider"`
	Name     string `json:"name"`
}

// StepReport describes one model turn of a task.
type StepReport struct {
	Step       int    `json:"step"`
	StartedAt  string `json:"started_at"`
	DurationMS int64  `json:"duration_ms"`
	StopReason string `json:"stop_reason"`
	// Tools lists the step's tool calls in order, denied ones included.
	Tools []string `json:"tools"`
	// Denials counts the step's calls denied by policy.
	Denials int `json:"denials"`
	// Commit is "" when the step changed nothing.
	Commit string   `json:"commit"`
	Files  []string `json:"files"`
	// Insertions and Deletions count the lines the step's commit added
	// and removed.
	Insertions int `json:"insertions"`
	Deletions  int `json:"deletions"`
	// ModelMS is the time from the step's start to the model's answer;
	// ToolsMS the sum of its tool calls' durations; CommitMS the time
	// from the commit's start to the step's end. Each is 0 for what did
	// not happen or has not finished.
	ModelMS  int64  `json:"model_ms"`
	ToolsMS  int64  `json:"tools_ms"`
	CommitMS int64  `json:"commit_ms"`
	Tokens   Tokens `json:"tokens"`
	// CostUSD is what the model's answer cost in US dollars: nil when its
	// price is unknown, 0 when the step got no answer.
	CostUSD *float64 `json:"cost_usd"`
	// Attempts counts the HTTP attempts of the model's answer; 0 for
	// providers that make none and for steps without an answer.
	Attempts int `json:"attempts"`
}

// Stats sums up a task, or in Report.Totals all tasks.
type Stats struct {
	DurationMS int64 `json:"duration_ms"`
	Steps      int   `json:"steps"`
	// Messages counts stored messages: prompts, answers and tool results.
	Messages int `json:"messages"`
	// ToolCalls counts calls by tool name, whatever their outcome.
	ToolCalls map[string]int `json:"tool_calls"`
	// Tools breaks the calls of each tool down by outcome, with the time
	// they took.
	Tools          map[string]ToolStats `json:"tools"`
	ToolCallsTotal int                  `json:"tool_calls_total"`
	Denials        int                  `json:"denials"`
	Tokens         Tokens               `json:"tokens"`
	// CostUSD sums the steps' costs; nil when any step's price is unknown,
	// because a partial sum would pass for the whole.
	CostUSD *float64 `json:"cost_usd"`
	// Attempts sums the steps' HTTP attempts.
	Attempts int `json:"attempts"`
	// Commits counts step commits; the snapshot commit is not one.
	Commits int `json:"commits"`
	// FilesChanged counts distinct paths touched by step commits.
	FilesChanged int `json:"files_changed"`
	// Insertions and Deletions sum the lines of the step commits.
	Insertions int `json:"insertions"`
	Deletions  int `json:"deletions"`
	// ModelMS, ToolsMS and CommitMS sum the steps' times.
	ModelMS  int64 `json:"model_ms"`
	ToolsMS  int64 `json:"tools_ms"`
	CommitMS int64 `json:"commit_ms"`
	// ChecksRun counts check command runs, every round's; ChecksFailed
	// those of them that finished and did not pass.
	ChecksRun    int `json:"checks_run"`
	ChecksFailed int `json:"checks_failed"`
}

// ToolStats counts the calls of one tool by outcome. Calls counts them
// all, including a call still running (or whose process died), which has
// no outcome yet; DurationMS sums the finished calls' durations.
type ToolStats struct {
	Calls      int   `json:"calls"`
	OK         int   `json:"ok"`
	Error      int   `json:"error"`
	Denied     int   `json:"denied"`
	NotRun     int   `json:"not_run"`
	DurationMS int64 `json:"duration_ms"`
}

func (t ToolStats) add(u ToolStats) ToolStats {
	return ToolStats{
		Calls:      t.Calls + u.Calls,
		OK:         t.OK + u.OK,
		Error:      t.Error + u.Error,
		Denied:     t.Denied + u.Denied,
		NotRun:     t.NotRun + u.NotRun,
		DurationMS: t.DurationMS + u.DurationMS,
	}
}

// Tokens counts model tokens. Input excludes the cached tokens counted in
// CacheRead and CacheWrite.
type Tokens struct {
	Input      int64 `json:"input"`
	Output     int64 `json:"output"`
	CacheRead  int64 `json:"cache_read"`
	CacheWrite int64 `json:"cache_write"`
}

func (t Tokens) add(u Tokens) Tokens {
	return Tokens{
		Input:      t.Input + u.Input,
		Output:     t.Output + u.Output,
		CacheRead:  t.CacheRead + u.CacheRead,
		CacheWrite: t.CacheWrite + u.CacheWrite,
	}
}

// JSON returns the report as JSON indented by two spaces, with a trailing
// newline. HTML characters are kept as they are: the report is read by
// people and tools, not embedded in pages.
func (r *Report) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return buf.Bytes(), nil
}
