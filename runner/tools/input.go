package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

type readFileInput struct {
	Path   string `json:"path"`
	Offset *int   `json:"offset"`
	Limit  *int   `json:"limit"`
}

type writeFileInput struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

type editFileInput struct {
	Path       string `json:"path"`
	OldString  string `json:"old_string"`
	NewString  string `json:"new_string"`
	ReplaceAll bool   `json:"replace_all"`
}

type listFilesInput struct {
	Path    string `json:"path"`
	Pattern string `json:"pattern"`
}

type grepInput struct {
	Pattern string `json:"pattern"`
	Path    string `json:"path"`
	Glob    string `json:"glob"`
}

type bashInput struct {
	Command  string   `json:"command"`
	TimeoutS *float64 `json:"timeout_s"`
}

// decodeInput decodes a tool's JSON input into dst strictly: the input must
// be an object, every field must be one the tool declares and have the
// declared JSON type, and every required field must be present and not
// null. Errors name the field and the accepted ones, so the model can fix
// its call. A null optional field counts as absent.
func decodeInput(spec toolSpec, raw json.RawMessage, dst any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return fmt.Errorf("input must be a JSON object with the fields %s", spec.accepted())
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names) // report the same field first every time
	for _, name := range names {
		p, ok := spec.param(name)
		if !ok {
			return fmt.Errorf("unknown field %q; %s accepts %s", name, spec.name, spec.accepted())
		}
		value := bytes.TrimSpace(fields[name])
		if bytes.Equal(value, []byte("null")) {
			delete(fields, name)
			continue
		}
		if err := checkType(p, value); err != nil {
			return err
		}
	}
	for _, p := range spec.params {
		if _, ok := fields[p.name]; p.required && !ok {
			return fmt.Errorf("missing required field %q; %s accepts %s", p.name, spec.name, spec.accepted())
		}
	}
	cleaned, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("re-encode input: %w", err)
	}
	if err := json.Unmarshal(cleaned, dst); err != nil {
		return fmt.Errorf("decode input: %w", err)
	}
	return nil
}

// checkType checks one non-null field value against its declared type.
func checkType(p param, value []byte) error {
	got := jsonKind(value)
	switch p.typ {
	case typeInteger:
		if got == typeNumber {
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n != int64(int(n)) {
				return fmt.Errorf("field %q must be an integer, got %s", p.name, value)
			}
			return checkMinimum(p, float64(n))
		}
	case typeNumber:
		if got == typeNumber {
			f, err := strconv.ParseFloat(string(value), 64)
			if err != nil {
				return fmt.Errorf("field %q must be a number, got %s", p.name, value)
			}
			return checkMinimum(p, f)
		}
	default:
		if got == p.typ {
			return nil
		}
	}
	return fmt.Errorf("field %q must be a%s %s, got %s", p.name, article(p.typ), p.typ, got)
}

func checkMinimum(p param, v float64) error {
	if p.minimum == nil {
		return nil
	}
	if p.exclusiveMinimum && v <= *p.minimum {
		return fmt.Errorf("field %q must be greater than %g, got %g", p.name, *p.minimum, v)
	}
	if !p.exclusiveMinimum && v < *p.minimum {
		return fmt.Errorf("field %q must be at least %g, got %g", p.name, *p.minimum, v)
	}
	return nil
}

func article(typ string) string {
	if typ == typeInteger {
		return "n"
	}
	return ""
}

// jsonKind names the JSON type of a syntactically valid value.
func jsonKind(value []byte) string {
	switch value[0] {
	case '"':
		return typeString
	case 't', 'f':
		return typeBoolean
	case '{':
		return "object"
	case '[':
		return "array"
	case 'n':
		return "null"
	}
	return typeNumber
}

func (s toolSpec) param(name string) (param, bool) {
	for _, p := range s.params {
		if p.name == name {
			return p, true
		}
	}
	return param{}, false
}

// accepted lists the fields of the tool for error messages, e.g.
// "path (required), offset, limit".
func (s toolSpec) accepted() string {
	parts := make([]string, len(s.params))
	for i, p := range s.params {
		parts[i] = p.name
		if p.required {
			parts[i] += " (required)"
		}
	}
	return strings.Join(parts, ", ")
}
