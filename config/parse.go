package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/safe-coder/safe-coder/tasks"
)

// The sections and keys this version reads.
const sectionLLM = "llm"

func llmKeys() []string {
	return []string{"provider", "model", "max_tokens", "api_key", "base_url"}
}

// baseFields maps tasks.BaseProblem fields to the config's key names.
func baseFields() map[string]string {
	return map[string]string{"provider": "provider", "name": "model", "max_output_tokens": "max_tokens", "base_url": "base_url"}
}

// Parse parses the config file data read from path. When the file is not
// valid the error is an Errors holding every problem, sorted by position.
func Parse(path string, data []byte) (*Config, error) {
	p := parser{file: path, pos: scanPositions(string(data))}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var perr toml.ParseError
		if !errors.As(err, &perr) {
			return nil, fmt.Errorf("parse config file %s: %w", path, err)
		}
		return nil, Errors{{File: path, Line: max(perr.Position.Line, 1), Col: max(perr.Position.Col, 1), Msg: syntaxMessage(data, perr)}}
	}
	c := &Config{Path: path}
	for _, name := range sortedKeys(doc) {
		if name != sectionLLM {
			p.topLevel(name, doc[name])
			continue
		}
		section, ok := doc[name].(map[string]any)
		if !ok {
			p.errorf([]string{name}, "expected the [llm] table, got %s", describe(doc[name], false))
			continue
		}
		c.LLM = p.llm(section)
	}
	// Invalid values were left out of c, so this adds no second problem
	// for a key.
	p.checkBase(c)
	if len(p.errs) > 0 {
		p.errs.SortByPosition()
		return nil, p.errs
	}
	return c, nil
}

// parser collects the problems of one file.
type parser struct {
	file string
	pos  positions
	errs Errors
}

func (p *parser) errorf(key []string, format string, args ...any) {
	at := p.pos.of(key)
	p.errs = append(p.errs, &Error{File: p.file, Line: at.line, Col: at.col, Field: strings.Join(key, "."), Msg: fmt.Sprintf(format, args...)})
}

// unknown reports a key or section that is not one of known, with the
// closest known one when there is one and hint, which says what is known.
func (p *parser) unknown(key, known []string, noun, hint string) {
	name := key[len(key)-1]
	msg := fmt.Sprintf("unknown %s %q", noun, clip(name))
	if s, ok := tasks.Suggest(name, known); ok {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	p.errorf(key, "%s (%s)", msg, hint)
}

// topLevel reports what the top level holds besides [llm].
func (p *parser) topLevel(name string, v any) {
	key := []string{name}
	switch _, isTable := v.(map[string]any); {
	case isTable:
		p.unknown(key, []string{sectionLLM}, "section", "the only section is [llm]")
	case slices.Contains(llmKeys(), name):
		p.errorf(key, "%q belongs in the [llm] section; put it under a line holding [llm]", name)
	default:
		p.unknown(key, []string{sectionLLM}, "key", "settings go in the [llm] section")
	}
}

// llm reads the [llm] section.
func (p *parser) llm(section map[string]any) LLM {
	var l LLM
	for _, name := range sortedKeys(section) {
		key := []string{sectionLLM, name}
		v := section[name]
		switch name {
		case "provider":
			if s, ok := p.text(key, v, true); ok {
				l.Provider = p.provider(key, s)
			}
		case "model":
			l.Model, _ = p.text(key, v, true)
		case "max_tokens":
			n, ok := v.(int64)
			switch {
			case !ok:
				p.errorf(key, "expected an integer, got %s", describe(v, true))
			case n < 1:
				p.errorf(key, "must be at least 1, got %d", n)
			default:
				l.MaxTokens = int(n)
			}
		case "api_key":
			l.APIKey, _ = p.text(key, v, false)
		case "base_url":
			l.BaseURL, _ = p.text(key, v, !strings.Contains(fmt.Sprint(v), "@"))
		default:
			p.unknown(key, llmKeys(), "key", "the [llm] keys are "+strings.Join(llmKeys(), ", "))
		}
	}
	return l
}

// text reads a non-empty string. show says whether a wrong value may be
// repeated in the message: never for a key.
func (p *parser) text(key []string, v any, show bool) (string, bool) {
	s, ok := v.(string)
	switch {
	case !ok:
		p.errorf(key, "expected a string, got %s", describe(v, show))
		return "", false
	case strings.TrimSpace(s) == "":
		p.errorf(key, "must not be empty; leave the key out instead")
		return "", false
	}
	return s, true
}

// provider checks a provider name against the task file's.
func (p *parser) provider(key []string, s string) tasks.Provider {
	names := make([]string, 0, len(tasks.Providers()))
	for _, pr := range tasks.Providers() {
		if string(pr) == s {
			return pr
		}
		names = append(names, string(pr))
	}
	msg := fmt.Sprintf("unknown provider %q; expected one of %s", clip(s), strings.Join(names, ", "))
	if sug, ok := tasks.Suggest(s, names); ok {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	}
	p.errorf(key, "%s", msg)
	return ""
}

// checkBase checks the section by the task file's rules for the same
// model keys, so the two never disagree.
func (p *parser) checkBase(c *Config) {
	fields := baseFields()
	for _, prob := range c.Base().Problems() {
		p.errorf([]string{sectionLLM, fields[prob.Field]}, "%s", prob.Msg)
	}
}

// describe names a decoded TOML value's type, with the value itself when
// show allows it.
func describe(v any, show bool) string {
	var kind string
	switch v.(type) {
	case string:
		kind = "a string"
	case int64:
		kind = "an integer"
	case float64:
		kind = "a float"
	case bool:
		kind = "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return "a date or time"
	}
	if !show {
		return kind
	}
	if s, ok := v.(string); ok {
		return kind + " " + fmt.Sprintf("%q", clip(s))
	}
	return kind + " " + clip(fmt.Sprint(v))
}

// maxShown is how many runes of a found value a message repeats.
const maxShown = 40

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxShown {
		return s
	}
	return string([]rune(s)[:maxShown]) + "..."
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// quotedText is what the TOML parser quotes from the file in its messages.
var quotedText = regexp.MustCompile(`"[^"]*"|'[^']*'`)

// syntaxMessage is the TOML parser's message, without the text it quotes
// when the problem is on a line that may hold a key: an unquoted api_key
// ("expected value but found \"AIza…\" instead") would otherwise be
// printed.
func syntaxMessage(data []byte, perr toml.ParseError) string {
	lines := strings.Split(string(data), "\n")
	n := perr.Position.Line
	if n < 1 || n > len(lines) || !strings.Contains(strings.ToLower(lines[n-1]), "key") {
		return perr.Message
	}
	return quotedText.ReplaceAllString(perr.Message, "(a value, not shown)")
}
