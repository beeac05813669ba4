package gitsafety

import (
	"context"
	"fmt"
)

// Steps returns the commits of the session's run on its branch by step
// number (0 is the snapshot), read from their Safe-Coder-Step trailers. A
// resumed run compares them with what the state database recorded: a step
// committed just before a crash is on the branch but not in the database.
func (s *Session) Steps(ctx context.Context) (map[int]string, error) {
	tip, err := s.repo.refHash(s.branch)
	if err != nil {
		return nil, err
	}
	h, err := s.repo.runHistory(ctx, tip, s.runID, s.task)
	if err != nil {
		return nil, fmt.Errorf("read the run's commits on %s: %w", s.branch.Short(), err)
	}
	out := make(map[int]string, len(h.steps))
	for n, c := range h.steps {
		out[n] = c.String()
	}
	return out, nil
}
