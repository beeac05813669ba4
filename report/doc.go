// Package report records what a safe-coder run does, as it happens, in a
// SQLite state database, and renders the run's reports from it: JSON
// (described by schema.json, which ValidateJSON checks a report against),
// Markdown for people and pull requests (a whole run, or one task for its
// pull request), and text for terminals; the list of runs (Store.Runs) as
// a table or JSON; and one report merged from the JSON reports of the
// parts of a run split across CI jobs (ParseJSON, Merge).
//
// The store is the single source of truth for reports: the runner renders
// its report from the store at the end of a run, and `safe-coder report RUN`
// renders the same bytes from the same rows later. The package records and
// renders; it decides nothing about the run. The order in which the runner
// records its events is documented on Event.
//
// Invariants:
//   - Each Record call is one transaction: an event is stored whole or not
//     at all, so a crash never leaves half an event behind.
//   - Intent before effect: a Started event is recorded before the thing it
//     announces happens (BranchStarted before a task's branch is made,
//     CommitStarted before a step's commit, PushStarted before a push), so a run, task, step, tool call, commit or push
//     killed midway stays visibly unfinished and its report shows it as
//     running, or without a result.
//   - Events follow the lifecycle run → task → step → tool call, and
//     run → task → check. An event for something never started, started
//     twice or already finished is refused with a sentinel error
//     (ErrNotStarted, ErrDuplicate, ErrFinished) and changes nothing.
//     Rollbacks and pushes are the events about a task that may come after
//     the task and its run finished: the branch is reset once the task has
//     failed, and pushed once it is done.
//   - A check's output is stored capped to MaxCheckOutput bytes (head and
//     tail); whoever records it redacts secrets first.
//   - One writer: the store holds a single connection, and every write
//     transaction takes SQLite's write lock when it begins, so concurrent
//     Record calls wait for each other (busy_timeout across processes)
//     instead of failing with SQLITE_BUSY.
//   - Times are stored as Unix milliseconds in UTC; reports print them as
//     RFC 3339 and never read the clock, so rendering is deterministic.
//   - An unknown cost is never shown as a number: an answer recorded
//     without a cost is null in the JSON report and "—" in Markdown, and
//     so is every sum that includes one, rather than a partial sum that
//     would pass for the whole.
//   - A report shows what was recorded and nothing made up: a step recorded
//     before commit times or line counts existed reports 0 for them; the
//     one value derived rather than read is the terminal reason of a run
//     that finished without one, which its status, exit code and limits
//     imply.
//   - Text output escapes every control and bidirectional-override
//     character that a run's content (names, commands, the model's words)
//     carries, so a report can never drive the terminal that shows it.
//   - Merge takes finished runs of the same base commit whose tasks are
//     disjoint, and recomputes everything it reports from their tasks;
//     merging merged reports gives what merging their parts at once
//     gives.
//   - The schema is versioned with PRAGMA user_version and migrated forward
//     only; a database written by a newer binary is refused, not guessed at.
package report
