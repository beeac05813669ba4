// Package runner drives one task's model↔tools loop with nobody watching.
//
// The loop reads top to bottom: check limits → ask the model → decide and run
// each tool call → commit the step → record it. Everything the loop needs
// from the outside world comes through small interfaces defined here (Model,
// Committer, Recorder, Toolbox, Policy, Checker), so the loop knows no wire
// format, no SQL and no git plumbing.
//
// Invariants:
//   - A tool call runs only when the policy allows it, and never when the
//     model's turn was cut off (stop reason max_tokens): a truncated turn is
//     never executed.
//   - Every tool call gets exactly one result back to the model, and is
//     recorded as started before it runs and finished after.
//   - Once the context is cancelled no new model turn starts, but the current
//     step is still committed and recorded (under context.WithoutCancel).
//   - A task with checks succeeds only when every check command passed in
//     the last round; each command is recorded as started before it runs
//     and finished after, and its output is redacted before the model or
//     the store sees it.
//   - Every run ends in one Status, which maps to one exit code.
package runner
