package tasks

import (
	"errors"
	"strings"
	"testing"
)

func TestOverrideApply(t *testing.T) {
	t.Parallel()
	const file = `
version: 1
defaults:
  model:
    provider: openai
    name: gpt-4o
    base_url: https://llm.example.invalid/v1
    api_key_env: MY_OPENAI_KEY
    pricing: {input: 1, output: 2}
tasks:
  - name: a
    prompt: do a
  - name: b
    prompt: do b
    approval: plan
    limits: {max_cost_usd: 1}
`
	f, err := Parse("tasks.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	replay := Task{Name: "r", Model: Model{Provider: ProviderReplay, Transcript: "/t.jsonl"}}
	tests := []struct {
		name    string
		o       Override
		tasks   []Task
		check   func(t *testing.T, got []Task)
		wantErr string
	}{
		{
			name: "empty changes nothing", tasks: f.Tasks,
			check: func(t *testing.T, got []Task) {
				if got[0].Model.BaseURL != "https://llm.example.invalid/v1" || got[1].Approval != ApprovalPlan {
					t.Errorf("got %+v", got)
				}
			},
		},
		{
			name: "approval on every task", o: Override{Approval: "yolo"}, tasks: f.Tasks,
			check: func(t *testing.T, got []Task) {
				if got[0].Approval != ApprovalYolo || got[1].Approval != ApprovalYolo {
					t.Errorf("approvals %s, %s; want yolo", got[0].Approval, got[1].Approval)
				}
			},
		},
		{
			name: "same provider keeps the endpoint", o: Override{Provider: "openai"}, tasks: f.Tasks[:1],
			check: func(t *testing.T, got []Task) {
				if m := got[0].Model; m.BaseURL != "https://llm.example.invalid/v1" || m.APIKeyEnv != "MY_OPENAI_KEY" || m.Pricing == nil {
					t.Errorf("model %+v; want the file's endpoint and pricing", m)
				}
			},
		},
		{
			name: "new provider gets its default endpoint", o: Override{Provider: "anthropic", Model: "claude-sonnet-4-5"}, tasks: f.Tasks[:1],
			check: func(t *testing.T, got []Task) {
				m := got[0].Model
				if m.Provider != ProviderAnthropic || m.BaseURL != "" || m.APIKeyEnv != "ANTHROPIC_API_KEY" || !m.Stream || m.Pricing != nil || m.Name != "claude-sonnet-4-5" {
					t.Errorf("model %+v; want anthropic defaults and no pricing", m)
				}
			},
		},
		{
			name: "ollama needs no key", o: Override{Provider: "ollama", Model: "qwen3"}, tasks: f.Tasks[:1],
			check: func(t *testing.T, got []Task) {
				if m := got[0].Model; m.APIKeyEnv != "" || m.BaseURL != defaultOllamaBaseURL {
					t.Errorf("model %+v; want ollama's default URL and no key", m)
				}
			},
		},
		{
			name: "model name drops the pricing", o: Override{Model: "gpt-4o-mini"}, tasks: f.Tasks[:1],
			check: func(t *testing.T, got []Task) {
				if m := got[0].Model; m.Name != "gpt-4o-mini" || m.Pricing != nil || m.APIKeyEnv != "MY_OPENAI_KEY" {
					t.Errorf("model %+v; want the new name, the endpoint kept, no pricing", m)
				}
			},
		},
		{
			name: "replay to anthropic needs a name", o: Override{Provider: "anthropic"}, tasks: []Task{replay},
			wantErr: `task r: provider "anthropic" needs a model name; add --model`,
		},
		{
			name: "replay needs a transcript", o: Override{Provider: "replay"}, tasks: f.Tasks[:1],
			wantErr: "task a: --provider replay needs the task's model.transcript",
		},
		{
			name: "cost limit without a price", o: Override{Model: "my-own-model"}, tasks: f.Tasks,
			wantErr: `task b: limits.max_cost_usd needs a price for openai model "my-own-model"`,
		},
		{name: "bad approval", o: Override{Approval: "always"}, tasks: f.Tasks, wantErr: `--approval "always": expected one of plan, default, auto-edit, yolo`},
		{name: "bad provider", o: Override{Provider: "gemini"}, tasks: f.Tasks, wantErr: `--provider "gemini": expected one of anthropic, openai, ollama, replay`},
		{name: "misspelled approval", o: Override{Approval: "autoedit"}, tasks: f.Tasks, wantErr: `--approval "autoedit": expected one of plan, default, auto-edit, yolo; did you mean "auto-edit"?`},
		{name: "misspelled provider", o: Override{Provider: "antropic"}, tasks: f.Tasks, wantErr: `--provider "antropic": expected one of anthropic, openai, ollama, replay; did you mean "anthropic"?`},
		{name: "bad model", o: Override{Model: " x"}, tasks: f.Tasks, wantErr: `--model " x": expected a model name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := tc.tasks[0].Model
			got, err := tc.o.Apply(tc.tasks)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrBadOverride) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v; want one wrapping ErrBadOverride containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.tasks) {
				t.Fatalf("%d tasks, want %d", len(got), len(tc.tasks))
			}
			if tc.tasks[0].Model.Name != before.Name || tc.tasks[0].Model.Provider != before.Provider {
				t.Errorf("Apply changed its input")
			}
			tc.check(t, got)
		})
	}
}

func TestOverrideEmpty(t *testing.T) {
	t.Parallel()
	if !(Override{}).Empty() || (Override{Model: "m"}).Empty() {
		t.Error("Empty is wrong")
	}
}
