package policy

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// commandKey returns the name the lists in lists.go know a command by: the
// lower-cased base name, so "/usr/bin/ENV" is env.
func commandKey(name string) string {
	return strings.ToLower(path.Base(name))
}

// lookupCommand finds a command in one of the lists, also under its name
// without a version suffix (python3.12 is python, perl5.36 is perl).
func lookupCommand[T any](list map[string]T, name string) (T, bool) {
	key := commandKey(name)
	if v, ok := list[key]; ok {
		return v, true
	}
	if trimmed := strings.TrimRight(key, "0123456789."); trimmed != "" && trimmed != key {
		v, ok := list[trimmed]
		return v, ok
	}
	var zero T
	return zero, false
}

// matches reports whether arg is the option o describes.
func (o optionRule) matches(arg string) bool {
	switch {
	case o.cluster:
		return len(arg) > 1 && arg[0] == '-' && arg[1] != '-' && strings.Contains(arg[1:], o.opt)
	case o.prefix:
		return strings.HasPrefix(arg, o.opt)
	}
	return arg == o.opt || strings.HasPrefix(arg, o.opt+"=")
}

// programCheck is what the lists say about one simple command.
type programCheck struct {
	never *finding // why the command is never plain; nil when it may be
	// explicit maps argument indexes to why an allow rule must name that
	// word literally (a wildcard does not do) to allow the command.
	explicit map[int]string
}

// checkProgram checks a simple command whose words are all plain against
// the lists of programs that run code or write files.
func checkProgram(argv []word) programCheck {
	var pc programCheck
	name := argv[0].value
	never := func(i int, format string, args ...any) programCheck {
		pc.never = &finding{what: fmt.Sprintf(format, args...), pos: argv[i].pos}
		return pc
	}
	needsName := func(i int, why string) {
		if pc.explicit == nil {
			pc.explicit = map[int]string{}
		}
		if _, dup := pc.explicit[i]; !dup {
			pc.explicit[i] = why
		}
	}
	if why, ok := lookupCommand(codeRunners(), name); ok {
		return never(0, "%s (it %s)", name, why)
	}
	switch specialKey(name) {
	case "git":
		return checkGit(argv)
	case "sed", "gsed":
		return checkSed(argv)
	case "awk", "gawk", "mawk", "nawk":
		return checkAwk(argv)
	}
	rules, ok := lookupCommand(programOptions(), name)
	if !ok {
		return pc
	}
	for i := 1; i < len(argv); i++ {
		arg := argv[i].value
		if i == 1 && arg != "" && arg[0] != '-' && slices.Contains(oldStyleOptions(), commandKey(name)) {
			arg = "-" + arg
		}
		for _, r := range rules {
			if !r.matches(arg) {
				continue
			}
			if r.explicit {
				needsName(i, fmt.Sprintf("%s %s %s", name, argv[i].value, r.why))
				continue
			}
			return never(i, "%s %s (it %s)", name, argv[i].value, r.why)
		}
	}
	return pc
}

// specialKey returns the name of a command that needs more than option
// matching (git, sed, awk and their variants), version suffix removed, or
// "" for any other command.
func specialKey(name string) string {
	key := commandKey(name)
	for _, k := range []string{key, strings.TrimRight(key, "0123456789.")} {
		switch k {
		case "git", "sed", "gsed", "awk", "gawk", "mawk", "nawk":
			return k
		}
	}
	return ""
}

// gitValueOptions are git's global options that take the next argument as
// their value.
func gitValueOptions() []string {
	return []string{"-C", "--work-tree", "--namespace", "--super-prefix", "--attr-source", "--list-cmds"}
}

// checkGit checks git's global options, its subcommand and the options
// after it.
func checkGit(argv []word) programCheck {
	var pc programCheck
	never := func(i int, what string) programCheck {
		pc.never = &finding{what: what, pos: argv[i].pos}
		return pc
	}
	i := 1
	for ; i < len(argv); i++ {
		arg := argv[i].value
		if !strings.HasPrefix(arg, "-") {
			break
		}
		for _, r := range gitGlobalOptions() {
			if r.matches(arg) {
				return never(i, fmt.Sprintf("git %s (it %s)", arg, r.why))
			}
		}
		for _, opt := range gitValueOptions() {
			if arg == opt {
				i++
			}
		}
	}
	if i >= len(argv) {
		return pc
	}
	sub := argv[i].value
	if why, ok := gitSubcommands()[sub]; ok {
		return never(i, fmt.Sprintf("git %s (%s)", sub, why))
	}
	subRules := gitSubcommandOptions()[sub]
	for j := i + 1; j < len(argv); j++ {
		arg := argv[j].value
		for _, r := range append(gitArgOptions(), subRules...) {
			if !r.matches(arg) {
				continue
			}
			if r.explicit {
				if pc.explicit == nil {
					pc.explicit = map[int]string{}
				}
				pc.explicit[j] = fmt.Sprintf("git %s %s %s", sub, arg, r.why)
				continue
			}
			return never(j, fmt.Sprintf("git %s %s (it %s)", sub, arg, r.why))
		}
	}
	return pc
}

// optionScan is the result of reading a sed or awk command line with its
// option table.
type optionScan struct {
	scripts     []int // indexes of words holding script text given with -e
	scriptText  []string
	positional  []int // indexes of the words that are not options
	bareInPlace bool  // a lone "-i" or "-I", after which BSD sed takes the next word as a suffix
}

// scanOptions reads argv with an option table: short options may be
// clustered ("-ne"), and an option taking a value takes the rest of its
// cluster or the next word. It returns a programCheck for options that
// are never plain or need naming, and for options the table does not know.
func scanOptions(argv []word, table map[string]scriptOption) (optionScan, programCheck) {
	var sc optionScan
	var pc programCheck
	prog := argv[0].value
	never := func(i int, what string) (optionScan, programCheck) {
		pc.never = &finding{what: what, pos: argv[i].pos}
		return sc, pc
	}
	takeValue := func(o scriptOption, i int, attached string, hasAttached bool) int {
		text, at := attached, i
		if !hasAttached {
			if i+1 >= len(argv) {
				return i
			}
			at = i + 1
			text = argv[at].value
		}
		if o.script {
			sc.scripts = append(sc.scripts, at)
			sc.scriptText = append(sc.scriptText, text)
		}
		return at
	}
	apply := func(o scriptOption, i int, spelled string) *finding {
		if o.never != "" {
			return &finding{what: fmt.Sprintf("%s %s (it %s)", prog, spelled, o.never), pos: argv[i].pos}
		}
		if o.explicit != "" {
			if pc.explicit == nil {
				pc.explicit = map[int]string{}
			}
			pc.explicit[i] = fmt.Sprintf("%s %s %s", prog, spelled, o.explicit)
		}
		return nil
	}
	for i := 1; i < len(argv); i++ {
		arg := argv[i].value
		switch {
		case arg == "--":
			for j := i + 1; j < len(argv); j++ {
				sc.positional = append(sc.positional, j)
			}
			return sc, pc
		case strings.HasPrefix(arg, "--"):
			name, value, hasValue := strings.Cut(arg[2:], "=")
			o, ok := table[name]
			if !ok || len(name) < 2 {
				return never(i, fmt.Sprintf("%s %s (an option the policy does not know, so it cannot vouch for it)", prog, arg))
			}
			if f := apply(o, i, "--"+name); f != nil {
				pc.never = f
				return sc, pc
			}
			if o.value {
				i = takeValue(o, i, value, hasValue)
			}
		case len(arg) > 1 && arg[0] == '-':
			if arg == "-i" || arg == "-I" {
				sc.bareInPlace = true
			}
		cluster:
			for j := 1; j < len(arg); j++ {
				letter := string(arg[j])
				o, ok := table[letter]
				if !ok {
					return never(i, fmt.Sprintf("%s -%s (an option the policy does not know, so it cannot vouch for it)", prog, letter))
				}
				if f := apply(o, i, "-"+letter); f != nil {
					pc.never = f
					return sc, pc
				}
				switch {
				case o.optionalValue:
					break cluster
				case o.value:
					rest := arg[j+1:]
					i = takeValue(o, i, rest, rest != "")
					break cluster
				}
			}
		default:
			sc.positional = append(sc.positional, i)
		}
	}
	return sc, pc
}

// checkSed checks sed's options and every script it would run for the
// commands and flags that run commands or write files (e, w, W); an
// in-place edit needs an allow rule naming the option.
func checkSed(argv []word) programCheck {
	sc, pc := scanOptions(argv, sedOptions())
	if pc.never != nil {
		return pc
	}
	check := func(i int, text string, onlyForbidden bool) bool {
		problem, forbidden := sedScriptProblem(text)
		if problem == "" || onlyForbidden && !forbidden {
			return false
		}
		pc.never = &finding{what: fmt.Sprintf("sed script %s (%s)", clipQuote(text), problem), pos: argv[i].pos}
		return true
	}
	for k, i := range sc.scripts {
		if check(i, sc.scriptText[k], false) {
			return pc
		}
	}
	if len(sc.scripts) > 0 || len(sc.positional) == 0 {
		return pc
	}
	// Without -e, GNU sed takes the first word that is not an option as
	// the script. After a lone -i, BSD sed takes that word as the backup
	// suffix and the next one as the script: when the first word looks
	// like a suffix ('' or ".bak") the next is the script; otherwise the
	// next is checked for commands that run or write too, since it may be
	// a file name the scanner cannot read as a script.
	first := sc.positional[0]
	suffixLike := argv[first].value == "" || strings.HasPrefix(argv[first].value, ".")
	switch {
	case sc.bareInPlace && suffixLike:
		if len(sc.positional) > 1 {
			second := sc.positional[1]
			check(second, argv[second].value, false)
		}
	case check(first, argv[first].value, false):
	case sc.bareInPlace && len(sc.positional) > 1:
		second := sc.positional[1]
		check(second, argv[second].value, true)
	}
	return pc
}

// checkAwk checks awk's options and its program for what runs commands.
func checkAwk(argv []word) programCheck {
	sc, pc := scanOptions(argv, awkOptions())
	if pc.never != nil {
		return pc
	}
	scripts, texts := sc.scripts, sc.scriptText
	if len(scripts) == 0 && len(sc.positional) > 0 {
		scripts = append(scripts, sc.positional[0])
		texts = append(texts, argv[sc.positional[0]].value)
	}
	for k, i := range scripts {
		for _, f := range awkForbidden() {
			if strings.Contains(texts[k], f.text) {
				pc.never = &finding{what: fmt.Sprintf("awk program %s (%s)", clipQuote(texts[k]), f.why), pos: argv[i].pos}
				return pc
			}
		}
	}
	return pc
}

// clipQuote quotes s for a reason, shortened.
func clipQuote(s string) string {
	const maxRunes = 40
	rs := []rune(s)
	if len(rs) <= maxRunes {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…", string(rs[:maxRunes]))
}
