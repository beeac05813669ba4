package main

import (
	"encoding/json"
	"fmt"

	"github.com/safe-coder/safe-coder/tasks"
)

// recordedOptions are the flags of `safe-coder run` that change what its
// tasks do, recorded with the run (report.RunStarted.Options) so that
// `resume` runs the rest as the run began it: with the --approval,
// --provider and --model the command line set, not the task file's own
// (possibly wider) settings, and publishing as --open-pr asked. --shard and
// --task need no record: the run's task list already is their result.
// So are the commits instructions_from: base read in a pull-request
// workflow (GITHUB_BASE_REF): a resumed task reads the same rules, whatever
// the environment of the resume.
type recordedOptions struct {
	Approval string `json:"approval,omitempty"`
	Provider string `json:"provider,omitempty"`
	Model    string `json:"model,omitempty"`
	OpenPR   bool   `json:"open_pr,omitempty"`
	// BaseRef is GITHUB_BASE_REF and InstructionsBase the commit of that
	// branch each task read its instruction files at, when set.
	BaseRef          string           `json:"base_ref,omitempty"`
	InstructionsBase instructionBases `json:"instructions_base,omitempty"`
}

// encodeRunOptions is what RunStarted.Options holds for opts and the
// instruction bases: "" when no such flag was given and bases is empty.
func encodeRunOptions(opts runOptions, bases instructionBases) (string, error) {
	r := recordedOptions{Approval: opts.override.Approval, Provider: opts.override.Provider, Model: opts.override.Model, OpenPR: opts.openPR}
	if len(bases) > 0 {
		r.BaseRef, r.InstructionsBase = opts.baseRef, bases
	}
	if r.Approval == "" && r.Provider == "" && r.Model == "" && !r.OpenPR && len(r.InstructionsBase) == 0 {
		return "", nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode run options: %w", err)
	}
	return string(b), nil
}

// decodeRunOptions reads RunStarted.Options back.
func decodeRunOptions(s string) (tasks.Override, bool, error) {
	if s == "" {
		return tasks.Override{}, false, nil
	}
	var r recordedOptions
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return tasks.Override{}, false, fmt.Errorf("read the run's recorded options: %w", err)
	}
	return tasks.Override{Approval: r.Approval, Provider: r.Provider, Model: r.Model}, r.OpenPR, nil
}

// decodeInstructionBases reads back the commits instructions_from: base
// read, and the GITHUB_BASE_REF they came from: nil when the run read the
// run's base commit.
func decodeInstructionBases(s string) (instructionBases, string, error) {
	if s == "" {
		return nil, "", nil
	}
	var r recordedOptions
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, "", fmt.Errorf("read the run's recorded options: %w", err)
	}
	return r.InstructionsBase, r.BaseRef, nil
}
