package tasks

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic and that it always
// returns either a valid File or problems with usable positions.
func FuzzParse(f *testing.F) {
	var seeds []parseCase
	seeds = append(seeds, fileCases()...)
	seeds = append(seeds, taskCases()...)
	seeds = append(seeds, modelCases(f)...)
	seeds = append(seeds, settingCases()...)
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
		switch task.Model.Provider {
		case ProviderAnthropic:
			if task.Model.Name == "" || task.Model.APIKeyEnv == "" || task.Model.Transcript != "" {
				t.Errorf("task %q: bad anthropic model %+v", task.Name, task.Model)
			}
		case ProviderReplay:
			if !filepath.IsAbs(task.Model.Transcript) || task.Model.BaseURL != "" || task.Model.APIKeyEnv != "" {
				t.Errorf("task %q: bad replay model %+v", task.Name, task.Model)
			}
		default:
			t.Errorf("task %q: unknown provider %q", task.Name, task.Model.Provider)
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
		if l := task.Limits; l.MaxSteps < 1 || l.MaxSteps > maxStepsLimit || l.BashTimeout <= 0 || l.BashTimeout > maxBashTimeout {
			t.Errorf("task %q: limits out of range: %+v", task.Name, l)
		}
		if problem := checkBranchName(expandBranch(task.Git.Branch, task.Name, sampleRun, sampleDate)); problem != "" {
			t.Errorf("task %q: branch template %q gives an invalid branch: %s", task.Name, task.Git.Branch, problem)
		}
	}
}
