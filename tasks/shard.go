package tasks

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
)

// Shard is one part of a task file split across parallel jobs (a GitHub
// Actions matrix): part Index of Count, counted from 1. The zero Shard is
// the whole file.
//
// A task belongs to the shard whose Index is FNV-1a (32 bits) of its name,
// modulo Count, plus one. The assignment depends only on the name and
// Count, never on the file's order or its other tasks, so every job of a
// matrix computes the same split without talking to the others, and
// adding or removing a task never moves another one to a different shard.
// Shards are disjoint and together hold every task; some may be empty.
type Shard struct {
	Index, Count int
}

// shardPattern is how --shard is written: I/N in decimal, no sign, no
// leading zeros.
var shardPattern = regexp.MustCompile(`^([1-9][0-9]{0,8})/([1-9][0-9]{0,8})$`)

// ParseShard reads a shard written as "I/N" with 1 ≤ I ≤ N. The error
// wraps ErrBadShard.
func ParseShard(s string) (Shard, error) {
	m := shardPattern.FindStringSubmatch(s)
	if m == nil {
		return Shard{}, fmt.Errorf("%w %q: expected I/N such as 2/4, with 1 ≤ I ≤ N", ErrBadShard, s)
	}
	// Nine digits at most: both always fit an int.
	i, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	if i > n {
		return Shard{}, fmt.Errorf("%w %q: shard %d of %d does not exist; I goes from 1 to N", ErrBadShard, s, i, n)
	}
	return Shard{Index: i, Count: n}, nil
}

// String writes the shard as ParseShard reads it; "" for the zero Shard.
func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Has reports whether the task named name belongs to the shard. Every
// task belongs to the zero Shard.
func (s Shard) Has(name string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(name)) // a hash.Hash never fails to write
	return int(h.Sum32()%uint32(s.Count)) == s.Index-1
}

// Select returns the tasks of ts that belong to the shard, in their
// order. Combined with File.Select it gives the intersection of a task
// list and a shard.
func (s Shard) Select(ts []Task) []Task {
	out := []Task{}
	for _, t := range ts {
		if s.Has(t.Name) {
			out = append(out, t)
		}
	}
	return out
}
