package main

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/tasks"
)

func TestInstructionBasesRecorded(t *testing.T) {
	t.Parallel()
	// No override and no pull-request base: nothing to record, as before.
	if got, err := encodeRunOptions(runOptions{baseRef: "main"}, nil); err != nil || got != "" {
		t.Fatalf("encodeRunOptions without bases = %q, %v; want empty", got, err)
	}
	bases := instructionBases{"a": strings.Repeat("1", 40)}
	enc, err := encodeRunOptions(runOptions{baseRef: "main"}, bases)
	if err != nil {
		t.Fatal(err)
	}
	got, ref, err := decodeInstructionBases(enc)
	if err != nil || ref != "main" || !maps.Equal(got, bases) {
		t.Fatalf("decodeInstructionBases(%s) = %v, %q, %v; want %v, main", enc, got, ref, err, bases)
	}
	// The overrides recorded with them still read back.
	enc, err = encodeRunOptions(runOptions{baseRef: "main", override: tasks.Override{Approval: "plan"}}, bases)
	if err != nil {
		t.Fatal(err)
	}
	if o, _, err := decodeRunOptions(enc); err != nil || o.Approval != "plan" {
		t.Fatalf("decodeRunOptions(%s) = %+v, %v; want approval plan", enc, o, err)
	}
	// A run recorded before: the run's base commit.
	if got, ref, err := decodeInstructionBases(`{"approval":"plan"}`); err != nil || got != nil || ref != "" {
		t.Fatalf("decodeInstructionBases(old) = %v, %q, %v; want nothing", got, ref, err)
	}
}

func TestInstructionBasesDescribe(t *testing.T) {
	t.Parallel()
	base := tasks.Task{Name: "a", InstructionsFrom: tasks.InstructionsBase}
	other := tasks.Task{Name: "b", InstructionsFrom: tasks.InstructionsBase}
	tree := tasks.Task{Name: "c"}
	var b bytes.Buffer
	instructionBases(nil).describe(&b, []tasks.Task{base, other, tree}, "abc", "")
	if want := "safe-coder: instructions_from: base: task(s) a, b read instruction files at abc, the run's base commit\n"; b.String() != want {
		t.Errorf("describe without GITHUB_BASE_REF = %q, want %q", b.String(), want)
	}
	b.Reset()
	instructionBases(nil).describe(&b, []tasks.Task{tree}, "abc", "")
	if b.Len() != 0 {
		t.Errorf("describe with no base task = %q, want nothing", b.String())
	}
	b.Reset()
	instructionBases{"a": "def", "b": "def"}.describe(&b, []tasks.Task{base, other, tree}, "abc", "main")
	if want := "safe-coder: instructions_from: base: task(s) a, b read instruction files at def, the pull request's base branch main (GITHUB_BASE_REF)\n"; b.String() != want {
		t.Errorf("describe with GITHUB_BASE_REF = %q, want %q", b.String(), want)
	}
}
