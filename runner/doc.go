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
//   - A task's prompts are expanded once, when it starts and before the
//     model is first asked (@paths and !`commands`, through Deps.Prompts),
//     and recorded (PromptsPrepared); a resumed task sends the recorded
//     prompts and never runs a prompt's command again.
//   - Nested instructions: when a read_file, write_file, edit_file or
//     list_files call succeeds, the AGENTS.md files of the directories on
//     the way to its path (below the root, root-first, nearest last) that
//     the model has not been given are added as a "(safe-coder)" note right
//     after that step's tool results, and recorded (InstructionsLoaded).
//   - A plan-mode task's final answer is recorded as its plan
//     (PlanRecorded) before the task ends.
//   - Every run ends in one Status, which maps to one exit code.
package runner
