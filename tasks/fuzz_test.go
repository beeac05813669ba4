package tasks

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/runner/policy"
)

// FuzzParse checks that no input makes Parse panic and that it always
// returns either a valid File or problems with usable positions.
func FuzzParse(f *testing.F) {
	var seeds []parseCase
	seeds = append(seeds, fileCases()...)
	seeds = append(seeds, taskCases()...)
	seeds = append(seeds, modelCases(f)...)
	seeds = append(seeds, settingCases()...)
	seeds = append(seeds, ruleCases()...)
	seeds = append(seeds, checksCases()...)
	for _, s := range seeds {
		f.Add([]byte(s.input))
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(aliasedPrompts(3, 3)))

	// Transcripts resolve against the task file's directory; give them
	// one that exists and holds a transcript.
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fix-vet.jsonl"), []byte("{}\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "tasks.yaml")

	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(path, data)
		if err == nil {
			checkValidFile(t, file)
			return
		}
		if file != nil {
			t.Fatalf("Parse returned a File and an error: %v", err)
		}
		var errs Errors
		if !errors.As(err, &errs) {
			t.Fatalf("Parse error is %T, not Errors: %v", err, err)
		}
		if len(errs) == 0 {
			t.Fatal("Parse returned an empty Errors")
		}
		for i, e := range errs {
			if e.Line < 1 || e.Col < 1 {
				t.Errorf("problem without a position: %#v", e)
			}
			if e.File != path || e.Msg == "" {
				t.Errorf("problem without a file or message: %#v", e)
			}
			if strings.Contains(e.Error(), "\n") {
				t.Errorf("problem spans several lines: %q", e.Error())
			}
			if i > 0 && (e.Line < errs[i-1].Line || e.Line == errs[i-1].Line && e.Col < errs[i-1].Col) {
				t.Errorf("problems out of order: %v before %v", errs[i-1], e)
			}
		}
	})
}

// checkValidFile checks the promises a successfully parsed File makes.
func checkValidFile(t *testing.T, f *File) {
	t.Helper()
	if f == nil || f.Version != 1 || len(f.Tasks) == 0 {
		t.Fatalf("Parse succeeded with %+v", f)
	}
	seen := map[string]bool{}
	for _, task := range f.Tasks {
		if !taskNamePattern.MatchString(task.Name) || seen[task.Name] {
			t.Errorf("bad or repeated task name %q", task.Name)
		}
		seen[task.Name] = true
		if len(task.Prompts) == 0 {
			t.Errorf("task %q has no prompt", task.Name)
		}
		checkValidModel(t, task.Name, task.Model)
		if task.Limits.MaxCostUSD > 0 {
			if _, ok := task.Model.Price(); !ok {
				t.Errorf("task %q: max_cost_usd %v without a price", task.Name, task.Limits.MaxCostUSD)
			}
		}
		if !slices.Contains(approvalEnum().values, string(task.Approval)) {
			t.Errorf("task %q: unknown approval %q", task.Name, task.Approval)
		}
		if len(task.Tools) == 0 {
			t.Errorf("task %q offers no tools", task.Name)
		}
		for _, tool := range task.Tools {
			if !slices.Contains(ToolNames(), tool) {
				t.Errorf("task %q: unknown tool %q", task.Name, tool)
			}
		}
		for _, rule := range append(slices.Clone(task.Allow), task.Deny...) {
			if _, err := policy.ParseRule(rule); err != nil {
				t.Errorf("task %q: invalid rule: %v", task.Name, err)
			}
		}
		for _, name := range append(slices.Clone(task.Env.Pass), task.Env.Drop...) {
			if !envVarName.MatchString(name) {
				t.Errorf("task %q: invalid variable name %q", task.Name, name)
			}
		}
		for _, name := range task.Env.Pass {
			if name == task.Model.APIKeyEnv || name == defaultAnthropicKeyEnv || name == defaultOpenAIKeyEnv || slices.Contains(task.Env.Drop, name) {
				t.Errorf("task %q passes %q", task.Name, name)
			}
		}
		if l := task.Limits; l.MaxSteps < 1 || l.MaxSteps > maxStepsLimit || l.BashTimeout <= 0 || l.BashTimeout > maxBashTimeout ||
			l.MaxTokens < 0 || !(l.MaxCostUSD >= 0) || math.IsInf(l.MaxCostUSD, 0) || l.Timeout < 0 || l.Timeout > maxTaskTimeout {
			t.Errorf("task %q: limits out of range: %+v", task.Name, l)
		}
		if problem := checkBranchName(expandBranch(task.Git.Branch, task.Name, sampleRun, sampleDate)); problem != "" {
			t.Errorf("task %q: branch template %q gives an invalid branch: %s", task.Name, task.Git.Branch, problem)
		}
		checkValidSafety(t, task)
	}
}

// checkValidSafety checks the promises a parsed task's checks, on_failure
// and git safety settings make.
func checkValidSafety(t *testing.T, task Task) {
	t.Helper()
	c := task.Checks
	if c.Attempts < 0 || c.Timeout <= 0 || c.Timeout > maxCheckTimeout {
		t.Errorf("task %q: checks out of range: %+v", task.Name, c)
	}
	if c.Commands != nil && len(c.Commands) == 0 {
		t.Errorf("task %q: an empty, non-nil list of check commands", task.Name)
	}
	for _, cmd := range c.Commands {
		if strings.TrimSpace(cmd) == "" {
			t.Errorf("task %q: blank check command %q", task.Name, cmd)
		}
	}
	if !slices.Contains(onFailureEnum().values, string(task.OnFailure)) {
		t.Errorf("task %q: unknown on_failure %q", task.Name, task.OnFailure)
	}
	if g := task.Git; !slices.Contains(dirtyEnum().values, g.Dirty) || g.MaxFileMB < 1 || g.MaxFileMB > maxFileMBLimit {
		t.Errorf("task %q: git settings out of range: %+v", task.Name, g)
	}
}

// checkValidModel checks the promises a parsed task's model makes.
func checkValidModel(t *testing.T, task string, m Model) {
	t.Helper()
	switch m.Provider {
	case ProviderAnthropic, ProviderOpenAI:
		if m.Name == "" || m.APIKeyEnv == "" || m.Transcript != "" {
			t.Errorf("task %q: bad %s model %+v", task, m.Provider, m)
		}
	case ProviderOllama:
		if m.Name == "" || m.BaseURL == "" || m.Transcript != "" {
			t.Errorf("task %q: bad ollama model %+v", task, m)
		}
	case ProviderReplay:
		if !filepath.IsAbs(m.Transcript) || m.BaseURL != "" || m.APIKeyEnv != "" || m.Stream {
			t.Errorf("task %q: bad replay model %+v", task, m)
		}
	default:
		t.Errorf("task %q: unknown provider %q", task, m.Provider)
	}
	if m.MaxOutputTokens < 1 || m.MaxOutputTokens > maxOutputTokensLimit {
		t.Errorf("task %q: max_output_tokens out of range: %d", task, m.MaxOutputTokens)
	}
	if w := m.ContextWindow; w != 0 && (w < minContextWindow || w > maxContextWindow) {
		t.Errorf("task %q: context window out of range: %d", task, w)
	}
	if p := m.Pricing; p != nil {
		for _, v := range []float64{p.Input, p.Output, p.CacheRead, p.CacheWrite} {
			if !(v >= 0) || math.IsInf(v, 0) {
				t.Errorf("task %q: bad pricing %+v", task, *p)
			}
		}
	}
}
