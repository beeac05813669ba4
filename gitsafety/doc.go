// Package gitsafety makes git the safety net of a safe-coder run: it opens
// (or, when asked, initializes) and locks the repository, checks the
// preconditions of a run, creates the run branch, snapshots a dirty work
// tree, records every agent step as a commit with trailers, refuses a step
// whose content fails the runner's check, rolls a run back or restores
// files to its start, returns to the user's branch, and fingerprints the
// files (config, hooks, protected paths) a command must not change. When
// the run is done it publishes: Push sends the run branch to a remote
// (never forced, checked for workflow files and secrets before anything
// leaves the machine) and OpenOrUpdatePR opens or updates the branch's
// pull request through the GitHub REST API (go-github).
//
// Only go-git's storage, format and transport packages and the standard
// library touch the repository; the git CLI is never run by this package
// (a push to a remote on a local path runs that repository's
// git-receive-pack, through go-git, so the remote's own hooks run). Staging, ignore rules, git
// attributes, the index file, trees and commits are implemented here rather
// than with go-git's Worktree, gitignore, gitattributes, index and object
// packages, so that the result is what `git add -A` would stage (go-git's
// ignore matching differs from git's in several cases), the index left
// behind carries the stat data that lets `git status` trust it without
// re-reading every file, and a step's commit costs time in proportion to
// what it changed rather than to the size of the repository.
//
// Unix only: the run lock relies on flock(2) and kill(pid, 0).
//
// Invariants:
//   - The user's branch is never written. The only refs this package writes
//     are refs/heads/<run branch>, refs/safe-coder/backup/... (the old tips
//     Rollback keeps), HEAD, and main in a repository Init just created. A
//     ref is only ever moved from the value this package last saw
//     (check-and-set), so a commit, reset or checkout made behind its back
//     is detected instead of overwritten.
//   - Every write to the index, a ref or HEAD goes through git's own lock-file
//     protocol (<file>.lock created exclusively, then renamed over the file),
//     so a running git command is never raced and a crash leaves either the
//     old or the new file, never a torn one. A lock file this package did
//     not create (index.lock left by a killed git) is reported, never
//     removed.
//   - Every ref and HEAD update is logged in the reflogs as the git command
//     doing the same would log it ("branch: Created from <start>",
//     "checkout: moving from <old> to <new>", "commit: <subject>" on the
//     branch and HEAD, "reset: moving to <sha>"), signed with the commits'
//     identity, appended under the ref's lock before the rename, and
//     created only where core.logAllRefUpdates says git would create one
//     (never with false; backup refs only with "always"). A failed append
//     loses the entry, never the ref update: see reflog.go.
//   - Objects are written before any ref or index entry names them, the
//     index before the ref moves, and the index lock is renamed last, as
//     `git commit` does: a process killed at any point leaves a repository
//     that `git fsck` accepts.
//   - An operation that fails or is cancelled part-way leaves the
//     repository as it found it: Begin undoes the branch, HEAD and any
//     checkout it started; CommitStep moves nothing before the commit is
//     fully written; Rollback, Restore and Return put the work tree back.
//   - Nothing uncommitted is destroyed: Begin (with DirtyRefuse or from
//     another commit), Rollback, Restore and Return refuse a work tree or
//     index whose changes they would lose, and Rollback keeps the old tip
//     under a backup ref before it moves the branch.
//   - Ignored files are never staged: .gitignore at every level,
//     .git/info/exclude and core.excludesFile are honoured with git's own
//     matching rules. Files that are already tracked are staged even when
//     an ignore rule matches them, as git does.
//   - A step refused by its content check (StepCommit.Check) commits
//     nothing, not even its clean files, moves no ref, leaves the index as
//     it was, and never writes the refused content to the object database.
//   - Submodules (gitlinks) are never rewritten, nested repositories are
//     never added, paths whose git attributes name a filter (Git LFS) are
//     never staged, because their clean filter cannot be run without git,
//     and files above the size limit are not committed. None of these is
//     dropped silently: each change left out is reported in Commit.Skipped.
//   - Push never forces and writes no local ref (not even
//     refs/remotes/...); the token goes only to http(s) remotes and never
//     into a URL, a log line or an error.
//   - Fingerprint only reads, never follows a symlink, and never enters a
//     directory named .git in the work tree.
//
// A Repo may be shared; a Session belongs to one goroutine.
package gitsafety
