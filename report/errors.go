package report

import "errors"

// ErrNoRuns is returned by LastRunID when the store holds no run yet.
var ErrNoRuns = errors.New("no runs recorded")

// ErrRunNotFound is returned by Report, wrapped with the id, when no run
// has that id.
var ErrRunNotFound = errors.New("run not found")

// ErrNotStarted is returned by Record for an event about a run, task, step
// or tool call that was never started.
var ErrNotStarted = errors.New("not started")

// ErrFinished is returned by Record for an event about a run, task, step or
// tool call that has already finished, including a second Finished event.
var ErrFinished = errors.New("already finished")

// ErrDuplicate is returned by Record when something is started twice or a
// step's model answer is recorded twice.
var ErrDuplicate = errors.New("already recorded")

// ErrInvalidEvent is returned by Record for an event that lacks a required
// field or carries a value outside its domain.
var ErrInvalidEvent = errors.New("invalid event")

// ErrNoSpace is returned, wrapped with the database's path and SQLite's
// own error, when a write to the state database fails for lack of space:
// the disk is full or a file-size limit (ulimit -f) is reached. SQLite
// rolled the transaction back, so the database holds what it held before.
var ErrNoSpace = errors.New("no space left to write the state db (the disk is full or a file-size limit is reached)")

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer safe-coder than this one.
var ErrSchemaTooNew = errors.New("state db schema is newer than this safe-coder")

// ErrCannotMerge is returned by Merge, wrapped with the reason, for
// reports that are not parts of one finished run.
var ErrCannotMerge = errors.New("reports cannot be merged")

// ErrBadOutput is returned by WriteOutputs, wrapped, for an output whose
// name the $GITHUB_OUTPUT format cannot hold.
var ErrBadOutput = errors.New("invalid GitHub Actions output")
