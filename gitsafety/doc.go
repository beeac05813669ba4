// Package gitsafety makes git the safety net of a safe-coder run: it opens
// and locks the repository, creates the run branch, snapshots a dirty work
// tree, records every agent step as a commit with trailers, refuses a step
// whose content fails the runner's check, and fingerprints the files
// (config, hooks, protected paths) a command must not change.
//
// Only go-git's storage and format packages and the standard library touch
// the repository; the git CLI is never run. Staging is done by this package
// rather than by go-git's Worktree.Add, so that the result is what
// `git add -A` would stage, and the index it leaves behind carries the stat
// data that lets `git status` trust it without re-reading every file.
// Trees and commits are encoded here too: go-git's object package would pull
// in OpenPGP, which safe-coder has no use for.
//
// Unix only: the run lock relies on flock(2) and kill(pid, 0).
//
// Invariants:
//   - The user's branch is never written. The only refs this package writes
//     are refs/heads/<run branch> and HEAD, and a ref is only ever moved from
//     the value this package last saw (check-and-set), so a commit, reset or
//     checkout made behind its back is detected instead of overwritten.
//   - Every write to the index, a ref or HEAD goes through git's own lock-file
//     protocol (<file>.lock created exclusively, then renamed over the file),
//     so a running git command is never raced and a crash leaves either the
//     old or the new file, never a torn one.
//   - Objects are written before any ref or index entry names them, and a
//     loose object is renamed into place only once complete.
//   - An operation that fails or is cancelled part-way leaves the
//     repository as it found it: Begin undoes the branch, HEAD and any
//     checkout it started; CommitStep moves nothing before the commit is
//     fully written.
//   - Ignored files are never staged: .gitignore at every level,
//     .git/info/exclude and core.excludesFile are honoured. Files that are
//     already tracked are staged even when an ignore rule matches them, as git
//     does.
//   - A step refused by its content check (StepCommit.Check) commits
//     nothing, not even its clean files, moves no ref, leaves the index as
//     it was, and never writes the refused content to the object database.
//   - Fingerprint only reads, never follows a symlink, and never enters a
//     directory named .git in the work tree.
//   - Submodules (gitlinks) are never rewritten, nested repositories are never
//     added, and paths whose git attributes name a filter (Git LFS) are never
//     re-staged, because their clean filter cannot be run without git.
//
// A Repo may be shared; a Session belongs to one goroutine.
package gitsafety
