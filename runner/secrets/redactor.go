package secrets

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Marker replaces every secret Redact finds.
const Marker = "[REDACTED]"

// MinValueLen is the length, in bytes, of the shortest known value a
// Redactor looks for.
const MinValueLen = 8

// Redactor finds and removes secrets in text. Make one with NewRedactor.
type Redactor struct {
	// values are the known secret values, longest first so that Find
	// describes the most specific one.
	values []string
	// raw holds values as bytes, for Find.
	raw    [][]byte
	shapes []shape
	// bracketed is set when a value holds '[' or ']', which lets it match
	// across a marker an earlier pass wrote.
	bracketed bool
}

// NewRedactor returns a Redactor for the known secret values, which it
// copies. Values shorter than MinValueLen bytes, or that are part of
// Marker, are ignored; a value with surrounding white space is also known
// without it, as a secret read from a file often ends in a newline.
func NewRedactor(values []string) *Redactor {
	var known []string
	for _, v := range values {
		for _, candidate := range []string{v, strings.TrimSpace(v)} {
			if len(candidate) >= MinValueLen && !strings.Contains(Marker, candidate) {
				known = append(known, candidate)
			}
		}
	}
	slices.SortFunc(known, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	known = slices.Compact(known)
	raw := make([][]byte, len(known))
	for i, v := range known {
		raw[i] = []byte(v)
	}
	return &Redactor{
		values:    known,
		raw:       raw,
		shapes:    tokenShapes(),
		bracketed: slices.ContainsFunc(known, func(v string) bool { return strings.ContainsAny(v, "[]") }),
	}
}

// Redact returns s with every known value and every token-shaped string
// replaced by Marker. It returns s itself when there is nothing to replace.
func (r *Redactor) Redact(s string) string {
	// Outside the markers the output is text of the input that no match
	// covered, so a new match can only involve a marker: "sk-" right
	// after one now starts a word, and a value holding '[' or ']' may
	// match across one. Only then is another pass needed, and passes
	// repeat until one changes nothing, which makes Redact idempotent.
	// The loop ends because every pass that changes the text replaces at
	// least one byte outside the markers (values inside Marker are
	// ignored, and no token shape matches inside it).
	for {
		out := r.redactOnce(s)
		if out == s || !r.mayMatchAgain(out) {
			return out
		}
		s = out
	}
}

// mayMatchAgain reports whether another pass over Redact's output could
// find something.
func (r *Redactor) mayMatchAgain(out string) bool {
	if r.bracketed {
		return true
	}
	for _, sh := range r.shapes {
		if sh.wordStart && strings.Contains(out, Marker+sh.prefix) {
			return true
		}
	}
	return false
}

// redactOnce replaces the union of all matches in s by markers, one marker
// per run of overlapping or touching matches.
func (r *Redactor) redactOnce(s string) string {
	var spans []span
	for _, v := range r.values {
		// Every occurrence, overlapping ones too: a value matched inside
		// another match still extends the span it belongs to.
		for from := 0; ; {
			i := strings.Index(s[from:], v)
			if i < 0 {
				break
			}
			spans = append(spans, span{from + i, from + i + len(v)})
			from += i + 1
		}
	}
	for _, sh := range r.shapes {
		spans = sh.find(s, spans)
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(spans); {
		start, end := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= end; i++ {
			end = max(end, spans[i].end)
		}
		// A marker from an earlier pass next to this span joins it, so
		// a later pass never leaves two markers side by side.
		for start-len(Marker) >= last && strings.HasSuffix(s[:start], Marker) {
			start -= len(Marker)
		}
		for strings.HasPrefix(s[end:], Marker) && (i == len(spans) || end+len(Marker) <= spans[i].start) {
			end += len(Marker)
		}
		b.WriteString(s[last:start])
		b.WriteString(Marker)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// span is a match: s[start:end].
type span struct{ start, end int }

// Find reports whether data holds one of the known values, with a
// description of the first one found that names its length but never its
// content, such as "a secret value from the environment (40 bytes)". Token
// shapes do not count: see the package documentation.
func (r *Redactor) Find(data []byte) (string, bool) {
	for _, v := range r.raw {
		if bytes.Contains(data, v) {
			return fmt.Sprintf("a secret value from the environment (%d bytes)", len(v)), true
		}
	}
	return "", false
}
