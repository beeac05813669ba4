package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/safe-coder/safe-coder/gitsafety/githubtest"
)

type githubKey struct{}

// githubHolder carries a script's fake GitHub between its commands.
type githubHolder struct{ srv *githubtest.Server }

// fakeGitHubToken is the token the fake GitHub accepts, and the one the
// scripts export: long enough to be a secret the redactor knows.
const fakeGitHubToken = "ghs_safecoderFakeToken0123456789"

// githubfake start runs a fake GitHub API for octo/demo under a base
// path, requiring the token, and sets $GITHUB_API_URL, $GITHUB_REPOSITORY
// and $GITHUB_TOKEN. githubfake prs FILE writes its pull requests as
// JSON for jsonq; githubfake count 'METHOD PATH' N checks how many such
// requests came.
func cmdGitHubFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: githubfake start | prs FILE | count CALL N")
	}
	holder := ts.Value(githubKey{}).(*githubHolder)
	switch args[0] {
	case "start":
		// The fake fails the script's test when a request breaks its
		// routes; its t is the script's own.
		t, ok := ts.Value(fakeKey{}).(*fakeHolder).t.(testing.TB)
		if !ok {
			ts.Fatalf("githubfake: the script's T is not a testing.TB")
		}
		// githubfake start KIND 'METHOD PATH' …: scripted faults, each
		// affecting the first matching request.
		var faults []githubtest.Fault
		rest := args[1:]
		if len(rest)%2 != 0 {
			ts.Fatalf("usage: githubfake start [KIND 'METHOD PATH']…")
		}
		for i := 0; i < len(rest); i += 2 {
			faults = append(faults, githubtest.Fault{Kind: rest[i], Call: rest[i+1]})
		}
		holder.srv = githubtest.New(t, githubtest.Options{Token: fakeGitHubToken, Faults: faults})
		ts.Setenv("GITHUB_API_URL", holder.srv.URL())
		ts.Setenv("GITHUB_REPOSITORY", "octo/demo")
		ts.Setenv("GITHUB_TOKEN", fakeGitHubToken)
	case "prs":
		if len(args) != 2 || holder.srv == nil {
			ts.Fatalf("usage: githubfake prs FILE, after githubfake start")
		}
		b, err := json.MarshalIndent(holder.srv.PRs(), "", "  ")
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
	case "count":
		if len(args) != 3 || holder.srv == nil {
			ts.Fatalf("usage: githubfake count 'METHOD PATH' N, after githubfake start")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		if got := holder.srv.Count(args[1]); got != want {
			ts.Fatalf("githubfake: %d requests %s, want %d", got, args[1], want)
		}
	default:
		ts.Fatalf("githubfake: unknown subcommand %q", args[0])
	}
}

// ghoutput FILE NAME WANT checks one output of a $GITHUB_OUTPUT file, read
// as the Actions runner reads it (name=value lines and name<<DELIMITER
// blocks); a WANT of the form /regexp/ matches. An output set twice counts
// as its last value, as for the runner.
func cmdGHOutput(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: ghoutput FILE NAME WANT")
	}
	outputs, err := parseGHOutput(ts.ReadFile(args[0]))
	ts.Check(err)
	got, ok := outputs[args[1]]
	if !ok {
		ts.Fatalf("ghoutput: %s has no output %s", args[0], args[1])
	}
	want := args[2]
	match := got == want
	if len(want) > 1 && strings.HasPrefix(want, "/") && strings.HasSuffix(want, "/") {
		match = regexp.MustCompile(want[1 : len(want)-1]).MatchString(got)
	}
	if match == neg {
		ts.Fatalf("ghoutput %s %s: got %q, want %s%q", args[0], args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func parseGHOutput(data string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			end := slices.Index(lines[i+1:], delim)
			if end < 0 {
				return nil, fmt.Errorf("output %s: delimiter %s never closes", name, delim)
			}
			out[name] = strings.Join(lines[i+1:i+1+end], "\n")
			i += end + 1
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("bad output line %q", line)
		}
		out[name] = value
	}
	return out, nil
}
