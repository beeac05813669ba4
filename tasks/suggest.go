package tasks

import "strings"

// maxSuggestDistance is how many single-character edits a typo may be away
// from a valid word and still be suggested.
const maxSuggestDistance = 2

// suggest returns the candidate closest to word, ignoring case, when it is
// within maxSuggestDistance edits and the edits do not replace the whole
// word (so "id" does not suggest "git"). Ties go to the earlier candidate.
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

// Suggest returns the candidate closest to word by the rule the task-file
// errors use, for the command line's own "did you mean" hints: a command,
// a flag or an enum value typed there.
func Suggest(word string, candidates []string) (string, bool) {
	return suggest(word, candidates)
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent runes
// each cost one, so "modle" is one edit from "model".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows suffice: the current one, the previous one for ordinary
	// edits and the one before for transpositions.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
