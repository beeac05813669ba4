package policy

// This file is the one place that lists the programs, builtins and options
// the shell policy refuses to let an allow rule vouch for, each with why.
// The why texts complete a sentence that starts with the program's name,
// and reach the model in denial reasons. Names are matched on the lower-
// cased base name of the command ("/usr/bin/ENV" is env), so a path or a
// case-insensitive file system does not hide them.
//
// The lists are functions, not variables, so nothing can change them at
// run time.

// codeRunners lists the commands that run their arguments, their standard
// input or a file as code. A rule naming one would allow anything at all,
// so a command line using one is never plain.
func codeRunners() map[string]string {
	const shell = "is a shell: it runs its -c argument, a script or its standard input as code"
	const runsArgs = "runs the command given in its arguments"
	const asUser = "runs the command in its arguments as another user"
	const pager = "is a pager, and pagers run shell commands (!cmd) and open editors"
	const editor = "is an editor, and editors run shell commands and write files"
	return map[string]string{
		// Shells and shell-like interpreters.
		"sh": shell, "bash": shell, "zsh": shell, "dash": shell, "ksh": shell, "mksh": shell,
		"ash": shell, "csh": shell, "tcsh": shell, "fish": shell, "pwsh": shell, "powershell": shell,
		"busybox": "is a multi-call binary whose applets include a shell",
		// Builtins that evaluate text or change what a name runs.
		"eval":      "evaluates its arguments as shell code",
		"exec":      "replaces the shell with the command in its arguments",
		"command":   runsArgs + ", bypassing shell functions",
		"builtin":   runsArgs,
		"source":    "runs a file as shell code",
		".":         "runs a file as shell code",
		"trap":      "runs its first argument as shell code when a signal arrives or the shell exits",
		"alias":     "defines names that expand to other commands",
		"shopt":     "changes shell options, such as expanding aliases",
		"enable":    "loads builtins from shared libraries (enable -f)",
		"hash":      "binds a command name to any file (hash -p)",
		"fc":        "opens an editor and runs the edited commands",
		"compgen":   "runs a command to generate completions (-C)",
		"complete":  "registers commands to run for completions (-C)",
		"bind":      "binds keys to shell code (-x)",
		"mapfile":   "runs a callback as shell code (-C)",
		"readarray": "runs a callback as shell code (-C)",
		// Programs whose job is to run another command.
		"env":              runsArgs + " with a changed environment",
		"xargs":            "runs a command with arguments read from its standard input",
		"parallel":         "runs commands built from its arguments or input",
		"timeout":          runsArgs,
		"nohup":            runsArgs + ", detached from the run",
		"nice":             runsArgs,
		"ionice":           runsArgs,
		"chrt":             runsArgs,
		"taskset":          runsArgs,
		"numactl":          runsArgs,
		"setsid":           runsArgs + " in a new session, outliving the call",
		"stdbuf":           runsArgs,
		"time":             runsArgs,
		"watch":            "runs its arguments as a shell command, again and again",
		"flock":            runsArgs + " (or its -c argument as shell code)",
		"script":           runsArgs + " (-c) under a pseudo-terminal",
		"unbuffer":         runsArgs,
		"chroot":           runsArgs + " in another root directory",
		"unshare":          runsArgs + " in new namespaces",
		"nsenter":          runsArgs + " in other namespaces",
		"cgexec":           runsArgs,
		"systemd-run":      runsArgs + " as a system service, outliving the call",
		"strace":           runsArgs + " under a tracer",
		"ltrace":           runsArgs + " under a tracer",
		"valgrind":         runsArgs,
		"gdb":              "runs programs and debugger commands, which include shell commands",
		"lldb":             "runs programs and debugger commands, which include shell commands",
		"fakeroot":         runsArgs,
		"faketime":         runsArgs,
		"firejail":         runsArgs,
		"proxychains":      runsArgs,
		"proxychains4":     runsArgs,
		"torsocks":         runsArgs,
		"xvfb-run":         runsArgs,
		"dbus-run-session": runsArgs,
		"run-parts":        "runs every script in a directory",
		"entr":             runsArgs + " whenever files change",
		"caffeinate":       runsArgs,
		"tmux":             "runs shell commands in a server that outlives the call",
		"screen":           "runs shell commands in a session that outlives the call",
		"socat":            "connects to programs it starts (EXEC:, SYSTEM:)",
		"at":               "schedules commands to run later",
		"batch":            "schedules commands to run later",
		"crontab":          "schedules commands to run later",
		"xdg-open":         "opens files with whatever program is registered for them",
		"open":             "opens files with whatever program is registered for them",
		"m4":               "runs shell commands from its input (syscmd, esyscmd)",
		"dc":               "runs shell commands with !",
		"sudo":             asUser,
		"doas":             asUser,
		"su":               asUser,
		"pkexec":           asUser,
		"runuser":          asUser,
		"sg":               asUser,
		"newgrp":           "starts a new shell",
		// Remote shells: the command runs elsewhere, and ProxyCommand or
		// -o options run local commands too.
		"ssh":  "runs commands on another machine, and local ones through ProxyCommand",
		"scp":  "runs ssh, which runs local commands through ProxyCommand",
		"sftp": "runs ssh, which runs local commands through ProxyCommand",
		// Pagers and editors run commands of their own.
		"less": pager, "more": pager, "most": pager, "pg": pager,
		"man":  "runs a pager, which runs shell commands",
		"info": "runs shell commands from info files",
		"vi":   editor, "vim": editor, "nvim": editor, "view": editor, "vimdiff": editor, "ex": editor,
		"ed": editor, "nano": editor, "pico": editor, "emacs": editor, "emacsclient": editor,
		"joe": editor, "mg": editor,
	}
}

// optionRule is an option that makes a program run code or write files.
type optionRule struct {
	// opt is how the option is written: "-exec" or "--upload-pack" match
	// the argument itself and its "=value" form; with cluster, opt is one
	// letter that matches inside a short-option cluster ("e" matches "-e"
	// and "-ne").
	opt     string
	cluster bool
	// prefix makes opt match any argument starting with it ("-fprint"
	// matches "-fprint0" and "-fprintf").
	prefix bool
	// explicit marks options that write or delete files rather than run
	// code. They are allowed, but only by an allow rule that names the
	// option as a literal word: bash(find . -name *.tmp -delete) allows
	// -delete, bash(find *) does not, because a rule like that reads as
	// permission to look, not to delete.
	explicit bool
	why      string
}

// programOptions lists, per program, the options that run code (never
// plain) or write files (explicit). sed, awk and git need more than a list
// and have their own checks below and in programs.go.
func programOptions() map[string][]optionRule {
	const perCommand = "runs a command"
	inline := func(letters ...string) []optionRule {
		var out []optionRule
		for _, l := range letters {
			out = append(out, optionRule{opt: l, cluster: true, why: "runs program text given on the command line, which nobody reviews"})
		}
		return out
	}
	python := inline("c")
	node := []optionRule{
		{opt: "-e", why: "runs program text given on the command line"},
		{opt: "--eval", why: "runs program text given on the command line"},
		{opt: "-p", why: "runs program text given on the command line"},
		{opt: "--print", why: "runs program text given on the command line"},
		{opt: "eval", why: "runs program text given on the command line"},
	}
	tar := []optionRule{
		{opt: "--to-command", why: "pipes every extracted file to a command"},
		{opt: "--use-compress-program", why: "runs a program to compress or decompress"},
		{opt: "--checkpoint-action", why: "runs a command at checkpoints (exec=)"},
		{opt: "--info-script", why: perCommand + " at the end of each volume"},
		{opt: "--new-volume-script", why: perCommand + " at the end of each volume"},
		{opt: "--rsh-command", why: "runs a remote shell program"},
		{opt: "I", cluster: true, why: "runs a program to compress or decompress (-I)"},
		{opt: "F", cluster: true, why: perCommand + " at the end of each volume (-F)"},
	}
	return map[string][]optionRule{
		"find": {
			{opt: "-exec", why: perCommand + " for each file found"},
			{opt: "-execdir", why: perCommand + " for each file found"},
			{opt: "-ok", why: perCommand + " for each file found"},
			{opt: "-okdir", why: perCommand + " for each file found"},
			{opt: "-delete", explicit: true, why: "deletes every file found"},
			{opt: "-fprint", prefix: true, explicit: true, why: "writes to a file"},
			{opt: "-fls", explicit: true, why: "writes to a file"},
		},
		// Interpreters run scripts, which an allow rule may name; inline
		// program text is refused anywhere on the line, because options
		// taking values make "before the script name" undecidable without
		// each interpreter's full option table.
		"python": python, "python2": python, "python3": python, "pypy": python, "pypy3": python,
		"perl":    inline("e", "E", "M", "m"),
		"ruby":    inline("e"),
		"php":     inline("r", "B", "R", "F", "E"),
		"lua":     inline("e"),
		"luajit":  inline("e"),
		"expect":  inline("c"),
		"tclsh":   inline("c"),
		"rscript": {{opt: "-e", why: "runs program text given on the command line"}},
		"osascript": {
			{opt: "-e", why: "runs program text given on the command line"},
		},
		"node": node, "nodejs": node, "bun": node, "deno": node,
		"tar": tar, "gtar": tar, "bsdtar": tar,
		"zip": {
			{opt: "T", cluster: true, why: "tests the archive with a command it runs (-T, -TT)"},
			{opt: "--unzip-command", why: "tests the archive with a command it runs"},
		},
		"rsync": {
			{opt: "e", cluster: true, why: "runs a remote shell program (-e)"},
			{opt: "--rsh", why: "runs a remote shell program"},
			{opt: "--rsync-path", why: "runs a program on the other side"},
		},
		"nc":     {{opt: "e", cluster: true, why: "runs a program connected to the network (-e, -c)"}, {opt: "c", cluster: true, why: "runs a command connected to the network"}},
		"ncat":   {{opt: "e", cluster: true, why: "runs a program connected to the network"}, {opt: "c", cluster: true, why: "runs a command connected to the network"}, {opt: "--exec", why: "runs a program connected to the network"}, {opt: "--sh-exec", why: "runs a command connected to the network"}, {opt: "--lua-exec", why: "runs a script connected to the network"}},
		"netcat": {{opt: "e", cluster: true, why: "runs a program connected to the network (-e, -c)"}, {opt: "c", cluster: true, why: "runs a command connected to the network"}},
	}
}

// oldStyleOptions lists the programs whose first argument may be a
// cluster of options without the dash ("tar xIf zstd a.tar"), which the
// option rules must read as if it had one.
func oldStyleOptions() []string {
	return []string{"tar", "gtar", "bsdtar"}
}

// gitGlobalOptions lists the options before git's subcommand that change
// what git runs; they are never plain. "--exec-path" alone only prints a
// path and is checked for its "=value" form only.
func gitGlobalOptions() []optionRule {
	return []optionRule{
		{opt: "-c", prefix: true, why: "sets configuration for one command, and configuration runs commands (core.pager, core.fsmonitor, aliases with !)"},
		{opt: "--config-env", why: "sets configuration from the environment, and configuration runs commands"},
		{opt: "--exec-path=", prefix: true, why: "changes where git finds the programs it runs"},
		{opt: "--git-dir", why: "uses another repository's configuration, which can run commands (core.fsmonitor)"},
	}
}

// gitSubcommands lists git subcommands that run commands whatever their
// arguments.
func gitSubcommands() map[string]string {
	return map[string]string{
		"config":        "config writes settings that later run commands (core.pager, core.fsmonitor, core.hooksPath, aliases)",
		"filter-branch": "filter-branch runs its filters as shell code",
		"difftool":      "difftool runs external diff tools",
		"mergetool":     "mergetool runs external merge tools",
		"send-email":    "send-email runs programs given as options (--smtp-server, --to-cmd)",
		"instaweb":      "instaweb starts a web server and a browser",
	}
}

// gitArgOptions lists options after git's subcommand that run commands or
// install hooks; they are never plain wherever they appear.
func gitArgOptions() []optionRule {
	return []optionRule{
		{opt: "--upload-pack", why: "runs the given program as the other side of a fetch"},
		{opt: "--receive-pack", why: "runs the given program as the other side of a push"},
		{opt: "--exec", prefix: true, why: "runs the given program or command"},
		{opt: "--template", why: "copies hooks from a directory the agent can write, and git then runs them"},
		{opt: "--extcmd", why: "runs the given program as a diff tool"},
		{opt: "--open-files-in-pager", why: "opens the matches with a command"},
		{opt: "--output", explicit: true, why: "writes its output to a file"},
	}
}

// gitSubcommandOptions lists short options whose meaning depends on the
// subcommand: "-u" is harmless for most but runs a program for clone.
func gitSubcommandOptions() map[string][]optionRule {
	return map[string][]optionRule{
		"clone":  {{opt: "-u", why: "runs the given program as the other side of the clone"}},
		"rebase": {{opt: "x", cluster: true, why: "runs the given command after each commit"}},
		"grep":   {{opt: "O", cluster: true, why: "opens the matches with a command"}},
		"bisect": {{opt: "run", why: "runs the given command to judge each commit"}},
		"submodule": {
			{opt: "foreach", why: "runs the given shell command in each submodule"},
		},
	}
}

// sedOptions lists the sed options the policy knows, with what each
// takes; any other option makes a sed command not plain, since the policy
// cannot vouch for what it does.
func sedOptions() map[string]scriptOption {
	return map[string]scriptOption{
		"n": {}, "quiet": {}, "silent": {},
		"E": {}, "r": {}, "regexp-extended": {},
		"s": {}, "separate": {},
		"u": {}, "unbuffered": {},
		"z": {}, "null-data": {}, "zero-terminated": {},
		"posix": {}, "debug": {}, "sandbox": {}, "follow-symlinks": {}, "help": {}, "version": {},
		"b": {}, "binary": {},
		"l": {value: true}, "line-length": {value: true},
		"e": {value: true, script: true}, "expression": {value: true, script: true},
		// A script read from a file is one the agent can have written,
		// with e and w commands the policy never sees.
		"f":    {value: true, never: "reads its script from a file, whose commands the policy cannot see"},
		"file": {value: true, never: "reads its script from a file, whose commands the policy cannot see"},
		// In-place editing writes the files sed reads: allowed, but only by
		// a rule that names the option, as in bash(sed -i *).
		"i":        {optionalValue: true, explicit: "edits files in place"},
		"in-place": {optionalValue: true, explicit: "edits files in place"},
		"I":        {explicit: "edits files in place"},
	}
}

// scriptOption is what one option of sed or awk, the programs that take a
// script, takes and means to the policy.
type scriptOption struct {
	value         bool   // takes a value (attached or the next argument)
	optionalValue bool   // takes a value only when attached (-i.bak)
	script        bool   // the value is a sed script
	never         string // why the option is never plain
	explicit      string // why the option needs an allow rule naming it
}

// sedScriptCommands names the sed commands that run or write; the script
// scanner in sedscript.go reports them.
func sedScriptCommands() map[rune]string {
	return map[rune]string{
		'e': "the sed command or flag e runs a shell command",
		'w': "the sed command or flag w writes to a file",
		'W': "the sed command W writes to a file",
	}
}

// awkOptions lists the awk options the policy knows. The program is
// checked for the words in awkForbidden; any other option makes an awk
// command not plain.
func awkOptions() map[string]scriptOption {
	const fromFile = "reads its program from a file, whose contents the policy cannot see"
	return map[string]scriptOption{
		"F": {value: true}, "field-separator": {value: true},
		"v": {value: true}, "assign": {value: true},
		"e": {value: true, script: true}, "source": {value: true, script: true},
		"f": {value: true, never: fromFile}, "file": {value: true, never: fromFile},
		"E": {value: true, never: fromFile}, "exec": {value: true, never: fromFile},
		"l": {value: true, never: "loads an extension library, which is code"}, "load": {value: true, never: "loads an extension library, which is code"},
		"i": {value: true, never: "includes program text from a file"}, "include": {value: true, never: "includes program text from a file"},
	}
}

// awkForbidden lists what an awk program must not contain: each runs a
// command, reads a command's output, or loads code. The search is for the
// text anywhere in the program, strings included, which errs on the safe
// side.
func awkForbidden() []struct{ text, why string } {
	return []struct{ text, why string }{
		{"system", "the awk program calls system(), which runs a shell command"},
		{"|", "the awk program pipes to or from a command with |"},
		{"getline", "the awk program uses getline, which reads from commands and files"},
		{"@load", "the awk program loads an extension library with @load"},
		{"@include", "the awk program includes another file with @include"},
	}
}
