package tasks

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// opt is one setting as written in the file: absent, present but invalid
// (already reported), or present and valid. Keeping where it was written
// lets checks that combine settings (a key that does not apply to the
// provider chosen elsewhere) point at the right place.
type opt[T any] struct {
	v    T
	set  bool       // the key is present, valid or not
	ok   bool       // the value is valid
	key  *yaml.Node // the key, nil for sequence items
	node *yaml.Node // the value, resolved; nil when unreadable
	path string     // dotted path where it is written
}

// or returns o when it is set and fallback otherwise: a task's setting
// wins over the default.
func (o opt[T]) or(fallback opt[T]) opt[T] {
	if o.set {
		return o
	}
	return fallback
}

// get returns the value of a valid setting and def otherwise.
func (o opt[T]) get(def T) T {
	if o.set && o.ok {
		return o.v
	}
	return def
}

// start begins reading f: it resolves the value and returns an opt that is
// set but not yet valid. node is nil when the budget ran out.
func (w *walker) start(f field) (opt[struct{}], *yaml.Node) {
	n := w.resolve(f.value)
	return opt[struct{}]{set: true, key: f.key, node: n, path: f.path}, n
}

// withValue turns a started opt into a valid one carrying v.
func withValue[T any](o opt[struct{}], v T) opt[T] {
	return opt[T]{v: v, set: true, ok: true, key: o.key, node: o.node, path: o.path}
}

// invalid turns a started opt into one that is set but invalid.
func invalid[T any](o opt[struct{}]) opt[T] {
	return opt[T]{set: true, key: o.key, node: o.node, path: o.path}
}

// str reads a string. Only !!str scalars are strings: an unquoted 2024,
// true or null is not silently turned into text.
func (w *walker) str(f field) opt[string] {
	o, n := w.start(f)
	if n == nil {
		return invalid[string](o)
	}
	if n.Kind != yaml.ScalarNode || n.Tag != tagStr {
		msg := "expected a string, got " + describe(n)
		if isPlain(n) && n.Tag != tagNull {
			msg += "; quote it if you mean the text: " + quote(n.Value)
		}
		w.errorf(n, f.path, "%s", msg)
		return invalid[string](o)
	}
	return withValue(o, n.Value)
}

// text reads a string that must not be empty or only blanks.
func (w *walker) text(f field) opt[string] {
	o := w.str(f)
	if o.ok && strings.TrimSpace(o.v) == "" {
		w.errorf(o.node, f.path, "must not be empty")
		o.ok = false
	}
	return o
}

// decimalInt is how integers must be written: YAML also reads 0x10, 0o17
// and 010 (octal 8) as integers, which is never what a limit means.
var decimalInt = regexp.MustCompile(`^[-+]?(0|[1-9][0-9_]*)$`)

// integer reads an integer written in decimal.
func (w *walker) integer(f field) opt[int] {
	o, n := w.start(f)
	if n == nil {
		return invalid[int](o)
	}
	if n.Kind != yaml.ScalarNode || n.Tag != tagInt {
		msg := "expected an integer, got " + describe(n)
		switch {
		case n.Kind == yaml.ScalarNode && n.Tag == tagStr && decimalInt.MatchString(n.Value):
			msg += "; remove the quotes"
		case n.Kind == yaml.ScalarNode && n.Tag == tagFloat:
			if v, err := strconv.ParseFloat(n.Value, 64); err == nil && v == math.Trunc(v) && math.Abs(v) < 1e15 {
				msg += fmt.Sprintf("; write %d", int64(v))
			}
		}
		w.errorf(n, f.path, "%s", msg)
		return invalid[int](o)
	}
	if !decimalInt.MatchString(n.Value) {
		w.errorf(n, f.path, "expected a decimal integer, got %s; write it in decimal without leading zeros", clip(n.Value))
		return invalid[int](o)
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, 0)
	if err != nil {
		w.errorf(n, f.path, "integer %s is out of range", clip(n.Value))
		return invalid[int](o)
	}
	return withValue(o, int(v))
}

// intRange reads an integer between lo and hi inclusive.
func (w *walker) intRange(f field, lo, hi int) opt[int] {
	o := w.integer(f)
	if o.ok && (o.v < lo || o.v > hi) {
		w.errorf(o.node, f.path, "must be between %d and %d, got %d", lo, hi, o.v)
		o.ok = false
	}
	return o
}

// intAtLeast reads an integer of at least lo.
func (w *walker) intAtLeast(f field, lo int) opt[int] {
	o := w.integer(f)
	if o.ok && o.v < lo {
		w.errorf(o.node, f.path, "must be at least %d, got %d", lo, o.v)
		o.ok = false
	}
	return o
}

// number reads a decimal number, with or without a fraction. YAML's .inf
// and .nan and its hexadecimal and octal integers are never amounts, so
// they are refused.
func (w *walker) number(f field) opt[float64] {
	o, n := w.start(f)
	if n == nil {
		return invalid[float64](o)
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != tagInt && n.Tag != tagFloat) {
		msg := "expected a number, got " + describe(n)
		if n.Kind == yaml.ScalarNode && n.Tag == tagStr {
			if _, err := strconv.ParseFloat(n.Value, 64); err == nil && !strings.ContainsAny(n.Value, "iInN") {
				msg += "; remove the quotes"
			}
		}
		w.errorf(n, f.path, "%s", msg)
		return invalid[float64](o)
	}
	if n.Tag == tagInt && !decimalInt.MatchString(n.Value) {
		w.errorf(n, f.path, "expected a decimal number, got %s; write it in decimal without leading zeros", clip(n.Value))
		return invalid[float64](o)
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		w.errorf(n, f.path, "expected a finite number, got %s", clip(n.Value))
		return invalid[float64](o)
	}
	return withValue(o, v)
}

// boolean reads true or false. The other words YAML 1.1 reads as booleans
// (yes, on, n, ...) are strings to yaml.v3 but booleans to other tools
// reading the same file, so they are refused with the word to write.
func (w *walker) boolean(f field) opt[bool] {
	o, n := w.start(f)
	if n == nil {
		return invalid[bool](o)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == tagBool {
		switch strings.ToLower(n.Value) {
		case "true":
			return withValue(o, true)
		case "false":
			return withValue(o, false)
		}
	}
	msg := "expected true or false, got " + describe(n)
	switch {
	case isPlain(n) && isYAML11Bool(n.Value):
		v := yaml11True(n.Value)
		msg = fmt.Sprintf("expected true or false, got %q, which YAML 1.1 reads as %t and YAML 1.2 as a string; write %t", n.Value, v, v)
	case n.Kind == yaml.ScalarNode && n.Tag == tagStr && (n.Value == "true" || n.Value == "false"):
		msg += "; remove the quotes"
	}
	w.errorf(n, f.path, "%s", msg)
	return invalid[bool](o)
}

// duration reads a Go duration string such as "90s" or "1h30m" that is
// more than 0 and at most hi.
func (w *walker) duration(f field, hi time.Duration) opt[time.Duration] {
	const expected = "expected a duration like 90s, 2m or 1h30m"
	o, n := w.start(f)
	if n == nil {
		return invalid[time.Duration](o)
	}
	if n.Kind != yaml.ScalarNode || n.Tag != tagStr {
		msg := expected + ", got " + describe(n)
		if n.Kind == yaml.ScalarNode && (n.Tag == tagInt || n.Tag == tagFloat) {
			if v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && v > 0 {
				msg += fmt.Sprintf("; a bare number has no unit: write %ss", strconv.FormatFloat(v, 'f', -1, 64))
			}
		}
		w.errorf(n, f.path, "%s", msg)
		return invalid[time.Duration](o)
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		w.errorf(n, f.path, "%s, got %s", expected, quote(n.Value))
		return invalid[time.Duration](o)
	}
	if d <= 0 || d > hi {
		w.errorf(n, f.path, "must be more than 0 and at most %s, got %s", formatDuration(hi), clip(n.Value))
		return invalid[time.Duration](o)
	}
	return withValue(o, d)
}

// formatDuration writes d without the zero units time.Duration.String
// adds ("24h" rather than "24h0m0s").
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// enum is a set of words a value must be one of.
type enum struct {
	noun   string   // what a value is, for "not a mode"
	values []string // valid values, in the order messages list them
}

// oneOf reads a word from e. Unquoted YAML 1.1 boolean words are called
// out, because "approval: yes" is a mistake that reads as valid.
func (w *walker) oneOf(f field, e enum) opt[string] {
	o, n := w.start(f)
	if n == nil {
		return invalid[string](o)
	}
	expected := "expected one of " + strings.Join(e.values, ", ")
	switch {
	case isPlain(n) && isYAML11Bool(n.Value):
		w.errorf(n, f.path, "%s; got %q (a YAML 1.1 boolean word, not a %s)", expected, n.Value, e.noun)
	case n.Kind != yaml.ScalarNode || n.Tag != tagStr:
		w.errorf(n, f.path, "%s; got %s", expected, describe(n))
	case slices.Contains(e.values, n.Value):
		return withValue(o, n.Value)
	default:
		msg := fmt.Sprintf("%s; got %s", expected, quote(n.Value))
		if s, ok := suggest(n.Value, e.values); ok {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		w.errorf(n, f.path, "%s", msg)
	}
	return invalid[string](o)
}

// seq reads a sequence and returns its items as fields.
func (w *walker) seq(f field) (items []field, node *yaml.Node, ok bool) {
	n := w.resolve(f.value)
	if n == nil {
		return nil, nil, false
	}
	if n.Kind != yaml.SequenceNode {
		w.errorf(n, f.path, "expected a sequence, got %s", describe(n))
		return nil, n, false
	}
	items = make([]field, len(n.Content))
	for i, c := range n.Content {
		items[i] = field{value: c, path: indexPath(f.path, i)}
	}
	return items, n, true
}
