// Package tasks reads safe-coder task files (schema version 1): it parses
// the YAML, checks every key and value strictly, merges the file's defaults
// into each task and returns tasks ready to run.
//
// The file is decoded into a yaml.Node tree and walked by hand instead of
// being decoded into structs. yaml.v3's Decoder.KnownFields would reject
// unknown keys too, but it reports only a line number and stops at the first
// type error; the walker gives every problem a line and a column and collects
// all of them in one pass, so a user fixes a file in one round trip.
//
// Invariants:
//   - Load and Parse return either a complete, valid *File or an Errors value
//     holding every problem of the file, sorted by position; never a partial
//     File and never only the first problem.
//   - Every Error has a line and a column of at least 1 and names the field
//     it is about with a dotted path ("tasks[1].model.provider", task
//     indexes 0-based).
//   - Defaults merge into each task key by key (model, limits, checks and
//     git key by key, lists replaced), except where a list restricts: a task's
//     deny rules and env.drop names are added to the defaults', so a task
//     that adds one never loses the defaults' denials, while its allow
//     rules and env.pass names, which grant, replace the defaults'. A
//     name both dropped and passed is dropped.
//   - Every allow and deny rule is valid for policy.ParseRule; a bad rule
//     is reported at its position with what is wrong and a correct
//     example. env.pass never names a model provider's key variable (any
//     api_key_env of the file, ANTHROPIC_API_KEY, OPENAI_API_KEY). Provider-specific model keys (base_url,
//     api_key_env and stream for the API providers, transcript for replay)
//     are checked against the provider of the mapping they are written in,
//     and a task inherits them from defaults only when they apply to the
//     task's provider. A task inherits the endpoint (base_url,
//     api_key_env) only when it uses the defaults' provider, so a key is
//     never sent to another provider's server, and the model's description
//     (pricing, context_window) only when it also uses the defaults' model
//     name, so a price never applies to another model.
//   - A task with limits.max_cost_usd always has a known price
//     (Model.Price): a budget that cannot be measured is a file error, not
//     a limit that silently never trips.
//   - A task with a checks mapping has check commands, its own or the
//     defaults'; attempts or a timeout alone check nothing and are an
//     error on a task (defaults may set them for the tasks that add
//     commands). Check commands are the task author's, so they are not
//     subject to the agent's approval mode or rules.
//   - Keys of the design that this version does not implement yet
//     (git.base, ...) are rejected, never parsed and silently ignored.
//   - A task has exactly one source for its first prompt: prompt, prompts
//     or command (with args); args without command is an error. Custom
//     commands (.safe-coder/commands/NAME.md) are applied after parsing by
//     File.ApplyCommands, for command: and for any prompt that starts with
//     /NAME (a first word with a "/" inside, like /usr/bin/x, is a path,
//     not a command). An unknown command or a missing argument is an Error
//     at the command: or prompt value. A command only narrows its task:
//     the stricter approval (plan < default < auto-edit < yolo) and the
//     tools both list, because a pull request can change the command file.
//   - instructions is a list of repository-relative files (nil: the
//     default names, first found; empty: none); instructions_from is
//     worktree (default) or base. Task.At keeps where prompts, command and
//     instructions are written, for problems found after parsing.
//   - The pr mapping merges key by key (its lists replaced), like git.
//     env.pass never names a pr.token_env variable, and a task never
//     combines pr.on_failure: draft with on_failure: rollback, which
//     would propose a branch just reset to its start.
//   - A Shard's assignment of a task depends only on the task's name and
//     the number of shards (FNV-1a), so parallel jobs agree on it without
//     talking to each other.
//   - An Override (the run's --approval, --provider, --model) is checked
//     like the task file, and a new provider or model re-derives what
//     depends on it (endpoint and key variable; pricing and window are
//     dropped), so no key or price of one model is used for another.
//   - Parsing never panics, whatever the input; aliases are resolved with a
//     bounded budget, so a small file cannot expand into unbounded work.
//   - The package touches no network, git or model. The only file system
//     access is reading the task file (Load) and checking that a replay
//     transcript exists. Built-in prices and context windows come from the
//     llm package's table.
package tasks
