package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/tasks"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want LLM
	}{
		{"empty file", "", LLM{}},
		{"comments only", "# nothing yet\n", LLM{}},
		{"empty section", "[llm]\n", LLM{}},
		{"every key", `[llm]
provider = "openai"
model = "gpt-test"
max_tokens = 4096
api_key = "sk-test"
base_url = "https://llm.example.test/v1"
`, LLM{Provider: tasks.ProviderOpenAI, Model: "gpt-test", MaxTokens: 4096, APIKey: "sk-test", BaseURL: "https://llm.example.test/v1"}},
		{"dotted keys at the top level", "llm.model = \"claude\"\n", LLM{Model: "claude"}},
		{"inline table", "llm = { provider = \"ollama\", model = \"qwen\" }\n", LLM{Provider: tasks.ProviderOllama, Model: "qwen"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("config.toml", []byte(tt.data))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if c.LLM != tt.want {
				t.Errorf("LLM = %v; want %v", c.LLM, tt.want)
			}
			if c.Path != "config.toml" {
				t.Errorf("Path = %q; want config.toml", c.Path)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"syntax error", "[llm]\nmodel = \n", []string{
			"config.toml:2:9: expected value but found '\\n' instead",
		}},
		{"unknown key with a suggestion", "[llm]\nprovider = \"anthropic\"\n  modle = \"claude\"\n", []string{
			`config.toml:3:3: llm.modle: unknown key "modle"; did you mean "model"? (the [llm] keys are provider, model, max_tokens, api_key, base_url)`,
		}},
		{"unknown key without a suggestion", "[llm]\ntemperature = 0.2\n", []string{
			`config.toml:2:1: llm.temperature: unknown key "temperature" (the [llm] keys are provider, model, max_tokens, api_key, base_url)`,
		}},
		{"unknown section", "[llm]\nmodel = \"m\"\n\n[lm]\nmodel = \"m\"\n", []string{
			`config.toml:4:1: lm: unknown section "lm"; did you mean "llm"? (the only section is [llm])`,
		}},
		{"nested section", "[llm.extra]\nx = 1\n", []string{
			`config.toml:1:1: llm.extra: unknown key "extra" (the [llm] keys are provider, model, max_tokens, api_key, base_url)`,
		}},
		{"llm key at the top level", "model = \"claude\"\n[llm]\n", []string{
			`config.toml:1:1: model: "model" belongs in the [llm] section; put it under a line holding [llm]`,
		}},
		{"llm is not a table", "llm = \"claude\"\n", []string{
			`config.toml:1:1: llm: expected the [llm] table, got a string`,
		}},
		{"wrong types", "[llm]\nmax_tokens = \"4096\"\nmodel = 5\nprovider = true\n", []string{
			`config.toml:2:1: llm.max_tokens: expected an integer, got a string "4096"`,
			`config.toml:3:1: llm.model: expected a string, got an integer 5`,
			`config.toml:4:1: llm.provider: expected a string, got a boolean true`,
		}},
		{"unknown provider", "[llm]\nprovider = \"antropic\"\n", []string{
			`config.toml:2:1: llm.provider: unknown provider "antropic"; expected one of anthropic, openai, ollama, replay; did you mean "anthropic"?`,
		}},
		{"max_tokens out of range", "[llm]\nmax_tokens = 0\n", []string{
			`config.toml:2:1: llm.max_tokens: must be at least 1, got 0`,
		}},
		{"max_tokens above the task file's limit", "[llm]\nmax_tokens = 99999999\n", []string{
			`config.toml:2:1: llm.max_tokens: must be between 1 and 1000000, got 99999999`,
		}},
		{"empty model", "[llm]\nmodel = \" \"\n", []string{
			`config.toml:2:1: llm.model: must not be empty; leave the key out instead`,
		}},
		{"bad base_url", "[llm]\nbase_url = \"localhost:8080\"\n", []string{
			`config.toml:2:1: llm.base_url: expected an absolute http or https URL such as https://api.anthropic.com`,
		}},
		{"inline table key positions fall back to the table", "llm = { modl = \"m\" }\n", []string{
			`config.toml:1:1: llm.modl: unknown key "modl"; did you mean "model"? (the [llm] keys are provider, model, max_tokens, api_key, base_url)`,
		}},
		{"keys inside a multi-line string are not keys", "[llm]\nmodel = \"\"\"claude\nbogus = 1\"\"\"\nbogus = 2\n", []string{
			`config.toml:4:1: llm.bogus: unknown key "bogus" (the [llm] keys are provider, model, max_tokens, api_key, base_url)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("config.toml", []byte(tt.data))
			if err == nil {
				t.Fatalf("Parse succeeded with %v; want problems", c.LLM)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse error is %T (%v); want Errors", err, err)
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("problems differ\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestParseNeverShowsTheKey(t *testing.T) {
	t.Parallel()
	const secret = "sk-secret-value-123"
	tests := []struct {
		name string
		data string
	}{
		{"key as a number", "[llm]\napi_key = 123456789\n"},
		{"key in an array", "[llm]\napi_key = [\"" + secret + "\"]\n"},
		{"credentials in base_url", "[llm]\nbase_url = \"https://u:" + secret + "@h.test\"\n"},
		{"credentials in a malformed base_url", "[llm]\nbase_url = 5\nmodel = \"m\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("config.toml", []byte(tt.data))
			if err == nil {
				t.Fatal("Parse succeeded; want a problem")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "123456789") {
				t.Errorf("the problem repeats the secret: %v", err)
			}
		})
	}
	c, err := Parse("config.toml", []byte("[llm]\napi_key = \""+secret+"\"\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, s := range []string{fmt.Sprint(c.LLM), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c.LLM), fmt.Sprint(c.Base())} {
		if strings.Contains(s, secret) {
			t.Errorf("printing the config shows the key: %s", s)
		}
	}
	if c.Base().APIKey != secret {
		t.Errorf("Base().APIKey is not the configured key")
	}
}

func TestBaseMapsKeys(t *testing.T) {
	t.Parallel()
	c, err := Parse("/home/u/.config/safe-coder/config.toml", []byte("[llm]\nprovider = \"openai\"\nmodel = \"m\"\nmax_tokens = 77\nbase_url = \"http://h.test/v1\"\napi_key = \"k\"\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := tasks.ModelBase{Provider: tasks.ProviderOpenAI, Name: "m", MaxOutputTokens: 77, BaseURL: "http://h.test/v1", APIKey: "k", Source: "/home/u/.config/safe-coder/config.toml"}
	if got := c.Base(); got != want {
		t.Errorf("Base() = %v; want %v", got, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("[llm]\nprovider = \"openai\"\nmodel = \"m\"\n")
	f.Add("llm = { a = 1 }\n[x]\n'q.r' = 2\n")
	f.Add("[llm]\nmodel = '''\nx = 1\n'''\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse("config.toml", []byte(data))
		if err == nil {
			if problems := c.Base().Problems(); len(problems) > 0 {
				t.Errorf("Parse accepted a base with problems: %v", problems)
			}
			return
		}
		var errs Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				if e.Line < 1 || e.Col < 1 {
					t.Errorf("problem without a position: %v", e)
				}
			}
		}
	})
}

// A syntax error on the api_key line never prints the key, even unquoted.
func TestParseSyntaxErrorHidesKey(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"[llm]\napi_key = abcdefghijklmnopqrstu\n",
		"[llm]\napi_key = AIzaSyDabcdefghijklmnop\n",
		"[llm]\n  API_KEY = 'abcdefghijklmnopqrstu' 'x'\n",
	} {
		_, err := Parse("c.toml", []byte(src))
		if err == nil {
			t.Fatalf("%q parsed", src)
		}
		if strings.Contains(err.Error(), "abcdefghijklmnop") || strings.Contains(err.Error(), "AIza") {
			t.Errorf("%q: error shows the key: %v", src, err)
		}
		if !strings.Contains(err.Error(), "c.toml:2:") {
			t.Errorf("%q: no position: %v", src, err)
		}
	}
	// The twin: elsewhere the parser's quote stays, it helps.
	_, err := Parse("c.toml", []byte("[llm]\nmodel = claude\n"))
	if err == nil || !strings.Contains(err.Error(), `"claude"`) {
		t.Errorf("model line: %v", err)
	}
}
