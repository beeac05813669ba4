package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The markers around the generated field list of docs/reports.md.
const (
	beginFields = "<!-- BEGIN report fields: generated from report/schema.json by `go generate ./tasks`; do not edit. -->\n"
	endFields   = "<!-- END report fields -->\n"
)

// spliceReportFields returns page with the region between the markers
// replaced by the field list of the report schema.
func spliceReportFields(page, schema []byte) ([]byte, error) {
	start := bytes.Index(page, []byte(beginFields))
	end := bytes.Index(page, []byte(endFields))
	if start < 0 || end < start {
		return nil, fmt.Errorf("splice report fields: %s needs the lines %q and %q, in that order", reportsPath, strings.TrimSpace(beginFields), strings.TrimSpace(endFields))
	}
	fields, err := reportFields(schema)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(page[:start+len(beginFields)])
	b.Write(fields)
	b.Write(page[end:])
	return b.Bytes(), nil
}

// jsonSchema is the part of a JSON Schema the field list reads.
type jsonSchema struct {
	Ref                  string                 `json:"$ref"`
	Description          string                 `json:"description"`
	Type                 any                    `json:"type"`
	Const                any                    `json:"const"`
	Enum                 []any                  `json:"enum"`
	Items                *jsonSchema            `json:"items"`
	Properties           map[string]*jsonSchema `json:"properties"`
	AdditionalProperties any                    `json:"additionalProperties"`
	Required             []string               `json:"required"`
	Defs                 map[string]*jsonSchema `json:"$defs"`
}

// reportFields renders a table of every field of the report, in the
// schema's required order, following $refs into $defs.
func reportFields(data []byte) ([]byte, error) {
	var root jsonSchema
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("read report schema: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("\n| Field | Type | Description |\n|---|---|---|\n")
	r := reportWalker{defs: root.Defs, out: &b}
	if err := r.object("", &root, 0); err != nil {
		return nil, err
	}
	b.WriteString("\n")
	return b.Bytes(), nil
}

type reportWalker struct {
	defs map[string]*jsonSchema
	out  *bytes.Buffer
}

// maxDepth bounds the walk, so a schema that refers to itself cannot loop.
const maxDepth = 8

// resolve follows s's $ref, returning the definition and its name.
func (r reportWalker) resolve(s *jsonSchema) (*jsonSchema, string, error) {
	if s.Ref == "" {
		return s, "", nil
	}
	name, ok := strings.CutPrefix(s.Ref, "#/$defs/")
	def := r.defs[name]
	if !ok || def == nil {
		return nil, "", fmt.Errorf("report schema: cannot resolve %s", s.Ref)
	}
	return def, name, nil
}

// object writes a row for each property of s, then the rows of the
// properties that are objects themselves.
func (r reportWalker) object(prefix string, s *jsonSchema, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("report schema: %s nests deeper than %d", prefix, maxDepth)
	}
	for _, name := range propertyOrder(s) {
		p := s.Properties[name]
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		def, defName, err := r.resolve(p)
		if err != nil {
			return err
		}
		desc := p.Description
		if desc == "" {
			desc = def.Description
		}
		typ, nested, err := r.typeOf(def, defName)
		if err != nil {
			return err
		}
		fmt.Fprintf(r.out, "| `%s` | %s | %s |\n", path, cell(typ), cell(desc))
		if nested != nil {
			next := path
			if def.Items != nil {
				next += "[]"
			}
			if err := r.object(next, nested, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeOf describes a definition's type and returns the object whose fields
// follow it in the table, if any.
func (r reportWalker) typeOf(s *jsonSchema, defName string) (string, *jsonSchema, error) {
	if s.Items != nil {
		item, itemName, err := r.resolve(s.Items)
		if err != nil {
			return "", nil, err
		}
		t, _, err := r.typeOf(item, itemName)
		if err != nil {
			return "", nil, err
		}
		var nested *jsonSchema
		if item.Properties != nil {
			nested = item
		}
		return "list of " + t, nested, nil
	}
	if s.Properties != nil {
		return "object", s, nil
	}
	t := typeNames(s.Type)
	if extra, ok := s.AdditionalProperties.(map[string]any); ok {
		if v, ok := extra["type"]; ok {
			t = "object of " + typeNames(v)
		} else {
			t = "object"
		}
	}
	if s.Const != nil {
		t += fmt.Sprintf(" (always %v)", s.Const)
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = fmt.Sprintf("`%v`", v)
			if v == "" {
				vals[i] = `""`
			}
		}
		t += ": " + strings.Join(vals, ", ")
	}
	switch defName {
	case "time":
		t = "time (RFC 3339, UTC) or \"\""
	case "duration":
		t = "integer (milliseconds)"
	case "cost":
		t = "number (US dollars) or null"
	}
	return t, nil, nil
}

// typeNames writes a JSON Schema type, a name or a list of names.
func typeNames(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		names := make([]string, len(t))
		for i, n := range t {
			names[i] = fmt.Sprint(n)
		}
		return strings.Join(names, " or ")
	}
	return "any"
}

// propertyOrder returns s's properties: the required ones in the order the
// schema lists them, then the others sorted.
func propertyOrder(s *jsonSchema) []string {
	var out []string
	seen := map[string]bool{}
	for _, name := range s.Required {
		if _, ok := s.Properties[name]; ok && !seen[name] {
			out = append(out, name)
			seen[name] = true
		}
	}
	var rest []string
	for name := range s.Properties {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
