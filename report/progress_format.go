package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// eventLine is one event as Progress shows it: a name, a time, its run and
// task, and its fields in a fixed order, so every mode prints the same
// facts in the same order.
type eventLine struct {
	name   string
	at     time.Time
	run    string
	task   string
	level  int
	noRun  bool
	fields []progressField
}

// progressField is one key and its value: a string, an int, an int64, a
// bool, a []string, a cost or a time.Duration.
type progressField struct {
	key   string
	value any
}

func newLine(name string, at time.Time, run, task string, level int) eventLine {
	return eventLine{name: name, at: at, run: run, task: task, level: level}
}

func (l *eventLine) add(key string, value any) {
	l.fields = append(l.fields, progressField{key: key, value: value})
}

// opt adds an optional field, left out when empty or zero.
func (l *eventLine) opt(key string, value any) {
	switch v := value.(type) {
	case string:
		if v == "" {
			return
		}
	case int64:
		if v == 0 {
			return
		}
	}
	l.add(key, value)
}

// Time layouts: plain lines are read by people next to CI timestamps;
// JSON keeps milliseconds for ordering events of one step.
const (
	plainTime = "2006-01-02T15:04:05Z07:00"
	jsonTime  = "2006-01-02T15:04:05.000Z07:00"
)

// plainLine renders l as "TIME [task] name key=value…": values with
// spaces, quotes or control characters are quoted Go-style, so the line
// holds no control character and splits unambiguously on spaces.
func plainLine(l eventLine) string {
	return l.at.UTC().Format(plainTime) + " " + taskTag(l.task) + l.name + plainFields(l) + "\n"
}

// taskTag is "[task] ", or "" for a run's event.
func taskTag(task string) string {
	if task == "" {
		return ""
	}
	return "[" + escapeControls(inline(task)) + "] "
}

// plainFields renders the fields of l as " key=value…", after the run's id
// for a run's own events.
func plainFields(l eventLine) string {
	var b strings.Builder
	if l.task == "" && l.run != "" {
		b.WriteString(" run=" + plainValue(l.run))
	}
	for _, f := range l.fields {
		b.WriteString(" " + f.key + "=" + plainValue(f.value))
	}
	return b.String()
}

func plainValue(v any) string {
	switch v := v.(type) {
	case string:
		return plainString(v)
	case []string:
		quoted := make([]string, len(v))
		for i, s := range v {
			quoted[i] = plainString(s)
		}
		return strings.Join(quoted, ",")
	case costSum:
		if v.unknown {
			return "unknown"
		}
		return strconv.FormatFloat(v.usd, 'f', 4, 64)
	case time.Duration:
		return v.Round(time.Millisecond).String()
	default:
		return fmt.Sprint(v)
	}
}

func plainString(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return r == ' ' || r == '"' || r == '=' || r == ',' || needsEscape(r) || r == '\n' || r == utf8.RuneError
	}) {
		return strconv.Quote(s)
	}
	return s
}

// jsonLine renders l as one JSON object on one line. Besides what
// encoding/json escapes, DEL, the C1 controls and the bidirectional
// overrides are written as \u escapes, so a terminal showing the line
// cannot be driven by it; the value is unchanged for a JSON reader.
func jsonLine(l eventLine) string {
	var b strings.Builder
	b.WriteString(`{"event":` + jsonString(l.name))
	b.WriteString(`,"time":` + jsonString(l.at.UTC().Format(jsonTime)))
	if !l.noRun {
		b.WriteString(`,"run":` + jsonString(l.run))
	}
	if l.task != "" {
		b.WriteString(`,"task":` + jsonString(l.task))
	}
	for _, f := range l.fields {
		key, value := f.key, jsonValue(f.value)
		if d, ok := f.value.(time.Duration); ok {
			key, value = f.key+"_ms", strconv.FormatInt(d.Milliseconds(), 10)
		}
		b.WriteString("," + jsonString(key) + ":" + value)
	}
	b.WriteString("}\n")
	return b.String()
}

func jsonValue(v any) string {
	switch v := v.(type) {
	case costSum:
		if v.unknown {
			return "null"
		}
		// Sums of prices carry float noise; the report rounds the same way.
		return strconv.FormatFloat(math.Round(v.usd*costScale)/costScale, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case []string:
		items := make([]string, len(v))
		for i, s := range v {
			items[i] = jsonString(s)
		}
		return "[" + strings.Join(items, ",") + "]"
	case string:
		return jsonString(v)
	default:
		return jsonString(fmt.Sprint(v))
	}
}

func jsonString(s string) string {
	// Marshalling a string cannot fail: invalid UTF-8 becomes U+FFFD.
	data, _ := json.Marshal(s)
	return escapeJSONControls(string(data))
}

// escapeJSONControls writes the characters needsEscape flags that
// encoding/json leaves raw as \u escapes. Inside JSON they can only occur
// in strings, where the escape means the same character.
func escapeJSONControls(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if needsEscape(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
