// Package prompt turns what a task author wrote into what the model reads,
// the way an interactive assistant does: project instruction files
// (AGENTS.md and its kin) join the system prompt, `@path` in a prompt brings
// in a file's content or a directory's listing, and !`cmd` runs a command
// of the author's and brings in its output.
//
// Order of instructions: the system prompt carries the task's instruction
// files (the named ones in their order, else the first found of
// DefaultInstructionFiles); nested AGENTS.md files come later in the
// conversation, root-first, nearest last, so the nearest rules are read
// last and win.
//
// Invariants:
//   - Every file is read through an os.Root on the repository: no path
//     leaves it, and .git is never read. Reads the policy would refuse
//     (secret files) are refused here too.
//   - Everything brought in is capped, with a visible notice, so one large
//     file cannot crowd the conversation.
//   - Commands are the task author's, not the model's: the policy does not
//     decide them, but they run with the same process rules as bash (the
//     caller's Runner).
//   - Only what the author wrote is expanded: an @path or !`command`
//     inside a file brought in, or in a command's output, stays text, so
//     no file can make the runner run a command.
package prompt
