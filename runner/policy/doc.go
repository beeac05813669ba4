// Package policy decides, for every tool call of a headless run, whether
// it may run. Nobody can be asked, so anything that would need a human's
// approval is denied; a denial goes back to the model as a tool error and
// is recorded with its reason and the rule that decided.
//
// # Order of a decision
//
//  1. An unknown tool, or one not offered to the model, is denied. Plan
//     mode offers read tools only. Then the call's target is read: "path"
//     of the file tools ("." by default for list_files and grep),
//     "command" of bash. An edit or bash call whose input cannot be read is
//     denied; a read call passes, and the tool reports the problem.
//  2. Deny rules of the task file win in every mode, yolo included.
//  3. Built-in denials: writing .github/workflows/**, .gitmodules or
//     .gitattributes (at the repository root) needs an allow rule of the
//     writing tool that names the path; reading a secret-looking file
//     (.env*, *.pem, *.key, id_rsa*, .npmrc, .netrc, .git-credentials, at
//     any depth) needs a read_file allow rule that names it. A bare rule or
//     a pattern such as "**" matches but does not name, so it does not
//     lift these denials.
//  4. The approval table: read tools are allowed; edit tools in auto-edit
//     and yolo, and in default only where an allow rule of the same tool
//     matches; bash in yolo, and in default and auto-edit only when the
//     line is plain and every simple command in it matches an allow rule.
//
// # Paths
//
// Paths are cleaned ("./a//b" is "a/b"). A path that is empty, absolute,
// holds a NUL byte, climbs out of the repository or names .git in any
// spelling is denied whatever the rules say; the tools refuse it anyway.
// Options.Resolve gives the path a tool would really act on, symlinks
// followed. Denials (deny rules and the built-ins) match the literal and
// the resolved path, as written and case-folded, so neither a symlink nor
// a case-insensitive file system dodges them; allow rules must match the
// resolved path exactly, so a link docs/x -> ../.env is not allowed by
// write_file(docs/**). Deny rules of read_file do not stop list_files from
// listing a directory; grep may not search a path read_file may not read,
// and skips such files inside directories through CanRead.
//
// # Bash rules
//
// A bash pattern is a list of words split like the shell's (quotes and
// backslashes allowed, nothing expanded). Unquoted '*' matches any run of
// characters within a word, '/' included, and '?' one character; a last
// word that is exactly '*' matches zero or more words. The first word is
// the command name, written out.
//
// An allow rule matches a simple command exactly: the command name equals
// the first word and the other words match pairwise, so bash(go test ./...)
// matches only "go test ./..." and bash(go test *) matches "go test" and
// "go test ./x -run Y". A deny rule matches generously: the command name
// by base name in any case ("/bin/RM" is rm), and the other words as an
// ordered subsequence of the arguments, so "git -C . push origin" is
// caught by bash(git push *) and "git push -f origin main" by
// bash(git push origin main). Deny rules are checked on every command the
// line shows: inside substitutions, loops and functions, every tail of a
// wrapper's words ("timeout 5 rm x" shows "rm x"), and literal arguments
// of wrappers parsed as shell code ("sh -c 'rm x'"). A word whose value is
// only known when the line runs matches anything.
//
// # Plain command lines
//
// Only plain lines can be allowed by rules. A line is plain when it parses
// as bash; every statement is a simple command, or simple commands joined
// by &&, || or |, separated by ;, & or newlines; and nothing in it is
// expanded, interpreted or hidden. Not plain, and named in the denial:
// substitutions ($(…), backticks, <(…)), parameter and arithmetic
// expansion, globs (unquoted *, ?, [: the shell would replace them with
// file names the agent controls), brace and tilde expansion, $'…' and
// $"…" quoting, assignments and environment prefixes, redirections other
// than 2>&1, >&2, >/dev/null, 2>/dev/null, &>/dev/null and </dev/null,
// here-documents, negation, subshells, groups, functions, loops,
// conditionals, [[ ]], declarations; quotes or backslashes in a command
// name; control, invisible and non-ASCII characters anywhere except inside
// quoted arguments; and the commands and options listed in lists.go: every
// program that runs its arguments or input as code (eval, sh -c, env,
// xargs, timeout, sudo, pagers, editors, …) and options that run code
// (find -exec, sed's e command, awk's system(), git -c, tar
// --to-command, python -c, …).
//
// Options that write or delete files rather than run code — sed -i, find
// -delete and -fprint, git --output — keep a line plain, but an allow rule
// must name them as a literal word: bash(sed -i *) allows in-place edits,
// bash(sed *) does not, because a rule like that reads as permission to
// print.
//
// In yolo a line that is not plain runs only when the task has no bash
// deny rule: with one, what the policy cannot see cannot be checked
// against it, so the line is denied.
//
// # Invariants
//
//   - Decide fails closed and never runs anything; parse errors, unknown
//     syntax and unreadable inputs deny.
//   - A deny rule is never overridden by an allow rule or a mode.
//   - A Policy is immutable and safe for concurrent use, provided Resolve
//     is.
//   - Reason is set on every Decision; Rule names the rule whenever a rule
//     decided.
package policy
