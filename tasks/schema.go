package tasks

import (
	"fmt"
	"time"
)

// The keys of each mapping of schema version 1. They are functions rather
// than package variables so no caller can change the schema at run time.

// settingKeys may be set in defaults and on each task.
func settingKeys() []string {
	return []string{"model", "approval", "tools", "allow", "deny", "env", "limits", "checks", "on_failure", "git", "pr",
		"instructions", "instructions_from"}
}

// settingKeysNotYet are keys of the design that defaults and tasks will
// take in a later version.
func settingKeysNotYet() []string {
	return nil
}

func rootKeys() keySet {
	misplace := map[string]string{}
	for _, k := range settingKeys() {
		misplace[k] = fmt.Sprintf("%q cannot be set at the top level; put it under defaults: or on a task", k)
	}
	for _, k := range []string{"name", "prompt", "prompts", "command", "args"} {
		misplace[k] = fmt.Sprintf("%q cannot be set at the top level; put it on a task under tasks:", k)
	}
	return keySet{known: []string{"version", "defaults", "tasks"}, misplace: misplace}
}

func defaultsKeys() keySet {
	misplace := map[string]string{}
	for _, k := range []string{"name", "prompt", "prompts", "command", "args"} {
		misplace[k] = fmt.Sprintf("%q can only be set on a task, not in defaults", k)
	}
	return keySet{known: settingKeys(), notYet: settingKeysNotYet(), misplace: misplace}
}

func taskKeys() keySet {
	return keySet{
		known:  append([]string{"name", "prompt", "prompts", "command", "args"}, settingKeys()...),
		notYet: settingKeysNotYet(),
	}
}

func modelKeys() keySet {
	return keySet{known: []string{"provider", "name", "base_url", "api_key_env", "max_output_tokens",
		"stream", "transcript", "pricing", "context_window"}}
}

func pricingKeys() keySet {
	return keySet{known: []string{"input", "output", "cache_read", "cache_write"}}
}

func envKeys() keySet {
	return keySet{known: []string{"pass", "drop"}}
}

func limitsKeys() keySet {
	return keySet{known: []string{"max_steps", "max_tokens", "max_cost_usd", "timeout", "bash_timeout"}}
}

func checksKeys() keySet {
	return keySet{known: []string{"commands", "attempts", "timeout"}}
}

func gitKeys() keySet {
	return keySet{known: []string{"branch", "dirty", "return", "max_file_mb"}, notYet: []string{"base"}}
}

func prKeys() keySet {
	return keySet{known: []string{"open", "title", "draft", "labels", "reviewers", "base", "remote",
		"token_env", "on_failure", "workflows"}}
}

func providerEnum() enum {
	return enum{
		noun:   "provider",
		values: []string{string(ProviderAnthropic), string(ProviderOpenAI), string(ProviderOllama), string(ProviderReplay)},
	}
}

func approvalEnum() enum {
	return enum{
		noun:   "mode",
		values: []string{string(ApprovalPlan), string(ApprovalDefault), string(ApprovalAutoEdit), string(ApprovalYolo)},
	}
}

func onFailureEnum() enum {
	return enum{noun: "choice", values: []string{string(OnFailureRollback), string(OnFailureKeep)}}
}

func prOnFailureEnum() enum {
	return enum{noun: "choice", values: []string{string(PROnFailureNone), string(PROnFailureDraft)}}
}

func dirtyEnum() enum {
	return enum{noun: "choice", values: []string{DirtySnapshot, DirtyRefuse}}
}

func instructionsFromEnum() enum {
	return enum{noun: "choice", values: []string{string(InstructionsWorktree), string(InstructionsBase)}}
}

func toolEnum() enum {
	return enum{noun: "tool", values: ToolNames()}
}

// Bounds of the numeric settings.
const (
	maxOutputTokensLimit = 1_000_000
	minContextWindow     = 1_000
	maxContextWindow     = 10_000_000
	maxStepsLimit        = 10_000
	maxTaskTimeout       = 24 * time.Hour
	maxBashTimeout       = 24 * time.Hour
	maxCheckTimeout      = 24 * time.Hour
	maxFileMBLimit       = 10_000
)
