package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/safe-coder/safe-coder/llm/llmtest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"safe-coder": func() { os.Exit(mainProcess()) },
	})
}

// TestScripts runs the end-to-end scenarios in testdata/scripts: the real
// binary against a fake Anthropic server on a real git repository.
func TestScripts(t *testing.T) {
	t.Parallel()
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/scripts",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, ".home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			env.Values[fakeKey{}] = &fakeHolder{t: env.T()}
			env.Values[githubKey{}] = &githubHolder{}
			env.Values[marksKey{}] = repoMarks{}
			t := env.T()
			workDir := env.WorkDir
			env.Defer(func() {
				for dir, main := range env.Values[marksKey{}].(repoMarks) {
					if err := checkInvariants(dir, main); err != nil {
						t.Log("invariants of " + dir + ": " + err.Error())
						t.FailNow()
					}
				}
				// Every JSON report a script produced matches the schema.
				if err := validateReports(workDir); err != nil {
					t.Log(err.Error())
					t.FailNow()
				}
			})
			env.Setenv("HOME", home)
			env.Setenv("EXAMPLES", examples)
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			env.Setenv("GIT_AUTHOR_NAME", "Test User")
			env.Setenv("GIT_AUTHOR_EMAIL", "user@example.invalid")
			env.Setenv("GIT_COMMITTER_NAME", "Test User")
			env.Setenv("GIT_COMMITTER_EMAIL", "user@example.invalid")
			env.Setenv("ANTHROPIC_API_KEY", "")
			// Go needs these to run `go test` inside scripts.
			for _, k := range []string{"GOPATH", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOROOT", "GOTOOLCHAIN"} {
				if v := os.Getenv(k); v != "" {
					env.Setenv(k, v)
				}
			}
			for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
				if env.Getenv(k) == "" {
					out, err := exec.Command("go", "env", k).Output()
					if err != nil {
						return err
					}
					env.Setenv(k, strings.TrimSpace(string(out)))
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"llmfake":      cmdLLMFake,
			"initrepo":     cmdInitRepo,
			"jsonq":        cmdJSONQ,
			"jsonlines":    cmdJSONLines,
			"jsonvar":      cmdJSONVar,
			"mainmark":     cmdMainMark,
			"invariants":   cmdInvariants,
			"expandenv":    cmdExpandEnv,
			"waitfile":     cmdWaitFile,
			"signal":       cmdSignal,
			"exitedwithin": cmdExitedWithin,
			"githubfake":   cmdGitHubFake,
			"ghoutput":     cmdGHOutput,
		},
	})
}

// llmfake start TURNS.jsonl starts a fake model server that answers with
// the scripted turns in the wire format each request speaks (Anthropic
// Messages or OpenAI Chat Completions), mounted under /llm, and sets
// $LLM_URL, $ANTHROPIC_API_KEY and $OPENAI_API_KEY. llmfake verify checks that every turn was asked for
// and every request was valid; the script's end checks it again.
func cmdLLMFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("llmfake does not support !")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: llmfake start TURNS.jsonl | llmfake verify | llmfake requests N")
	}
	switch args[0] {
	case "start":
		if len(args) != 2 {
			ts.Fatalf("usage: llmfake start TURNS.jsonl")
		}
		turns, err := llmtest.LoadTurns(ts.MkAbs(args[1]))
		ts.Check(err)
		srv := llmtest.Start(turns, llmtest.Options{BasePath: "/llm", APIKey: "sk-ant-test-key"})
		ts.Setenv("LLM_URL", srv.URL())
		ts.Setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
		ts.Setenv("OPENAI_API_KEY", "sk-ant-test-key")
		holder := ts.Value(fakeKey{}).(*fakeHolder)
		holder.srv = srv
		ts.Defer(func() {
			srv.Close()
			if err := srv.Verify(); err != nil {
				holder.t.Log("llmfake: " + err.Error())
				holder.t.FailNow()
			}
		})
	case "verify":
		ts.Check(fake(ts).Verify())
	case "dump", "dumpchat":
		// llmfake dump FILE writes every Anthropic Messages request the
		// server received, as JSON, for grep and jsonq; dumpchat the
		// OpenAI Chat Completions ones.
		if len(args) != 2 {
			ts.Fatalf("usage: llmfake dump|dumpchat FILE")
		}
		var reqs any = fake(ts).Requests()
		if args[0] == "dumpchat" {
			reqs = fake(ts).ChatRequests()
		}
		b, err := json.MarshalIndent(reqs, "", "  ")
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
	case "attempts":
		// llmfake attempts N: exactly N HTTP attempts reached the server,
		// faults included.
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := fake(ts).Attempts(); got != want {
			ts.Fatalf("llmfake: %d attempts, want %d", got, want)
		}
	case "requests":
		// llmfake requests N: exactly N requests reached the server.
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := len(fake(ts).Requests()); got != want {
			ts.Fatalf("llmfake: %d requests, want %d", got, want)
		}
	default:
		ts.Fatalf("llmfake: unknown subcommand %q", args[0])
	}
}

type fakeKey struct{}

// fakeHolder carries a script's fake server between its commands.
type fakeHolder struct {
	t         testscript.T
	srv       *llmtest.Server
	signalled time.Time // when `signal` last sent one
}

func fake(ts *testscript.TestScript) *llmtest.Server {
	srv := ts.Value(fakeKey{}).(*fakeHolder).srv
	if srv == nil {
		ts.Fatalf("llmfake: no server started")
	}
	return srv
}

// expandenv FILE replaces $VAR and ${VAR} in FILE with the script's
// environment, so task files can name the fake server's URL.
func cmdExpandEnv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: expandenv FILE")
	}
	path := ts.MkAbs(args[0])
	data := os.Expand(ts.ReadFile(args[0]), ts.Getenv)
	ts.Check(os.WriteFile(path, []byte(data), 0o644))
}

// waitfile FILE waits up to 20 s for FILE to exist.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfile: %s did not appear", args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signal TERM|INT sends the signal to every background command (testscript's
// own kill knows only INT and KILL).
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	sigs := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT}
	if neg || len(args) != 1 || sigs[args[0]] == 0 {
		ts.Fatalf("usage: signal TERM|INT")
	}
	for _, cmd := range ts.BackgroundCmds() {
		ts.Check(cmd.Process.Signal(sigs[args[0]]))
	}
	ts.Value(fakeKey{}).(*fakeHolder).signalled = time.Now()
}

// exitedwithin SECONDS checks that the background commands, waited for
// since, ended within SECONDS of the last signal: CI gives about ten
// seconds between its SIGTERM and its SIGKILL.
func cmdExitedWithin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: exitedwithin SECONDS")
	}
	limit, err := time.ParseDuration(args[0] + "s")
	ts.Check(err)
	sent := ts.Value(fakeKey{}).(*fakeHolder).signalled
	if sent.IsZero() {
		ts.Fatalf("exitedwithin: no signal was sent")
	}
	took := time.Since(sent)
	ts.Logf("exited %v after the signal", took.Round(time.Millisecond))
	if took > limit {
		ts.Fatalf("exited %v after the signal, more than %v", took, limit)
	}
}

// initrepo DIR makes DIR (with whatever files the script put there) a git
// repository on branch main with one commit of everything.
func cmdInitRepo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: initrepo DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	for _, argv := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"commit", "-q", "--allow-empty", "-m", "initial commit"},
	} {
		cmd := exec.Command("git", argv...)
		cmd.Dir = dir
		cmd.Env = os.Environ()
		for _, k := range []string{"HOME", "GIT_CONFIG_NOSYSTEM", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"} {
			cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			ts.Fatalf("git %s: %v\n%s", strings.Join(argv, " "), err, out)
		}
	}
	marks(ts)[dir] = gitOut(ts, dir, "rev-parse", "refs/heads/main")
}

// jsonq FILE PATH WANT checks one value of a JSON file. PATH is like
// .tasks[0].stats.tool_calls.read_file; WANT is compared with the value's
// JSON encoding, or with the string itself for strings; a WANT of the form
// /regexp/ matches strings.
func cmdJSONQ(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonq FILE PATH WANT")
	}
	var doc any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc))
	got, err := jsonPath(doc, args[1])
	ts.Check(err)
	var gotText string
	if s, ok := got.(string); ok {
		gotText = s
	} else {
		b, err := json.Marshal(got)
		ts.Check(err)
		gotText = string(b)
	}
	want := args[2]
	var match bool
	if len(want) > 1 && strings.HasPrefix(want, "/") && strings.HasSuffix(want, "/") {
		match = regexp.MustCompile(want[1 : len(want)-1]).MatchString(gotText)
	} else {
		match = gotText == want
	}
	if match == neg {
		ts.Fatalf("jsonq %s %s: got %s, want %s%s", args[0], args[1], gotText, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// jsonvar FILE PATH VAR sets $VAR to one string value of a JSON file, such
// as the run id of a report.
func cmdJSONVar(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: jsonvar FILE PATH VAR")
	}
	var doc any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc))
	got, err := jsonPath(doc, args[1])
	ts.Check(err)
	s, ok := got.(string)
	if !ok {
		ts.Fatalf("jsonvar: %s is %v, not a string", args[1], got)
	}
	ts.Setenv(args[2], s)
}

var pathPart = regexp.MustCompile(`^(?:\.([A-Za-z0-9_-]+)|\[(\d+)\])`)

func jsonPath(doc any, path string) (any, error) {
	cur := doc
	rest := path
	if strings.HasPrefix(rest, ".[") {
		rest = rest[1:]
	}
	for rest != "" {
		m := pathPart.FindStringSubmatch(rest)
		if m == nil {
			return nil, fmt.Errorf("bad path %q at %q", path, rest)
		}
		rest = rest[len(m[0]):]
		if m[1] != "" {
			obj, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: not an object before .%s", path, m[1])
			}
			if cur, ok = obj[m[1]]; !ok {
				return nil, fmt.Errorf("%s: no key %q", path, m[1])
			}
			continue
		}
		i, _ := strconv.Atoi(m[2])
		arr, ok := cur.([]any)
		if !ok || i >= len(arr) {
			return nil, fmt.Errorf("%s: no index %d", path, i)
		}
		cur = arr[i]
	}
	return cur, nil
}

// TestMainInProcess checks Main's own contract with buffers: it returns
// codes and never exits.
func TestMainInProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"safe-coder", "version"}, 0, "safe-coder " + version, ""},
		{[]string{"safe-coder", "frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"safe-coder", "run"}, 2, "", "exactly one task file"},
		{[]string{"safe-coder", "run", "--no-such-flag", "x.yaml"}, 2, "", "no-such-flag"},
		{[]string{"safe-coder", "validate", "does-not-exist.yaml"}, 2, "", "does-not-exist.yaml"},
		{[]string{"safe-coder", "report", "--format", "xml"}, 2, "", `--format "xml"`},
		{[]string{"safe-coder", "run", "--shard", "0/2", "x.yaml"}, 2, "", `--shard: invalid shard "0/2"`},
		{[]string{"safe-coder", "report", "merge"}, 2, "", "needs the JSON reports to merge"},
		{[]string{"safe-coder", "report", "merge", "--format", "xml", "a.json"}, 2, "", `--format "xml"`},
		{[]string{"safe-coder", "report", "merge", "missing.json"}, 2, "", "missing.json"},
		{[]string{"safe-coder", "pr"}, 2, "", "pr needs the run id"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Main(t.Context(), tt.args, Streams{In: strings.NewReader(""), Out: &out, Err: &errb})
		if code != tt.code || !strings.Contains(out.String(), tt.out) || !strings.Contains(errb.String(), tt.err) {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want code %d, stdout ~ %q, stderr ~ %q",
				tt.args, code, out.String(), errb.String(), tt.code, tt.out, tt.err)
		}
	}
}
