package tools

import "slices"

// smallest keeps the n smallest strings of a stream in bounded memory and
// counts the rest, so a listing of a huge tree costs O(n), not O(tree).
type smallest struct {
	n     int
	items []string
	total int
}

func (s *smallest) add(item string) {
	s.total++
	s.items = append(s.items, item)
	// Trimming only when twice over keeps the cost amortized O(log n) per item.
	if len(s.items) >= 2*s.n {
		s.trim()
	}
}

func (s *smallest) trim() {
	slices.Sort(s.items)
	if len(s.items) > s.n {
		s.items = s.items[:s.n]
	}
}

// result returns the n smallest items sorted, and how many were dropped.
func (s *smallest) result() ([]string, int) {
	s.trim()
	return s.items, s.total - len(s.items)
}
