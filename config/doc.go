// Package config reads the user's config file, config.toml, whose [llm]
// section (provider, model, max_tokens, api_key, base_url) is the
// lowest-priority model setting of every run: the task file's defaults, its
// tasks and the command line all win over it.
//
// Invariants:
//   - The file is read strictly: an unknown section or key, or a value of
//     the wrong type, is an error with its line and column, never ignored.
//   - A missing file at the default location is the same as an empty one;
//     a file named by $SAFE_CODER_CONFIG must exist.
//   - The api_key value never appears in an error, a warning or a printed
//     Config or LLM. Through Config.Base it becomes the tasks.ModelBase key,
//     which tasks.ModelBase.KeyFor hands out for the configured provider
//     and endpoint alone.
package config
