package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

type schemaDoc struct {
	root map[string]any
}

func loadSchema(t *testing.T) schemaDoc {
	t.Helper()
	b, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	return schemaDoc{root: root}
}

// resolve follows $ref (only local #/$defs/ references are used) and
// returns the node the reference points at.
func (d schemaDoc) resolve(node map[string]any) (map[string]any, error) {
	for range 10 {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node, nil
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			return nil, fmt.Errorf("unsupported $ref %q", ref)
		}
		defs, _ := d.root["$defs"].(map[string]any)
		next, ok := defs[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q points nowhere", ref)
		}
		node = next
	}
	return nil, fmt.Errorf("$ref chain too long")
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// agree walks the Go type and the schema node together and reports every
// place where they differ.
func (d schemaDoc) agree(path string, typ reflect.Type, raw map[string]any) []string {
	node, err := d.resolve(raw)
	if err != nil {
		return []string{path + ": " + err.Error()}
	}
	typeIs := func(want string) []string {
		if got, _ := node["type"].(string); got != want {
			return []string{fmt.Sprintf("%s: schema type %v, Go %s wants %q", path, node["type"], typ, want)}
		}
		return nil
	}
	if typ == reflect.TypeFor[json.RawMessage]() {
		// Any JSON value: the schema must not constrain its type.
		if _, ok := node["type"]; ok {
			return []string{fmt.Sprintf("%s: schema type %v, Go json.RawMessage takes any JSON value", path, node["type"])}
		}
		return nil
	}
	switch typ.Kind() {
	case reflect.Bool:
		return typeIs("boolean")
	case reflect.String:
		return typeIs("string")
	case reflect.Int, reflect.Int64:
		return typeIs("integer")
	case reflect.Float64:
		return typeIs("number")
	case reflect.Pointer:
		// A nil pointer is null, so the schema must allow null and one
		// other type, which the pointed-to type must match.
		types := typeList(node)
		other := slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "null" })
		if len(other) != 1 || len(types) != 2 {
			return []string{fmt.Sprintf("%s: schema type %v, Go %s wants null and one other type", path, node["type"], typ)}
		}
		elem := maps.Clone(node)
		elem["type"] = other[0]
		return d.agree(path, typ.Elem(), elem)
	case reflect.Slice:
		problems := typeIs("array")
		items, _ := node["items"].(map[string]any)
		return append(problems, d.agree(path+"[]", typ.Elem(), items)...)
	case reflect.Map:
		problems := typeIs("object")
		values, ok := node["additionalProperties"].(map[string]any)
		if !ok {
			return append(problems, path+": a map needs an additionalProperties schema")
		}
		return append(problems, d.agree(path+"{}", typ.Elem(), values)...)
	case reflect.Struct:
		problems := typeIs("object")
		if node["additionalProperties"] != false {
			problems = append(problems, path+": additionalProperties must be false")
		}
		props, _ := node["properties"].(map[string]any)
		var fields []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := jsonName(f)
			if name == "" || name == "-" {
				problems = append(problems, fmt.Sprintf("%s: field %s has no json name", path, f.Name))
				continue
			}
			if strings.Contains(f.Tag.Get("json"), "omitempty") {
				problems = append(problems, fmt.Sprintf("%s.%s: omitempty would drop a required field", path, name))
			}
			fields = append(fields, name)
			prop, ok := props[name].(map[string]any)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: field %q missing from the schema", path, name))
				continue
			}
			problems = append(problems, d.agree(path+"."+name, f.Type, prop)...)
		}
		for _, name := range slices.Sorted(maps.Keys(props)) {
			if !slices.Contains(fields, name) {
				problems = append(problems, fmt.Sprintf("%s: schema property %q missing from %s", path, name, typ))
			}
		}
		var required []string
		for _, r := range node["required"].([]any) {
			required = append(required, r.(string))
		}
		slices.Sort(required)
		slices.Sort(fields)
		if !slices.Equal(required, fields) {
			problems = append(problems, fmt.Sprintf("%s: required %v, want every field %v", path, required, fields))
		}
		return problems
	default:
		return []string{fmt.Sprintf("%s: Go kind %s has no schema mapping", path, typ.Kind())}
	}
}

func TestSchemaMatchesReportType(t *testing.T) {
	t.Parallel()
	d := loadSchema(t)
	if got := d.root["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", got)
	}
	for _, p := range d.agree("$", reflect.TypeOf(Report{}), d.root) {
		t.Error(p)
	}
}

// typeList returns the types a schema node allows: its "type", a string
// or a list of strings.
func typeList(node map[string]any) []string {
	switch t := node["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var types []string
		for _, v := range t {
			if s, ok := v.(string); ok {
				types = append(types, s)
			}
		}
		return types
	}
	return nil
}

// firstTask returns the first task of a decoded report.
func firstTask(doc map[string]any) map[string]any {
	return doc["tasks"].([]any)[0].(map[string]any)
}

func TestGoldenReportConformsToSchema(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/report.golden.json")
	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	if err := ValidateJSON(b); err != nil {
		t.Error(err)
	}
}

// TestValidateJSONCatchesBreakage proves the schema and its validator can
// fail: each mutation of a valid report must be reported.
func TestValidateJSONCatchesBreakage(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	record(t, s, fullRun()...)
	js, err := buildReport(t, s, fullRunID).JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	step := func(doc map[string]any) map[string]any {
		return firstTask(doc)["steps"].([]any)[0].(map[string]any)
	}
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
	}{
		{"null list", func(doc map[string]any) { doc["tasks"] = nil }},
		{"null map", func(doc map[string]any) { doc["totals"].(map[string]any)["tool_calls"] = nil }},
		{"missing field", func(doc map[string]any) { delete(doc["run"].(map[string]any), "exit_code") }},
		{"extra field", func(doc map[string]any) { doc["repo"].(map[string]any)["remote"] = "x" }},
		{"wrong type", func(doc map[string]any) { doc["run"].(map[string]any)["duration_ms"] = "12" }},
		{"fractional count", func(doc map[string]any) { doc["totals"].(map[string]any)["steps"] = 1.5 }},
		{"negative count", func(doc map[string]any) { doc["totals"].(map[string]any)["denials"] = -1.0 }},
		{"bad time", func(doc map[string]any) { doc["run"].(map[string]any)["started_at"] = "yesterday" }},
		{"wrong schema version", func(doc map[string]any) { doc["schema_version"] = 2.0 }},
		{"string in tool counts", func(doc map[string]any) {
			doc["totals"].(map[string]any)["tool_calls"] = map[string]any{"bash": "1"}
		}},
		{"cost as a string", func(doc map[string]any) { doc["totals"].(map[string]any)["cost_usd"] = "0.01" }},
		{"negative cost", func(doc map[string]any) { doc["totals"].(map[string]any)["cost_usd"] = -0.5 }},
		{"missing cost", func(doc map[string]any) { delete(doc["totals"].(map[string]any), "cost_usd") }},
		{"null attempts", func(doc map[string]any) { doc["totals"].(map[string]any)["attempts"] = nil }},
		{"unknown limit", func(doc map[string]any) { firstTask(doc)["limit"] = "max_money" }},
		{"step cost not a number", func(doc map[string]any) { step(doc)["cost_usd"] = true }},
		{"passed as a string", func(doc map[string]any) {
			firstTask(doc)["checks"].([]any)[0].(map[string]any)["passed"] = "true"
		}},
		{"check round zero", func(doc map[string]any) {
			firstTask(doc)["checks"].([]any)[0].(map[string]any)["round"] = 0.0
		}},
		{"null checks", func(doc map[string]any) { firstTask(doc)["checks"] = nil }},
		{"rollback without to", func(doc map[string]any) { delete(firstTask(doc)["rollback"].(map[string]any), "to") }},
		{"null rollback", func(doc map[string]any) { firstTask(doc)["rollback"] = nil }},
		{"missing checks_failed", func(doc map[string]any) { delete(doc["totals"].(map[string]any), "checks_failed") }},
		{"missing terminal reason", func(doc map[string]any) { delete(doc["run"].(map[string]any), "terminal_reason") }},
		{"missing run branch", func(doc map[string]any) { delete(doc["repo"].(map[string]any), "run_branch") }},
		{"negative model time", func(doc map[string]any) { step(doc)["model_ms"] = -1.0 }},
		{"insertions as a string", func(doc map[string]any) { step(doc)["insertions"] = "3" }},
		{"tool stats without outcome", func(doc map[string]any) {
			delete(doc["totals"].(map[string]any)["tools"].(map[string]any)["bash"].(map[string]any), "denied")
		}},
		{"tool stats as a count", func(doc map[string]any) { doc["totals"].(map[string]any)["tools"] = map[string]any{"bash": 1.0} }},
		{"missing pr", func(doc map[string]any) { delete(firstTask(doc), "pr") }},
		{"pr number zero", func(doc map[string]any) { firstTask(doc)["pr"].(map[string]any)["number"] = 0.0 }},
		{"pr without url", func(doc map[string]any) { delete(firstTask(doc)["pr"].(map[string]any), "url") }},
		{"unknown push result", func(doc map[string]any) { firstTask(doc)["push"].(map[string]any)["result"] = "maybe" }},
		{"push as a string", func(doc map[string]any) { firstTask(doc)["push"] = "origin" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var doc map[string]any
			if err := json.Unmarshal(js, &doc); err != nil {
				t.Fatalf("parse: %v", err)
			}
			tt.mutate(doc)
			broken, err := json.Marshal(doc)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if err := ValidateJSON(broken); err == nil {
				t.Error("ValidateJSON accepted the broken report")
			}
		})
	}
	for _, bad := range []string{"", "{", `{"schema_version": 1} {}`, "[]"} {
		if err := ValidateJSON([]byte(bad)); err == nil {
			t.Errorf("ValidateJSON(%q) = nil, want an error", bad)
		}
	}
}

// TestSchemaAgreementCatchesDrift proves the struct walk above can fail:
// Go types that drift from the schema's model object are reported.
func TestSchemaAgreementCatchesDrift(t *testing.T) {
	t.Parallel()
	d := loadSchema(t)
	model := map[string]any{"$ref": "#/$defs/model"}
	type extraField struct {
		Provider string `json:"provider"`
		Name     string `json:"name"`
		Version  string `json:"version"`
	}
	type missingField struct {
		Provider string `json:"provider"`
	}
	type wrongType struct {
		Provider string `json:"provider"`
		Name     int    `json:"name"`
	}
	type omitted struct {
		Provider string `json:"provider"`
		Name     string `json:"name,omitempty"`
	}
	type ok struct {
		Provider string `json:"provider"`
		Name     string `json:"name"`
	}
	tests := []struct {
		name     string
		typ      reflect.Type
		problems bool
	}{
		{"extra field", reflect.TypeOf(extraField{}), true},
		{"missing field", reflect.TypeOf(missingField{}), true},
		{"wrong type", reflect.TypeOf(wrongType{}), true},
		{"omitempty", reflect.TypeOf(omitted{}), true},
		{"matching", reflect.TypeOf(ok{}), false},
	}
	for _, tt := range tests {
		if p := d.agree("$", tt.typ, model); (len(p) > 0) != tt.problems {
			t.Errorf("%s: problems %v, want problems=%v", tt.name, p, tt.problems)
		}
	}

	// Costs are nullable numbers: only a pointer to a float agrees.
	costs := map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"cost_usd"},
		"properties": map[string]any{"cost_usd": map[string]any{"$ref": "#/$defs/cost"}},
	}
	type notNullable struct {
		Cost float64 `json:"cost_usd"`
	}
	type nullableInt struct {
		Cost *int `json:"cost_usd"`
	}
	type nullableFloat struct {
		Cost *float64 `json:"cost_usd"`
	}
	costTests := []struct {
		name     string
		typ      reflect.Type
		problems bool
	}{
		{"float without null", reflect.TypeOf(notNullable{}), true},
		{"nullable integer", reflect.TypeOf(nullableInt{}), true},
		{"nullable float", reflect.TypeOf(nullableFloat{}), false},
	}
	for _, tt := range costTests {
		if p := d.agree("$", tt.typ, costs); (len(p) > 0) != tt.problems {
			t.Errorf("%s: problems %v, want problems=%v", tt.name, p, tt.problems)
		}
	}
}
