package config

import "strings"

// maxSuggestDistance is how many single-character edits a typo may be away
// from a known word and still be suggested.
const maxSuggestDistance = 2

// suggest returns the candidate closest to word, ignoring case, when it is
// at most maxSuggestDistance edits away and the edits do not replace the
// whole word. Ties go to the earlier candidate.
func suggest(word string, candidates []string) (string, bool) {
	w := strings.ToLower(word)
	best, bestDist := "", maxSuggestDistance+1
	for _, c := range candidates {
		d := editDistance(w, strings.ToLower(c))
		if d < bestDist && d < len([]rune(w)) {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of adjacent runes cost one each, so
// "modle" is one edit from "model".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
