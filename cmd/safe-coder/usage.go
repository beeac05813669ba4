package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/tasks"
)

// urfave/cli's (and the flag package's) wording of the command-line
// mistakes a newcomer makes most, which usageError rewrites.
var (
	flagNotDefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	flagBadValue   = regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]+): `)
	flagNoArgument = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
)

// usageError turns an error urfave/cli found in cmd's command line into one
// that says what was wrong and what to do: an unknown flag names the
// closest one cmd has, a bad value says what the flag takes, and each
// points at the command's --help. It is exit 2.
func usageError(cmd *cli.Command, err error) error {
	name := cmd.FullName()
	help := fmt.Sprintf("'%s --help' lists its flags", name)
	msg := err.Error()
	switch {
	case flagNotDefined.MatchString(msg):
		flag := flagNotDefined.FindStringSubmatch(msg)[1]
		flag, _, _ = strings.Cut(flag, "=")
		if sub := strings.TrimPrefix(strings.TrimPrefix(name, cmd.Root().Name), " "); sub != "" {
			msg = fmt.Sprintf("%s has no flag %s", sub, dashed(flag))
		} else {
			msg = fmt.Sprintf("there is no flag %s", dashed(flag))
		}
		if near, ok := tasks.Suggest(flag, flagNames(cmd)); ok {
			msg += fmt.Sprintf("; did you mean %s? (%s)", dashed(near), help)
		} else {
			msg += "; " + help
		}
	case flagBadValue.MatchString(msg):
		m := flagBadValue.FindStringSubmatch(msg)
		msg = fmt.Sprintf("%s %q: expected %s; %s", dashed(m[2]), m[1], flagKind(cmd, m[2]), help)
	case flagNoArgument.MatchString(msg):
		flag := flagNoArgument.FindStringSubmatch(msg)[1]
		msg = fmt.Sprintf("%s needs a value, as in %s=VALUE; %s", dashed(flag), dashed(flag), help)
	default:
		msg = fmt.Sprintf("%s; %s", msg, help)
	}
	return &exitError{code: exitUsage, err: fmt.Errorf("%s", msg)}
}

// flagNames is every name (and alias) of the flags cmd accepts.
func flagNames(cmd *cli.Command) []string {
	var names []string
	for _, f := range cmd.VisibleFlags() {
		names = append(names, f.Names()...)
	}
	return names
}

// flagKind says in words what kind of value the flag called name takes.
func flagKind(cmd *cli.Command, name string) string {
	for _, f := range cmd.VisibleFlags() {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			switch f.(type) {
			case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag:
				return "a whole number"
			case *cli.BoolFlag:
				return "true or false (or the flag alone)"
			case *cli.DurationFlag:
				return "a duration such as 90s or 5m"
			case *cli.FloatFlag:
				return "a number"
			}
		}
	}
	return "another value"
}

// dashed writes a flag name as it is typed: -v, --repo.
func dashed(name string) string {
	if len([]rune(name)) == 1 {
		return "-" + name
	}
	return "--" + name
}

// didYouMean is "; did you mean "x"?" for the valid value closest to a
// misspelled one, or "" when none is close.
func didYouMean(value string, valid ...string) string {
	if near, ok := tasks.Suggest(value, valid); ok {
		return fmt.Sprintf("; did you mean %q?", near)
	}
	return ""
}

// localFlag keeps a string flag of a command from its subcommands.
func localFlag(f cli.Flag) cli.Flag {
	if sf, ok := f.(*cli.StringFlag); ok {
		sf.Local = true
	}
	return f
}
