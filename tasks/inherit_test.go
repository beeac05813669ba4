package tasks

import (
	"reflect"
	"testing"
	"time"
)

// TestParseProviderModels checks what each provider's model gets when the
// file sets only what it must.
func TestParseProviderModels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		model string
		want  Model
	}{
		{"anthropic", "{name: claude-sonnet-4-5}", Model{Provider: ProviderAnthropic, Name: "claude-sonnet-4-5",
			APIKeyEnv: "ANTHROPIC_API_KEY", MaxOutputTokens: 8192, Stream: true}},
		{"openai", "{provider: openai, name: gpt-4.1}", Model{Provider: ProviderOpenAI, Name: "gpt-4.1",
			APIKeyEnv: "OPENAI_API_KEY", MaxOutputTokens: 8192, Stream: true}},
		{"openai-compatible server", "{provider: openai, name: qwen, base_url: 'http://localhost:8000/v1', api_key_env: VLLM_KEY, stream: false}",
			Model{Provider: ProviderOpenAI, Name: "qwen", BaseURL: "http://localhost:8000/v1",
				APIKeyEnv: "VLLM_KEY", MaxOutputTokens: 8192}},
		{"ollama sends no key", "{provider: ollama, name: 'llama3.1:8b'}", Model{Provider: ProviderOllama, Name: "llama3.1:8b",
			BaseURL: "http://localhost:11434/v1", MaxOutputTokens: 8192, Stream: true}},
		{"ollama behind a proxy", "{provider: ollama, name: llama3.1, base_url: 'https://llm.example.com/v1', api_key_env: PROXY_KEY}",
			Model{Provider: ProviderOllama, Name: "llama3.1", BaseURL: "https://llm.example.com/v1",
				APIKeyEnv: "PROXY_KEY", MaxOutputTokens: 8192, Stream: true}},
		{"pricing and window", "{name: m, pricing: {input: 1, output: 2.5, cache_read: 0, cache_write: 1_000}, context_window: 1000}",
			Model{Provider: ProviderAnthropic, Name: "m", APIKeyEnv: "ANTHROPIC_API_KEY", MaxOutputTokens: 8192, Stream: true,
				Pricing: &Pricing{Input: 1, Output: 2.5, CacheWrite: 1000}, ContextWindow: 1000}},
		{"free model", "{provider: ollama, name: m, pricing: {input: 0, output: 0.0}, context_window: 10_000_000}",
			Model{Provider: ProviderOllama, Name: "m", BaseURL: "http://localhost:11434/v1", MaxOutputTokens: 8192, Stream: true,
				Pricing: &Pricing{}, ContextWindow: 10_000_000}},
		{"stream in capitals", "{name: m, stream: FALSE}", Model{Provider: ProviderAnthropic, Name: "m",
			APIKeyEnv: "ANTHROPIC_API_KEY", MaxOutputTokens: 8192}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, "tasks.yaml", lines("version: 1", "tasks:", "  - name: t", "    prompt: p", "    model: "+tt.model))
			if got := f.Tasks[0].Model; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Model =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestParseModelInheritance checks which model keys a task inherits from
// the defaults when it changes provider or model.
func TestParseModelInheritance(t *testing.T) {
	t.Parallel()
	defaults := lines(
		"version: 1",
		"defaults:",
		"  model:",
		"    name: claude-sonnet-4-5",
		"    base_url: https://proxy.example.com/anthropic",
		"    api_key_env: TEAM_ANTHROPIC_KEY",
		"    stream: false",
		"    pricing: {input: 2.7, output: 13.5}",
		"    context_window: 150000",
		"tasks:",
	)
	tests := []struct {
		name string
		task string
		want Model
	}{
		{"same provider and model: everything", "{name: t, prompt: p}", Model{
			Provider: ProviderAnthropic, Name: "claude-sonnet-4-5", BaseURL: "https://proxy.example.com/anthropic",
			APIKeyEnv: "TEAM_ANTHROPIC_KEY", MaxOutputTokens: 8192,
			Pricing: &Pricing{Input: 2.7, Output: 13.5}, ContextWindow: 150000}},
		{"same model named again: everything", "{name: t, prompt: p, model: {name: claude-sonnet-4-5, provider: anthropic}}", Model{
			Provider: ProviderAnthropic, Name: "claude-sonnet-4-5", BaseURL: "https://proxy.example.com/anthropic",
			APIKeyEnv: "TEAM_ANTHROPIC_KEY", MaxOutputTokens: 8192,
			Pricing: &Pricing{Input: 2.7, Output: 13.5}, ContextWindow: 150000}},
		{"other model: the endpoint, not the price", "{name: t, prompt: p, model: {name: claude-haiku-4-5}}", Model{
			Provider: ProviderAnthropic, Name: "claude-haiku-4-5", BaseURL: "https://proxy.example.com/anthropic",
			APIKeyEnv: "TEAM_ANTHROPIC_KEY", MaxOutputTokens: 8192}},
		{"other provider: neither the endpoint nor the key", "{name: t, prompt: p, model: {provider: openai, name: gpt-4o}}", Model{
			Provider: ProviderOpenAI, Name: "gpt-4o", APIKeyEnv: "OPENAI_API_KEY", MaxOutputTokens: 8192}},
		{"other provider, same name: not the price", "{name: t, prompt: p, model: {provider: openai}}", Model{
			Provider: ProviderOpenAI, Name: "claude-sonnet-4-5", APIKeyEnv: "OPENAI_API_KEY", MaxOutputTokens: 8192}},
		{"ollama: no key, its own endpoint", "{name: t, prompt: p, model: {provider: ollama, name: llama3.1}}", Model{
			Provider: ProviderOllama, Name: "llama3.1", BaseURL: "http://localhost:11434/v1", MaxOutputTokens: 8192}},
		{"replay: none of them", "{name: t, prompt: p, model: {provider: replay, transcript: testdata/fix-vet.jsonl}}", Model{
			Provider: ProviderReplay, Name: "claude-sonnet-4-5", MaxOutputTokens: 8192, Transcript: "TRANSCRIPT"}},
		{"own settings win", "{name: t, prompt: p, model: {stream: true, pricing: {input: 1, output: 1}, context_window: 9000}}", Model{
			Provider: ProviderAnthropic, Name: "claude-sonnet-4-5", BaseURL: "https://proxy.example.com/anthropic",
			APIKeyEnv: "TEAM_ANTHROPIC_KEY", MaxOutputTokens: 8192, Stream: true,
			Pricing: &Pricing{Input: 1, Output: 1}, ContextWindow: 9000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, "tasks.yaml", defaults+"  - "+tt.task+"\n")
			got := f.Tasks[0].Model
			if tt.want.Transcript != "" {
				tt.want.Transcript = got.Transcript
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Model =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
	// Stream is a preference, not an endpoint: it carries over to another
	// provider that streams.
	f := mustParse(t, "tasks.yaml", lines("version: 1", "defaults: {model: {name: m, stream: false}}",
		"tasks: [{name: t, prompt: p, model: {provider: openai}}]"))
	if f.Tasks[0].Model.Stream {
		t.Error("an openai task did not inherit stream: false from anthropic defaults")
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		limits string
		want   Limits
	}{
		{"none", "{}", Limits{MaxSteps: 40, BashTimeout: 2 * time.Minute}},
		{"all", "{max_steps: 3, max_tokens: 1_000_000, max_cost_usd: 0.25, timeout: 1h30m, bash_timeout: 10s}",
			Limits{MaxSteps: 3, MaxTokens: 1_000_000, MaxCostUSD: 0.25, Timeout: 90 * time.Minute, BashTimeout: 10 * time.Second}},
		{"integer cost", "{max_cost_usd: 5}", Limits{MaxSteps: 40, MaxCostUSD: 5, BashTimeout: 2 * time.Minute}},
		{"exponent cost", "{max_cost_usd: 5e-1}", Limits{MaxSteps: 40, MaxCostUSD: 0.5, BashTimeout: 2 * time.Minute}},
		{"one token", "{max_tokens: 1}", Limits{MaxSteps: 40, MaxTokens: 1, BashTimeout: 2 * time.Minute}},
		{"longest timeout", "{timeout: 24h}", Limits{MaxSteps: 40, Timeout: 24 * time.Hour, BashTimeout: 2 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, "tasks.yaml", lines("version: 1", "tasks:", "  - name: t", "    prompt: p",
				"    model: {name: claude-sonnet-4-5}", "    limits: "+tt.limits))
			if got := f.Tasks[0].Limits; got != tt.want {
				t.Errorf("Limits = %+v, want %+v", got, tt.want)
			}
		})
	}
	// Limits merge key by key, like the model.
	f := mustParse(t, "tasks.yaml", lines("version: 1",
		"defaults: {model: {name: claude-haiku-4-5}, limits: {max_cost_usd: 2, timeout: 10m}}",
		"tasks: [{name: t, prompt: p, limits: {max_tokens: 500, timeout: 1m}}]"))
	want := Limits{MaxSteps: 40, MaxTokens: 500, MaxCostUSD: 2, Timeout: time.Minute, BashTimeout: 2 * time.Minute}
	if got := f.Tasks[0].Limits; got != want {
		t.Errorf("merged Limits = %+v, want %+v", got, want)
	}
}
