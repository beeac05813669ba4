// Package tools implements the tools the model calls: read_file, write_file,
// edit_file, list_files, grep and bash. They run directly on the repository
// checkout with nobody watching, so confinement is built into every tool
// rather than left to the caller. Whether a call may run at all is decided
// before Exec by runner/policy; this package only makes sure that a call
// which runs cannot reach further than the repository.
//
// Invariants:
//
//   - Every file operation goes through an os.Root opened on the repository,
//     so no path, symlink or race reaches outside it. Paths are also resolved
//     component by component first (following symlinks inside the
//     repository), so a path that would escape, or that names or resolves
//     into .git in any spelling, is refused with a reason the model can act on.
//   - .git is never read, listed, searched or written by a tool. The package
//     itself reads .git/info/exclude to honour it, and nothing else there.
//   - Writes are atomic: a temporary file in the target's directory, fsync,
//     rename. A final-component symlink is never written through, and an
//     existing file keeps its permission bits.
//   - edit_file refuses to edit a file that changed on disk since the model
//     last read or wrote it through this Toolbox; write_file refuses to
//     replace an existing file unless the model has seen its current
//     content (read it, or wrote or edited it itself) in this Toolbox's life.
//   - list_files and grep never follow a symlink while walking, so they
//     cannot loop or leave the repository; they return bounded counts and
//     stop at WalkTimeout with what they found. grep does not search files
//     the policy keeps from the model (Options.CanRead).
//   - Commands run with stdin at /dev/null, exactly the environment given
//     (build it with CommandEnv, which removes secrets; SecretValues gives
//     the removed values to redact), in their own process group that is
//     killed as a whole on timeout and after the command returns, and their
//     output is capped head and tail in bounded memory.
//   - Nothing a call starts outlives it. Every process carries the call's
//     marker in its environment (SAFE_CODER_CALL, a random ID per call,
//     appended to an inherited one); on Linux, when the call ends, every
//     process of this user still carrying it — in the group or escaped
//     from it with setsid, nohup and setsid, a double fork — gets SIGTERM,
//     then SIGKILL after stopGrace, and the result says how many. Only
//     processes with the marker are touched. A process that both leaves
//     the group and sheds the marker (execs with a wiped environment,
//     becomes non-dumpable, changes user) escapes, as does any escapee
//     outside Linux. The package never makes the process a child
//     subreaper: it does not own the process it runs in.
//   - Anything the model can fix is a Result with IsError set, never a Go
//     error and never a panic.
//
// The bash tool relies on Unix process groups; the package targets Unix,
// and hunts leftovers by marker only on Linux (/proc/<pid>/environ).
package tools
