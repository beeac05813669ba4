package tasks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseWithBase(t *testing.T) {
	t.Parallel()
	config := ModelBase{Provider: ProviderOpenAI, Name: "gpt-from-config", MaxOutputTokens: 1000, BaseURL: "https://llm.example.test/v1", Source: "config.toml"}
	tests := []struct {
		name  string
		base  ModelBase
		input string
		want  Model
	}{
		{
			name:  "base fills a file that names no model",
			base:  config,
			input: lines("version: 1", "tasks:", "  - {name: t, prompt: p}"),
			want: Model{Provider: ProviderOpenAI, Name: "gpt-from-config", MaxOutputTokens: 1000, BaseURL: "https://llm.example.test/v1",
				APIKeyEnv: defaultOpenAIKeyEnv, Stream: true},
		},
		{
			name:  "defaults win over the base",
			base:  config,
			input: lines("version: 1", "defaults:", "  model: {name: gpt-file, max_output_tokens: 50, base_url: http://file.test}", "tasks:", "  - {name: t, prompt: p}"),
			want:  Model{Provider: ProviderOpenAI, Name: "gpt-file", MaxOutputTokens: 50, BaseURL: "http://file.test", APIKeyEnv: defaultOpenAIKeyEnv, Stream: true},
		},
		{
			name:  "the task wins over the base",
			base:  config,
			input: lines("version: 1", "tasks:", "  - {name: t, prompt: p, model: {name: gpt-task}}"),
			want: Model{Provider: ProviderOpenAI, Name: "gpt-task", MaxOutputTokens: 1000, BaseURL: "https://llm.example.test/v1",
				APIKeyEnv: defaultOpenAIKeyEnv, Stream: true},
		},
		{
			name:  "another provider gets nothing from the base",
			base:  config,
			input: lines("version: 1", "tasks:", "  - {name: t, prompt: p, model: {provider: anthropic, name: claude}}"),
			want:  Model{Provider: ProviderAnthropic, Name: "claude", MaxOutputTokens: defaultMaxOutputTokens, APIKeyEnv: defaultAnthropicKeyEnv, Stream: true},
		},
		{
			name:  "a base without provider is about anthropic",
			base:  ModelBase{Name: "claude-config", MaxOutputTokens: 2048},
			input: lines("version: 1", "tasks:", "  - {name: t, prompt: p}"),
			want:  Model{Provider: ProviderAnthropic, Name: "claude-config", MaxOutputTokens: 2048, APIKeyEnv: defaultAnthropicKeyEnv, Stream: true},
		},
		{
			name:  "the zero base changes nothing",
			input: lines("version: 1", "tasks:", "  - {name: t, prompt: p, model: {name: claude}}"),
			want:  Model{Provider: ProviderAnthropic, Name: "claude", MaxOutputTokens: defaultMaxOutputTokens, APIKeyEnv: defaultAnthropicKeyEnv, Stream: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseWith("tasks.yaml", []byte(tt.input), ParseOptions{Base: tt.base})
			if err != nil {
				t.Fatalf("ParseWith: %v", err)
			}
			if got := f.Tasks[0].Model; fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("model = %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

func TestParseWithBaseStillNeedsAName(t *testing.T) {
	t.Parallel()
	// The base's name is for its own provider: a file that switches
	// provider must name its model.
	base := ModelBase{Provider: ProviderAnthropic, Name: "claude"}
	input := lines("version: 1", "tasks:", "  - name: t", "    prompt: p", "    model: {provider: openai}")
	_, err := ParseWith("tasks.yaml", []byte(input), ParseOptions{Base: base})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("ParseWith error = %v; want Errors", err)
	}
	checkLines(t, renderEach(errs), []string{
		`tasks.yaml:5:12: tasks[0].model: missing model name: provider "openai" needs model.name, on the task or in defaults`,
	})
}

func TestParseWithInvalidBase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		base ModelBase
		want []string
	}{
		{"unknown provider", ModelBase{Provider: "gemini", Source: "c.toml"},
			[]string{`c.toml:1:1: provider: unknown provider "gemini"; expected one of anthropic, openai, ollama, replay`}},
		{"tokens out of range", ModelBase{MaxOutputTokens: maxOutputTokensLimit + 1, Source: "c.toml"},
			[]string{fmt.Sprintf("c.toml:1:1: max_output_tokens: must be between 1 and %d, got %d", maxOutputTokensLimit, maxOutputTokensLimit+1)}},
		{"base URL with credentials", ModelBase{BaseURL: "https://user:secret@example.test", Source: "c.toml"},
			[]string{"c.toml:1:1: base_url: expected a URL without credentials; put the key in an environment variable, and rotate it if it was shared"}},
		{"base URL not absolute", ModelBase{BaseURL: "example.test/v1", Source: "c.toml"},
			[]string{"c.toml:1:1: base_url: expected an absolute http or https URL such as https://api.anthropic.com"}},
		{"base URL with a query", ModelBase{BaseURL: "https://example.test/?k=v", Source: "c.toml"},
			[]string{"c.toml:1:1: base_url: expected a URL without a query (?...)"}},
		{"name with blanks", ModelBase{Name: " claude", Source: "c.toml"},
			[]string{"c.toml:1:1: name: the model name has blanks around it; remove them"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseWith("tasks.yaml", []byte(header()), ParseOptions{Base: tt.base})
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("ParseWith error = %v; want Errors", err)
			}
			checkLines(t, renderEach(errs), tt.want)
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error repeats the URL's credentials: %v", err)
			}
		})
	}
}

func TestModelBaseKeyFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		base  ModelBase
		model Model
		ok    bool
	}{
		{"same provider, both default endpoints", ModelBase{APIKey: "k"}, Model{Provider: ProviderAnthropic}, true},
		{"default endpoint written out", ModelBase{APIKey: "k"}, Model{Provider: ProviderAnthropic, BaseURL: "https://api.anthropic.com/"}, true},
		{"task points elsewhere", ModelBase{APIKey: "k"}, Model{Provider: ProviderAnthropic, BaseURL: "https://evil.test"}, false},
		{"other provider", ModelBase{APIKey: "k"}, Model{Provider: ProviderOpenAI}, false},
		{"same custom endpoint", ModelBase{Provider: ProviderOpenAI, BaseURL: "http://llm.test/v1", APIKey: "k"}, Model{Provider: ProviderOpenAI, BaseURL: "http://llm.test/v1"}, true},
		{"ollama default", ModelBase{Provider: ProviderOllama, APIKey: "k"}, Model{Provider: ProviderOllama, BaseURL: defaultOllamaBaseURL}, true},
		{"replay never", ModelBase{Provider: ProviderReplay, APIKey: "k"}, Model{Provider: ProviderReplay}, false},
		{"no key", ModelBase{}, Model{Provider: ProviderAnthropic}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, ok := tt.base.KeyFor(tt.model)
			if ok != tt.ok || (ok && key != "k") || (!ok && key != "") {
				t.Errorf("KeyFor = %q, %v; want ok %v", key, ok, tt.ok)
			}
		})
	}
}

func TestModelBaseStringHidesKey(t *testing.T) {
	t.Parallel()
	b := ModelBase{Name: "m", APIKey: "sk-very-secret", BaseURL: "https://u:pw@h.test", Source: "c.toml"}
	for _, s := range []string{fmt.Sprint(b), fmt.Sprintf("%+v", b), fmt.Sprintf("%#v", b), fmt.Sprint(ParseOptions{Base: b})} {
		if strings.Contains(s, "sk-very-secret") || strings.Contains(s, "pw") {
			t.Errorf("printed base shows a secret: %s", s)
		}
		if !strings.Contains(s, "api_key set") {
			t.Errorf("printed base does not say the key is set: %s", s)
		}
	}
}
