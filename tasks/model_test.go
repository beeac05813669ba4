package tasks

import (
	"path/filepath"
	"testing"
)

func modelCases(tb testing.TB) []parseCase {
	tb.Helper()
	missing, err := filepath.Abs(filepath.Join("testdata", "missing.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	dir, err := filepath.Abs("testdata")
	if err != nil {
		tb.Fatal(err)
	}
	// task builds a file with no defaults whose only task (line 3 on) has
	// the given lines.
	task := func(ls ...string) string {
		return lines(append([]string{"version: 1", "tasks:", "  - name: t", "    prompt: p"}, ls...)...)
	}
	return []parseCase{
		{"no model name anywhere", task(), []string{
			`tasks.yaml:3:5: tasks[0]: missing model name: provider "anthropic" needs model.name, on the task or in defaults`,
		}},
		{"no model name in the task's model", task("    model: {max_output_tokens: 100}"), []string{
			`tasks.yaml:5:12: tasks[0].model: missing model name: provider "anthropic" needs model.name, on the task or in defaults`,
		}},
		{"empty model name", task(`    model: {name: ""}`), []string{
			"tasks.yaml:5:19: tasks[0].model.name: must not be empty",
		}},
		{"model is a string", task("    model: claude-sonnet-4-5"), []string{
			`tasks.yaml:5:12: tasks[0].model: expected a mapping, got string "claude-sonnet-4-5"`,
		}},
		{"unknown model key", task("    model: {naem: m}"), []string{
			`tasks.yaml:5:12: tasks[0].model: missing model name: provider "anthropic" needs model.name, on the task or in defaults`,
			`tasks.yaml:5:13: tasks[0].model.naem: unknown key "naem"; did you mean "name"?`,
		}},
		{"duplicate model key", task("    model: {name: a, name: b}"), []string{
			`tasks.yaml:5:22: tasks[0].model.name: duplicate key "name" (first at line 5); keep one`,
		}},
		{"provider YAML 1.1 boolean", task("    model: {provider: yes, name: m}"), []string{
			`tasks.yaml:5:23: tasks[0].model.provider: expected one of anthropic, openai, ollama, replay; got "yes" (a YAML 1.1 boolean word, not a provider)`,
		}},
		{"openai without a name", task("    model: {provider: openai}"), []string{
			`tasks.yaml:5:12: tasks[0].model: missing model name: provider "openai" needs model.name, on the task or in defaults`,
		}},
		{"ollama without a name", task("    model: {provider: ollama, base_url: 'http://gpu:11434/v1'}"), []string{
			`tasks.yaml:5:12: tasks[0].model: missing model name: provider "ollama" needs model.name, on the task or in defaults`,
		}},
		{"provider in capitals", task("    model: {provider: OpenAI, name: m}"), []string{
			`tasks.yaml:5:23: tasks[0].model.provider: expected one of anthropic, openai, ollama, replay; got "OpenAI"; did you mean "openai"?`,
		}},
		{"provider misspelled", task("    model: {provider: olama, name: m}"), []string{
			`tasks.yaml:5:23: tasks[0].model.provider: expected one of anthropic, openai, ollama, replay; got "olama"; did you mean "ollama"?`,
		}},
		{"provider is a number", task("    model: {provider: 1, name: m}"), []string{
			"tasks.yaml:5:23: tasks[0].model.provider: expected one of anthropic, openai, ollama, replay; got integer 1",
		}},
		{"base_url problems", lines("version: 1", "tasks:",
			"  - {name: a, prompt: p, model: {name: m, base_url: ftp://example.com}}",
			"  - {name: b, prompt: p, model: {name: m, base_url: api.anthropic.com}}",
			`  - {name: c, prompt: p, model: {name: m, base_url: "https://example.com/v1?key=1"}}`,
			`  - {name: d, prompt: p, model: {name: m, base_url: "https://example.com/#top"}}`,
			`  - {name: e, prompt: p, model: {name: m, base_url: "https://user:secret@example.com"}}`,
			"  - {name: f, prompt: p, model: {name: m, base_url: 8080}}",
			`  - {name: g, prompt: p, model: {name: m, base_url: "https://user:p ss@example.com"}}`,
			`  - {name: h, prompt: p, model: {name: m, base_url: "https://x@example.com/?k"}}`), []string{
			`tasks.yaml:3:53: tasks[0].model.base_url: expected an absolute http or https URL such as https://api.anthropic.com, got "ftp://example.com"`,
			`tasks.yaml:4:53: tasks[1].model.base_url: expected an absolute http or https URL such as https://api.anthropic.com, got "api.anthropic.com"`,
			`tasks.yaml:5:53: tasks[2].model.base_url: expected a URL without a query (?...), got "https://example.com/v1?key=1"`,
			`tasks.yaml:6:53: tasks[3].model.base_url: expected a URL without a fragment (#...), got "https://example.com/#top"`,
			`tasks.yaml:7:53: tasks[4].model.base_url: expected a URL without credentials; put the key in the variable named by api_key_env, and rotate it if it was committed`,
			`tasks.yaml:8:53: tasks[5].model.base_url: expected a string, got integer 8080; quote it if you mean the text: "8080"`,
			"tasks.yaml:9:53: tasks[6].model.base_url: expected an absolute http or https URL such as https://api.anthropic.com",
			"tasks.yaml:10:53: tasks[7].model.base_url: expected a URL without credentials; put the key in the variable named by api_key_env, and rotate it if it was committed",
		}},
		{"api_key_env not a name", lines("version: 1", "tasks:",
			"  - {name: a, prompt: p, model: {name: m, api_key_env: 1KEY}}",
			"  - {name: b, prompt: p, model: {name: m, api_key_env: sk-ant-api03-xyz}}",
			`  - {name: c, prompt: p, model: {name: m, api_key_env: "2"}}`), []string{
			`tasks.yaml:3:56: tasks[0].model.api_key_env: expected the name of the environment variable holding the key (letters, digits and _, not starting with a digit); if this is the key itself, remove it from the file and rotate it`,
			`tasks.yaml:4:56: tasks[1].model.api_key_env: expected the name of the environment variable holding the key (letters, digits and _, not starting with a digit); if this is the key itself, remove it from the file and rotate it`,
			`tasks.yaml:5:56: tasks[2].model.api_key_env: expected the name of the environment variable holding the key (letters, digits and _, not starting with a digit); if this is the key itself, remove it from the file and rotate it`,
		}},
		{"max_output_tokens out of range", lines("version: 1", "tasks:",
			"  - {name: a, prompt: p, model: {name: m, max_output_tokens: 0}}",
			"  - {name: b, prompt: p, model: {name: m, max_output_tokens: 1000001}}",
			`  - {name: c, prompt: p, model: {name: m, max_output_tokens: "8192"}}`,
			"  - {name: d, prompt: p, model: {name: m, max_output_tokens: 8192.0}}"), []string{
			"tasks.yaml:3:62: tasks[0].model.max_output_tokens: must be between 1 and 1000000, got 0",
			"tasks.yaml:4:62: tasks[1].model.max_output_tokens: must be between 1 and 1000000, got 1000001",
			`tasks.yaml:5:62: tasks[2].model.max_output_tokens: expected an integer, got string "8192"; remove the quotes`,
			"tasks.yaml:6:62: tasks[3].model.max_output_tokens: expected an integer, got float 8192.0; write 8192",
		}},
		{"transcript with anthropic", task("    model: {name: m, transcript: testdata/fix-vet.jsonl}"), []string{
			`tasks.yaml:5:22: tasks[0].model.transcript: "transcript" does not apply to provider "anthropic", only to replay; remove it or set provider: replay`,
		}},
		{"transcript in anthropic defaults", lines("version: 1", "defaults:", "  model: {name: m, transcript: testdata/fix-vet.jsonl}",
			"tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:3:20: defaults.model.transcript: "transcript" does not apply to provider "anthropic", only to replay; remove it or set provider: replay`,
		}},
		{"replay without transcript", task("    model: {provider: replay}"), []string{
			`tasks.yaml:5:12: tasks[0].model: missing model transcript: provider "replay" needs model.transcript, the recorded session to answer from, on the task or in defaults with provider: replay`,
		}},
		{"replay with endpoint keys", task("    model:", "      provider: replay", "      transcript: testdata/fix-vet.jsonl",
			"      base_url: https://api.anthropic.com", "      api_key_env: ANTHROPIC_API_KEY", "      stream: true"), []string{
			`tasks.yaml:8:7: tasks[0].model.base_url: "base_url" does not apply to provider "replay", only to anthropic, openai and ollama; remove it or set one of those providers`,
			`tasks.yaml:9:7: tasks[0].model.api_key_env: "api_key_env" does not apply to provider "replay", only to anthropic, openai and ollama; remove it or set one of those providers`,
			`tasks.yaml:10:7: tasks[0].model.stream: "stream" does not apply to provider "replay", only to anthropic, openai and ollama; remove it or set one of those providers`,
		}},
		{"replay defaults with endpoint keys", lines("version: 1", "defaults:",
			"  model: {provider: replay, transcript: testdata/fix-vet.jsonl, api_key_env: KEY}",
			"tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:3:65: defaults.model.api_key_env: "api_key_env" does not apply to provider "replay", only to anthropic, openai and ollama; remove it or set one of those providers`,
		}},
		{"transcript with ollama", task("    model: {provider: ollama, name: m, transcript: testdata/fix-vet.jsonl}"), []string{
			`tasks.yaml:5:40: tasks[0].model.transcript: "transcript" does not apply to provider "ollama", only to replay; remove it or set provider: replay`,
		}},
		{"stream problems", lines("version: 1", "tasks:",
			"  - {name: a, prompt: p, model: {name: m, stream: yes}}",
			"  - {name: b, prompt: p, model: {name: m, stream: off}}",
			"  - {name: c, prompt: p, model: {name: m, stream: Y}}",
			`  - {name: d, prompt: p, model: {name: m, stream: "true"}}`,
			"  - {name: e, prompt: p, model: {name: m, stream: 1}}",
			"  - {name: f, prompt: p, model: {name: m, stream: }}",
			"  - {name: g, prompt: p, model: {name: m, stream: [true]}}",
			"  - {name: h, prompt: p, model: {name: m, stream: !!bool yes}}"), []string{
			`tasks.yaml:3:51: tasks[0].model.stream: expected true or false, got "yes", which YAML 1.1 reads as true and YAML 1.2 as a string; write true`,
			`tasks.yaml:4:51: tasks[1].model.stream: expected true or false, got "off", which YAML 1.1 reads as false and YAML 1.2 as a string; write false`,
			`tasks.yaml:5:51: tasks[2].model.stream: expected true or false, got "Y", which YAML 1.1 reads as true and YAML 1.2 as a string; write true`,
			`tasks.yaml:6:51: tasks[3].model.stream: expected true or false, got string "true"; remove the quotes`,
			"tasks.yaml:7:51: tasks[4].model.stream: expected true or false, got integer 1",
			"tasks.yaml:8:51: tasks[5].model.stream: expected true or false, got null",
			"tasks.yaml:9:51: tasks[6].model.stream: expected true or false, got sequence",
			"tasks.yaml:10:51: tasks[7].model.stream: expected true or false, got boolean yes",
		}},
		{"pricing problems", lines("version: 1", "tasks:",
			"  - {name: a, prompt: p, model: {name: m, pricing: {input: 3}}}",
			"  - {name: b, prompt: p, model: {name: m, pricing: {output: 15, input: -1}}}",
			`  - {name: c, prompt: p, model: {name: m, pricing: {input: "3", output: 15}}}`,
			"  - {name: d, prompt: p, model: {name: m, pricing: {input: .inf, output: 15}}}",
			"  - {name: e, prompt: p, model: {name: m, pricing: {input: 0x10, output: 15}}}",
			"  - {name: f, prompt: p, model: {name: m, pricing: {input: 1, output: 2, cache_reads: 0.1}}}",
			"  - {name: g, prompt: p, model: {name: m, pricing: 3}}",
			"  - {name: h, prompt: p, model: {name: m, pricing: {input: 1, output: 2, cache_write: true}}}",
			"  - {name: i, prompt: p, model: {name: m, pricing: {input: 1, output: .NaN, cache_read: three}}}",
			"  - {name: j, prompt: p, model: {name: m, pricing: {}}}"), []string{
			`tasks.yaml:3:52: tasks[0].model.pricing: missing required key "output": the price of a million output tokens in US dollars`,
			"tasks.yaml:4:72: tasks[1].model.pricing.input: must be 0 or more, got -1",
			`tasks.yaml:5:60: tasks[2].model.pricing.input: expected a number, got string "3"; remove the quotes`,
			"tasks.yaml:6:60: tasks[3].model.pricing.input: expected a finite number, got .inf",
			"tasks.yaml:7:60: tasks[4].model.pricing.input: expected a decimal number, got 0x10; write it in decimal without leading zeros",
			`tasks.yaml:8:74: tasks[5].model.pricing.cache_reads: unknown key "cache_reads"; did you mean "cache_read"?`,
			"tasks.yaml:9:52: tasks[6].model.pricing: expected a mapping, got integer 3",
			"tasks.yaml:10:87: tasks[7].model.pricing.cache_write: expected a number, got boolean true",
			"tasks.yaml:11:71: tasks[8].model.pricing.output: expected a finite number, got .NaN",
			`tasks.yaml:11:89: tasks[8].model.pricing.cache_read: expected a number, got string "three"`,
			`tasks.yaml:12:52: tasks[9].model.pricing: missing required key "input": the price of a million input tokens in US dollars`,
			`tasks.yaml:12:52: tasks[9].model.pricing: missing required key "output": the price of a million output tokens in US dollars`,
		}},
		{"context_window problems", lines("version: 1", "tasks:",
			"  - {name: a, prompt: p, model: {name: m, context_window: 999}}",
			"  - {name: b, prompt: p, model: {name: m, context_window: 10000001}}",
			`  - {name: c, prompt: p, model: {name: m, context_window: "128000"}}`,
			"  - {name: d, prompt: p, model: {name: m, context_window: 128e3}}"), []string{
			"tasks.yaml:3:59: tasks[0].model.context_window: must be between 1000 and 10000000, got 999",
			"tasks.yaml:4:59: tasks[1].model.context_window: must be between 1000 and 10000000, got 10000001",
			`tasks.yaml:5:59: tasks[2].model.context_window: expected an integer, got string "128000"; remove the quotes`,
			"tasks.yaml:6:59: tasks[3].model.context_window: expected an integer, got float 128e3; write 128000",
		}},
		{"model description in defaults without a name", lines("version: 1", "defaults:",
			"  model: {pricing: {input: 1, output: 2}, context_window: 8000}",
			"tasks: [{name: t, prompt: p, model: {name: m}}]"), []string{
			`tasks.yaml:3:11: defaults.model.pricing: "pricing" describes one model, but defaults.model has no name; set model.name next to it, or set pricing on the tasks`,
			`tasks.yaml:3:43: defaults.model.context_window: "context_window" describes one model, but defaults.model has no name; set model.name next to it, or set context_window on the tasks`,
		}},
		{"max_cost_usd without a price", lines("version: 1", "tasks:",
			"  - {name: a, prompt: p, model: {provider: openai, name: gpt-9}, limits: {max_cost_usd: 1}}",
			"  - {name: b, prompt: p, model: {provider: ollama, name: llama3.1}, limits: {max_cost_usd: 1}}",
			"  - {name: c, prompt: p, model: {provider: replay, transcript: testdata/fix-vet.jsonl}, limits: {max_cost_usd: 1}}",
			"  - {name: d, prompt: p, model: {provider: openai, name: claude-sonnet-4-5}, limits: {max_cost_usd: 1}}",
			"  - {name: e, prompt: p, model: {name: gpt-4o}, limits: {max_cost_usd: 1}}"), []string{
			`tasks.yaml:3:75: tasks[0].limits.max_cost_usd: max_cost_usd needs a price for openai model "gpt-9"; add model.pricing`,
			`tasks.yaml:4:78: tasks[1].limits.max_cost_usd: max_cost_usd needs a price for ollama model "llama3.1"; add model.pricing`,
			"tasks.yaml:5:98: tasks[2].limits.max_cost_usd: max_cost_usd needs a price for the replay model; add model.pricing",
			`tasks.yaml:6:87: tasks[3].limits.max_cost_usd: max_cost_usd needs a price for openai model "claude-sonnet-4-5"; add model.pricing`,
			`tasks.yaml:7:58: tasks[4].limits.max_cost_usd: max_cost_usd needs a price for anthropic model "gpt-4o"; add model.pricing`,
		}},
		{"max_cost_usd in defaults without a price", lines("version: 1", "defaults:",
			"  model: {provider: ollama, name: llama3.1, pricing: {input: 0, output: 0}}",
			"  limits: {max_cost_usd: 2}",
			"tasks:",
			"  - {name: a, prompt: p}",
			"  - {name: b, prompt: p, model: {name: qwen}}",
			"  - {name: c, prompt: p, model: {name: qwen}}",
			"  - {name: d, prompt: p, model: {name: mistral}}"), []string{
			`tasks.yaml:4:12: defaults.limits.max_cost_usd: max_cost_usd needs a price for ollama model "qwen"; add model.pricing`,
			`tasks.yaml:4:12: defaults.limits.max_cost_usd: max_cost_usd needs a price for ollama model "mistral"; add model.pricing`,
		}},
		{"max_cost_usd reports only the first problem", lines("version: 1", "tasks:",
			"  - {name: a, prompt: p, model: {provider: openai, pricing: {input: 1}}, limits: {max_cost_usd: 1}}",
			"  - {name: b, prompt: p, model: {provider: openai}, limits: {max_cost_usd: 1}}",
			"  - {name: c, prompt: p, model: {provider: openai, name: x, pricing: {input: 1, output: -2}}, limits: {max_cost_usd: 1}}"), []string{
			`tasks.yaml:3:33: tasks[0].model: missing model name: provider "openai" needs model.name, on the task or in defaults`,
			`tasks.yaml:3:61: tasks[0].model.pricing: missing required key "output": the price of a million output tokens in US dollars`,
			`tasks.yaml:4:33: tasks[1].model: missing model name: provider "openai" needs model.name, on the task or in defaults`,
			"tasks.yaml:5:89: tasks[2].model.pricing.output: must be 0 or more, got -2",
		}},
		{"transcript missing", task("    model: {provider: replay, transcript: testdata/missing.jsonl}"), []string{
			`tasks.yaml:5:31: tasks[0].model.transcript: transcript file "testdata/missing.jsonl" does not exist (looked for ` + missing + `); relative paths start at the task file's directory`,
		}},
		{"transcript is a directory", task("    model: {provider: replay, transcript: testdata}"), []string{
			`tasks.yaml:5:31: tasks[0].model.transcript: transcript "testdata" (looked for ` + dir + `) is not a regular file`,
		}},
		{"transcript empty", task(`    model: {provider: replay, transcript: ""}`), []string{
			"tasks.yaml:5:43: tasks[0].model.transcript: must not be empty",
		}},
	}
}

func TestParseModelErrors(t *testing.T) {
	t.Parallel()
	runParseCases(t, modelCases(t))
}

// An empty api_key_env says the server takes no key: a local vLLM or
// llama.cpp server behind provider openai gets no Authorization header.
func TestParseModelNoKey(t *testing.T) {
	t.Parallel()
	f, err := Parse("tasks.yaml", []byte(lines("version: 1", "tasks:",
		`  - {name: a, prompt: p, model: {provider: openai, name: m, base_url: "http://localhost:8000/v1", api_key_env: ""}}`,
		`  - {name: b, prompt: p, model: {provider: openai, name: m}}`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Tasks[0].Model.APIKeyEnv; got != "" {
		t.Errorf("api_key_env \"\": APIKeyEnv = %q, want none", got)
	}
	if got := f.Tasks[1].Model.APIKeyEnv; got != "OPENAI_API_KEY" {
		t.Errorf("default: APIKeyEnv = %q, want OPENAI_API_KEY", got)
	}
}
