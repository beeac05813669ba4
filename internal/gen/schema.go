package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/safe-coder/safe-coder/tasks"
)

// schemaID is where editors and tests find the task-file schema.
const schemaID = "https://github.com/safe-coder/safe-coder/schema/tasks.schema.json"

// obj is one JSON Schema object; encoding/json writes its keys sorted, so
// the output is stable.
type obj = map[string]any

// taskSchema renders the task file's JSON Schema (draft 2020-12) from
// tasks.Reference. Each setting is defined once under $defs and referred to
// from defaults and from the task item.
func taskSchema() ([]byte, error) {
	keys := tasks.Reference()
	defs := obj{}
	settings := obj{}
	taskProps := obj{}
	rootProps := obj{}
	for _, k := range keys {
		if strings.Contains(k.Path, ".") {
			continue // rendered inside its parent
		}
		s, err := keySchema(k, keys)
		if err != nil {
			return nil, err
		}
		switch k.Scope {
		case tasks.ScopeSetting:
			defs[k.Path] = s
			settings[k.Path] = obj{"$ref": "#/$defs/" + k.Path}
			taskProps[k.Path] = obj{"$ref": "#/$defs/" + k.Path}
		case tasks.ScopeTask:
			taskProps[k.Path] = s
		case tasks.ScopeRoot:
			rootProps[k.Path] = s
		}
	}
	defs["settings"] = obj{
		"type":                 "object",
		"additionalProperties": false,
		"properties":           settings,
	}
	defs["task"] = obj{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"name"},
		"properties":           taskProps,
		// A task has one source of prompts.
		"oneOf": []obj{
			{"required": []string{"prompt"}},
			{"required": []string{"prompts"}},
			{"required": []string{"command"}},
		},
		"dependentRequired": obj{"args": []string{"command"}},
	}
	rootProps["defaults"].(obj)["$ref"] = "#/$defs/settings"
	rootProps["tasks"].(obj)["items"] = obj{"$ref": "#/$defs/task"}
	schema := obj{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  schemaID,
		"title":                "safe-coder task file",
		"description":          "A safe-coder task file, schema version 1. Generated from tasks/reference.go by `go generate ./tasks`; do not edit. safe-coder validate checks more than this schema can (provider-specific keys, prices, rules).",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"version", "tasks"},
		"properties":           rootProps,
		"$defs":                defs,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(schema); err != nil {
		return nil, fmt.Errorf("encode task-file schema: %w", err)
	}
	return b.Bytes(), nil
}

// keySchema renders one key, with its children when it is a mapping.
func keySchema(k tasks.Key, keys []tasks.Key) (obj, error) {
	desc := k.Description
	if k.DefaultNote != "" {
		desc += " Default: " + k.DefaultNote + "."
	}
	s := obj{"description": desc}
	example, err := yamlValue(k.Example)
	if err != nil {
		return nil, fmt.Errorf("example of %s: %w", k.Path, err)
	}
	s["examples"] = []any{example}
	if k.Default != nil {
		s["default"] = k.Default
	}
	// The defaults mapping is a $ref to the settings; tasks is given its
	// items by the caller.
	if k.Scope == tasks.ScopeRoot && k.Path == "defaults" {
		return s, nil
	}
	s["type"] = string(k.Type)
	constrain(s, k, k.Type)
	switch k.Type {
	case tasks.TypeArray:
		if k.Items != tasks.TypeObject {
			item := obj{"type": string(k.Items)}
			constrain(item, k, k.Items)
			s["items"] = item
		}
		if k.MinItems > 0 {
			s["minItems"] = k.MinItems
		}
		if k.UniqueItems {
			s["uniqueItems"] = true
		}
	case tasks.TypeObject:
		props := obj{}
		for _, c := range keys {
			parent, _, ok := cutLast(c.Path)
			if !ok || parent != k.Path || c.Scope != k.Scope {
				continue
			}
			cs, err := keySchema(c, keys)
			if err != nil {
				return nil, err
			}
			props[c.Path[len(parent)+1:]] = cs
		}
		s["additionalProperties"] = false
		s["properties"] = props
		if len(k.Required) > 0 {
			s["required"] = k.Required
		}
	}
	return s, nil
}

// constrain adds the constraints of k that apply to a value of type t: the
// key's own value, or each item of an array.
func constrain(s obj, k tasks.Key, t tasks.JSONType) {
	switch t {
	case tasks.TypeString:
		if k.Enum != nil {
			s["enum"] = k.Enum
		}
		if k.Pattern != "" {
			s["pattern"] = k.Pattern
		}
		if k.MaxLength > 0 {
			s["maxLength"] = k.MaxLength
		}
	case tasks.TypeInteger, tasks.TypeNumber:
		if k.Minimum != nil {
			s["minimum"] = *k.Minimum
		}
		if k.ExclusiveMinimum != nil {
			s["exclusiveMinimum"] = *k.ExclusiveMinimum
		}
		if k.Maximum != nil {
			s["maximum"] = *k.Maximum
		}
	}
}

// yamlValue reads a YAML value as JSON would hold it.
func yamlValue(text string) (any, error) {
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("read YAML %q: %w", text, err)
	}
	return v, nil
}

// cutLast splits a dotted path at its last dot.
func cutLast(p string) (parent, key string, ok bool) {
	i := strings.LastIndex(p, ".")
	if i < 0 {
		return "", p, false
	}
	return p[:i], p[i+1:], true
}
