package tasks

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestLoadValidFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "valid.yaml")
	f, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	transcript, err := filepath.Abs(filepath.Join("testdata", "fix-vet.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defaultTools := []string{"read_file", "list_files", "grep", "write_file", "edit_file"}
	git := Git{Branch: "ai/{date}/{task}-{run}", Dirty: DirtyRefuse, MaxFileMB: 20}
	// checks merge key by key: the defaults' commands and timeout reach
	// every task that does not set its own.
	checks := Checks{Commands: []string{"go test ./..."}, Attempts: 2, Timeout: 5 * time.Minute}
	limits := Limits{MaxSteps: 25, Timeout: 30 * time.Minute, BashTimeout: 90 * time.Second}
	withCost := func(l Limits, usd float64) Limits {
		l.MaxCostUSD = usd
		return l
	}
	allow := []string{"bash(go test ./...)", "bash(gofmt -l *)"}
	deny := []string{"bash(git push *)", "read_file(**/.env)", "write_file(.github/workflows/**)"}
	env := Env{Pass: []string{"GOPRIVATE_TOKEN"}, Drop: []string{"AWS_PROFILE"}}
	want := &File{Path: path, Version: 1, Tasks: []Task{
		{
			Name:    "fix-vet",
			Prompts: []string{"Fix every warning printed by go vet ./...\nKeep the changes minimal.\n"},
			Model: Model{
				Provider:        ProviderAnthropic,
				Name:            "claude-sonnet-4-5",
				APIKeyEnv:       "SAFE_CODER_ANTHROPIC_KEY",
				MaxOutputTokens: 4096,
				Stream:          true,
			},
			Approval: ApprovalAutoEdit,
			Tools:    []string{"read_file", "grep", "edit_file", "bash"},
			// A task's allow list replaces the defaults'; its deny list
			// adds to them, each rule once.
			Allow: []string{"bash(go vet ./...)", "edit_file(**/*.go)"},
			Deny:  append(deny[:len(deny):len(deny)], "bash(rm *)"),
			Env:   env,
			Limits: Limits{MaxSteps: 60, MaxTokens: 2_000_000, MaxCostUSD: 5,
				Timeout: 30 * time.Minute, BashTimeout: 90 * time.Second},
			Checks: Checks{
				Commands: []string{"go vet ./...", "go test -race ./...\ngofmt -l .\n"},
				Attempts: 3,
				Timeout:  5 * time.Minute,
			},
			OnFailure:        OnFailureRollback,
			Git:              git,
			PR:               builtinPR(),
			InstructionsFrom: InstructionsWorktree,
		},
		{
			Name:    "changelog",
			Prompts: []string{"Summarize the changes since the last tag.", "Add them to CHANGELOG.md."},
			Model: Model{
				Provider:        ProviderAnthropic,
				Name:            "claude-haiku-4-5",
				BaseURL:         "http://localhost:8080/anthropic",
				APIKeyEnv:       "SAFE_CODER_ANTHROPIC_KEY",
				MaxOutputTokens: 4096,
			},
			Approval: ApprovalPlan,
			Tools:    defaultTools,
			// An empty allow list clears the defaults'; pass is replaced,
			// drop added to.
			Deny:   deny,
			Env:    Env{Pass: []string{"NPM_TOKEN"}, Drop: []string{"AWS_PROFILE", "GOPRIVATE_TOKEN", "NPM_TOKEN_OLD"}},
			Limits: limits,
			// attempts: 0 keeps the defaults' commands and timeout.
			Checks:    Checks{Commands: []string{"go test ./..."}, Attempts: 0, Timeout: 5 * time.Minute},
			OnFailure: OnFailureKeep,
			// git merges key by key: the branch and max_file_mb come
			// from the defaults, dirty and return from the task.
			Git:              Git{Branch: "ai/{date}/{task}-{run}", Dirty: DirtySnapshot, Return: true, MaxFileMB: 20},
			PR:               builtinPR(),
			InstructionsFrom: InstructionsWorktree,
		},
		{
			// The defaults' key variable is for anthropic: an openai task
			// never inherits it.
			Name:    "gateway",
			Prompts: []string{"Review the open TODOs."},
			Model: Model{
				Provider:        ProviderOpenAI,
				Name:            "anthropic/claude-sonnet-4.5",
				BaseURL:         "https://openrouter.ai/api/v1",
				APIKeyEnv:       "OPENROUTER_API_KEY",
				MaxOutputTokens: 4096,
				Stream:          true,
			},
			Approval:         ApprovalAutoEdit,
			Tools:            defaultTools,
			Allow:            allow,
			Deny:             deny,
			Env:              env,
			Limits:           withCost(limits, 2.5),
			Checks:           checks,
			OnFailure:        OnFailureRollback,
			Git:              git,
			PR:               builtinPR(),
			InstructionsFrom: InstructionsWorktree,
		},
		{
			Name:    "vllm",
			Prompts: []string{"Add doc comments."},
			Model: Model{
				Provider:        ProviderOpenAI,
				Name:            "my-finetune",
				BaseURL:         "http://localhost:8000/v1",
				APIKeyEnv:       "OPENAI_API_KEY",
				MaxOutputTokens: 4096,
				Stream:          true,
				Pricing:         &Pricing{Input: 0.2, Output: 0.6},
				ContextWindow:   32768,
			},
			Approval:         ApprovalAutoEdit,
			Tools:            defaultTools,
			Allow:            allow,
			Deny:             deny,
			Env:              env,
			Limits:           withCost(limits, 1),
			Checks:           checks,
			OnFailure:        OnFailureRollback,
			Git:              git,
			PR:               builtinPR(),
			InstructionsFrom: InstructionsWorktree,
		},
		{
			Name:    "local",
			Prompts: []string{"Tidy the README."},
			Model: Model{
				Provider:        ProviderOllama,
				Name:            "qwen2.5-coder:32b",
				BaseURL:         "http://localhost:11434/v1",
				MaxOutputTokens: 4096,
				Stream:          true,
			},
			Approval:         ApprovalAutoEdit,
			Tools:            defaultTools,
			Allow:            allow,
			Deny:             deny,
			Env:              env,
			Limits:           limits,
			Checks:           checks,
			OnFailure:        OnFailureRollback,
			Git:              git,
			PR:               builtinPR(),
			InstructionsFrom: InstructionsWorktree,
		},
		{
			// Replay inherits the provider-neutral defaults (name, max
			// output tokens) but not the anthropic-only api_key_env.
			Name:    "replay.smoke_1",
			Prompts: []string{"Replay the recorded session."},
			Model: Model{
				Provider:        ProviderReplay,
				Name:            "claude-sonnet-4-5",
				MaxOutputTokens: 4096,
				Transcript:      transcript,
				Pricing:         &Pricing{Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75},
			},
			Approval:         ApprovalAutoEdit,
			Tools:            defaultTools,
			Allow:            allow,
			Deny:             deny,
			Env:              env,
			Limits:           limits,
			Checks:           checks,
			OnFailure:        OnFailureRollback,
			Git:              git,
			PR:               builtinPR(),
			InstructionsFrom: InstructionsWorktree,
		},
	}}
	clearPositions(f.Tasks)
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Load(%s) =\n%+v\nwant\n%+v", path, f, want)
	}
}

func TestParseBuiltInDefaults(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines("version: 1", "tasks:", "  - name: t", "    prompt: p", "    model: {name: m}"))
	want := []Task{{
		Name:    "t",
		Prompts: []string{"p"},
		Model: Model{
			Provider:        ProviderAnthropic,
			Name:            "m",
			APIKeyEnv:       "ANTHROPIC_API_KEY",
			MaxOutputTokens: 8192,
			Stream:          true,
		},
		Approval:         ApprovalDefault,
		Tools:            []string{"read_file", "list_files", "grep", "write_file", "edit_file", "bash"},
		Limits:           Limits{MaxSteps: 40, BashTimeout: 2 * time.Minute},
		Checks:           Checks{Attempts: 2, Timeout: 10 * time.Minute},
		OnFailure:        OnFailureKeep,
		Git:              Git{Branch: "safe-coder/{task}-{run}", Dirty: DirtySnapshot, MaxFileMB: 50},
		PR:               builtinPR(),
		InstructionsFrom: InstructionsWorktree,
	}}
	clearPositions(f.Tasks)
	if !reflect.DeepEqual(f.Tasks, want) {
		t.Errorf("tasks =\n%+v\nwant\n%+v", f.Tasks, want)
	}
	if f.Version != 1 || f.Path != "tasks.yaml" {
		t.Errorf("Version, Path = %d, %q; want 1, tasks.yaml", f.Version, f.Path)
	}
}

func TestParseMergesPerKey(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines(
		"version: 1",
		"defaults:",
		"  model: {name: m, base_url: https://proxy.example.com/llm, max_output_tokens: 1000}",
		"  tools: [grep, bash]",
		"  limits: {max_steps: 5, bash_timeout: 1h30m}",
		"  git: {branch: \"bots/{run}\", return: true}",
		"  checks: {commands: [make test], attempts: 1}",
		"tasks:",
		"  - name: inherits",
		"    prompt: p",
		"  - name: overrides",
		"    prompt: p",
		"    model: {max_output_tokens: 7, api_key_env: OTHER_KEY}",
		"    tools: [read_file]",
		"    limits: {bash_timeout: 10s}",
		"    approval: yolo",
		"    git: {branch: \"x/{task}/{date}/{run}\", dirty: refuse, max_file_mb: 1}",
		"    checks: {timeout: 30s}",
		"    on_failure: rollback",
	))
	clearPositions(f.Tasks)
	inherits, overrides := f.Tasks[0], f.Tasks[1]
	wantInherits := Task{
		Name: "inherits", Prompts: []string{"p"},
		Model:            Model{Provider: ProviderAnthropic, Name: "m", BaseURL: "https://proxy.example.com/llm", APIKeyEnv: "ANTHROPIC_API_KEY", MaxOutputTokens: 1000, Stream: true},
		Approval:         ApprovalDefault,
		Tools:            []string{"grep", "bash"},
		Limits:           Limits{MaxSteps: 5, BashTimeout: 90 * time.Minute},
		Checks:           Checks{Commands: []string{"make test"}, Attempts: 1, Timeout: 10 * time.Minute},
		OnFailure:        OnFailureKeep,
		Git:              Git{Branch: "bots/{run}", Dirty: DirtySnapshot, Return: true, MaxFileMB: 50},
		PR:               builtinPR(),
		InstructionsFrom: InstructionsWorktree,
	}
	wantOverrides := Task{
		Name: "overrides", Prompts: []string{"p"},
		Model:            Model{Provider: ProviderAnthropic, Name: "m", BaseURL: "https://proxy.example.com/llm", APIKeyEnv: "OTHER_KEY", MaxOutputTokens: 7, Stream: true},
		Approval:         ApprovalYolo,
		Tools:            []string{"read_file"},
		Limits:           Limits{MaxSteps: 5, BashTimeout: 10 * time.Second},
		Checks:           Checks{Commands: []string{"make test"}, Attempts: 1, Timeout: 30 * time.Second},
		OnFailure:        OnFailureRollback,
		Git:              Git{Branch: "x/{task}/{date}/{run}", Dirty: DirtyRefuse, Return: true, MaxFileMB: 1},
		PR:               builtinPR(),
		InstructionsFrom: InstructionsWorktree,
	}
	if !reflect.DeepEqual(inherits, wantInherits) {
		t.Errorf("tasks[0] =\n%+v\nwant\n%+v", inherits, wantInherits)
	}
	if !reflect.DeepEqual(overrides, wantOverrides) {
		t.Errorf("tasks[1] =\n%+v\nwant\n%+v", overrides, wantOverrides)
	}
	// Tasks inheriting a list must not share it: changing one task's tools
	// must not change another's.
	f.Tasks[0].Tools[0] = "changed"
	g := mustParse(t, "tasks.yaml", lines("version: 1", "defaults: {model: {name: m}, tools: [grep], checks: {commands: [make]}}", "tasks: [{name: a, prompt: p}, {name: b, prompt: p}]"))
	g.Tasks[0].Tools[0] = "changed"
	g.Tasks[0].Checks.Commands[0] = "changed"
	if g.Tasks[1].Tools[0] != "grep" {
		t.Errorf("tasks share their inherited tools slice")
	}
	if g.Tasks[1].Checks.Commands[0] != "make" {
		t.Errorf("tasks share their inherited check commands")
	}
}

func TestParseAnchorsAndScalarForms(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines(
		"version: 1",
		"tasks:",
		"  - name: first",
		"    prompt: &common \"  Keep edits small.  \"",
		"    model: &model {name: m}",
		"    limits: {max_steps: 1_000}",
		"  - name: !!str 2024",
		"    prompts: [*common, 'second']",
		"    model: *model",
		"    approval: \"plan\"",
	))
	if got, want := f.Tasks[0].Prompts, []string{"  Keep edits small.  "}; !reflect.DeepEqual(got, want) {
		t.Errorf("tasks[0].Prompts = %q; want %q (verbatim)", got, want)
	}
	if got := f.Tasks[0].Limits.MaxSteps; got != 1000 {
		t.Errorf("tasks[0].Limits.MaxSteps = %d; want 1000", got)
	}
	if got := f.Tasks[1].Name; got != "2024" {
		t.Errorf("tasks[1].Name = %q; want 2024", got)
	}
	if got, want := f.Tasks[1].Prompts, []string{"  Keep edits small.  ", "second"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tasks[1].Prompts = %q; want %q", got, want)
	}
	if got := f.Tasks[1].Model.Name; got != "m" {
		t.Errorf("tasks[1].Model.Name = %q; want m (through the alias)", got)
	}
	if got := f.Tasks[1].Approval; got != ApprovalPlan {
		t.Errorf("tasks[1].Approval = %q; want plan", got)
	}
}

func TestParseTranscriptPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "rec"), 0o755); err != nil {
		t.Fatal(err)
	}
	recorded := filepath.Join(dir, "rec", "session.jsonl")
	if err := os.WriteFile(recorded, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		transcript string
	}{
		{"relative to the task file", "rec/session.jsonl"},
		{"relative with dot segments", "./rec/../rec/session.jsonl"},
		{"absolute", recorded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The task file lives in dir while the test runs elsewhere,
			// so a path resolved against the working directory would fail.
			path := filepath.Join(dir, tc.name+".yaml")
			input := lines("version: 1", "tasks:", "  - name: t", "    prompt: p",
				"    model: {provider: replay, transcript: '"+tc.transcript+"'}")
			if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := f.Tasks[0].Model.Transcript; got != recorded {
				t.Errorf("Transcript = %q; want %q", got, recorded)
			}
		})
	}
}
