package secrets

import (
	"regexp"
	"strings"
)

// shape is one kind of token, found by a literal prefix and then an RE2
// expression anchored there. Searching for the prefix with strings.Index
// first keeps Redact at memory speed on text without tokens, where running
// each expression over the whole text would not be.
type shape struct {
	prefix string
	// re matches the whole token at the start of the text it is given,
	// prefix included.
	re *regexp.Regexp
	// wordStart requires the prefix to begin a word: "sk-" is also the end
	// of "task-" and "disk-", which are not OpenAI keys.
	wordStart bool
}

// tokenShapes returns the token kinds every Redactor looks for. The
// lengths are each provider's minimum, so that a shorter near miss (a
// "ghp_" with 35 characters, an "sk-" with five) is left alone.
func tokenShapes() []shape {
	mk := func(prefix, expr string, wordStart bool) shape {
		return shape{prefix: prefix, re: regexp.MustCompile(`^(?:` + expr + `)`), wordStart: wordStart}
	}
	shapes := []shape{
		// GitHub fine-grained personal access tokens.
		mk("github_pat_", `github_pat_[A-Za-z0-9_]{22,}`, false),
		// OpenAI keys, project keys (sk-proj-) included, and Anthropic
		// keys: sk-ant-[A-Za-z0-9_-]{20,} is a case of this shape, since
		// "ant-" is four more characters of its class.
		mk("sk-", `sk-(?:proj-)?[A-Za-z0-9_-]{20,}`, true),
		// AWS access key IDs.
		mk("AKIA", `AKIA[0-9A-Z]{16}`, false),
		// Slack bot, app, user, refresh and legacy tokens.
		mk("xox", `xox[baprs]-[A-Za-z0-9-]{10,}`, false),
		// The whole block, to its END line; a block cut short (output cut
		// head and tail, a half-printed file) is redacted to the end of
		// the text, since its base64 body is the secret.
		mk("-----BEGIN ", `(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z)`, false),
	}
	// GitHub: personal (ghp_), OAuth (gho_), user-to-server (ghu_),
	// server-to-server (ghs_) and refresh (ghr_) tokens, one prefix each:
	// "gh" alone starts too many English words ("high", "night").
	for _, p := range []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"} {
		shapes = append(shapes, mk(p, p+`[A-Za-z0-9]{36}`, false))
	}
	return shapes
}

// find appends the spans of every token of this shape in s to spans.
func (sh shape) find(s string, spans []span) []span {
	for from := 0; ; {
		i := strings.Index(s[from:], sh.prefix)
		if i < 0 {
			return spans
		}
		start := from + i
		from = start + 1
		if sh.wordStart && start > 0 && isWordByte(s[start-1]) {
			continue
		}
		loc := sh.re.FindStringIndex(s[start:])
		if loc == nil {
			continue
		}
		spans = append(spans, span{start, start + loc[1]})
		// Tokens of one shape do not overlap; the next one starts after
		// this one.
		from = start + loc[1]
	}
}

// isWordByte reports whether b is an ASCII letter, digit or underscore, as
// RE2's \b defines a word character.
func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}
