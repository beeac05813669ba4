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
			`tasks.yaml:5:23: tasks[0].model.provider: expected one of anthropic, replay; got "yes" (a YAML 1.1 boolean word, not a provider)`,
		}},
		{"provider not supported yet", task("    model: {provider: openai, name: gpt}"), []string{
			`tasks.yaml:5:23: tasks[0].model.provider: provider "openai" is not supported yet by this version of safe-coder; use one of anthropic, replay`,
		}},
		{"provider ollama", task("    model: {provider: ollama, name: llama}"), []string{
			`tasks.yaml:5:23: tasks[0].model.provider: provider "ollama" is not supported yet by this version of safe-coder; use one of anthropic, replay`,
		}},
		{"provider in capitals", task("    model: {provider: Anthropic, name: m}"), []string{
			`tasks.yaml:5:23: tasks[0].model.provider: expected one of anthropic, replay; got "Anthropic"; did you mean "anthropic"?`,
		}},
		{"provider is a number", task("    model: {provider: 1, name: m}"), []string{
			"tasks.yaml:5:23: tasks[0].model.provider: expected one of anthropic, replay; got integer 1",
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
			`  - {name: c, prompt: p, model: {name: m, api_key_env: ""}}`), []string{
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
		{"replay with anthropic keys", task("    model:", "      provider: replay", "      transcript: testdata/fix-vet.jsonl",
			"      base_url: https://api.anthropic.com", "      api_key_env: ANTHROPIC_API_KEY"), []string{
			`tasks.yaml:8:7: tasks[0].model.base_url: "base_url" does not apply to provider "replay", only to anthropic; remove it or set provider: anthropic`,
			`tasks.yaml:9:7: tasks[0].model.api_key_env: "api_key_env" does not apply to provider "replay", only to anthropic; remove it or set provider: anthropic`,
		}},
		{"replay defaults with anthropic keys", lines("version: 1", "defaults:",
			"  model: {provider: replay, transcript: testdata/fix-vet.jsonl, api_key_env: KEY}",
			"tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:3:65: defaults.model.api_key_env: "api_key_env" does not apply to provider "replay", only to anthropic; remove it or set provider: anthropic`,
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
