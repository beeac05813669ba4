package tasks

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Shard
		wantErr string
	}{
		{"1/1", Shard{1, 1}, ""},
		{"2/4", Shard{2, 4}, ""},
		{"4/4", Shard{4, 4}, ""},
		{"17/256", Shard{17, 256}, ""},
		{"5/4", Shard{}, `invalid shard "5/4": shard 5 of 4 does not exist; I goes from 1 to N`},
		{"0/4", Shard{}, `invalid shard "0/4": expected I/N such as 2/4, with 1 ≤ I ≤ N`},
		{"1/0", Shard{}, `invalid shard "1/0": expected I/N such as 2/4, with 1 ≤ I ≤ N`},
		{"01/4", Shard{}, `invalid shard "01/4": expected I/N such as 2/4, with 1 ≤ I ≤ N`},
		{"-1/4", Shard{}, `invalid shard "-1/4": expected I/N such as 2/4, with 1 ≤ I ≤ N`},
		{"1/4 ", Shard{}, `invalid shard "1/4 ": expected I/N such as 2/4, with 1 ≤ I ≤ N`},
		{"2", Shard{}, `invalid shard "2": expected I/N such as 2/4, with 1 ≤ I ≤ N`},
		{"", Shard{}, `invalid shard "": expected I/N such as 2/4, with 1 ≤ I ≤ N`},
		{"1/99999999999", Shard{}, `invalid shard "1/99999999999": expected I/N such as 2/4, with 1 ≤ I ≤ N`},
	}
	for _, tc := range tests {
		got, err := ParseShard(tc.in)
		if tc.wantErr != "" {
			if !errors.Is(err, ErrBadShard) || err.Error() != tc.wantErr {
				t.Errorf("ParseShard(%q) error = %v; want %q wrapping ErrBadShard", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseShard(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if got.String() != tc.in {
			t.Errorf("ParseShard(%q).String() = %q", tc.in, got.String())
		}
	}
}

// fnv1a is FNV-1a (32 bits) written out from its definition, to check
// the shard assignment against something other than hash/fnv.
func fnv1a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// The assignment is a contract with every CI matrix that splits a task
// file: these values must never change.
func TestShardAssignmentIsStable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		shard map[int]int // count → index
	}{
		{"lint", map[int]int{2: 1, 3: 3, 4: 1}},
		{"test", map[int]int{2: 2, 3: 3, 4: 2}},
		{"docs", map[int]int{2: 1, 3: 1, 4: 3}},
		{"build", map[int]int{2: 2, 3: 3, 4: 4}},
		{"a", map[int]int{2: 1, 3: 2, 4: 1}},
		{"b", map[int]int{2: 2, 3: 2, 4: 2}},
	}
	for _, tc := range tests {
		for count, index := range tc.shard {
			for i := 1; i <= count; i++ {
				if got := (Shard{i, count}).Has(tc.name); got != (i == index) {
					t.Errorf("Shard{%d, %d}.Has(%q) = %t; the task belongs to shard %d", i, count, tc.name, got, index)
				}
			}
		}
	}
}

func TestShardsPartitionTheTasks(t *testing.T) {
	t.Parallel()
	var all []Task
	for i := range 200 {
		all = append(all, Task{Name: fmt.Sprintf("task-%03d", i)})
	}
	for count := 1; count <= 9; count++ {
		seen := map[string]int{}
		for i := 1; i <= count; i++ {
			part := Shard{i, count}.Select(all)
			for _, task := range part {
				seen[task.Name]++
				if want := int(fnv1a(task.Name)%uint32(count)) + 1; want != i {
					t.Errorf("%s is in shard %d/%d; FNV-1a says %d", task.Name, i, count, want)
				}
			}
			if !slices.IsSortedFunc(part, func(a, b Task) int { return strings.Compare(a.Name, b.Name) }) {
				t.Errorf("shard %d/%d changed the tasks' order", i, count)
			}
		}
		for _, task := range all {
			if seen[task.Name] != 1 {
				t.Errorf("with %d shards, %s is in %d of them; want exactly 1", count, task.Name, seen[task.Name])
			}
		}
	}
}

func TestShardSelectIntersectsWithSelect(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines(
		"version: 1",
		"defaults: {model: {name: m}}",
		"tasks:",
		"  - {name: lint, prompt: p}",
		"  - {name: test, prompt: p}",
		"  - {name: docs, prompt: p}",
		"  - {name: build, prompt: p}",
	))
	tests := []struct {
		names []string
		shard Shard
		want  []string
	}{
		{nil, Shard{}, []string{"lint", "test", "docs", "build"}},
		{nil, Shard{1, 1}, []string{"lint", "test", "docs", "build"}},
		{nil, Shard{1, 2}, []string{"lint", "docs"}},
		{nil, Shard{2, 2}, []string{"test", "build"}},
		{[]string{"test", "docs"}, Shard{2, 2}, []string{"test"}},
		{[]string{"lint"}, Shard{2, 2}, []string{}},
		{nil, Shard{2, 3}, []string{}},
	}
	for _, tc := range tests {
		selected, err := f.Select(tc.names)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, task := range tc.shard.Select(selected) {
			got = append(got, task.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Select(%q) in shard %q = %q; want %q", tc.names, tc.shard, got, tc.want)
		}
	}
}
